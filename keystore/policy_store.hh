// SPDX-License-Identifier: GPL-2.0-or-later
//
// The stored signing policies (dbi "policies", keystore/codec.hh) and who owns them:
//
//  * A policy is global (owner 0: the operator's, `signetutil policy import`) or a tenant's
//    (`signetutil --tenant T policy import`). The zones of a tenant see its policies and the
//    global ones, and no other tenant's. A name has one owner: a tenant cannot change (nor
//    shadow) a global policy or another tenant's (ScopeError), and a global policy does not take
//    a tenant's name (Conflict). Built-in policies (signer/policy.hh) are global and read-only:
//    no stored policy takes their names. A deleted tenant's policies go with it
//    (Store::delete_tenant).
//  * A tenant's policy never sets what runs programs or uses the operator's credentials and
//    network: ds-hook (a program the key manager runs inside pdns_server), ds-push (a TSIG key
//    and the server it signs updates for) and parent-nameservers (addresses the key manager
//    queries, and believes about the parent's DS). Whoever imports it: the rule is the owner's.
//  * The TSIG secret of a policy (ds-push tsig-secret) never reaches the store in clear: it is
//    sealed (keystore/keyring.hh) under the master key for a global policy and under the tenant's
//    data key for a tenant's, bound to owner and name, and unsealed only where it is used.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keystore/keyring.hh"
#include "keystore/store.hh"
#include "signer/policy.hh"
#include "signer/secret.hh"

namespace signet {

// The owner of the global policies.
inline constexpr uint32_t kGlobalPolicyOwner = 0;

struct StoredPolicy {
  uint32_t owner = kGlobalPolicyOwner;  // 0: global, else the owning tenant's id
  std::string name;
  codec::PolicyRecord record;  // YAML without the secret, the sealed secret
};

// The first key `p` sets that only the operator may set ("ds-hook", "ds-push" or
// "parent-nameservers"), or nullopt.
std::optional<std::string> operator_only_key(const SigningPolicy& p);

// What the audit log records instead of a TSIG secret: the first 16 hex digits of the SHA-256 of
// its text as written (`printf %s SECRET | sha256sum | cut -c1-16` gives the same), enough to tell
// that it changed and to which known secret, useless to sign with.
std::string tsig_secret_fingerprint(std::span<const uint8_t> secret);

class PolicyStore {
 public:
  using MasterKeyProvider = std::function<const MasterKey&()>;
  // `master` is asked for the master key the first time a secret is sealed or opened.
  PolicyStore(Store& store, MasterKeyProvider master) : store_(store), master_(std::move(master)) {}

  std::optional<StoredPolicy> find(const lmdb::Txn& txn, uint32_t owner,
                                   std::string_view name) const;
  // What `name` means to the zones of tenant `tenant_id`: its own policy, else the global one
  // (tenant_id 0: the global one only).
  std::optional<StoredPolicy> visible(const lmdb::Txn& txn, uint32_t tenant_id,
                                      std::string_view name) const;
  // The policies of one owner, by name.
  std::vector<StoredPolicy> owned_by(const lmdb::Txn& txn, uint32_t owner) const;
  // Every stored policy: the global ones, then each tenant's (by tenant id, then name).
  std::vector<StoredPolicy> all(const lmdb::Txn& txn) const;

  // Stores `policy` as `owner`'s under its name: `yaml` is its canonical YAML without the TSIG
  // secret, and the secret (policy.ds_push.tsig_secret) is sealed beside it. Throws ScopeError
  // when a tenant's policy sets an operator-only key or takes a global or another tenant's name,
  // Conflict for a built-in name or a global policy taking a tenant's name, NotFound for an
  // unknown tenant, InputError when the secret is too long or `yaml` contains it.
  void put(lmdb::WriteTxn& txn, uint32_t owner, const SigningPolicy& policy,
           const std::string& yaml);
  // The TSIG secret sealed with a stored policy, unsealed; nullopt when none is sealed with it.
  // Throws CorruptionError when it does not open.
  std::optional<Secret> open_secret(const lmdb::Txn& txn, const StoredPolicy& policy) const;

 private:
  // The owner other than `owner` of a policy named `name`, if any.
  std::optional<uint32_t> other_owner(const lmdb::Txn& txn, uint32_t owner,
                                      std::string_view name) const;
  // Throws unless `name` is free for `owner` (see above: a name has one owner).
  void check_name_free(const lmdb::Txn& txn, uint32_t owner, const std::string& name) const;

  Store& store_;
  MasterKeyProvider master_;
};

}  // namespace signet
