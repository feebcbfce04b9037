// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/alert_service.hh"

#include <map>
#include <set>

#include "api/http_server.hh"
#include "keystore/alert_store.hh"
#include "keystore/audit.hh"
#include "keystore/health_report.hh"
#include "keystore/portfolio.hh"

namespace signet::api {

AlertOptions AlertOptions::from(const Config& c) {
  AlertOptions o;
  o.interval = std::chrono::seconds(c.alert_interval);
  o.waiting_after = c.alert_waiting_after;
  o.rate = c.alert_rate;
  if (!c.alert_webhook.empty())
    o.webhook = parse_webhook_url(c.alert_webhook);
  o.command = c.alert_command;
  o.webhook_options.attempts = c.alert_attempts;
  o.webhook_options.timeout = std::chrono::seconds(c.alert_timeout);
  o.command_timeout = std::chrono::seconds(c.alert_timeout);
  o.tenant_webhook_allow = c.alert_tenant_webhook_allow;
  return o;
}

// One zone's (or the store's) decision, with what is needed to deliver and record it.
struct AlertService::Planned {
  AlertDecision decision;
  Alert alert;  // filled when decision.alert
  uint32_t state_id = 0;
  std::optional<std::string> tenant_url;  // the zone's tenant's own webhook
};

AlertService::AlertService(CompositionRoot& root, AlertOptions options)
    : root_(root), options_(std::move(options)), limit_(options_.rate) {}

AlertService::~AlertService() {
  stop();
}

bool AlertService::sleep_unless_stopped(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

std::vector<AlertService::Target> AlertService::targets_for(
    const Alert& a, const std::optional<std::string>& tenant_url) {
  std::vector<Target> out;
  if (options_.webhook)
    out.push_back({"webhook", options_.webhook, ""});
  if (!options_.command.empty())
    out.push_back({"command", std::nullopt, ""});
  if (tenant_url) {
    Target t{"tenant-webhook", std::nullopt, ""};
    try {
      t.url = parse_webhook_url(*tenant_url);
    } catch (const InputError& e) {
      t.url_error = std::string("the stored URL is not valid: ") + e.what();
    }
    out.push_back(std::move(t));
  }
  return out;
}

AlertService::Deliveries AlertService::deliver(const Alert& a, const std::vector<Target>& targets,
                                               PassResult& result) {
  std::string body = alert_json(a).dump();
  Deliveries out;
  for (const auto& t : targets) {
    DeliveryResult r;
    std::string target;
    if (t.transport == "command") {
      target = command_target(options_.command);
      r = run_alert_command(options_.command, body, options_.command_timeout);
    } else if (t.url) {
      target = t.url->target();
      WebhookOptions o = options_.webhook_options;
      o.sleep = [this](std::chrono::milliseconds d) { return sleep_unless_stopped(d); };
      if (t.transport == "tenant-webhook") {
        o.refuse = [this](const std::string& address) {
          return tenant_webhook_refusal(address, options_.tenant_webhook_allow);
        };
      }
      r = post_webhook(*t.url, body, o);
    } else {
      r.error = t.url_error;
    }
    Json detail{{"alert", a.key},
                {"event", a.event},
                {"transport", t.transport},
                {"target", target},
                {"attempts", r.attempts}};
    ++result.deliveries;
    if (!r.ok) {
      ++result.failures;
      detail["error"] = r.error;
      log_to_stderr("signetd: alert " + a.key + " (" + a.event + ") to " + t.transport + " " +
                    target + " failed after " + std::to_string(r.attempts) +
                    (r.attempts == 1 ? " try: " : " tries: ") + r.error);
    }
    out.emplace_back(r.ok, std::move(detail));
  }
  return out;
}

// What a pass decided: every changed zone (and the store), and the states of deleted zones.
struct AlertService::Pass {
  std::vector<Planned> plans;
  std::vector<uint32_t> orphans;
};

// A decision for one subject; none when nothing changed, or when nothing would deliver it (left
// alone, so that a webhook configured later reports it).
std::optional<AlertService::Planned> AlertService::plan(const AlertCondition& c,
                                                        const std::optional<AlertStateRecord>& prev,
                                                        const Subject& s, uint64_t now) const {
  Planned p;
  p.state_id = s.state_id;
  p.decision = decide_alert(c, prev, s.name, now);
  p.tenant_url = s.tenant_url;
  if (!p.decision.changed || (!operator_targets() && !p.tenant_url))
    return std::nullopt;
  if (p.decision.alert) {
    Alert& a = p.alert;
    a.event = p.decision.event;
    a.zone = s.zone;
    a.tenant = s.tenant;
    a.tenant_id = s.tenant_id;
    a.zone_id = s.state_id;
    a.status = c.status;
    a.previous = p.decision.previous;
    a.conditions = c.status == HealthStatus::kOk && prev ? prev->conditions : c.conditions;
    a.reasons = c.reasons;
    a.time = now;
    a.id = p.decision.next.id;
    a.key = alert_dedup_key(s.name, a.event, a.conditions);
  }
  return p;
}

// One read transaction: every zone's health, its alert state and its tenant's webhook.
AlertService::Pass AlertService::survey(uint64_t now) {
  Store& store = root_.store();
  AlertStore alerts(store, [this]() -> const MasterKey& { return root_.master_key(); });
  Pass pass;
  auto txn = store.begin_read();
  std::vector<ZoneRecord> zones;
  store.for_each_zone(txn, [&](const ZoneRecord& z) { zones.push_back(z); });
  Portfolio portfolio(store, root_.clock());
  HealthSurvey health = survey_health(
      root_.keyman(), root_.dnssec(), store, txn, zones,
      [&](uint32_t id) { return portfolio.tenant_name(txn, id); }, now);
  std::map<uint32_t, AlertStateRecord> states;
  alerts.for_each_state(txn, [&](uint32_t id, const AlertStateRecord& a) { states[id] = a; });
  auto prev = [&](uint32_t id) -> std::optional<AlertStateRecord> {
    auto it = states.find(id);
    return it == states.end() ? std::nullopt : std::optional<AlertStateRecord>(it->second);
  };
  std::map<uint32_t, std::optional<std::string>> hooks;  // per tenant, read once
  auto tenant_url = [&](uint32_t tenant_id) {
    auto h = hooks.find(tenant_id);
    if (h == hooks.end()) {
      auto w = alerts.webhook(txn, tenant_id);
      h = hooks.emplace(tenant_id, w ? std::optional<std::string>(w->url) : std::nullopt).first;
    }
    return h->second;
  };
  std::set<uint32_t> seen;
  for (size_t i = 0; i < zones.size(); ++i) {
    const ZoneHealth& h = health.zones[i];
    uint32_t id = zones[i].id;
    seen.insert(id);
    auto before = prev(id);
    AlertCondition c =
        zone_alert_condition(h, before ? before->waiting_since : 0, now, options_.waiting_after);
    Subject subject{
        id, h.zone, h.zone, h.tenant, zones[i].tenant_id, tenant_url(zones[i].tenant_id)};
    if (auto p = plan(c, before, subject, now))
      pass.plans.push_back(std::move(*p));
  }
  Subject store_subject{kStoreAlertId, "store", "", "", 0, std::nullopt};
  if (auto p = plan(store_alert_condition(health.store), prev(kStoreAlertId), store_subject, now))
    pass.plans.push_back(std::move(*p));
  for (const auto& [id, st] : states) {
    if (id != kStoreAlertId && !seen.count(id))
      pass.orphans.push_back(id);  // the zone was deleted
  }
  return pass;
}

void AlertService::record(lmdb::WriteTxn& txn, const Planned& p) {
  AlertStore alerts(root_.store());
  if (p.decision.erase)
    alerts.erase_state(txn, p.state_id);
  else
    alerts.put_state(txn, p.state_id, p.decision.next);
}

void AlertService::audit(lmdb::WriteTxn& txn, const Alert& a, const Deliveries& done) {
  for (const auto& [ok, detail] : done) {
    root_.audit().append(txn, ok ? "alert-sent" : "alert-failed", a.tenant_id, a.zone_id, a.tenant,
                         a.zone, detail);
  }
}

// An admitted alert: delivered, then its new state and its deliveries in one transaction.
void AlertService::send(const Planned& p, PassResult& result) {
  ++result.alerts;
  Deliveries done = deliver(p.alert, targets_for(p.alert, p.tenant_url), result);
  auto txn = root_.store().begin_write();
  record(txn, p);
  audit(txn, p.alert, done);
  txn.commit();
}

// Over the rate: one summary to the operator's targets and one to every tenant webhook
// concerned, each delivered; the alerts themselves are recorded unsent.
std::vector<std::pair<Alert, AlertService::Deliveries>> AlertService::summarize(
    const std::vector<const Planned*>& suppressed, uint64_t now, PassResult& result) {
  std::vector<std::pair<Alert, Deliveries>> out;
  if (suppressed.empty())
    return out;
  std::vector<Alert> all;
  std::map<uint32_t, std::pair<std::string, std::vector<Alert>>> by_tenant;
  for (const Planned* p : suppressed) {
    all.push_back(p->alert);
    if (p->tenant_url) {
      auto& t = by_tenant[p->alert.tenant_id];
      t.first = *p->tenant_url;
      t.second.push_back(p->alert);
    }
  }
  if (operator_targets()) {
    Alert s = summary_alert(all, "", now);
    out.emplace_back(s, deliver(s, targets_for(s, std::nullopt), result));
  }
  for (auto& [tenant_id, t] : by_tenant) {
    Alert s = summary_alert(t.second, t.second.front().tenant, now);
    s.tenant_id = tenant_id;
    auto targets = targets_for(s, t.first);
    targets.erase(targets.begin(), targets.end() - 1);  // the tenant's webhook only
    out.emplace_back(s, deliver(s, targets, result));
  }
  return out;
}

AlertService::PassResult AlertService::run_once() {
  PassResult result;
  uint64_t now = root_.clock().now();
  Pass pass = survey(now);
  std::vector<const Planned*> quiet, suppressed;
  for (const auto& p : pass.plans) {
    if (!p.decision.alert)
      quiet.push_back(&p);
    else if (!limit_.admit(now))
      suppressed.push_back(&p);
    else
      send(p, result);
  }
  result.suppressed = suppressed.size();
  auto summaries = summarize(suppressed, now, result);
  if (quiet.empty() && suppressed.empty() && pass.orphans.empty() && summaries.empty())
    return result;
  // Everything not sent, in one transaction: changed states, held-back alerts, deleted zones'
  // states, the summaries' deliveries.
  auto txn = root_.store().begin_write();
  for (const Planned* p : quiet)
    record(txn, *p);
  for (const Planned* p : suppressed)
    record(txn, *p);
  AlertStore alerts(root_.store());
  for (uint32_t id : pass.orphans)
    alerts.erase_state(txn, id);
  for (const auto& [s, done] : summaries)
    audit(txn, s, done);
  txn.commit();
  return result;
}

void AlertService::start() {
  thread_ = std::thread([this] {
    AuditLog::ActorScope actor("signetd:alerts");
    for (;;) {
      try {
        run_once();
      } catch (const std::exception& e) {
        log_to_stderr(std::string("signetd: alerts: survey failed: ") + e.what());
      }
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, options_.interval, [this] { return stopping_; }))
        return;
    }
  });
}

void AlertService::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

}  // namespace signet::api
