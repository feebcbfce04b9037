// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/policy_view.hh"

#include <algorithm>
#include <set>

#include "conf/policy.hh"
#include "signer/error.hh"

namespace signet {

std::string policy_summary(const SigningPolicy& p) {
  std::string s = algorithm_name(p.algorithm) + " " + (p.csk ? "csk" : "ksk-zsk");
  auto life = [](uint32_t v) { return v ? duration_text(v) : std::string("never"); };
  if (p.csk)
    s += " csk-lifetime " + life(p.csk_lifetime);
  else
    s += " ksk-lifetime " + life(p.ksk_lifetime) + " zsk-lifetime " + life(p.zsk_lifetime);
  s += p.denial == DenialMode::kNsec ? " nsec" : " nsec3";
  const char* cds[] = {"none", "rollover", "always", "delete"};
  s += std::string(" cds ") + cds[static_cast<int>(p.cds)];
  const char* sub[] = {"none", "hook", "push"};
  s += std::string(" ds-submission ") + sub[static_cast<int>(p.ds_submission)];
  if (p.manual_approval)
    s += " approval manual";
  return s;
}

std::string policy_source_text(const PolicyResolver::Found& f,
                               const std::function<std::string(uint32_t)>& tenant_name) {
  if (!f.stored)
    return "built-in";
  if (f.stored->owner == kGlobalPolicyOwner)
    return "global";
  return "tenant " + tenant_name(f.stored->owner);
}

std::string policy_unsealed_note(const PolicyResolver::Found& f) {
  return f.secret_in_clear ? " (TSIG secret not sealed: stored before schema 3; import it again)"
                           : "";
}

std::vector<PolicyListing> visible_policies(
    const lmdb::Txn& txn, const Dnssec& dnssec, uint32_t viewer,
    const std::function<std::string(uint32_t)>& tenant_name) {
  const PolicyResolver& resolver = dnssec.policies();
  std::vector<PolicyListing> rows;
  auto add = [&](const PolicyResolver::Found& f) {
    rows.push_back(PolicyListing{f.policy.name, policy_source_text(f, tenant_name),
                                 policy_summary(f.policy) + policy_unsealed_note(f), f});
  };
  std::set<std::string> names;
  for (const auto& n : builtin_policy_names())
    names.insert(n);
  const PolicyStore& store = dnssec.policy_store();
  if (viewer != kGlobalPolicyOwner) {
    for (const auto& p : store.owned_by(txn, kGlobalPolicyOwner))
      names.insert(p.name);
    for (const auto& p : store.owned_by(txn, viewer))
      names.insert(p.name);
    for (const auto& n : names)
      add(*resolver.find(txn, viewer, n));
    return rows;
  }
  auto stored = store.all(txn);
  for (const auto& n : names) {
    bool global = std::any_of(stored.begin(), stored.end(), [&](const StoredPolicy& p) {
      return p.owner == kGlobalPolicyOwner && p.name == n;
    });
    if (!global)
      add(*resolver.find(txn, kGlobalPolicyOwner, n));
  }
  for (const auto& p : stored)
    add(resolver.parse(p));
  std::stable_sort(rows.begin(), rows.end(),
                   [](const PolicyListing& x, const PolicyListing& y) { return x.name < y.name; });
  return rows;
}

namespace {

bool denial_differs(const SigningPolicy& a, const SigningPolicy& b) {
  return a.denial != b.denial || (a.denial == DenialMode::kNsec3 &&
                                  (a.nsec3.iterations != b.nsec3.iterations ||
                                   a.nsec3.salt != b.nsec3.salt || a.nsec3.flags != b.nsec3.flags));
}

NotFound unknown_policy(const std::string& name, const std::string& tenant) {
  return NotFound("unknown policy '" + name + "' for tenant '" + tenant + "' (see list-policies)");
}

}  // namespace

PolicyAssignment assign_zone_policy(lmdb::WriteTxn& txn, Dnssec& dnssec, KeyManager& keyman,
                                    AuditLog& audit, const ZoneRecord& zone,
                                    const std::string& tenant, const std::string& name,
                                    bool defer_chain, unsigned threads) {
  auto st = dnssec.state().find(txn, zone.id);
  if (!st)
    throw Conflict("zone '" + zone.name.to_text() + "' is not secured (secure-zone ZONE POLICY)");
  PolicyAssignment r;
  r.before = dnssec.policies().name_for(txn, zone, *st);
  if (!name.empty() && !dnssec.policies().find(txn, zone.tenant_id, name))
    throw unknown_policy(name, tenant);
  st->policy = name;
  dnssec.state().put(txn, zone.id, *st);
  // An earlier operator algorithm choice gives way to the policy's.
  auto rb = dnssec.state().rollover(txn, zone.id);
  auto ra = rb;
  ra.algorithm_override = 0;
  dnssec.state().put_rollover(txn, zone.id, rb, ra);
  r.after = dnssec.policies().name_for(txn, zone, *st);
  audit.append(txn, "policy-assigned", zone.tenant_id, zone.id, tenant, zone.name.to_text(),
               Json{{"before", r.before}, {"after", r.after}});
  // The policy's denial settings apply now (one transaction: no unsigned moment).
  auto named = dnssec.policies().named(txn, zone.tenant_id, r.after);
  if (!named)
    throw unknown_policy(r.after, tenant);
  SigningPolicy current = dnssec.policies().for_zone(txn, zone, *st);
  r.denial_changed = denial_differs(*named, current);
  if (r.denial_changed) {
    auto nsec3 = named->denial == DenialMode::kNsec3 ? std::optional<Nsec3Params>(named->nsec3)
                                                     : std::nullopt;
    ZoneRecord z = zone;  // the signing service updates its copy (serial)
    if (defer_chain)
      dnssec.signing().begin_denial(txn, z, nsec3);  // built beside the served one
    else
      dnssec.signing().set_denial(txn, z, nsec3, threads);
  }
  keyman.wake(txn, zone.id);
  return r;
}

}  // namespace signet
