// SPDX-License-Identifier: GPL-2.0-or-later
//
// Unsealed private keys, cached per process so the query path and frequent edits do not open
// sealed blobs again and again. Bounded (signet-key-cache-size): the least recently used key is
// dropped first, so a process serving a million zones holds at most that many keys in memory —
// and in the key heap, which is sized from the same number (signer/secret.hh). Thread-safe.
//
// Keyed by zone id and key id. Ids come from counters in the store, which an aborted transaction
// hands out again: an entry is taken for a key only when its public part is the one stored now
// (otherwise a key generated in a transaction that never committed would stand in for its
// successor, unchecked).
#pragma once

#include <cstdint>
#include <functional>
#include <utility>

#include "keystore/lru.hh"
#include "keystore/store.hh"
#include "signer/crypto.hh"
#include "signer/secret.hh"

namespace signet {

class KeyCache {
 public:
  // Opens (unseals and checks) a stored key; called on a miss.
  using Open = std::function<PrivateKey(const lmdb::Txn& txn, const ZoneRecord& zone,
                                        const codec::KeyRecord& key)>;
  explicit KeyCache(Open open, size_t capacity = kDefaultCachedKeys)
      : open_(std::move(open)), keys_(capacity) {}

  // The key, from the cache or opened (and then cached).
  PrivateKey get_or_open(const lmdb::Txn& txn, const ZoneRecord& zone, const codec::KeyRecord& key);
  // Forgets a key (deleted, or its zone unsecured).
  void erase(uint32_t zone_id, uint32_t key_id);
  // How many keys are kept at most (0: none); a smaller number evicts at once.
  void set_capacity(size_t capacity) { keys_.set_capacity(capacity); }
  LruMap<std::pair<uint32_t, uint32_t>, PrivateKey>::Stats stats() const { return keys_.stats(); }

 private:
  Open open_;
  LruMap<std::pair<uint32_t, uint32_t>, PrivateKey> keys_;
};

}  // namespace signet
