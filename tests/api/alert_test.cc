// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetd's alerts below HTTP: webhook URLs, delivery (a webhook tried again with a doubling
// delay up to a bound, a command killed at its timeout), the tenant webhook routes, and the
// alert service over a real store with a fake clock: one alert per change, none repeated (not even
// by a restarted service), "resolved", the tenant's webhook getting its own zones' alerts only,
// the rate limit's summary, and the audit entries.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>

#include "api/alert_delivery.hh"
#include "api/alert_service.hh"
#include "api/signet_api.hh"
#include "conf/composition_root.hh"
#include "conf/webhook_url.hh"
#include "keystore/alert_store.hh"
#include "tests/support/api_tokens.hh"
#include "tests/support/offline_root.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/webhook_receiver.hh"

using namespace signet;
using namespace signet::api;
using signet::test::WebhookReceiver;

namespace {

using std::chrono::milliseconds;

}  // namespace

TEST(WebhookUrl, ParsesWhatCanBeDeliveredAndShowsNoSecret) {
  WebhookUrl u = parse_webhook_url("https://bot:s3cret@hooks.example:8443/services/T0/XyZ?x=1");
  EXPECT_TRUE(u.https);
  EXPECT_EQ(u.host, "hooks.example");
  EXPECT_EQ(u.port, 8443);
  EXPECT_EQ(u.path, "/services/T0/XyZ?x=1");
  EXPECT_EQ(u.user, "bot");
  EXPECT_EQ(u.password, "s3cret");
  EXPECT_EQ(u.target(), "https://hooks.example:8443");
  u = parse_webhook_url("http://127.0.0.1");
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.path, "/");
  u = parse_webhook_url("http://[::1]:9000/a");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.target(), "http://[::1]:9000");
  EXPECT_EQ(parse_webhook_url("https://h.example").port, 443);
  for (const char* bad : {"", "ftp://h.example/", "h.example/x", "http://", "http://h .example/",
                          "http://h.example:0/", "http://h.example:70000/", "http://h.example:x/",
                          "http://[::1/", "http://bad!host/"}) {
    try {
      parse_webhook_url(bad);
      ADD_FAILURE() << bad;
    } catch (const InputError& e) {
      // The message never repeats the URL (it may hold a secret).
      if (std::string(bad).size() > 8) {
        EXPECT_EQ(std::string(e.what()).find(bad), std::string::npos) << e.what();
      }
    }
  }
}

TEST(AlertDelivery, AWebhookThatFailsIsTriedAgainWithADoublingDelay) {
  WebhookReceiver rx;
  rx.fail_next("/hook", 2, 500);
  std::vector<milliseconds> waits;
  WebhookOptions o;
  o.attempts = 5;
  o.first_delay = milliseconds(100);
  o.timeout = milliseconds(5000);
  o.sleep = [&](milliseconds d) {
    waits.push_back(d);
    return true;
  };
  WebhookUrl url = parse_webhook_url(rx.url("/hook"));
  url.user = "u";
  url.password = "p";
  DeliveryResult r = post_webhook(url, R"({"x":1})", o);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.attempts, 3u);
  EXPECT_EQ(waits, (std::vector<milliseconds>{milliseconds(100), milliseconds(200)}));
  auto got = rx.received("/hook");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].body, R"({"x":1})");
  EXPECT_EQ(got[2].authorization, "Basic dTpw");  // base64("u:p")

  // Always failing: the bound, and the last failure in words.
  rx.fail_next("/down", 100, 503);
  waits.clear();
  o.attempts = 3;
  r = post_webhook(parse_webhook_url(rx.url("/down")), "{}", o);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 3u);
  EXPECT_EQ(r.error, "HTTP 503");
  EXPECT_EQ(rx.received("/down").size(), 3u);
  // Nobody listening; a stopping service gives up at once.
  o.sleep = [](milliseconds) { return false; };
  r = post_webhook(parse_webhook_url("http://127.0.0.1:9/"), "{}", o);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_NE(r.error.find("no response"), std::string::npos) << r.error;
}

TEST(AlertDelivery, ATenantWebhookReachesNoLoopbackPrivateOrLinkLocalAddressUnlessAllowed) {
  for (const char* a : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                        "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1"}) {
    EXPECT_NE(tenant_webhook_refusal(a, {}), "") << a;
  }
  EXPECT_EQ(tenant_webhook_refusal("169.254.169.254", {}), "169.254.169.254 is link-local");
  for (const char* a : {"8.8.8.8", "2001:4860:4860::8888", "192.0.2.1"})
    EXPECT_EQ(tenant_webhook_refusal(a, {}), "") << a;
  EXPECT_EQ(tenant_webhook_refusal("127.0.0.1", {Netmask::parse("127.0.0.0/8")}), "");

  // The attack: a name that resolves to the machine itself. Refused at delivery, once, and the
  // receiver on the loopback gets nothing.
  WebhookReceiver rx;
  WebhookOptions o;
  o.attempts = 5;
  o.first_delay = milliseconds(10);
  o.refuse = [](const std::string& address) { return tenant_webhook_refusal(address, {}); };
  DeliveryResult r = post_webhook(
      parse_webhook_url("http://localhost:" + std::to_string(rx.port()) + "/h"), "{}", o);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_NE(r.error.find("refused: "), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("127.0.0.1 is loopback"), std::string::npos) << r.error;
  EXPECT_TRUE(rx.received("/h").empty());
  // 127.0.0.0/8 allowed by the operator: delivered, to the address that was checked (the
  // receiver listens on 127.0.0.1 only; localhost's ::1 stays refused).
  o.refuse = [](const std::string& address) {
    return tenant_webhook_refusal(address, {Netmask::parse("127.0.0.0/8")});
  };
  r = post_webhook(parse_webhook_url("http://localhost:" + std::to_string(rx.port()) + "/h"), "{}",
                   o);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(rx.received("/h").size(), 1u);
}

TEST(AlertDelivery, ATenantCannotSetAWebhookIntoTheOperatorsNetworks) {
  test::TempDir dir;
  auto root = offline_root(dir);  // no signet-alert-tenant-webhook-allow
  Service service(*root);
  Router router;
  add_signet_routes(router, service);
  {
    auto txn = root->store().begin_write();
    Portfolio(root->store(), root->clock()).create_tenant(txn, "acme");
    txn.commit();
  }
  TokenIdentity editor = test::issue_token(*root, "acme", Role::kEditor);
  auto put = [&](const std::string& url) {
    Request q;
    q.method = "PUT";
    q.path = "/api/v1/signet/alerts/webhook";
    q.body = R"({"url": ")" + url + "\"}";
    q.who = editor;
    return router.dispatch(q);
  };
  for (const char* url :
       {"http://127.0.0.1:8082/api/v1/signet/tokens", "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8081/", "https://10.0.0.5/hook"}) {
    Response r = put(url);
    EXPECT_EQ(r.status, 422) << url;
    EXPECT_NE(r.body.find("url: a tenant's webhook may not reach "), std::string::npos) << r.body;
  }
  EXPECT_NE(put("http://127.0.0.1:8082/").body.find("127.0.0.1 is loopback"), std::string::npos);
  // Nothing stored, nothing audited.
  auto txn = root->store().begin_read();
  EXPECT_FALSE(AlertStore(root->store()).webhook(txn, root->store().find_tenant(txn, "acme")->id));
  // A name is checked when an alert is delivered (it may resolve elsewhere by then).
  EXPECT_EQ(put("https://hooks.example/acme").status, 200);
}

TEST(AlertDelivery, ACommandGetsTheDocumentOnStdinAndIsKilledAtItsTimeout) {
  test::TempDir dir;
  std::string script = dir.file("alert.sh");
  {
    std::ofstream f(script);
    f << "#!/bin/sh\ncat > " << dir.file("got.json") << "\n";
  }
  chmod(script.c_str(), 0755);
  DeliveryResult r = run_alert_command({script}, R"({"event":"critical"})", milliseconds(5000));
  EXPECT_TRUE(r.ok) << r.error;
  std::ifstream in(dir.file("got.json"));
  std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got, R"({"event":"critical"})");
  EXPECT_EQ(command_target({script, "--flag"}), "alert.sh");

  auto start = std::chrono::steady_clock::now();
  r = run_alert_command({"/bin/sleep", "30"}, "{}", milliseconds(300));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("timed out"), std::string::npos) << r.error;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  r = run_alert_command({"/bin/false"}, "{}", milliseconds(5000));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "exit 1");
  r = run_alert_command({dir.file("absent")}, "{}", milliseconds(5000));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("could not start"), std::string::npos);
}

// ------------------------------------------------------------------ the service and the routes

namespace {

class AlertServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = std::make_unique<FakeClock>(1800000000);
    clock = fake.get();
    // The tenants' webhooks here are the test's receiver, on the loopback.
    root = offline_root(dir, std::move(fake), [](Config& c) {
      c.alert_tenant_webhook_allow = {Netmask::parse("127.0.0.0/8")};
    });
    service = std::make_unique<Service>(*root);
    add_signet_routes(router, *service);
    for (const auto& [tenant, apex] : {std::pair<std::string, std::string>{"acme", "acme.example."},
                                       {"acme", "shop.acme.example."},
                                       {"globex", "globex.example."}}) {
      make_zone(tenant, apex);
    }
    acme_editor = test::issue_token(*root, "acme", Role::kEditor);
    acme_viewer = test::issue_token(*root, "acme", Role::kViewer);
    globex_editor = test::issue_token(*root, "globex", Role::kEditor);
    op = test::issue_token(*root, std::nullopt, Role::kOperator);
    for (const char* z : {"acme.example.", "shop.acme.example."})
      ASSERT_EQ(
          call(acme_editor, "POST", std::string("/api/v1/signet/zones/") + z + "/secure").status,
          200);
    ASSERT_EQ(call(globex_editor, "POST", "/api/v1/signet/zones/globex.example./secure").status,
              200);
  }

  void make_zone(const std::string& tenant, const std::string& apex) {
    auto txn = root->store().begin_write();
    Portfolio p(root->store(), root->clock());
    p.set_audit(&root->audit());
    p.set_edit_hook(&root->dnssec().signing());
    if (!root->store().find_tenant(txn, tenant))
      p.create_tenant(txn, tenant);
    p.create_zone_with_soa(txn, tenant, Name::from_text(apex), {Name::from_text("ns1." + apex)});
    txn.commit();
  }

  Response call(std::optional<TokenIdentity> who, const std::string& method,
                const std::string& path, const std::string& body = "",
                std::multimap<std::string, std::string> query = {}) {
    Request q;
    q.method = method;
    q.path = path;
    q.body = body;
    q.query = std::move(query);
    q.who = who;
    return router.dispatch(q);
  }

  AlertOptions options() {
    AlertOptions o;
    o.webhook = parse_webhook_url(rx.url("/operator"));
    o.webhook_options.first_delay = milliseconds(10);
    o.webhook_options.timeout = milliseconds(5000);
    o.rate = 100;
    o.tenant_webhook_allow = root->config().alert_tenant_webhook_allow;
    return o;
  }

  std::vector<AuditEntry> audit(const std::string& kind) {
    std::vector<AuditEntry> out;
    auto txn = root->store().begin_read();
    root->audit().for_each(txn, [&](const AuditEntry& e) {
      if (e.kind == kind)
        out.push_back(e);
    });
    return out;
  }

  test::TempDir dir;
  FakeClock* clock = nullptr;
  std::unique_ptr<CompositionRoot> root;
  std::unique_ptr<Service> service;
  Router router;
  TokenIdentity acme_editor, acme_viewer, globex_editor, op;
  WebhookReceiver rx;
};

}  // namespace

TEST_F(AlertServiceTest, OneAlertPerChangeNoneRepeatedEvenAfterARestartAndOneResolved) {
  uint64_t t0 = clock->now();
  {
    AlertService alerts(*root, options());
    EXPECT_EQ(alerts.run_once().alerts, 0u);  // every zone is ok
    EXPECT_TRUE(rx.received().empty());
    // 30 days on and nothing ran: every zone's signatures have expired.
    clock->set(t0 + 30 * 86400);
    EXPECT_EQ(alerts.run_once().alerts, 3u);
    EXPECT_EQ(alerts.run_once().alerts, 0u);
  }
  auto got = rx.delivered("/operator");
  ASSERT_EQ(got.size(), 3u);
  Json j = got[0].json();
  EXPECT_EQ(j["event"], "critical");
  EXPECT_EQ(j["status"], "critical");
  EXPECT_EQ(j["previous_status"], "ok");
  EXPECT_EQ(j["zone"], "acme.example.");
  EXPECT_EQ(j["tenant"], "acme");
  EXPECT_EQ(j["conditions"], Json::array({"signatures-expiring"}));
  EXPECT_NE(j["reasons"].dump().find("signatures have expired"), std::string::npos) << j.dump();
  EXPECT_EQ(j["id"].get<std::string>().size(), 16u);
  EXPECT_EQ(j["time"], iso8601_utc(t0 + 30 * 86400));

  // A restarted signetd remembers what it sent.
  AlertService again(*root, options());
  clock->advance(60);
  EXPECT_EQ(again.run_once().alerts, 0u);
  EXPECT_EQ(rx.delivered("/operator").size(), 3u);

  // Time back to when they were fine: three "resolved".
  clock->set(t0 + 60);
  EXPECT_EQ(again.run_once().alerts, 3u);
  got = rx.delivered("/operator");
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[3].json()["event"], "resolved");
  EXPECT_EQ(got[3].json()["previous_status"], "critical");
  EXPECT_EQ(got[3].json()["status"], "ok");
  EXPECT_EQ(again.run_once().alerts, 0u);
  {
    auto txn = root->store().begin_read();
    size_t states = 0;
    AlertStore(root->store()).for_each_state(txn, [&](uint32_t, const auto&) { ++states; });
    EXPECT_EQ(states, 0u);
  }

  auto sent = audit("alert-sent");
  ASSERT_EQ(sent.size(), 6u);
  Json d = Json::parse(sent[0].detail);
  EXPECT_EQ(d["alert"], "acme.example.|critical|signatures-expiring");
  EXPECT_EQ(d["event"], "critical");
  EXPECT_EQ(d["transport"], "webhook");
  EXPECT_EQ(d["target"], "http://127.0.0.1:" + std::to_string(rx.port()));
  EXPECT_EQ(d["attempts"], 1);
  EXPECT_EQ(sent[0].zone, "acme.example.");
  EXPECT_EQ(sent[0].tenant, "acme");
  EXPECT_TRUE(audit("alert-failed").empty());
}

TEST_F(AlertServiceTest, ATenantWebhookGetsItsOwnZonesAlertsOnly) {
  // Routes: viewer reads, editor sets; an operator names the tenant.
  EXPECT_EQ(call(acme_viewer, "PUT", "/api/v1/signet/alerts/webhook",
                 R"({"url": ")" + rx.url("/acme") + "\"}")
                .status,
            403);
  Response r = call(acme_editor, "PUT", "/api/v1/signet/alerts/webhook", R"({"url": "ftp://x"})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body.find("url: "), 10u) << r.body;
  r = call(acme_editor, "PUT", "/api/v1/signet/alerts/webhook",
           R"({"url": "http://bot:pw@127.0.0.1:)" + std::to_string(rx.port()) + "/acme\"}");
  ASSERT_EQ(r.status, 200) << r.body;
  r = call(acme_viewer, "GET", "/api/v1/signet/alerts/webhook");
  ASSERT_EQ(r.status, 200);
  Json w = Json::parse(r.body);
  EXPECT_EQ(w["tenant"], "acme");
  EXPECT_EQ(w["configured"], true);
  EXPECT_EQ(w["target"], "http://127.0.0.1:" + std::to_string(rx.port()));
  EXPECT_EQ(r.body.find("pw"), std::string::npos);
  EXPECT_EQ(r.body.find("/acme"), std::string::npos);
  // Another tenant's name is an absent tenant, for every role of it.
  Response other =
      call(globex_editor, "GET", "/api/v1/signet/alerts/webhook", "", {{"tenant", "acme"}});
  Response absent =
      call(globex_editor, "GET", "/api/v1/signet/alerts/webhook", "", {{"tenant", "acmf"}});
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(absent.status, 404);
  EXPECT_EQ(other.body.find("configured"), std::string::npos);
  EXPECT_EQ(call(globex_editor, "DELETE", "/api/v1/signet/alerts/webhook", "", {{"tenant", "acme"}})
                .status,
            404);
  EXPECT_EQ(call(globex_editor, "PUT", "/api/v1/signet/alerts/webhook",
                 R"({"url": "http://127.0.0.1:9/steal"})", {{"tenant", "acme"}})
                .status,
            404);
  EXPECT_EQ(
      Json::parse(call(globex_editor, "GET", "/api/v1/signet/alerts/webhook").body)["configured"],
      false);
  EXPECT_EQ(call(op, "GET", "/api/v1/signet/alerts/webhook").status, 422);
  EXPECT_EQ(Json::parse(call(op, "GET", "/api/v1/signet/alerts/webhook", "", {{"tenant", "acme"}})
                            .body)["configured"],
            true);
  auto set = audit("alert-webhook-set");
  ASSERT_EQ(set.size(), 1u);
  EXPECT_EQ(set[0].tenant, "acme");
  EXPECT_EQ(set[0].detail.find("pw"), std::string::npos) << set[0].detail;
  EXPECT_EQ(set[0].detail.find("/acme"), std::string::npos) << set[0].detail;

  // No operator transport: only acme's zones are surveyed into alerts, to acme's webhook.
  AlertOptions o = options();
  o.webhook.reset();
  AlertService alerts(*root, o);
  clock->advance(30 * 86400);
  EXPECT_EQ(alerts.run_once().alerts, 2u);
  auto got = rx.delivered("/acme");
  ASSERT_EQ(got.size(), 2u);
  for (const auto& g : got) {
    EXPECT_EQ(g.json()["tenant"], "acme");
    EXPECT_EQ(g.authorization, "Basic Ym90OnB3");  // base64("bot:pw")
  }
  EXPECT_TRUE(rx.received("/operator").empty());
  // globex's zone was left alone (nothing to deliver to): a webhook set later reports it.
  r = call(globex_editor, "PUT", "/api/v1/signet/alerts/webhook",
           R"({"url": ")" + rx.url("/globex") + "\"}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(alerts.run_once().alerts, 1u);
  ASSERT_EQ(rx.delivered("/globex").size(), 1u);
  EXPECT_EQ(rx.delivered("/globex")[0].json()["zone"], "globex.example.");
  EXPECT_EQ(rx.delivered("/acme").size(), 2u);
  auto sent = audit("alert-sent");
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(Json::parse(sent[0].detail)["transport"], "tenant-webhook");

  EXPECT_EQ(call(acme_editor, "DELETE", "/api/v1/signet/alerts/webhook").status, 204);
  EXPECT_EQ(call(acme_editor, "DELETE", "/api/v1/signet/alerts/webhook").status, 409);
  EXPECT_EQ(audit("alert-webhook-deleted").size(), 1u);
}

TEST_F(AlertServiceTest, OverTheRateOneSummaryStandsForTheRest) {
  AlertOptions o = options();
  o.rate = 1;
  AlertService alerts(*root, o);
  clock->advance(30 * 86400);
  AlertService::PassResult r = alerts.run_once();
  EXPECT_EQ(r.alerts, 1u);
  EXPECT_EQ(r.suppressed, 2u);
  auto got = rx.delivered("/operator");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].json()["event"], "critical");
  Json s = got[1].json();
  EXPECT_EQ(s["event"], "summary");
  EXPECT_EQ(s["suppressed"], 2);
  EXPECT_EQ(s["reasons"].size(), 2u);
  // The suppressed ones are recorded: not sent again.
  clock->advance(120);
  EXPECT_EQ(alerts.run_once().alerts, 0u);
  EXPECT_EQ(rx.delivered("/operator").size(), 2u);
}

TEST_F(AlertServiceTest, FailedDeliveriesAreAuditedWithoutTheUrlsSecrets) {
  AlertOptions o = options();
  o.webhook = parse_webhook_url("http://user:hunter2@127.0.0.1:" + std::to_string(rx.port()) +
                                "/secret-path");
  rx.fail_next("/secret-path", 100, 500);
  o.webhook_options.attempts = 2;
  o.command = {"/bin/sleep", "30"};
  o.command_timeout = milliseconds(200);
  AlertService alerts(*root, o);
  clock->advance(30 * 86400);
  AlertService::PassResult r = alerts.run_once();
  EXPECT_EQ(r.alerts, 3u);
  EXPECT_EQ(r.failures, 6u);
  auto failed = audit("alert-failed");
  ASSERT_EQ(failed.size(), 6u);
  Json web = Json::parse(failed[0].detail);
  EXPECT_EQ(web["transport"], "webhook");
  EXPECT_EQ(web["attempts"], 2);
  EXPECT_EQ(web["error"], "HTTP 500");
  Json cmd = Json::parse(failed[1].detail);
  EXPECT_EQ(cmd["transport"], "command");
  EXPECT_EQ(cmd["target"], "sleep");
  EXPECT_NE(cmd["error"].get<std::string>().find("timed out"), std::string::npos);
  for (const auto& e : failed) {
    EXPECT_EQ(e.detail.find("hunter2"), std::string::npos);
    EXPECT_EQ(e.detail.find("secret-path"), std::string::npos);
  }
  EXPECT_EQ(rx.received("/secret-path").size(), 6u);
}
