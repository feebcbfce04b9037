// SPDX-License-Identifier: GPL-2.0-or-later
//
// The DS side of a zone's keys: which keys the parent should have a DS for now (RFC 4034 §5), the
// key RRsets the apex publishes for them (DNSKEY; CDS and CDNSKEY, RFC 7344 and RFC 8078), and
// whether a DS the parent serves is one of ours.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "keystore/store.hh"
#include "keystore/zone_keys.hh"
#include "signer/canonical.hh"
#include "signer/clock.hh"
#include "signer/ds.hh"
#include "signer/policy.hh"

namespace signet {

// The DNSKEY RDATA of a stored key.
std::vector<uint8_t> dnskey_of(const codec::KeyRecord& k);
// Whether `ds` (a DS RDATA the parent serves at `apex`) is the DS of key `k`: its tag, algorithm
// and digest, not just its tag. A digest type we do not compute proves nothing (false).
bool ds_matches_key(const CanonicalName& apex, const codec::KeyRecord& k,
                    std::span<const uint8_t> ds);

// The apex's key RRsets for a key set at `now`.
struct KeyRrsets {
  std::vector<std::vector<uint8_t>> dnskey, cds, cdnskey;
};
// DNSKEY: every published key. CDS/CDNSKEY: what the parent's DS RRset should be — per the
// policy's cds mode ("rollover": only while the parent has to act), or the delete records
// (RFC 8078 §4) when the policy says so or the zone is going insecure.
KeyRrsets key_rrsets(const std::vector<codec::KeyRecord>& keys, const SigningPolicy& policy,
                     bool going_insecure, const Name& apex, uint64_t now);

class ZoneDs {
 public:
  ZoneDs(const ZoneKeys& keys, const Clock& clock) : keys_(keys), clock_(clock) {}
  // DS RDATA of the keys the parent should have a DS for now (what CDS publishes).
  std::vector<std::vector<uint8_t>> wanted(const lmdb::Txn& txn, const ZoneRecord& zone,
                                           DigestType type) const;

 private:
  const ZoneKeys& keys_;
  const Clock& clock_;
};

}  // namespace signet
