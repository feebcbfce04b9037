// SPDX-License-Identifier: GPL-2.0-or-later
//
// Keys at rest. Private keys never reach LMDB unsealed:
//
//   master key (a file of mode 0600, signet-master-key-file)
//     ├─ seals each tenant's data key   (ad: "signet/tenant/1" tenant_id)
//     │    ├─ seals each private key    (ad: "signet/key/1" tenant_id zone_id key_id)
//     │    ├─ seals the TSIG secret of each of the tenant's policies
//     │    │                            (ad: "signet/policy/1" tenant_id name)
//     │    └─ seals each of the tenant's TSIG keys
//     │                                 (ad: "signet/tsig/1" tenant_id namekey(name))
//     ├─ seals the TSIG secret of each global policy (ad: "signet/policy/1" 0 name)
//     └─ seals each global TSIG key     (ad: "signet/tsig/1" 0 namekey(name))
//
// with libsodium's XChaCha20-Poly1305 (random 192-bit nonces, safe to pick at random). The
// associated data binds a sealed blob to where it belongs: copied to another tenant, zone or key
// id it fails to open instead of signing someone else's zone.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "keystore/store.hh"
#include "signer/crypto.hh"
#include "signer/key.hh"
#include "signer/secret.hh"

namespace signet {

class MasterKey {
 public:
  // Reads the key file through one descriptor (open with O_NOFOLLOW, then fstat on it) into
  // guarded memory. Throws InputError naming the file and the reason when it is missing, a
  // symbolic link, not a regular file, owned by another user than the one running this (root may
  // own it), open to group or others (mode must be 0600 or 0400), or malformed.
  static MasterKey load(const std::string& path);
  // Writes a new random key to `path` with mode 0600 (O_EXCL | O_NOFOLLOW: never overwrites a
  // file, never follows a link).
  static void generate_file(const std::string& path);
  const Secret& key() const { return key_; }

 private:
  explicit MasterKey(Secret key) : key_(std::move(key)) {}
  Secret key_;
};

// Keys of zones, sealed in the store.
class Keyring {
 public:
  Keyring(Store& store, const MasterKey& master) : store_(store), master_(master) {}

  // The tenant's data key; created and stored (sealed) on first use.
  Secret tenant_key(lmdb::WriteTxn& txn, uint32_t tenant_id);
  // Read-only variant: throws NotFound when the tenant has no data key yet.
  Secret tenant_key(const lmdb::Txn& txn, uint32_t tenant_id) const;

  struct NewKey {
    KeyRole role;
    const PrivateKey& key;
    uint64_t publish = 0, activate = 0, inactive = 0, remove = 0;
  };
  // Seals and stores a key for `zone`; refuses a key tag already used in the zone (RFC 4034
  // Appendix B tags are not unique, but two keys sharing one confuse validators and operators).
  codec::KeyRecord add_key(lmdb::WriteTxn& txn, const ZoneRecord& zone, const NewKey& k,
                           uint64_t now);
  // The key tag `key` has in the role's DNSKEY (RFC 4034 Appendix B), and whether a key of the
  // zone already has it.
  static uint16_t tag_of(KeyRole role, const PrivateKey& key);
  bool tag_in_use(const lmdb::Txn& txn, uint32_t zone_id, uint16_t tag) const;
  // Opens a stored key. Throws CorruptionError when the blob does not open.
  PrivateKey open_key(const lmdb::Txn& txn, const ZoneRecord& zone,
                      const codec::KeyRecord& key) const;
  PrivateKey open_key(const Secret& tenant_key, const ZoneRecord& zone,
                      const codec::KeyRecord& key) const;

  // After `zone` moved from tenant `from_tenant_id` to zone.tenant_id: opens each of its keys with
  // the old tenant's data key and seals it again under the new tenant's (made when it has none
  // yet), in the caller's transaction — the associated data names the tenant, so a key left
  // sealed to the old tenant would never open again. Returns how many keys were re-sealed.
  size_t reseal_zone_keys(lmdb::WriteTxn& txn, const ZoneRecord& zone, uint32_t from_tenant_id);

  // The TSIG secret of the policy `name` of `owner` (0: a global policy, else a tenant id),
  // sealed under the master key (global) or the owner's data key (made when it has none yet).
  std::vector<uint8_t> seal_policy_secret(lmdb::WriteTxn& txn, uint32_t owner,
                                          std::string_view name, std::span<const uint8_t> secret);
  // The same opened. Throws CorruptionError when it does not open: sealed for another owner or
  // policy name, or under another master key.
  Secret open_policy_secret(const lmdb::Txn& txn, uint32_t owner, std::string_view name,
                            std::span<const uint8_t> sealed) const;

  // A tenant's alert webhook URL (it may carry user:password), sealed under the tenant's data key
  // (made when it has none yet); and opened (CorruptionError when it does not open).
  std::vector<uint8_t> seal_webhook_url(lmdb::WriteTxn& txn, uint32_t tenant_id,
                                        std::string_view url);
  Secret open_webhook_url(const lmdb::Txn& txn, uint32_t tenant_id,
                          std::span<const uint8_t> sealed) const;

  // The secret of the TSIG key `name` of `owner` (0: a global key, else a tenant id), sealed under
  // the master key (global) or the owner's data key (made when it has none yet).
  std::vector<uint8_t> seal_tsig_secret(lmdb::WriteTxn& txn, uint32_t owner, const Name& name,
                                        std::span<const uint8_t> secret);
  // The same opened. Throws CorruptionError when it does not open: sealed for another owner or
  // key name, or under another master key.
  Secret open_tsig_secret(const lmdb::Txn& txn, uint32_t owner, const Name& name,
                          std::span<const uint8_t> sealed) const;

  std::vector<codec::KeyRecord> keys(const lmdb::Txn& txn, uint32_t zone_id) const;
  void put_key(lmdb::WriteTxn& txn, const codec::KeyRecord& key);
  void delete_key(lmdb::WriteTxn& txn, const codec::KeyRecord& key);

  // The AEAD itself, exposed for tests.
  static std::vector<uint8_t> seal(const Secret& key, std::span<const uint8_t> ad,
                                   std::span<const uint8_t> plaintext);
  static std::optional<Secret> open(const Secret& key, std::span<const uint8_t> ad,
                                    std::span<const uint8_t> sealed);

 private:
  Store& store_;
  const MasterKey& master_;
};

}  // namespace signet
