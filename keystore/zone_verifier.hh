// SPDX-License-Identifier: GPL-2.0-or-later
//
// Our own verification of a secured zone as stored: every RRSIG (valid now, right TTL, verifying
// against a key of the zone), every authoritative RRset signed by every algorithm of the DNSKEY
// RRset (RFC 4035 §2.2), no delegation or glue signed, and the NSEC/NSEC3 chain exactly the one
// the zone's names imply, each link correctly signed. Read only.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "keystore/signing.hh"
#include "keystore/store.hh"
#include "keystore/zone_keys.hh"
#include "keystore/zone_state.hh"
#include "signer/clock.hh"

namespace signet {

struct VerifyReport {
  size_t rrsets = 0, signatures = 0, links = 0;
  std::vector<std::string> problems;  // at most 100
  bool ok() const { return problems.empty(); }
};

class ZoneVerifier {
 public:
  // `rules`: the bitmaps pdns builds (keystore/signing.hh), as the signer was given them.
  ZoneVerifier(const Store& store, const ZoneState& state, const ZoneKeys& keys, const Clock& clock,
               BitmapRules rules = {})
      : store_(store), state_(state), keys_(keys), clock_(clock), rules_(rules) {}

  VerifyReport verify(const lmdb::Txn& txn, const ZoneRecord& zone) const;

 private:
  const Store& store_;
  const ZoneState& state_;
  const ZoneKeys& keys_;
  const Clock& clock_;
  BitmapRules rules_;
};

}  // namespace signet
