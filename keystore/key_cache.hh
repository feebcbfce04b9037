// SPDX-License-Identifier: GPL-2.0-or-later
//
// Unsealed private keys, cached per process so the query path and frequent edits do not open
// sealed blobs again and again. Keyed by zone id and key id, which are never reused, so an entry
// can never stand for another key. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <utility>

#include "keystore/store.hh"
#include "signer/crypto.hh"

namespace signet {

class KeyCache {
 public:
  // Opens (unseals and checks) a stored key; called on a miss.
  using Open = std::function<PrivateKey(const lmdb::Txn& txn, const ZoneRecord& zone,
                                        const codec::KeyRecord& key)>;
  explicit KeyCache(Open open) : open_(std::move(open)) {}

  // The key, from the cache or opened (and then cached).
  PrivateKey get_or_open(const lmdb::Txn& txn, const ZoneRecord& zone, const codec::KeyRecord& key);
  // Forgets a key (deleted, or its zone unsecured).
  void erase(uint32_t zone_id, uint32_t key_id);

 private:
  Open open_;
  std::mutex mu_;
  std::map<std::pair<uint32_t, uint32_t>, PrivateKey> keys_;
};

}  // namespace signet
