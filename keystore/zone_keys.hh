// SPDX-License-Identifier: GPL-2.0-or-later
//
// A zone's keys: their stored records (dbi keys: timings and the sealed private part) and their
// private parts, unsealed on demand through the key cache. A key signs nothing until a test
// signature of it has verified against the public key of its DNSKEY record.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "keystore/key_cache.hh"
#include "keystore/keyring.hh"
#include "keystore/signing.hh"
#include "keystore/store.hh"
#include "signer/clock.hh"
#include "signer/rollover.hh"

namespace signet {

// A stored key as the rollover planner sees it.
KeyTimes key_times_of(const codec::KeyRecord& k);
// KSK or CSK: signs DNSKEY, CDS and CDNSKEY; its DS is at the parent.
bool key_signs_keys(const codec::KeyRecord& k);
// ZSK or CSK: signs everything else.
bool key_signs_zone(const codec::KeyRecord& k);

class ZoneKeys {
 public:
  using MasterKeyProvider = std::function<const MasterKey&()>;
  // `master` is asked for the master key the first time a private key is sealed or opened.
  ZoneKeys(Store& store, const Clock& clock, MasterKeyProvider master);

  std::vector<codec::KeyRecord> list(const lmdb::Txn& txn, uint32_t zone_id) const;
  // The keys as the rollover planner sees them.
  std::vector<KeyTimes> times(const lmdb::Txn& txn, uint32_t zone_id) const;
  // The ids of the keys that sign at `now`.
  std::vector<uint32_t> signer_ids(const lmdb::Txn& txn, uint32_t zone_id, uint64_t now) const;
  // Stores a key's changed timings.
  void put(lmdb::WriteTxn& txn, const codec::KeyRecord& key);

  // Generates, seals and stores a new key with the given timings; a key whose tag another key
  // of the zone has is made again.
  codec::KeyRecord generate(lmdb::WriteTxn& txn, const ZoneRecord& zone, KeyRole role,
                            Algorithm algorithm, unsigned rsa_bits, uint64_t publish,
                            uint64_t activate);
  // Seals and stores an existing private key, published and active at `now`.
  codec::KeyRecord add(lmdb::WriteTxn& txn, const ZoneRecord& zone, const PrivateKey& key,
                       KeyRole role, uint64_t now);
  // Forgets a key (its sealed private part included).
  void remove(lmdb::WriteTxn& txn, const codec::KeyRecord& key);
  // Forgets every key of the zone.
  void remove_all(lmdb::WriteTxn& txn, uint32_t zone_id);
  // After `zone` moved from tenant `from_tenant_id`: its keys sealed again under the new
  // tenant's data key (Keyring::reseal_zone_keys). Returns how many.
  size_t reseal(lmdb::WriteTxn& txn, const ZoneRecord& zone, uint32_t from_tenant_id);
  // How keys are made (tests substitute one to force a tag collision).
  using Generator = std::function<PrivateKey(Algorithm, unsigned rsa_bits)>;
  void set_generator(Generator g) { generate_ = std::move(g); }
  // The cache of unsealed keys (signet-key-cache-size).
  KeyCache& cache() { return cache_; }

  // The zone's keys active at `now`, unsealed (cached), each checked with a test signature first.
  std::vector<ActiveKey> active(const lmdb::Txn& txn, const ZoneRecord& zone, uint64_t now);
  // One key, unsealed (cached) and checked, whether it is active or not.
  ActiveKey unsealed(const lmdb::Txn& txn, const ZoneRecord& zone, const codec::KeyRecord& key);

 private:
  // Unseals a key and checks it against its DNSKEY (the cache's opener).
  PrivateKey open_checked(const lmdb::Txn& txn, const ZoneRecord& zone,
                          const codec::KeyRecord& key) const;

  Store& store_;
  const Clock& clock_;
  MasterKeyProvider master_;
  KeyCache cache_;
  Generator generate_ = [](Algorithm a, unsigned bits) { return PrivateKey::generate(a, bits); };
};

}  // namespace signet
