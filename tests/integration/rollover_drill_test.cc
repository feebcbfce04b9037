// SPDX-License-Identifier: GPL-2.0-or-later
//
// The rollover drill: real rollovers, watched by a real validating resolver, with a parent that
// behaves like one.
//
//   parent   pdns_server + Signet serving example. (secured; Unbound's trust anchor), with the
//            delegation child.example. and its DS;
//   child    pdns_server + Signet serving child.example. under a policy with timings of seconds;
//            its key manager runs inside pdns_server (the background scheduler), rollovers are
//            started with signetutil;
//   "registry" a thread playing the parent's operator: whenever the child's CDS differs from the
//            DS at the parent, it replaces the parent's DS RRset with it (signetutil
//            replace-rrset), as a parent that follows RFC 7344 CDS does;
//   Unbound  validating, trusting example.'s DS, stub zones to both servers;
//   queries  a thread asking Unbound, all through the drill, for a positive answer, an NXDOMAIN, a
//            NODATA and the child's DNSKEY RRset, counting SERVFAILs and answers without AD.
//
// Through a ZSK rollover, a KSK rollover (stalled first: the parent does not publish the new DS,
// and nothing may break while the child waits) and an algorithm rollover 13 -> 15, every answer
// must be secure.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <thread>

#include "signer/dns_client.hh"
#include "signer/name.hh"
#include "signer/rdata_text.hh"
#include "signer/rrtype.hh"
#include "tests/support/dns_ask.hh"
#include "tests/support/drill_loops.hh"
#include "tests/support/drill_site.hh"
#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/tools.hh"
#include "tests/support/unbound.hh"

using namespace signet;
using namespace signet::test;
using namespace std::chrono_literals;

namespace {

const char* const kParent = "example.";
const char* const kChild = "child.example.";

class RolloverDrill : public ::testing::Test {
 protected:
  void SetUp() override {
    SIGNET_REQUIRE_TOOLS("unbound", "dig");
    // The child: its zone, its policy, secured.
    child.ok({"generate-master-key"});
    child.ok({"create-tenant", "acme"});
    write_file(child.dir.file("child.zone"),
               "$ORIGIN child.example.\n$TTL 3\n"
               "@ SOA ns.child.example. hostmaster.child.example. 1 60 60 600 2\n"
               "@ NS ns\nns A 127.0.0.1\nwww A 192.0.2.80\n");
    child.ok({"load-zone", "acme", kChild, child.dir.file("child.zone")});
    // The parent first: the child's policy names its port.
    make_secured_parent(parent, kParent,
                        "$ORIGIN example.\n$TTL 3\n"
                        "@ SOA ns.example. hostmaster.example. 1 60 60 600 2\n"
                        "@ NS ns\nns A 127.0.0.1\n"
                        "child NS ns.child\nns.child A 127.0.0.1\n");
    write_file(child.dir.file("drill.yaml"),
               "policies:\n"
               "  - name: drill\n"
               "    algorithm: ecdsap256sha256\n"
               "    keys: ksk-zsk\n"
               "    dnskey-ttl: 2s\n"
               "    propagation-delay: 1s\n"
               "    ds-ttl: 2s\n"
               "    registration-delay: 0s\n"
               "    max-zone-ttl: 3s\n"
               "    rollover-jitter: 0s\n"
               "    cds: always\n"
               "    parent-nameservers: [\"127.0.0.1:" +
                   std::to_string(parent.server.port()) +
                   "\"]\n"
                   "    parent-check-interval: 1s\n");
    child.ok({"policy", "check", child.dir.file("drill.yaml")});
    child.ok({"policy", "import", child.dir.file("drill.yaml")});
    child.ok({"secure-zone", kChild, "drill"});
    // The child's first DS, entered at the parent by hand (as at a registrar).
    std::vector<std::string> args = {"replace-rrset", kParent, kChild, "DS", "2"};
    std::istringstream ds(child.ok({"export-ds", kChild}));
    for (std::string l; std::getline(ds, l);)
      args.push_back(l.substr(l.find("\tDS\t") + 4));
    parent.ok(args);
    parent.server.start();
    child.server.start();
    unbound = std::make_unique<Unbound>(
        parent.dir.file("unbound"),
        UnboundOptions{ds_trust_anchor(parent, kParent),
                       {{kParent, parent.server.port()}, {kChild, child.server.port()}},
                       {}});
  }

  // Waits until the child's rollover-status says no rollover is in progress (or `timeout`).
  std::string wait_idle(std::chrono::seconds timeout) {
    std::string st;
    if (wait_rollover_idle(child, kChild, timeout, st))
      return st;
    ADD_FAILURE() << "the rollover did not finish within " << timeout.count()
                  << " s; rollover-status:\n"
                  << child.util({"rollover-status", kChild}).out << "\nregistry:\n"
                  << (registry ? registry->log() : "");
    return st;
  }

  std::string dnskeys() {
    RunResult r = run({find_tool("dig"), "@127.0.0.1", "-p", std::to_string(child.server.port()),
                       kChild, "DNSKEY", "+short"});
    return r.out;
  }

  void expect_all_secure(QueryLoop& q, const std::string& phase) {
    EXPECT_EQ(q.failure_count(), 0u) << phase << ": " << q.failure_count() << " of " << q.total()
                                     << " answers were SERVFAIL or lacked AD:\n"
                                     << q.failures() << "\nregistry:\n"
                                     << registry->log() << "\nunbound:\n"
                                     << validation_failures();
  }

  std::string validation_failures() {
    std::string reasons;
    std::istringstream in(unbound->log());
    for (std::string l; std::getline(in, l);)
      if (l.find("validation failure") != std::string::npos && reasons.size() < 20000)
        reasons += l + "\n";
    return reasons;
  }

  Site parent, child;
  std::unique_ptr<Unbound> unbound;
  std::unique_ptr<Registry> registry;
};

TEST_F(RolloverDrill, ZskKskAndAlgorithmRolloversKeepEveryAnswerSecure) {
  // Before anything moves: secure answers through the delegation.
  DnsAnswer first = dns_ask(unbound->port(), "www.child.example.", rrtype::A);
  ASSERT_TRUE(first.answered);
  ASSERT_EQ(first.rcode, 0) << validation_failures();
  ASSERT_TRUE(first.ad) << validation_failures();

  registry = std::make_unique<Registry>(parent, kParent, child.server.port(),
                                        std::vector<std::string>{kChild});
  QueryLoop queries(unbound->port(), {{"www.child.example.", rrtype::A, 0},
                                      {"nothere.child.example.", rrtype::A, 3},
                                      {"www.child.example.", rrtype::TXT, 0},
                                      {"child.example.", rrtype::DNSKEY, 0}});
  std::this_thread::sleep_for(3s);

  // ---- ZSK pre-publication
  child.ok({"rollover", kChild, "zsk"});
  wait_idle(90s);
  std::this_thread::sleep_for(4s);  // answers cached during the last step expire and are re-asked
  expect_all_secure(queries, "ZSK rollover");
  std::string after_zsk = dnskeys();
  EXPECT_EQ(std::count(after_zsk.begin(), after_zsk.end(), '\n'), 2) << after_zsk;

  // ---- KSK double-KSK, first stalled: the parent does not publish the new DS
  registry->pause(true);
  child.ok({"rollover", kChild, "ksk"});
  auto until = std::chrono::steady_clock::now() + 60s;
  std::string st;
  while (std::chrono::steady_clock::now() < until) {
    st = child.util({"rollover-status", kChild}, true).out;
    if (json_field(st, "status").find("waiting for every parent server") != std::string::npos)
      break;
    std::this_thread::sleep_for(500ms);
  }
  ASSERT_NE(json_field(st, "status").find("waiting for every parent server"), std::string::npos)
      << st;
  // Well past the DS TTL and the propagation delay: still waiting, both KSKs published.
  std::this_thread::sleep_for(8s);
  st = child.util({"rollover-status", kChild}, true).out;
  EXPECT_EQ(json_field(st, "rollover"), "ksk") << st;
  std::string keys = dnskeys();
  EXPECT_EQ(std::count(keys.begin(), keys.end(), '\n'), 3) << keys;  // two KSKs and the ZSK
  expect_all_secure(queries, "KSK rollover stalled at the parent");
  RunResult health = child.util({"health", kChild});
  EXPECT_NE(health.out.find("ksk"), std::string::npos) << health.out;
  // The parent acts: the rollover completes.
  registry->pause(false);
  wait_idle(90s);
  std::this_thread::sleep_for(4s);
  expect_all_secure(queries, "KSK rollover");
  keys = dnskeys();
  EXPECT_EQ(std::count(keys.begin(), keys.end(), '\n'), 2) << keys;

  // ---- algorithm rollover 13 -> 15 (RFC 6781 §4.1.4)
  child.ok({"rollover", kChild, "algorithm", "--algorithm", "15"});
  wait_idle(120s);
  std::this_thread::sleep_for(4s);
  queries.stop();
  expect_all_secure(queries, "algorithm rollover");
  keys = dnskeys();
  EXPECT_EQ(std::count(keys.begin(), keys.end(), '\n'), 2) << keys;
  std::istringstream in(keys);
  for (std::string l; std::getline(in, l);)
    EXPECT_NE(l.find(" 3 15 "), std::string::npos) << l;
  EXPECT_GT(queries.total(), 200u);
  EXPECT_GE(registry->updates(), 2u) << registry->log();

  // What happened is on record, and the record is intact.
  std::string audit = child.ok({"audit-log", kChild});
  for (const char* kind : {"key-generated", "key-published", "key-activated", "key-removed",
                           "ds-observed", "rollover-requested", "algorithm-changed"})
    EXPECT_NE(audit.find(kind), std::string::npos) << kind;
  child.ok({"audit-verify"});
  child.ok({"verify-zone", kChild});
}

}  // namespace
