// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/zone_keys.hh"

#include "signer/error.hh"

namespace signet {

using codec::KeyRecord;

KeyTimes key_times_of(const KeyRecord& k) {
  KeyTimes t;
  t.id = k.id;
  t.role = static_cast<KeyRole>(k.role);
  t.algorithm = static_cast<Algorithm>(k.algorithm);
  t.tag = k.tag;
  t.created = k.created;
  t.publish = k.publish;
  t.activate = k.activate;
  t.inactive = k.inactive;
  t.remove = k.remove;
  t.ds_submitted = k.ds_submitted;
  t.ds_seen = k.ds_seen;
  t.ds_retired = k.ds_retired;
  t.ds_gone = k.ds_gone;
  return t;
}

bool key_signs_keys(const KeyRecord& k) {
  return k.role == static_cast<uint8_t>(KeyRole::kKsk) ||
         k.role == static_cast<uint8_t>(KeyRole::kCsk);
}

bool key_signs_zone(const KeyRecord& k) {
  return k.role == static_cast<uint8_t>(KeyRole::kZsk) ||
         k.role == static_cast<uint8_t>(KeyRole::kCsk);
}

ZoneKeys::ZoneKeys(Store& store, const Clock& clock, MasterKeyProvider master)
    : store_(store),
      clock_(clock),
      master_(std::move(master)),
      cache_([this](const lmdb::Txn& txn, const ZoneRecord& zone, const KeyRecord& key) {
        return open_checked(txn, zone, key);
      }) {}

std::vector<KeyRecord> ZoneKeys::list(const lmdb::Txn& txn, uint32_t zone_id) const {
  std::vector<KeyRecord> out;
  std::string prefix = codec::zone_prefix(zone_id);
  lmdb::Cursor c(txn, store_.dbi().keys);
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    out.push_back(
        codec::decode_key(zone_id, codec::split_u32_pair_key(c.key_bytes()).second, c.value()));
  }
  return out;
}

std::vector<KeyTimes> ZoneKeys::times(const lmdb::Txn& txn, uint32_t zone_id) const {
  std::vector<KeyTimes> out;
  for (const auto& k : list(txn, zone_id))
    out.push_back(key_times_of(k));
  return out;
}

std::vector<uint32_t> ZoneKeys::signer_ids(const lmdb::Txn& txn, uint32_t zone_id,
                                           uint64_t now) const {
  std::vector<uint32_t> out;
  for (const auto& k : list(txn, zone_id)) {
    if (key_is_active(k, now))
      out.push_back(k.id);
  }
  return out;
}

void ZoneKeys::put(lmdb::WriteTxn& txn, const KeyRecord& key) {
  txn.put(store_.dbi().keys, codec::u32_pair_key(key.zone_id, key.id), codec::encode_key(key));
}

namespace {
constexpr int kTagTries = 16;
}  // namespace

KeyRecord ZoneKeys::generate(lmdb::WriteTxn& txn, const ZoneRecord& zone, KeyRole role,
                             Algorithm algorithm, unsigned rsa_bits, uint64_t publish,
                             uint64_t activate) {
  Keyring ring(store_, master_());
  // A new key whose tag another key of the zone has is made again (as dnssec-keygen does): with
  // two keys a zone, one zone in 65,536 would otherwise be refused (RFC 4034 Appendix B).
  PrivateKey k = generate_(algorithm, rsa_bits);
  for (int tries = 1; tries < kTagTries && ring.tag_in_use(txn, zone.id, Keyring::tag_of(role, k));
       ++tries)
    k = generate_(algorithm, rsa_bits);
  return ring.add_key(txn, zone, Keyring::NewKey{role, k, publish, activate, 0, 0}, clock_.now());
}

KeyRecord ZoneKeys::add(lmdb::WriteTxn& txn, const ZoneRecord& zone, const PrivateKey& key,
                        KeyRole role, uint64_t now) {
  Keyring ring(store_, master_());
  return ring.add_key(txn, zone, Keyring::NewKey{role, key, now, now, 0, 0}, now);
}

void ZoneKeys::remove(lmdb::WriteTxn& txn, const KeyRecord& key) {
  txn.del(store_.dbi().keys, codec::u32_pair_key(key.zone_id, key.id));
  cache_.erase(key.zone_id, key.id);
}

void ZoneKeys::remove_all(lmdb::WriteTxn& txn, uint32_t zone_id) {
  Keyring ring(store_, master_());
  for (const auto& k : list(txn, zone_id)) {
    ring.delete_key(txn, k);
    cache_.erase(zone_id, k.id);
  }
}

std::vector<ActiveKey> ZoneKeys::active(const lmdb::Txn& txn, const ZoneRecord& zone,
                                        uint64_t now) {
  std::vector<ActiveKey> out;
  for (const auto& k : list(txn, zone.id)) {
    if (key_is_active(k, now))
      out.push_back(unsealed(txn, zone, k));
  }
  return out;
}

ActiveKey ZoneKeys::unsealed(const lmdb::Txn& txn, const ZoneRecord& zone, const KeyRecord& key) {
  return ActiveKey{key, cache_.get_or_open(txn, zone, key), key_signs_keys(key),
                   key_signs_zone(key)};
}

PrivateKey ZoneKeys::open_checked(const lmdb::Txn& txn, const ZoneRecord& zone,
                                  const KeyRecord& key) const {
  Keyring ring(store_, master_());
  PrivateKey k = ring.open_key(txn, zone, key);
  // A key signs nothing served until a test signature of it has verified against the public key
  // in its DNSKEY record.
  static const uint8_t kProbe[] = "signet key self-test";
  if (!signet::verify(k.algorithm(), key.public_key, kProbe, k.sign(kProbe)) ||
      k.public_key() != key.public_key) {
    throw Error(
        "key " + std::to_string(key.tag) + " of zone '" + zone.name.to_text() +
        "' failed its self-test: its private part does not match its DNSKEY; not signing with it");
  }
  return k;
}

size_t ZoneKeys::reseal(lmdb::WriteTxn& txn, const ZoneRecord& zone, uint32_t from_tenant_id) {
  if (list(txn, zone.id).empty())
    return 0;
  Keyring ring(store_, master_());
  return ring.reseal_zone_keys(txn, zone, from_tenant_id);
}

}  // namespace signet
