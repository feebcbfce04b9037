// SPDX-License-Identifier: GPL-2.0-or-later
// Parent discovery against a scripted resolver on 127.0.0.1: the walk up to the enclosing zone,
// the per-name cache (many zones under one parent cost one lookup), bounded failure when the
// resolver is gone, and counting a parent server as answering when any of its addresses does.
#include "signer/parent_finder.hh"

#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "signer/rrtype.hh"
#include "tests/support/fake_dns.hh"

using namespace signet;
using namespace signet::test;
using std::chrono::steady_clock;

namespace {

Name n(const std::string& text) {
  return Name::from_text(text);
}

// A resolver's view of a small tree:
//   test.           a zone cut, servers a.ns.test. (glue 127.0.0.11, ::1) and b.ns.test.
//                   (no glue: asked for, 127.0.0.12)
//   deep.test.      not a zone (NODATA, SOA of test.)
//   sub.deep.test.  a zone cut, served by lame.ns.test. (no address) and a.ns.test.
//   broken.         SERVFAIL
// Everything else: NXDOMAIN.
struct Tree {
  uint32_t ns_ttl = 3600;
  std::vector<DnsReply> operator()(const DnsRequest& q) const {
    std::string name = q.qname.lowered().to_text();
    ReplyBuilder r(q);
    if (name == "test." && q.qtype == rrtype::NS) {
      return {r.answer(q.qname, rrtype::NS, ns_ttl, name_rdata(n("a.ns.test.")))
                  .answer(q.qname, rrtype::NS, ns_ttl, name_rdata(n("b.ns.test.")))
                  .additional(n("a.ns.test."), rrtype::A, 7200, a_rdata("127.0.0.11"))
                  .additional(n("a.ns.test."), rrtype::AAAA, 7200, aaaa_rdata("::1"))};
    }
    if (name == "sub.deep.test." && q.qtype == rrtype::NS) {
      return {r.answer(q.qname, rrtype::NS, ns_ttl, name_rdata(n("lame.ns.test.")))
                  .answer(q.qname, rrtype::NS, ns_ttl, name_rdata(n("a.ns.test.")))};
    }
    if (name == "b.ns.test." && q.qtype == rrtype::A)
      return {r.answer(q.qname, rrtype::A, 600, a_rdata("127.0.0.12"))};
    if (name == "a.ns.test." && q.qtype == rrtype::A)
      return {r.answer(q.qname, rrtype::A, 600, a_rdata("127.0.0.11"))};
    if (name == "deep.test." || name == "b.ns.test." || name == "a.ns.test." ||
        name == "lame.ns.test.") {
      return {r.authority(n("test."), rrtype::SOA, 300, soa_rdata(n("a.ns.test."), 300))};
    }
    if (name == "broken.")
      return {r.rcode(2)};
    return {r.rcode(3).authority(Name(), rrtype::SOA, 300, soa_rdata(n("a.root."), 300))};
  }
};

ParentFinderOptions options_for(const std::vector<DnsServer>& resolvers) {
  ParentFinderOptions o;
  o.resolvers = resolvers;
  return o;
}

std::vector<std::string> texts(const std::vector<DnsServer>& list) {
  std::vector<std::string> out;
  for (const auto& s : list)
    out.push_back(s.text());
  return out;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(ParentFinder, FindsTheEnclosingZoneAndGroupsAddressesByNsHost) {
  FakeDnsServer resolver(Tree{});
  FakeClock clock;
  ParentFinder finder(options_for({resolver.address()}), &clock);
  ParentZone p = finder.find(n("example.test."));
  EXPECT_TRUE(p.zone.equals(n("test.")));
  ASSERT_EQ(p.servers.size(), 2u);
  EXPECT_TRUE(p.servers[0].host.equals(n("a.ns.test.")));
  EXPECT_EQ(texts(p.servers[0].addresses),
            (std::vector<std::string>{"127.0.0.11:53", "[::1]:53"}));  // from the glue
  EXPECT_TRUE(p.servers[1].host.equals(n("b.ns.test.")));
  EXPECT_EQ(texts(p.servers[1].addresses), std::vector<std::string>{"127.0.0.12:53"});
  EXPECT_EQ(resolver.queries_for(n("a.ns.test."), rrtype::A), 0u);  // glue was enough
  EXPECT_EQ(resolver.queries_for(n("b.ns.test."), rrtype::A), 1u);
  EXPECT_EQ(resolver.queries_for(n("b.ns.test."), rrtype::AAAA), 1u);
}

TEST(ParentFinder, WalksUpPastNamesThatAreNoZoneCut) {
  FakeDnsServer resolver(Tree{});
  FakeClock clock;
  ParentFinder finder(options_for({resolver.address()}), &clock);
  // x.y.deep.test.: y.deep.test. does not exist, deep.test. is no zone, test. is the parent.
  EXPECT_TRUE(finder.find(n("x.y.deep.test.")).zone.equals(n("test.")));
  EXPECT_EQ(resolver.queries_for(n("y.deep.test."), rrtype::NS), 1u);
  EXPECT_EQ(resolver.queries_for(n("deep.test."), rrtype::NS), 1u);
  // A sibling reuses every answer, "not a zone cut" included.
  size_t before = resolver.queries();
  EXPECT_TRUE(finder.find(n("z.deep.test.")).zone.equals(n("test.")));
  EXPECT_EQ(resolver.queries(), before);
}

TEST(ParentFinder, AnNsHostWithoutAddressIsReportedNotCounted) {
  FakeDnsServer resolver(Tree{});
  FakeClock clock;
  ParentFinder finder(options_for({resolver.address()}), &clock);
  ParentZone p = finder.find(n("child.sub.deep.test."));
  EXPECT_TRUE(p.zone.equals(n("sub.deep.test.")));
  ASSERT_EQ(p.servers.size(), 1u);
  EXPECT_TRUE(p.servers[0].host.equals(n("a.ns.test.")));
  ASSERT_EQ(p.unresolved.size(), 1u);
  EXPECT_TRUE(p.unresolved[0].equals(n("lame.ns.test.")));
}

TEST(ParentFinder, TenThousandZonesUnderOneParentCostOneNsLookup) {
  FakeDnsServer resolver(Tree{});
  FakeClock clock;
  ParentFinder finder(options_for({resolver.address()}), &clock);
  std::vector<Name> children;
  for (int i = 0; i < 10000; ++i)
    children.push_back(n("zone" + std::to_string(i) + ".test."));
  auto results = finder.find_many(children);  // 16 in flight: they wait for the one lookup
  for (const auto& r : results) {
    ASSERT_TRUE(r.parent) << r.error;
    EXPECT_TRUE(r.parent->zone.equals(n("test.")));
  }
  EXPECT_EQ(resolver.queries_for(n("test."), rrtype::NS), 1u);
  EXPECT_EQ(resolver.queries(), 3u);  // NS test., A and AAAA of b.ns.test.
}

TEST(ParentFinder, TheCacheLastsTheNsTtlWithinBounds) {
  FakeDnsServer resolver(Tree{600});
  FakeClock clock;
  ParentFinder finder(options_for({resolver.address()}), &clock);
  finder.find(n("a.test."));
  clock.advance(500);  // b.ns.test.'s A TTL (600) bounds it too
  finder.find(n("b.test."));
  EXPECT_EQ(resolver.queries_for(n("test."), rrtype::NS), 1u);
  clock.advance(101);
  finder.find(n("c.test."));
  EXPECT_EQ(resolver.queries_for(n("test."), rrtype::NS), 2u);

  FakeDnsServer short_ttl(Tree{5});
  ParentFinder bounded(options_for({short_ttl.address()}), &clock);
  bounded.find(n("a.test."));
  clock.advance(59);  // a TTL of 5 s is kept the minimum of 60 s
  bounded.find(n("b.test."));
  EXPECT_EQ(short_ttl.queries_for(n("test."), rrtype::NS), 1u);
}

TEST(ParentFinder, AFailedLookupIsCachedBrieflyAndNamesTheZone) {
  FakeDnsServer resolver(Tree{});
  FakeClock clock;
  ParentFinder finder(options_for({resolver.address()}), &clock);
  std::string e = error_of([&] { finder.find(n("zone.broken.")); });
  EXPECT_NE(e.find("parent of zone.broken. unreachable"), std::string::npos) << e;
  EXPECT_NE(e.find("SERVFAIL"), std::string::npos) << e;
  EXPECT_THROW(finder.find(n("other.broken.")), ParentUnreachable);
  EXPECT_EQ(resolver.queries_for(n("broken."), rrtype::NS), 1u);
  clock.advance(61);
  EXPECT_THROW(finder.find(n("other.broken.")), ParentUnreachable);
  EXPECT_EQ(resolver.queries_for(n("broken."), rrtype::NS), 2u);
}

TEST(ParentFinder, AnUnreachableResolverCostsSecondsForAThousandZones) {
  // Default timeouts (2 s, 2 tries). A thousand zones under a thousand different parents: the
  // first lookups time out, the resolver is then skipped, and every zone gets its error quickly.
  FakeDnsServer silent([](const DnsRequest&) { return std::vector<DnsReply>{}; });
  ParentFinder finder(options_for({silent.address()}));
  std::vector<Name> children;
  for (int i = 0; i < 1000; ++i)
    children.push_back(n("zone.parent" + std::to_string(i) + ".test."));
  auto start = steady_clock::now();
  auto results = finder.find_many(children);
  auto took = steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(10));
  for (const auto& r : results) {
    EXPECT_FALSE(r.parent);
    EXPECT_NE(r.error.find("unreachable"), std::string::npos) << r.error;
  }
  EXPECT_LE(silent.queries(), 2u * 16u);  // at most the first wave, two tries each
  // And a zone asked for afterwards fails at once.
  start = steady_clock::now();
  EXPECT_THROW(finder.find(n("late.other.test.")), ParentUnreachable);
  EXPECT_LT(steady_clock::now() - start, std::chrono::milliseconds(500));
}

TEST(ParentFinder, TheNextResolverIsAskedWhenOneIsSilentOrFails) {
  FakeDnsServer silent([](const DnsRequest&) { return std::vector<DnsReply>{}; });
  FakeDnsServer failing(
      [](const DnsRequest& q) -> std::vector<DnsReply> { return {ReplyBuilder(q).rcode(5)}; });
  FakeDnsServer good(Tree{});
  ParentFinderOptions o = options_for({silent.address(), failing.address(), good.address()});
  o.try_timeout_ms = 200;
  ParentFinder finder(o);
  EXPECT_TRUE(finder.find(n("a.test.")).zone.equals(n("test.")));
  EXPECT_EQ(silent.queries(), 2u);
  // The silent one is now skipped: the next lookup does not wait for it.
  auto start = steady_clock::now();
  EXPECT_TRUE(finder.find(n("x.deep.test.")).zone.equals(n("test.")));
  EXPECT_LT(steady_clock::now() - start, std::chrono::milliseconds(150));
  EXPECT_EQ(silent.queries(), 2u);
}

TEST(ParentFinder, AResolverSlowForOneNameIsNotTakenForDead) {
  // A working resolver that cannot reach one parent (it never answers for slow.test.) still
  // serves the others: only `down_after` (3) timeouts in a row make it "down".
  std::atomic<bool> alive{true};
  FakeDnsServer resolver([&](const DnsRequest& q) -> std::vector<DnsReply> {
    if (!alive || q.qname.equals(n("slow.test.")))
      return {};
    return Tree{}(q);
  });
  ParentFinderOptions o = options_for({resolver.address()});
  o.try_timeout_ms = 200;
  ParentFinder finder(o);
  EXPECT_TRUE(finder.find(n("zone.test.")).zone.equals(n("test.")));
  std::string e = error_of([&] { finder.find(n("zone.slow.test.")); });
  EXPECT_NE(e.find("no answer (timeout)"), std::string::npos) << e;
  EXPECT_TRUE(finder.find(n("x.deep.test.")).zone.equals(n("test.")));
  // Now it dies: three lookups time out, the fourth does not wait.
  alive = false;
  size_t before = resolver.queries();
  for (const char* zone : {"a.one.test.", "a.two.test.", "a.three.test."})
    EXPECT_THROW(finder.find(n(zone)), ParentUnreachable);
  EXPECT_EQ(resolver.queries(), before + 6);
  e = error_of([&] { finder.find(n("a.four.test.")); });
  EXPECT_NE(e.find("3 queries in a row timed out (skipped for 60 s)"), std::string::npos) << e;
  EXPECT_EQ(resolver.queries(), before + 6);
}

TEST(ParentFinder, AResolverThatNeverAnsweredIsSkippedAfterItsFirstTimeout) {
  FakeDnsServer silent([](const DnsRequest&) { return std::vector<DnsReply>{}; });
  ParentFinderOptions o = options_for({silent.address()});
  o.try_timeout_ms = 200;
  FakeClock clock;
  ParentFinder finder(o, &clock);
  EXPECT_THROW(finder.find(n("a.one.test.")), ParentUnreachable);
  EXPECT_EQ(silent.queries(), 2u);
  std::string e = error_of([&] { finder.find(n("a.two.test.")); });
  EXPECT_NE(e.find("1 query in a row timed out (skipped for 60 s)"), std::string::npos) << e;
  EXPECT_EQ(silent.queries(), 2u);
  clock.advance(61);  // then it is probed again
  EXPECT_THROW(finder.find(n("a.three.test.")), ParentUnreachable);
  EXPECT_EQ(silent.queries(), 4u);
}

TEST(ParentFinder, ConfiguredParentNameserversAreOneServerPerAddress) {
  FakeClock clock;
  ParentFinder finder(options_for({DnsServer{"127.0.0.1", 9}}), &clock);
  auto servers = finder.servers_for(n("example.test."), {"127.0.0.1:5353", "::1"});
  ASSERT_EQ(servers.size(), 2u);
  EXPECT_EQ(servers[0].text(), "127.0.0.1:5353");
  EXPECT_EQ(servers[1].text(), "[::1]:53");
  EXPECT_THROW(finder.servers_for(n("example.test."), {"parent.example"}), InputError);
}

// ------------------------------------------------------------------ asking a parent server

namespace {
FakeDnsServer::Handler authority(bool aa) {
  return [aa](const DnsRequest& q) -> std::vector<DnsReply> {
    return {ReplyBuilder(q).aa(aa).answer(q.qname, rrtype::DS, 300, {0x30, 0x39, 13, 2, 1})};
  };
}
}  // namespace

TEST(ParentFinder, AServerAnswersWhenAnyOfItsAddressesDoes) {
  FakeDnsServer dead([](const DnsRequest&) { return std::vector<DnsReply>{}; });  // no route
  FakeDnsServer live(authority(true));
  ParentFinderOptions o = options_for({DnsServer{"127.0.0.1", 9}});
  o.try_timeout_ms = 200;
  ParentFinder finder(o);
  ParentServer server{n("ns.test."), {dead.address(), live.address()}};
  auto a = finder.query_any_address(server, n("child.test."), rrtype::DS);
  ASSERT_TRUE(a.answered()) << a.failure_text(server);
  EXPECT_EQ(a.answered_by, live.address());
  ASSERT_EQ(a.response->answer.size(), 1u);
  ASSERT_EQ(a.failures.size(), 1u);
  EXPECT_NE(a.failures[0].find(dead.address().text()), std::string::npos) << a.failures[0];
  // The dead address never answered: it is skipped for a while (and it would be asked after the
  // live one anyway), so the next zone's check does not wait for it.
  auto start = steady_clock::now();
  a = finder.query_any_address(server, n("other.test."), rrtype::DS);
  EXPECT_TRUE(a.answered());
  ASSERT_EQ(a.failures.size(), 1u);
  EXPECT_NE(a.failures[0].find("skipped"), std::string::npos) << a.failures[0];
  EXPECT_LT(steady_clock::now() - start, std::chrono::milliseconds(150));
  EXPECT_EQ(dead.queries(), 2u);
}

TEST(ParentFinder, AnAddressThatStoppedAnsweringIsAskedAfterTheOnesThatAnswer) {
  std::atomic<bool> first_alive{true};
  FakeDnsServer first([&](const DnsRequest& q) -> std::vector<DnsReply> {
    if (!first_alive)
      return {};
    return authority(true)(q);
  });
  FakeDnsServer second(authority(true));
  ParentFinderOptions o = options_for({DnsServer{"127.0.0.1", 9}});
  o.try_timeout_ms = 200;
  ParentFinder finder(o);
  ParentServer server{n("ns.test."), {first.address(), second.address()}};
  EXPECT_EQ(finder.query_any_address(server, n("a.test."), rrtype::DS).answered_by,
            first.address());
  first_alive = false;  // its address family just became unreachable
  auto a = finder.query_any_address(server, n("b.test."), rrtype::DS);
  EXPECT_EQ(a.answered_by, second.address());
  EXPECT_EQ(a.failures.size(), 1u);
  // Not "down" after one timeout (it answered before), but asked after the one that answers.
  auto start = steady_clock::now();
  for (const char* zone : {"c.test.", "d.test.", "e.test."}) {
    a = finder.query_any_address(server, n(zone), rrtype::DS);
    EXPECT_EQ(a.answered_by, second.address());
    EXPECT_TRUE(a.failures.empty());
  }
  EXPECT_LT(steady_clock::now() - start, std::chrono::milliseconds(150));
  EXPECT_EQ(first.queries(), 3u);  // a.test. and b.test.'s two tries
}

TEST(ParentFinder, ANonAuthoritativeAnswerIsNoAnswer) {
  FakeDnsServer lame(authority(false));
  FakeDnsServer live(authority(true));
  ParentFinder finder(options_for({DnsServer{"127.0.0.1", 9}}));
  ParentServer server{n("ns.test."), {lame.address(), live.address()}};
  auto a = finder.query_any_address(server, n("child.test."), rrtype::DS);
  ASSERT_TRUE(a.answered());
  EXPECT_EQ(a.answered_by, live.address());
  ASSERT_EQ(a.failures.size(), 1u);
  EXPECT_NE(a.failures[0].find("not authoritative"), std::string::npos) << a.failures[0];

  ParentServer only_lame{n("ns.test."), {lame.address()}};
  a = finder.query_any_address(only_lame, n("child.test."), rrtype::DS);
  EXPECT_FALSE(a.answered());
  EXPECT_NE(a.failure_text(only_lame).find("ns.test.: "), std::string::npos);
}

TEST(ParentFinder, ASubstitutedQueryIsUsedForEveryAddress) {
  ParentFinder finder(options_for({DnsServer{"127.0.0.1", 9}}));
  ParentServer server{n("ns.test."), {DnsServer{"192.0.2.1", 53}, DnsServer{"192.0.2.2", 53}}};
  std::vector<std::string> asked;
  auto a = finder.query_any_address(server, n("child.test."), rrtype::DS,
                                    [&](const DnsServer& s, const Name&, uint16_t) -> DnsResponse {
                                      asked.push_back(s.address);
                                      if (s.address == "192.0.2.1")
                                        throw Error("DNS server " + s.text() + ": offline");
                                      DnsResponse r;
                                      r.aa = true;
                                      return r;
                                    });
  EXPECT_TRUE(a.answered());
  EXPECT_EQ(asked, (std::vector<std::string>{"192.0.2.1", "192.0.2.2"}));
}

TEST(ResolvConf, NameserverLinesInOrderAndTheLoopbackDefault) {
  auto list = parse_resolv_conf(
      "# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver 2001:db8::53 # v6\n"
      "nameserver fe80::1%eth0\nnameserver 192.0.2.53\noptions ndots:2\nnameserver bogus\n");
  EXPECT_EQ(texts(list), (std::vector<std::string>{"192.0.2.53:53", "[2001:db8::53]:53"}));
  EXPECT_EQ(texts(parse_resolv_conf("search example.com\n")),
            std::vector<std::string>{"127.0.0.1:53"});
  EXPECT_EQ(texts(system_resolvers("/nonexistent/resolv.conf")),
            std::vector<std::string>{"127.0.0.1:53"});
}
