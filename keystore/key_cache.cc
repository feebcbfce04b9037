// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/key_cache.hh"

namespace signet {

PrivateKey KeyCache::get_or_open(const lmdb::Txn& txn, const ZoneRecord& zone,
                                 const codec::KeyRecord& key) {
  const std::pair<uint32_t, uint32_t> id{zone.id, key.id};
  if (auto cached = keys_.get(id)) {
    if (cached->public_key() == key.public_key)
      return std::move(*cached);
    keys_.erase(id);  // a key of an aborted transaction that had this id
  }
  PrivateKey opened = open_(txn, zone, key);
  keys_.put(id, opened);
  return opened;
}

void KeyCache::erase(uint32_t zone_id, uint32_t key_id) {
  keys_.erase({zone_id, key_id});
}

}  // namespace signet
