// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/alert_rules.hh"

#include <sodium.h>

#include <algorithm>
#include <array>

#include "signer/clock.hh"
#include "signer/encoding.hh"

namespace signet {

namespace {

std::string hours_text(uint64_t seconds) {
  if (seconds >= 2 * 86400)
    return std::to_string(seconds / 86400) + " d";
  if (seconds >= 3600)
    return std::to_string(seconds / 3600) + " h";
  return std::to_string(seconds / 60) + " min";
}

// When the zone's rollover started waiting on the parent: the earliest DS asked for and not yet
// seen (0: none, or no rollover in progress).
uint64_t parent_wait_since(const ZoneHealth& h) {
  uint64_t since = 0;
  if (h.rollover == RolloverKind::kNone)
    return 0;  // a first DS never published is health's own warning, not a rollover's wait
  for (const auto& k : h.keys) {
    const KeyTimes& t = k.times;
    if (t.ds_submitted && !t.ds_seen && !t.ds_retired && (!since || t.ds_submitted < since))
      since = t.ds_submitted;
  }
  return since;
}

}  // namespace

AlertCondition zone_alert_condition(const ZoneHealth& h, uint64_t prev_waiting_since, uint64_t now,
                                    uint64_t waiting_after) {
  AlertCondition c;
  c.status = h.status;
  c.reasons = h.reasons;
  auto add = [&](const char* name) {
    if (std::find(c.conditions.begin(), c.conditions.end(), name) == c.conditions.end())
      c.conditions.push_back(name);
  };
  if (bogus_somewhere(h))
    add("bogus");
  if (ds_mismatch(h))
    add("ds-mismatch");
  if (h.signatures_expiring)
    add("signatures-expiring");
  if (h.status == HealthStatus::kOk)
    c.conditions.clear();  // only what health itself flags (the wait below aside)

  uint64_t parent = parent_wait_since(h);
  uint64_t approval = h.awaits_approval ? (prev_waiting_since ? prev_waiting_since : now) : 0;
  for (uint64_t since : {parent, approval}) {
    if (since && (!c.waiting_since || since < c.waiting_since))
      c.waiting_since = since;
  }
  if (c.waiting_since && now >= c.waiting_since + waiting_after) {
    add("rollover-waiting");
    c.status = std::max(c.status, HealthStatus::kWarning);
    c.reasons.push_back(std::string("a rollover has waited on ") +
                        (c.waiting_since == parent ? "the parent" : "approval") + " for " +
                        hours_text(now - c.waiting_since) + " (signet-alert-waiting-after " +
                        hours_text(waiting_after) + ")");
  }
  std::sort(c.conditions.begin(), c.conditions.end());
  return c;
}

AlertCondition store_alert_condition(const StoreHealth& s) {
  AlertCondition c;
  c.status = s.status;
  if (s.status != HealthStatus::kOk) {
    c.conditions.push_back("store-full");
    c.reasons.push_back(s.reason);
  }
  return c;
}

AlertDecision decide_alert(const AlertCondition& cur, const std::optional<AlertStateRecord>& prev,
                           std::string_view subject, uint64_t now) {
  AlertDecision d;
  AlertStateRecord before = prev.value_or(AlertStateRecord{});
  d.previous = static_cast<HealthStatus>(before.status);
  d.next = before;
  d.next.waiting_since = cur.waiting_since;
  bool same = cur.status == d.previous && cur.conditions == before.conditions;
  bool gained = std::any_of(cur.conditions.begin(), cur.conditions.end(), [&](const auto& c) {
    return std::find(before.conditions.begin(), before.conditions.end(), c) ==
           before.conditions.end();
  });
  if (!same) {
    if (cur.status == HealthStatus::kOk) {
      d.alert = d.previous != HealthStatus::kOk;
      d.event = "resolved";
    } else if (cur.status != d.previous || (gained && cur.status != HealthStatus::kCritical)) {
      // A critical zone is one incident: what else goes wrong before it is resolved (bogus at a
      // resolver, then the parent's DS check) is recorded, and named by the "resolved" alert,
      // without paging again. Below critical a new condition does page: a rollover waiting past
      // signet-alert-waiting-after on a zone health already warns about.
      d.alert = true;
      d.event = health_status_name(cur.status);
    }
    d.next.status = static_cast<uint8_t>(cur.status);
    d.next.conditions = cur.conditions;
  }
  if (d.alert) {
    d.next.since = now;
    d.next.id = alert_id(subject, d.event, cur.conditions, now);
  }
  d.changed = !prev ? !(d.next == AlertStateRecord{}) || d.alert : !(d.next == *prev);
  d.erase = d.next.status == 0 && d.next.conditions.empty() && d.next.waiting_since == 0;
  if (d.erase) {
    d.changed = prev.has_value();
  }
  return d;
}

std::string alert_dedup_key(std::string_view subject, std::string_view status,
                            const std::vector<std::string>& conditions) {
  std::string key = std::string(subject) + "|" + std::string(status) + "|";
  for (size_t i = 0; i < conditions.size(); ++i)
    key += (i ? "," : "") + conditions[i];
  return key;
}

std::string alert_id(std::string_view subject, std::string_view event,
                     const std::vector<std::string>& conditions, uint64_t time) {
  std::string text = alert_dedup_key(subject, event, conditions) + "|" + std::to_string(time);
  std::array<uint8_t, 8> h{};
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const uint8_t*>(text.data()), text.size(),
                     nullptr, 0);
  return hex(h);
}

Json alert_json(const Alert& a) {
  auto or_null = [](const std::string& s) { return s.empty() ? Json() : Json(s); };
  Json j{{"id", a.id},
         {"event", a.event},
         {"zone", or_null(a.zone)},
         {"tenant", or_null(a.tenant)},
         {"status", health_status_name(a.status)},
         {"previous_status", health_status_name(a.previous)},
         {"conditions", a.conditions},
         {"reasons", a.reasons},
         {"time", iso8601_utc(a.time)}};
  if (a.event == "summary")
    j["suppressed"] = a.suppressed;
  return j;
}

Alert summary_alert(const std::vector<Alert>& alerts, std::string_view tenant, uint64_t now) {
  Alert s;
  s.event = "summary";
  s.tenant = std::string(tenant);
  s.time = now;
  s.suppressed = alerts.size();
  for (const auto& a : alerts) {
    s.status = std::max(s.status, a.status);
    s.reasons.push_back((a.zone.empty() ? std::string("store") : a.zone) + ": " + a.event +
                        (a.reasons.empty() ? "" : " (" + a.reasons.front() + ")"));
  }
  s.key = "summary|" + std::string(tenant) + "|" + std::to_string(alerts.size());
  s.id = alert_id("summary", tenant, {}, now);
  return s;
}

bool AlertRateLimit::admit(uint64_t now) {
  if (per_minute_ == 0)
    return true;
  while (!sent_.empty() && sent_.front() + 60 <= now)
    sent_.pop_front();
  if (sent_.size() >= per_minute_)
    return false;
  sent_.push_back(now);
  return true;
}

}  // namespace signet
