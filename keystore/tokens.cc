// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/tokens.hh"

#include <sodium.h>

#include <algorithm>
#include <cstring>

namespace signet {

namespace {

constexpr std::string_view kPrefix = "sgt_";
constexpr size_t kSecretBytes = 32;  // 256 bits: guessing is hopeless, whatever the rate
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "sgtoken_";
constexpr uint64_t kTokenKeyId = 1;
constexpr size_t kMaxComment = 1024;

struct Parsed {
  uint32_t id = 0;
  Secret secret;
};

// sgt_<decimal id>_<base64url secret>. The id is digits only, so the first '_' after the prefix
// ends it (the base64url alphabet contains '_' itself).
Parsed parse_token(std::string_view text) {
  auto malformed = [] {
    return TokenRejected(TokenRejected::Reason::kMalformed,
                         "malformed token (expected sgt_<id>_<secret>)");
  };
  if (text.substr(0, kPrefix.size()) != kPrefix)
    throw malformed();
  text.remove_prefix(kPrefix.size());
  size_t sep = text.find('_');
  if (sep == 0 || sep == std::string_view::npos || sep > 10)
    throw malformed();
  uint64_t id = 0;
  for (char c : text.substr(0, sep)) {
    if (c < '0' || c > '9')
      throw malformed();
    id = id * 10 + static_cast<uint64_t>(c - '0');
  }
  if (id == 0 || id > 0xffffffffu)
    throw malformed();
  std::string_view b64 = text.substr(sep + 1);
  Parsed p;
  p.id = static_cast<uint32_t>(id);
  p.secret = Secret(kSecretBytes);
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(p.secret.data(), p.secret.size(), b64.data(), b64.size(), nullptr, &len,
                        &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != b64.data() + b64.size() || len != kSecretBytes) {
    throw malformed();
  }
  return p;
}

std::string token_name(uint32_t id) {
  return "token " + std::to_string(id);
}

}  // namespace

// ------------------------------------------------------------------ roles

bool role_allows(Role role, Action action) {
  switch (action) {
    case Action::kRead:
      return true;  // every role reads
    case Action::kEditZones:
      return role == Role::kEditor || role == Role::kApprover || role == Role::kOperator;
    case Action::kApproveRollover:
      return role == Role::kApprover || role == Role::kOperator;
    case Action::kManageTenants:
    case Action::kManagePolicies:
    case Action::kManageTokens:
      return role == Role::kOperator;
  }
  return false;
}

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kEditor:
      return "editor";
    case Role::kApprover:
      return "approver";
    case Role::kOperator:
      return "operator";
  }
  return "unknown";
}

std::optional<Role> role_from_name(std::string_view name) {
  for (Role r : {Role::kViewer, Role::kEditor, Role::kApprover, Role::kOperator}) {
    if (role_name(r) == name)
      return r;
  }
  return std::nullopt;
}

std::string TokenIdentity::actor() const {
  return "token:" + std::to_string(token_id);
}

// ------------------------------------------------------------------ keyed hash

const Secret& Tokens::hash_key() {
  std::lock_guard<std::mutex> lock(key_mu_);
  if (hash_key_.empty()) {
    if (!master_)
      throw Error("tokens: no master key to check or make a token with");
    const Secret& master = master_().key();
    static_assert(crypto_kdf_KEYBYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
    if (master.size() != crypto_kdf_KEYBYTES)
      throw Error("the master key is not a 256-bit key");
    Secret key(crypto_generichash_KEYBYTES);
    // A subkey of its own: the master key never keys anything but the data-key seals.
    crypto_kdf_derive_from_key(key.data(), key.size(), kTokenKeyId, kKdfContext, master.data());
    hash_key_ = std::move(key);
  }
  return hash_key_;
}

std::array<uint8_t, 32> Tokens::token_hash(uint32_t id, uint32_t tenant_id, uint8_t role,
                                           std::span<const uint8_t> secret) {
  const Secret& key = hash_key();
  std::string head = "signet/token/1";
  codec::put_u32(head, id);
  codec::put_u32(head, tenant_id);
  codec::put_u8(head, role);
  crypto_generichash_state st;
  crypto_generichash_init(&st, key.data(), key.size(), 32);
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(head.data()), head.size());
  crypto_generichash_update(&st, secret.data(), secret.size());
  std::array<uint8_t, 32> out;
  crypto_generichash_final(&st, out.data(), out.size());
  sodium_memzero(&st, sizeof(st));
  return out;
}

// ------------------------------------------------------------------ create

IssuedToken Tokens::create(lmdb::WriteTxn& txn, const Request& req) {
  if (req.role == Role::kOperator && req.tenant_id)
    throw InputError("the operator role covers every tenant: create it with --operator");
  if (req.role != Role::kOperator && !req.tenant_id)
    throw InputError("a token without a tenant is an operator token: its role is operator");
  uint64_t now = clock_.now();
  if (req.expires != 0 && req.expires <= now)
    throw InputError("token expiry is not in the future");
  if (req.comment.size() > kMaxComment)
    throw InputError("token comment is longer than " + std::to_string(kMaxComment) + " octets");
  std::string tenant;
  if (req.tenant_id) {
    auto t = store_.tenant_by_id(txn, *req.tenant_id);
    if (!t)
      throw NotFound("tenant id " + std::to_string(*req.tenant_id) + " does not exist");
    tenant = t->name;
  }
  TokenRecord rec;
  rec.id = store_.next_id(txn, "next-token-id");
  rec.tenant_id = req.tenant_id.value_or(0);
  rec.role = static_cast<uint8_t>(req.role);
  rec.created = now;
  rec.expires = req.expires;
  rec.comment = req.comment;

  Secret secret(kSecretBytes);
  randombytes_buf(secret.data(), secret.size());
  rec.hash = token_hash(rec.id, rec.tenant_id, rec.role, secret.bytes());
  txn.put(store_.dbi().tokens, codec::u32_key(rec.id), codec::encode_token(rec));

  // The text is assembled in guarded memory: the secret in base64url is the secret.
  const std::string head = std::string(kPrefix) + std::to_string(rec.id) + "_";
  const size_t b64 =
      sodium_base64_encoded_len(kSecretBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  Secret text(head.size() + b64);  // b64 counts a terminating NUL, dropped below
  std::memcpy(text.data(), head.data(), head.size());
  sodium_bin2base64(reinterpret_cast<char*>(text.data() + head.size()), b64, secret.data(),
                    secret.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  text.resize(text.size() - 1);

  audit(txn, "token-created", rec,
        Json{{"token", rec.id},
             {"role", std::string(role_name(req.role))},
             {"expires", rec.expires},
             {"comment", rec.comment}});
  return IssuedToken{rec, std::move(text)};
}

// ------------------------------------------------------------------ authenticate

TokenIdentity Tokens::authenticate(const lmdb::Txn& txn, std::string_view token) {
  Parsed p = parse_token(token);
  auto rec = find(txn, p.id);
  if (!rec)
    throw TokenRejected(TokenRejected::Reason::kUnknown, token_name(p.id) + " does not exist");
  if (rec->revoked != 0)
    throw TokenRejected(TokenRejected::Reason::kRevoked, token_name(p.id) + " is revoked");
  auto expect = token_hash(rec->id, rec->tenant_id, rec->role, p.secret.bytes());
  if (sodium_memcmp(expect.data(), rec->hash.data(), expect.size()) != 0)
    throw TokenRejected(TokenRejected::Reason::kWrongSecret, token_name(p.id) + ": wrong secret");
  if (rec->expires != 0 && clock_.now() >= rec->expires)
    throw TokenRejected(TokenRejected::Reason::kExpired, token_name(p.id) + " has expired");
  auto role = static_cast<Role>(rec->role);
  if (!role_from_name(role_name(role)) || (role == Role::kOperator) != (rec->tenant_id == 0))
    throw CorruptionError(token_name(p.id) + " has an impossible role " +
                          std::to_string(rec->role));
  // A tenant deleted by a Signet that knew nothing of tokens leaves them behind; ids are never
  // reused, so they would match nothing, but they must not authenticate either.
  if (rec->tenant_id != 0 && !store_.tenant_by_id(txn, rec->tenant_id))
    throw TokenRejected(TokenRejected::Reason::kRevoked,
                        token_name(p.id) + ": its tenant no longer exists");
  TokenIdentity id;
  id.token_id = rec->id;
  if (rec->tenant_id != 0)
    id.tenant_id = rec->tenant_id;
  id.role = role;
  return id;
}

TokenIdentity Tokens::authenticate(std::string_view token) {
  uint64_t last_used = 0;
  TokenIdentity id;
  {
    auto txn = store_.begin_read();
    id = authenticate(txn, token);
    last_used = find(txn, id.token_id)->last_used;
  }
  uint64_t now = clock_.now();
  if (last_used != 0 && now < last_used + kLastUsedGranularity)
    return id;
  // Checked again in the write transaction: the token may have been revoked in between.
  auto txn = store_.begin_write();
  id = authenticate(txn, token);
  auto rec = *find(txn, id.token_id);
  rec.last_used = now;
  txn.put(store_.dbi().tokens, codec::u32_key(rec.id), codec::encode_token(rec));
  txn.commit();
  return id;
}

// ------------------------------------------------------------------ list, revoke

std::optional<TokenRecord> Tokens::find(const lmdb::Txn& txn, uint32_t id) const {
  auto v = txn.find(store_.dbi().tokens, codec::u32_key(id));
  if (!v)
    return std::nullopt;
  return codec::decode_token(id, *v);
}

std::vector<TokenRecord> Tokens::list(const lmdb::Txn& txn,
                                      std::optional<uint32_t> tenant_id) const {
  std::vector<TokenRecord> out;
  lmdb::Cursor c(txn, store_.dbi().tokens);
  for (bool ok = c.first(); ok; ok = c.next()) {
    auto t = codec::decode_token(codec::decode_u32_key(c.key_bytes()), c.value());
    if (t.revoked == 0 && (!tenant_id || t.tenant_id == *tenant_id))
      out.push_back(std::move(t));
  }
  return out;
}

void Tokens::revoke(lmdb::WriteTxn& txn, uint32_t id) {
  auto rec = find(txn, id);
  if (!rec)
    throw NotFound(token_name(id) + " does not exist");
  if (rec->revoked != 0)
    throw Conflict(token_name(id) + " is revoked already");
  rec->revoked = clock_.now();
  rec->hash.fill(0);  // nothing can match it any more, whatever the checks around it
  txn.put(store_.dbi().tokens, codec::u32_key(id), codec::encode_token(*rec));
  audit(txn, "token-revoked", *rec, Json{{"token", id}});
}

std::vector<uint32_t> Tokens::revoke_tenant(lmdb::WriteTxn& txn, uint32_t tenant_id) {
  std::vector<uint32_t> ids;
  if (tenant_id == 0)
    return ids;  // operator tokens belong to no tenant
  for (const auto& t : list(txn, tenant_id))
    ids.push_back(t.id);
  for (uint32_t id : ids)
    revoke(txn, id);
  return ids;
}

void Tokens::audit(lmdb::WriteTxn& txn, std::string_view kind, const TokenRecord& t, Json detail) {
  if (!audit_)
    return;
  std::string tenant;
  if (t.tenant_id != 0) {
    if (auto rec = store_.tenant_by_id(txn, t.tenant_id))
      tenant = rec->name;
  }
  audit_->append(txn, kind, t.tenant_id, 0, tenant, "", detail);
}

}  // namespace signet
