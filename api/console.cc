// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/console.hh"

#include "api/api_input.hh"
#include "keystore/health_report.hh"
#include "keystore/overview.hh"
#include "signer/encoding.hh"

namespace signet::api {

extern const char kConsoleIndexHtml[];  // generated from api/console/ (CMakeLists.txt)
extern const char kConsoleAppJs[];
extern const char kConsoleAppCss[];

const char kConsoleCsp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

namespace {

constexpr const char* kBase = "/api/v1/signet";

Response asset(const char* text, const char* content_type) {
  Response r = Response::text(200, text, content_type);
  r.headers.emplace_back("Content-Security-Policy", kConsoleCsp);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

// The zones a token covers: its tenant's, or every zone for an operator token.
std::vector<ZoneRecord> covered_zones(Service& svc, const lmdb::Txn& txn,
                                      const TokenIdentity& who) {
  if (auto tenant = svc.tenant_name(txn, who))
    return svc.portfolio(txn, who).zones(txn, *tenant);
  std::vector<ZoneRecord> zones;
  svc.store().for_each_zone(txn, [&](const ZoneRecord& z) { zones.push_back(z); });
  return zones;
}

// One survey of the covered zones and the overview made of it, in one read transaction.
Response overview(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  Service::require(who, Action::kRead, who.tenant_id);
  OverviewQuery oq = overview_query(q);
  auto txn = svc.store().begin_read();
  Portfolio names(svc.store(), svc.root().clock());
  HealthSurvey s = survey_health(
      svc.root().keyman(), svc.root().dnssec(), svc.store(), txn, covered_zones(svc, txn, who),
      [&](uint32_t id) { return names.tenant_name(txn, id); }, svc.root().clock().now());
  OverviewPage page{oq.limit, oq.cursor};
  return Response::json(200, overview_json(s, svc.root().clock().now(), page, who.is_operator()));
}

Response whoami(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  auto txn = svc.store().begin_read();
  std::optional<std::string> tenant = svc.tenant_name(txn, who);
  return Response::json(200,
                        Json{{"token_id", who.token_id},
                             {"tenant", tenant ? Json(*tenant) : Json()},
                             {"operator", who.is_operator()},
                             {"role", std::string(role_name(who.role))},
                             {"may_approve", role_allows(who.role, Action::kApproveRollover)}});
}

// The whole chain is verified for every caller (its integrity is everyone's business); a tenant
// is told the verdict and the count of its own entries, an operator also the head hash.
Response audit_verify(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  Service::require(who, Action::kRead, who.tenant_id);
  auto txn = svc.store().begin_read();
  AuditVerdict v = svc.root().audit().verify(txn);
  Json doc{{"ok", v.ok()}, {"problems", v.problems}};
  if (who.is_operator()) {
    doc["entries"] = v.entries;
    doc["head"] = hex(v.head);
  } else {
    uint64_t own = 0;
    svc.root().audit().for_each(txn, [&](const AuditEntry& e) {
      if (e.tenant_id == *who.tenant_id)
        ++own;
    });
    doc["entries"] = own;
  }
  return Response::json(200, doc);
}

}  // namespace

void add_console_routes(Router& router, Service& service) {
  Service* svc = &service;
  auto on = [&](std::string path, Response (*fn)(Service&, Request&)) {
    router.add(
        {"GET", std::move(path), Auth::kToken, [svc, fn](Request& q) { return fn(*svc, q); }});
  };
  std::string base = kBase;
  on(base + "/overview", overview);
  on(base + "/whoami", whoami);
  on(base + "/audit/verify", audit_verify);
  router.add({"GET", "/", Auth::kNone,
              [](Request&) { return asset(kConsoleIndexHtml, "text/html; charset=utf-8"); }});
  router.add({"GET", "/console/app.js", Auth::kNone,
              [](Request&) { return asset(kConsoleAppJs, "text/javascript; charset=utf-8"); }});
  router.add({"GET", "/console/app.css", Auth::kNone,
              [](Request&) { return asset(kConsoleAppCss, "text/css; charset=utf-8"); }});
}

}  // namespace signet::api
