// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetd's alerts (issue 10 item 2): every signet-alert-interval seconds, one health survey of
// every zone and of the store (keystore/health_report.hh, what `signetutil health` prints), the
// alert rules over it (keystore/alert_rules.hh), and the alerts delivered:
//
//  * to signet-alert-webhook and/or signet-alert-command (the operator's), every alert;
//  * to a tenant's own webhook (PUT /api/v1/signet/alerts/webhook), the alerts of that tenant's
//    zones only (never the store's, never another tenant's).
//
// Each delivery is audited (kinds alert-sent / alert-failed, detail {"alert": dedup key, "event",
// "transport": webhook|command|tenant-webhook, "target", "attempts", "error"}) in the write
// transaction that records the zone's new alert state, after the delivery: a signetd killed in
// between sends that alert again after its restart rather than never. A zone nothing would deliver
// to is left alone (its state is not recorded, so configuring a webhook later reports it). Over
// signet-alert-rate alerts a minute, the rest of the survey's alerts are recorded without being
// sent, and one summary alert goes out instead (one per tenant webhook for its own zones).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/alert_delivery.hh"
#include "conf/composition_root.hh"
#include "conf/webhook_url.hh"
#include "keystore/alert_rules.hh"

namespace signet::api {

struct AlertOptions {
  std::chrono::seconds interval{60};
  uint64_t waiting_after = 86400;
  unsigned rate = 20;  // alerts a minute, 0: no limit
  std::optional<WebhookUrl> webhook;
  std::vector<std::string> command;
  WebhookOptions webhook_options;
  std::chrono::milliseconds command_timeout{10000};
  std::vector<Netmask> tenant_webhook_allow;  // signet-alert-tenant-webhook-allow

  static AlertOptions from(const Config& c);
};

class AlertService {
 public:
  AlertService(CompositionRoot& root, AlertOptions options);
  ~AlertService();
  AlertService(const AlertService&) = delete;
  AlertService& operator=(const AlertService&) = delete;

  struct PassResult {
    size_t alerts = 0;      // decided and admitted by the rate limit
    size_t suppressed = 0;  // held back into a summary
    size_t deliveries = 0, failures = 0;
  };
  // One survey: decide, deliver, record.
  PassResult run_once();

  // Runs run_once now and then every interval on a thread of its own, until stop().
  void start();
  void stop();

 private:
  struct Target {
    std::string transport;  // "webhook", "command", "tenant-webhook"
    std::optional<WebhookUrl> url;
    std::string url_error;  // a stored tenant URL that no longer parses
  };
  struct Planned;
  struct Pass;
  // Whom a decision is about: a zone (its id, name and tenant's webhook) or the store.
  struct Subject {
    uint32_t state_id = 0;
    std::string name;  // the zone, or "store"
    std::string zone, tenant;
    uint32_t tenant_id = 0;
    std::optional<std::string> tenant_url;
  };
  using Deliveries = std::vector<std::pair<bool, Json>>;  // (ok, audit detail) per target

  bool operator_targets() const { return options_.webhook || !options_.command.empty(); }
  std::optional<Planned> plan(const AlertCondition& c, const std::optional<AlertStateRecord>& prev,
                              const Subject& s, uint64_t now) const;
  Pass survey(uint64_t now);
  void send(const Planned& p, PassResult& result);
  std::vector<std::pair<Alert, Deliveries>> summarize(const std::vector<const Planned*>& suppressed,
                                                      uint64_t now, PassResult& result);
  void record(lmdb::WriteTxn& txn, const Planned& p);
  void audit(lmdb::WriteTxn& txn, const Alert& a, const Deliveries& done);
  std::vector<Target> targets_for(const Alert& a, const std::optional<std::string>& tenant_url);
  // Delivers `a` to every target; one audit detail per delivery.
  Deliveries deliver(const Alert& a, const std::vector<Target>& targets, PassResult& result);
  bool sleep_unless_stopped(std::chrono::milliseconds d);

  CompositionRoot& root_;
  AlertOptions options_;
  AlertRateLimit limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace signet::api
