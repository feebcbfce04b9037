// SPDX-License-Identifier: GPL-2.0-or-later
//
// GET /api/v1/signet/evidence?zone=Z&zone=Z2&from=DATE&to=DATE[&tenant=T]
//
// A tenant token gets a pack of its own zones and its own audit entries: a zone of another
// tenant is 404 exactly as an absent one (Service::visible_zone), and tenant= naming another
// tenant is 403. An operator token may name a tenant (404 when there is none) or none (every
// tenant). The pack is made in the request's one read transaction and signed with the operator's
// evidence key (404 until `signetutil evidence-key` made one).
#include "api/evidence_api.hh"

#include "evidence/pack.hh"
#include "signer/error.hh"

namespace signet::api {

namespace {

Response evidence_pack(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  Service::require(who, Action::kRead, who.tenant_id);
  std::vector<Name> apexes;
  for (auto [it, end] = q.query.equal_range("zone"); it != end; ++it) {
    try {
      apexes.push_back(Name::from_text(it->second));
    } catch (const InputError& e) {
      throw InputError(std::string("zone: ") + e.what());
    }
  }
  auto param_time = [&](const char* name, bool end_of_day) -> std::optional<uint64_t> {
    auto v = q.query_value(name);
    if (!v)
      return std::nullopt;
    try {
      return evidence::parse_evidence_time(*v, end_of_day);
    } catch (const InputError& e) {
      throw InputError(std::string(name) + ": " + e.what());
    }
  };
  std::optional<uint64_t> from = param_time("from", false), to = param_time("to", true);
  auto txn = svc.store().begin_read();
  std::optional<std::string> tenant = svc.tenant_name(txn, who);
  if (auto asked = q.query_value("tenant")) {
    if (tenant && *asked != *tenant)
      throw HttpError(403, "Forbidden");
    tenant = *asked;
  }
  // Visibility first: another tenant's zone answers as an absent one.
  for (const auto& apex : apexes)
    svc.visible_zone(txn, who, apex);
  evidence::EvidenceScope scope = evidence::resolve_scope(svc.store(), txn, tenant, apexes);
  scope.to = to.value_or(svc.root().clock().now());
  scope.from = from.value_or(0);
  if (scope.from > scope.to)
    throw InputError("from: after to");
  scope.actor = who.actor();
  scope.global_policy_history = who.is_operator();
  std::string pack = evidence::make_evidence_pack(svc.root(), txn, scope);
  Response r = Response::text(200, std::move(pack), "application/gzip");
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"signet-evidence.tar.gz\"");
  return r;
}

}  // namespace

void add_evidence_routes(Router& router, Service& service) {
  Service* svc = &service;
  router.add({"GET", "/api/v1/signet/evidence", Auth::kToken,
              [svc](Request& q) { return evidence_pack(*svc, q); }});
}

}  // namespace signet::api
