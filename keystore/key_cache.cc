// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/key_cache.hh"

namespace signet {

PrivateKey KeyCache::get_or_open(const lmdb::Txn& txn, const ZoneRecord& zone,
                                 const codec::KeyRecord& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = keys_.find({zone.id, key.id});
  if (it != keys_.end())
    return it->second;
  PrivateKey k = open_(txn, zone, key);
  keys_.emplace(std::make_pair(zone.id, key.id), k);
  return k;
}

void KeyCache::erase(uint32_t zone_id, uint32_t key_id) {
  std::lock_guard<std::mutex> lock(mu_);
  keys_.erase({zone_id, key_id});
}

}  // namespace signet
