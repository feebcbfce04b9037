// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/policy_import.hh"

#include <sodium.h>

#include "conf/policy.hh"
#include "keystore/policy_store.hh"

namespace signet {

namespace {

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

bool same_secret(const std::optional<Secret>& stored, const std::string& given) {
  if (!stored)
    return given.empty();
  return stored->size() == given.size() &&
         sodium_memcmp(stored->data(), given.data(), given.size()) == 0;
}

// What the stored policy was, for the comparison and the audit entry: its canonical YAML (without
// the secret, even when a schema 2 store had it in there) and its secret, unsealed.
struct Before {
  std::string yaml;
  std::optional<Secret> secret;
  bool secret_in_clear = false;
};

}  // namespace

std::vector<PolicyImport> PolicyImporter::import(lmdb::WriteTxn& txn, const TenantRecord* owner,
                                                 std::vector<SigningPolicy>& policies) {
  std::vector<PolicyImport> out;
  for (auto& p : policies)
    out.push_back(import_one(txn, owner, p));
  return out;
}

PolicyImport PolicyImporter::import_one(lmdb::WriteTxn& txn, const TenantRecord* owner,
                                        SigningPolicy& policy) {
  const uint32_t owner_id = owner ? owner->id : kGlobalPolicyOwner;
  const std::string after = policy_to_yaml(policy, TsigSecretForm::kOmitted);
  std::string& secret = policy.ds_push.tsig_secret;
  PolicyResolver& resolver = dnssec_.policies();
  auto old = dnssec_.policy_store().find(txn, owner_id, policy.name);
  Before before;
  if (old) {
    PolicyResolver::Found found = resolver.parse(*old);
    before.yaml = policy_to_yaml(found.policy, TsigSecretForm::kOmitted);
    before.secret_in_clear = found.secret_in_clear;
    if (found.has_secret)
      before.secret = resolver.tsig_secret(txn, *old);
  }
  PolicyImport result{policy.name};
  if (old && before.yaml == after && same_secret(before.secret, secret) &&
      !before.secret_in_clear) {
    sodium_memzero(secret.data(), secret.size());
    secret.clear();
    return result;
  }
  dnssec_.policy_store().put(txn, owner_id, policy, after);

  Json detail{{"policy", policy.name},
              {"owner", owner ? "tenant " + owner->name : std::string("global")},
              {"before", old ? before.yaml : std::string()},
              {"after", after}};
  if (before.secret || !secret.empty()) {
    detail["tsig-secret-sha256-prefix"] =
        Json{{"before", before.secret ? tsig_secret_fingerprint(before.secret->bytes()) : ""},
             {"after", secret.empty() ? "" : tsig_secret_fingerprint(bytes_of(secret))}};
  }
  sodium_memzero(secret.data(), secret.size());
  secret.clear();
  audit_.append(txn, old ? "policy-changed" : "policy-created", owner_id, 0,
                owner ? owner->name : "", "", detail);

  result.change = old ? PolicyImport::Change::kUpdated : PolicyImport::Change::kCreated;
  result.sealed_now = before.secret_in_clear;
  for (uint32_t zone_id : resolver.followers(txn, owner_id, policy.name)) {
    keyman_.wake(txn, zone_id);
    ++result.followers;
  }
  return result;
}

}  // namespace signet
