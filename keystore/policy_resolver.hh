// SPDX-License-Identifier: GPL-2.0-or-later
//
// Which signing policy a zone follows: its own, else its tenant's default, else "default". A
// policy name means, for the zones of a tenant, the tenant's stored policy of that name, else the
// global one, else a built-in one (keystore/policy_store.hh: owners). The policy in force carries
// the zone's own denial parameters (set-nsec3) and algorithm (an operator's algorithm rollover),
// and its refresh window is widened to the zone's SOA EXPIRE horizon.
//
// The policies it hands out never carry a TSIG secret: tsig_secret() unseals it where it is used.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "keystore/policy_store.hh"
#include "keystore/store.hh"
#include "keystore/zone_events.hh"
#include "keystore/zone_state.hh"
#include "signer/policy.hh"
#include "signer/secret.hh"

namespace signet {

class PolicyResolver {
 public:
  // Turns a stored policy (its YAML text, conf/policy.hh) back into a SigningPolicy; the
  // composition root sets it. Without one only built-in policies resolve.
  using Parser = std::function<SigningPolicy(const std::string& name, const std::string& yaml)>;

  PolicyResolver(const Store& store, const PolicyStore& stored, const ZoneState& state,
                 const ZoneEvents& events)
      : store_(store), stored_(stored), state_(state), events_(events) {}
  void set_parser(Parser parser) { parse_ = std::move(parser); }

  // A policy found by name, and where it comes from.
  struct Found {
    SigningPolicy policy;                // without its TSIG secret
    std::optional<StoredPolicy> stored;  // nullopt: a built-in policy
    // The policy holds a TSIG secret: sealed, or in its YAML (stored before schema 3, not
    // imported since: see keystore/codec.hh).
    bool has_secret = false;
    bool secret_in_clear = false;
  };
  // What `name` means to the zones of tenant `tenant_id` (0: to no tenant, the global view):
  // the tenant's policy, else the global one, else a built-in one.
  std::optional<Found> find(const lmdb::Txn& txn, uint32_t tenant_id,
                            const std::string& name) const;
  std::optional<SigningPolicy> named(const lmdb::Txn& txn, uint32_t tenant_id,
                                     const std::string& name) const;
  // One stored policy, parsed. Throws CorruptionError when there is no parser.
  Found parse(const StoredPolicy& stored) const;

  // The name of the policy a zone follows: its own, else its tenant's default, else "default".
  std::string name_for(const lmdb::Txn& txn, const ZoneRecord& zone,
                       const codec::DnssecRecord& state) const;
  // The policy in force for a secured zone: the named policy with the zone's own denial
  // parameters (set-nsec3) and algorithm (an operator's algorithm rollover).
  SigningPolicy for_zone(const lmdb::Txn& txn, const ZoneRecord& zone,
                         const codec::DnssecRecord& state) const;
  // for_zone with its refresh window widened for the zone's SOA (see refresh_window).
  SigningPolicy effective(const lmdb::Txn& txn, const ZoneRecord& zone,
                          const codec::DnssecRecord& state) const;
  // The secured zones that follow the stored policy `name` of `owner`.
  std::vector<uint32_t> followers(const lmdb::Txn& txn, uint32_t owner,
                                  const std::string& name) const;

  // The TSIG secret of the policy `name` as the zones of `tenant_id` see it, unsealed for the
  // moment it is used (a DS update); nullopt when it has none.
  std::optional<Secret> tsig_secret(const lmdb::Txn& txn, uint32_t tenant_id,
                                    const std::string& name) const;
  std::optional<Secret> tsig_secret(const lmdb::Txn& txn, const StoredPolicy& stored) const;

  // How long before expiry signatures are refreshed: the policy's window, widened to cover the
  // SOA EXPIRE horizon when the validity allows (secondaries cut off from the primary keep
  // serving the zone that long, and must not serve expired signatures).
  static uint32_t refresh_window(const SigningPolicy& policy, uint32_t soa_expire);

 private:
  const Store& store_;
  const PolicyStore& stored_;
  const ZoneState& state_;
  const ZoneEvents& events_;
  Parser parse_;
};

}  // namespace signet
