// SPDX-License-Identifier: GPL-2.0-or-later
// The validation monitor's pieces in-process: the schedule (spreading, qps ceiling) on a fake
// clock, the stored results (bounded history, state changes audited in the same transaction),
// the classification of resolver answers, the parent DS comparison, and what health makes of it.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "keystore/health.hh"
#include "keystore/monitor.hh"
#include "keystore/monitor_results.hh"
#include "keystore/monitor_schedule.hh"
#include "keystore/zone_ds.hh"
#include "tests/support/keyman_fixture.hh"

using namespace signet;

namespace {

// ------------------------------------------------------------------ the schedule

TEST(MonitorSchedule, SpreadsZonesEvenlyOverTheIntervalInsteadOfBursting) {
  FakeClock clock(1000);
  MonitorSchedule s(clock, 100, 1000000);
  std::vector<uint32_t> zones;
  for (uint32_t i = 1; i <= 1000; ++i)
    zones.push_back(i);
  s.set_zones(zones);
  std::map<uint32_t, int> checks;
  size_t most_in_one_second = 0;
  for (int t = 0; t < 300; ++t) {
    auto due = s.take_due(3);
    most_in_one_second = std::max(most_in_one_second, due.size());
    for (uint32_t z : due)
      ++checks[z];
    clock.advance(1);
  }
  // 1000 zones over 100 s: 10 a second, never the whole portfolio at once.
  EXPECT_EQ(most_in_one_second, 10u);
  // Every zone exactly once per interval: three intervals, three checks each.
  ASSERT_EQ(checks.size(), 1000u);
  for (const auto& [z, n] : checks)
    EXPECT_EQ(n, 3) << "zone " << z;
}

TEST(MonitorSchedule, NeverSendsMoreQueriesThanTheQpsCeiling) {
  FakeClock clock(1000);
  // 1000 zones each 10 s at 5 queries a zone would be 500 qps; the ceiling is 50.
  MonitorSchedule s(clock, 10, 50);
  std::vector<uint32_t> zones;
  for (uint32_t i = 1; i <= 1000; ++i)
    zones.push_back(i);
  s.set_zones(zones);
  uint64_t sent = 0;
  std::map<uint32_t, int> checks;
  for (int t = 0; t < 200; ++t) {
    auto due = s.take_due(5);
    EXPECT_LE(due.size() * 5, 50u) << "second " << t;
    sent += due.size() * 5;
    for (uint32_t z : due)
      ++checks[z];
    clock.advance(1);
  }
  // The ceiling holds over the whole run (one second's burst at most) and is used fully: the
  // checks fall behind instead of the load going up.
  EXPECT_LE(sent, 50u * 200 + 50);
  EXPECT_GE(sent, 50u * 199);
  // Behind, but fair: every zone got its turn, none twice before all once.
  EXPECT_EQ(checks.size(), 1000u);
  for (const auto& [z, n] : checks)
    EXPECT_GE(n, 1) << "zone " << z;
}

TEST(MonitorSchedule, NewZonesJoinAndDeletedZonesLeaveWithoutMovingTheOthers) {
  FakeClock clock(1000);
  MonitorSchedule s(clock, 60, 1000);
  s.set_zones({1, 2, 3});
  std::vector<uint32_t> first;
  for (int t = 0; t < 60; ++t) {
    for (uint32_t z : s.take_due(3))
      first.push_back(z);
    clock.advance(1);
  }
  EXPECT_EQ(first, (std::vector<uint32_t>{1, 2, 3}));
  s.set_zones({2, 3, 4});
  EXPECT_EQ(s.size(), 3u);
  std::vector<uint32_t> second;
  for (int t = 0; t < 60; ++t) {
    for (uint32_t z : s.take_due(3))
      second.push_back(z);
    clock.advance(1);
  }
  std::sort(second.begin(), second.end());
  EXPECT_EQ(second, (std::vector<uint32_t>{2, 3, 4}));
}

TEST(TokenBucket, RefillsAtItsRateAndHoldsAtMostOneSecondsWorth) {
  FakeClock clock(1000);
  TokenBucket b(10, clock);
  EXPECT_TRUE(b.try_take(10));
  EXPECT_FALSE(b.try_take(1));
  clock.advance(100);
  EXPECT_DOUBLE_EQ(b.available(), 10);
}

// ------------------------------------------------------------------ results, probes, health

SigningPolicy monitored_policy() {
  SigningPolicy p;
  p.name = "monitored";
  p.dnskey_ttl = 60;
  p.propagation_delay = 30;
  p.ds_ttl = 120;
  p.registration_delay = 60;
  p.max_zone_ttl = 300;
  p.rollover_jitter = 0;
  p.parent_nameservers = {"192.0.2.1", "192.0.2.2"};
  return p;
}

codec::MonitorResult result(const std::string& resolver, MonitorState s, uint64_t at,
                            std::optional<uint16_t> ede = std::nullopt, std::string text = "") {
  codec::MonitorResult r;
  r.resolver = resolver;
  r.state = static_cast<uint8_t>(s);
  r.at = at;
  r.ede = ede;
  r.ede_text = std::move(text);
  r.detail = s == MonitorState::kBogus ? "SOA SERVFAIL" : "";
  return r;
}

class MonitorTest : public signet::test::KeyManagerFixture {
 protected:
  void SetUp() override {
    KeyManagerFixture::SetUp();
    secure("example.com.", monitored_policy());
  }
  void store_findings(const MonitorFindings& f) {
    MonitorResults results(*store, dnssec->events());
    auto txn = store->begin_write();
    results.record(txn, zone("example.com."), f);
    txn.commit();
  }
  codec::MonitorRecord stored() {
    auto txn = store->begin_read();
    return MonitorResults(*store, dnssec->events()).find(txn, zone("example.com.").id).value();
  }
};

TEST_F(MonitorTest, StoredResultsKeepBoundedHistoryAndAuditEveryStateChangeOnce) {
  const std::string r1 = "127.0.0.1:5353", r2 = "127.0.0.2:53";
  for (int i = 0; i < 30; ++i) {
    MonitorFindings f;
    f.at = clock.now();
    bool broken = i >= 10 && i < 20;
    f.results.push_back(broken ? result(r1, MonitorState::kBogus, f.at, 9, "DNSKEY Missing")
                               : result(r1, MonitorState::kSecure, f.at));
    f.results.push_back(result(r2, MonitorState::kSecure, f.at));
    store_findings(f);
    clock.advance(300);
  }
  codec::MonitorRecord m = stored();
  // The latest check, and at most 20 checks per resolver, newest first.
  ASSERT_EQ(m.results.size(), 2u);
  EXPECT_EQ(monitor_worst(m), MonitorState::kSecure);
  EXPECT_EQ(m.history.size(), 2 * codec::kMonitorChecks);
  EXPECT_GT(m.history.front().at, m.history.back().at);
  // Changes: unknown -> secure for both, secure -> bogus and back for r1.
  ASSERT_EQ(m.changes.size(), 4u);
  EXPECT_EQ(m.changes[0].subject, r1);
  EXPECT_EQ(monitor_state_from(m.changes[0].to), MonitorState::kSecure);
  EXPECT_EQ(monitor_state_from(m.changes[1].to), MonitorState::kBogus);
  EXPECT_EQ(m.changes[1].ede, 9);
  auto audited = this->audited("validation-changed", "example.com.");
  ASSERT_EQ(audited.size(), 4u);
  Json bogus = Json::parse(audited[2].detail);
  EXPECT_EQ(bogus["resolver"], r1);
  EXPECT_EQ(bogus["from"], "secure");
  EXPECT_EQ(bogus["to"], "bogus");
  EXPECT_EQ(bogus["ede"], 9);
  EXPECT_EQ(bogus["ede_text"], "DNSKEY Missing");
  EXPECT_EQ(bogus["reason"], "SOA SERVFAIL");
  EXPECT_TRUE(Json::parse(audited[0].detail)["ede"].is_null());
}

TEST_F(MonitorTest, StateChangesAreBoundedToTheNewestHundred) {
  for (int i = 0; i < 150; ++i) {
    MonitorFindings f;
    f.at = clock.now();
    f.results.push_back(
        result("127.0.0.1:53", i % 2 ? MonitorState::kBogus : MonitorState::kSecure, f.at));
    store_findings(f);
    clock.advance(60);
  }
  codec::MonitorRecord m = stored();
  EXPECT_EQ(m.changes.size(), codec::kMonitorChanges);
  EXPECT_EQ(m.changes.front().at, clock.now() - 60);
  EXPECT_EQ(m.history.size(), codec::kMonitorChecks);
  // The audit log keeps every one of them (it is the permanent record).
  EXPECT_EQ(audited("validation-changed").size(), 150u);
}

TEST_F(MonitorTest, AFailedWriteRecordsNeitherTheResultNorItsAuditEntry) {
  MonitorFindings f;
  f.at = clock.now();
  f.results.push_back(result("127.0.0.1:53", MonitorState::kBogus, f.at, 6, "DNSSEC Bogus"));
  {
    MonitorResults results(*store, dnssec->events());
    auto txn = store->begin_write();
    results.record(txn, zone("example.com."), f);
    // not committed
  }
  auto txn = store->begin_read();
  EXPECT_FALSE(MonitorResults(*store, dnssec->events()).find(txn, zone("example.com.").id));
  EXPECT_TRUE(audited("validation-changed").empty());
}

TEST_F(MonitorTest, HealthIsCriticalNamingTheResolverAndEdeWhenSomeResolverSeesBogus) {
  MonitorFindings f;
  f.at = clock.now();
  f.results.push_back(result("127.0.0.1:5353", MonitorState::kBogus, f.at, 9, "DNSKEY Missing"));
  f.results.push_back(result("127.0.0.2:53", MonitorState::kUnreachable, f.at));
  store_findings(f);
  ZoneHealth h = health("example.com.");
  EXPECT_EQ(h.status, HealthStatus::kCritical);
  EXPECT_EQ(h.monitor, MonitorState::kBogus);
  ASSERT_FALSE(h.reasons.empty());
  EXPECT_EQ(h.reasons[0].rfind("bogus at 127.0.0.1:5353 (EDE 9: DNSKEY Missing)", 0), 0u)
      << h.reasons[0];
  bool unreachable_warned = false;
  for (const auto& r : h.reasons)
    unreachable_warned |= r.rfind("resolver 127.0.0.2:53 unreachable", 0) == 0;
  EXPECT_TRUE(unreachable_warned);
  // The facts the overview and the alerts act on, beside the wording.
  EXPECT_TRUE(bogus_somewhere(h));
  EXPECT_TRUE(monitor_failing(h));
  EXPECT_EQ(h.monitor_reasons.size(), 2u);
  EXPECT_FALSE(ds_mismatch(h));
}

TEST_F(MonitorTest, ProbeClassifiesAnswersByAdServfailAndSilence) {
  Monitor mon(*store, *dnssec, *keyman, clock, MonitorOptions{});
  std::map<std::string, std::function<DnsResponse(uint16_t)>> behaviour;
  behaviour["127.0.0.1"] = [](uint16_t) {
    DnsResponse r;
    r.ad = true;
    return r;
  };
  behaviour["127.0.0.2"] = [](uint16_t) { return DnsResponse{}; };
  behaviour["127.0.0.3"] = [](uint16_t type) {
    DnsResponse r;
    r.ad = true;
    if (type == rrtype::DNSKEY) {
      r.rcode = 2;
      r.ad = false;
      r.ede = 9;
      r.ede_text = "DNSKEY Missing";
    }
    return r;
  };
  behaviour["127.0.0.4"] = [](uint16_t) -> DnsResponse {
    throw DnsTimeout("DNS server 127.0.0.4:53: no answer (timeout)");
  };
  std::vector<Name> asked;
  mon.set_ask([&](const DnsServer& s, const Name& q, uint16_t type) {
    asked.push_back(q);
    return behaviour.at(s.address)(type);
  });
  auto probe = [&](const char* a) { return mon.probe(parse_dns_server(a), n("example.com.")); };
  EXPECT_EQ(monitor_state_from(probe("127.0.0.1").state), MonitorState::kSecure);
  EXPECT_EQ(monitor_state_from(probe("127.0.0.2").state), MonitorState::kInsecure);
  auto bogus = probe("127.0.0.3");
  EXPECT_EQ(monitor_state_from(bogus.state), MonitorState::kBogus);
  EXPECT_EQ(bogus.ede, 9);
  EXPECT_EQ(bogus.ede_text, "DNSKEY Missing");
  EXPECT_EQ(bogus.detail, "DNSKEY SERVFAIL");
  auto down = probe("127.0.0.4");
  EXPECT_EQ(monitor_state_from(down.state), MonitorState::kUnreachable);
  EXPECT_NE(down.detail.find("timeout"), std::string::npos);
  // SOA, DNSKEY and a fresh name below the apex, different every time.
  ASSERT_GE(asked.size(), 6u);
  EXPECT_TRUE(asked[0].equals(n("example.com.")));
  EXPECT_TRUE(asked[2].is_subdomain_of(n("example.com.")) && !asked[2].equals(n("example.com.")));
  EXPECT_FALSE(asked[2].equals(asked[5]));
  // The silent resolver was asked once, not three times.
  EXPECT_EQ(mon.stats().queries.load(), 10u);
}

TEST_F(MonitorTest, CheckComparesEveryParentServersDsWithTheZonesKeysAndAuditsTheChange) {
  std::map<std::string, std::vector<std::vector<uint8_t>>> parent;
  keyman->set_query([&](const DnsServer& s, const Name& qname, uint16_t) {
    DnsResponse r;
    r.aa = true;
    for (const auto& rdata : parent[s.address])
      r.answer.push_back(DnsRecord{qname, rrtype::DS, 120, rdata});
    return r;
  });
  auto ds = wanted_ds("example.com.");
  ASSERT_FALSE(ds.empty());
  parent["192.0.2.1"] = ds;
  parent["192.0.2.2"] = ds;
  Monitor mon(*store, *dnssec, *keyman, clock, MonitorOptions{});
  ASSERT_TRUE(mon.check(zone("example.com.")));
  EXPECT_EQ(parent_ds_check_from(stored().parent_state), ParentDsCheck::kMatch);
  EXPECT_EQ(health("example.com.").status, HealthStatus::kOk) << health("example.com.").reasons[0];

  std::vector<uint8_t> wrong = ds[0];
  wrong.back() ^= 0xff;
  parent["192.0.2.2"] = {wrong};
  clock.advance(300);
  ASSERT_TRUE(mon.check(zone("example.com.")));
  codec::MonitorRecord m = stored();
  EXPECT_EQ(parent_ds_check_from(m.parent_state), ParentDsCheck::kMismatch);
  ASSERT_EQ(m.parent_servers.size(), 2u);
  EXPECT_EQ(parent_ds_check_from(m.parent_servers[0].state), ParentDsCheck::kMatch);
  EXPECT_EQ(parent_ds_check_from(m.parent_servers[1].state), ParentDsCheck::kMismatch);
  EXPECT_EQ(m.parent_servers[1].ds.size(), 1u);
  auto changes = audited("parent-ds-changed", "example.com.");
  ASSERT_EQ(changes.size(), 2u);
  Json d = Json::parse(changes[1].detail);
  EXPECT_EQ(d["from"], "match");
  EXPECT_EQ(d["to"], "mismatch");
  EXPECT_EQ(d["servers"]["192.0.2.2:53"], "mismatch");
  ZoneHealth h = health("example.com.");
  EXPECT_EQ(h.status, HealthStatus::kCritical);
  EXPECT_EQ(h.monitor_parent_ds, ParentDsCheck::kMismatch);
  EXPECT_TRUE(ds_mismatch(h));
  EXPECT_FALSE(bogus_somewhere(h));
  // The JSON document of the contract.
  auto txn = store->begin_read();
  Json doc = monitor_json("example.com.", mon.results().find(txn, zone("example.com.").id));
  EXPECT_EQ(doc["parent_ds"]["state"], "mismatch");
  EXPECT_EQ(doc["status"], "unknown");  // no resolvers configured
  EXPECT_TRUE(doc["history"].is_array());
}

TEST_F(MonitorTest, CheckManyAsksUpToTheConcurrencyAtOnceAndAFailingResolverHoldsUpNoOtherZone) {
  for (const char* z : {"a.example.", "b.example.", "c.example.", "d.example.", "e.example."})
    secure(z, monitored_policy());
  keyman->set_query([](const DnsServer&, const Name&, uint16_t) { return DnsResponse{}; });
  MonitorOptions o;
  o.resolvers = {parse_dns_server("127.0.0.1")};
  o.concurrency = 3;
  Monitor mon(*store, *dnssec, *keyman, clock, o);
  std::atomic<int> in_flight{0}, most{0};
  mon.set_ask([&](const DnsServer&, const Name& q, uint16_t) {
    int now = ++in_flight;
    for (int m = most.load(); now > m && !most.compare_exchange_weak(m, now);) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    --in_flight;
    if (q.is_subdomain_of(Name::from_text("c.example.")))
      throw DnsTimeout("no answer (timeout)");
    DnsResponse r;
    r.ad = true;
    return r;
  });
  std::vector<ZoneRecord> zones;
  for (const char* z :
       {"example.com.", "a.example.", "b.example.", "c.example.", "d.example.", "e.example."})
    zones.push_back(zone(z));
  std::vector<std::string> failed;
  size_t stored_checks = mon.check_many(zones, [&](const ZoneRecord& z, const std::exception&) {
    failed.push_back(z.name.to_text());
  });
  // Three zones were in their resolver's hands at once, never more.
  EXPECT_EQ(most.load(), 3);
  // Every zone got its check stored: c.example.'s silent resolver is a finding (unreachable),
  // and the others are secure.
  EXPECT_EQ(stored_checks, 6u);
  EXPECT_TRUE(failed.empty());
  auto txn = store->begin_read();
  for (const auto& z : zones) {
    auto m = mon.results().find(txn, z.id);
    ASSERT_TRUE(m) << z.name.to_text();
    EXPECT_EQ(monitor_worst(*m),
              z.name.to_text() == "c.example." ? MonitorState::kUnreachable : MonitorState::kSecure)
        << z.name.to_text();
  }
}

TEST(MonitorCodec, RecordRoundTrips) {
  codec::MonitorRecord m;
  m.checked_at = 42;
  m.results.push_back({"127.0.0.1:53", 4, 9, "DNSKEY Missing", 12, 41, "SOA SERVFAIL"});
  m.results.push_back({"embedded", 1, std::nullopt, "", 3, 41, "ok"});
  m.parent_state = 1;
  m.parent_checked_at = 40;
  m.parent_servers.push_back({"ns1.example.", 1, {"12345 13 2 ABCD"}});
  m.history.push_back({"127.0.0.1:53", 4, 9, "x", 12, 41, ""});
  m.changes.push_back({41, "parent-ds", 0, 1, std::nullopt, ""});
  std::string enc = codec::encode_monitor(m);
  codec::MonitorRecord d = codec::decode_monitor(1, codec::as_bytes(enc));
  EXPECT_EQ(codec::encode_monitor(d), enc);
  EXPECT_EQ(d.results[0].ede, 9);
  EXPECT_FALSE(d.results[1].ede.has_value());
  EXPECT_EQ(d.parent_servers[0].ds[0], "12345 13 2 ABCD");
  EXPECT_THROW(codec::decode_monitor(1, codec::as_bytes(enc.substr(0, 20))), CorruptionError);
}

}  // namespace
