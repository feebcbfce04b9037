// SPDX-License-Identifier: GPL-2.0-or-later
//
// The portfolio overview the web console opens with (GET /api/v1/signet/overview): one health
// survey (keystore/health_report.hh) reduced to what an operator acts on today — counts by
// status, the zones that need a human (critical and warning, most urgent first, one page of
// them), rollovers in flight with what each waits for, DS mismatches, the validation monitor's
// findings, and a histogram of how far away the portfolio's earliest signature expiries are.
//
// Everything is read from the survey: the monitor's findings reach it as health reasons
// ("bogus at RESOLVER ..."), so the overview shows whatever health says. Lists other than the
// page of needs-a-human are capped (kListCap) with their full count beside them, so the
// document stays small for a million zones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "keystore/health_report.hh"
#include "signer/json.hh"

namespace signet {

struct OverviewPage {
  size_t limit = 50;  // zones of "needs a human" per page
  size_t cursor = 0;  // offset into the sorted list (the previous page's next_cursor)
};

// The expiry histogram's buckets: the earliest RRSIG expiration of each secured zone, as a
// distance from now. Upper bounds in seconds (exclusive); the last bucket is open.
struct ExpiryBucket {
  const char* label;
  int64_t below;  // seconds; INT64_MAX for the last
};
const std::vector<ExpiryBucket>& expiry_buckets();

// The index of the bucket for a zone whose earliest expiry is `expiry` (RFC 1982 serial time,
// read as a distance from `now`).
size_t expiry_bucket(uint32_t expiry, uint64_t now);

// Needs-a-human order: critical before warning, then the earliest signature expiry (zones
// without one last), then the longest-waiting (earliest scheduled key event), then the name.
bool more_urgent(const ZoneHealth& a, const ZoneHealth& b, uint64_t now);

// What a rollover in flight waits for: "approval", "the parent's DS", "the parent (unreachable)"
// or "time (<next key event>)".
std::string rollover_waits_for(const ZoneHealth& h);

constexpr size_t kListCap = 200;

// The whole overview document:
// {"zones", "secured", "counts": {"ok","warning","critical"}, "store": status,
//  "needs_human": {"total", "zones": [{zone, tenant, status, reasons, earliest_expiry}],
//                  "next_cursor": "N"|null},
//  "rollovers": {"total", "zones": [{zone, tenant, rollover, status, waits_for}]},
//  "ds_mismatches": {"total", "zones": [{zone, tenant, parent_ds, reasons}]},
//  "monitor_failures": {"total", "zones": [{zone, tenant, status, reasons}]},
//  "expiry_histogram": [{"bucket", "zones"}]}
Json overview_json(const HealthSurvey& s, uint64_t now, const OverviewPage& page,
                   bool show_store_detail);

}  // namespace signet
