// SPDX-License-Identifier: GPL-2.0-or-later
//
// The DNSSEC state of zones as stored (keystore/codec.hh): a secured zone's signing state (dbi
// dnssec) and its refresh schedule (dbi due), and the key manager's per-zone record (dbi rollover)
// with its wake-up schedule (dbi key_due). Every index entry moves with the record it belongs
// to, in the caller's transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "keystore/store.hh"

namespace signet {

// The zone ids of a due index (key: u64 time | u32 zone id; codec::due_key) whose time has come,
// soonest first, at most `max`. Used for re-signing (dbi due) and key events (dbi key_due).
std::vector<uint32_t> due_index_scan(const lmdb::Txn& txn, MDB_dbi dbi, uint64_t now, size_t max);

// The zone's SOA timers (all zero when it has no SOA): they bound signature refresh and the
// denial chain's TTL.
codec::SoaFields zone_soa(const Store& store, const lmdb::Txn& txn, uint32_t zone_id);

class ZoneState {
 public:
  explicit ZoneState(Store& store) : store_(store) {}

  // The signing state of a secured zone; nullopt: the zone is not secured.
  std::optional<codec::DnssecRecord> find(const lmdb::Txn& txn, uint32_t zone_id) const;
  void put(lmdb::WriteTxn& txn, uint32_t zone_id, const codec::DnssecRecord& state);
  // Stores `state` with a new next refresh time, moving the zone's entry in the due index.
  void put_scheduled(lmdb::WriteTxn& txn, uint32_t zone_id, codec::DnssecRecord& state,
                     uint64_t next_refresh, uint32_t earliest_expiry);
  // Zones whose refresh time has come, earliest first (at most `max`).
  std::vector<uint32_t> due(const lmdb::Txn& txn, uint64_t now, size_t max) const;
  // The ids of every secured zone.
  std::vector<uint32_t> secured_zone_ids(const lmdb::Txn& txn) const;

  // The key manager's record of a zone (default-constructed when it has none yet).
  codec::RolloverRecord rollover(const lmdb::Txn& txn, uint32_t zone_id) const;
  // Stores `after`, moving the zone's entry in the key_due index from before's wake-up time.
  void put_rollover(lmdb::WriteTxn& txn, uint32_t zone_id, const codec::RolloverRecord& before,
                    const codec::RolloverRecord& after);
  // Zones whose key manager wake-up time has come, earliest first (at most `max`).
  std::vector<uint32_t> due_wakeups(const lmdb::Txn& txn, uint64_t now, size_t max) const;
  // The earliest wake-up time filed in the key_due index (0: none).
  uint64_t next_wakeup(const lmdb::Txn& txn) const;
  // Drops a key_due entry of a zone that has no rollover record to move it with (no longer
  // secured).
  void drop_wakeup(lmdb::WriteTxn& txn, uint32_t zone_id, uint64_t when);

  // Forgets the zone's signing state and key manager record, with their index entries.
  void erase(lmdb::WriteTxn& txn, uint32_t zone_id);

 private:
  Store& store_;
};

}  // namespace signet
