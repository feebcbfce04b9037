// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/catalogs.hh"

#include <algorithm>

#include "keystore/portfolio.hh"
#include "keystore/tsig_keys.hh"
#include "keystore/zone_writer.hh"
#include "signer/bytes.hh"
#include "signer/error.hh"
#include "signer/json.hh"
#include "signer/rrtype.hh"

namespace signet {

namespace {

constexpr std::string_view kGlobalDefaultKey = "default-catalog";

std::optional<ZoneRecord> producer_by_id(const Store& store, const lmdb::Txn& txn, uint32_t id) {
  if (id == 0)
    return std::nullopt;
  auto z = store.zone_by_id(txn, id);
  if (!z || z->kind != ZoneKind::kProducer)
    return std::nullopt;
  return z;
}

}  // namespace

void Catalogs::make_producer(lmdb::WriteTxn& txn, ZoneRecord& catalog, bool shared, uint64_t now) {
  if (catalog.serial != 0 || (catalog.flags & codec::kZoneHasSoa))
    throw Conflict("zone '" + catalog.name.to_text() +
                   "' already has data; a catalog starts empty");
  catalog.kind = ZoneKind::kProducer;
  if (shared)
    catalog.flags |= codec::kZoneSharedCatalog;
  store_.put_zone(txn, catalog);
  // RFC 9432 §4.1: a catalog's NS is "invalid." (nobody resolves through it); its serial starts
  // at the time, as pdns' EPOCH edit then raises it at every membership change.
  ZoneWriter w(store_, txn, catalog, now);
  static const Name kInvalid = Name::from_text("invalid.");
  Name rname = Name::from_text("hostmaster.invalid.");
  w.add(catalog.name, rrtype::SOA, 0,
        make_soa_rdata(kInvalid, rname, static_cast<uint32_t>(now), 3600, 600, 2419200, 0));
  w.add(catalog.name, rrtype::NS, 0,
        std::vector<uint8_t>(kInvalid.wire().begin(), kInvalid.wire().end()));
  w.finish();
  audit(txn, "catalog-created", catalog, Json{{"shared", shared}});
}

std::optional<ZoneRecord> Catalogs::global_default(const lmdb::Txn& txn) const {
  auto v = txn.find(store_.dbi().sys, kGlobalDefaultKey);
  if (!v)
    return std::nullopt;
  return producer_by_id(store_, txn, bytes::load_u32(v->data()));
}

std::optional<ZoneRecord> Catalogs::default_for(const lmdb::Txn& txn, uint32_t tenant_id) const {
  if (auto t = store_.tenant_by_id(txn, tenant_id)) {
    if (auto own = producer_by_id(store_, txn, t->default_catalog))
      return own;
  }
  return global_default(txn);
}

void Catalogs::set_default(lmdb::WriteTxn& txn, std::optional<TenantRecord> tenant,
                           const ZoneRecord& catalog) {
  if (catalog.kind != ZoneKind::kProducer)
    throw InputError("zone '" + catalog.name.to_text() + "' is not a producer catalog");
  if (tenant) {
    if (catalog.tenant_id != tenant->id)
      throw Conflict("catalog '" + catalog.name.to_text() + "' is not one of " +
                     store_.tenant_label(txn, tenant->id) + "'s zones");
    tenant->default_catalog = catalog.id;
    store_.put_tenant(txn, *tenant);
  } else {
    if (!(catalog.flags & codec::kZoneSharedCatalog))
      throw Conflict("catalog '" + catalog.name.to_text() +
                     "' belongs to one tenant and cannot be the global default");
    txn.put(store_.dbi().sys, kGlobalDefaultKey, codec::u32_key(catalog.id));
  }
  audit(txn, "catalog-default-set", catalog,
        Json{{"for", tenant ? Json(tenant->name) : Json("every tenant")}});
}

void Catalogs::check_member(const lmdb::Txn& txn, const ZoneRecord& zone,
                            const ZoneRecord& catalog) const {
  if (catalog.kind != ZoneKind::kProducer) {
    throw InputError("zone '" + catalog.name.to_text() +
                     "' is not a producer catalog (signetutil catalog create, or pdnsutil "
                     "set-kind ZONE producer)");
  }
  if (is_catalog_kind(zone.kind))
    throw InputError("zone '" + zone.name.to_text() + "' is a catalog; it cannot be a member");
  if (catalog.tenant_id != zone.tenant_id && !(catalog.flags & codec::kZoneSharedCatalog)) {
    throw Conflict("zone '" + zone.name.to_text() + "' of " +
                   store_.tenant_label(txn, zone.tenant_id) + " may not be listed in catalog '" +
                   catalog.name.to_text() + "' of " + store_.tenant_label(txn, catalog.tenant_id));
  }
}

void Catalogs::set_catalog(lmdb::WriteTxn& txn, ZoneRecord& zone,
                           const std::optional<ZoneRecord>& catalog) {
  uint32_t id = catalog ? catalog->id : 0;
  if (catalog)
    check_member(txn, zone, *catalog);
  if (id == zone.catalog_id)
    return;
  std::optional<ZoneRecord> before = producer_by_id(store_, txn, zone.catalog_id);
  zone.catalog_id = id;
  Json detail{{"before", before ? Json(before->name.to_text()) : Json(nullptr)},
              {"after", catalog ? Json(catalog->name.to_text()) : Json(nullptr)}};
  store_.put_zone(txn, zone);
  audit(txn, "catalog-changed", zone, detail);
}

void Catalogs::join_default(lmdb::WriteTxn& txn, ZoneRecord& zone) {
  if (is_catalog_kind(zone.kind) || zone.catalog_id != 0)
    return;
  if (auto catalog = default_for(txn, zone.tenant_id))
    set_catalog(txn, zone, catalog);
}

void Catalogs::after_move(lmdb::WriteTxn& txn, ZoneRecord& zone) {
  auto catalog = producer_by_id(store_, txn, zone.catalog_id);
  if (!catalog || catalog->tenant_id == zone.tenant_id ||
      (catalog->flags & codec::kZoneSharedCatalog))
    return;
  set_catalog(txn, zone, default_for(txn, zone.tenant_id));
}

void Catalogs::forget(lmdb::WriteTxn& txn, const ZoneRecord& catalog) {
  for (ZoneRecord member : members(txn, catalog))
    set_catalog(txn, member, std::nullopt);
  if (auto v = txn.find(store_.dbi().sys, kGlobalDefaultKey);
      v && bytes::load_u32(v->data()) == catalog.id)
    txn.del(store_.dbi().sys, kGlobalDefaultKey);
  for (TenantRecord t : store_.list_tenants(txn)) {
    if (t.default_catalog == catalog.id) {
      t.default_catalog = 0;
      store_.put_tenant(txn, t);
    }
  }
}

void Catalogs::check_options(std::string_view options) {
  if (options.empty())
    return;
  if (options.size() > 4096)
    throw InputError("catalog options: longer than 4096 octets");
  Json doc = Json::parse(options, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    throw InputError("catalog options: not a JSON object");
  for (const auto& [type, props] : doc.items()) {
    std::string where = "catalog options: " + type;
    if (type != "producer" && type != "consumer")
      throw InputError(where + ": unknown (producer, consumer)");
    if (!props.is_object())
      throw InputError(where + ": not an object");
    for (const auto& [key, value] : props.items()) {
      std::string field = where + "." + key;
      if (key == "coo" || key == "unique") {
        if (!value.is_string())
          throw InputError(field + ": not a string");
        std::string text = value.get<std::string>();
        if (text.empty())
          continue;
        Name n = Name::from_text(text);  // throws InputError naming the text
        if (key == "unique" && n.label_count() != 1)
          throw InputError(field + ": one label (RFC 9432 §4.1)");
      } else if (key == "group") {
        if (!value.is_array())
          throw InputError(field + ": not an array");
        for (const auto& g : value) {
          // RFC 9432 §4.4.2: a group property is a TXT with one character-string.
          if (!g.is_string() || g.get<std::string>().empty() || g.get<std::string>().size() > 255)
            throw InputError(field + ": each group is a text of 1 to 255 octets");
        }
      } else {
        throw InputError(field + ": unknown property (coo, group, unique)");
      }
    }
  }
}

void Catalogs::set_options(lmdb::WriteTxn& txn, ZoneRecord& zone, const std::string& options) {
  check_options(options);
  if (options == zone.catalog_options)
    return;
  Json detail{{"before", zone.catalog_options}, {"after", options}};
  zone.catalog_options = options;
  store_.put_zone(txn, zone);
  audit(txn, "catalog-options-changed", zone, detail);
}

bool Catalogs::inherited_from_catalog(std::string_view kind) {
  return kind == "ALSO-NOTIFY" || kind == "ALLOW-AXFR-FROM" || kind == "TSIG-ALLOW-AXFR";
}

std::vector<std::string> Catalogs::effective_meta(const lmdb::Txn& txn, const ZoneRecord& zone,
                                                  std::string_view kind) const {
  std::vector<std::string> out = store_.get_meta(txn, zone.id, kind);
  if (zone.catalog_id == 0 || !inherited_from_catalog(kind))
    return out;
  auto catalog = producer_by_id(store_, txn, zone.catalog_id);
  if (!catalog)
    return out;
  const bool keys = kind == "TSIG-ALLOW-AXFR";
  for (auto& v : store_.get_meta(txn, catalog->id, kind)) {
    if (keys && catalog->tenant_id != zone.tenant_id &&
        !tsig_key_usable(store_, txn, v, zone.tenant_id))
      continue;
    if (std::find(out.begin(), out.end(), v) == out.end())
      out.push_back(std::move(v));
  }
  return out;
}

std::vector<ZoneRecord> Catalogs::members(const lmdb::Txn& txn, const ZoneRecord& catalog) const {
  std::vector<ZoneRecord> out;
  store_.for_each_zone(txn, [&](const ZoneRecord& z) {
    if (z.catalog_id == catalog.id && !is_catalog_kind(z.kind))
      out.push_back(z);
  });
  return out;
}

void Catalogs::audit(lmdb::WriteTxn& txn, std::string_view kind, const ZoneRecord& zone,
                     const Json& detail) {
  if (!audit_)
    return;
  auto t = store_.tenant_by_id(txn, zone.tenant_id);
  audit_->append(txn, kind, zone.tenant_id, zone.id, t ? t->name : std::string(),
                 zone.name.to_text(), detail);
}

}  // namespace signet
