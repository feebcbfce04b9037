// SPDX-License-Identifier: GPL-2.0-or-later
//
// `signetutil policy import`: the policies of a file stored for their owner — the operator
// (global) or one tenant (keystore/policy_store.hh) — in the caller's transaction, each change
// audited with its YAML before and after. The TSIG secret is sealed, and the audit log records
// its fingerprint instead (tsig-secret-sha256-prefix): an auditor sees that it changed, and to
// which known secret, without it. Zones that follow a changed policy are woken for the key
// manager.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "keystore/audit.hh"
#include "keystore/dnssec.hh"
#include "keystore/keyman.hh"
#include "keystore/store.hh"
#include "signer/policy.hh"

namespace signet {

struct PolicyImport {
  enum class Change : uint8_t { kCreated, kUpdated, kUnchanged };
  std::string name;
  Change change = Change::kUnchanged;
  bool sealed_now =
      false;             // its TSIG secret was in clear in the store (schema 2) and is sealed now
  size_t followers = 0;  // secured zones that follow it
};

class PolicyImporter {
 public:
  PolicyImporter(Dnssec& dnssec, KeyManager& keyman, AuditLog& audit)
      : dnssec_(dnssec), keyman_(keyman), audit_(audit) {}

  // Stores `policies` (as read from a file by conf/policy.hh) as the global ones (owner nullptr)
  // or as `owner`'s. Their TSIG secrets are wiped from `policies` once sealed. Throws ScopeError
  // when a tenant's policy sets an operator-only key, Conflict for a built-in name; the master
  // key is loaded when a secret is sealed or compared.
  std::vector<PolicyImport> import(lmdb::WriteTxn& txn, const TenantRecord* owner,
                                   std::vector<SigningPolicy>& policies);

 private:
  PolicyImport import_one(lmdb::WriteTxn& txn, const TenantRecord* owner, SigningPolicy& policy);

  Dnssec& dnssec_;
  KeyManager& keyman_;
  AuditLog& audit_;
};

}  // namespace signet
