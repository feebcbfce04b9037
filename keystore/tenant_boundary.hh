// SPDX-License-Identifier: GPL-2.0-or-later
//
// The tenant boundary in the DNS tree, decided here and nowhere else.
//
// A name belongs to at most one tenant. A zone holds its apex and every name below it, down to the
// zones cut below it, and those must be zones of the same tenant: otherwise the outer zone's
// tenant could publish a DS (or glue, or occluded data) for names another tenant serves and take
// over their chain of trust (RFC 4035 §5: validation of a child starts at the parent's DS).
// So:
//
//  * a zone may not be created, loaded, moved to another tenant (or renamed) so that it contains,
//    or is contained by, a zone of another tenant. Every ancestor and every descendant is checked:
//    the closest one found may well be the tenant's own while one further away is not;
//  * a record may not be written at or below the apex of another tenant's zone. With the first
//    rule in force such a zone cannot exist below one of ours; the check guards stores written
//    before it, and costs one seek when there is nothing below the zone.
//
// Store::create_zone, Store::move_zone and ZoneWriter::finish call check(); every write path
// (signetutil, pdnsutil, the HTTP API, DNS UPDATE, incoming zone transfers) goes through them, so
// no path can skip it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "keystore/codec.hh"
#include "keystore/lmdb.hh"
#include "signer/name.hh"

namespace signet {

class Store;

class TenantBoundary {
 public:
  enum class Claim {
    kZone,    // `name` is the apex of a zone of the tenant (being created or moved to it)
    kRecord,  // `name` is the owner of a record written into zone `zone` of the tenant
  };

  TenantBoundary(const Store& store, const lmdb::Txn& txn) : store_(store), txn_(txn) {}

  // Throws Conflict, naming the other tenant's zone, when tenant `tenant_id` may not hold `name`
  // as `claim` says. `zone` is the zone being moved (kZone; its own entry is not a conflict) or
  // the zone written to (kRecord).
  void check(uint32_t tenant_id, const Name& name, Claim claim,
             const codec::ZoneRecord* zone = nullptr);

 private:
  std::optional<codec::ZoneRecord> foreign_above(uint32_t tenant_id, const Name& name,
                                                 uint32_t skip_zone_id) const;
  std::optional<codec::ZoneRecord> foreign_below(uint32_t tenant_id, const Name& name,
                                                 uint32_t skip_zone_id) const;
  // The apexes of other tenants' zones below `zone`, looked up once per boundary object (a zone
  // load checks every owner name against them).
  const std::vector<codec::ZoneRecord>& foreign_zones_below(const codec::ZoneRecord& zone);

  const Store& store_;
  const lmdb::Txn& txn_;
  std::optional<uint32_t> below_of_;  // the zone foreign_below_ was computed for
  std::vector<codec::ZoneRecord> foreign_below_;
};

}  // namespace signet
