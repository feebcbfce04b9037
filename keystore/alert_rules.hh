// SPDX-License-Identifier: GPL-2.0-or-later
//
// When signetd alerts (issue 10 item 2), as pure functions of health (keystore/health.hh), the
// state last alerted (keystore/alert_store.hh) and the time, so that every rule is tested with a
// fake clock and synthetic health:
//
//  * A zone's alert state is its health status and the set of named conditions it is in:
//    "bogus" (some validating resolver sees it bogus), "ds-mismatch" (the parent's DS matches none
//    of its keys), "signatures-expiring" (closer to expiry than the policy allows, or expired),
//    "rollover-waiting" (a rollover step waits on the parent or on approval longer than
//    signet-alert-waiting-after; this one raises an ok zone to warning), and for the store
//    "store-full".
//  * An alert goes out when the status changes: ok -> warning/critical, warning <-> critical; and
//    for a warning zone, when a condition the last alert did not name appears (a critical zone is
//    one incident: conditions added to it are recorded without paging again). Back to ok is one
//    "resolved" alert. The same state never alerts twice (deduplication), and a condition that
//    goes away while the zone stays in trouble changes the stored state silently.
//  * Overall, at most signet-alert-rate alerts a minute (AlertRateLimit); the rest of a pass goes
//    out as one summary alert.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keystore/alert_store.hh"
#include "keystore/health.hh"
#include "signer/json.hh"

namespace signet {

// What the alerts see in one zone's (or the store's) health now.
struct AlertCondition {
  HealthStatus status = HealthStatus::kOk;
  std::vector<std::string> conditions;  // sorted names
  std::vector<std::string> reasons;     // health's reasons, most severe first
  uint64_t waiting_since = 0;           // a rollover waits on the parent or approval since (0: no)
};

// `prev_waiting_since`: the stored state's waiting_since (0 when none): an approval wait has no
// time of its own in the store, so it counts from when the alerts first saw it.
AlertCondition zone_alert_condition(const ZoneHealth& h, uint64_t prev_waiting_since, uint64_t now,
                                    uint64_t waiting_after);
AlertCondition store_alert_condition(const StoreHealth& s);

struct AlertDecision {
  bool alert = false;    // send an alert
  bool changed = false;  // the stored state changes (always when alerting)
  bool erase = false;    // ... to nothing: ok, no condition, no wait (the row is deleted)
  std::string event;     // "critical", "warning" or "resolved"
  HealthStatus previous = HealthStatus::kOk;
  AlertStateRecord next;
};
// `subject`: the zone's name, or "store".
AlertDecision decide_alert(const AlertCondition& cur, const std::optional<AlertStateRecord>& prev,
                           std::string_view subject, uint64_t now);

// The deduplication key the audit names: "example.com.|critical|bogus,ds-mismatch".
std::string alert_dedup_key(std::string_view subject, std::string_view status,
                            const std::vector<std::string>& conditions);
// A stable id (16 hex digits) of one alert: the same subject, event, conditions and time give the
// same id, so a receiver can drop a retried delivery it already has.
std::string alert_id(std::string_view subject, std::string_view event,
                     const std::vector<std::string>& conditions, uint64_t time);

// One alert as delivered.
struct Alert {
  std::string id, key;
  std::string event;   // "critical", "warning", "resolved", "summary"
  std::string zone;    // "" for the store and a summary
  std::string tenant;  // "" for the store and an operator's summary
  uint32_t tenant_id = 0, zone_id = 0;
  HealthStatus status = HealthStatus::kOk, previous = HealthStatus::kOk;
  std::vector<std::string> conditions, reasons;
  uint64_t time = 0;
  size_t suppressed = 0;  // a summary: how many alerts it stands for
};
// The JSON document: {"id", "event", "zone", "tenant", "status", "previous_status",
// "conditions", "reasons", "time"} (zone and tenant null when they do not apply; a summary adds
// "suppressed").
Json alert_json(const Alert& a);
// One alert standing for `alerts` that the rate limit held back (their events in its reasons).
Alert summary_alert(const std::vector<Alert>& alerts, std::string_view tenant, uint64_t now);

// At most `per_minute` admissions in any 60 s (0: no limit).
class AlertRateLimit {
 public:
  explicit AlertRateLimit(unsigned per_minute) : per_minute_(per_minute) {}
  // True (and counted) when one more alert may go out at `now`.
  bool admit(uint64_t now);

 private:
  unsigned per_minute_;
  std::deque<uint64_t> sent_;
};

}  // namespace signet
