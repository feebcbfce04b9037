// SPDX-License-Identifier: GPL-2.0-or-later
//
// Signet's own endpoints. Every handler finds the zone through Service::visible_zone first (so
// another tenant's zone is 404 exactly as an absent one, whatever the role), then checks the
// role (403), then acts: reads in one read transaction, writes through Service::write (one
// audited transaction, the token as actor; a refused write changes nothing). What they show is
// made by the same core functions signetutil prints (keystore/health_report.hh,
// conf/policy_view.hh, keystore/audit.hh), so the two never disagree.
#include "api/signet_api.hh"

#include <sodium.h>

#include "api/alert_api.hh"
#include "api/api_input.hh"
#include "api/evidence_api.hh"
#include "api/console.hh"
#include "api/openapi.hh"
#include "conf/policy.hh"
#include "conf/policy_view.hh"
#include "keystore/health_report.hh"
#include "keystore/monitor_results.hh"
#include "signer/clock.hh"
#include "signer/encoding.hh"
#include "signer/error.hh"
#include "signer/rdata_text.hh"
#include "signer/rrtype.hh"

namespace signet::api {

namespace {

constexpr const char* kBase = "/api/v1/signet";

// ------------------------------------------------------------------ shared helpers

std::function<std::string(uint32_t)> tenant_names(Service& svc, const lmdb::Txn& txn) {
  return [&svc, &txn](uint32_t id) {
    return Portfolio(svc.store(), svc.root().clock()).tenant_name(txn, id);
  };
}

unsigned threads(Service& svc) {
  return svc.root().config().signing_threads;
}

// The zones a token covers: its tenant's, or every zone for an operator token.
std::vector<ZoneRecord> covered_zones(Service& svc, const lmdb::Txn& txn,
                                      const TokenIdentity& who) {
  std::vector<ZoneRecord> zones;
  if (auto tenant = svc.tenant_name(txn, who))
    return svc.portfolio(txn, who).zones(txn, *tenant);
  svc.store().for_each_zone(txn, [&](const ZoneRecord& z) { zones.push_back(z); });
  return zones;
}

// The text of each record of the apex RRset `type` (CDS, CDNSKEY) as served.
Json apex_rdata_texts(Service& svc, const lmdb::Txn& txn, const ZoneRecord& zone, uint16_t type) {
  Json out = Json::array();
  auto v = svc.store().get_rrset(txn, zone.id, zone.name.relative_to(zone.name), type);
  if (!v)
    return out;
  auto it = v->rdatas();
  std::span<const uint8_t> r;
  while (it.next(r))
    out.push_back(rdata_to_text(type, r));
  return out;
}

// A pending proposal's id: what the approver saw, so that approving a proposal that changed
// since is refused (BLAKE2b-64 of its text, hex).
std::string proposal_id(const std::string& proposal) {
  std::array<uint8_t, 8> h{};
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const uint8_t*>(proposal.data()),
                     proposal.size(), nullptr, 0);
  return hex(h);
}

std::vector<std::string> proposal_steps(const std::string& proposal) {
  std::vector<std::string> steps;
  for (size_t from = 0; !proposal.empty() && from <= proposal.size();) {
    size_t nl = proposal.find('\n', from);
    steps.push_back(proposal.substr(from, nl - from));
    if (nl == std::string::npos)
      break;
    from = nl + 1;
  }
  return steps;
}

// ------------------------------------------------------------------ DNSSEC

Response secure_zone(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  Name apex = zone_param(q);
  Json body = object_body(q);
  std::optional<std::string> policy_arg = string_field(body, "policy");
  Json out;
  svc.write(who, [&](lmdb::WriteTxn& txn, auto&) {
    ZoneRecord zone = svc.visible_zone(txn, who, apex);
    Service::require(who, Action::kEditZones, zone.tenant_id);
    Dnssec& dnssec = svc.root().dnssec();
    // Without a policy the zone follows its tenant's default policy.
    std::string name =
        policy_arg ? *policy_arg : dnssec.policies().name_for(txn, zone, codec::DnssecRecord());
    auto policy = dnssec.policies().named(txn, zone.tenant_id, name);
    if (!policy)
      throw InputError("policy: unknown policy '" + name + "'");
    auto secured =
        dnssec.signing().secure(txn, zone, *policy, threads(svc), policy_arg.has_value());
    Json keys = Json::array();
    for (const auto& k : secured.keys) {
      keys.push_back(Json{{"tag", k.tag},
                          {"algorithm", algorithm_name(static_cast<Algorithm>(k.algorithm))},
                          {"role", key_role_name(static_cast<KeyRole>(k.role))}});
    }
    Json ds = Json::array();
    for (const auto& d : dnssec.ds().wanted(txn, zone, DigestType::kSha256))
      ds.push_back(rdata_to_text(rrtype::DS, d));
    out = Json{{"zone", zone.name.to_text()},
               {"secured", true},
               {"policy", policy->name},
               {"keys", keys},
               {"ds", ds},
               {"signatures", secured.stats.signatures}};
  });
  return Response::json(200, out);
}

Response unsecure_zone(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  Name apex = zone_param(q);
  Json out;
  svc.write(who, [&](lmdb::WriteTxn& txn, auto&) {
    ZoneRecord zone = svc.visible_zone(txn, who, apex);
    Service::require(who, Action::kEditZones, zone.tenant_id);
    if (!svc.root().dnssec().state().find(txn, zone.id))
      throw Conflict("zone '" + zone.name.to_text() + "' is not secured");
    svc.root().dnssec().signing().unsecure(txn, zone);
    out = Json{{"zone", zone.name.to_text()}, {"secured", false}};
  });
  return Response::json(200, out);
}

// Keys with states and next transitions, DS, CDS/CDNSKEY, the parent's DS as last checked, the
// DS submission, the earliest signature expiry.
Response dnssec_state(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  Name apex = zone_param(q);
  auto txn = svc.store().begin_read();
  ZoneRecord zone = svc.visible_zone(txn, who, apex);
  Service::require(who, Action::kRead, zone.tenant_id);
  Dnssec& dnssec = svc.root().dnssec();
  auto st = dnssec.state().find(txn, zone.id);
  Json doc{{"zone", zone.name.to_text()}, {"secured", st.has_value()}};
  if (!st)
    return Response::json(200, doc);
  doc["denial"] = SigningService::denial_text(*st);
  doc["earliest_expiry"] = time_text(dnssec.signing().earliest_expiration(txn, zone.id));
  Json ds = Json::array();
  for (const auto& d : dnssec.ds().wanted(txn, zone, DigestType::kSha256))
    ds.push_back(rdata_to_text(rrtype::DS, d));
  doc["ds"] = ds;
  doc["cds_records"] = apex_rdata_texts(svc, txn, zone, rrtype::CDS);
  doc["cdnskey_records"] = apex_rdata_texts(svc, txn, zone, rrtype::CDNSKEY);
  Json status = rollover_status_json(svc.root().keyman().status(txn, zone));
  for (auto& [key, value] : status.items()) {
    if (key != "zone")
      doc[key] = value;
  }
  return Response::json(200, doc);
}

Response start_rollover(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  Name apex = zone_param(q);
  Json body = object_body(q);
  std::optional<std::string> kind_text = string_field(body, "kind");
  if (!kind_text)
    throw InputError("kind: required (zsk, ksk, csk, algorithm or insecure)");
  RolloverKind kind = field_value("kind", [&] { return rollover_kind_from_text(*kind_text); });
  std::optional<Algorithm> algorithm = algorithm_field(body, "algorithm");
  KeyManager& keyman = svc.root().keyman();
  ZoneRecord zone;
  std::optional<KeyManager::TickResult> tick;
  svc.write(who, [&](lmdb::WriteTxn& txn, std::vector<std::function<void()>>& after) {
    zone = svc.visible_zone(txn, who, apex);
    Service::require(who, Action::kEditZones, zone.tenant_id);
    keyman.request_rollover(txn, zone, kind, algorithm);
    // As signetutil rollover: the key manager takes its first step now rather than at its next
    // scheduled tick, in this transaction (audited with the token, committed with the request).
    tick = keyman.tick(txn, zone, KeyManager::Mode::kNow, after);
  });
  Json out{{"zone", zone.name.to_text()}, {"rollover", rollover_kind_name(kind)}};
  out["steps"] = tick->steps;
  out["awaiting_approval"] = tick->awaiting_approval;
  out["status"] = tick->status;
  return Response::json(200, out);
}

Response pending_steps(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  Name apex = zone_param(q);
  auto txn = svc.store().begin_read();
  ZoneRecord zone = svc.visible_zone(txn, who, apex);
  Service::require(who, Action::kRead, zone.tenant_id);
  Json pending = Json::array();
  if (svc.root().dnssec().state().find(txn, zone.id)) {
    std::string proposal = svc.root().dnssec().state().rollover(txn, zone.id).proposal;
    if (!proposal.empty())
      pending.push_back(
          Json{{"step", proposal_id(proposal)}, {"actions", proposal_steps(proposal)}});
  }
  return Response::json(200, Json{{"zone", zone.name.to_text()}, {"pending", pending}});
}

Response approve_step(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  Name apex = zone_param(q);
  const std::string& step = q.params.at("step");
  Json out;
  svc.write(who, [&](lmdb::WriteTxn& txn, std::vector<std::function<void()>>& after) {
    ZoneRecord zone = svc.visible_zone(txn, who, apex);
    Service::require(who, Action::kApproveRollover, zone.tenant_id);
    std::string proposal;
    if (svc.root().dnssec().state().find(txn, zone.id))
      proposal = svc.root().dnssec().state().rollover(txn, zone.id).proposal;
    if (proposal.empty())
      throw Conflict("zone '" + zone.name.to_text() + "' has no rollover step awaiting approval");
    if (proposal_id(proposal) != step) {
      throw Conflict("zone '" + zone.name.to_text() + "': step '" + step +
                     "' is no longer the one awaiting approval; review pending and approve again");
    }
    auto r = svc.root().keyman().approve(txn, zone, proposal, after);
    out = Json{{"zone", zone.name.to_text()},
               {"approved", proposal_steps(proposal)},
               {"status", r.status}};
  });
  return Response::json(200, out);
}

// ------------------------------------------------------------------ policies

Response list_policies(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  Service::require(who, Action::kRead, who.tenant_id);
  auto txn = svc.store().begin_read();
  uint32_t viewer = who.tenant_id.value_or(kGlobalPolicyOwner);
  Json out = Json::array();
  for (const auto& p : visible_policies(txn, svc.root().dnssec(), viewer, tenant_names(svc, txn))) {
    out.push_back(Json{{"name", p.name},
                       {"source", p.source},
                       {"summary", p.summary},
                       {"yaml", policy_to_yaml(p.found.policy, TsigSecretForm::kRedacted)}});
  }
  return Response::json(200, out);
}

Response set_zone_policy(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  Name apex = zone_param(q);
  Json body = object_body(q);
  if (!body.contains("policy"))
    throw InputError("policy: required (a policy name, or null for the tenant's default)");
  std::optional<std::string> name = string_field(body, "policy");
  if (name && name->empty())
    throw InputError("policy: empty name (null follows the tenant's default)");
  Json out;
  svc.write(who, [&](lmdb::WriteTxn& txn, std::vector<std::function<void()>>& after) {
    ZoneRecord zone = svc.visible_zone(txn, who, apex);
    Service::require(who, Action::kEditZones, zone.tenant_id);
    Dnssec& dnssec = svc.root().dnssec();
    // Only a policy the zone's tenant may use: its own, a global or a built-in one.
    if (name && !dnssec.policies().find(txn, zone.tenant_id, *name))
      throw InputError("policy: unknown policy '" + *name + "'");
    std::string tenant = tenant_names(svc, txn)(zone.tenant_id);
    PolicyAssignment r =
        assign_zone_policy(txn, dnssec, svc.root().keyman(), svc.root().audit(), zone, tenant,
                           name.value_or(""), /*defer_chain=*/true, threads(svc));
    if (r.denial_changed) {
      // The new chain is built beside the served one after the commit (keystore/resign.hh).
      CompositionRoot& root = svc.root();
      uint32_t zone_id = zone.id;
      unsigned t = threads(svc);
      after.push_back([&root, zone_id, t] { root.dnssec().signing().complete(zone_id, t); });
    }
    out = Json{{"zone", zone.name.to_text()},
               {"policy", r.after},
               {"inherited", !name.has_value()},
               {"before", r.before}};
  });
  return Response::json(200, out);
}

// ------------------------------------------------------------------ health, metrics, audit

Response tenant_health(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  Service::require(who, Action::kRead, who.tenant_id);
  auto txn = svc.store().begin_read();
  HealthSurvey s =
      survey_health(svc.root().keyman(), svc.root().dnssec(), svc.store(), txn,
                    covered_zones(svc, txn, who), tenant_names(svc, txn), svc.root().clock().now());
  Json doc = health_json(s);
  // The store's size and usage are the operator's business; a tenant sees only its status.
  if (!who.is_operator())
    doc["store"] = Json{{"status", health_status_name(s.store.status)}};
  return Response::json(200, doc);
}

Response zone_health(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  Name apex = zone_param(q);
  auto txn = svc.store().begin_read();
  ZoneRecord zone = svc.visible_zone(txn, who, apex);
  Service::require(who, Action::kRead, zone.tenant_id);
  HealthSurvey s = survey_health(svc.root().keyman(), svc.root().dnssec(), svc.store(), txn, {zone},
                                 tenant_names(svc, txn), svc.root().clock().now());
  return Response::json(200, zone_health_json(s.zones.front()));
}

// The validation monitor's findings for one zone (keystore/monitor_results.hh, issue 10's
// contract); another tenant's zone is 404 as an absent one.
Response zone_monitor(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  Name apex = zone_param(q);
  auto txn = svc.store().begin_read();
  ZoneRecord zone = svc.visible_zone(txn, who, apex);
  Service::require(who, Action::kRead, zone.tenant_id);
  MonitorResults results(svc.store(), svc.root().dnssec().events());
  return Response::json(200, monitor_json(zone.name.to_text(), results.find(txn, zone.id)));
}

// Prometheus exposition of every zone: an operator token, or an address the HTTP binding lets
// in without one (signet-api-metrics-allow).
Response metrics(Service& svc, Request& q) {
  if (q.who && !q.who->is_operator())
    throw HttpError(403, "Forbidden");
  auto txn = svc.store().begin_read();
  std::vector<ZoneRecord> zones;
  svc.store().for_each_zone(txn, [&](const ZoneRecord& z) { zones.push_back(z); });
  HealthSurvey s = survey_health(svc.root().keyman(), svc.root().dnssec(), svc.store(), txn, zones,
                                 tenant_names(svc, txn), svc.root().clock().now());
  return Response::text(200, metrics_text(s) + monitor_metrics_text(svc.root().monitor().stats()),
                        "text/plain; version=0.0.4; charset=utf-8");
}

// Oldest first, `limit` entries after `cursor` (a seq); a tenant token sees the entries of its
// own tenant only (by id: a tenant deleted and made again under its name is another tenant).
Response audit_log(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  Service::require(who, Action::kRead, who.tenant_id);
  AuditQuery aq = audit_query(q);
  auto txn = svc.store().begin_read();
  Json entries = Json::array();
  std::optional<uint64_t> next;
  svc.root().audit().for_each(txn, [&](const AuditEntry& e) {
    if (next || e.seq <= aq.cursor || e.time < aq.since || e.time >= aq.until)
      return;
    if (who.tenant_id && e.tenant_id != *who.tenant_id)
      return;
    if (aq.zone && (e.zone.empty() || !Name::from_text(e.zone).equals(*aq.zone)))
      return;
    if (entries.size() == aq.limit) {
      next = entries.back()["seq"].get<uint64_t>();
      return;
    }
    entries.push_back(audit_entry_json(e));
  });
  return Response::json(200, Json{{"entries", entries},
                                  {"next_cursor", next ? Json(std::to_string(*next)) : Json()}});
}

Response openapi(Request&) {
  return Response::json(200, openapi_document());
}

}  // namespace

void add_signet_routes(Router& router, Service& service) {
  add_evidence_routes(router, service);  // GET /api/v1/signet/evidence (api/evidence_api.hh)
  Service* svc = &service;
  auto on = [&](const char* method, std::string path, Auth auth,
                Response (*fn)(Service&, Request&)) {
    router.add({method, std::move(path), auth, [svc, fn](Request& q) { return fn(*svc, q); }});
  };
  std::string base = kBase;
  std::string zone = base + "/zones/{zone}";
  on("POST", zone + "/secure", Auth::kToken, secure_zone);
  on("POST", zone + "/unsecure", Auth::kToken, unsecure_zone);
  on("GET", zone + "/dnssec", Auth::kToken, dnssec_state);
  on("POST", zone + "/rollover", Auth::kToken, start_rollover);
  on("GET", zone + "/pending", Auth::kToken, pending_steps);
  on("POST", zone + "/pending/{step}/approve", Auth::kToken, approve_step);
  on("PUT", zone + "/policy", Auth::kToken, set_zone_policy);
  on("GET", zone + "/health", Auth::kToken, zone_health);
  on("GET", zone + "/monitor", Auth::kToken, zone_monitor);
  on("GET", base + "/policies", Auth::kToken, list_policies);
  on("GET", base + "/health", Auth::kToken, tenant_health);
  on("GET", base + "/audit", Auth::kToken, audit_log);
  on("GET", "/metrics", Auth::kMetrics, metrics);
  router.add({"GET", base + "/openapi.json", Auth::kNone, openapi});
  add_console_routes(router, service);
  add_alert_routes(router, service);
}

}  // namespace signet::api
