// SPDX-License-Identifier: GPL-2.0-or-later
//
// What validating resolvers see of each secured zone, as the validation monitor
// (keystore/monitor.hh) last found it: per resolver secure / insecure / bogus (with the RFC 8914
// Extended DNS Error the resolver gave) / unreachable, the DS every parent server serves against
// the zone's keys, a bounded history of checks and a bounded list of state changes. Stored in the
// `monitor` table (keystore/codec.hh), one row per zone, so that health, metrics, signetutil and
// signetd read a zone's findings with one get.
//
// Every state change is audited in the same transaction as the row that records it:
// `validation-changed` {"resolver", "from", "to", "ede", "ede_text", "reason"} and
// `parent-ds-changed` {"from", "to", "servers": {server: state}}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "keystore/codec.hh"
#include "keystore/store.hh"
#include "keystore/zone_events.hh"
#include "signer/json.hh"

namespace signet {

// What one resolver says about a zone. The order is severity for the "worst over resolvers"
// summary: bogus beats unreachable beats insecure beats secure.
enum class MonitorState : uint8_t {
  kUnknown = 0,      // never checked
  kSecure = 1,       // answers with AD set (RFC 4035 §3.2.3)
  kInsecure = 2,     // answers, without AD: the resolver does not see a chain of trust
  kUnreachable = 3,  // no answer, or refused
  kBogus = 4,        // SERVFAIL: the resolver failed validation
};
std::string monitor_state_name(MonitorState s);
MonitorState monitor_state_from(uint8_t v);  // unknown values: kUnknown

// The parent's DS at one server (and, the worst, over all of them) against the zone's keys.
enum class ParentDsCheck : uint8_t {
  kUnknown = 0,
  kMatch = 1,        // a DS matches a key the zone publishes
  kUnreachable = 2,  // the server did not answer
  kMissing = 3,      // no DS: the zone is not anchored
  kMismatch = 4,     // DS records, none matching a published key: bogus for validators
};
std::string parent_ds_check_name(ParentDsCheck s);
ParentDsCheck parent_ds_check_from(uint8_t v);

// One check of a zone, as the monitor made it.
struct MonitorFindings {
  uint64_t at = 0;
  std::vector<codec::MonitorResult> results;  // one per resolver
  // The parent check (none when it was not made this time).
  std::optional<std::vector<codec::MonitorParentServer>> parent;
};

class MonitorResults {
 public:
  MonitorResults(const Store& store, const ZoneEvents& events) : store_(store), events_(events) {}

  std::optional<codec::MonitorRecord> find(const lmdb::Txn& txn, uint32_t zone_id) const;
  // Stores `f` as the zone's latest findings, appends it to the bounded history and records
  // (and audits, in `txn`) every per-resolver and parent-DS state change.
  void record(lmdb::WriteTxn& txn, const ZoneRecord& zone, const MonitorFindings& f) const;

 private:
  const Store& store_;
  const ZoneEvents& events_;
};

// The worst state over a record's resolvers (kUnknown for none).
MonitorState monitor_worst(const codec::MonitorRecord& m);
// The worst of the parent servers' states (kUnknown for none).
ParentDsCheck parent_ds_worst(const std::vector<codec::MonitorParentServer>& servers);

// The JSON document of GET /api/v1/signet/zones/{zone}/monitor and `signetutil monitor --json`
// (issue 10's contract): zone, status, checked_at, resolvers, parent_ds, history.
Json monitor_json(const std::string& zone, const std::optional<codec::MonitorRecord>& m);
// "bogus at 127.0.0.1:5353 (EDE 9: DNSKEY Missing)".
std::string monitor_result_text(const codec::MonitorResult& r);

}  // namespace signet
