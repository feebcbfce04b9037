// SPDX-License-Identifier: GPL-2.0-or-later
//
// Which signing policy a zone follows: its own, else its tenant's default, else "default"; a
// named policy is one stored with `signetutil policy import`, else a built-in one. The policy in
// force carries the zone's own denial parameters (set-nsec3) and algorithm (an operator's
// algorithm rollover), and its refresh window is widened to the zone's SOA EXPIRE horizon.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "keystore/store.hh"
#include "keystore/zone_events.hh"
#include "keystore/zone_state.hh"
#include "signer/policy.hh"

namespace signet {

class PolicyResolver {
 public:
  // Turns a stored policy (its YAML text, conf/policy.hh) back into a SigningPolicy; the
  // composition root sets it. Without one only built-in policies resolve.
  using Parser = std::function<SigningPolicy(const std::string& name, const std::string& yaml)>;

  PolicyResolver(const Store& store, const ZoneState& state, const ZoneEvents& events)
      : store_(store), state_(state), events_(events) {}
  void set_parser(Parser parser) { parse_ = std::move(parser); }

  // A named policy: one stored with `signetutil policy import`, else a built-in one.
  std::optional<SigningPolicy> named(const lmdb::Txn& txn, const std::string& name) const;
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

  // How long before expiry signatures are refreshed: the policy's window, widened to cover the
  // SOA EXPIRE horizon when the validity allows (secondaries cut off from the primary keep
  // serving the zone that long, and must not serve expired signatures).
  static uint32_t refresh_window(const SigningPolicy& policy, uint32_t soa_expire);

 private:
  const Store& store_;
  const ZoneState& state_;
  const ZoneEvents& events_;
  Parser parse_;
};

}  // namespace signet
