// SPDX-License-Identifier: GPL-2.0-or-later
//
// The key manager: the executor of the rollover planner (signer/rollover.hh). One tick of a zone:
//
//   1. observe: if the planner waits on the parent, or the daily check is due, ask every parent
//      server for the zone's DS RRset (network, outside any transaction) — failures back off;
//   2. settle, in ONE write transaction (keyman.cc, class ZoneTick: one function per step):
//      record the parent's answer; plan from the stored key timings, parent view and operator
//      request; with `approval: manual` apply only observations, store the remaining steps as a
//      proposal and wait for `signetutil approve`; otherwise apply every action (generate and seal
//      keys, set key times, purge, submit, go unsigned, request done); audit every key state
//      change; republish DNSKEY/CDS/CDNSKEY and sign the zone again when the set of signing keys
//      changed (or just the apex when only the key RRsets did); file the next wake-up in the
//      key_due index; claim a pending DS submission;
//   3. after the commit, run the DS submission (hook or RFC 2136 push) if one was claimed in
//      step 2 — failures are logged, audited and retried with backoff, never dropped.
//
// Everything persistent is in the store, so a killed process resumes where it was. A scheduled
// tick checks again inside its write transaction that the zone is still due, and a submission is
// claimed (leased) in the transaction before it runs, so several processes sharing one store never
// double-step a key or submit twice.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "keystore/dnssec.hh"
#include "keystore/store.hh"
#include "signer/clock.hh"
#include "signer/dns_client.hh"
#include "signer/rollover.hh"

namespace signet {

// One key as rollover-status and health show it.
struct KeyStatus {
  KeyTimes times;
  KeyState state = KeyState::kGenerated;
  uint64_t next_event = 0;  // the next time its state changes by itself (0: none scheduled)
  std::string next_event_what;
  bool published = false, signing = false;
  bool ds_at_parent = false;  // every parent server served its DS at the last check
};

// A secured zone as the key manager sees it (read-only; nothing applied).
struct ZoneKeyStatus {
  ZoneRecord zone;
  codec::DnssecRecord dnssec;
  codec::RolloverRecord rollover;
  std::string policy_name;
  SigningPolicy policy;
  std::vector<KeyStatus> keys;
  KeyPlan plan;  // what the planner would do now
  bool cds_published = false, cds_delete = false;
  std::vector<uint16_t> wanted_ds_tags;  // keys the parent should have a DS for
};

class KeyManager {
 public:
  using Log = std::function<void(bool warning, const std::string&)>;
  // How the parent is asked (dns_query by default; tests substitute a fake parent).
  using Query = std::function<DnsResponse(const DnsServer&, const Name&, uint16_t)>;
  KeyManager(Store& store, Dnssec& dnssec, const Clock& clock, Log log = nullptr,
             unsigned threads = 1);
  ~KeyManager();
  KeyManager(const KeyManager&) = delete;
  KeyManager& operator=(const KeyManager&) = delete;

  void set_query(Query q) { query_ = std::move(q); }
  // Where progress and warnings go (the pdns log in the module); set before start().
  void set_log(Log l) { log_ = std::move(l); }

  // ---- operator requests (each in the caller's transaction; the next tick acts on them)
  void request_rollover(lmdb::WriteTxn& txn, const ZoneRecord& zone, RolloverKind kind,
                        std::optional<Algorithm> algorithm = std::nullopt);
  void request_emergency(lmdb::WriteTxn& txn, const ZoneRecord& zone, uint16_t key_tag);
  // The operator confirms the parent serves the DS of key `tag` (instead of a parent check).
  void ds_seen(lmdb::WriteTxn& txn, const ZoneRecord& zone, uint16_t tag);
  // Plan the zone again at the next tick (after a policy change, say).
  void wake(lmdb::WriteTxn& txn, uint32_t zone_id);
  // (The zones that follow a changed policy: PolicyResolver::followers, conf/policy_import.)

  // ---- the engine
  enum class Mode {
    kScheduled,  // only if the zone is due (run_due, the background scheduler)
    kNow,        // now, whatever its wake-up time (signetutil rollover-tick ZONE)
    kApprove,    // now, and apply the pending manual-approval proposal
  };
  struct TickResult {
    bool acted = false;              // the zone was looked at (false: not due or not secured)
    std::vector<std::string> steps;  // what was applied (or, awaiting approval, proposed)
    bool awaiting_approval = false;
    bool parent_checked = false;
    std::string submission;  // outcome of a DS submission run after the commit
    std::string status;
  };
  TickResult tick(uint32_t zone_id, Mode mode = Mode::kNow);
  // Ticks every zone whose wake-up time has come (at most `max`). Returns how many acted.
  size_t run_due(size_t max = 1000);
  // The earliest wake-up time filed in the key_due index (0: none).
  uint64_t next_due() const;

  ZoneKeyStatus status(const lmdb::Txn& txn, const ZoneRecord& zone) const;

  // The background scheduler of a pdns_server process: run_due whenever a zone is due, and at
  // least every `interval_seconds`.
  void start(unsigned interval_seconds);
  void stop();

 private:
  struct ParentObservation {
    bool ok = false;
    std::string error;
    std::vector<std::pair<uint16_t, uint8_t>> all, any;
    uint8_t unknown = 0;
    std::vector<std::string> notes;  // DS records that match none of our keys, per server
  };
  struct Submission {
    SigningPolicy::DsSubmission method = SigningPolicy::DsSubmission::kNone;
    SigningPolicy policy;
    ZoneRecord zone;
    std::string tenant;
    std::vector<std::vector<uint8_t>> ds;
  };
  // What the first step of a tick found (read only, outside any write transaction).
  struct Observed {
    bool due = false;  // the zone is secured and (for kScheduled) its wake-up time has come
    uint64_t now = 0;  // the tick's time
    std::optional<ParentObservation> parent;  // when the parent was asked
  };
  class ZoneTick;  // one zone's tick inside its write transaction (keyman.cc)
  using DsSet = std::set<std::pair<uint16_t, uint8_t>>;  // key tag, algorithm

  // The steps of a tick: observe (and ask the parent when needed), settle (plan and apply in one
  // write transaction, claiming a DS submission), run_submission (after the commit).
  Observed observe(uint32_t zone_id, Mode mode);
  std::optional<Submission> settle(uint32_t zone_id, Mode mode, const Observed& seen,
                                   TickResult& result);

  // Asks every parent server for the zone's DS RRset.
  ParentObservation check_parent(const ZoneRecord& zone, const SigningPolicy& policy,
                                 const std::vector<codec::KeyRecord>& keys);
  // One server's DS RRset: ours (tag, algorithm) and the others (as text); the error when the
  // answer is unusable.
  std::optional<std::string> ds_at_server(const DnsServer& server, const ZoneRecord& zone,
                                          const std::vector<codec::KeyRecord>& keys, DsSet& ours,
                                          std::set<std::string>& unknown);
  std::string run_submission(uint32_t zone_id, const Submission& sub);
  std::string record_submission(uint32_t zone_id, const Submission& sub, const std::string& ds_text,
                                bool ok, const std::string& method, const std::string& outcome);
  void log(bool warning, const std::string& s) const {
    if (log_)
      log_(warning, s);
  }

  Store& store_;
  Dnssec& dnssec_;
  const Clock& clock_;
  Log log_;
  unsigned threads_;
  Query query_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace signet
