// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/policy_resolver.hh"

namespace signet {

std::optional<SigningPolicy> PolicyResolver::named(const lmdb::Txn& txn,
                                                   const std::string& name) const {
  if (auto v = txn.find(store_.dbi().policies, name); v && parse_) {
    return parse_(name, std::string(reinterpret_cast<const char*>(v->data()), v->size()));
  }
  return builtin_policy(name);
}

std::string PolicyResolver::name_for(const lmdb::Txn& txn, const ZoneRecord& zone,
                                     const codec::DnssecRecord& state) const {
  if (!state.policy.empty())
    return state.policy;
  if (auto t = store_.tenant_by_id(txn, zone.tenant_id); t && !t->policy.empty())
    return t->policy;
  return "default";
}

SigningPolicy PolicyResolver::for_zone(const lmdb::Txn& txn, const ZoneRecord& zone,
                                       const codec::DnssecRecord& state) const {
  std::string name = name_for(txn, zone, state);
  auto p = named(txn, name);
  if (!p) {
    // Policies cannot be deleted while in use; a store edited by hand falls back safely.
    events_.warn("zone '" + zone.name.to_text() + "': policy '" + name +
                 "' is unknown; using 'default'");
    p = builtin_policy("default");
  }
  // The denial parameters in force are the zone's own (set-nsec3 may differ from the policy).
  p->denial = state.denial == codec::Denial::kNsec ? DenialMode::kNsec : DenialMode::kNsec3;
  p->nsec3.flags = state.nsec3_flags;
  p->nsec3.iterations = state.nsec3_iterations;
  p->nsec3.salt = state.salt;
  // An operator's algorithm rollover (signetutil rollover ZONE algorithm --algorithm N).
  auto r = state_.rollover(txn, zone.id);
  if (r.algorithm_override)
    p->algorithm = algorithm_from_number(r.algorithm_override);
  return *p;
}

SigningPolicy PolicyResolver::effective(const lmdb::Txn& txn, const ZoneRecord& zone,
                                        const codec::DnssecRecord& state) const {
  SigningPolicy p = for_zone(txn, zone, state);
  p.refresh = refresh_window(p, zone_soa(store_, txn, zone.id).expire);
  return p;
}

uint32_t PolicyResolver::refresh_window(const SigningPolicy& policy, uint32_t soa_expire) {
  uint64_t want = uint64_t(soa_expire) + 3600;
  // Room for one more day of validity after the widened window, jitter included.
  if (want > policy.refresh && want + policy.jitter + 86400 <= policy.validity)
    return static_cast<uint32_t>(want);
  return policy.refresh;
}

}  // namespace signet
