// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/policy_resolver.hh"

#include <sodium.h>

#include "signer/error.hh"

namespace signet {

namespace {

// Empties a string that held a secret, overwriting its bytes first.
void forget(std::string& s) {
  sodium_memzero(s.data(), s.size());
  s.clear();
}

}  // namespace

PolicyResolver::Found PolicyResolver::parse(const StoredPolicy& stored) const {
  if (!parse_)
    throw CorruptionError("stored policy '" + stored.name + "' cannot be read (no parser)");
  Found f{parse_(stored.name, stored.record.yaml), stored};
  f.secret_in_clear = !f.policy.ds_push.tsig_secret.empty();
  f.has_secret = f.secret_in_clear || !stored.record.sealed_secret.empty();
  forget(f.policy.ds_push.tsig_secret);
  return f;
}

std::optional<PolicyResolver::Found> PolicyResolver::find(const lmdb::Txn& txn, uint32_t tenant_id,
                                                          const std::string& name) const {
  if (parse_) {
    if (auto s = stored_.visible(txn, tenant_id, name))
      return parse(*s);
  }
  if (auto p = builtin_policy(name))
    return Found{*p, std::nullopt};
  return std::nullopt;
}

std::optional<SigningPolicy> PolicyResolver::named(const lmdb::Txn& txn, uint32_t tenant_id,
                                                   const std::string& name) const {
  auto f = find(txn, tenant_id, name);
  if (!f)
    return std::nullopt;
  return std::move(f->policy);
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
  auto p = named(txn, zone.tenant_id, name);
  if (!p) {
    // Policies cannot be deleted, and assignments name policies visible to the zone's tenant;
    // a zone moved to another tenant, or a store edited by hand, falls back safely.
    events_.warn("zone '" + zone.name.to_text() + "': policy '" + name +
                 "' is unknown to its tenant; using 'default'");
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

std::vector<uint32_t> PolicyResolver::followers(const lmdb::Txn& txn, uint32_t owner,
                                                const std::string& name) const {
  std::vector<uint32_t> out;
  for (uint32_t id : state_.secured_zone_ids(txn)) {
    auto zone = store_.zone_by_id(txn, id);
    auto st = state_.find(txn, id);
    if (!zone || !st || name_for(txn, *zone, *st) != name)
      continue;
    // The zone's tenant sees this owner's policy under that name (names have one owner; a store
    // edited by hand is checked all the same).
    auto seen = stored_.visible(txn, zone->tenant_id, name);
    if (seen && seen->owner == owner)
      out.push_back(id);
  }
  return out;
}

std::optional<Secret> PolicyResolver::tsig_secret(const lmdb::Txn& txn,
                                                  const StoredPolicy& stored) const {
  if (auto sealed = stored_.open_secret(txn, stored))
    return sealed;
  if (!parse_)
    return std::nullopt;
  // A policy stored before schema 3 may still hold its secret in its YAML.
  SigningPolicy p = parse_(stored.name, stored.record.yaml);
  if (p.ds_push.tsig_secret.empty())
    return std::nullopt;
  Secret s(reinterpret_cast<const uint8_t*>(p.ds_push.tsig_secret.data()),
           p.ds_push.tsig_secret.size());
  forget(p.ds_push.tsig_secret);
  return s;
}

std::optional<Secret> PolicyResolver::tsig_secret(const lmdb::Txn& txn, uint32_t tenant_id,
                                                  const std::string& name) const {
  auto stored = stored_.visible(txn, tenant_id, name);
  if (!stored)
    return std::nullopt;  // built-in policies have none
  return tsig_secret(txn, *stored);
}

uint32_t PolicyResolver::refresh_window(const SigningPolicy& policy, uint32_t soa_expire) {
  uint64_t want = uint64_t(soa_expire) + 3600;
  // Room for one more day of validity after the widened window, jitter included.
  if (want > policy.refresh && want + policy.jitter + 86400 <= policy.validity)
    return static_cast<uint32_t>(want);
  return policy.refresh;
}

}  // namespace signet
