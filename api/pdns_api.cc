// SPDX-License-Identifier: GPL-2.0-or-later
//
// The PowerDNS HTTP API v1 over Signet's store, as pdns 4.7 answers it (ws-auth.cc), scoped to
// the token's tenant. Ownership is decided in one place, Service::visible_zone: a zone of
// another tenant answers exactly as an absent one (404 {"error": "Not Found"}, pdns' body), on
// every route and method, before the role is looked at; lists and searches only ever walk the
// token's own zones. Writes go through Service::write (one transaction, the token as the audit
// actor) and the core's Portfolio and ZoneWriter, so a secured zone is re-signed by the edit
// hook exactly as with signetutil.
#include "api/pdns_api.hh"

#include <memory>
#include <sstream>

#include "api/pdns_codec.hh"
#include "api/pdns_records.hh"
#include "conf/zonefile.hh"
#include "keystore/catalogs.hh"
#include "keystore/presigned_zones.hh"
#include "keystore/secondary_zones.hh"
#include "keystore/zone_ds.hh"
#include "keystore/zone_keys.hh"
#include "signer/error.hh"
#include "signer/key.hh"
#include "signer/nsec3.hh"
#include "signer/rdata_text.hh"
#include "signer/rrtype.hh"

namespace signet::api {

namespace {

using namespace pdns;

// The pdns version whose API this imitates: clients compare it to decide what they may send.
constexpr const char* kPdnsVersion = "4.7.3";
const std::string kServer = "/api/v1/servers/localhost";
const std::string kZones = kServer + "/zones";
const std::string kZone = kZones + "/{zone}";

// Metadata kinds the API reads and writes (pdns domain metadata).
constexpr const char* kSoaEditApi = "SOA-EDIT-API";
constexpr const char* kSoaEdit = "SOA-EDIT";
constexpr const char* kApiRectify = "API-RECTIFY";

Json server_json() {
  return Json{{"autoprimaries_url", kServer + "/autoprimaries{/autoprimary}"},
              {"config_url", kServer + "/config{/config_setting}"},
              {"daemon_type", "authoritative"},
              {"id", "localhost"},
              {"type", "Server"},
              {"url", kServer},
              {"version", kPdnsVersion},
              {"zones_url", kZones + "{/zone}"}};
}

std::string first_meta(Store& store, const lmdb::Txn& txn, uint32_t zone_id, const char* kind) {
  auto v = store.get_meta(txn, zone_id, kind);
  return v.empty() ? std::string() : v.front();
}

bool want_rrsets(const Request& q) {
  auto v = q.query_value("rrsets");
  if (!v || *v == "true")
    return true;
  if (*v == "false")
    return false;
  throw InputError("'rrsets' request parameter value '" + *v + "' is not supported");
}

class PdnsApi {
 public:
  explicit PdnsApi(Service& service) : s_(service) {}

  Response list_zones(Request& q);
  Response create_zone(Request& q);
  Response get_zone(Request& q);
  Response patch_zone(Request& q);
  Response put_zone(Request& q);
  Response delete_zone(Request& q);
  Response export_zone(Request& q);
  Response rectify_zone(Request& q);
  Response notify_zone(Request& q);
  Response cryptokeys(Request& q);
  Response cryptokey(Request& q);
  Response search(Request& q);

 private:
  Store& store() { return s_.store(); }
  // The zone of the request's {zone}, if the token covers it and its role allows `action`: an
  // absent and a foreign zone are the same 404, decided before the role (a viewer of another
  // tenant learns nothing from a 403).
  ZoneRecord zone_of(const lmdb::Txn& txn, const Request& q, Action action);
  std::string tenant_of(const lmdb::Txn& txn, const ZoneRecord& z);
  Json zone_json(const lmdb::Txn& txn, const ZoneRecord& z, const std::string& account);
  Json zone_detail(const lmdb::Txn& txn, const ZoneRecord& z, bool rrsets);
  Json cryptokey_json(const lmdb::Txn& txn, const ZoneRecord& z, const codec::KeyRecord& k,
                      const std::vector<uint32_t>& active);
  // The tenant a new zone goes to: the token's own (whatever `account` says), or for an
  // operator token `account` (empty: signet-default-tenant).
  std::string tenant_for_new_zone(const lmdb::Txn& txn, const TokenIdentity& who, const Body& body);
  // `account`: also move the zone as "account" says (PUT; a POST placed it already).
  void apply_settings(lmdb::WriteTxn& txn, const TokenIdentity& who, ZoneRecord& z,
                      const Body& body, bool account);
  void apply_catalog(lmdb::WriteTxn& txn, ZoneRecord& z, const Body& body,
                     const std::string& catalog, bool creating);
  void check_dnssec_settings(const lmdb::Txn& txn, const ZoneRecord& z, const Body& body);

  Service& s_;
};

ZoneRecord PdnsApi::zone_of(const lmdb::Txn& txn, const Request& q, Action action) {
  const TokenIdentity& who = q.identity();
  Name apex = zone_from_id(q.params.at("zone"));
  ZoneRecord z;
  try {
    z = s_.visible_zone(txn, who, apex);
  } catch (const NotFound&) {
    throw HttpError(404, "Not Found");
  }
  Service::require(who, action, z.tenant_id);
  return z;
}

std::string PdnsApi::tenant_of(const lmdb::Txn& txn, const ZoneRecord& z) {
  auto t = store().tenant_by_id(txn, z.tenant_id);
  return t ? t->name : std::string();
}

Json PdnsApi::zone_json(const lmdb::Txn& txn, const ZoneRecord& z, const std::string& account) {
  Json masters = Json::array();
  for (const auto& m : store().get_meta(txn, z.id, kPrimariesMeta))
    masters.push_back(m);
  // pdns' "dnssec": signed, by Signet or (presigned) by the zone's primary.
  bool secured =
      s_.root().dnssec().state().find(txn, z.id).has_value() || is_presigned(store(), txn, z.id);
  std::string id = zone_id(z.name);
  std::string catalog;
  if (auto c = z.catalog_id ? store().zone_by_id(txn, z.catalog_id) : std::nullopt)
    catalog = c->name.to_text();
  // Signet serves the stored serial as it is (no SOA-EDIT on the way out).
  return Json{{"account", account},
              {"catalog", catalog},
              {"dnssec", secured},
              {"edited_serial", z.serial},
              {"id", id},
              {"kind", kind_text(z.kind)},
              {"last_check", 0},
              {"masters", std::move(masters)},
              {"name", z.name.to_text()},
              {"notified_serial", z.notified_serial},
              {"serial", z.serial},
              {"url", kZones + "/" + id}};
}

Json PdnsApi::zone_detail(const lmdb::Txn& txn, const ZoneRecord& z, bool rrsets) {
  Json doc = zone_json(txn, z, tenant_of(txn, z));
  auto st = s_.root().dnssec().state().find(txn, z.id);
  std::string nsec3param;
  if (st && st->denial == codec::Denial::kNsec3) {
    Nsec3Params p;
    p.flags = st->nsec3_flags;
    p.iterations = st->nsec3_iterations;
    p.salt = st->salt;
    nsec3param = nsec3_params_text(p);
  }
  auto key_ids = [&](const char* kind) {
    Json ids = Json::array();
    for (const auto& k : store().get_meta(txn, z.id, kind))
      ids.push_back(zone_id(Name::from_text(k)));
    return ids;
  };
  doc["api_rectify"] = first_meta(store(), txn, z.id, kApiRectify) == "1";
  // pdns 4.7's zone object has no "presigned"; it is added only to a zone its primary
  // signs, so every other zone keeps pdns's exact shape (pdns_api_compare_test).
  if (is_presigned(store(), txn, z.id))
    doc["presigned"] = true;
  doc["master_tsig_key_ids"] = key_ids("TSIG-ALLOW-AXFR");
  doc["nsec3narrow"] = false;
  doc["nsec3param"] = nsec3param;
  doc["slave_tsig_key_ids"] = key_ids("AXFR-MASTER-TSIG");
  doc["soa_edit"] = first_meta(store(), txn, z.id, kSoaEdit);
  doc["soa_edit_api"] = first_meta(store(), txn, z.id, kSoaEditApi);
  if (rrsets)
    doc["rrsets"] = rrsets_json(store(), txn, z);
  return doc;
}

// ------------------------------------------------------------------ zones

Response PdnsApi::list_zones(Request& q) {
  const TokenIdentity& who = q.identity();
  Service::require(who, Action::kRead, who.tenant_id);
  auto txn = store().begin_read();
  std::vector<ZoneRecord> zones;
  if (auto filter = q.query_value("zone")) {
    Name apex = body_name(*filter, "zone", false);
    auto z = store().find_zone(txn, apex);
    if (z && who.covers(z->tenant_id))
      zones.push_back(*z);
  } else {
    zones = s_.portfolio(txn, who).zones(txn, std::nullopt);
  }
  std::map<uint32_t, std::string> tenants;
  Json doc = Json::array();
  for (const auto& z : zones) {
    auto [it, fresh] = tenants.try_emplace(z.tenant_id);
    if (fresh)
      it->second = tenant_of(txn, z);
    doc.push_back(zone_json(txn, z, it->second));
  }
  return Response::json(200, doc);
}

std::string PdnsApi::tenant_for_new_zone(const lmdb::Txn& txn, const TokenIdentity& who,
                                         const Body& body) {
  if (auto own = s_.tenant_name(txn, who))
    return *own;
  std::string account = body.optional_string("account").value_or("");
  return account.empty() ? s_.root().config().default_tenant : account;
}

Response PdnsApi::create_zone(Request& q) {
  const TokenIdentity& who = q.identity();
  Service::require(who, Action::kEditZones, who.tenant_id);
  Json doc = Body::parse(q.body);
  Body body(doc, "");
  Name apex = body_name(body.string("name"), "name", false).lowered();
  ZoneKind kind = kind_from_text(body.string("kind"));
  {
    auto txn = store().begin_read();
    if (store().find_zone(txn, apex))
      throw HttpError(409, "Conflict");
  }
  if (body.optional_string("zone").value_or("") != "")
    body.fail("zone", "zone data as text is not supported by Signet; give rrsets");
  std::vector<RRsetChange> changes = create_changes(body, apex);
  bool have_soa = false, have_ns = false;
  for (const auto& c : changes) {
    have_soa |= c.owner.equals(apex) && c.type == rrtype::SOA && !c.remove;
    have_ns |= c.owner.equals(apex) && c.type == rrtype::NS && !c.remove;
  }
  std::vector<Name> nameservers;
  if (const Json* ns = body.member("nameservers")) {
    if (!ns->is_array())
      body.fail("nameservers", "Nameservers is not a list");
    for (size_t i = 0; i < ns->size(); ++i) {
      std::string field = "nameservers[" + std::to_string(i) + "]";
      if (!(*ns)[i].is_string() || (*ns)[i].get<std::string>().empty())
        throw InputError(field + ": Nameservers must be non-empty strings");
      std::string text = (*ns)[i].get<std::string>();
      if (text.back() != '.')
        throw InputError(field + ": Nameserver is not canonical: '" + text + "'");
      nameservers.push_back(body_name(text, field, false));
    }
  }
  if (!nameservers.empty() && have_ns)
    body.fail("nameservers", "Nameservers list MUST NOT be mixed with zone-level NS in rrsets");
  check_dnssec_settings(store().begin_read(), ZoneRecord{}, body);

  s_.write(who, [&](lmdb::WriteTxn& txn, auto&) {
    std::string tenant = tenant_for_new_zone(txn, who, body);
    Portfolio p = s_.portfolio(txn, who);
    try {
      p.tenant_or_create(txn, tenant, s_.root().config().auto_create_tenants);
    } catch (const NotFound& e) {
      throw InputError(std::string("account: ") + e.what());
    }
    ZoneRecord z;
    try {
      bool empty = have_soa || (kind == ZoneKind::kSecondary && changes.empty());
      z = empty ? p.create_zone(txn, tenant, apex, kind)
                : p.create_zone_with_soa(txn, tenant, apex, nameservers);
    } catch (const Conflict&) {
      throw HttpError(409, "Conflict");  // pdns names nothing; neither do we
    }
    if (z.kind != kind) {
      z.kind = kind;
      store().put_zone(txn, z);
    }
    if (body.optional_bool("presigned").value_or(false)) {
      try {
        PresignedZones(store(), &s_.root().audit()).mark(txn, z, false);
      } catch (const Conflict& e) {
        body.fail("presigned", e.what());
      }
    }
    if (!changes.empty()) {
      try {
        p.edit_zone(
            txn, apex,
            [&](ZoneWriter& w) {
              apply_changes(w, apex, changes);
              if (have_soa) {
                for (const Name& ns : nameservers)
                  w.add(apex, rrtype::NS, 3600,
                        std::vector<uint8_t>(ns.wire().begin(), ns.wire().end()));
              }
            },
            false);
      } catch (const Conflict& e) {
        throw InputError(e.what());  // pdns: records that contradict each other are a 422
      }
    }
    // As pdns: a zone made through the API raises its serial on API edits unless told otherwise.
    if (!body.has("soa_edit_api"))
      store().set_meta(txn, z.id, kSoaEditApi, {"DEFAULT"});
    apply_settings(txn, who, z, body, /*account=*/false);
  });
  auto txn = store().begin_read();
  auto z = store().find_zone(txn, apex);
  if (!z)
    throw NotFound("zone '" + apex.to_text() + "' vanished");
  return Response::json(201, zone_detail(txn, *z, want_rrsets(q)));
}

Response PdnsApi::get_zone(Request& q) {
  bool rrsets = want_rrsets(q);
  auto txn = store().begin_read();
  ZoneRecord z = zone_of(txn, q, Action::kRead);
  return Response::json(200, zone_detail(txn, z, rrsets));
}

Response PdnsApi::patch_zone(Request& q) {
  {
    auto txn = store().begin_read();
    zone_of(txn, q, Action::kEditZones);
  }
  Json doc = Body::parse(q.body);
  Body body(doc, "");
  Response r = Response::empty(204);
  s_.write(q.identity(), [&](lmdb::WriteTxn& txn, auto&) {
    ZoneRecord z = zone_of(txn, q, Action::kEditZones);
    std::vector<RRsetChange> changes = patch_changes(body, z.name);
    uint32_t before = z.serial;
    ZoneChange c;
    try {
      c = s_.portfolio(txn, q.identity())
              .edit_zone(
                  txn, z.name, [&](ZoneWriter& w) { apply_changes(w, z.name, changes); },
                  /*bump_serial=*/true);
    } catch (const Conflict& e) {
      throw InputError(e.what());  // pdns: a PATCH that contradicts the zone is a 422
    }
    if (!first_meta(store(), txn, z.id, kSoaEditApi).empty() && c.zone.serial != before) {
      r.headers.emplace_back("X-PDNS-Old-Serial", std::to_string(before));
      r.headers.emplace_back("X-PDNS-New-Serial", std::to_string(c.zone.serial));
    }
  });
  return r;
}

void PdnsApi::check_dnssec_settings(const lmdb::Txn& txn, const ZoneRecord& z, const Body& body) {
  std::optional<codec::DnssecRecord> st;
  bool presigned = false;
  if (z.id) {
    st = s_.root().dnssec().state().find(txn, z.id);
    presigned = is_presigned(store(), txn, z.id);
  }
  // A new secondary zone may be marked presigned (keystore/presigned_zones.hh); later, through
  // pdnsutil or signetutil.
  bool new_presigned = !z.id && body.optional_bool("presigned").value_or(false);
  if (auto p = body.optional_bool("presigned"); p && z.id && *p != presigned)
    body.fail("presigned", "a zone is marked presigned when it is created (or with pdnsutil)");
  if (auto dnssec = body.optional_bool("dnssec");
      dnssec && *dnssec != (st.has_value() || presigned || new_presigned)) {
    body.fail("dnssec",
              "securing and unsecuring zones is Signet's own API's "
              "(/api/v1/signet/), not this one");
  }
  if (auto nsec3 = body.optional_string("nsec3param"); nsec3) {
    std::string now;
    if (st && st->denial == codec::Denial::kNsec3) {
      Nsec3Params p;
      p.flags = st->nsec3_flags;
      p.iterations = st->nsec3_iterations;
      p.salt = st->salt;
      now = nsec3_params_text(p);
    }
    if (*nsec3 != now)
      body.fail("nsec3param", "the denial of a secured zone is set through Signet's own API");
  }
  if (body.optional_bool("nsec3narrow").value_or(false))
    body.fail("nsec3narrow", "Signet does not serve narrow NSEC3");
  for (const char* key : {"master_tsig_key_ids", "slave_tsig_key_ids"}) {
    const Json* ids = body.optional_array(key);
    if (ids && !ids->empty())
      body.fail(key, "TSIG keys of a zone are set through Signet's own tools");
  }
}

// kind, masters, account, soa_edit_api, soa_edit, api_rectify of a PUT (or POST) body, audited.
void PdnsApi::apply_settings(lmdb::WriteTxn& txn, const TokenIdentity& who, ZoneRecord& z,
                             const Body& body, bool move) {
  Json changed = Json::object();
  if (auto kind = body.optional_string("kind"); kind && kind_from_text(*kind) != z.kind) {
    z.kind = kind_from_text(*kind);
    store().put_zone(txn, z);
    changed["kind"] = kind_text(z.kind);
  }
  if (const Json* masters = body.optional_array("masters")) {
    std::vector<std::string> list;
    for (size_t i = 0; i < masters->size(); ++i) {
      std::string field = "masters[" + std::to_string(i) + "]";
      if (!(*masters)[i].is_string())
        throw InputError(field + ": Master can not be an empty string");
      list.push_back(primary_address((*masters)[i].get<std::string>(), field));
    }
    if (list != store().get_meta(txn, z.id, kPrimariesMeta)) {
      store().set_meta(txn, z.id, kPrimariesMeta, list);
      changed["masters"] = list;
    }
  }
  auto set_one = [&](const char* key, const char* meta, std::optional<std::string> value) {
    if (!value || *value == first_meta(store(), txn, z.id, meta))
      return;
    store().set_meta(txn, z.id, meta, {*value});
    changed[key] = *value;
  };
  set_one("soa_edit_api", kSoaEditApi, body.optional_string("soa_edit_api"));
  set_one("soa_edit", kSoaEdit, body.optional_string("soa_edit"));
  if (auto rectify = body.optional_bool("api_rectify"))
    set_one("api_rectify", kApiRectify, *rectify ? "1" : "0");
  if (auto catalog = body.optional_string("catalog"))
    apply_catalog(txn, z, body, *catalog, /*creating=*/!move);
  std::string tenant = tenant_of(txn, z);
  if (!changed.empty())
    s_.root().audit().append(txn, "zone-settings-changed", z.tenant_id, z.id, tenant,
                             z.name.to_text(), changed);
  auto account = body.optional_string("account");
  if (!move || !account || *account == tenant)
    return;
  if (!who.is_operator()) {
    if (account->empty())
      return;  // pdns clients send "" for "no account": the zone stays with its tenant
    body.fail("account", "a tenant's token cannot give a zone to another tenant");
  }
  std::string target = account->empty() ? s_.root().config().default_tenant : *account;
  if (target != tenant) {
    s_.portfolio(txn, who).move_zone(txn, z.name, target, s_.root().config().auto_create_tenants);
  }
}

// "catalog" of a POST or PUT (pdns 4.7): the producer catalog listing the zone, "" for none. A new
// zone has already joined its default catalog; "" there (what clients send for "not set")
// leaves it in. Through the one rule of keystore/catalogs.hh; a catalog the zone may not join
// and one that does not exist are refused with the same words (a tenant learns nothing about
// other tenants' zones).
void PdnsApi::apply_catalog(lmdb::WriteTxn& txn, ZoneRecord& z, const Body& body,
                            const std::string& catalog, bool creating) {
  if (catalog.empty() && creating)
    return;
  Catalogs catalogs(store(), &s_.root().audit());
  std::optional<ZoneRecord> cat;
  if (!catalog.empty()) {
    cat = store().find_zone(txn, body_name(catalog, "catalog", false).lowered());
    bool allowed = false;
    if (cat) {
      try {
        catalogs.check_member(txn, z, *cat);
        allowed = true;
      } catch (const Error&) {
      }
    }
    if (!allowed)
      body.fail("catalog", "'" + catalog + "' is no catalog this zone may be listed in");
  }
  catalogs.set_catalog(txn, z, cat);
}

Response PdnsApi::put_zone(Request& q) {
  {
    auto txn = store().begin_read();
    zone_of(txn, q, Action::kEditZones);
  }
  Json doc = Body::parse(q.body);
  Body body(doc, "");
  s_.write(q.identity(), [&](lmdb::WriteTxn& txn, auto&) {
    ZoneRecord z = zone_of(txn, q, Action::kEditZones);
    check_dnssec_settings(txn, z, body);
    try {
      apply_settings(txn, q.identity(), z, body, /*account=*/true);
    } catch (const ScopeError&) {
      throw;
    } catch (const Conflict& e) {
      throw InputError(std::string("account: ") + e.what());
    } catch (const NotFound& e) {
      throw InputError(std::string("account: ") + e.what());  // no such tenant
    }
  });
  return Response::empty(204);
}

Response PdnsApi::delete_zone(Request& q) {
  {
    auto txn = store().begin_read();
    zone_of(txn, q, Action::kEditZones);
  }
  s_.write(q.identity(), [&](lmdb::WriteTxn& txn, auto&) {
    ZoneRecord z = zone_of(txn, q, Action::kEditZones);
    s_.portfolio(txn, q.identity()).delete_zone(txn, z.name);
  });
  return Response::empty(204);
}

Response PdnsApi::export_zone(Request& q) {
  auto txn = store().begin_read();
  ZoneRecord z = zone_of(txn, q, Action::kRead);
  std::ostringstream out;
  write_zone_file(store(), txn, z, out, /*dnssec=*/false);
  return Response::text(200, out.str(), "text/plain; charset=us-ascii");
}

Response PdnsApi::rectify_zone(Request& q) {
  auto txn = store().begin_read();
  zone_of(txn, q, Action::kEditZones);
  // Signet keeps ordering, auth flags and empty non-terminals right on every write: nothing to do.
  return Response::json(200, Json{{"result", "Rectified"}});
}

// pdns queues NOTIFYs to the zone's secondaries. signetd is another process than pdns_server and
// has no queue of its own: it answers as pdns does, and pdns_server notifies a primary (Master)
// zone's secondaries itself when it sees the new serial (its periodic check of primary zones).
// Clients such as lexicon call this after every change of a Master zone and fail without it.
Response PdnsApi::notify_zone(Request& q) {
  auto txn = store().begin_read();
  zone_of(txn, q, Action::kEditZones);
  return Response::json(200, Json{{"result", "Notification queued"}});
}

// ------------------------------------------------------------------ cryptokeys

Json PdnsApi::cryptokey_json(const lmdb::Txn& txn, const ZoneRecord& z, const codec::KeyRecord& k,
                             const std::vector<uint32_t>& active) {
  auto dnskey = dnskey_of(k);
  bool published = false;
  if (auto set = store().get_rrset(txn, z.id, {}, rrtype::DNSKEY)) {
    auto it = set->rdatas();
    std::span<const uint8_t> r;
    while (!published && it.next(r))
      published = std::equal(r.begin(), r.end(), dnskey.begin(), dnskey.end());
  }
  KeyRole role = static_cast<KeyRole>(k.role);
  Algorithm alg = algorithm_from_number(k.algorithm);
  Json key{{"active", std::find(active.begin(), active.end(), k.id) != active.end()},
           {"algorithm", algorithm_name(alg)},
           {"bits", key_bits(alg, k.public_key)},
           {"dnskey", rdata_to_text(rrtype::DNSKEY, dnskey)},
           {"flags", k.flags},
           {"id", k.id},
           {"keytype", role == KeyRole::kKsk   ? "ksk"
                       : role == KeyRole::kZsk ? "zsk"
                                               : "csk"},
           {"published", published},
           {"type", "Cryptokey"}};
  if (role != KeyRole::kZsk) {
    Json ds = Json::array();
    CanonicalName owner(z.name);
    for (DigestType d : {DigestType::kSha1, DigestType::kSha256, DigestType::kSha384})
      ds.push_back(rdata_to_text(rrtype::DS, ds_rdata(owner, dnskey, d)));
    key["ds"] = std::move(ds);
  }
  return key;
}

Response PdnsApi::cryptokeys(Request& q) {
  auto txn = store().begin_read();
  ZoneRecord z = zone_of(txn, q, Action::kRead);
  uint64_t now = s_.root().clock().now();
  auto& keys = s_.root().dnssec().keys();
  auto active = keys.signer_ids(txn, z.id, now);
  Json doc = Json::array();
  for (const auto& k : keys.list(txn, z.id))
    doc.push_back(cryptokey_json(txn, z, k, active));  // never a private key
  return Response::json(200, doc);
}

Response PdnsApi::cryptokey(Request& q) {
  auto txn = store().begin_read();
  ZoneRecord z = zone_of(txn, q, Action::kRead);
  const std::string& id = q.params.at("key_id");
  uint64_t now = s_.root().clock().now();
  auto& keys = s_.root().dnssec().keys();
  for (const auto& k : keys.list(txn, z.id)) {
    if (std::to_string(k.id) == id)
      return Response::json(200, cryptokey_json(txn, z, k, keys.signer_ids(txn, z.id, now)));
  }
  throw HttpError(404, "Not Found");
}

// ------------------------------------------------------------------ search-data

Response PdnsApi::search(Request& q) {
  const TokenIdentity& who = q.identity();
  Service::require(who, Action::kRead, who.tenant_id);
  std::string pattern = q.query_value("q").value_or("");
  std::string max_text = q.query_value("max").value_or("");
  std::string type = q.query_value("object_type").value_or("all");
  if (pattern.empty())
    throw InputError("Query q can't be blank");
  long max = 100;
  if (!max_text.empty()) {
    if (max_text.size() > 9 || max_text.find_first_not_of("-0123456789") != std::string::npos)
      throw InputError("max: not a number");
    max = std::stol(max_text);
  }
  if (max < 1)
    throw InputError("Maximum entries must be larger than 0");
  if (type.empty())
    type = "all";
  if (type != "all" && type != "zone" && type != "record" && type != "comment")
    throw InputError(
        "object_type must be one of the following options: all, zone, record, comment");
  auto txn = store().begin_read();
  std::vector<ZoneRecord> zones = s_.portfolio(txn, who).zones(txn, std::nullopt);
  Json doc = Json::array();
  if (type == "all" || type == "zone") {
    long found = 0;
    for (const auto& z : zones) {
      std::string name = z.name.to_text();
      std::string bare = z.name.is_root() ? name : name.substr(0, name.size() - 1);
      if (found < max && pattern_matches(pattern, bare)) {
        doc.push_back(Json{{"name", name}, {"object_type", "zone"}, {"zone_id", zone_id(z.name)}});
        ++found;
      }
    }
  }
  if (type == "all" || type == "record")
    search_records(store(), txn, zones, pattern, static_cast<size_t>(max), doc);
  // Signet keeps no comments: object_type=comment finds nothing.
  return Response::json(200, doc);
}

}  // namespace

void add_pdns_routes(Router& router, Service& service) {
  auto api = std::make_shared<PdnsApi>(service);
  auto bind = [api](Response (PdnsApi::*fn)(Request&)) {
    return [api, fn](Request& q) { return ((*api).*fn)(q); };
  };
  auto read_only = [](Json doc) {
    return [doc](Request& q) {
      Service::require(q.identity(), Action::kRead, q.identity().tenant_id);
      return Response::json(200, doc);
    };
  };
  router.add({"GET", "/api", Auth::kToken,
              read_only(Json::array({Json{{"url", "/api/v1"}, {"version", 1}}}))});
  router.add({"GET", "/api/v1", Auth::kToken,
              read_only(Json::array({Json{{"api_features", Json::array()},
                                          {"server_url", "/api/v1/servers{/server}"}}}))});
  router.add({"GET", "/api/v1/servers", Auth::kToken, read_only(Json::array({server_json()}))});
  router.add({"GET", kServer, Auth::kToken, read_only(server_json())});
  router.add({"GET", kZones, Auth::kToken, bind(&PdnsApi::list_zones)});
  router.add({"POST", kZones, Auth::kToken, bind(&PdnsApi::create_zone)});
  router.add({"GET", kZone, Auth::kToken, bind(&PdnsApi::get_zone)});
  router.add({"PATCH", kZone, Auth::kToken, bind(&PdnsApi::patch_zone)});
  router.add({"PUT", kZone, Auth::kToken, bind(&PdnsApi::put_zone)});
  router.add({"DELETE", kZone, Auth::kToken, bind(&PdnsApi::delete_zone)});
  router.add({"GET", kZone + "/export", Auth::kToken, bind(&PdnsApi::export_zone)});
  router.add({"PUT", kZone + "/rectify", Auth::kToken, bind(&PdnsApi::rectify_zone)});
  router.add({"PUT", kZone + "/notify", Auth::kToken, bind(&PdnsApi::notify_zone)});
  router.add({"GET", kZone + "/cryptokeys", Auth::kToken, bind(&PdnsApi::cryptokeys)});
  router.add({"GET", kZone + "/cryptokeys/{key_id}", Auth::kToken, bind(&PdnsApi::cryptokey)});
  router.add({"GET", kServer + "/search-data", Auth::kToken, bind(&PdnsApi::search)});
}

}  // namespace signet::api
