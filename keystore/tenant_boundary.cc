// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/tenant_boundary.hh"

#include "keystore/store.hh"
#include "signer/error.hh"

namespace signet {

std::optional<codec::ZoneRecord> TenantBoundary::foreign_above(uint32_t tenant_id, const Name& name,
                                                               uint32_t skip_zone_id) const {
  // Every ancestor up to the root, and the name itself: one get each (at most 127).
  for (Name n = name;; n = n.parent()) {
    if (auto z = store_.find_zone(txn_, n); z && z->id != skip_zone_id && z->tenant_id != tenant_id)
      return z;
    if (n.is_root())
      return std::nullopt;
  }
}

std::optional<codec::ZoneRecord> TenantBoundary::foreign_below(uint32_t tenant_id, const Name& name,
                                                               uint32_t skip_zone_id) const {
  std::optional<codec::ZoneRecord> found;
  store_.for_each_zone_below(txn_, name, [&](const codec::ZoneRecord& z) {
    if (z.id != skip_zone_id && z.tenant_id != tenant_id) {
      found = z;
      return false;
    }
    return true;
  });
  return found;
}

const std::vector<codec::ZoneRecord>& TenantBoundary::foreign_zones_below(
    const codec::ZoneRecord& zone) {
  if (below_of_ != zone.id) {
    foreign_below_.clear();
    store_.for_each_zone_below(txn_, zone.name, [&](const codec::ZoneRecord& z) {
      if (z.tenant_id != zone.tenant_id)
        foreign_below_.push_back(z);
      return true;
    });
    below_of_ = zone.id;
  }
  return foreign_below_;
}

void TenantBoundary::check(uint32_t tenant_id, const Name& name, Claim claim,
                           const codec::ZoneRecord* zone) {
  if (claim == Claim::kZone) {
    uint32_t self = zone ? zone->id : 0;
    if (auto outer = foreign_above(tenant_id, name, self)) {
      if (outer->name.equals(name)) {
        throw Conflict("zone '" + name.to_text() +
                       "' already exists and belongs to another tenant");
      }
      throw Conflict("zone '" + name.to_text() + "' would be inside zone '" +
                     outer->name.to_text() + "' of another tenant");
    }
    if (auto inner = foreign_below(tenant_id, name, self)) {
      throw Conflict("zone '" + name.to_text() + "' would contain zone '" + inner->name.to_text() +
                     "' of another tenant");
    }
    return;
  }
  if (!zone)
    throw std::logic_error("TenantBoundary::check: a record claim needs its zone");
  for (const auto& other : foreign_zones_below(*zone)) {
    if (name.is_subdomain_of(other.name)) {
      throw Conflict("record '" + name.to_text() + "' in zone '" + zone->name.to_text() +
                     "' would be at or below zone '" + other.name.to_text() +
                     "' of another tenant");
    }
  }
}

}  // namespace signet
