// SPDX-License-Identifier: GPL-2.0-or-later
//
// TSIG keys (RFC 8945) in the store: what pdns checks DNS UPDATE and AXFR requests with, and what
// a zone's metadata may name.
//
//  * A key is a tenant's (`signetutil tsig create TENANT NAME`) or global, the operator's
//    (`signetutil tsig create --operator NAME`, and `pdnsutil import-tsig-key` /
//    `generate-tsig-key` through the backend). Its name is a DNS name, unique in the whole store
//    whatever its owner and spelling: pdns finds a key by the name in the request alone.
//  * Its secret is sealed (keystore/keyring.hh) under the owner's data key, or under the master
//    key for a global key, bound to owner and name; opened only into guarded memory (Secret), and
//    handed in clear only to pdns (the backend's getTSIGKey). The audit log records a fingerprint
//    (tsig_secret_fingerprint), never the secret.
//  * The one rule on what may name a key (check_tsig_metadata): a zone's metadata that names TSIG
//    keys (TSIG-ALLOW-DNSUPDATE, TSIG-ALLOW-AXFR, AXFR-MASTER-TSIG) may name only existing keys of
//    the zone's own tenant, or global keys. Store::set_meta applies it to every metadata write
//    (pdnsutil set-meta, the backend, any API), Store::move_zone to a zone given to another
//    tenant (refused while its metadata names a key of its old tenant). A key that does not
//    exist and another tenant's key are refused with the same words: a tenant cannot probe for
//    other tenants' key names through metadata.
//  * Deleting a key that a zone's metadata still names is refused, naming the zone: the operator
//    (or tenant) removes it from the metadata first, so a zone never silently loses the key its
//    clients sign with. A deleted zone's metadata goes with it (Store::delete_zone); its tenant's
//    keys stay. A deleted tenant's keys go with it (Portfolio::delete_tenant, audited).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keystore/audit.hh"
#include "keystore/codec.hh"
#include "keystore/keyring.hh"
#include "keystore/store.hh"
#include "signer/clock.hh"
#include "signer/name.hh"
#include "signer/secret.hh"

namespace signet {

using codec::TsigKeyRecord;

// The owner of the global (operator's) TSIG keys.
inline constexpr uint32_t kGlobalTsigOwner = 0;

// The HMAC algorithms pdns 4.7 signs and verifies TSIG with (RFC 8945 §6; hmac-md5 as RFC 2845
// had it, which pdns still accepts).
enum class TsigAlgorithm : uint8_t {
  kHmacMd5 = 1,
  kHmacSha1 = 2,
  kHmacSha224 = 3,
  kHmacSha256 = 4,
  kHmacSha384 = 5,
  kHmacSha512 = 6,
};
inline constexpr TsigAlgorithm kDefaultTsigAlgorithm = TsigAlgorithm::kHmacSha256;
// "hmac-sha256"... (hmac-md5, not its old long name hmac-md5.sig-alg.reg.int.)
std::string_view tsig_algorithm_name(TsigAlgorithm a);
// Case-insensitive, a trailing dot allowed, "hmac-md5.sig-alg.reg.int" too; nullopt otherwise.
std::optional<TsigAlgorithm> tsig_algorithm_from_name(std::string_view name);
// The HMAC's output length: the size of the secrets `tsig create` makes (RFC 8945 §6: a key at
// least as long as the output).
size_t tsig_secret_size(TsigAlgorithm a);

// Whether `key_name` names an existing key of tenant `tenant_id` or a global key.
bool tsig_key_usable(const Store& store, const lmdb::Txn& txn, std::string_view key_name,
                     uint32_t tenant_id);
// Whether metadata of this kind names TSIG keys (case-insensitive).
bool names_tsig_keys(std::string_view kind);
// The rule above, for metadata `kind` = `values` of `zone`: throws ScopeError naming the key and
// the zone unless every value names an existing key of zone.tenant_id or a global key;
// InputError when a value is not a DNS name. Does nothing for other kinds.
void check_tsig_metadata(const Store& store, const lmdb::Txn& txn, const ZoneRecord& zone,
                         std::string_view kind, const std::vector<std::string>& values);
// Before `zone` is given to tenant `new_tenant_id`: throws Conflict naming the key and the zone
// when its metadata names a key that tenant could not name.
void check_tsig_metadata_for_move(const Store& store, const lmdb::Txn& txn, const ZoneRecord& zone,
                                  uint32_t new_tenant_id);

// What pdns is told a zone's TSIG-ALLOW-DNSUPDATE is (getDomainMetadata): the zone's own
// metadata when set; otherwise the names of its tenant's keys. pdns checks a valid TSIG key only
// against that list (rfc2136handler: with no list it takes any valid key, another tenant's too,
// from an address allow-dnsupdate-from admits), so a tenant's zone takes updates signed by its
// own tenant's keys only. A tenant without keys: empty, pdns' address rules alone, as with its
// own backends.
std::vector<std::string> dnsupdate_keys(const Store& store, const lmdb::Txn& txn,
                                        const ZoneRecord& zone);

// A newly created key: its row, and its secret in base64 (what nsupdate -y and pdns take), to be
// shown once.
struct CreatedTsigKey {
  TsigKeyRecord record;
  Secret secret_base64;
};

class TsigKeys {
 public:
  // `master` is asked for the master key the first time a secret is sealed or opened (listing
  // and deleting never need it). Creations and deletions are recorded in `audit` when set.
  TsigKeys(Store& store, const Clock& clock, std::function<const MasterKey&()> master,
           AuditLog* audit = nullptr)
      : store_(store), clock_(clock), master_(std::move(master)), audit_(audit) {}

  // A new key with a random secret. Throws Conflict when the name is taken (by any owner),
  // NotFound when the tenant does not exist.
  CreatedTsigKey create(lmdb::WriteTxn& txn, uint32_t owner, const Name& name, TsigAlgorithm alg);
  // Stores a key with the secret given in base64 (pdnsutil import-tsig-key). A global key of the
  // same name is replaced (what pdns' own backends do); a tenant's is not (Conflict). Throws
  // InputError when `secret_base64` is not base64 of 1 to 1024 octets.
  TsigKeyRecord import(lmdb::WriteTxn& txn, uint32_t owner, const Name& name, TsigAlgorithm alg,
                       std::string_view secret_base64);

  std::optional<TsigKeyRecord> find(const lmdb::Txn& txn, const Name& name) const;
  // Keys of one owner (0: the global ones) or of all, in canonical name order.
  std::vector<TsigKeyRecord> list(const lmdb::Txn& txn, std::optional<uint32_t> owner) const;
  // The secret in base64, opened into guarded memory. Throws CorruptionError when it does not
  // open.
  Secret open_base64(const lmdb::Txn& txn, const TsigKeyRecord& key) const;

  // Deletes the key. Throws NotFound when there is none, Conflict naming the zone while a zone's
  // metadata names it.
  void remove(lmdb::WriteTxn& txn, const Name& name);
  // Deletes every key of the tenant (when it is deleted); returns their names.
  std::vector<Name> remove_tenant(lmdb::WriteTxn& txn, uint32_t tenant_id);

 private:
  TsigKeyRecord store_secret(lmdb::WriteTxn& txn, uint32_t owner, const Name& name,
                             TsigAlgorithm alg, const Secret& raw);
  void audit(lmdb::WriteTxn& txn, std::string_view kind, const TsigKeyRecord& k,
             std::optional<std::string> fingerprint);

  Store& store_;
  const Clock& clock_;
  std::function<const MasterKey&()> master_;
  AuditLog* audit_;
};

}  // namespace signet
