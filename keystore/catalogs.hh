// SPDX-License-Identifier: GPL-2.0-or-later
//
// Catalog zones (RFC 9432) that Signet produces: which zones each lists, who may list what, and
// which catalog a new zone joins.
//
// A producer catalog is a zone of kind producer; pdns generates its content at every AXFR (the
// version TXT, one PTR per member under "zones", and the member properties) from
// getCatalogMembers, and raises its serial when the members change (CATALOG-HASH). So the store
// keeps only the catalog's SOA and NS, and for each member zone the id of its catalog and pdns'
// options JSON (codec.hh: zone value).
//
//  * The rule on membership, checked here and on every path (pdnsutil set-catalog, signetutil
//    catalog, the HTTP API, a zone moved to another tenant): a zone may be listed only in a
//    catalog of its own tenant, or in a shared catalog (one the operator made without a tenant).
//    Another tenant's catalog would publish the zone to secondaries that tenant controls, and a
//    tenant's catalog naming other tenants' zones would show them their names.
//  * Defaults: `signetutil catalog create CAT` makes the global default, `--tenant T` makes T's.
//    Every zone created afterwards joins its tenant's default, else the global one, in the
//    transaction that creates it; a deleted zone leaves with its zone record.
//  * A member of a catalog is served to secondaries: whatever its kind (native, primary, or a
//    secondary Signet signs), every new serial is NOTIFYed (the backend's getUpdatedMasters). A
//    producer catalog cannot itself be a member. A member is listed in the catalog's content
//    only once it has an SOA (a secondary zone before its first transfer would only make the
//    secondaries fail to transfer it, and back off).
//  * A deleted catalog frees its members and stops being anyone's default.
//  * A catalog's ALSO-NOTIFY, ALLOW-AXFR-FROM and TSIG-ALLOW-AXFR apply to its members too
//    (effective_meta).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keystore/audit.hh"
#include "keystore/store.hh"

namespace signet {

class Catalogs {
 public:
  Catalogs(Store& store, AuditLog* audit) : store_(store), audit_(audit) {}

  // Makes the zone `catalog` (empty, of `tenant_id`) a producer catalog: the SOA and the NS
  // "invalid." RFC 9432 §4.1 asks for. `shared`: zones of every tenant may join it.
  void make_producer(lmdb::WriteTxn& txn, ZoneRecord& catalog, bool shared, uint64_t now);

  // The catalog new zones of `tenant_id` join: the tenant's default, else the global one.
  std::optional<ZoneRecord> default_for(const lmdb::Txn& txn, uint32_t tenant_id) const;
  std::optional<ZoneRecord> global_default(const lmdb::Txn& txn) const;
  // Sets the default of `tenant` (nullopt: the global default) to `catalog`.
  void set_default(lmdb::WriteTxn& txn, std::optional<TenantRecord> tenant,
                   const ZoneRecord& catalog);

  // Throws Conflict / InputError, naming both, when `zone` may not be listed in `catalog`.
  void check_member(const lmdb::Txn& txn, const ZoneRecord& zone, const ZoneRecord& catalog) const;
  // Lists `zone` in `catalog` (checked), or in none when
  // `catalog` is nullopt. Writes the zone record and audits a change.
  void set_catalog(lmdb::WriteTxn& txn, ZoneRecord& zone, const std::optional<ZoneRecord>& catalog);
  // A new zone joins its default catalog, if there is one (not a catalog zone itself).
  void join_default(lmdb::WriteTxn& txn, ZoneRecord& zone);
  // After `zone` went to another tenant: a catalog it may no longer be in is swapped for the new
  // tenant's default (or none).
  void after_move(lmdb::WriteTxn& txn, ZoneRecord& zone);
  // Before the catalog `catalog` is deleted: its members leave it, no default names it.
  void forget(lmdb::WriteTxn& txn, const ZoneRecord& catalog);

  // pdns' member options JSON ({"producer": {"coo": NAME, "group": [TEXT...], "unique": LABEL}});
  // "" clears them. Throws InputError naming the field.
  void set_options(lmdb::WriteTxn& txn, ZoneRecord& zone, const std::string& options);
  static void check_options(std::string_view options);

  // A member's ALSO-NOTIFY, ALLOW-AXFR-FROM and TSIG-ALLOW-AXFR as pdns is told them: its own
  // values, then its catalog's, so one setting on a catalog covers every member (the secondaries
  // that consume a catalog transfer all its members with the same key). A TSIG key of the
  // catalog that the member's tenant could not name itself (another tenant's key, named on a
  // shared catalog) is left out. Other kinds, and zones in no catalog: the zone's own values.
  std::vector<std::string> effective_meta(const lmdb::Txn& txn, const ZoneRecord& zone,
                                          std::string_view kind) const;
  static bool inherited_from_catalog(std::string_view kind);

  // The members of `catalog`, in zone-id order (a scan of every zone).
  std::vector<ZoneRecord> members(const lmdb::Txn& txn, const ZoneRecord& catalog) const;

 private:
  void audit(lmdb::WriteTxn& txn, std::string_view kind, const ZoneRecord& zone,
             const Json& detail);

  Store& store_;
  AuditLog* audit_;
};

}  // namespace signet
