// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/overview.hh"

#include <algorithm>
#include <limits>

#include "signer/clock.hh"

namespace signet {

namespace {

constexpr int64_t kDay = 86400;

bool is_rollover_in_flight(const ZoneHealth& h) {
  return h.secured && (h.rollover != RolloverKind::kNone || h.awaits_approval);
}

Json reasons_json(const ZoneHealth& h) {
  return Json(h.reasons);
}

// A capped list of the zones `keep` selects, with their count.
template <class Keep, class Row>
Json capped(const HealthSurvey& s, Keep keep, Row row) {
  Json zones = Json::array();
  size_t total = 0;
  for (const auto& h : s.zones) {
    if (!keep(h))
      continue;
    if (++total <= kListCap)
      zones.push_back(row(h));
  }
  return Json{{"total", total}, {"zones", zones}};
}

}  // namespace

const std::vector<ExpiryBucket>& expiry_buckets() {
  static const std::vector<ExpiryBucket> b = {
      {"expired", 1},
      {"< 1 d", kDay},
      {"1-3 d", 3 * kDay},
      {"3-7 d", 7 * kDay},
      {"7-14 d", 14 * kDay},
      {"14-30 d", 30 * kDay},
      {"> 30 d", std::numeric_limits<int64_t>::max()},
  };
  return b;
}

size_t expiry_bucket(uint32_t expiry, uint64_t now) {
  // RRSIG times are 32-bit serial numbers (RFC 4034 3.1.5, RFC 1982): the distance is signed.
  int64_t left = static_cast<int32_t>(expiry - static_cast<uint32_t>(now));
  const auto& b = expiry_buckets();
  for (size_t i = 0; i < b.size(); ++i) {
    if (left < b[i].below)
      return i;
  }
  return b.size() - 1;
}

bool more_urgent(const ZoneHealth& a, const ZoneHealth& b, uint64_t now) {
  if (a.status != b.status)
    return a.status > b.status;
  auto left = [now](const ZoneHealth& h) -> int64_t {
    if (!h.earliest_expiry)
      return std::numeric_limits<int64_t>::max();
    return static_cast<int32_t>(h.earliest_expiry - static_cast<uint32_t>(now));
  };
  if (left(a) != left(b))
    return left(a) < left(b);
  auto waiting = [](const ZoneHealth& h) {
    return h.next_key_event ? h.next_key_event : std::numeric_limits<uint64_t>::max();
  };
  if (waiting(a) != waiting(b))
    return waiting(a) < waiting(b);
  return a.zone < b.zone;
}

std::string rollover_waits_for(const ZoneHealth& h) {
  if (h.awaits_approval)
    return "approval";
  if (h.parent_unreachable)
    return "the parent (unreachable)";
  if (h.parent_ds_overdue)
    return "the parent's DS";
  if (h.next_key_event)
    return "time (" + time_text(h.next_key_event) + ": " + h.next_key_event_what + ")";
  return "the key manager";
}

Json overview_json(const HealthSurvey& s, uint64_t now, const OverviewPage& page,
                   bool show_store_detail) {
  size_t secured = 0;
  std::vector<size_t> histogram(expiry_buckets().size(), 0);
  std::vector<const ZoneHealth*> urgent;
  for (const auto& h : s.zones) {
    if (h.secured) {
      ++secured;
      if (h.earliest_expiry)
        ++histogram[expiry_bucket(h.earliest_expiry, now)];
    }
    if (h.status != HealthStatus::kOk)
      urgent.push_back(&h);
  }
  // Only the page is ordered in full: a partial sort keeps a million-zone portfolio cheap.
  size_t from = std::min(page.cursor, urgent.size());
  size_t to = std::min(urgent.size(), from + page.limit);
  auto cmp = [now](const ZoneHealth* a, const ZoneHealth* b) { return more_urgent(*a, *b, now); };
  std::partial_sort(urgent.begin(), urgent.begin() + static_cast<std::ptrdiff_t>(to), urgent.end(),
                    cmp);
  Json needs = Json::array();
  for (size_t i = from; i < to; ++i) {
    const ZoneHealth& h = *urgent[i];
    needs.push_back(Json{{"zone", h.zone},
                         {"tenant", h.tenant},
                         {"status", health_status_name(h.status)},
                         {"reasons", reasons_json(h)},
                         {"earliest_expiry", time_text(h.earliest_expiry)}});
  }
  Json hist = Json::array();
  for (size_t i = 0; i < histogram.size(); ++i)
    hist.push_back(Json{{"bucket", expiry_buckets()[i].label}, {"zones", histogram[i]}});

  Json doc{{"zones", s.zones.size()},
           {"secured", secured},
           {"counts", Json{{"ok", s.count[0]}, {"warning", s.count[1]}, {"critical", s.count[2]}}},
           {"store", show_store_detail ? store_health_json(s.store)
                                       : Json{{"status", health_status_name(s.store.status)}}}};
  doc["needs_human"] =
      Json{{"total", urgent.size()},
           {"zones", needs},
           {"next_cursor", to < urgent.size() ? Json(std::to_string(to)) : Json()}};
  doc["rollovers"] = capped(s, is_rollover_in_flight, [](const ZoneHealth& h) {
    // A first step proposed under a manual policy waits before the rollover has begun.
    return Json{{"zone", h.zone},
                {"tenant", h.tenant},
                {"rollover",
                 h.rollover == RolloverKind::kNone ? "proposed" : rollover_kind_name(h.rollover)},
                {"status", h.rollover_status},
                {"waits_for", rollover_waits_for(h)}};
  });
  doc["ds_mismatches"] = capped(s, ds_mismatch, [](const ZoneHealth& h) {
    return Json{{"zone", h.zone},
                {"tenant", h.tenant},
                {"parent_ds", parent_ds_state_name(h.parent_ds)},
                {"reasons", reasons_json(h)}};
  });
  doc["monitor_failures"] = capped(s, monitor_failing, [](const ZoneHealth& h) {
    return Json{{"zone", h.zone},
                {"tenant", h.tenant},
                {"status", health_status_name(h.status)},
                {"reasons", h.monitor_reasons}};
  });
  doc["expiry_histogram"] = hist;
  return doc;
}

}  // namespace signet
