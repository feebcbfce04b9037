// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/zone_state.hh"

#include "signer/rrtype.hh"

namespace signet {

codec::SoaFields zone_soa(const Store& store, const lmdb::Txn& txn, uint32_t zone_id) {
  auto soa = store.get_rrset(txn, zone_id, {}, rrtype::SOA);
  if (!soa)
    return {};
  std::span<const uint8_t> r;
  auto it = soa->rdatas();
  it.next(r);
  return codec::soa_fields(r);
}

std::vector<uint32_t> due_index_scan(const lmdb::Txn& txn, MDB_dbi dbi, uint64_t now, size_t max) {
  std::vector<uint32_t> out;
  lmdb::Cursor c(txn, dbi);
  for (bool ok = c.first(); ok && out.size() < max; ok = c.next()) {
    auto due = codec::split_due_key(c.key_bytes());
    if (due.when > now)
      break;
    out.push_back(due.zone_id);
  }
  return out;
}

std::optional<codec::DnssecRecord> ZoneState::find(const lmdb::Txn& txn, uint32_t zone_id) const {
  auto v = txn.find(store_.dbi().dnssec, codec::u32_key(zone_id));
  if (!v)
    return std::nullopt;
  return codec::decode_dnssec(*v);
}

void ZoneState::put(lmdb::WriteTxn& txn, uint32_t zone_id, const codec::DnssecRecord& state) {
  txn.put(store_.dbi().dnssec, codec::u32_key(zone_id), codec::encode_dnssec(state));
}

void ZoneState::put_scheduled(lmdb::WriteTxn& txn, uint32_t zone_id, codec::DnssecRecord& state,
                              uint64_t next_refresh, uint32_t earliest_expiry) {
  if (state.next_refresh)
    txn.del(store_.dbi().due, codec::due_key(state.next_refresh, zone_id));
  state.next_refresh = next_refresh;
  state.earliest_expiry = earliest_expiry;
  txn.put(store_.dbi().due, codec::due_key(next_refresh, zone_id), std::string_view());
  put(txn, zone_id, state);
}

std::vector<uint32_t> ZoneState::due(const lmdb::Txn& txn, uint64_t now, size_t max) const {
  return due_index_scan(txn, store_.dbi().due, now, max);
}

std::vector<uint32_t> ZoneState::secured_zone_ids(const lmdb::Txn& txn) const {
  std::vector<uint32_t> ids;
  lmdb::Cursor c(txn, store_.dbi().dnssec);
  for (bool ok = c.first(); ok; ok = c.next())
    ids.push_back(codec::decode_u32_key(c.key_bytes()));
  return ids;
}

codec::RolloverRecord ZoneState::rollover(const lmdb::Txn& txn, uint32_t zone_id) const {
  if (auto v = txn.find(store_.dbi().rollover, codec::u32_key(zone_id)))
    return codec::decode_rollover(*v);
  return {};
}

void ZoneState::put_rollover(lmdb::WriteTxn& txn, uint32_t zone_id,
                             const codec::RolloverRecord& before,
                             const codec::RolloverRecord& after) {
  if (before.next_wakeup != after.next_wakeup && before.next_wakeup)
    txn.del(store_.dbi().key_due, codec::due_key(before.next_wakeup, zone_id));
  if (after.next_wakeup)
    txn.put(store_.dbi().key_due, codec::due_key(after.next_wakeup, zone_id), std::string_view());
  txn.put(store_.dbi().rollover, codec::u32_key(zone_id), codec::encode_rollover(after));
}

std::vector<uint32_t> ZoneState::due_wakeups(const lmdb::Txn& txn, uint64_t now, size_t max) const {
  return due_index_scan(txn, store_.dbi().key_due, now, max);
}

uint64_t ZoneState::next_wakeup(const lmdb::Txn& txn) const {
  lmdb::Cursor c(txn, store_.dbi().key_due);
  if (!c.first())
    return 0;
  return codec::split_due_key(c.key_bytes()).when;
}

void ZoneState::drop_wakeup(lmdb::WriteTxn& txn, uint32_t zone_id, uint64_t when) {
  txn.del(store_.dbi().key_due, codec::due_key(when, zone_id));
}

void ZoneState::erase(lmdb::WriteTxn& txn, uint32_t zone_id) {
  if (auto st = find(txn, zone_id))
    txn.del(store_.dbi().due, codec::due_key(st->next_refresh, zone_id));
  txn.del(store_.dbi().dnssec, codec::u32_key(zone_id));
  if (auto r = txn.find(store_.dbi().rollover, codec::u32_key(zone_id))) {
    txn.del(store_.dbi().key_due, codec::due_key(codec::decode_rollover(*r).next_wakeup, zone_id));
    txn.del(store_.dbi().rollover, codec::u32_key(zone_id));
  }
}

}  // namespace signet
