// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetd_probe: signetd (api/daemon.hh) with a few routes of its own under /probe/, so that the
// daemon's gate (authentication, limits, errors) can be tested over real HTTP whatever routes
// the product has. Never installed; tests choose it with SignetdOptions::probe.
//
//   GET  /probe/whoami    (token)    {"token": ID, "operator": BOOL, "role": NAME}
//   POST /probe/zones     (token)    {"name": "x.example."}: the token's tenant gets the zone
//                                    (editor and up), made through Service::write -> 201
//   GET  /probe/metrics   (metrics)  "probe_up 1"
//   GET  /probe/boom      (token)    an unexpected failure whose text names a path
#include <stdexcept>

#include "api/daemon.hh"
#include "signer/error.hh"

namespace {

using namespace signet;
using namespace signet::api;

void add_probe_routes(Router& router, Service& service) {
  router.add({"GET", "/probe/whoami", Auth::kToken, [](Request& q) {
                const auto& who = q.identity();
                return Response::json(200, Json{{"token", who.token_id},
                                                {"operator", who.is_operator()},
                                                {"role", std::string(role_name(who.role))}});
              }});
  router.add({"POST", "/probe/zones", Auth::kToken, [&service](Request& q) {
                const auto& who = q.identity();
                if (who.is_operator())
                  throw HttpError(422, "a tenant token is needed");
                Service::require(who, Action::kEditZones, *who.tenant_id);
                Json body = Json::parse(q.body, nullptr, false);
                if (body.is_discarded() || !body.is_object() || !body.contains("name") ||
                    !body["name"].is_string())
                  throw InputError("name: a zone name is needed");
                Name apex = Name::from_text(body["name"].get<std::string>());
                service.write(who, [&](lmdb::WriteTxn& txn, auto&) {
                  Portfolio p = service.portfolio(txn, who);
                  p.create_zone_with_soa(txn, *service.tenant_name(txn, who), apex,
                                         {Name::from_text("ns1", &apex)});
                });
                return Response::json(201, Json{{"name", apex.to_text()}});
              }});
  router.add({"GET", "/probe/metrics", Auth::kMetrics,
              [](Request&) { return Response::text(200, "probe_up 1\n", "text/plain"); }});
  router.add({"GET", "/probe/boom", Auth::kToken, [](Request&) -> Response {
                throw std::runtime_error("/var/lib/signet/data.mdb: probe failure");
              }});
}

}  // namespace

int main(int argc, char** argv) {
  return run_daemon(argc, argv, add_probe_routes);
}
