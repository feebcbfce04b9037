// SPDX-License-Identifier: GPL-2.0-or-later
//
// API tokens: what signetd's clients present, and what decides what they may do.
//
//   sgt_<id>_<secret>     id: the token's decimal id; secret: 32 random octets, base64url (43
//                         characters, no padding)
//
// The id finds the row in one get; the secret is checked against a keyed hash (BLAKE2b, keyed with
// a key derived from the master key; byte layout in keystore/codec.hh), compared in constant time.
// Only that hash is stored: neither the store nor the audit log ever sees a secret, and the new
// token's text lives in guarded memory (Secret) until it is printed once.
//
// Roles (one place decides what each may do: role_allows):
//   viewer    read the zones of its tenant
//   editor    viewer + change zones and records (and assign an existing policy to a zone)
//   approver  editor + approve rollover steps that a manual policy proposed
//   operator  every tenant; tenants, policies (which may run hooks: programs on the server),
//             tokens. Only operator tokens (tenant_id 0) have this role.
//
// A token is refused (TokenRejected) when malformed, unknown, revoked, expired, of a tenant that
// no longer exists, or when its secret does not match. Revoking keeps the row (marked, hash wiped)
// so that the refusal can say "revoked"; deleting a tenant revokes its tokens.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keystore/audit.hh"
#include "keystore/codec.hh"
#include "keystore/keyring.hh"
#include "keystore/store.hh"
#include "signer/clock.hh"
#include "signer/error.hh"
#include "signer/secret.hh"

namespace signet {

using codec::TokenRecord;

enum class Role : uint8_t { kViewer = 1, kEditor = 2, kApprover = 3, kOperator = 4 };

enum class Action : uint8_t {
  kRead,             // read zones, records, keys, health, the audit log of the token's tenant
  kEditZones,        // create/delete zones, change records, assign a policy to a zone
  kApproveRollover,  // approve the steps a manual policy proposed
  kManageTenants,    // create and delete tenants, move zones between them
  kManagePolicies,   // define and delete policies (their hooks run programs on the server)
  kManageTokens,     // create, list and revoke tokens
};

// Whether `role` may perform `action` (on a tenant the token covers). Pure; the one place that
// decides.
bool role_allows(Role role, Action action);
std::string_view role_name(Role role);
// nullopt for anything but "viewer", "editor", "approver", "operator".
std::optional<Role> role_from_name(std::string_view name);

// Who a presented token is.
struct TokenIdentity {
  uint32_t token_id = 0;
  std::optional<uint32_t> tenant_id;  // nullopt: an operator token (every tenant)
  Role role = Role::kViewer;

  bool is_operator() const { return !tenant_id.has_value(); }
  // Whether the token may act on `tenant` at all (role_allows says what it may do there).
  bool covers(uint32_t tenant) const { return !tenant_id || *tenant_id == tenant; }
  bool allows(Action action, uint32_t tenant) const {
    return covers(tenant) && role_allows(role, action);
  }
  // The audit log's actor for writes made through this token: "token:<id>".
  std::string actor() const;
};

// A presented token that does not authenticate. The message never contains the token's secret.
class TokenRejected : public Error {
 public:
  enum class Reason { kMalformed, kUnknown, kRevoked, kExpired, kWrongSecret };
  TokenRejected(Reason reason, const std::string& what) : Error(what), reason_(reason) {}
  Reason reason() const { return reason_; }

 private:
  Reason reason_;
};

// A newly created token: its row and its text (sgt_<id>_<secret>), to be shown once.
struct IssuedToken {
  TokenRecord record;
  Secret text;
};

class Tokens {
 public:
  // `master` is asked for the master key the first time a token is made or checked (listing and
  // revoking never need it). Creations and revocations are recorded in `audit` when set.
  Tokens(Store& store, const Clock& clock, std::function<const MasterKey&()> master,
         AuditLog* audit = nullptr)
      : store_(store), clock_(clock), master_(std::move(master)), audit_(audit) {}

  struct Request {
    std::optional<uint32_t> tenant_id;  // nullopt: an operator token
    Role role = Role::kViewer;
    uint64_t expires = 0;  // absolute time; 0 never
    std::string comment;
  };
  // Throws InputError when the role does not fit (operator role ⇔ no tenant), the expiry is not
  // in the future or the comment is too long; NotFound when the tenant does not exist.
  IssuedToken create(lmdb::WriteTxn& txn, const Request& request);

  // Checks a presented token; refreshes its last-used time at most once a minute (one short write
  // transaction, so that a busy client does not write on every request). Throws TokenRejected.
  TokenIdentity authenticate(std::string_view token);
  // The same inside the caller's transaction, without touching last-used.
  TokenIdentity authenticate(const lmdb::Txn& txn, std::string_view token);

  std::optional<TokenRecord> find(const lmdb::Txn& txn, uint32_t id) const;
  // Tokens not revoked, of one tenant (operator tokens: tenant_id 0) or of all, by id.
  std::vector<TokenRecord> list(const lmdb::Txn& txn, std::optional<uint32_t> tenant_id) const;
  // Marks the token revoked (its hash wiped). Throws NotFound when there is no such token,
  // Conflict when it is revoked already.
  void revoke(lmdb::WriteTxn& txn, uint32_t id);
  // Revokes every token of the tenant (when it is deleted); returns their ids.
  std::vector<uint32_t> revoke_tenant(lmdb::WriteTxn& txn, uint32_t tenant_id);

  // Last-used is written when it is older than this (seconds).
  static constexpr uint64_t kLastUsedGranularity = 60;

 private:
  const Secret& hash_key();
  std::array<uint8_t, 32> token_hash(uint32_t id, uint32_t tenant_id, uint8_t role,
                                     std::span<const uint8_t> secret);
  void audit(lmdb::WriteTxn& txn, std::string_view kind, const TokenRecord& t, Json detail);

  Store& store_;
  const Clock& clock_;
  std::function<const MasterKey&()> master_;
  AuditLog* audit_;
  std::mutex key_mu_;
  Secret hash_key_;
};

}  // namespace signet
