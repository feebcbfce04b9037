// SPDX-License-Identifier: GPL-2.0-or-later
//
// The key lifecycle as an operator drives it with signetutil: policies from YAML, assignment per
// tenant and zone, rollovers moved on through time (SIGNET_CLOCK_OFFSET lets a process live hours
// ahead), manual approval, DS submission by hook and by TSIG-signed RFC 2136 update to a real
// pdns_server, health and metrics for monitoring, and a rollover-tick killed mid-signing.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/tools.hh"
#include "tests/support/unbound.hh"

using namespace signet::test;

namespace {

const char* kZone =
    "$ORIGIN example.com.\n"
    "$TTL 300\n"
    "@ SOA ns1 hostmaster 2024010101 7200 3600 1209600 300\n"
    "@ NS ns1\n"
    "ns1 A 192.0.2.1\n"
    "www A 192.0.2.80\n";

// Timings of minutes: ZSK rollover = 2 x 60 + 60 + 300 s, KSK rollover needs the parent.
const char* kPolicies =
    "policies:\n"
    "  - name: quick\n"
    "    keys: ksk-zsk\n"
    "    ksk-lifetime: 30d\n"
    "    zsk-lifetime: 7d\n"
    "    dnskey-ttl: 60\n"
    "    propagation-delay: 60\n"
    "    ds-ttl: 120\n"
    "    max-zone-ttl: 300\n"
    "    rollover-jitter: 0\n"
    "    cds: rollover\n"
    "    parent-nameservers: [\"127.0.0.1:9\"]\n"
    "  - name: careful\n"
    "    keys: ksk-zsk\n"
    "    dnskey-ttl: 60\n"
    "    propagation-delay: 60\n"
    "    max-zone-ttl: 300\n"
    "    parent-nameservers: [\"127.0.0.1:9\"]\n"
    "    approval: manual\n";

class KeyLifecycleCli : public ::testing::Test {
 protected:
  KeyLifecycleCli() {
    write_file(dir.file("pdns.conf"),
               std::string(kOfflinePdnsConf) + "launch=signet\nsignet-path=" + dir.file("store") +
                   "\nsignet-master-key-file=" + dir.file("master.key") + "\n");
  }
  // signetutil, living `offset` seconds in the future.
  RunResult cli(std::vector<std::string> args, long offset = 0, int timeout = 120) {
    args.insert(args.begin(), {signetutil_path(), "--config-dir", dir.path()});
    if (offset)
      args.insert(args.begin(), {"/usr/bin/env", "SIGNET_CLOCK_OFFSET=" + std::to_string(offset)});
    return run(args, "", timeout);
  }
  std::string ok(std::vector<std::string> args, long offset = 0) {
    RunResult r = cli(args, offset);
    std::string cmd;
    for (const auto& a : args)
      cmd += " " + a;
    EXPECT_EQ(r.status, 0) << "signetutil" << cmd << ": " << r.err << r.out;
    return r.out;
  }
  std::string file(const std::string& name, const std::string& content) {
    write_file(dir.file(name), content);
    return dir.file(name);
  }
  void setup(const std::string& policy) {
    ok({"generate-master-key"});
    ok({"create-tenant", "acme"});
    ok({"load-zone", "acme", "example.com", file("example.zone", kZone)});
    ok({"policy", "import", file("policies.yaml", kPolicies)});
    if (!policy.empty())
      ok({"secure-zone", "example.com", policy});
  }
  std::string status(long offset = 0) { return ok({"rollover-status", "example.com"}, offset); }

  TempDir dir;
};

std::string json_field(const std::string& json, const std::string& key) {
  auto p = json.find("\"" + key + "\":\"");
  if (p == std::string::npos)
    return "";
  p += key.size() + 4;
  return json.substr(p, json.find('"', p) - p);
}

TEST_F(KeyLifecycleCli, PolicyCheckRefusesImpossibleTimingsAndUnknownKeysWithFileAndLine) {
  std::string bad = file("bad.yaml",
                         "policies:\n"
                         "  - name: hasty\n"
                         "    keys: ksk-zsk\n"
                         "    zsk-lifetime: 1h\n"
                         "    dnskey-ttl: 1h\n");
  RunResult r = cli({"policy", "check", bad});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(bad + ":2:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("shorter than the ZSK rollover"), std::string::npos) << r.err;
  std::string typo = file("typo.yaml", "policies:\n  - name: x\n    zsk-lifetme: 90d\n");
  r = cli({"policy", "check", typo});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(typo + ":3:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown key 'zsk-lifetme'"), std::string::npos) << r.err;
  // Nothing of a bad file is imported.
  ok({"generate-master-key"});
  EXPECT_EQ(cli({"policy", "import", bad}).status, 1);
  EXPECT_EQ(ok({"list-policies"}).find("hasty"), std::string::npos);
  EXPECT_NE(ok({"policy", "check", file("good.yaml", kPolicies)}).find("quick: ok"),
            std::string::npos);
}

TEST_F(KeyLifecycleCli, ZonesFollowTheirTenantsPolicyUnlessTheyHaveTheirOwnAndChangesAreAudited) {
  setup("");
  ok({"set-policy", "--tenant", "acme", "quick"});
  ok({"secure-zone", "example.com"});
  EXPECT_NE(ok({"show-zone", "example.com"}).find("policy quick, the tenant's"), std::string::npos);
  EXPECT_EQ(ok({"show-zone", "example.com"}).find("\tcsk"), std::string::npos);  // KSK + ZSK
  ok({"set-policy", "example.com", "careful"});
  EXPECT_NE(status().find("policy\tcareful"), std::string::npos) << status();
  ok({"set-policy", "example.com", "--inherit"});
  EXPECT_NE(status().find("policy\tquick"), std::string::npos);
  // A changed policy is recorded with its before and after.
  std::string changed = kPolicies;
  changed.replace(changed.find("zsk-lifetime: 7d"), 16, "zsk-lifetime: 8d");
  EXPECT_NE(ok({"policy", "import", file("p2.yaml", changed)}).find("quick: updated"),
            std::string::npos);
  std::string audit = ok({"audit-log"});
  EXPECT_NE(audit.find("policy-created"), std::string::npos);
  EXPECT_NE(audit.find("policy-changed"), std::string::npos);
  EXPECT_NE(audit.find("zsk-lifetime: 8d"), std::string::npos);
  EXPECT_NE(audit.find("policy-assigned"), std::string::npos);
  EXPECT_EQ(cli({"set-policy", "example.com", "nonesuch"}).status, 1);
}

TEST_F(KeyLifecycleCli, ZskRolloverMovesOnAsTimePassesAndTheZoneStaysValid) {
  setup("quick");
  std::string out = ok({"rollover", "example.com", "zsk"});
  EXPECT_NE(out.find("ZSK rollover started"), std::string::npos) << out;
  EXPECT_NE(status().find("published\tnext: ready"), std::string::npos) << status();
  // After Dprp + TTL the new ZSK signs; after Dprp + max TTL the old one is gone.
  ok({"rollover-tick"}, 121);
  std::string s = status(121);
  EXPECT_NE(s.find("retired\tnext: removed"), std::string::npos) << s;
  ok({"verify-zone", "example.com"}, 121);
  ok({"rollover-tick"}, 500);
  s = status(500);
  EXPECT_NE(s.find("rollover\tnone"), std::string::npos) << s;
  EXPECT_NE(s.find("removed"), std::string::npos) << s;
  ok({"verify-zone", "example.com"}, 500);
  // Automatic: the next ZSK rollover is due 7 days after the new key became active.
  ok({"rollover-tick"}, 121 + 7 * 86400 + 10);
  EXPECT_NE(status(121 + 7 * 86400 + 10).find("rollover\tzsk"), std::string::npos);
}

TEST_F(KeyLifecycleCli, KskRolloverWaitsForTheParentUntilTheOperatorConfirmsTheDs) {
  setup("quick");
  ok({"rollover", "example.com", "ksk"});
  ok({"rollover-tick"}, 121);
  std::string s = status(121);
  EXPECT_NE(s.find("waiting for every parent server"), std::string::npos) << s;
  // CDS (cds: rollover) now asks the parent for the new DS.
  std::string zone = ok({"list-zone", "example.com"}, 121);
  EXPECT_NE(zone.find("\tCDS\t"), std::string::npos) << zone;
  // Days later: still waiting, nothing removed, the zone valid.
  ok({"rollover-tick"}, 3 * 86400);
  EXPECT_NE(status(3 * 86400).find("rollover\tksk"), std::string::npos);
  ok({"verify-zone", "example.com"}, 3 * 86400);
  RunResult health = cli({"health"}, 3 * 86400);
  EXPECT_EQ(health.status, 1) << health.out;  // warning: the parent has not published the DS
  EXPECT_NE(health.out.find("has not published the DS"), std::string::npos) << health.out;
  // The operator saw the DS at the parent.
  std::smatch m;
  std::string st = status(3 * 86400);
  ASSERT_TRUE(
      std::regex_search(st, m, std::regex(R"(\n  (\d+)\tksk\t[^\n]*not yet at the parent)")))
      << st;
  ok({"ds-seen", "example.com", m[1]}, 3 * 86400);
  ok({"rollover-tick"}, 3 * 86400 + 200);
  s = status(3 * 86400 + 200);
  EXPECT_NE(s.find("rollover\tnone"), std::string::npos) << s;
  ok({"verify-zone", "example.com"}, 3 * 86400 + 200);
  EXPECT_NE(ok({"audit-log", "example.com"}).find("operator (ds-seen)"), std::string::npos);
}

TEST_F(KeyLifecycleCli, ManualApprovalShowsTheStepAndWaitsForApprove) {
  setup("careful");
  std::string out = ok({"rollover", "example.com", "zsk"});
  EXPECT_NE(out.find("proposed: ZSK rollover started"), std::string::npos) << out;
  EXPECT_NE(status().find("awaiting approval"), std::string::npos) << status();
  RunResult health = cli({"health", "example.com"});
  EXPECT_EQ(health.status, 1);
  EXPECT_NE(health.out.find("awaits approval"), std::string::npos) << health.out;
  out = ok({"approve", "example.com"});
  EXPECT_NE(out.find("ZSK rollover started"), std::string::npos) << out;
  EXPECT_NE(status().find("published\tnext: ready"), std::string::npos) << status();
  RunResult again = cli({"approve", "example.com"});
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.err.find("no rollover step awaiting approval"), std::string::npos);
}

TEST_F(KeyLifecycleCli, HealthExitCodesFollowTheWorstZoneAndMetricsAreValidPrometheusText) {
  setup("");
  RunResult h = cli({"health"});
  EXPECT_EQ(h.status, 0) << h.out;  // unsigned: ok
  ok({"secure-zone", "example.com", "quick"});
  // 15 days later without a refresher: signatures expired.
  h = cli({"health", "--json"}, 15 * 86400);
  EXPECT_EQ(h.status, 2) << h.out;
  EXPECT_EQ(json_field(h.out, "status"), "critical");
  EXPECT_NE(h.out.find("signatures have expired"), std::string::npos) << h.out;
  RunResult metrics = cli({"metrics"});
  EXPECT_EQ(metrics.status, 0);
  std::regex line(R"(^[a-z_]+(\{([a-z_]+="[^"]*",?)*\})? -?[0-9.e+]+$)");
  std::istringstream in(metrics.out);
  size_t samples = 0;
  for (std::string l; std::getline(in, l);) {
    if (l.rfind("# HELP ", 0) == 0 || l.rfind("# TYPE ", 0) == 0)
      continue;
    EXPECT_TRUE(std::regex_match(l, line)) << l;
    ++samples;
  }
  EXPECT_GT(samples, 10u);
  EXPECT_NE(metrics.out.find("signet_zone_status{tenant=\"acme\",zone=\"example.com.\"} "),
            std::string::npos);
  // A tenant's operator sees only that tenant.
  ok({"create-tenant", "globex"});
  RunResult scoped = cli({"--tenant", "globex", "health"});
  EXPECT_EQ(scoped.out.find("example.com"), std::string::npos) << scoped.out;
  RunResult other = cli({"--tenant", "globex", "rollover", "example.com", "zsk"});
  EXPECT_EQ(other.status, 2);  // outside the scope: a usage error
}

TEST_F(KeyLifecycleCli, DsHookGetsTheZoneAndItsDsAndIsAudited) {
  std::string out = dir.file("hook.out");
  // PROGRAM -- ZONE DS... (signer/ds_hook.hh)
  std::string hook = file("hook.sh", "#!/bin/sh\necho \"$1|$2|$3|$SIGNET_TENANT\" > " + out + "\n");
  chmod(hook.c_str(), 0755);
  std::string policies = std::string(kPolicies) +
                         "  - name: hooked\n"
                         "    ds-submission: hook\n"
                         "    ds-hook: " +
                         hook + "\n    parent-nameservers: [\"127.0.0.1:9\"]\n";
  setup("");
  ok({"policy", "import", file("hooked.yaml", policies)});
  ok({"secure-zone", "example.com", "hooked"});
  std::string tick = ok({"rollover-tick", "example.com"});
  EXPECT_NE(tick.find("DS submission submitted"), std::string::npos) << tick;
  std::string got = read_file(out);
  EXPECT_EQ(got.rfind("--|example.com.|example.com. 86400 IN DS ", 0), 0u) << got;
  EXPECT_NE(got.find("|acme"), std::string::npos) << got;
  EXPECT_NE(ok({"audit-log", "example.com"}).find("ds-submission"), std::string::npos);
}

TEST_F(KeyLifecycleCli, DsPushUpdatesTheParentWithATsigSignedDynamicUpdate) {
  SIGNET_REQUIRE_TOOLS("python3", "dig");
  // The parent: pdns with its gsqlite3 backend, accepting TSIG-signed updates for example.com's
  // parent zone "com." (here: a test zone named com.).
  TempDir pdir;
  std::string db = pdir.file("parent.sqlite3");
  RunResult schema = run({find_tool("python3"), "-c",
                          "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
                          "c.executescript(open(sys.argv[2]).read()); c.commit()",
                          db, "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"});
  ASSERT_EQ(schema.status, 0) << schema.err;
  PdnsServerOptions o;
  o.backend = "other";
  o.settings = {{"launch", "gsqlite3"},     {"gsqlite3-database", db},
                {"dnsupdate", "yes"},       {"allow-dnsupdate-from", "127.0.0.0/8"},
                {"cache-ttl", "0"},         {"query-cache-ttl", "0"},
                {"negquery-cache-ttl", "0"}};
  PdnsServer parent(pdir.path(), o);
  auto pdnsutil = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {pdnsutil_path(), "--config-dir", pdir.path()});
    RunResult r = run(args);
    EXPECT_EQ(r.status, 0) << r.err << r.out;
  };
  const std::string secret = "c2lnbmV0LWRzLXB1c2gtdGVzdC1rZXk=";
  pdnsutil({"create-zone", "com", "ns.com"});
  pdnsutil({"add-record", "com", "example", "NS", "300", "ns1.example.com."});
  pdnsutil({"import-tsig-key", "ds-update", "hmac-sha256", secret});
  pdnsutil({"set-meta", "com", "TSIG-ALLOW-DNSUPDATE", "ds-update"});
  parent.start();
  std::string server = "127.0.0.1:" + std::to_string(parent.port());
  std::string policies = std::string(kPolicies) +
                         "  - name: pushed\n"
                         "    ds-submission: push\n"
                         "    ds-push: {server: \"" +
                         server + "\", tsig-name: ds-update, tsig-secret: \"" + secret +
                         "\"}\n    parent-nameservers: [\"" + server + "\"]\n" +
                         "  - name: wrongkey\n"
                         "    ds-submission: push\n"
                         "    ds-push: {server: \"" +
                         server +
                         "\", tsig-name: ds-update, tsig-secret: \"d3Jvbmc=\"}\n"
                         "    parent-nameservers: [\"" +
                         server + "\"]\n";
  setup("");
  ok({"policy", "import", file("pushed.yaml", policies)});
  // A wrong TSIG key is refused: logged, audited, retried later.
  ok({"secure-zone", "example.com", "wrongkey"});
  std::string tick = ok({"rollover-tick", "example.com"});
  EXPECT_NE(tick.find("DS submission failed"), std::string::npos) << tick;
  EXPECT_NE(ok({"audit-log", "example.com"}).find("ds-submission-failed"), std::string::npos);
  EXPECT_NE(status().find("DS submission\tpending"), std::string::npos) << status();
  ok({"unsecure-zone", "example.com"});
  // The right key: the parent serves our DS, and the parent check sees it.
  ok({"secure-zone", "example.com", "pushed"});
  tick = ok({"rollover-tick", "example.com"});
  EXPECT_NE(tick.find("DS submission submitted: RFC 2136 update accepted"), std::string::npos)
      << tick << parent.log();
  std::string ds = ok({"export-ds", "example.com"});
  ds = ds.substr(ds.find("\tDS\t") + 4);
  ds = ds.substr(0, ds.find('\n'));
  RunResult dig = run({find_tool("dig"), "@127.0.0.1", "-p", std::to_string(parent.port()),
                       "example.com", "DS", "+short"});
  std::string served = dig.out;
  for (auto& c : served)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string want = ds;
  for (auto& c : want)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_NE(served.find(want.substr(0, 10)), std::string::npos) << dig.out << " vs " << ds;
  ok({"rollover-tick", "example.com"}, 400);
  std::string s = status(400);
  EXPECT_NE(s.find("every server: "), std::string::npos) << s;
  EXPECT_EQ(s.find("every server: none"), std::string::npos) << s;
}

TEST_F(KeyLifecycleCli, KillingRolloverTickWhileItSignsLeavesTheZoneAsItWas) {
  // A zone big enough that signing it takes a while.
  std::ostringstream big;
  big << kZone;
  for (int i = 0; i < 40000; ++i)
    big << "host" << i << " A 10." << (i >> 16) << "." << ((i >> 8) & 255) << "." << (i & 255)
        << "\n";
  ok({"generate-master-key"});
  ok({"create-tenant", "acme"});
  ok({"load-zone", "acme", "example.com", file("big.zone", big.str())});
  ok({"policy", "import", file("policies.yaml", kPolicies)});
  ok({"secure-zone", "example.com", "quick"});
  ok({"rollover", "example.com", "zsk"});
  std::string before = status(121);
  ASSERT_NE(before.find("zsk\tECDSAP256SHA256\tready"), std::string::npos) << before;
  // The tick that activates the new ZSK signs the whole zone again: kill it while it does.
  auto t0 = std::chrono::steady_clock::now();
  {
    // Time one full tick on a copy of the store.
    TempDir copy;
    std::filesystem::copy(dir.file("store"), copy.file("store"),
                          std::filesystem::copy_options::recursive);
    write_file(copy.file("pdns.conf"),
               std::string(kOfflinePdnsConf) + "launch=signet\nsignet-path=" + copy.file("store") +
                   "\nsignet-master-key-file=" + dir.file("master.key") + "\n");
    RunResult r = run({"/usr/bin/env", "SIGNET_CLOCK_OFFSET=121", signetutil_path(), "--config-dir",
                       copy.path(), "rollover-tick"});
    ASSERT_EQ(r.status, 0) << r.err;
  }
  auto full = std::chrono::steady_clock::now() - t0;
  int killed = 0;
  for (double fraction : {0.3, 0.6, 0.85}) {
    Process p({"/usr/bin/env", "SIGNET_CLOCK_OFFSET=121", signetutil_path(), "--config-dir",
               dir.path(), "rollover-tick"},
              dir.file("kill.log"));
    std::this_thread::sleep_for(
        std::chrono::duration_cast<std::chrono::microseconds>(full * fraction));
    if (p.running()) {
      p.signal(SIGKILL);
      p.wait();
      ++killed;
    }
    std::string now = status(121);
    if (now.find("retired\tnext: removed") != std::string::npos)
      break;  // that one finished before the kill: the store moved on, consistently
    // Killed: the step did not happen, in full — the new ZSK is not active yet.
    EXPECT_NE(now.find("ready"), std::string::npos) << now;
    ok({"verify-zone", "example.com"}, 121);
  }
  EXPECT_GE(killed, 1);
  // Restarted, it resumes where it was.
  ok({"rollover-tick"}, 121);
  std::string after = status(121);
  EXPECT_NE(after.find("retired\tnext: removed"), std::string::npos) << after;
  ok({"verify-zone", "example.com"}, 121);
}

}  // namespace

// --tenant is one scope per command line: given twice, or contradicted by the tenant or zone the
// command names, the command line is wrong (exit 2) and nothing happens.
TEST_F(KeyLifecycleCli, TenantGivenTwiceOrContradictedIsAUsageError) {
  setup("");
  ok({"create-tenant", "bob"});
  ok({"create-zone", "bob", "bob.test", "ns1.bob.test."});
  std::string before = ok({"list-zones"});
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--tenant", "acme", "--tenant", "bob", "list-zones"},
           {"--tenant=acme", "--tenant", "acme", "list-zones"},
           {"--tenant", "acme", "list-zones", "bob"},
           {"--tenant", "acme", "create-zone", "bob", "new.test"},
           {"--tenant", "acme", "add-record", "bob.test", "www", "A", "300", "192.0.2.1"},
           {"--tenant", "acme", "move-zone", "example.com", "bob"},
           {"--tenant", "acme", "delete-zone", "bob.test"},
           {"--tenant", "acme", "health", "--tenant", "bob"},
           {"--tenant", "acme", "audit-log", "--tenant", "bob"},
           {"--tenant", "acme", "generate-master-key", "/tmp/never-written.key"},
       }) {
    RunResult r = cli(args);
    std::string cmd;
    for (const auto& a : args)
      cmd += " " + a;
    // health keeps the monitoring convention: 2 is "critical", a usage error is 3 (unknown).
    int usage = args[2] == "health" ? 3 : 2;
    EXPECT_EQ(r.status, usage) << "signetutil" << cmd << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  // In a batch too: the line is named and nothing of the batch applies.
  RunResult r =
      cli({"--tenant", "acme", "batch",
           file("b.txt", "add-record example.com x A 300 192.0.2.9\ndelete-zone bob.test\n")});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("b.txt:2:"), std::string::npos) << r.err;
  EXPECT_EQ(ok({"list-zones"}), before);
  EXPECT_EQ(ok({"list-zone", "example.com"}).find("192.0.2.9"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists("/tmp/never-written.key"));
}

// The commands that take no zone stay inside the tenant too: refresh signs only its zones,
// health and metrics report only its zones, and audit-log shows only its entries — by tenant id,
// so a tenant deleted and created again under the same name does not inherit the old entries.
TEST_F(KeyLifecycleCli, RefreshHealthMetricsAndAuditLogStayInsideTheTenant) {
  setup("quick");
  ok({"create-tenant", "bob"});
  ok({"load-zone", "bob", "bob.test",
      file("bob.zone",
           "$ORIGIN bob.test.\n$TTL 300\n@ SOA ns1 h 1 7200 3600 1209600 300\n"
           "@ NS ns1\nns1 A 192.0.2.1\n")});
  ok({"secure-zone", "bob.test", "quick"});
  auto serial = [&](const std::string& zone, long offset) {
    std::string out = ok({"list-zones"}, offset);
    auto p = out.find(zone + ".\t");
    std::string line = out.substr(p, out.find('\n', p) - p);
    return line.substr(line.rfind('\t') + 1);
  };
  long later = 12 * 86400;  // every signature is due for refresh
  std::string bob_before = serial("bob.test", later);
  std::string acme_before = serial("example.com", later);
  std::string out = ok({"--tenant", "acme", "refresh"}, later);
  EXPECT_NE(out.find("refresh: 1 zone(s) refreshed"), std::string::npos) << out;
  EXPECT_NE(serial("example.com", later), acme_before);
  EXPECT_EQ(serial("bob.test", later), bob_before) << "refresh --tenant acme touched bob's zone";
  // refresh ZONE: that zone, and only it.
  out = ok({"refresh", "bob.test"}, later);
  EXPECT_NE(out.find("refresh: 1 zone(s) refreshed"), std::string::npos) << out;

  std::string health = ok({"--tenant", "acme", "health", "--json"});
  EXPECT_NE(health.find("example.com."), std::string::npos) << health;
  EXPECT_EQ(health.find("bob.test."), std::string::npos) << health;
  std::string metrics = ok({"--tenant", "acme", "metrics"});
  EXPECT_NE(metrics.find("zone=\"example.com.\""), std::string::npos);
  EXPECT_EQ(metrics.find("bob"), std::string::npos) << metrics;
  std::string audit = ok({"--tenant", "acme", "audit-log"});
  EXPECT_NE(audit.find("example.com."), std::string::npos);
  EXPECT_EQ(audit.find("bob"), std::string::npos) << audit;

  // carol comes and goes; a new carol sees only her own entries.
  ok({"create-tenant", "carol"});
  ok({"create-zone", "carol", "carol.test"});
  ok({"delete-zone", "carol.test"});
  ok({"delete-tenant", "carol"});
  ok({"create-tenant", "carol"});
  audit = ok({"audit-log", "--tenant", "carol"});
  EXPECT_EQ(audit.find("carol.test"), std::string::npos) << audit;
  EXPECT_NE(audit.find("tenant-created"), std::string::npos) << audit;
  EXPECT_EQ(std::count(audit.begin(), audit.end(), '\n'), 1) << audit;
}
