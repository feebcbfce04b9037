// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/policy_store.hh"

#include <sodium.h>

#include <algorithm>

#include "signer/encoding.hh"
#include "signer/error.hh"

namespace signet {

namespace {

// A TSIG secret is a base64 text of a few dozen characters (RFC 8945 §6: at least the HMAC's
// output length); the limit only keeps the sealed blob within its u16 length.
constexpr size_t kMaxSecret = 4096;

StoredPolicy stored_from(std::span<const uint8_t> key, std::span<const uint8_t> value) {
  codec::PolicyKeyParts k = codec::split_policy_key(key);
  return StoredPolicy{k.owner, std::string(k.name), codec::decode_policy(value)};
}

}  // namespace

std::optional<uint32_t> PolicyStore::other_owner(const lmdb::Txn& txn, uint32_t owner,
                                                 std::string_view name) const {
  lmdb::Cursor c(txn, store_.dbi().policies);
  for (bool ok = c.first(); ok; ok = c.next()) {
    codec::PolicyKeyParts k = codec::split_policy_key(c.key_bytes());
    if (k.name == name && k.owner != owner)
      return k.owner;
  }
  return std::nullopt;
}

void PolicyStore::check_name_free(const lmdb::Txn& txn, uint32_t owner,
                                  const std::string& name) const {
  auto taken = other_owner(txn, owner, name);
  if (!taken)
    return;
  auto tenant_name = [&](uint32_t id) {
    auto t = store_.tenant_by_id(txn, id);
    return t ? t->name : "#" + std::to_string(id);
  };
  if (owner == kGlobalPolicyOwner) {
    throw Conflict("policy '" + name + "' is tenant '" + tenant_name(*taken) +
                   "''s own: a global policy cannot take its name; pick another name");
  }
  // Told apart only by whose it is not: another tenant's name is not disclosed.
  std::string whose =
      *taken == kGlobalPolicyOwner ? "a global policy (the operator's)" : "another tenant's policy";
  throw ScopeError("policy '" + name + "' is " + whose + ": tenant '" + tenant_name(owner) +
                   "' cannot change it; import yours under another name");
}

std::optional<std::string> operator_only_key(const SigningPolicy& p) {
  if (!p.ds_hook.empty())
    return "ds-hook";
  const SigningPolicy::Push& push = p.ds_push;
  if (!push.server.empty() || !push.tsig_name.empty() || !push.tsig_secret.empty())
    return "ds-push";
  if (!p.parent_nameservers.empty())
    return "parent-nameservers";
  return std::nullopt;
}

std::string tsig_secret_fingerprint(std::span<const uint8_t> secret) {
  std::array<uint8_t, crypto_hash_sha256_BYTES> h;
  crypto_hash_sha256(h.data(), secret.data(), secret.size());
  return hex(std::span<const uint8_t>(h.data(), 8));
}

std::optional<StoredPolicy> PolicyStore::find(const lmdb::Txn& txn, uint32_t owner,
                                              std::string_view name) const {
  std::string key = codec::policy_key(owner, name);
  auto v = txn.find(store_.dbi().policies, key);
  if (!v)
    return std::nullopt;
  return stored_from(codec::as_bytes(key), *v);
}

std::optional<StoredPolicy> PolicyStore::visible(const lmdb::Txn& txn, uint32_t tenant_id,
                                                 std::string_view name) const {
  if (tenant_id != kGlobalPolicyOwner) {
    if (auto own = find(txn, tenant_id, name))
      return own;
  }
  return find(txn, kGlobalPolicyOwner, name);
}

std::vector<StoredPolicy> PolicyStore::owned_by(const lmdb::Txn& txn, uint32_t owner) const {
  std::vector<StoredPolicy> out;
  std::string prefix = codec::u32_key(owner);
  lmdb::Cursor c(txn, store_.dbi().policies);
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix))
    out.push_back(stored_from(c.key_bytes(), c.value()));
  return out;
}

std::vector<StoredPolicy> PolicyStore::all(const lmdb::Txn& txn) const {
  std::vector<StoredPolicy> out;
  lmdb::Cursor c(txn, store_.dbi().policies);
  for (bool ok = c.first(); ok; ok = c.next())
    out.push_back(stored_from(c.key_bytes(), c.value()));
  return out;
}

void PolicyStore::put(lmdb::WriteTxn& txn, uint32_t owner, const SigningPolicy& policy,
                      const std::string& yaml) {
  const std::string& name = policy.name;
  auto builtins = builtin_policy_names();
  if (std::find(builtins.begin(), builtins.end(), name) != builtins.end())
    throw Conflict("policy '" + name + "' is built in and cannot be replaced; pick another name");
  if (owner != kGlobalPolicyOwner) {
    auto tenant = store_.tenant_by_id(txn, owner);
    if (!tenant)
      throw NotFound("tenant #" + std::to_string(owner) + " does not exist");
    if (auto key = operator_only_key(policy)) {
      throw ScopeError("policy '" + name + "' of tenant '" + tenant->name + "' sets '" + *key +
                       "': only the operator's global policies may (signetutil policy import "
                       "without --tenant)");
    }
  }
  check_name_free(txn, owner, name);
  const std::string& secret = policy.ds_push.tsig_secret;
  if (secret.size() > kMaxSecret)
    throw InputError("policy '" + name + "': the TSIG secret is too long");
  // The YAML is stored as it is: it must not carry the secret (conf/policy.hh writes it without).
  if (!secret.empty() && yaml.find(secret) != std::string::npos)
    throw InputError("policy '" + name + "': refusing to store a TSIG secret in clear");
  codec::PolicyRecord record;
  record.yaml = yaml;
  if (!secret.empty()) {
    Keyring ring(store_, master_());
    record.sealed_secret = ring.seal_policy_secret(txn, owner, name, codec::as_bytes(secret));
  }
  txn.put(store_.dbi().policies, codec::policy_key(owner, name), codec::encode_policy(record));
}

std::optional<Secret> PolicyStore::open_secret(const lmdb::Txn& txn,
                                               const StoredPolicy& policy) const {
  if (policy.record.sealed_secret.empty())
    return std::nullopt;
  Keyring ring(store_, master_());
  return ring.open_policy_secret(txn, policy.owner, policy.name, policy.record.sealed_secret);
}

}  // namespace signet
