// SPDX-License-Identifier: GPL-2.0-or-later
//
// The key manager and its parent, over real UDP on loopback: parents found through a fake
// recursive resolver (signet-resolver) and asked through fake authoritative servers. A parent
// server counts as answering when any of its addresses does; an unreachable resolver costs one
// lookup for a whole portfolio, never holds up other zones' due steps, and health says "parent
// unreachable" from the first failure.
#include <chrono>
#include <mutex>
#include <thread>

#include "signer/rrtype.hh"
#include "tests/support/fake_dns.hh"
#include "tests/support/keyman_fixture.hh"

using namespace signet;
using namespace signet::test;
using namespace std::chrono_literals;

namespace {

SigningPolicy fast_policy(const std::string& name, bool csk) {
  SigningPolicy p;
  p.name = name;
  p.csk = csk;
  p.dnskey_ttl = 60;
  p.propagation_delay = 30;
  p.ds_ttl = 120;
  p.registration_delay = 60;
  p.max_zone_ttl = 300;
  p.rollover_jitter = 0;
  p.parent_check_interval = 60;
  p.cds = CdsMode::kRollover;
  return p;
}

// A parent zone's authoritative server: serves, for each child, the DS RRset the test sets.
class FakeParent {
 public:
  FakeParent()
      : server_([this](const DnsRequest& q) -> std::vector<DnsReply> {
          ReplyBuilder r(q);
          r.aa();
          std::lock_guard lock(mu_);
          if (q.qtype == rrtype::DS) {
            for (const auto& rdata : ds_[q.qname.lowered().to_text()])
              r.answer(q.qname, rrtype::DS, 120, rdata);
          }
          return {r};
        }) {}
  void publish(const std::string& child, std::vector<std::vector<uint8_t>> ds) {
    std::lock_guard lock(mu_);
    ds_[Name::from_text(child).lowered().to_text()] = std::move(ds);
  }
  DnsServer address() const { return server_.address(); }
  size_t queries() const { return server_.queries(); }

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<std::vector<uint8_t>>> ds_;
  FakeDnsServer server_;
};

// A server that never answers (it counts what it was asked).
std::unique_ptr<FakeDnsServer> silent_server() {
  return std::make_unique<FakeDnsServer>([](const DnsRequest&) { return std::vector<DnsReply>{}; });
}

ParentFinderOptions quick_finder(const DnsServer& resolver) {
  ParentFinderOptions o;
  o.resolvers = {resolver};
  o.try_timeout_ms = 300;
  o.tries = 1;
  return o;
}

class KeyManagerParent : public KeyManagerFixture {
 protected:
  std::vector<std::vector<uint8_t>> cds(const std::string& apex) {
    auto txn = store->begin_read();
    std::vector<std::vector<uint8_t>> out;
    auto v = store->get_rrset(txn, zone(apex).id, {}, rrtype::CDS);
    if (!v)
      return out;
    auto it = v->rdatas();
    std::span<const uint8_t> r;
    while (it.next(r))
      out.emplace_back(r.begin(), r.end());
    return out;
  }
  // Advances the clock to the next wake-up (at most `cap` seconds ahead) and runs the due zones.
  void step(uint64_t cap = 3600) {
    uint64_t due = keyman->next_due();
    uint64_t now = clock.now();
    clock.set(due > now ? std::min(due, now + cap) : now + 1);
    keyman->run_due();
  }
  static bool has_reason(const ZoneHealth& h, const std::string& what) {
    for (const auto& r : h.reasons) {
      if (r.find(what) != std::string::npos)
        return true;
    }
    return false;
  }
};

TEST_F(KeyManagerParent, ParentHostWithOneDeadAndOneLiveAddressCountsAsAnswering) {
  // com.'s one NS host has an IPv6 address that never answers and an IPv4 address that serves
  // the DS. Discovery finds both (glue, port 53); the test's query hook sends each address to its
  // fake on a free loopback port.
  FakeParent live;
  auto dead = silent_server();
  FakeDnsServer resolver([](const DnsRequest& q) -> std::vector<DnsReply> {
    ReplyBuilder r(q);
    Name ns = Name::from_text("ns1.nic.com.");
    if (q.qtype == rrtype::NS && q.qname.equals(Name::from_text("com."))) {
      r.answer(q.qname, rrtype::NS, 3600, name_rdata(ns));
      r.additional(ns, rrtype::AAAA, 3600, aaaa_rdata("2001:db8::53"));  // listed first
      r.additional(ns, rrtype::A, 3600, a_rdata("192.0.2.53"));
    } else {
      r.rcode(3);
    }
    return {r};
  });
  keyman->set_parent_finder(quick_finder(resolver.address()));
  std::atomic<int> to_dead{0}, to_live{0};
  keyman->set_query([&](const DnsServer& s, const Name& qname, uint16_t type) {
    QueryOptions o;
    o.try_timeout_ms = 300;
    o.tries = 1;
    if (s.address == "2001:db8::53") {
      ++to_dead;
      return dns_query(dead->address(), qname, type, o);
    }
    EXPECT_EQ(s.address, "192.0.2.53");
    ++to_live;
    return dns_query(live.address(), qname, type, o);
  });
  secure("example.com.", fast_policy("fast", false));
  live.publish("example.com.", wanted_ds("example.com."));
  keyman->tick(zone("example.com.").id);
  auto rec = rollover("example.com.");
  EXPECT_EQ(rec.parent_failures, 0u) << rec.last_check_error;
  EXPECT_EQ(rec.parent_ds.size(), 1u);  // served by "every server": the host, by its IPv4 address
  EXPECT_GE(to_dead.load(), 1);
  EXPECT_GE(to_live.load(), 1);

  // A KSK rollover: it waits for the parent to serve the new DS, and proceeds once the live
  // address does.
  {
    auto txn = store->begin_write();
    keyman->request_rollover(txn, zone("example.com."), RolloverKind::kKsk);
    txn.commit();
  }
  keyman->tick(zone("example.com.").id);
  EXPECT_EQ(status("example.com.").plan.in_progress, RolloverKind::kKsk);
  for (int i = 0; i < 10; ++i)
    step();
  EXPECT_NE(status("example.com.").plan.status.find("waiting for every parent server"),
            std::string::npos)
      << status("example.com.").plan.status;
  live.publish("example.com.", cds("example.com."));  // the parent follows the CDS
  for (int i = 0; i < 30 && status("example.com.").plan.in_progress != RolloverKind::kNone; ++i)
    step();
  EXPECT_EQ(status("example.com.").plan.in_progress, RolloverKind::kNone);
  EXPECT_EQ(rdata_texts("example.com.", "example.com.", rrtype::DNSKEY).size(), 2u);
  EXPECT_EQ(audited("parent-check-failed").size(), 0u);
  EXPECT_EQ(resolver.queries_for(Name::from_text("com."), rrtype::NS), 1u);  // cached
}

TEST_F(KeyManagerParent, SomeServersSilentIsNotParentUnreachable) {
  // Two configured parent servers, one of which never answers: the DS cannot be known to be at
  // every server, but the parent is reachable — health waits for the failures to persist.
  FakeParent live;
  auto dead = silent_server();
  SigningPolicy p = fast_policy("two", true);
  p.parent_nameservers = {live.address().text(), dead->address().text()};
  secure("example.com.", p);
  live.publish("example.com.", wanted_ds("example.com."));
  keyman->set_parent_finder(quick_finder(DnsServer{"127.0.0.1", 9}));
  keyman->tick(zone("example.com.").id);
  auto rec = rollover("example.com.");
  EXPECT_EQ(rec.parent_failures, 1u);
  EXPECT_EQ(
      rec.last_check_error.rfind("parent server(s) not answering: " + dead->address().text(), 0),
      0u)
      << rec.last_check_error;
  ZoneHealth h = health("example.com.");
  EXPECT_FALSE(h.parent_unreachable);
  EXPECT_FALSE(has_reason(h, "parent unreachable"));
}

TEST_F(KeyManagerParent, UnreachableResolverCostsOneLookupForAllZonesAndHealthSaysSo) {
  const int kZones = 200;
  auto resolver = silent_server();
  keyman->set_parent_finder(quick_finder(resolver->address()));
  SigningPolicy p;  // the default policy: no parent-nameservers
  p.name = "plain";
  add_policy(p);
  for (int i = 0; i < kZones; ++i)
    secure("z" + std::to_string(i) + ".example.", p);
  uint64_t now = clock.now();

  auto started = std::chrono::steady_clock::now();
  size_t acted = keyman->run_due();
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("run_due over %d zones, resolver silent: %.2f s, %zu resolver queries\n", kZones,
              took, resolver->queries());
  EXPECT_EQ(acted, size_t(kZones));
  EXPECT_LT(took, 30.0);
  EXPECT_GE(resolver->queries(), 1u);
  EXPECT_LE(resolver->queries(), 3u);  // one NS lookup of example., not one per zone
  for (int i = 0; i < kZones; ++i) {
    std::string apex = "z" + std::to_string(i) + ".example.";
    auto rec = rollover(apex);
    EXPECT_EQ(rec.last_tick, now) << apex;
    EXPECT_GT(rec.next_wakeup, now) << apex;
    EXPECT_EQ(rec.parent_failures, 1u) << apex;
    EXPECT_EQ(rec.last_check_error.rfind("parent unreachable: ", 0), 0u) << rec.last_check_error;
  }
  ZoneHealth h = health("z7.example.");
  EXPECT_EQ(h.status, HealthStatus::kWarning);
  EXPECT_TRUE(h.parent_unreachable);
  EXPECT_TRUE(has_reason(h, "parent unreachable: ")) << h.reasons[0];
  EXPECT_EQ(audited("parent-check-failed").size(), size_t(kZones));
}

TEST_F(KeyManagerParent, ZonesThatNeedNoParentTickBeforeAnyParentLookup) {
  // One zone with a due step that needs nothing from the parent (a ZSK rollover), checked at its
  // own parent a moment ago; many freshly secured zones whose parent must be found through a
  // resolver that never answers. The first zone's step happens before the resolver is asked.
  FakeParent parent;
  auto resolver = silent_server();
  keyman->set_parent_finder(quick_finder(resolver->address()));
  SigningPolicy local = fast_policy("local", false);
  local.parent_nameservers = {parent.address().text()};
  secure("local.test.", local);
  parent.publish("local.test.", wanted_ds("local.test."));
  keyman->tick(zone("local.test.").id);
  ASSERT_EQ(rollover("local.test.").parent_failures, 0u);
  SigningPolicy p;
  p.name = "plain";
  add_policy(p);
  for (int i = 0; i < 50; ++i)
    secure("z" + std::to_string(i) + ".example.", p);
  {
    auto txn = store->begin_write();
    keyman->request_rollover(txn, zone("local.test."), RolloverKind::kZsk);
    txn.commit();
  }
  long asked_before_local = -1;
  on_log = [&](const std::string& m) {
    if (asked_before_local < 0 && m.rfind("zone 'local.test.'", 0) == 0)
      asked_before_local = static_cast<long>(resolver->queries());
  };
  keyman->run_due();
  EXPECT_EQ(asked_before_local, 0);
  EXPECT_EQ(status("local.test.").plan.in_progress, RolloverKind::kZsk);
  EXPECT_GE(resolver->queries(), 1u);
  EXPECT_EQ(rollover("z3.example.").parent_failures, 1u);
}

}  // namespace
