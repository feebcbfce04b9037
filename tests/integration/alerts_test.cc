// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetd's alerts end to end (issue 10 item 2): a real signetd with signet-alert-webhook pointing
// at a receiver in the test (127.0.0.1, a free port) and a one-second interval. Two tenants' zones
// go critical for real (secured under a policy whose signatures live 20 h: health says they expire
// within a day): exactly one alert per zone reaches the operator's webhook (the receiver's first
// 500 is retried), each tenant's own webhook (set through the API) gets its own zone's alert and
// never the other's, and the alert command, which sleeps past signet-alert-timeout, is killed and
// audited as failed. Fixed (back to the default policy, signatures refreshed), each zone sends
// exactly one "resolved".
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/process.hh"
#include "tests/support/signet_dir.hh"
#include "tests/support/signetd.hh"
#include "tests/support/webhook_receiver.hh"

using signet::Json;
using signet::test::PdnsServerOptions;
using signet::test::run;
using signet::test::RunResult;
using signet::test::Signetd;
using signet::test::SignetDir;
using signet::test::SignetdOptions;
using signet::test::SignetdReply;
using signet::test::signetutil_argv;
using signet::test::TempDir;
using signet::test::WebhookReceiver;

namespace {

// Signatures valid for 20 h: closer to expiry than health allows (a day), at once.
const char* kShortPolicy =
    "policies:\n"
    "  - name: short\n"
    "    keys: csk\n"
    "    rrsig-validity: 20h\n"
    "    rrsig-refresh: 2h\n"
    "    rrsig-jitter: 0\n"
    "    rrsig-refresh-batch: 1h\n"
    "    max-zone-ttl: 300\n"
    "    propagation-delay: 60\n";
constexpr auto kWait = std::chrono::seconds(60);

class AlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PdnsServerOptions o;
    o.settings["signet-master-key-file"] = keydir.file("master.key");
    d = std::make_unique<SignetDir>(o);
    d->signetutil_ok({"generate-master-key"});
    for (const auto& [tenant, zone] : zones) {
      d->signetutil_ok({"create-tenant", tenant});
      d->signetutil_ok({"create-zone", tenant, zone, "ns1." + zone});
    }
    signet::test::write_file(d->dir.file("short.yaml"), kShortPolicy);
    d->signetutil_ok({"policy", "import", d->dir.file("short.yaml")});
    op = token({"--operator"});
    acme = token({"acme", "editor"});
    globex = token({"globex", "editor"});
  }

  std::string token(std::vector<std::string> args) {
    args.insert(args.begin(), {"token", "create"});
    RunResult r = run(signetutil_argv(d->dir.path(), args), "", 60);
    EXPECT_EQ(r.status, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }

  std::unique_ptr<Signetd> start() {
    auto api = std::make_unique<Signetd>(
        d->dir.path(),
        SignetdOptions{.settings = {{"signet-alert-webhook", rx.url("/operator")},
                                    {"signet-alert-command", "/bin/sleep 30"},
                                    {"signet-alert-timeout", "1"},
                                    {"signet-alert-interval", "1"},
                                    {"signet-alert-attempts", "3"},
                                    // the tenants' receivers are on loopback
                                    {"signet-alert-tenant-webhook-allow", "127.0.0.0/8"}}});
    api->start();
    return api;
  }

  // Every audit entry of `kind`, as the operator's API shows them.
  std::vector<Json> audit(Signetd& api, const std::string& kind) {
    SignetdReply r = api.request("GET", "/api/v1/signet/audit?limit=1000", op);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<Json> out;
    Json page = r.json();  // kept: a loop over a temporary's member would dangle
    for (const auto& e : page["entries"]) {
      if (e["kind"] == kind)
        out.push_back(e);
    }
    return out;
  }

  // The zones named by the alerts delivered to `path`, in order, with their events.
  std::vector<std::string> events(const std::string& path) {
    std::vector<std::string> out;
    for (const auto& r : rx.delivered(path))
      out.push_back(r.json()["zone"].get<std::string>() + " " +
                    r.json()["event"].get<std::string>());
    std::sort(out.begin(), out.end());
    return out;
  }

  TempDir keydir;
  std::unique_ptr<SignetDir> d;
  WebhookReceiver rx;
  std::string op, acme, globex;
  const std::vector<std::pair<std::string, std::string>> zones = {{"acme", "acme.example."},
                                                                  {"globex", "globex.example."}};
};

}  // namespace

TEST_F(AlertsTest, ACriticalZoneAlertsOnceToEachWebhookAndOnceResolvedAfterTheFix) {
  rx.fail_next("/operator", 1, 500);
  auto api = start();
  // Every zone is ok (unsigned). Each tenant sets its own webhook; the other cannot read or
  // replace it.
  for (const auto& [tok, path] : {std::pair{acme, "/acme"}, std::pair{globex, "/globex"}}) {
    SignetdReply r = api->request("PUT", "/api/v1/signet/alerts/webhook", tok,
                                  R"({"url": ")" + rx.url(path) + "\"}");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  EXPECT_EQ(api->request("GET", "/api/v1/signet/alerts/webhook?tenant=acme", globex).status, 404);
  EXPECT_EQ(api->request("PUT", "/api/v1/signet/alerts/webhook?tenant=acme", globex,
                         R"({"url": ")" + rx.url("/stolen") + "\"}")
                .status,
            404);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_TRUE(rx.received().empty());

  // The break: both zones secured under the short policy.
  for (const auto& [tenant, zone] : zones)
    d->signetutil_ok({"secure-zone", zone, "short"});
  ASSERT_TRUE(rx.wait_delivered("/operator", 2, kWait)) << api->log();
  ASSERT_TRUE(rx.wait_delivered("/acme", 1, kWait));
  ASSERT_TRUE(rx.wait_delivered("/globex", 1, kWait));
  // Several more intervals: nothing is sent again.
  std::this_thread::sleep_for(std::chrono::seconds(4));
  EXPECT_EQ(events("/operator"),
            (std::vector<std::string>{"acme.example. critical", "globex.example. critical"}));
  EXPECT_EQ(events("/acme"), std::vector<std::string>{"acme.example. critical"});
  EXPECT_EQ(events("/globex"), std::vector<std::string>{"globex.example. critical"});
  EXPECT_TRUE(rx.received("/stolen").empty());
  // The first POST got a 500 and was tried again with the same document.
  auto operator_posts = rx.received("/operator");
  ASSERT_EQ(operator_posts.size(), 3u);
  EXPECT_EQ(operator_posts[0].answered, 500);
  EXPECT_EQ(operator_posts[0].body, operator_posts[1].body);
  Json alert = operator_posts[1].json();
  EXPECT_EQ(alert["status"], "critical");
  EXPECT_EQ(alert["previous_status"], "ok");
  EXPECT_EQ(alert["conditions"], Json::array({"signatures-expiring"}));
  EXPECT_NE(alert["reasons"].dump().find("signatures expire in"), std::string::npos)
      << alert.dump();
  EXPECT_FALSE(alert["id"].get<std::string>().empty());

  // Audited: sent (the retried one with 2 attempts), and the command killed at its timeout.
  auto sent = audit(*api, "alert-sent");
  EXPECT_EQ(sent.size(), 4u);  // two zones x (operator webhook, tenant webhook)
  bool retried = false;
  for (const auto& e : sent)
    retried = retried || e["detail"]["attempts"] == 2;
  EXPECT_TRUE(retried);
  auto failed = audit(*api, "alert-failed");
  ASSERT_EQ(failed.size(), 2u);
  for (const auto& e : failed) {
    EXPECT_EQ(e["detail"]["transport"], "command") << e.dump();
    EXPECT_EQ(e["detail"]["target"], "sleep") << e.dump();
    EXPECT_NE(e["detail"]["error"].get<std::string>().find("timed out"), std::string::npos);
  }

  // The fix: the default policy, and the signatures made again under it.
  for (const auto& [tenant, zone] : zones) {
    d->signetutil_ok({"set-policy", zone, "default"});
    d->signetutil_ok({"refresh", zone});
  }
  ASSERT_TRUE(rx.wait_delivered("/operator", 4, kWait)) << api->log();
  ASSERT_TRUE(rx.wait_delivered("/acme", 2, kWait));
  ASSERT_TRUE(rx.wait_delivered("/globex", 2, kWait));
  std::this_thread::sleep_for(std::chrono::seconds(4));
  EXPECT_EQ(events("/operator"),
            (std::vector<std::string>{"acme.example. critical", "acme.example. resolved",
                                      "globex.example. critical", "globex.example. resolved"}));
  EXPECT_EQ(events("/acme"),
            (std::vector<std::string>{"acme.example. critical", "acme.example. resolved"}));
  EXPECT_EQ(events("/globex"),
            (std::vector<std::string>{"globex.example. critical", "globex.example. resolved"}));
  Json resolved = rx.delivered("/acme").back().json();
  EXPECT_EQ(resolved["event"], "resolved");
  EXPECT_EQ(resolved["status"], "ok");
  EXPECT_EQ(resolved["previous_status"], "critical");
  EXPECT_EQ(resolved["tenant"], "acme");
  EXPECT_EQ(api->stop(), 0);
}
