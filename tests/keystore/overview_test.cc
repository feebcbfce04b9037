// SPDX-License-Identifier: GPL-2.0-or-later
//
// The portfolio overview (keystore/overview.hh) made from hand-built health surveys: the
// needs-a-human order and its pages, what rollovers wait for, which zones count as DS mismatches
// and monitor failures, and the expiry histogram's buckets.
#include "keystore/overview.hh"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

using namespace signet;

namespace {

constexpr uint64_t kNow = 1'800'000'000;
constexpr uint32_t kDay = 86400;

ZoneHealth zone(const std::string& name, HealthStatus s, uint32_t expires_in,
                std::vector<std::string> reasons = {}) {
  ZoneHealth h;
  h.zone = name;
  h.tenant = "t";
  h.secured = expires_in != 0;
  h.status = s;
  h.earliest_expiry = expires_in ? static_cast<uint32_t>(kNow) + expires_in : 0;
  h.reasons = reasons.empty() ? std::vector<std::string>{"signed"} : std::move(reasons);
  return h;
}

HealthSurvey survey(std::vector<ZoneHealth> zones) {
  HealthSurvey s;
  for (auto& z : zones) {
    ++s.count[static_cast<int>(z.status)];
    s.zones.push_back(std::move(z));
  }
  return s;
}

std::vector<std::string> names(const Json& list) {
  std::vector<std::string> out;
  for (const auto& z : list)
    out.push_back(z["zone"]);
  return out;
}

}  // namespace

TEST(Overview, NeedsAHumanListsCriticalFirstThenTheEarliestExpiry) {
  HealthSurvey s = survey({
      zone("fine.example.", HealthStatus::kOk, 20 * kDay),
      zone("warn-late.example.", HealthStatus::kWarning, 9 * kDay, {"parent serves no DS"}),
      zone("crit-late.example.", HealthStatus::kCritical, 12 * kDay, {"bogus at 127.0.0.1:53"}),
      zone("warn-soon.example.", HealthStatus::kWarning, 2 * kDay, {"signatures expire in 2 d"}),
      zone("crit-soon.example.", HealthStatus::kCritical, 3600, {"signatures expire in 60 min"}),
  });
  Json o = overview_json(s, kNow, OverviewPage{}, true);
  EXPECT_EQ(o["zones"], 5);
  EXPECT_EQ(o["counts"]["critical"], 2);
  EXPECT_EQ(o["counts"]["warning"], 2);
  EXPECT_EQ(o["counts"]["ok"], 1);
  EXPECT_EQ(o["needs_human"]["total"], 4);
  EXPECT_EQ(names(o["needs_human"]["zones"]),
            (std::vector<std::string>{"crit-soon.example.", "crit-late.example.",
                                      "warn-soon.example.", "warn-late.example."}));
  EXPECT_EQ(o["needs_human"]["zones"][0]["reasons"][0], "signatures expire in 60 min");
  EXPECT_TRUE(o["needs_human"]["next_cursor"].is_null());
}

TEST(Overview, PagesOfNeedsAHumanFollowEachOtherWithoutGapsOrRepeats) {
  std::vector<ZoneHealth> zones;
  for (int i = 0; i < 25; ++i)
    zones.push_back(zone("z" + std::to_string(100 + i) + ".example.", HealthStatus::kWarning,
                         static_cast<uint32_t>((25 - i) * kDay)));
  HealthSurvey s = survey(std::move(zones));
  std::vector<std::string> seen;
  OverviewPage page{10, 0};
  for (int n = 0; n < 5; ++n) {
    Json o = overview_json(s, kNow, page, false);
    for (const auto& z : names(o["needs_human"]["zones"]))
      seen.push_back(z);
    if (o["needs_human"]["next_cursor"].is_null())
      break;
    page.cursor = std::stoul(o["needs_human"]["next_cursor"].get<std::string>());
  }
  ASSERT_EQ(seen.size(), 25u);
  // Earliest expiry first: the last-made zone expires soonest.
  EXPECT_EQ(seen.front(), "z124.example.");
  EXPECT_EQ(seen.back(), "z100.example.");
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), 25u);
}

TEST(Overview, RolloversSayWhatTheyWaitFor) {
  ZoneHealth approval = zone("a.example.", HealthStatus::kWarning, 10 * kDay,
                             {"rollover step awaits approval (signetutil approve a.example.): x"});
  approval.awaits_approval = true;
  approval.rollover = RolloverKind::kZsk;
  approval.rollover_status = "waiting for approval";
  ZoneHealth parent = zone("p.example.", HealthStatus::kWarning, 10 * kDay,
                           {"the parent has not published the DS of key 1 asked for 3 d ago"});
  parent.rollover = RolloverKind::kKsk;
  parent.parent_ds_overdue = true;
  ZoneHealth timed = zone("t.example.", HealthStatus::kOk, 10 * kDay);
  timed.rollover = RolloverKind::kZsk;
  timed.next_key_event = kNow + 3600;
  timed.next_key_event_what = "key 7 active";
  ZoneHealth idle = zone("i.example.", HealthStatus::kOk, 10 * kDay);
  Json o = overview_json(survey({approval, parent, timed, idle}), kNow, OverviewPage{}, false);
  ASSERT_EQ(o["rollovers"]["total"], 3);
  EXPECT_EQ(o["rollovers"]["zones"][0]["waits_for"], "approval");
  EXPECT_EQ(o["rollovers"]["zones"][0]["rollover"], "zsk");
  EXPECT_EQ(o["rollovers"]["zones"][0]["status"], "waiting for approval");
  EXPECT_EQ(o["rollovers"]["zones"][1]["waits_for"], "the parent's DS");
  EXPECT_EQ(o["rollovers"]["zones"][2]["waits_for"],
            "time (" + time_text(kNow + 3600) + ": key 7 active)");
}

TEST(Overview, DsMismatchesAndMonitorFailuresComeFromHealth) {
  ZoneHealth mismatch = zone("m.example.", HealthStatus::kCritical, 10 * kDay,
                             {"the parent's DS matches none of the zone's keys"});
  mismatch.parent_ds = ParentDsState::kMismatch;
  ZoneHealth monitor_ds =
      zone("d.example.", HealthStatus::kCritical, 10 * kDay,
           {"the monitor finds a parent DS matching none of the zone's keys at 127.0.0.1:53"});
  monitor_ds.monitor_parent_ds = ParentDsCheck::kMismatch;
  ZoneHealth bogus = zone("b.example.", HealthStatus::kCritical, 10 * kDay,
                          {"bogus at 127.0.0.1:5353 (EDE 9: DNSKEY Missing)", "other"});
  bogus.monitor = MonitorState::kBogus;
  bogus.monitor_reasons = {"bogus at 127.0.0.1:5353 (EDE 9: DNSKEY Missing)"};
  ZoneHealth fine = zone("f.example.", HealthStatus::kOk, 10 * kDay);
  Json o = overview_json(survey({mismatch, monitor_ds, bogus, fine}), kNow, OverviewPage{}, false);
  EXPECT_EQ(names(o["ds_mismatches"]["zones"]),
            (std::vector<std::string>{"m.example.", "d.example."}));
  EXPECT_EQ(o["ds_mismatches"]["zones"][0]["parent_ds"], "mismatch");
  ASSERT_EQ(names(o["monitor_failures"]["zones"]), std::vector<std::string>{"b.example."});
  // Only the monitor's reasons are listed there.
  EXPECT_EQ(o["monitor_failures"]["zones"][0]["reasons"],
            Json::array({"bogus at 127.0.0.1:5353 (EDE 9: DNSKEY Missing)"}));
}

TEST(Overview, TheExpiryHistogramCountsEachSecuredZoneOnce) {
  HealthSurvey s = survey({
      zone("expired.example.", HealthStatus::kCritical, static_cast<uint32_t>(-3600)),
      zone("hour.example.", HealthStatus::kCritical, 3600),
      zone("two.example.", HealthStatus::kWarning, 2 * kDay),
      zone("five.example.", HealthStatus::kOk, 5 * kDay),
      zone("ten.example.", HealthStatus::kOk, 10 * kDay),
      zone("twenty.example.", HealthStatus::kOk, 20 * kDay),
      zone("far.example.", HealthStatus::kOk, 40 * kDay),
      zone("far2.example.", HealthStatus::kOk, 90 * kDay),
      zone("unsigned.example.", HealthStatus::kOk, 0),
  });
  Json o = overview_json(s, kNow, OverviewPage{}, false);
  EXPECT_EQ(o["secured"], 8);
  std::vector<int> counts;
  std::vector<std::string> labels;
  for (const auto& b : o["expiry_histogram"]) {
    counts.push_back(b["zones"]);
    labels.push_back(b["bucket"]);
  }
  EXPECT_EQ(counts, (std::vector<int>{1, 1, 1, 1, 1, 1, 2}));
  EXPECT_EQ(labels.front(), "expired");
  EXPECT_EQ(labels.back(), "> 30 d");
}

TEST(Overview, LongListsAreCappedWithTheirTotal) {
  std::vector<ZoneHealth> zones;
  for (size_t i = 0; i < kListCap + 50; ++i) {
    ZoneHealth h = zone("r" + std::to_string(i) + ".example.", HealthStatus::kOk, 10 * kDay);
    h.rollover = RolloverKind::kZsk;
    zones.push_back(std::move(h));
  }
  Json o = overview_json(survey(std::move(zones)), kNow, OverviewPage{}, false);
  EXPECT_EQ(o["rollovers"]["total"], kListCap + 50);
  EXPECT_EQ(o["rollovers"]["zones"].size(), kListCap);
}

TEST(Overview, ATenantSeesTheStoreStatusOnly) {
  HealthSurvey s = survey({zone("a.example.", HealthStatus::kOk, 10 * kDay)});
  s.store.usage.map_bytes = 1 << 30;
  EXPECT_EQ(overview_json(s, kNow, OverviewPage{}, false)["store"], Json({{"status", "ok"}}));
  EXPECT_TRUE(overview_json(s, kNow, OverviewPage{}, true)["store"].contains("map_bytes"));
}

TEST(Overview, HealthJsonWrittenZoneByZoneIsTheSameTextAsTheWholeDocument) {
  for (auto zones : {std::vector<ZoneHealth>{},
                     std::vector<ZoneHealth>{zone("a.example.", HealthStatus::kOk, 10 * kDay),
                                             zone("b.example.", HealthStatus::kCritical, kDay,
                                                  {"expires \"soon\""})}}) {
    HealthSurvey s = survey(zones);
    std::ostringstream out;
    write_health_json(out, s);
    EXPECT_EQ(out.str(), json_text(health_json(s)));
  }
}
