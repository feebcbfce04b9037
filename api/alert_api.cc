// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/alert_api.hh"

#include "api/alert_delivery.hh"
#include "api/api_input.hh"
#include "conf/netmask.hh"
#include "conf/webhook_url.hh"
#include "keystore/alert_store.hh"
#include "signer/clock.hh"
#include "signer/error.hh"

namespace signet::api {

namespace {

AlertStore::MasterKeyProvider master(Service& svc) {
  return [&svc]() -> const MasterKey& { return svc.root().master_key(); };
}

// The tenant a request is about: a tenant token's own, or the one an operator token names.
TenantRecord webhook_tenant(Service& svc, const lmdb::Txn& txn, const Request& q) {
  const TokenIdentity& who = q.identity();
  std::optional<std::string> named = q.query_value("tenant");
  if (who.is_operator()) {
    if (!named || named->empty())
      throw InputError("tenant: required with an operator token (?tenant=NAME)");
    auto t = svc.store().find_tenant(txn, *named);
    if (!t)
      throw NotFound("Could not find tenant '" + *named + "'");
    return *t;
  }
  auto t = svc.store().tenant_by_id(txn, *who.tenant_id);
  // Another tenant's name is answered as a tenant that does not exist.
  if (!t || (named && *named != t->name))
    throw NotFound("Could not find tenant '" + named.value_or("") + "'");
  return *t;
}

Json webhook_json(const TenantRecord& t, const std::optional<AlertWebhookRecord>& w) {
  Json out{
      {"tenant", t.name}, {"configured", w.has_value()}, {"target", nullptr}, {"set_at", nullptr}};
  if (w) {
    try {
      out["target"] = parse_webhook_url(w->url).target();
    } catch (const InputError&) {
      out["target"] = "(invalid)";
    }
    out["set_at"] = iso8601_utc(w->set_at);
  }
  return out;
}

Response get_webhook(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  auto txn = svc.store().begin_read();
  TenantRecord t = webhook_tenant(svc, txn, q);
  Service::require(who, Action::kRead, t.id);
  return Response::json(200,
                        webhook_json(t, AlertStore(svc.store(), master(svc)).webhook(txn, t.id)));
}

Response put_webhook(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  Json out;
  svc.write(who, [&](lmdb::WriteTxn& txn, auto&) {
    TenantRecord t = webhook_tenant(svc, txn, q);
    Service::require(who, Action::kEditZones, t.id);
    Json body = object_body(q);
    std::optional<std::string> url = string_field(body, "url");
    if (!url || url->empty())
      throw InputError("url: required (an http:// or https:// URL)");
    WebhookUrl parsed = field_value("url", [&] { return parse_webhook_url(*url); });
    // An address written in the URL is checked now (a name, at each delivery).
    if (is_ip_address(parsed.host)) {
      std::string why =
          tenant_webhook_refusal(parsed.host, svc.root().config().alert_tenant_webhook_allow);
      if (!why.empty()) {
        throw InputError("url: a tenant's webhook may not reach " + why +
                         " (the operator admits such addresses with "
                         "signet-alert-tenant-webhook-allow)");
      }
    }
    AlertWebhookRecord w{svc.root().clock().now(), *url, {}};
    AlertStore(svc.store(), master(svc)).put_webhook(txn, t.id, w);
    svc.root().audit().append(txn, "alert-webhook-set", t.id, 0, t.name, "",
                              Json{{"target", parsed.target()}});
    out = webhook_json(t, w);
  });
  return Response::json(200, out);
}

Response delete_webhook(Service& svc, Request& q) {
  const TokenIdentity& who = q.identity();
  svc.write(who, [&](lmdb::WriteTxn& txn, auto&) {
    TenantRecord t = webhook_tenant(svc, txn, q);
    Service::require(who, Action::kEditZones, t.id);
    AlertStore alerts(svc.store(), master(svc));
    auto w = alerts.webhook(txn, t.id);
    if (!w)
      throw Conflict("tenant '" + t.name + "' has no alert webhook");
    alerts.erase_webhook(txn, t.id);
    std::string target;
    try {
      target = parse_webhook_url(w->url).target();
    } catch (const InputError&) {
      target = "(invalid)";
    }
    svc.root().audit().append(txn, "alert-webhook-deleted", t.id, 0, t.name, "",
                              Json{{"target", target}});
  });
  return Response::empty(204);
}

}  // namespace

void add_alert_routes(Router& router, Service& service) {
  Service* svc = &service;
  auto on = [&](const char* method, Response (*fn)(Service&, Request&)) {
    router.add({method, "/api/v1/signet/alerts/webhook", Auth::kToken,
                [svc, fn](Request& q) { return fn(*svc, q); }});
  };
  on("GET", get_webhook);
  on("PUT", put_webhook);
  on("DELETE", delete_webhook);
}

}  // namespace signet::api
