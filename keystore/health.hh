// SPDX-License-Identifier: GPL-2.0-or-later
//
// Portfolio health: for one zone, everything an operator must not learn about from a customer —
// signatures close to expiry, a refresher or key manager that stopped running, a DS the parent
// never published (or one that matches none of our keys: the zone is bogus for every validator),
// a parent that cannot be reached, a failing DS submission, a rollover step awaiting approval —
// reduced to ok / warning / critical with the reasons. `signetutil health` and `signetutil metrics`
// print it; both read only, from one read transaction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "keystore/keyman.hh"
#include "keystore/lmdb.hh"
#include "keystore/monitor_results.hh"

namespace signet {

enum class HealthStatus : uint8_t { kOk = 0, kWarning = 1, kCritical = 2 };
std::string health_status_name(HealthStatus s);

// What the parent's DS RRset says about the zone, as last observed.
enum class ParentDsState : uint8_t {
  kUnknown,   // never checked successfully
  kMatch,     // every parent server serves the DS the zone wants
  kPending,   // a DS change was asked for and is not (fully) there yet
  kMissing,   // the parent serves no DS: the zone is signed but not anchored
  kMismatch,  // the parent serves DS records, none of which matches a key we publish: bogus
};
std::string parent_ds_state_name(ParentDsState s);

struct ZoneHealth {
  std::string zone, tenant;
  bool secured = false;    // signed by Signet
  bool presigned = false;  // signed by its primary (keystore/presigned_zones.hh): no keys here
  HealthStatus status = HealthStatus::kOk;
  std::vector<std::string> reasons;  // most severe first
  // Secured zones only (presigned ones: denial and earliest_expiry):
  std::string policy;
  std::string denial;
  uint32_t earliest_expiry = 0;  // earliest RRSIG expiration (0: none)
  uint64_t next_refresh = 0;
  RolloverKind rollover = RolloverKind::kNone;
  std::string rollover_status;
  bool cds_published = false, cds_delete = false;
  ParentDsState parent_ds = ParentDsState::kUnknown;
  uint64_t parent_checked_at = 0;
  bool parent_unreachable = false;  // the last parent check reached no parent server
  uint64_t next_key_event = 0;
  std::string next_key_event_what;
  std::vector<KeyStatus> keys;
  // What validating resolvers see, as the validation monitor last found it (keystore/monitor.hh).
  MonitorState monitor = MonitorState::kUnknown;
  uint64_t monitor_checked_at = 0;
  ParentDsCheck monitor_parent_ds = ParentDsCheck::kUnknown;  // the monitor's parent DS verdict
  std::vector<std::string> monitor_reasons;  // the resolvers' findings among `reasons`
  // Facts behind some of `reasons`, for those that act on them (the console's overview, the
  // alerts) without reading the texts:
  bool signatures_expiring = false;  // none, expired, or closer to expiry than the policy allows
  bool awaits_approval = false;      // a rollover step waits for `signetutil approve`
  bool parent_ds_overdue = false;    // a DS asked for is not at the parent past its delay
};

// Some resolver fails to validate the zone.
bool bogus_somewhere(const ZoneHealth& h);
// The parent serves DS records none of which matches a key of the zone: the key manager's parent
// check or the monitor's found it.
bool ds_mismatch(const ZoneHealth& h);
// Some resolver sees the zone bogus or cannot be asked (the monitor's findings).
bool monitor_failing(const ZoneHealth& h);

// The store as a whole: a full map fails every write (edits, refreshed signatures, rollover
// steps), so it is critical before the last page goes — signatures then expire unrenewed.
struct StoreHealth {
  HealthStatus status = HealthStatus::kOk;
  std::string reason;  // empty when ok
  lmdb::Env::Usage usage;
};
// Critical below 5 % available (or 1 MiB), warning below 20 %.
StoreHealth assess_store(const lmdb::Env::Usage& usage);

ZoneHealth assess_zone(KeyManager& keyman, Dnssec& dnssec, const Store& store, const lmdb::Txn& txn,
                       const ZoneRecord& zone, const std::string& tenant, uint64_t now);

}  // namespace signet
