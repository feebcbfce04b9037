// SPDX-License-Identifier: GPL-2.0-or-later
//
// The Signet store: one LMDB environment holding tenants, zones, RRsets and metadata (and, as they
// arrive, keys, signatures, NSEC3 chains and the audit log). This class owns the environment and
// the database handles and offers typed, transaction-scoped access; it holds no other state, so
// any number of pdns threads can use it at once. The byte layout is in keystore/codec.hh.
//
// Invariants on RRsets (empty non-terminals, auth flags, CNAME exclusivity) are kept by
// ZoneWriter, the only code that writes the rrsets database.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keystore/codec.hh"
#include "keystore/lmdb.hh"
#include "signer/name.hh"

namespace signet {

using codec::TenantRecord;
using codec::ZoneKind;
using codec::ZoneRecord;

struct StoreOptions {
  std::string path;                        // the LMDB directory
  uint64_t map_size = uint64_t(64) << 30;  // bytes; a limit on a sparse file
};

class Store {
 public:
  struct Dbis {
    MDB_dbi sys, tenants, tenant_names, tenant_zones, zones, zone_names, rrsets, meta, rrsigs,
        chain, keys, dnssec, due, rollover, key_due, policies, audit, tokens, tsig_keys;
    MDB_dbi monitor;                      // keystore/monitor_results.hh
    MDB_dbi alert_state, alert_webhooks;  // keystore/alert_store.hh
  };

  // Opens (creating when absent) the store and brings its schema up to date. Throws StoreError.
  explicit Store(const StoreOptions& options);

  lmdb::Env& env() { return *env_; }
  const Dbis& dbi() const { return dbi_; }
  lmdb::ReadTxn begin_read() { return lmdb::ReadTxn(*env_); }
  lmdb::WriteTxn begin_write() { return lmdb::WriteTxn(*env_); }
  uint32_t schema_version(const lmdb::Txn& txn) const;

  // ------------------------------------------------------------ tenants
  // Tenant names: 1-63 characters of [A-Za-z0-9._@+-], starting with a letter or digit.
  static void check_tenant_name(std::string_view name);
  std::optional<TenantRecord> find_tenant(const lmdb::Txn& txn, std::string_view name) const;
  std::optional<TenantRecord> tenant_by_id(const lmdb::Txn& txn, uint32_t id) const;
  // Throws Conflict when it exists.
  TenantRecord create_tenant(lmdb::WriteTxn& txn, std::string_view name, uint64_t now);
  // Throws Conflict while the tenant owns zones.
  void delete_tenant(lmdb::WriteTxn& txn, const TenantRecord& tenant);
  std::vector<TenantRecord> list_tenants(const lmdb::Txn& txn) const;
  // "tenant 'NAME'" (or "tenant '#ID'" for a missing one), for messages.
  std::string tenant_label(const lmdb::Txn& txn, uint32_t id) const;
  bool tenant_has_zones(const lmdb::Txn& txn, uint32_t tenant_id) const;

  // ------------------------------------------------------------ zones
  std::optional<ZoneRecord> find_zone(const lmdb::Txn& txn, const Name& apex) const;
  std::optional<ZoneRecord> zone_by_id(const lmdb::Txn& txn, uint32_t id) const;
  // The zone whose apex is `name` or its closest ancestor; nullopt when none.
  std::optional<ZoneRecord> find_enclosing_zone(const lmdb::Txn& txn, const Name& name) const;
  // Calls `fn` with every zone strictly below `apex`, in canonical order, until it returns false
  // (one prefix seek in zone_names; nothing else is read when there is none).
  void for_each_zone_below(const lmdb::Txn& txn, const Name& apex,
                           const std::function<bool(const ZoneRecord&)>& fn) const;
  // Creates an empty zone record (no RRsets). Throws Conflict when the apex exists or the zone
  // would cross the tenant boundary (keystore/tenant_boundary.hh).
  ZoneRecord create_zone(lmdb::WriteTxn& txn, uint32_t tenant_id, const Name& apex, ZoneKind kind,
                         uint64_t now);
  void put_zone(lmdb::WriteTxn& txn, const ZoneRecord& zone);
  void put_tenant(lmdb::WriteTxn& txn, const TenantRecord& tenant);
  // Hands out ids from a counter in the sys database ("next-zone-id", "next-key-id"...).
  uint32_t next_id(lmdb::WriteTxn& txn, std::string_view counter);
  // Gives the zone to another tenant. Throws Conflict when that would cross the tenant boundary,
  // or while its metadata names a TSIG key of its old tenant (keystore/tsig_keys.hh).
  void move_zone(lmdb::WriteTxn& txn, ZoneRecord& zone, uint32_t new_tenant_id);
  // Removes the zone with all its RRsets and metadata.
  void delete_zone(lmdb::WriteTxn& txn, const ZoneRecord& zone);
  void for_each_zone(const lmdb::Txn& txn, const std::function<void(const ZoneRecord&)>& fn) const;
  void for_each_tenant_zone(const lmdb::Txn& txn, uint32_t tenant_id,
                            const std::function<void(const ZoneRecord&)>& fn) const;

  // ------------------------------------------------------------ rrsets (read side)
  std::optional<codec::RRsetView> get_rrset(const lmdb::Txn& txn, uint32_t zone_id,
                                            std::span<const uint8_t> rel_labels,
                                            uint16_t type) const;

  // ------------------------------------------------------------ metadata (pdns domain metadata)
  std::vector<std::string> get_meta(const lmdb::Txn& txn, uint32_t zone_id,
                                    std::string_view kind) const;
  std::map<std::string, std::vector<std::string>> all_meta(const lmdb::Txn& txn,
                                                           uint32_t zone_id) const;
  // Every metadata write comes here: metadata naming TSIG keys must name keys the zone's tenant
  // may use (check_tsig_metadata, keystore/tsig_keys.hh; ScopeError otherwise).
  void set_meta(lmdb::WriteTxn& txn, uint32_t zone_id, std::string_view kind,
                const std::vector<std::string>& values);

 private:
  bool open_dbis(bool create);
  void migrate(lmdb::WriteTxn& txn, uint32_t from);

  std::unique_ptr<lmdb::Env> env_;
  Dbis dbi_{};
};

// Calls `fn` for every RRset of the zone (empty non-terminal rows left out) in canonical order,
// owner names as they were written.
void for_each_rrset(
    const Store& store, const lmdb::Txn& txn, const codec::ZoneRecord& zone,
    const std::function<void(const Name& owner, uint16_t type, const codec::RRsetView&)>& fn);

}  // namespace signet
