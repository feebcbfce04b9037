// SPDX-License-Identifier: GPL-2.0-or-later
//
// The incident drill (issue 10 item 5): a secured zone broken on purpose, twice, watched by the
// whole portfolio console — the validation monitor asking a real validating resolver, the alerts
// posting to a webhook, the web console in a real browser, and the evidence pack of the period.
//
//   parent   pdns_server + Signet serving example. (secured; Unbound's trust anchor), with the
//            delegation child.example. and its DS;
//   child    pdns_server + Signet serving child.example. (secured), and signetd on its store:
//            monitor (every 2 s, resolver: the Unbound below) and alerts (every 1 s, webhook:
//            a receiver in this test);
//   Unbound  validating, trusting example.'s DS, RFC 8914 EDE on, caches of a second or two.
//
// Incident 1: the parent's DS is replaced by one that matches no key of the child. Incident 2:
// the resolver validates at a date past the child's signatures' expiration (val-override-date:
// a clock offset on the validator's side). Each time: the monitor sees bogus with the resolver's
// EDE within one interval, health is critical naming the resolver, exactly one alert reaches the
// webhook, and the console lists the zone first under "needs a human today"; after the fix the
// zone is ok again and one "resolved" alert follows. The evidence pack of the period shows both
// incidents and verifies offline.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "evidence/archive.hh"
#include "signer/json.hh"
#include "tests/support/drill_site.hh"
#include "tests/support/process.hh"
#include "tests/support/signetd.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/tools.hh"
#include "tests/support/unbound.hh"
#include "tests/support/webdriver.hh"
#include "tests/support/webhook_receiver.hh"

using namespace signet;
using namespace signet::test;
using namespace std::chrono_literals;

namespace {

const char* const kParent = "example.";
const char* const kChild = "child.example.";
const char* const kHook = "/hook";

// Caches short enough that a change at the parent is seen within a monitor interval, bogus
// answers not kept for a minute (val-bogus-ttl), and the resolver's reason in every SERVFAIL.
const std::vector<std::string> kResolverLines = {"ede: yes", "cache-max-ttl: 1",
                                                 "cache-max-negative-ttl: 1", "val-bogus-ttl: 1"};

// Unbound's val-override-date ("YYYYMMDDHHMMSS") `days` from now.
std::string validation_date(int days) {
  std::time_t t = std::time(nullptr) + days * 86400;
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", std::gmtime(&t));
  return buf;
}

class IncidentDrill : public ::testing::Test {
 protected:
  void SetUp() override {
    SIGNET_REQUIRE_TOOLS("unbound", "dig", "chromium", "chromedriver");
    // The parent first: the child's policy names its port.
    make_secured_parent(parent, kParent,
                        "$ORIGIN example.\n$TTL 1\n"
                        "@ SOA ns.example. hostmaster.example. 1 60 60 600 1\n"
                        "@ NS ns\nns A 127.0.0.1\n"
                        "child NS ns.child\nns.child A 127.0.0.1\n");
    child.ok({"generate-master-key"});
    child.ok({"create-tenant", "acme"});
    write_file(child.dir.file("child.zone"),
               "$ORIGIN child.example.\n$TTL 1\n"
               "@ SOA ns.child.example. hostmaster.child.example. 1 60 60 600 1\n"
               "@ NS ns\nns A 127.0.0.1\nwww A 192.0.2.80\n");
    child.ok({"load-zone", "acme", kChild, child.dir.file("child.zone")});
    write_file(child.dir.file("drill.yaml"),
               "policies:\n"
               "  - name: drill\n"
               "    algorithm: ecdsap256sha256\n"
               "    keys: ksk-zsk\n"
               "    parent-nameservers: [\"127.0.0.1:" +
                   std::to_string(parent.server.port()) +
                   "\"]\n"
                   "    parent-check-interval: 1s\n");
    child.ok({"policy", "import", child.dir.file("drill.yaml")});
    child.ok({"secure-zone", kChild, "drill"});
    good_ds = child.ds_rdata(kChild);
    ASSERT_FALSE(good_ds.empty());
    set_parent_ds(good_ds);
    parent.server.start();
    child.server.start();
    unbound = std::make_unique<Unbound>(
        parent.dir.file("unbound"),
        UnboundOptions{std::string(kParent) + " DS " + parent.ds_rdata(kParent).front(),
                       {{kParent, parent.server.port()}, {kChild, child.server.port()}},
                       kResolverLines});
    resolver = "127.0.0.1:" + std::to_string(unbound->port());
    operator_token = child.ok({"token", "create", "--operator"});
    operator_token.erase(operator_token.find_last_not_of('\n') + 1);
    public_key = child.ok({"evidence-key"});
    public_key.erase(public_key.find_last_not_of('\n') + 1);
    api = std::make_unique<Signetd>(
        child.dir.path(), SignetdOptions{.settings = {{"signet-monitor-resolvers", resolver},
                                                      {"signet-monitor-interval", "2"},
                                                      {"signet-alert-webhook", hook.url(kHook)},
                                                      {"signet-alert-interval", "1"}}});
    api->start();
  }

  void set_parent_ds(const std::vector<std::string>& rdata) {
    std::vector<std::string> args = {"replace-rrset", kParent, kChild, "DS", "1"};
    args.insert(args.end(), rdata.begin(), rdata.end());
    parent.ok(args);
  }

  // A DS that matches no key of the child: its first DS with the digest's last nibble changed.
  std::vector<std::string> wrong_ds() const {
    std::string w = good_ds.front();
    w.back() = w.back() == '0' ? '1' : '0';
    return {w};
  }

  Json monitor_doc() {
    return api
        ->request("GET", std::string("/api/v1/signet/zones/") + kChild + "/monitor", operator_token)
        .json();
  }

  // Polls the monitor's document until `ready` holds (or `timeout`); the last document.
  Json wait_monitor(const std::function<bool(const Json&)>& ready, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    Json doc;
    while (std::chrono::steady_clock::now() < deadline) {
      doc = monitor_doc();
      if (!doc.is_discarded() && ready(doc))
        return doc;
      std::this_thread::sleep_for(250ms);
    }
    ADD_FAILURE() << "the monitor did not get there within " << timeout.count()
                  << " s; last document:\n"
                  << doc.dump(2);
    return doc;
  }
  static bool resolver_state(const Json& doc, const std::string& state) {
    return doc.contains("resolvers") && !doc["resolvers"].empty() &&
           doc["resolvers"][0].value("state", "") == state;
  }

  Json health() {
    Json h = Json::parse(child.util({"health", kChild}, true).out, nullptr, false);
    EXPECT_FALSE(h.is_discarded());
    return h.is_discarded() || h["zones"].empty() ? Json::object() : h["zones"][0];
  }

  // The alerts delivered about the child, in order.
  std::vector<Json> alerts() {
    std::vector<Json> out;
    for (const auto& r : hook.delivered(kHook))
      if (Json a = r.json(); !a.is_discarded() && a.value("zone", "") == kChild)
        out.push_back(a);
    return out;
  }
  std::vector<Json> wait_alerts(size_t n, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (alerts().size() < n && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(200ms);
    return alerts();
  }
  static std::string events(const std::vector<Json>& as) {
    std::string s;
    for (const auto& a : as)
      s += a.value("event", "?") + " ";
    return s;
  }

  // The console's overview in a real browser, signed in as the operator: the "needs a human
  // today" table's text, and a screenshot.
  std::string needs_a_human(const std::string& screenshot) {
    Browser b;
    b.navigate(api->url() + "/");
    b.wait_for("#signin:not([hidden])");
    b.type("#token", operator_token);
    b.click("#signin-button");
    b.wait_for("#needs-human");
    std::string text = b.text("#needs-human");
    b.screenshot(artifacts_dir("incident-drill") + "/" + screenshot);
    return text;
  }

  // The first incident resolves like this: the zone secure again at the resolver, health ok,
  // and the last alert "resolved".
  void expect_resolved(size_t alerts_before, const std::string& phase) {
    wait_monitor([](const Json& d) { return resolver_state(d, "secure"); }, 20s);
    std::vector<Json> as = wait_alerts(alerts_before + 1, 20s);
    ASSERT_EQ(as.size(), alerts_before + 1) << phase << ": alerts " << events(as);
    EXPECT_EQ(as.back().value("event", ""), "resolved") << as.back().dump();
    EXPECT_EQ(health().value("status", ""), "ok") << phase << ": " << health().dump();
  }

  // A new incident: bogus at the resolver with `ede`, health critical naming the resolver,
  // exactly one alert (critical), the zone first in the console's list.
  void expect_incident(size_t alerts_before, int ede, const std::string& phase) {
    auto t0 = std::chrono::steady_clock::now();
    Json doc = wait_monitor([](const Json& d) { return resolver_state(d, "bogus"); }, 15s);
    auto seen =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0);
    EXPECT_LE(seen.count(), 2 + 4) << phase << ": bogus seen after more than one interval";
    EXPECT_EQ(doc["resolvers"][0]["ede"], ede) << phase << ": " << doc.dump(2);
    Json h = health();
    EXPECT_EQ(h.value("status", ""), "critical") << phase << ": " << h.dump();
    std::string reasons = h.contains("reasons") ? h["reasons"].dump() : "";
    EXPECT_NE(reasons.find("bogus at " + resolver + " (EDE " + std::to_string(ede)),
              std::string::npos)
        << phase << ": " << reasons;
    std::vector<Json> as = wait_alerts(alerts_before + 1, 20s);
    std::this_thread::sleep_for(3s);  // nothing more may follow while it stays broken
    as = alerts();
    ASSERT_EQ(as.size(), alerts_before + 1) << phase << ": alerts " << events(as);
    EXPECT_EQ(as.back().value("event", ""), "critical") << as.back().dump();
    std::string needs = needs_a_human(phase + ".png");
    auto line = needs.find('\n', needs.find('\n') + 1);  // after the header row
    EXPECT_NE(needs.substr(0, line == std::string::npos ? needs.size() : line).find(kChild),
              std::string::npos)
        << phase << ": the zone is not first under \"needs a human today\":\n"
        << needs;
  }

  Site parent, child;
  WebhookReceiver hook;
  std::unique_ptr<Unbound> unbound;
  std::unique_ptr<Signetd> api;
  std::vector<std::string> good_ds;
  std::string resolver, operator_token, public_key;
};

TEST_F(IncidentDrill, ABrokenDsAndExpiredSignaturesAreSeenAlertedOnceShownAndKeptAsEvidence) {
  const std::time_t start = std::time(nullptr) - 60;
  // ---- all well: secure at the resolver, nothing to alert
  wait_monitor([](const Json& d) { return resolver_state(d, "secure"); }, 20s);
  std::this_thread::sleep_for(2s);
  ASSERT_TRUE(alerts().empty()) << events(alerts());

  // ---- incident 1: the parent serves a DS that matches no key of the child
  set_parent_ds(wrong_ds());
  expect_incident(0, 9, "parent-ds-matches-no-key");  // RFC 8914: 9 DNSKEY Missing
  set_parent_ds(good_ds);
  expect_resolved(1, "parent-ds-fixed");

  // ---- incident 2: the validator's clock is past the signatures' expiration
  std::vector<std::string> late = kResolverLines;
  late.push_back("val-override-date: \"" + validation_date(60) + "\"");
  unbound->restart_with(late);
  ASSERT_EQ("127.0.0.1:" + std::to_string(unbound->port()), resolver) << "Unbound moved";
  expect_incident(2, 7, "signatures-expired");  // RFC 8914: 7 Signature Expired
  unbound->restart_with(kResolverLines);
  expect_resolved(3, "clock-fixed");

  // ---- the evidence pack of the period holds both incidents, resolved, and verifies offline
  std::string pack = child.dir.file("drill.tar.gz");
  child.ok({"evidence", kChild, "--from", std::to_string(start), "-o", pack});
  RunResult v = run({signetutil_path(), "evidence-verify", pack, "--key", public_key}, "", 60);
  EXPECT_EQ(v.status, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("INTACT"), std::string::npos) << v.out;
  Json ev;
  for (const auto& f : evidence::read_tar_gz(read_file(pack)))
    if (f.name == "evidence.json")
      ev = Json::parse(f.content, nullptr, false);
  ASSERT_TRUE(ev.is_object());
  ASSERT_FALSE(ev["zones"].empty());
  const Json& incidents = ev["zones"][0]["monitor"]["incidents"];
  size_t validation = 0;
  for (const auto& i : incidents) {
    if (i.value("kind", "") != "validation")
      continue;
    ++validation;
    EXPECT_FALSE(i["resolved_at"].is_null()) << i.dump();
  }
  EXPECT_EQ(validation, 2u) << incidents.dump(2);
}

}  // namespace
