// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/portfolio.hh"

#include <ctime>

#include "keystore/alert_store.hh"
#include "keystore/catalogs.hh"
#include "keystore/tokens.hh"
#include "keystore/tsig_keys.hh"
#include "signer/bytes.hh"
#include "signer/error.hh"
#include "signer/rrtype.hh"

namespace signet {

std::vector<uint8_t> make_soa_rdata(const Name& mname, const Name& rname, uint32_t serial,
                                    uint32_t refresh, uint32_t retry, uint32_t expire,
                                    uint32_t minimum) {
  std::vector<uint8_t> out(mname.wire().begin(), mname.wire().end());
  out.insert(out.end(), rname.wire().begin(), rname.wire().end());
  for (uint32_t v : {serial, refresh, retry, expire, minimum})
    bytes::put_u32(out, v);
  return out;
}

// ------------------------------------------------------------------ tenants

TenantRecord Portfolio::create_tenant(lmdb::WriteTxn& txn, std::string_view name) {
  if (scope_ && *scope_ != name) {
    throw ScopeError("scoped to tenant '" + *scope_ + "': cannot create tenant '" +
                     std::string(name) + "'");
  }
  TenantRecord t = store_.create_tenant(txn, name, clock_.now());
  if (audit_)
    audit_->append(txn, "tenant-created", t.id, 0, t.name, "");
  return t;
}

void Portfolio::delete_tenant(lmdb::WriteTxn& txn, std::string_view name) {
  TenantRecord t = tenant(txn, name);
  // Its tokens go first (and are audited under its name): a tenant's API access ends with it.
  Tokens(store_, clock_, nullptr, audit_).revoke_tenant(txn, t.id);
  // So do its TSIG keys: sealed under its data key, they would never open again, and their names
  // would stay taken. It owns no zones any more, so no metadata names them.
  if (!store_.tenant_has_zones(txn, t.id))
    TsigKeys(store_, clock_, nullptr, audit_).remove_tenant(txn, t.id);
  store_.delete_tenant(txn, t);
  // Its own alert webhook goes with it (keystore/alert_store.hh).
  AlertStore(store_).erase_webhook(txn, t.id);
  if (audit_)
    audit_->append(txn, "tenant-deleted", t.id, 0, t.name, "");
}

TenantRecord Portfolio::tenant(const lmdb::Txn& txn, std::string_view name) const {
  if (scope_ && *scope_ != name) {
    throw ScopeError("scoped to tenant '" + *scope_ + "': tenant '" + std::string(name) +
                     "' is not visible");
  }
  auto t = store_.find_tenant(txn, name);
  if (!t)
    throw NotFound("tenant '" + std::string(name) + "' does not exist");
  return *t;
}

TenantRecord Portfolio::tenant_or_create(lmdb::WriteTxn& txn, std::string_view name, bool create) {
  if (auto t = store_.find_tenant(txn, name)) {
    if (scope_ && *scope_ != name)
      return tenant(txn, name);  // throws the scope error
    return *t;
  }
  if (!create)
    throw NotFound("tenant '" + std::string(name) + "' does not exist");
  return create_tenant(txn, name);
}

std::vector<TenantRecord> Portfolio::tenants(const lmdb::Txn& txn) const {
  auto all = store_.list_tenants(txn);
  if (!scope_)
    return all;
  std::vector<TenantRecord> out;
  for (auto& t : all) {
    if (t.name == *scope_)
      out.push_back(t);
  }
  return out;
}

std::string Portfolio::tenant_name(const lmdb::Txn& txn, uint32_t id) const {
  auto t = store_.tenant_by_id(txn, id);
  return t ? t->name : "#" + std::to_string(id);
}

// ------------------------------------------------------------------ zones

void Portfolio::check_scope(const lmdb::Txn& txn, const ZoneRecord& zone) const {
  if (!scope_)
    return;
  if (tenant_name(txn, zone.tenant_id) != *scope_) {
    throw ScopeError("zone '" + zone.name.to_text() + "' belongs to another tenant, not '" +
                     *scope_ + "'");
  }
}

ZoneRecord Portfolio::zone(const lmdb::Txn& txn, const Name& apex) const {
  auto z = store_.find_zone(txn, apex);
  if (!z)
    throw NotFound("zone '" + apex.to_text() + "' does not exist");
  check_scope(txn, *z);
  return *z;
}

std::vector<ZoneRecord> Portfolio::zones(const lmdb::Txn& txn,
                                         std::optional<std::string_view> tenant_filter) const {
  std::vector<ZoneRecord> out;
  std::optional<std::string> filter;
  if (tenant_filter)
    filter = std::string(*tenant_filter);
  if (scope_) {
    if (filter && *filter != *scope_)
      tenant(txn, *filter);  // throws the scope error
    filter = scope_;
  }
  if (filter) {
    TenantRecord t = tenant(txn, *filter);
    store_.for_each_tenant_zone(txn, t.id, [&](const ZoneRecord& z) { out.push_back(z); });
  } else {
    store_.for_each_zone(txn, [&](const ZoneRecord& z) { out.push_back(z); });
  }
  return out;
}

ZoneRecord Portfolio::create_zone(lmdb::WriteTxn& txn, std::string_view tenant_name_,
                                  const Name& apex, ZoneKind kind) {
  TenantRecord t = tenant(txn, tenant_name_);
  if (auto existing = store_.find_zone(txn, apex)) {
    if (scope_ && existing->tenant_id != t.id) {
      throw Conflict("zone '" + apex.to_text() + "' already exists and belongs to another tenant");
    }
    throw Conflict("zone '" + apex.to_text() + "' already exists (tenant '" +
                   tenant_name(txn, existing->tenant_id) + "')");
  }
  // The tenant boundary (no zone inside or around another tenant's) is the store's to check.
  ZoneRecord z = store_.create_zone(txn, t.id, apex, kind, clock_.now());
  if (audit_)
    audit_->append(txn, "zone-created", t.id, z.id, t.name, z.name.to_text());
  Catalogs(store_, audit_).join_default(txn, z);
  return z;
}

ZoneRecord Portfolio::create_zone_with_soa(lmdb::WriteTxn& txn, std::string_view tenant_name_,
                                           const Name& apex, const std::vector<Name>& nameservers,
                                           uint32_t ttl) {
  ZoneRecord z = create_zone(txn, tenant_name_, apex, ZoneKind::kNative);
  // Date-based serial (YYYYMMDDnn), the convention most operators expect to see.
  std::time_t now = static_cast<std::time_t>(clock_.now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  uint32_t serial = static_cast<uint32_t>((tm.tm_year + 1900) * 1000000 + (tm.tm_mon + 1) * 10000 +
                                          tm.tm_mday * 100 + 1);
  Name mname = nameservers.empty() ? Name::from_text("a.misconfigured.dns.server.invalid.")
                                   : nameservers.front();
  Name rname = apex.prepend_label(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("hostmaster"), 10));
  ZoneWriter w(store_, txn, z, clock_.now());
  w.add(apex, rrtype::SOA, ttl, make_soa_rdata(mname, rname, serial, 10800, 3600, 604800, 3600));
  for (const Name& ns : nameservers) {
    w.add(apex, rrtype::NS, ttl, std::vector<uint8_t>(ns.wire().begin(), ns.wire().end()));
  }
  w.finish();
  return z;
}

void Portfolio::delete_zone(lmdb::WriteTxn& txn, const Name& apex) {
  ZoneRecord z = zone(txn, apex);
  if (z.kind == ZoneKind::kProducer)
    Catalogs(store_, audit_).forget(txn, z);
  store_.delete_zone(txn, z);
  if (audit_) {
    audit_->append(txn, "zone-deleted", z.tenant_id, z.id, tenant_name(txn, z.tenant_id),
                   z.name.to_text(), Json{{"serial", z.serial}});
  }
}

void Portfolio::move_zone(lmdb::WriteTxn& txn, const Name& apex, std::string_view tenant_name_,
                          bool create_tenant) {
  ZoneRecord z = zone(txn, apex);
  TenantRecord t = tenant_or_create(txn, tenant_name_, create_tenant);
  std::string from = tenant_name(txn, z.tenant_id);
  uint32_t from_id = z.tenant_id;
  store_.move_zone(txn, z, t.id);
  Catalogs(store_, audit_).after_move(txn, z);
  if (hook_ && from_id != t.id)
    hook_->after_move(txn, z, from_id);
  if (audit_ && from != t.name) {
    audit_->append(txn, "zone-moved", t.id, z.id, t.name, z.name.to_text(),
                   Json{{"before", from}, {"after", t.name}});
  }
}

ZoneChange Portfolio::replace_zone(lmdb::WriteTxn& txn, std::string_view tenant_name_,
                                   const Name& apex, const std::function<void(ZoneWriter&)>& feed) {
  ZoneChange change;
  TenantRecord t = tenant(txn, tenant_name_);
  if (auto existing = store_.find_zone(txn, apex)) {
    if (existing->tenant_id != t.id) {
      if (scope_) {
        throw Conflict("zone '" + apex.to_text() + "' belongs to another tenant, not '" + t.name +
                       "'");
      }
      throw Conflict("zone '" + apex.to_text() + "' belongs to tenant '" +
                     tenant_name(txn, existing->tenant_id) + "', not '" + t.name + "'");
    }
    change.zone = *existing;
  } else {
    change.zone = create_zone(txn, tenant_name_, apex, ZoneKind::kNative);
    change.created = true;
  }
  ZoneWriter w(store_, txn, change.zone, clock_.now());
  w.set_hook(hook_);
  w.set_audit(audit_);
  w.clear();
  feed(w);
  w.finish();
  if (change.zone.serial == 0 && !store_.get_rrset(txn, change.zone.id, {}, rrtype::SOA)) {
    throw InputError("zone '" + apex.to_text() + "': the data has no SOA record at the apex");
  }
  change.records = w.records_added();
  change.warnings = w.warnings();
  return change;
}

ZoneChange Portfolio::edit_zone(lmdb::WriteTxn& txn, const Name& apex,
                                const std::function<void(ZoneWriter&)>& edit, bool bump_serial) {
  ZoneChange change;
  change.zone = zone(txn, apex);
  ZoneWriter w(store_, txn, change.zone, clock_.now());
  w.set_hook(hook_);
  w.set_audit(audit_);
  if (bump_serial)
    w.request_serial_bump();
  edit(w);
  w.finish();
  change.records = w.records_added();
  change.warnings = w.warnings();
  return change;
}

uint32_t Portfolio::increase_serial(lmdb::WriteTxn& txn, const Name& apex) {
  ZoneRecord z = zone(txn, apex);
  if (!store_.get_rrset(txn, z.id, {}, rrtype::SOA)) {
    throw Conflict("zone '" + apex.to_text() + "' has no SOA record");
  }
  ZoneWriter w(store_, txn, z, clock_.now());
  w.set_hook(hook_);
  w.set_audit(audit_);
  w.request_serial_bump();
  w.force_change();
  w.finish();
  return z.serial;
}

}  // namespace signet
