// SPDX-License-Identifier: GPL-2.0-or-later
//
// Zones that arrive by zone transfer (kind secondary): Signet as a bump-in-the-wire signer for a
// provider whose zones live in another system.
//
//  * pdns refreshes them from their primaries, on the SOA REFRESH timer and on NOTIFY
//    (slavecommunicator.cc): it asks `unfresh` which zones are due, compares the primary's serial
//    with ours, transfers, and reports the outcome through `set_checked`.
//  * What arrives is stored in one transaction with its signatures: the backend's transaction
//    runs a ZoneWriter in transfer mode (ZoneWriter::set_transfer_in), whose edit hook signs a
//    secured zone. A zone created with a signing policy is secured by its first transfer, in
//    that same transaction (`secure_on_first_transfer`).
//  * Two serials: the primary's (upstream_serial, in the zone record) and Signet's own, which is
//    what AXFR, NOTIFY and every client see, and which also moves on each time Signet re-signs.
//    A transfer stores the primary's serial if it is ahead of Signet's (RFC 1982), else Signet's
//    + 1. pdns' freshness check must compare the primary's serial with the primary's serial
//    (the backend answers that one lookup with upstream_serial): comparing it with Signet's,
//    which is usually ahead, would judge the zone fresh and miss the primary's changes.
//  * An upstream that sends a signed zone (RRSIG, NSEC, NSEC3, DNSKEY) is refused with an error
//    naming it: Signet signs the zones it serves, unless the zone is marked presigned
//    (keystore/presigned_zones.hh), whose primary's signatures are served as they came.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keystore/audit.hh"
#include "keystore/store.hh"

namespace signet {

class Dnssec;
class Portfolio;

// The zone's primaries, as pdns keeps them ("192.0.2.1", "[2001:db8::1]:5300").
inline constexpr const char* kPrimariesMeta = "SIGNET-PRIMARIES";
// Set on a secondary zone to be secured at its first transfer: the policy name ("" = the
// tenant's default policy).
inline constexpr const char* kSignOnTransferMeta = "SIGNET-SIGN-ON-TRANSFER";

// A primary's address as pdns stores and shows it ("192.0.2.1", "[2001:db8::1]:5300", port 53
// left out). Throws InputError naming `field` unless it is an IPv4 or IPv6 address with an
// optional port.
std::string primary_address(std::string_view text, const std::string& field);

// A secondary zone pdns should check at its primaries now.
struct UnfreshZone {
  ZoneRecord zone;
  std::vector<std::string> primaries;
};

class SecondaryZones {
 public:
  SecondaryZones(Store& store, AuditLog* audit) : store_(store), audit_(audit) {}

  // A zone of kind secondary for `tenant`, empty until its first transfer from `primaries`
  // (addresses as primary_address takes them). `sign_policy`: secure it with that policy when
  // its data first arrives ("" = the tenant's default); nullopt = serve it unsigned.
  // Throws NotFound for a policy the tenant's zones cannot use, InputError for no primaries.
  ZoneRecord create(lmdb::WriteTxn& txn, Portfolio& portfolio, const Dnssec& dnssec,
                    std::string_view tenant, const Name& apex,
                    const std::vector<std::string>& primaries,
                    const std::optional<std::string>& sign_policy);
  std::vector<std::string> primaries(const lmdb::Txn& txn, const ZoneRecord& zone) const;

  // The secondary zones due for a check at `now`: never checked, stale, or last found fresh
  // longer ago than their SOA REFRESH (RFC 1035 §3.3.13). Zones without primaries are skipped.
  std::vector<UnfreshZone> unfresh(const lmdb::Txn& txn, uint64_t now) const;
  // pdns found the zone fresh (`when` = now) or could not check it (`when` = 0: check again at
  // the next pass).
  void set_checked(lmdb::WriteTxn& txn, uint32_t zone_id, uint64_t when);

  // After a transfer was stored, in its transaction: a zone created with a signing policy is
  // secured now (its data just arrived). True when it was.
  bool secure_on_first_transfer(lmdb::WriteTxn& txn, ZoneRecord& zone, Dnssec& dnssec);

 private:
  Store& store_;
  AuditLog* audit_;
};

}  // namespace signet
