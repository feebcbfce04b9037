// SPDX-License-Identifier: GPL-2.0-or-later
//
// The key manager against a real store, a fake clock and a fake parent: whole rollovers, tick by
// tick, with our own verification of the zone after every tick (every stored signature valid,
// made by a key in the DNSKEY RRset, the chain complete) — outside validators run in the
// integration drill.
#include "keystore/keyman.hh"

#include <sys/stat.h>

#include <fstream>
#include <map>
#include <thread>

#include "keystore/health.hh"
#include "keystore/signing.hh"
#include "signer/ds.hh"
#include "signer/error.hh"
#include "tests/support/dnssec_fixture.hh"

using namespace signet;
using signet::test::DnssecStoreTest;

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
  p.parent_nameservers = {"192.0.2.1", "192.0.2.2"};
  p.parent_check_interval = 60;
  p.cds = CdsMode::kRollover;
  return p;
}

class KeyManagerTest : public DnssecStoreTest {
 protected:
  void SetUp() override {
    DnssecStoreTest::SetUp();
    audit = std::make_unique<AuditLog>(*store, clock, "test");
    dnssec->events().set_audit(audit.get());
    // Stored policies resolve through this table (the YAML itself is conf/'s business).
    dnssec->policies().set_parser(
        [this](const std::string& name, const std::string&) { return policies.at(name); });
    keyman = std::make_unique<KeyManager>(*store, *dnssec, clock,
                                          [this](bool, const std::string& m) { log.push_back(m); });
    keyman->set_query([this](const DnsServer& s, const Name& qname, uint16_t type) {
      ++queries;
      if (parent_down)
        throw Error("DNS server " + s.text() + ": no answer (timeout)");
      DnsResponse r;
      r.aa = true;
      EXPECT_EQ(type, rrtype::DS);
      for (const auto& rdata : parent[s.address]) {
        DnsRecord rec;
        rec.owner = qname;
        rec.type = rrtype::DS;
        rec.ttl = 120;
        rec.rdata = rdata;
        r.answer.push_back(rec);
      }
      return r;
    });
    make_zone("acme", "example.com.");
    edit("example.com.", [&](ZoneWriter& w) {
      w.add(n("www.example.com."), rrtype::A, 300, rd(rrtype::A, "192.0.2.80"));
      w.add(n("a.b.example.com."), rrtype::TXT, 300, rd(rrtype::TXT, "\"deep\""));
    });
  }

  void add_policy(const SigningPolicy& p) {
    policies[p.name] = p;
    auto txn = store->begin_write();
    dnssec->policy_store().put(txn, kGlobalPolicyOwner, p, "(test)");
    txn.commit();
  }

  ZoneRecord zone() {
    auto txn = store->begin_read();
    return portfolio->zone(txn, n("example.com."));
  }

  void secure(const SigningPolicy& p) {
    add_policy(p);
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    dnssec->signing().secure(txn, z, p, 1);
    txn.commit();
  }

  // The DS records the parent "publishes" on every server: the zone's current CDS.
  std::vector<std::vector<uint8_t>> cds() {
    auto txn = store->begin_read();
    std::vector<std::vector<uint8_t>> out;
    auto v = store->get_rrset(txn, zone().id, {}, rrtype::CDS);
    if (!v)
      return out;
    auto it = v->rdatas();
    std::span<const uint8_t> r;
    while (it.next(r))
      out.emplace_back(r.begin(), r.end());
    return out;
  }
  std::vector<std::vector<uint8_t>> current_ds() {
    auto txn = store->begin_read();
    return dnssec->ds().wanted(txn, zone(), DigestType::kSha256);
  }
  void parent_publishes(const std::vector<std::vector<uint8_t>>& ds) {
    parent["192.0.2.1"] = ds;
    parent["192.0.2.2"] = ds;
  }

  std::vector<KeyTimes> keys() {
    auto txn = store->begin_read();
    return dnssec->keys().times(txn, zone().id);
  }
  ZoneKeyStatus status() {
    auto txn = store->begin_read();
    return keyman->status(txn, zone());
  }
  codec::RolloverRecord rollover() {
    auto txn = store->begin_read();
    return dnssec->state().rollover(txn, zone().id);
  }

  // Our verification plus: every signature is by a key in the DNSKEY RRset or by one not yet
  // published (algorithm rollover), and every published algorithm signs every RRset.
  void expect_valid(const std::string& when) {
    auto txn = store->begin_read();
    VerifyReport r = dnssec->verifier().verify(txn, zone());
    std::string p;
    for (const auto& x : r.problems)
      p += x + "\n";
    EXPECT_TRUE(r.ok()) << when << ":\n" << p;
  }

  // Advances the clock to the next wake-up (at most `cap` seconds), runs the due zones.
  void step(uint64_t cap = 3600) {
    uint64_t due = keyman->next_due();
    uint64_t now = clock.now();
    clock.set(due > now ? std::min(due, now + cap) : now + 1);
    keyman->run_due();
  }

  size_t count_audit(const std::string& kind) {
    auto txn = store->begin_read();
    size_t n = 0;
    audit->for_each(txn, [&](const AuditEntry& e) { n += e.kind == kind; });
    return n;
  }

  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<KeyManager> keyman;
  std::map<std::string, SigningPolicy> policies;
  std::map<std::string, std::vector<std::vector<uint8_t>>> parent;
  bool parent_down = false;
  int queries = 0;
  std::vector<std::string> log;
};

TEST_F(KeyManagerTest, ZskRolloverPrePublishesSwitchesAndRemovesTheOldKey) {
  secure(fast_policy("fast", false));
  parent_publishes(current_ds());
  keyman->tick(zone().id);
  expect_valid("after securing");
  {
    auto txn = store->begin_write();
    keyman->request_rollover(txn, zone(), RolloverKind::kZsk);
    txn.commit();
  }
  auto r = keyman->tick(zone().id);
  ASSERT_FALSE(r.steps.empty());
  EXPECT_EQ(status().plan.in_progress, RolloverKind::kZsk);
  ASSERT_EQ(keys().size(), 3u);
  // Pre-published: in the DNSKEY RRset, not signing.
  EXPECT_EQ(rdata_texts("example.com.", "example.com.", rrtype::DNSKEY).size(), 3u);
  for (int i = 0; i < 20 && status().plan.in_progress != RolloverKind::kNone; ++i) {
    step();
    expect_valid("during the ZSK rollover at +" + std::to_string(clock.now() - 1700000000));
  }
  EXPECT_EQ(status().plan.in_progress, RolloverKind::kNone);
  EXPECT_EQ(rdata_texts("example.com.", "example.com.", rrtype::DNSKEY).size(), 2u);
  EXPECT_EQ(count_audit("key-removed"), 1u);
  EXPECT_EQ(count_audit("key-activated"), 3u);  // KSK, ZSK at secure time; the new ZSK
  // The old ZSK signs nothing any more.
  auto ks = keys();
  auto txn = store->begin_read();
  EXPECT_TRUE(dnssec->verifier().verify(txn, zone()).ok());
}

TEST_F(KeyManagerTest, KskRolloverStallsUntilEveryParentServerServesTheNewDs) {
  secure(fast_policy("fast", false));
  parent_publishes(current_ds());
  keyman->tick(zone().id);
  EXPECT_EQ(rollover().parent_ds.size(), 1u);
  auto old_ds = current_ds();
  {
    auto txn = store->begin_write();
    keyman->request_rollover(txn, zone(), RolloverKind::kKsk);
    txn.commit();
  }
  keyman->tick(zone().id);
  // Let it run for a long simulated time with the parent serving only the old DS.
  for (int i = 0; i < 30; ++i) {
    step();
    expect_valid("KSK rollover, parent not updated");
  }
  EXPECT_EQ(status().plan.in_progress, RolloverKind::kKsk);
  EXPECT_NE(status().plan.status.find("waiting for every parent server"), std::string::npos)
      << status().plan.status;
  // CDS asks for the new DS only (the parent replaces its DS RRset with it).
  auto want = cds();
  ASSERT_EQ(want.size(), 1u);
  EXPECT_NE(want, old_ds);
  int ksks = 0;
  for (const auto& k : keys())
    ksks += k.role == KeyRole::kKsk && !k.remove;
  EXPECT_EQ(ksks, 2);
  // One server publishes: still waiting.
  parent["192.0.2.1"] = want;
  for (int i = 0; i < 5; ++i)
    step();
  EXPECT_EQ(status().plan.in_progress, RolloverKind::kKsk);
  // Both: the rollover completes after the DS TTL.
  parent["192.0.2.2"] = want;
  for (int i = 0; i < 20 && status().plan.in_progress != RolloverKind::kNone; ++i) {
    step();
    expect_valid("KSK rollover, parent updated");
  }
  EXPECT_EQ(status().plan.in_progress, RolloverKind::kNone);
  EXPECT_EQ(rdata_texts("example.com.", "example.com.", rrtype::DNSKEY).size(), 2u);
  // cds: rollover — once the parent is seen without the old DS, nothing is asked of it any more.
  for (int i = 0; i < 3; ++i)
    step();
  EXPECT_TRUE(cds().empty());
  EXPECT_GE(count_audit("ds-observed"), 1u);
  EXPECT_EQ(count_audit("ds-retired"), 1u);
}

TEST_F(KeyManagerTest, ManualApprovalProposesStepsAndAppliesThemOnlyWhenApproved) {
  SigningPolicy p = fast_policy("careful", false);
  p.manual_approval = true;
  secure(p);
  parent_publishes(current_ds());
  {
    auto txn = store->begin_write();
    keyman->request_rollover(txn, zone(), RolloverKind::kZsk);
    txn.commit();
  }
  auto r = keyman->tick(zone().id);
  EXPECT_TRUE(r.awaiting_approval);
  EXPECT_EQ(keys().size(), 2u);  // nothing generated yet
  EXPECT_FALSE(rollover().proposal.empty());
  clock.advance(3600);
  keyman->tick(zone().id);
  EXPECT_EQ(keys().size(), 2u);  // still waiting
  auto a = keyman->tick(zone().id, KeyManager::Mode::kApprove);
  EXPECT_FALSE(a.steps.empty());
  EXPECT_EQ(keys().size(), 3u);
  EXPECT_EQ(count_audit("rollover-approved"), 1u);
  // The next step (activation) is proposed again in its time.
  clock.advance(600);
  auto b = keyman->tick(zone().id);
  EXPECT_TRUE(b.awaiting_approval);
  expect_valid("awaiting the second approval");
}

TEST_F(KeyManagerTest, AlgorithmRolloverWaitsForARunningRolloverThenMovesTo15) {
  secure(fast_policy("fast", false));
  parent_publishes(current_ds());
  keyman->tick(zone().id);
  {
    auto txn = store->begin_write();
    keyman->request_rollover(txn, zone(), RolloverKind::kZsk);
    txn.commit();
  }
  keyman->tick(zone().id);
  {
    auto txn = store->begin_write();
    keyman->request_rollover(txn, zone(), RolloverKind::kAlgorithm, Algorithm::kEd25519);
    txn.commit();
  }
  auto r = keyman->tick(zone().id);
  // Never two rollovers at once: the ZSK rollover finishes first.
  EXPECT_NE(r.status.find("waits for the zsk rollover"), std::string::npos) << r.status;
  for (const auto& k : keys())
    EXPECT_EQ(k.algorithm, Algorithm::kEcdsaP256Sha256);
  bool started = false;
  for (int i = 0; i < 60; ++i) {
    // The parent follows the CDS after its registration delay (here: at once).
    if (!cds().empty() && cds() != parent["192.0.2.1"])
      parent_publishes(cds());
    step();
    expect_valid("algorithm rollover, step " + std::to_string(i));
    if (status().plan.in_progress == RolloverKind::kAlgorithm)
      started = true;
    if (started && status().plan.in_progress == RolloverKind::kNone)
      break;
  }
  EXPECT_TRUE(started);
  EXPECT_EQ(status().plan.in_progress, RolloverKind::kNone);
  for (const auto& k : keys()) {
    if (!k.remove) {
      EXPECT_EQ(k.algorithm, Algorithm::kEd25519);
    }
  }
  for (const auto& t : rdata_texts("example.com.", "example.com.", rrtype::DNSKEY))
    EXPECT_NE(t.find(" 3 15 "), std::string::npos) << t;
}

TEST_F(KeyManagerTest, EmergencyZskRolloverRetiresTheCompromisedKeyAtOnce) {
  secure(fast_policy("fast", false));
  uint16_t zsk = 0;
  for (const auto& k : keys())
    if (k.role == KeyRole::kZsk)
      zsk = k.tag;
  {
    auto txn = store->begin_write();
    keyman->request_emergency(txn, zone(), zsk);
    txn.commit();
  }
  keyman->tick(zone().id);
  expect_valid("after the emergency rollover");
  for (const auto& t : rdata_texts("example.com.", "example.com.", rrtype::DNSKEY))
    EXPECT_EQ(t.find(std::to_string(zsk)), std::string::npos);
  auto txn = store->begin_read();
  for (const auto& k : dnssec->keys().list(txn, zone().id)) {
    if (k.tag == zsk) {
      EXPECT_FALSE(key_is_published(k, clock.now()));
    }
  }
}

TEST_F(KeyManagerTest, FailingDsHookIsAuditedAndRetriedWithBackoff) {
  std::string hook = dir.file("hook.sh");
  std::string out = dir.file("hook.out");
  {
    std::ofstream f(hook);
    f << "#!/bin/sh\necho registrar says no\nexit 3\n";
  }
  chmod(hook.c_str(), 0755);
  SigningPolicy p = fast_policy("hooked", false);
  p.ds_submission = SigningPolicy::DsSubmission::kHook;
  p.ds_hook = hook;
  secure(p);
  auto r = keyman->tick(zone().id);
  EXPECT_NE(r.submission.find("failed"), std::string::npos) << r.submission;
  EXPECT_NE(r.submission.find("registrar says no"), std::string::npos) << r.submission;
  EXPECT_EQ(count_audit("ds-submission-failed"), 1u);
  auto rec = rollover();
  EXPECT_EQ(rec.submit_failures, 1u);
  EXPECT_GT(rec.next_submit, clock.now());
  // Not retried before its time.
  keyman->run_due();
  EXPECT_EQ(count_audit("ds-submission-failed"), 1u);
  {
    std::ofstream f(hook);
    f << "#!/bin/sh\necho \"$@\" > " << out << "\ncat >> " << out << "\nexit 0\n";
  }
  clock.set(rec.next_submit);
  keyman->run_due();
  EXPECT_EQ(count_audit("ds-submission"), 1u);
  EXPECT_EQ(rollover().submit_key, 0u);
  std::ifstream f(out);
  std::string args;
  std::getline(f, args);
  // PROGRAM -- ZONE DS... (signer/ds_hook.hh): after "--" nothing is read as an option.
  EXPECT_EQ(args.rfind("-- example.com. example.com. 120 IN DS ", 0), 0u) << args;
}

TEST_F(KeyManagerTest, TwoManagersOnOneStoreNeverDoubleStepAKey) {
  secure(fast_policy("fast", false));
  parent_publishes(current_ds());
  keyman->tick(zone().id);
  {
    auto txn = store->begin_write();
    keyman->request_rollover(txn, zone(), RolloverKind::kZsk);
    txn.commit();
  }
  KeyManager other(*store, *dnssec, clock);
  other.set_query(
      [](const DnsServer&, const Name&, uint16_t) -> DnsResponse { throw Error("offline"); });
  std::thread a([&] { keyman->run_due(); });
  std::thread b([&] { other.run_due(); });
  a.join();
  b.join();
  EXPECT_EQ(keys().size(), 3u);  // one new ZSK, not two
  EXPECT_EQ(count_audit("key-generated"), 3u);
}

TEST_F(KeyManagerTest, GoingInsecurePublishesDeleteRecordsAndUnsignsOnceTheDsIsGone) {
  secure(fast_policy("fast", true));
  parent_publishes(current_ds());
  keyman->tick(zone().id);
  {
    auto txn = store->begin_write();
    keyman->request_rollover(txn, zone(), RolloverKind::kInsecure);
    txn.commit();
  }
  keyman->tick(zone().id);
  auto c = cds();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0], cds_delete_rdata());
  for (int i = 0; i < 5; ++i)
    step();
  EXPECT_TRUE(dnssec->state().find(store->begin_read(), zone().id).has_value());  // DS still there
  parent_publishes({});
  for (int i = 0; i < 10; ++i)
    step();
  auto txn = store->begin_read();
  EXPECT_FALSE(dnssec->state().find(txn, zone().id).has_value());
  EXPECT_TRUE(rdata_texts("example.com.", "example.com.", rrtype::DNSKEY).empty());
}

TEST_F(KeyManagerTest, HealthReportsAMissingParentDsAndAFailingParentCheck) {
  secure(fast_policy("fast", false));
  keyman->tick(zone().id);  // parent serves nothing
  {
    auto txn = store->begin_read();
    ZoneHealth h = assess_zone(*keyman, *dnssec, *store, txn, zone(), "acme", clock.now());
    EXPECT_EQ(h.status, HealthStatus::kWarning);
    EXPECT_EQ(h.parent_ds, ParentDsState::kMissing);
  }
  parent_publishes(current_ds());
  clock.advance(86400 + 1);
  keyman->run_due();
  {
    auto txn = store->begin_read();
    ZoneHealth h = assess_zone(*keyman, *dnssec, *store, txn, zone(), "acme", clock.now());
    EXPECT_EQ(h.parent_ds, ParentDsState::kMatch);
    EXPECT_EQ(h.status, HealthStatus::kOk) << h.reasons[0];
    EXPECT_FALSE(h.signatures_expiring);
    EXPECT_FALSE(ds_mismatch(h));
  }
  // A DS matching none of our keys: every validator fails the zone.
  std::vector<uint8_t> bogus = current_ds()[0];
  bogus.back() ^= 0xff;
  parent_publishes({bogus});
  clock.advance(86400 + 1);
  keyman->run_due();
  auto txn = store->begin_read();
  ZoneHealth h = assess_zone(*keyman, *dnssec, *store, txn, zone(), "acme", clock.now());
  EXPECT_EQ(h.status, HealthStatus::kCritical);
  EXPECT_EQ(h.parent_ds, ParentDsState::kMismatch);
  EXPECT_TRUE(ds_mismatch(h));
  // Signatures close to expiry are critical.
  ZoneHealth late =
      assess_zone(*keyman, *dnssec, *store, txn, zone(), "acme", clock.now() + 14 * 86400);
  EXPECT_EQ(late.status, HealthStatus::kCritical);
  EXPECT_TRUE(late.signatures_expiring);
}

TEST_F(KeyManagerTest, ZonesWithoutTheirOwnPolicyFollowTheirTenantsDefault) {
  SigningPolicy p = fast_policy("tenantwide", false);
  add_policy(p);
  {
    auto txn = store->begin_write();
    auto t = *store->find_tenant(txn, "acme");
    t.policy = "tenantwide";
    store->put_tenant(txn, t);
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    dnssec->signing().secure(txn, z, p, 1, /*own_policy=*/false);
    txn.commit();
  }
  auto txn = store->begin_read();
  auto st = dnssec->state().find(txn, zone().id);
  EXPECT_EQ(st->policy, "");
  EXPECT_EQ(dnssec->policies().name_for(txn, zone(), *st), "tenantwide");
  EXPECT_FALSE(dnssec->policies().for_zone(txn, zone(), *st).csk);
}

}  // namespace
