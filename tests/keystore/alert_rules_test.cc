// SPDX-License-Identifier: GPL-2.0-or-later
//
// The alert rules (keystore/alert_rules.hh) over synthetic health with a fake clock: which state
// changes alert and which do not (dedup), "resolved", the threshold on waiting rollovers, the
// rate limit; and the alert state's byte layout and table (keystore/alert_store.hh).
#include "keystore/alert_rules.hh"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>

#include "keystore/alert_store.hh"
#include "tests/support/store_fixture.hh"

using namespace signet;

namespace {

constexpr uint64_t kHour = 3600;
constexpr uint64_t kDay = 86400;

// What health found besides the status and reasons (the facts the rules act on).
enum Fact { kBogus, kDsMismatch, kMonitorDsMismatch, kSignaturesExpiring, kAwaitsApproval };

ZoneHealth zone(HealthStatus s, std::vector<std::string> reasons,
                std::initializer_list<Fact> facts = {}) {
  ZoneHealth h;
  h.zone = "example.com.";
  h.tenant = "acme";
  h.secured = true;
  h.status = s;
  h.reasons = std::move(reasons);
  for (Fact f : facts) {
    switch (f) {
      case kBogus:
        h.monitor = MonitorState::kBogus;
        break;
      case kDsMismatch:
        h.parent_ds = ParentDsState::kMismatch;
        break;
      case kMonitorDsMismatch:
        h.monitor_parent_ds = ParentDsCheck::kMismatch;
        break;
      case kSignaturesExpiring:
        h.signatures_expiring = true;
        break;
      case kAwaitsApproval:
        h.awaits_approval = true;
        break;
    }
  }
  return h;
}

ZoneHealth ok_zone() {
  return zone(HealthStatus::kOk, {"signed"});
}

// One survey of `h` at `clock`, the stored state carried along as signetd does.
struct Tracker {
  FakeClock clock;
  std::optional<AlertStateRecord> state;
  uint64_t waiting_after = kDay;

  AlertDecision step(const ZoneHealth& h) {
    AlertCondition c =
        zone_alert_condition(h, state ? state->waiting_since : 0, clock.now(), waiting_after);
    AlertDecision d = decide_alert(c, state, h.zone, clock.now());
    if (d.changed) {
      if (d.erase)
        state.reset();
      else
        state = d.next;
    }
    return d;
  }
};

}  // namespace

TEST(AlertRules, OkToCriticalAlertsOnceAndBackToOkIsOneResolvedAlert) {
  Tracker t;
  EXPECT_FALSE(t.step(ok_zone()).alert);
  EXPECT_FALSE(t.state.has_value());  // nothing stored for an ok zone

  ZoneHealth bad =
      zone(HealthStatus::kCritical, {"signatures expire in 5 h"}, {kSignaturesExpiring});
  AlertDecision d = t.step(bad);
  EXPECT_TRUE(d.alert);
  EXPECT_EQ(d.event, "critical");
  EXPECT_EQ(d.previous, HealthStatus::kOk);
  EXPECT_EQ(d.next.conditions, std::vector<std::string>{"signatures-expiring"});
  std::string id = d.next.id;
  EXPECT_EQ(id.size(), 16u);

  // The same condition, even with other words and later: never again.
  for (int i = 0; i < 5; ++i) {
    t.clock.advance(kHour);
    d = t.step(zone(HealthStatus::kCritical,
                    {"signatures expire in " + std::to_string(4 - i) + " h"},
                    {kSignaturesExpiring}));
    EXPECT_FALSE(d.alert) << i;
    EXPECT_FALSE(d.changed) << i;
  }
  EXPECT_EQ(t.state->id, id);

  t.clock.advance(kHour);
  d = t.step(ok_zone());
  EXPECT_TRUE(d.alert);
  EXPECT_EQ(d.event, "resolved");
  EXPECT_EQ(d.previous, HealthStatus::kCritical);
  EXPECT_TRUE(d.erase);
  EXPECT_FALSE(t.state.has_value());
  EXPECT_FALSE(t.step(ok_zone()).alert);
}

TEST(AlertRules, WarningToCriticalAndBackToWarningAlertEachTime) {
  Tracker t;
  EXPECT_EQ(t.step(zone(HealthStatus::kWarning, {"the parent serves no DS: ..."})).event,
            "warning");
  AlertDecision d = t.step(
      zone(HealthStatus::kCritical, {"signatures have expired: ..."}, {kSignaturesExpiring}));
  EXPECT_TRUE(d.alert);
  EXPECT_EQ(d.event, "critical");
  EXPECT_EQ(d.previous, HealthStatus::kWarning);
  d = t.step(zone(HealthStatus::kWarning, {"the parent serves no DS: ..."}));
  EXPECT_TRUE(d.alert);
  EXPECT_EQ(d.event, "warning");
  EXPECT_EQ(d.previous, HealthStatus::kCritical);
}

TEST(AlertRules, ACriticalZoneIsOneIncidentWhateverElseGoesWrongBeforeItIsResolved) {
  Tracker t;
  EXPECT_TRUE(t.step(zone(HealthStatus::kCritical,
                          {"bogus at 127.0.0.1:5353 (EDE 9: DNSKEY Missing)"}, {kBogus}))
                  .alert);
  // The parent's DS check finds the mismatch a pass later: recorded, not paged again.
  ZoneHealth both = zone(HealthStatus::kCritical,
                         {"bogus at 127.0.0.1:5353 (EDE 9: DNSKEY Missing)",
                          "the parent's DS matches none of the zone's keys: validators see the "
                          "zone as bogus"},
                         {kBogus, kDsMismatch});
  AlertDecision d = t.step(both);
  EXPECT_FALSE(d.alert);
  EXPECT_TRUE(d.changed);
  EXPECT_EQ(t.state->conditions, (std::vector<std::string>{"bogus", "ds-mismatch"}));
  EXPECT_FALSE(t.step(both).changed);
  // The resolution names everything the incident had.
  d = t.step(ok_zone());
  EXPECT_TRUE(d.alert);
  EXPECT_EQ(d.event, "resolved");
  EXPECT_EQ(d.previous, HealthStatus::kCritical);
}

TEST(AlertRules, ANewConditionOnAWarningZoneAlertsAndOneThatGoesAwayChangesTheStateSilently) {
  Tracker t;
  t.step(zone(HealthStatus::kWarning, {"signatures expire in 3 d, inside half the refresh window"},
              {kSignaturesExpiring}));
  ZoneHealth both = zone(HealthStatus::kWarning,
                         {"bogus at 127.0.0.1:5353 (EDE 9: DNSKEY Missing)",
                          "signatures expire in 3 d, inside half the refresh window"},
                         {kBogus, kSignaturesExpiring});
  AlertDecision d = t.step(both);
  EXPECT_TRUE(d.alert);
  EXPECT_EQ(d.event, "warning");
  EXPECT_EQ(d.next.conditions, (std::vector<std::string>{"bogus", "signatures-expiring"}));
  // The signatures are renewed, the zone is still bogus somewhere: recorded, not sent.
  d = t.step(
      zone(HealthStatus::kWarning, {"bogus at 127.0.0.1:5353 (EDE 9: DNSKEY Missing)"}, {kBogus}));
  EXPECT_FALSE(d.alert);
  EXPECT_TRUE(d.changed);
  EXPECT_EQ(t.state->conditions, std::vector<std::string>{"bogus"});
  EXPECT_FALSE(t.step(zone(HealthStatus::kWarning, {"bogus at 127.0.0.1:5353"}, {kBogus})).alert);
}

TEST(AlertRules, ConditionsAreNamedFromHealth) {
  ZoneHealth h = zone(HealthStatus::kCritical,
                      {"the parent's DS matches none of the zone's keys: validators see the zone "
                       "as bogus"},
                      {kDsMismatch});
  EXPECT_EQ(zone_alert_condition(h, 0, 1000, kDay).conditions,
            std::vector<std::string>{"ds-mismatch"});
  // The monitor's own parent check found it.
  h = zone(HealthStatus::kCritical,
           {"the monitor finds a parent DS matching none of the zone's keys at 127.0.0.1:53: "
            "validators see the zone as bogus"},
           {kMonitorDsMismatch});
  EXPECT_EQ(zone_alert_condition(h, 0, 1000, kDay).conditions,
            std::vector<std::string>{"ds-mismatch"});
  // Stray DS records beside a matching one are a warning, not a mismatch: no fact behind it.
  h = zone(HealthStatus::kWarning,
           {"the parent also serves 1 DS record(s) matching none of the zone's keys"});
  EXPECT_TRUE(zone_alert_condition(h, 0, 1000, kDay).conditions.empty());
  // The rules read health's facts, not its wording.
  h = zone(HealthStatus::kCritical, {"bogus at 127.0.0.1:53, worded any way"});
  EXPECT_TRUE(zone_alert_condition(h, 0, 1000, kDay).conditions.empty());
  h = zone(HealthStatus::kCritical, {"the zone has no signatures"}, {kSignaturesExpiring});
  EXPECT_EQ(zone_alert_condition(h, 0, 1000, kDay).conditions,
            std::vector<std::string>{"signatures-expiring"});
  StoreHealth s;
  s.status = HealthStatus::kWarning;
  s.reason = "store filling up: 10 MiB of 64 MiB available";
  AlertCondition c = store_alert_condition(s);
  EXPECT_EQ(c.conditions, std::vector<std::string>{"store-full"});
  EXPECT_EQ(c.reasons, std::vector<std::string>{s.reason});
  AlertDecision d = decide_alert(c, std::nullopt, "store", 1000);
  EXPECT_TRUE(d.alert);
  EXPECT_EQ(d.event, "warning");
  EXPECT_TRUE(store_alert_condition(StoreHealth{}).conditions.empty());
}

TEST(AlertRules, ARolloverWaitingOnTheParentAlertsOnlyAfterTheThreshold) {
  Tracker t;
  t.waiting_after = 24 * kHour;
  ZoneHealth h = ok_zone();
  h.rollover = RolloverKind::kKsk;
  KeyStatus k;
  k.times.tag = 4711;
  k.times.ds_submitted = t.clock.now();
  h.keys.push_back(k);
  AlertDecision d = t.step(h);
  EXPECT_FALSE(d.alert);
  EXPECT_TRUE(d.changed);  // the wait is remembered
  EXPECT_EQ(t.state->waiting_since, k.times.ds_submitted);
  t.clock.advance(23 * kHour);
  EXPECT_FALSE(t.step(h).alert);
  t.clock.advance(kHour);
  d = t.step(h);
  EXPECT_TRUE(d.alert);
  EXPECT_EQ(d.event, "warning");
  EXPECT_EQ(d.next.conditions, std::vector<std::string>{"rollover-waiting"});
  t.clock.advance(kHour);
  EXPECT_FALSE(t.step(h).alert);
  // The parent publishes it: resolved.
  h.keys[0].times.ds_seen = t.clock.now();
  d = t.step(h);
  EXPECT_TRUE(d.alert);
  EXPECT_EQ(d.event, "resolved");
  EXPECT_FALSE(t.state.has_value());
}

TEST(AlertRules, AWaitForApprovalCountsFromWhenItWasFirstSeen) {
  Tracker t;
  t.waiting_after = 24 * kHour;
  ZoneHealth h = zone(HealthStatus::kWarning,
                      {"rollover step awaits approval (signetutil approve example.com.): ZSK"},
                      {kAwaitsApproval});
  uint64_t first = t.clock.now();
  AlertDecision d = t.step(h);
  EXPECT_TRUE(d.alert);  // ok -> warning, as health says
  EXPECT_EQ(t.state->waiting_since, first);
  t.clock.advance(12 * kHour);
  EXPECT_FALSE(t.step(h).alert);
  EXPECT_EQ(t.state->waiting_since, first);
  t.clock.advance(12 * kHour);
  d = t.step(h);
  EXPECT_TRUE(d.alert);
  EXPECT_EQ(d.next.conditions, std::vector<std::string>{"rollover-waiting"});
  AlertCondition c = zone_alert_condition(h, first, t.clock.now(), t.waiting_after);
  EXPECT_NE(c.reasons.back().find("waited on approval for 24 h"), std::string::npos)
      << c.reasons.back();
  // Approved: resolved, and the wait is forgotten.
  d = t.step(ok_zone());
  EXPECT_EQ(d.event, "resolved");
  EXPECT_FALSE(t.state.has_value());
}

TEST(AlertRules, TheRateLimitAdmitsAtMostSoManyAMinute) {
  AlertRateLimit limit(3);
  FakeClock clock;
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(limit.admit(clock.now())) << i;
  EXPECT_FALSE(limit.admit(clock.now()));
  clock.advance(59);
  EXPECT_FALSE(limit.admit(clock.now()));
  clock.advance(1);
  EXPECT_TRUE(limit.admit(clock.now()));
  AlertRateLimit none(0);
  for (int i = 0; i < 1000; ++i)
    EXPECT_TRUE(none.admit(clock.now()));
}

TEST(AlertRules, ASummaryStandsForTheSuppressedAlerts) {
  std::vector<Alert> held;
  for (int i = 0; i < 3; ++i) {
    Alert a;
    a.event = i == 1 ? "critical" : "warning";
    a.status = i == 1 ? HealthStatus::kCritical : HealthStatus::kWarning;
    a.zone = "z" + std::to_string(i) + ".example.";
    a.reasons = {"why " + std::to_string(i)};
    held.push_back(a);
  }
  Alert s = summary_alert(held, "acme", 1700000000);
  Json j = alert_json(s);
  EXPECT_EQ(j["event"], "summary");
  EXPECT_EQ(j["suppressed"], 3);
  EXPECT_EQ(j["status"], "critical");
  EXPECT_EQ(j["tenant"], "acme");
  EXPECT_TRUE(j["zone"].is_null());
  EXPECT_EQ(j["reasons"][1], "z1.example.: critical (why 1)");
  EXPECT_EQ(j["time"], "2023-11-14T22:13:20Z");
}

TEST(AlertRules, AlertIdsAreStableAndDistinct) {
  std::vector<std::string> c{"bogus"};
  EXPECT_EQ(alert_id("a.example.", "critical", c, 1), alert_id("a.example.", "critical", c, 1));
  EXPECT_NE(alert_id("a.example.", "critical", c, 1), alert_id("a.example.", "critical", c, 2));
  EXPECT_NE(alert_id("a.example.", "critical", c, 1), alert_id("b.example.", "critical", c, 1));
  EXPECT_NE(alert_id("a.example.", "critical", c, 1), alert_id("a.example.", "resolved", c, 1));
  EXPECT_EQ(alert_dedup_key("a.example.", "critical", {"bogus", "ds-mismatch"}),
            "a.example.|critical|bogus,ds-mismatch");
}

TEST(AlertCodec, StateAndWebhookRoundTripAndRefuseTruncation) {
  codec::AlertStateRecord a;
  a.status = 2;
  a.since = 1700000000;
  a.waiting_since = 1699990000;
  a.conditions = {"bogus", "ds-mismatch"};
  a.id = "0123456789abcdef";
  std::string v = codec::encode_alert_state(a);
  EXPECT_EQ(v[0], 1);
  EXPECT_EQ(codec::decode_alert_state(codec::as_bytes(v)), a);
  EXPECT_THROW(codec::decode_alert_state(codec::as_bytes(v.substr(0, v.size() - 1))),
               CorruptionError);
  std::string bad = v;
  bad[1] = 7;  // no such status
  EXPECT_THROW(codec::decode_alert_state(codec::as_bytes(bad)), CorruptionError);
  codec::AlertWebhookRecord w{1700000000, "https://user:pw@hooks.example/x?y=1", {}};
  std::string wv = codec::encode_alert_webhook(w);
  EXPECT_EQ(codec::decode_alert_webhook(codec::as_bytes(wv)), w);
  EXPECT_THROW(codec::decode_alert_webhook(codec::as_bytes(wv.substr(0, 5))), CorruptionError);
  // What the store writes now: version 2, the URL sealed (version 1, in clear, is still read).
  codec::AlertWebhookRecord sealed{1700000000, "", {1, 2, 3, 4}};
  std::string sv = codec::encode_alert_webhook(sealed);
  EXPECT_EQ(sv[0], 2);
  EXPECT_EQ(codec::decode_alert_webhook(codec::as_bytes(sv)), sealed);
}

class AlertStoreTest : public test::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    MasterKey::generate_file(dir.file("master.key"));
    master = std::make_unique<MasterKey>(MasterKey::load(dir.file("master.key")));
  }
  AlertStore alert_store() {
    return AlertStore(*store, [this]() -> const MasterKey& { return *master; });
  }
  std::string data_mdb() {
    portfolio.reset();
    store.reset();  // closed: every page on disk
    std::ifstream in(dir.file("data.mdb"), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::unique_ptr<MasterKey> master;
};

TEST_F(AlertStoreTest, StatesAndWebhooksPersistAcrossReopening) {
  uint32_t acme = 0;
  {
    auto txn = store->begin_write();
    acme = portfolio->create_tenant(txn, "acme").id;
    AlertStore alerts = alert_store();
    alerts.put_state(txn, 7, codec::AlertStateRecord{2, 100, 0, {"bogus"}, "id7"});
    alerts.put_state(txn, kStoreAlertId, codec::AlertStateRecord{1, 100, 0, {"store-full"}, "s"});
    alerts.put_webhook(txn, acme, codec::AlertWebhookRecord{100, "http://127.0.0.1:9/hook", {}});
    txn.commit();
  }
  reopen();
  AlertStore alerts = alert_store();
  {
    auto txn = store->begin_read();
    ASSERT_TRUE(alerts.state(txn, 7));
    EXPECT_EQ(alerts.state(txn, 7)->conditions, std::vector<std::string>{"bogus"});
    EXPECT_FALSE(alerts.state(txn, 8));
    std::vector<uint32_t> ids;
    alerts.for_each_state(txn, [&](uint32_t id, const auto&) { ids.push_back(id); });
    EXPECT_EQ(ids, (std::vector<uint32_t>{0, 7}));
    EXPECT_EQ(alerts.webhook(txn, acme)->url, "http://127.0.0.1:9/hook");
    EXPECT_FALSE(alerts.webhook(txn, acme + 1));
  }
  auto txn = store->begin_write();
  EXPECT_TRUE(alerts.erase_state(txn, 7));
  EXPECT_FALSE(alerts.erase_state(txn, 7));
  EXPECT_TRUE(alerts.erase_webhook(txn, acme));
  EXPECT_FALSE(alerts.erase_webhook(txn, acme));
  txn.commit();
}

TEST_F(AlertStoreTest, ADeletedTenantsWebhookGoesWithIt) {
  auto txn = store->begin_write();
  TenantRecord t = portfolio->create_tenant(txn, "acme");
  AlertStore alerts = alert_store();
  alerts.put_webhook(txn, t.id, codec::AlertWebhookRecord{100, "http://127.0.0.1:9/hook", {}});
  portfolio->delete_tenant(txn, "acme");
  EXPECT_FALSE(alerts.webhook(txn, t.id));
  txn.commit();
}

TEST_F(AlertStoreTest, AWebhooksCredentialsAreSealedInTheStoreAndOpenOnlyForItsTenant) {
  const std::string url = "https://bot:Hunter2-webhook-secret@hooks.example/services/T0/XyZ";
  uint32_t acme = 0, globex = 0;
  {
    auto txn = store->begin_write();
    acme = portfolio->create_tenant(txn, "acme").id;
    globex = portfolio->create_tenant(txn, "globex").id;
    alert_store().put_webhook(txn, acme, codec::AlertWebhookRecord{100, url, {}});
    txn.commit();
  }
  {
    auto txn = store->begin_read();
    EXPECT_EQ(alert_store().webhook(txn, acme)->url, url);
    // Moved under another tenant's key, it does not open: the tenant is bound into the seal.
    auto v = txn.find(store->dbi().alert_webhooks, codec::u32_key(acme));
    ASSERT_TRUE(v);
    auto sealed = codec::decode_alert_webhook(*v).sealed;
    ASSERT_FALSE(sealed.empty());
    EXPECT_THROW(Keyring(*store, *master).open_webhook_url(txn, globex, sealed), Error);
  }
  std::string file = data_mdb();
  EXPECT_EQ(file.find("Hunter2-webhook-secret"), std::string::npos);
  EXPECT_EQ(file.find("hooks.example"), std::string::npos);
}
