// SPDX-License-Identifier: GPL-2.0-or-later
//
// Parent discovery at portfolio scale (issue 8, item 7): 10,000 freshly secured zones under one
// parent, the default policy (no parent-nameservers), and one `signetutil rollover-tick` with
// every zone due. The parent cannot be found — the resolver (signet-resolver, on loopback) never
// answers, or answers that the parent's only nameserver has no address — and the tick still
// finishes in seconds, asks the resolver about the parent a handful of times (not once per zone),
// ticks every zone, and health says "parent unreachable" for each of them.
//
// The zones are made in-process with the core API (a few hundred per write transaction) once and
// copied for each case; SIGNET_SCALE_ZONES makes a run with another number.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <sstream>

#include "conf/composition_root.hh"
#include "conf/config.hh"
#include "keystore/keyring.hh"
#include "keystore/portfolio.hh"
#include "signer/rrtype.hh"
#include "tests/support/fake_dns.hh"
#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/temp_dir.hh"

using namespace signet;
using namespace signet::test;

namespace {

size_t zone_count() {
  const char* n = std::getenv("SIGNET_SCALE_ZONES");
  return n && *n ? std::stoul(n) : 10000;
}

std::string zone_name(size_t i) {
  return "z" + std::to_string(i) + ".example.";
}

std::string pdns_conf(const std::string& dir, const std::string& resolver) {
  return std::string(kOfflinePdnsConf) + "launch=signet\nsignet-path=" + dir +
         "/store\nsignet-master-key-file=" + dir + "/master.key\nsignet-resolver=" + resolver +
         "\n";
}

// A store with zone_count() tiny zones of tenant acme, each secured with the default policy
// (ECDSA P-256, one CSK) and due for its first tick.
class Portfolio10k {
 public:
  Portfolio10k() {
    auto started = std::chrono::steady_clock::now();
    MasterKey::generate_file(dir.file("master.key"));
    write_file(dir.file("pdns.conf"), pdns_conf(dir.path(), "127.0.0.1:9"));
    std::filesystem::create_directories(dir.file("store"));
    CompositionRoot root(load_config(dir.path()));
    Portfolio portfolio(root.store(), root.clock());
    {
      auto txn = root.store().begin_write();
      portfolio.create_tenant(txn, "acme");
      txn.commit();
    }
    const size_t n = zone_count();
    for (size_t i = 0; i < n;) {
      auto txn = root.store().begin_write();
      auto policy = root.dnssec().policies().named(txn, 0, "default");
      for (size_t end = std::min(n, i + 500); i < end; ++i) {
        Name apex = Name::from_text(zone_name(i));
        ZoneRecord z = portfolio.create_zone_with_soa(txn, "acme", apex,
                                                      {Name::from_text("ns1." + zone_name(i))});
        root.dnssec().signing().secure(txn, z, *policy, 1, false);
      }
      txn.commit();
    }
    std::printf("secured %zu zones in %.1f s\n", n,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  // A copy of the store and the master key in `to`, with `resolver` as signet-resolver.
  void copy_to(const TempDir& to, const std::string& resolver) const {
    std::filesystem::copy(dir.file("store"), to.file("store"));
    std::filesystem::copy_file(dir.file("master.key"), to.file("master.key"));
    std::filesystem::remove(to.file("store/lock.mdb"));
    write_file(to.file("pdns.conf"), pdns_conf(to.path(), resolver));
  }

 private:
  TempDir dir;
};

// One copy of the portfolio, its own signet-resolver, and signetutil on it.
class Scenario {
 public:
  Scenario(const Portfolio10k& portfolio, const DnsServer& resolver) {
    portfolio.copy_to(dir, resolver.text());
  }

  RunResult signetutil(const std::vector<std::string>& args) {
    return run(signetutil_argv(dir.path(), args), "", 300);
  }

  // One rollover-tick over every zone; returns its wall time in seconds.
  double tick_all() {
    auto started = std::chrono::steady_clock::now();
    RunResult r = signetutil({"rollover-tick"});
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("rollover-tick: " + std::to_string(zone_count()) + " zone(s) due"),
              std::string::npos)
        << r.out << r.err;
    return took;
  }

  // Every zone was looked at by the tick (its rollover record was written at `from` or later, its
  // next wake-up is in the future) and found its parent unreachable.
  void expect_every_zone_ticked(uint64_t from) {
    CompositionRoot root(load_config(dir.path()));
    auto txn = root.store().begin_read();
    uint64_t now = root.clock().now();
    size_t ticked = 0, unreachable = 0;
    for (size_t i = 0; i < zone_count(); ++i) {
      auto zone = root.store().find_zone(txn, Name::from_text(zone_name(i)));
      ASSERT_TRUE(zone.has_value()) << zone_name(i);
      auto rec = root.dnssec().state().rollover(txn, zone->id);
      ticked += rec.last_tick >= from && rec.next_wakeup > now;
      unreachable += rec.last_check_error.rfind("parent unreachable: ", 0) == 0;
      if (i == 0)
        std::printf("z0.example.: %s\n", rec.last_check_error.c_str());
    }
    EXPECT_EQ(ticked, zone_count());
    EXPECT_EQ(unreachable, zone_count());
  }

  // health: warning, and "parent unreachable" for every zone; metrics: the gauge at 1 for each.
  void expect_health_says_parent_unreachable() {
    RunResult h = signetutil({"health"});
    EXPECT_EQ(h.status, 1) << h.err;  // warning
    size_t lines = 0, said = 0;
    std::istringstream in(h.out);
    for (std::string l; std::getline(in, l);) {
      if (l.empty() || l[0] == '#')
        continue;
      ++lines;
      said += l.rfind("warning\t", 0) == 0 && l.find("\tparent unreachable: ") != std::string::npos;
    }
    EXPECT_EQ(lines, zone_count());
    EXPECT_EQ(said, zone_count()) << h.out.substr(0, 2000);
    RunResult m = signetutil({"metrics"});
    EXPECT_EQ(m.status, 0) << m.err;
    size_t gauges = 0;
    for (size_t at = 0;
         (at = m.out.find("\nsignet_zone_parent_unreachable{", at)) != std::string::npos; ++at) {
      size_t eol = m.out.find('\n', at + 1);
      gauges += m.out.compare(eol - 2, 2, " 1") == 0;
    }
    EXPECT_EQ(gauges, zone_count());
  }

 private:
  TempDir dir;
};

// Both cases in one test: the portfolio takes longer to make than the ticks take to run.
TEST(ParentDiscoveryAtScale, OneTickOverTenThousandZonesTakesSecondsWhenTheParentCannotBeFound) {
  Portfolio10k portfolio;
  {
    SCOPED_TRACE("a resolver that never answers");
    FakeDnsServer resolver([](const DnsRequest&) { return std::vector<DnsReply>{}; });
    Scenario s(portfolio, resolver.address());
    uint64_t from = static_cast<uint64_t>(std::time(nullptr));
    double took = s.tick_all();
    std::printf("rollover-tick over %zu zones, resolver silent: %.2f s, %zu resolver queries\n",
                zone_count(), took, resolver.queries());
    EXPECT_LT(took, 60.0);
    // One NS lookup of example. (ParentFinder tries twice), not one per zone.
    EXPECT_GE(resolver.queries(), 1u);
    EXPECT_LE(resolver.queries(), 4u);
    s.expect_every_zone_ticked(from);
    s.expect_health_says_parent_unreachable();
  }
  {
    SCOPED_TRACE("a resolver that answers: example.'s one nameserver has no address");
    Name parent = Name::from_text("example.");
    Name host = Name::from_text("ns.example.");
    FakeDnsServer resolver([&](const DnsRequest& q) -> std::vector<DnsReply> {
      ReplyBuilder r(q);
      if (q.qtype == rrtype::NS && q.qname.equals(parent))
        r.answer(parent, rrtype::NS, 3600, name_rdata(host));
      else
        r.authority(parent, rrtype::SOA, 3600, soa_rdata(host, 300));  // NODATA
      return {r};
    });
    Scenario s(portfolio, resolver.address());
    uint64_t from = static_cast<uint64_t>(std::time(nullptr));
    double took = s.tick_all();
    std::printf("rollover-tick over %zu zones, lame parent: %.2f s, %zu resolver queries\n",
                zone_count(), took, resolver.queries());
    EXPECT_LT(took, 60.0);
    EXPECT_EQ(resolver.queries_for(parent, rrtype::NS), 1u);
    EXPECT_EQ(resolver.queries_for(host, rrtype::A), 1u);
    EXPECT_EQ(resolver.queries_for(host, rrtype::AAAA), 1u);
    EXPECT_EQ(resolver.queries(), 3u);
    s.expect_every_zone_ticked(from);
    s.expect_health_says_parent_unreachable();
  }
}

}  // namespace
