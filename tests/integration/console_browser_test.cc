// SPDX-License-Identifier: GPL-2.0-or-later
//
// The web console in a real browser (issue 10 item 3): Debian's headless Chromium, driven through
// chromedriver (tests/support/webdriver.hh), against a running signetd on one store with two
// tenants (acme and globex). The overview, a zone page and the audit view are checked for an
// operator token (every tenant's zones) and for acme's tokens (nothing of globex anywhere in the
// page); an acme viewer sees no Approve button, an acme approver clicks it and the step is
// applied in the store. Screenshots of each page go to <build>/test-artifacts/console/.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "tests/support/process.hh"
#include "tests/support/signet_dir.hh"
#include "tests/support/signetd.hh"
#include "tests/support/tools.hh"
#include "tests/support/webdriver.hh"

using signet::Json;
using signet::test::artifacts_dir;
using signet::test::Browser;
using signet::test::PdnsServerOptions;
using signet::test::run;
using signet::test::RunResult;
using signet::test::Signetd;
using signet::test::SignetDir;
using signet::test::signetutil_argv;
using signet::test::TempDir;
using signet::test::write_file;

namespace {

// A global policy that asks before each rollover step; its parent is a closed loopback port.
const char* kPolicies =
    "policies:\n"
    "  - name: careful\n"
    "    keys: ksk-zsk\n"
    "    dnskey-ttl: 60\n"
    "    propagation-delay: 60\n"
    "    max-zone-ttl: 300\n"
    "    parent-nameservers: [\"127.0.0.1:9\"]\n"
    "    approval: manual\n";

std::string zone_text(const std::string& apex) {
  return "$ORIGIN " + apex +
         "\n$TTL 300\n"
         "@ SOA ns1 hostmaster 1 3600 600 86400 300\n"
         "@ NS ns1\n"
         "ns1 A 192.0.2.1\n"
         "www A 192.0.2.10\n";
}

class ConsoleBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    SIGNET_REQUIRE_TOOLS("chromium", "chromedriver");
    PdnsServerOptions o;
    o.settings["signet-master-key-file"] = keydir.file("master.key");
    d = std::make_unique<SignetDir>(o);
    d->signetutil_ok({"generate-master-key"});
    write_file(d->dir.file("policies.yaml"), kPolicies);
    d->signetutil_ok({"policy", "import", d->dir.file("policies.yaml")});
    for (const auto& [tenant, zones] :
         std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"acme", {"acme.example.", "acme-plain.example."}},
             {"globex", {"globex.example.", "globex-secret.example."}}}) {
      d->signetutil_ok({"create-tenant", tenant});
      for (const auto& zone : zones) {
        std::string file = d->dir.file(zone + "zone");
        write_file(file, zone_text(zone));
        d->signetutil_ok({"load-zone", tenant, zone, file});
      }
    }
    d->signetutil_ok({"secure-zone", "globex.example."});
    op = token({"--operator"});
    viewer = token({"acme", "viewer"});
    editor = token({"acme", "editor"});
    approver = token({"acme", "approver"});
    api = std::make_unique<Signetd>(d->dir.path());
    api->start();
    // acme.example. under the manual policy, with a ZSK rollover step waiting for an approver.
    auto r = api->request("POST", "/api/v1/signet/zones/acme.example./secure", editor,
                          R"({"policy": "careful"})");
    ASSERT_EQ(r.status, 200) << r.body;
    r = api->request("POST", "/api/v1/signet/zones/acme.example./rollover", editor,
                     R"({"kind": "zsk"})");
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_TRUE(r.json()["awaiting_approval"].get<bool>()) << r.body;
    browser = std::make_unique<Browser>();
    shots = artifacts_dir("console");
  }

  std::string token(std::vector<std::string> args) {
    args.insert(args.begin(), {"token", "create"});
    RunResult r = run(signetutil_argv(d->dir.path(), args), "", 60);
    EXPECT_EQ(r.status, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }

  // Opens the console and signs in with `key` (signing out a previous token first).
  void sign_in(const std::string& key) {
    browser->navigate(api->url() + "/");
    browser->wait_until([&] {
      return !browser->find_all("#signin:not([hidden])").empty() ||
             !browser->find_all("#nav:not([hidden])").empty();
    });
    if (!browser->find_all("#nav:not([hidden])").empty())
      browser->click("#signout");
    browser->wait_for("#signin:not([hidden])");
    browser->type("#token", key);
    browser->click("#signin-button");
    browser->wait_for("#nav:not([hidden])");
    loaded("#/");
  }

  // Goes to a console page (a location hash) and waits until it has rendered.
  void go(const std::string& hash) {
    browser->execute(
        "document.getElementById('page').removeAttribute('data-loaded'); location.hash = "
        "arguments[0];",
        Json::array({hash}));
    loaded(hash);
  }

  void loaded(const std::string& hash) {
    bool ok = browser->wait_until([&] {
      Json v =
          browser->execute("return document.getElementById('page').getAttribute('data-loaded');");
      return v.is_string() && v.get<std::string>() == hash;
    });
    ASSERT_TRUE(ok) << hash << ": " << browser->text("body");
    EXPECT_EQ(browser->text("#error"), "") << hash;
  }

  std::string page_text() { return browser->text("body"); }

  void shot(const std::string& name) { browser->screenshot(shots + "/" + name + ".png"); }

  TempDir keydir;
  std::unique_ptr<SignetDir> d;
  std::unique_ptr<Signetd> api;
  std::unique_ptr<Browser> browser;
  std::string op, viewer, editor, approver, shots;
};

}  // namespace

TEST_F(ConsoleBrowser, AnOperatorSeesEveryTenantOnTheOverviewZoneAndAuditPages) {
  sign_in(op);
  EXPECT_NE(browser->text("#who").find("operator"), std::string::npos);
  std::string counts = browser->text("#counts");
  EXPECT_NE(counts.find("4\nzones"), std::string::npos) << counts;
  EXPECT_NE(counts.find("2\nsecured"), std::string::npos) << counts;
  // acme.example.'s step awaiting approval needs a human and is a rollover waiting for approval.
  std::string needs = browser->text("#needs-human");
  EXPECT_NE(needs.find("acme.example."), std::string::npos) << needs;
  EXPECT_NE(needs.find("awaits approval"), std::string::npos) << needs;
  std::string rollovers = browser->text("#rollovers");
  EXPECT_NE(rollovers.find("acme.example."), std::string::npos) << rollovers;
  EXPECT_NE(rollovers.find("approval"), std::string::npos) << rollovers;
  EXPECT_FALSE(browser->find_all("#expiry-chart rect.bar").empty());
  EXPECT_NE(browser->text("#ds-mismatches").find("none"), std::string::npos);
  EXPECT_NE(browser->text("#monitor-failures").find("none"), std::string::npos);
  shot("overview-operator");

  // A zone link leads to the zone page.
  browser->click("#rollovers a.zone-link");
  loaded("#/zone/acme.example.");
  EXPECT_EQ(browser->text("#zone-title"), "acme.example.");
  EXPECT_EQ(browser->find_all("#key-timeline rect").size() >= 2, true);
  EXPECT_NE(browser->text("#keys-table").find("zsk"), std::string::npos);
  EXPECT_NE(browser->text("#expiry-text").find("Earliest signature expiry"), std::string::npos);
  EXPECT_NE(browser->text("#ds").find("Expected"), std::string::npos);
  EXPECT_FALSE(browser->text("#cds-state").empty());
  EXPECT_NE(browser->text("#zone-audit").find("rollover-proposed"), std::string::npos);
  // The monitor's endpoint answers 404 until the monitor has results.
  SCOPED_TRACE(browser->text("#monitor"));
  auto monitor = api->request("GET", "/api/v1/signet/zones/acme.example./monitor", op);
  if (monitor.status == 404)
    EXPECT_EQ(browser->text("#monitor-none"), "no monitor results yet");
  // An operator token may approve (operator role): the button is there and enabled.
  ASSERT_EQ(browser->find_all("button.approve").size(), 1u);
  EXPECT_FALSE(browser->attribute(browser->find("button.approve"), "disabled").has_value());
  shot("zone-operator");

  go("#/audit");
  EXPECT_NE(browser->text("#chain-verdict").find("Chain intact"), std::string::npos);
  std::string all = browser->text("#audit-table");
  EXPECT_NE(all.find("acme.example."), std::string::npos);
  EXPECT_NE(all.find("globex.example."), std::string::npos);
  shot("audit-operator");
  // Filtered by zone: globex.example.'s entries only.
  browser->type("#audit-zone", "globex.example.");
  browser->click("#audit-apply");
  loaded("#/audit?zone=globex.example.");
  std::string filtered = browser->text("#audit-table");
  EXPECT_NE(filtered.find("globex.example."), std::string::npos);
  EXPECT_EQ(filtered.find("acme"), std::string::npos) << filtered;
  // Filtered by date: nothing happened before yesterday.
  go("#/audit?to=2020-01-01");
  EXPECT_NE(browser->text("#audit-entries").find("no entries"), std::string::npos);
}

TEST_F(ConsoleBrowser, ATenantTokenShowsNothingOfAnotherTenant) {
  sign_in(viewer);
  EXPECT_NE(browser->text("#who").find("tenant acme (viewer)"), std::string::npos);
  auto no_globex = [&](const std::string& where) {
    std::string source = browser->source();
    EXPECT_EQ(source.find("globex"), std::string::npos) << where;
    EXPECT_EQ(page_text().find("globex"), std::string::npos) << where;
  };
  std::string counts = browser->text("#counts");
  EXPECT_NE(counts.find("2\nzones"), std::string::npos) << counts;
  EXPECT_NE(browser->text("#needs-human").find("acme.example."), std::string::npos);
  no_globex("overview");
  shot("overview-tenant");

  go("#/zone/acme.example.");
  EXPECT_EQ(browser->text("#zone-title"), "acme.example.");
  // A viewer sees the step but no Approve button.
  EXPECT_NE(browser->text("#pending-table").find("an approver token can approve"),
            std::string::npos);
  EXPECT_TRUE(browser->find_all("button.approve").empty());
  no_globex("zone page");
  shot("zone-tenant-viewer");

  go("#/audit");
  EXPECT_NE(browser->text("#chain-verdict").find("Chain intact"), std::string::npos);
  EXPECT_NE(browser->text("#audit-table").find("acme.example."), std::string::npos);
  no_globex("audit");
  shot("audit-tenant");

  // Another tenant's zone page is refused as an absent zone, and shows none of its data.
  browser->execute("location.hash = arguments[0];", Json::array({"#/zone/globex.example."}));
  ASSERT_TRUE(browser->wait_until([&] { return !browser->text("#error").empty(); }));
  EXPECT_NE(browser->text("#error").find("Could not find"), std::string::npos);
  EXPECT_TRUE(browser->find_all("#keys").empty());
}

TEST_F(ConsoleBrowser, AnApproverClicksApproveAndTheStepIsApplied) {
  auto pending = [&] {
    auto r = api->request("GET", "/api/v1/signet/zones/acme.example./pending", op);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["pending"].size();
  };
  ASSERT_EQ(pending(), 1u);
  sign_in(approver);
  go("#/zone/acme.example.");
  std::string keys_before = browser->text("#keys-table");
  ASSERT_EQ(browser->find_all("button.approve").size(), 1u);
  shot("zone-approver-before");
  browser->click("button.approve");
  ASSERT_TRUE(browser->wait_until([&] {
    auto m = browser->text_if("#zone-message");
    return m && !m->empty();
  })) << page_text();
  EXPECT_EQ(browser->text("#zone-message").rfind("approved: ", 0), 0u)
      << browser->text("#zone-message");
  shot("zone-approver-after");
  // In the store: nothing awaits approval, the approval is the approver's, a third key exists.
  EXPECT_EQ(pending(), 0u);
  auto audit = api->request("GET", "/api/v1/signet/audit?zone=acme.example.&limit=1000", op);
  ASSERT_EQ(audit.status, 200);
  int approvals = 0;
  std::string kinds;
  Json entries = audit.json()["entries"];
  for (const auto& e : entries) {
    kinds += e["kind"].get<std::string>() + " ";
    if (e["kind"] == "rollover-approved") {
      ++approvals;
      EXPECT_EQ(e["actor"].get<std::string>().rfind("token:", 0), 0u);
    }
  }
  EXPECT_EQ(approvals, 1) << kinds;
  auto state = api->request("GET", "/api/v1/signet/zones/acme.example./dnssec", op);
  EXPECT_EQ(state.json()["keys"].size(), 3u) << state.body;
  EXPECT_TRUE(browser->find_all("button.approve").empty());
  EXPECT_NE(browser->text("#pending-table").find("nothing awaits approval"), std::string::npos);
}

// The overview of a big portfolio renders in under 2 s, its API call included (the page's own
// measure: from the hash change to the rendered page). 10,000 zones here;
// SIGNET_CONSOLE_ZONES=100000 for the figure in BENCHMARKS.md.
TEST_F(ConsoleBrowser, TheOverviewOfTenThousandZonesRendersInUnderTwoSeconds) {
  long n = 10'000;
  if (const char* z = getenv("SIGNET_CONSOLE_ZONES"))
    n = std::stol(z);
  std::string batch = "create-tenant bulk\n";
  for (long i = 0; i < n; ++i) {
    std::string apex = "z" + std::to_string(i) + ".bulk.example.";
    batch += "create-zone bulk " + apex + " ns1." + apex + "\n";
  }
  write_file(d->dir.file("bulk.batch"), batch);
  d->signetutil_ok({"batch", d->dir.file("bulk.batch")});
  sign_in(op);
  long best = 0;
  for (int i = 0; i < 3; ++i) {
    go("#/audit?zone=acme.example.");
    go("#/");
    long ms = std::stol(browser
                            ->execute("return document.getElementById('page')"
                                      ".getAttribute('data-render-ms');")
                            .get<std::string>());
    best = i == 0 ? ms : std::min(best, ms);
    std::cout << "overview of " << n + 4 << " zones rendered in " << ms << " ms\n";
  }
  EXPECT_NE(browser->text("#counts").find(std::to_string(n + 4) + "\nzones"), std::string::npos)
      << browser->text("#counts");
  EXPECT_NE(browser->text("#needs-human").find("acme.example."), std::string::npos);
  EXPECT_LT(best, 2000);
  shot("overview-operator-bulk");
}

// The zone page renders the monitor's document as the issue 10 contract defines it (here served
// by a stand-in for fetch in the page, so the page is tested whether or not the monitor's
// endpoint is built), and whatever a document holds goes into the page as text: markup in a
// resolver's detail stays visible characters, never elements.
TEST_F(ConsoleBrowser, TheZonePageShowsTheMonitorsResolversParentServersAndHistoryAsText) {
  sign_in(viewer);
  Json monitor = {
      {"zone", "acme.example."},
      {"status", "bogus"},
      {"checked_at", "2026-12-02T07:00:00Z"},
      {"resolvers", Json::array({{{"resolver", "embedded"},
                                  {"state", "secure"},
                                  {"ede", nullptr},
                                  {"ede_text", nullptr},
                                  {"latency_ms", 12},
                                  {"at", "2026-12-02T07:00:00Z"},
                                  {"detail", "SOA secure"}},
                                 {{"resolver", "127.0.0.1:5353"},
                                  {"state", "bogus"},
                                  {"ede", 9},
                                  {"ede_text", "DNSKEY Missing"},
                                  {"latency_ms", 30},
                                  {"at", "2026-12-02T07:00:01Z"},
                                  {"detail", "<img id=injected src=x onerror=alert(1)>"}}})},
      {"parent_ds",
       {{"state", "mismatch"},
        {"servers", Json::array({{{"server", "127.0.0.1:53"},
                                  {"state", "mismatch"},
                                  {"ds", Json::array({"12345 13 2 ABCD"})}}})}}},
      {"history", Json::array({{{"at", "2026-12-02T07:00:01Z"},
                                {"resolver", "127.0.0.1:5353"},
                                {"state", "bogus"},
                                {"ede", 9},
                                {"ede_text", "DNSKEY Missing"}},
                               {{"at", "2026-12-01T07:00:01Z"},
                                {"resolver", "127.0.0.1:5353"},
                                {"state", "secure"},
                                {"ede", nullptr},
                                {"ede_text", nullptr}}})}};
  browser->execute(
      "const doc = arguments[0]; const real = window.fetch;"
      "window.fetch = (url, opts) => String(url).endsWith('/monitor') ?"
      "  Promise.resolve(new Response(JSON.stringify(doc), {status: 200,"
      "    headers: {'Content-Type': 'application/json'}})) : real(url, opts);",
      Json::array({monitor}));
  go("#/zone/acme.example.");
  std::string resolvers = browser->text("#monitor-resolvers");
  EXPECT_NE(resolvers.find("127.0.0.1:5353"), std::string::npos) << resolvers;
  EXPECT_NE(resolvers.find("9 DNSKEY Missing"), std::string::npos) << resolvers;
  EXPECT_NE(resolvers.find("<img id=injected"), std::string::npos) << resolvers;
  EXPECT_TRUE(browser->find_all("#injected").empty());
  EXPECT_TRUE(browser->find_all("#monitor img").empty());
  EXPECT_NE(browser->text("#monitor").find("bogus"), std::string::npos);
  std::string history = browser->text("#monitor-history");
  EXPECT_NE(history.find("2026-12-01T07:00:01Z"), std::string::npos) << history;
  std::string servers = browser->text("#ds-servers");
  EXPECT_NE(servers.find("127.0.0.1:53"), std::string::npos) << servers;
  EXPECT_NE(servers.find("12345 13 2 ABCD"), std::string::npos) << servers;
  EXPECT_TRUE(browser->find_all("#monitor-none").empty());
  shot("zone-monitor");
}
