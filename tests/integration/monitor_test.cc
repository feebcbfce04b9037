// SPDX-License-Identifier: GPL-2.0-or-later
//
// The validation monitor against real resolvers (issue 10 item 1): pdns_server serves a zone
// Signet secured, a validating Unbound on loopback (stub zone to pdns, the zone's DS as its only
// trust anchor, RFC 8914 EDE on) is the configured resolver, and
//
//  * `signetutil monitor --check` finds the zone secure (AD) at it;
//  * with a resolver whose anchor is a DS that matches none of the zone's keys — what validators
//    see when the parent serves a wrong DS — the zone is bogus there, with the resolver's EDE;
//    health goes critical naming the resolver and the EDE; the change is audited;
//    `signetutil monitor --json` and signetd's GET .../monitor show it (another tenant: 404);
//  * a resolver that is gone is unreachable (a warning in health);
//  * signetd's background loop checks the zone on its own within an interval;
//  * with no resolver configured, the embedded validator (libunbound) is asked instead: secure
//    from the zone's DS as its trust anchor, bogus from a wrong one, with libunbound's reason,
//    and unreachable when its root (a closed loopback port here) does not answer.
//
// Everything listens on 127.0.0.1; Unbound's root is a closed loopback port; parent discovery
// asks 127.0.0.1:9 (nothing answers). Every process is stopped when the test ends.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "signer/json.hh"
#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/signet_dir.hh"
#include "tests/support/signetd.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/tools.hh"
#include "tests/support/unbound.hh"

using namespace signet::test;
using signet::Json;

namespace {

const char* const kZone = "example.com";

class MonitorIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    PdnsServerOptions o;
    o.zone_cache = false;
    o.settings["signet-master-key-file"] = keydir.file("master.key");
    d = std::make_unique<SignetDir>(o);
    d->signetutil_ok({"generate-master-key"});
    d->signetutil_ok({"create-tenant", "acme"});
    d->signetutil_ok({"create-tenant", "globex"});
    d->signetutil_ok({"load-zone", "acme", kZone, source_dir() + "/tests/data/dnssec.zone"});
    d->signetutil_ok({"secure-zone", kZone});
    std::string out = d->signetutil_ok({"export-ds", kZone});
    std::string line = out.substr(0, out.find('\n'));
    auto p = line.find("\tDS\t");
    ASSERT_NE(p, std::string::npos) << out;
    ds = line.substr(p + 4);
    d->server->start();
  }

  // A validating Unbound trusting `anchor_ds` for the zone, asking our pdns_server for it.
  std::unique_ptr<Unbound> resolver(const std::string& name, const std::string& anchor_ds) {
    return std::make_unique<Unbound>(
        d->dir.file(name),
        UnboundOptions{
            std::string(kZone) + ". DS " + anchor_ds, {{kZone, d->server->port()}}, {"ede: yes"}});
  }

  // signetutil reads the last signet-monitor-resolvers line of pdns.conf.
  void monitor_resolvers(const std::string& list) {
    std::ofstream(d->dir.file("pdns.conf"), std::ios::app)
        << "signet-monitor-resolvers=" << list << "\n";
  }

  // `signetutil monitor --check --json ZONE`: its exit status and document.
  std::pair<int, Json> check() {
    RunResult r = d->signetutil({"monitor", "--check", "--json", kZone});
    Json doc = Json::parse(r.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << r.out << r.err;
    return {r.status, doc};
  }

  std::string token(std::vector<std::string> args) {
    args.insert(args.begin(), {"token", "create"});
    RunResult r = run(signetutil_argv(d->dir.path(), args), "", 60);
    EXPECT_EQ(r.status, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }

  // A DS that matches no key of the zone: the same tag and algorithm, the digest's last nibble
  // changed.
  std::string wrong_ds() const {
    std::string w = ds;
    char& c = w.back();
    c = c == '0' ? '1' : '0';
    return w;
  }

  TempDir keydir;
  std::unique_ptr<SignetDir> d;
  std::string ds;
};

TEST_F(MonitorIntegration, ResolverSeesSecureThenBogusWithEdeAndHealthNamesIt) {
  auto good = resolver("unbound-good", ds);
  std::string good_addr = "127.0.0.1:" + std::to_string(good->port());
  monitor_resolvers(good_addr);

  auto [status, doc] = check();
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["zone"], "example.com.");
  EXPECT_EQ(doc["status"], "secure") << doc.dump(2) << good->log();
  ASSERT_EQ(doc["resolvers"].size(), 1u);
  EXPECT_EQ(doc["resolvers"][0]["resolver"], good_addr);
  EXPECT_EQ(doc["resolvers"][0]["state"], "secure");
  EXPECT_TRUE(doc["resolvers"][0]["ede"].is_null());
  EXPECT_FALSE(doc["checked_at"].is_null());
  // No parent is reachable from the test (discovery asks 127.0.0.1:9): said, not hidden.
  EXPECT_EQ(doc["parent_ds"]["state"], "unreachable");
  EXPECT_EQ(status, 1);
  RunResult healthy = d->signetutil({"health", kZone});
  EXPECT_EQ(healthy.out.find("bogus at"), std::string::npos) << healthy.out;

  // The anchor (what the parent vouches for) matches none of the zone's keys: bogus.
  auto bad = resolver("unbound-bad", wrong_ds());
  std::string bad_addr = "127.0.0.1:" + std::to_string(bad->port());
  monitor_resolvers(bad_addr);
  std::tie(status, doc) = check();
  EXPECT_EQ(status, 2) << doc.dump(2);
  EXPECT_EQ(doc["status"], "bogus") << doc.dump(2) << bad->log();
  ASSERT_EQ(doc["resolvers"].size(), 1u);
  Json r = doc["resolvers"][0];
  EXPECT_EQ(r["resolver"], bad_addr);
  EXPECT_EQ(r["state"], "bogus");
  ASSERT_TRUE(r["ede"].is_number()) << r.dump();  // Unbound with ede: yes says why
  EXPECT_EQ(r["ede"], 9) << r.dump();             // RFC 8914: DNSKEY Missing (none matches the DS)
  EXPECT_NE(r["detail"].get<std::string>().find("SERVFAIL"), std::string::npos) << r.dump();
  // History, newest first: the bogus check, then the secure one.
  ASSERT_GE(doc["history"].size(), 2u);
  EXPECT_EQ(doc["history"][0]["state"], "bogus");
  EXPECT_EQ(doc["history"][1]["state"], "secure");

  // Health: critical, naming the resolver and the EDE.
  RunResult health = d->signetutil({"health", kZone});
  EXPECT_EQ(health.status, 2) << health.out;
  EXPECT_NE(health.out.find("bogus at " + bad_addr + " (EDE 9"), std::string::npos) << health.out;
  RunResult metrics = d->signetutil({"metrics"});
  EXPECT_NE(metrics.out.find("signet_monitor_zones{state=\"bogus\"} 1"), std::string::npos)
      << metrics.out;

  // Audited: the new resolver went from unknown to bogus, with its EDE.
  RunResult audit = d->signetutil({"audit-log", "--json", kZone});
  Json entries = Json::parse(audit.out);
  int changes = 0;
  Json last;
  for (const auto& e : entries) {
    if (e["kind"] == "validation-changed") {
      ++changes;
      last = e["detail"];
    }
  }
  EXPECT_EQ(changes, 2);
  EXPECT_EQ(last["resolver"], bad_addr);
  EXPECT_EQ(last["to"], "bogus");
  EXPECT_EQ(last["ede"], 9);

  // Plain text for scripts: one line per finding.
  RunResult text = d->signetutil({"monitor", kZone});
  EXPECT_NE(text.out.find("example.com.\tresolver\t" + bad_addr + "\tbogus\t9"), std::string::npos)
      << text.out;

  // signetd shows the same document; another tenant's token gets what an absent zone gets.
  Signetd api(d->dir.path());
  api.start();
  std::string viewer = token({"acme", "viewer"}), other = token({"globex", "viewer"});
  SignetdReply mine = api.request("GET", "/api/v1/signet/zones/example.com./monitor", viewer);
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(mine.json()["status"], "bogus");
  EXPECT_EQ(mine.json()["resolvers"][0]["ede"], 9);
  SignetdReply foreign = api.request("GET", "/api/v1/signet/zones/example.com./monitor", other);
  SignetdReply absent = api.request("GET", "/api/v1/signet/zones/nosuch.example./monitor", other);
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(absent.status, 404);
  EXPECT_EQ(foreign.body, R"({"error":"Could not find domain 'example.com.'"})");

  // The resolver is gone: unreachable, a warning.
  bad.reset();
  std::tie(status, doc) = check();
  EXPECT_EQ(doc["resolvers"][0]["state"], "unreachable") << doc.dump(2);
  RunResult warned = d->signetutil({"health", kZone});
  EXPECT_NE(warned.out.find("resolver " + bad_addr + " unreachable"), std::string::npos)
      << warned.out;
}

TEST_F(MonitorIntegration, SignetdChecksEverySecuredZoneInTheBackgroundWithinAnInterval) {
  auto good = resolver("unbound", ds);
  std::string addr = "127.0.0.1:" + std::to_string(good->port());
  Signetd api(d->dir.path(), SignetdOptions{.settings = {{"signet-monitor-resolvers", addr},
                                                         {"signet-monitor-interval", "2"},
                                                         {"signet-monitor-qps", "20"}}});
  api.start();
  std::string viewer = token({"acme", "viewer"});
  Json doc;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    doc = api.request("GET", "/api/v1/signet/zones/example.com./monitor", viewer).json();
    if (doc.is_object() && doc["history"].size() >= 2)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  // Checked twice on its own (once per 2 s interval), secure each time.
  ASSERT_GE(doc["history"].size(), 2u) << doc.dump(2);
  EXPECT_EQ(doc["status"], "secure") << doc.dump(2);
  EXPECT_EQ(doc["history"][1]["state"], "secure");
  std::string op = token({"--operator"});
  SignetdReply m = api.request("GET", "/metrics", op);
  EXPECT_NE(m.body.find("signet_monitor_checks_total "), std::string::npos) << m.body;
  EXPECT_EQ(m.body.find("signet_monitor_queries_total 0\n"), std::string::npos) << m.body;
}

// The embedded validator's settings (last line wins): its anchor file holds `anchor_ds`, the
// zone is stubbed to our pdns_server, the root to a closed port.
void embedded_validator(SignetDir& d, const std::string& anchor_ds) {
  write_file(d.dir.file("anchor.ds"), std::string(kZone) + ". DS " + anchor_ds + "\n");
  std::ofstream(d.dir.file("pdns.conf"), std::ios::app)
      << "signet-monitor-resolvers=\n"
      << "signet-monitor-trust-anchor=" << d.dir.file("anchor.ds") << "\n"
      << "signet-monitor-stubs=" << kZone << "=127.0.0.1:" << d.server->port()
      << ", .=127.0.0.1:9\n";
}

TEST_F(MonitorIntegration, WithNoResolverConfiguredTheEmbeddedValidatorSeesSecureThenBogus) {
  embedded_validator(*d, ds);
  auto [status, doc] = check();
  ASSERT_TRUE(doc.is_object());
  ASSERT_EQ(doc["resolvers"].size(), 1u) << doc.dump(2);
  EXPECT_EQ(doc["resolvers"][0]["resolver"], "embedded");
  EXPECT_EQ(doc["resolvers"][0]["state"], "secure") << doc.dump(2);
  EXPECT_EQ(doc["status"], "secure");

  embedded_validator(*d, wrong_ds());
  std::tie(status, doc) = check();
  EXPECT_EQ(status, 2) << doc.dump(2);
  Json r = doc["resolvers"][0];
  EXPECT_EQ(r["resolver"], "embedded");
  EXPECT_EQ(r["state"], "bogus") << r.dump();
  // libunbound gives its reason as text, not an RFC 8914 code: it is in the detail.
  EXPECT_TRUE(r["ede"].is_null()) << r.dump();
  std::string detail = r["detail"].get<std::string>();
  EXPECT_NE(detail.find("SOA SERVFAIL: "), std::string::npos) << detail;
  EXPECT_NE(detail.find("DS"), std::string::npos) << detail;
  RunResult health = d->signetutil({"health", kZone});
  EXPECT_EQ(health.status, 2) << health.out;
  EXPECT_NE(health.out.find("bogus at embedded"), std::string::npos) << health.out;
}

TEST_F(MonitorIntegration, TheEmbeddedValidatorWithNoServerToAskIsUnreachableNotBogus) {
  embedded_validator(*d, ds);
  // Stub the zone, too, to the closed port: nothing answers at all.
  std::ofstream(d->dir.file("pdns.conf"), std::ios::app)
      << "signet-monitor-stubs=" << kZone << "=127.0.0.1:9, .=127.0.0.1:9\n";
  auto start = std::chrono::steady_clock::now();
  auto [status, doc] = check();
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["resolvers"][0]["resolver"], "embedded");
  EXPECT_EQ(doc["resolvers"][0]["state"], "unreachable") << doc.dump(2);
  // Asked once, not three times: one timeout at most.
  EXPECT_LT(took, std::chrono::seconds(20));
  RunResult warned = d->signetutil({"health", kZone});
  EXPECT_NE(warned.out.find("resolver embedded unreachable"), std::string::npos) << warned.out;
}

TEST_F(MonitorIntegration, AMissingTrustAnchorFileIsNamedInTheEmbeddedValidatorsResult) {
  std::ofstream(d->dir.file("pdns.conf"), std::ios::app)
      << "signet-monitor-resolvers=\n"
      << "signet-monitor-trust-anchor=" << d->dir.file("no-such.key") << "\n";
  auto [status, doc] = check();
  ASSERT_TRUE(doc.is_object());
  Json r = doc["resolvers"][0];
  EXPECT_EQ(r["state"], "unreachable") << r.dump();
  EXPECT_NE(r["detail"].get<std::string>().find("no-such.key"), std::string::npos) << r.dump();
}

}  // namespace
