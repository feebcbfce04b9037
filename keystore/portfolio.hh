// SPDX-License-Identifier: GPL-2.0-or-later
//
// Portfolio: tenant- and zone-level operations on the store, with the rules that keep tenants
// apart. Every method works inside a transaction the caller owns, so a caller can group several
// operations (signetutil batch) and nothing is written unless the caller commits.
//
//  * A zone belongs to exactly one tenant (pdns' "account").
//  * A tenant cannot create a zone inside, or around, a zone of another tenant: that would let it
//    take over names the other tenant serves (keystore/tenant_boundary.hh decides; the store and
//    ZoneWriter enforce it on every path).
//  * With a scope set (signetutil --tenant T), every zone operation is refused unless the zone
//    belongs to T.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keystore/audit.hh"
#include "keystore/store.hh"
#include "keystore/zone_writer.hh"
#include "signer/clock.hh"

namespace signet {

struct ZoneChange {
  ZoneRecord zone;
  size_t records = 0;
  bool created = false;
  std::vector<std::string> warnings;
};

class Portfolio {
 public:
  Portfolio(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  void set_scope(std::optional<std::string> tenant) { scope_ = std::move(tenant); }
  // Writers made by this portfolio report their edits to `hook` (the DNSSEC service).
  void set_edit_hook(ZoneEditHook* hook) { hook_ = hook; }
  // Every change is recorded in `audit` (in the same transaction).
  void set_audit(AuditLog* audit) { audit_ = audit; }
  const std::optional<std::string>& scope() const { return scope_; }

  // ---------------------------------------------------------- tenants
  TenantRecord create_tenant(lmdb::WriteTxn& txn, std::string_view name);
  void delete_tenant(lmdb::WriteTxn& txn, std::string_view name);
  TenantRecord tenant(const lmdb::Txn& txn, std::string_view name) const;  // throws NotFound
  // The tenant, created first when `create` is set and it does not exist yet.
  TenantRecord tenant_or_create(lmdb::WriteTxn& txn, std::string_view name, bool create);
  std::vector<TenantRecord> tenants(const lmdb::Txn& txn) const;
  std::string tenant_name(const lmdb::Txn& txn, uint32_t id) const;

  // ---------------------------------------------------------- zones
  // The zone at `apex`, visible in the scope. Throws NotFound / Conflict.
  ZoneRecord zone(const lmdb::Txn& txn, const Name& apex) const;
  std::vector<ZoneRecord> zones(const lmdb::Txn& txn, std::optional<std::string_view> tenant) const;

  // An empty zone (no SOA yet) for `tenant`, as pdns' createDomain makes them.
  ZoneRecord create_zone(lmdb::WriteTxn& txn, std::string_view tenant, const Name& apex,
                         ZoneKind kind = ZoneKind::kNative);
  // A zone with a default SOA and the given NS records (the first NS is the SOA MNAME).
  ZoneRecord create_zone_with_soa(lmdb::WriteTxn& txn, std::string_view tenant, const Name& apex,
                                  const std::vector<Name>& nameservers, uint32_t ttl = 3600);
  void delete_zone(lmdb::WriteTxn& txn, const Name& apex);
  void move_zone(lmdb::WriteTxn& txn, const Name& apex, std::string_view tenant,
                 bool create_tenant);

  // Replaces all data of the zone `apex` of `tenant` (creating the zone when absent) with what
  // `feed` adds to the writer. The zone keeps its old content if anything throws.
  ZoneChange replace_zone(lmdb::WriteTxn& txn, std::string_view tenant, const Name& apex,
                          const std::function<void(ZoneWriter&)>& feed);
  // Applies `edit` to the zone; with `bump_serial` the SOA serial goes up by one unless the edit
  // wrote the SOA itself (so secondaries notice every change).
  ZoneChange edit_zone(lmdb::WriteTxn& txn, const Name& apex,
                       const std::function<void(ZoneWriter&)>& edit, bool bump_serial);
  // RFC 1982 increment of the SOA serial; returns the new serial.
  uint32_t increase_serial(lmdb::WriteTxn& txn, const Name& apex);

 private:
  void check_scope(const lmdb::Txn& txn, const ZoneRecord& zone) const;

  Store& store_;
  const Clock& clock_;
  std::optional<std::string> scope_;
  ZoneEditHook* hook_ = nullptr;
  AuditLog* audit_ = nullptr;
};

// SOA RDATA from its fields (RFC 1035 §3.3.13).
std::vector<uint8_t> make_soa_rdata(const Name& mname, const Name& rname, uint32_t serial,
                                    uint32_t refresh, uint32_t retry, uint32_t expire,
                                    uint32_t minimum);

}  // namespace signet
