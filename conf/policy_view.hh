// SPDX-License-Identifier: GPL-2.0-or-later
//
// Policies as people and API clients see them: one-line summaries, where each comes from, the
// list a tenant (or the operator) sees, and assigning one to a zone. signetutil (list-policies,
// policy show, set-policy) and signetd (/api/v1/signet/policies, PUT .../policy) share these.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "keystore/dnssec.hh"
#include "keystore/keyman.hh"

namespace signet {

// "ecdsap256sha256 csk csk-lifetime never nsec3 cds rollover ds-submission none".
std::string policy_summary(const SigningPolicy& p);
// "built-in", "global" or "tenant NAME".
std::string policy_source_text(const PolicyResolver::Found& f,
                               const std::function<std::string(uint32_t)>& tenant_name);
// A note for a policy whose TSIG secret is still in its YAML ("" otherwise).
std::string policy_unsealed_note(const PolicyResolver::Found& f);

struct PolicyListing {
  std::string name, source, summary;  // summary includes the unsealed note
  PolicyResolver::Found found;
};
// Built-in policies and the stored ones `viewer` sees. A tenant (viewer != kGlobalPolicyOwner):
// what its zones get under each name (its own, else the global one, else the built-in one), by
// name. The global view (kGlobalPolicyOwner): the global and built-in ones and every tenant's.
std::vector<PolicyListing> visible_policies(
    const lmdb::Txn& txn, const Dnssec& dnssec, uint32_t viewer,
    const std::function<std::string(uint32_t)>& tenant_name);

struct PolicyAssignment {
  std::string before, after;  // policy names the zone followed and follows
  bool denial_changed = false;
};
// Makes the secured `zone` follow policy `name` (empty: its tenant's default), one its tenant's
// zones may use (the tenant's own, a global or a built-in one): audited "policy-assigned", an
// earlier algorithm override dropped, the key manager woken. When the policy's denial differs,
// with `defer_chain` the new chain is only begun (the caller runs signing().complete after the
// commit, keystore/resign.hh); otherwise it is built in `txn`. Throws Conflict (not secured),
// NotFound (unknown policy, message naming `tenant`).
PolicyAssignment assign_zone_policy(lmdb::WriteTxn& txn, Dnssec& dnssec, KeyManager& keyman,
                                    AuditLog& audit, const ZoneRecord& zone,
                                    const std::string& tenant, const std::string& name,
                                    bool defer_chain, unsigned threads);

}  // namespace signet
