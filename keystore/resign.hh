// SPDX-License-Identifier: GPL-2.0-or-later
//
// Chunked whole-zone work. LMDB has one writer per environment, shared by every process: a
// whole-zone re-sign or chain rebuild inside one write transaction (a million-record zone takes
// about a minute) would make every other write of every zone wait that long. So such work is
// recorded in the zone's signing state (codec DnssecRecord) by a short transaction, then carried
// out by ChunkedWork: signatures are prepared outside the write lock (from a read snapshot, on
// the signing threads) and written in short transactions bounded by count and time, each
// checking that what it writes still matches the data (what an edit changed since the snapshot
// was signed by that edit's own transaction and is left alone).
//
// Every state between two chunks is served and validates:
//   * re-sign (key change, sign-zone, import-key): an RRset carries the signatures of the old
//     keys or of the new ones; both are in the DNSKEY RRset (a key that signed the last complete
//     signing stays published until the re-sign completes; SigningService::keys_to_publish).
//     Completion records the new signers (RolloverRecord::signers) and bumps the serial.
//   * denial change: the new chain is built under another generation of the chain keys, which
//     pdns does not read, while edits maintain both chains; once complete and signed, one
//     short transaction switches the live generation and parameters (and signs the apex);
//     the old chain and its RRSIGs are then deleted in chunks (the "gc" generation).
//   * a killed process leaves that state recorded; the next complete() (a command, the key
//     manager, or the refresher once the lease has passed) finishes it.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace signet {

struct ChunkLimits {
  size_t batch = 16384;       // RRsets or chain records prepared from one read snapshot
  size_t chunk_items = 2048;  // rows one write transaction writes at most
  std::chrono::milliseconds chunk_time{100};  // and at most this long
};

struct ChunkProgress {
  std::string phase;  // "re-sign", "chain", "chain signatures", "switch", "garbage", "done"
  size_t items = 0;   // rows written in this phase so far
  size_t chunks = 0;  // write transactions committed so far
};
// Called after every committed write transaction of the work (progress output; tests verify the
// zone there). An exception thrown by it stops the work as a killed process would.
using ChunkHook = std::function<void(const ChunkProgress&)>;

// How long a process may drive a zone's work without renewing its lease (every chunk does):
// after that, the refresher of any process resumes it.
inline constexpr uint64_t kWorkLease = 60;

}  // namespace signet
