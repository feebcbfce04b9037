// SPDX-License-Identifier: GPL-2.0-or-later
//
// Portfolio health as signetutil (health, metrics, rollover-status) and signetd (/health,
// /metrics, /dnssec) show it: one survey of a set of zones in one read transaction, and its
// renderings — JSON documents and the Prometheus text exposition (format 0.0.4). Both programs
// print what these functions make, so the two can never disagree.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "keystore/health.hh"
#include "keystore/keyman.hh"
#include "signer/json.hh"

namespace signet {

struct HealthSurvey {
  std::vector<ZoneHealth> zones;
  size_t count[3] = {0, 0, 0};             // zones by status (ok, warning, critical)
  HealthStatus worst = HealthStatus::kOk;  // of the zones and the store
  StoreHealth store;
};

// Assesses `zones` (and the store) at `now`; `tenant_name` names a zone's tenant.
HealthSurvey survey_health(KeyManager& keyman, Dnssec& dnssec, Store& store, const lmdb::Txn& txn,
                           const std::vector<ZoneRecord>& zones,
                           const std::function<std::string(uint32_t)>& tenant_name, uint64_t now);

// One key: role, algorithm, state, its timings and the next transition.
Json key_status_json(const KeyStatus& k);
Json key_statuses_json(const std::vector<KeyStatus>& keys);
// One zone's health (signetutil health --json, one element of "zones").
Json zone_health_json(const ZoneHealth& h);
// The store's health: status, reason and space.
Json store_health_json(const StoreHealth& s);
// The whole survey: {"status", "store", "ok", "warning", "critical", "zones"}.
Json health_json(const HealthSurvey& s);
// Writes json_text(health_json(s)) without building the whole document (signetutil health).
void write_health_json(std::ostream& out, const HealthSurvey& s);

// The survey as Prometheus metrics (text exposition format 0.0.4).
std::string metrics_text(const HealthSurvey& s);

// "tag/alg tag/alg" or "none": the parent's DS as the key manager recorded it.
std::string ds_list_text(const std::vector<std::pair<uint16_t, uint8_t>>& ds);
// A secured zone's key manager view (signetutil rollover-status --json): policy, rollover in
// progress and requested, the proposal awaiting approval, CDS, the parent's DS, the DS
// submission, the keys with their next transitions.
Json rollover_status_json(const ZoneKeyStatus& s);

}  // namespace signet
