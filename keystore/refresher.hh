// SPDX-License-Identifier: GPL-2.0-or-later
//
// The refresher keeps signatures fresh in the background: one thread per pdns_server process
// (started by the module), or one pass from `signetutil refresh` for cron-style use. It reads the
// due index (keystore/codec.hh "due") from the front, so an idle portfolio of a million zones
// costs one seek per pass. Each zone is refreshed in write transactions of its own after
// checking, inside the first, that it is still due: several processes sharing one store do not
// do the same work twice. A big refresh is split into transactions of at most kRefreshChunk
// names, so that other writers get the store's one writer in between; a killed refresher leaves
// valid signatures, some renewed, which the next pass finishes. Whole-zone work a killed process
// left (keystore/resign.hh) is resumed here once its lease has passed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "keystore/dnssec.hh"
#include "keystore/store.hh"
#include "signer/clock.hh"

namespace signet {

class Refresher {
 public:
  static constexpr size_t kRefreshChunk = 2000;
  using Log = std::function<void(bool warning, const std::string& message)>;
  Refresher(Store& store, Dnssec& dnssec, const Clock& clock, Log log);
  ~Refresher();

  using ZoneFilter = std::function<bool(uint32_t zone_id)>;
  // Refreshes every zone that is due (and every zone woken), at most `max_zones`, only those
  // `only` accepts when given (signetutil refresh ZONE, --tenant). Returns how many zones were
  // refreshed.
  size_t run_once(size_t max_zones = 1000, const ZoneFilter& only = nullptr);
  // Starts the background thread: a pass every `interval_seconds`, or sooner when woken.
  void start(unsigned interval_seconds);
  void stop();
  // Asks for a prompt refresh of a zone (the query path found a signature about to expire).
  void wake(uint32_t zone_id);

 private:
  bool refresh_zone(uint32_t zone_id, bool forced);

  Store& store_;
  Dnssec& dnssec_;
  const Clock& clock_;
  Log log_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<uint32_t> woken_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace signet
