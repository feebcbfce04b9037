// SPDX-License-Identifier: GPL-2.0-or-later
//
// The key manager: the executor of the rollover planner (signer/rollover.hh). One tick of a zone:
//
//   1. observe: if the planner waits on the parent, or the daily check is due, ask every parent
//      server for the zone's DS RRset (network, outside any transaction) — failures back off.
//      The parent's servers are the policy's `parent-nameservers`, else found by a ParentFinder
//      (signer/parent_finder.hh) shared by every zone: cached per parent zone, through the
//      `signet-resolver` resolvers, with bounded timeouts. A server counts as answering when
//      any of its addresses answers;
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
// run_due ticks the zones that need no parent first, then fetches the parents of the others at
// once (one NS lookup per parent zone, bounded concurrency) and ticks those on a few threads, so
// an unreachable resolver or parent costs one round of timeouts, never one per zone, and never
// holds up another zone's due steps.
//
// Everything persistent is in the store, so a killed process resumes where it was. A scheduled
// tick checks again inside its write transaction that the zone is still due, and a submission is
// claimed (leased) in the transaction before it runs, so several processes sharing one store never
// double-step a key or submit twice.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "keystore/dnssec.hh"
#include "keystore/store.hh"
#include "signer/clock.hh"
#include "signer/dns_client.hh"
#include "signer/parent_finder.hh"
#include "signer/rollover.hh"

namespace signet {

// How a parent check's error (RolloverRecord::last_check_error) begins when no parent server could
// be asked at all: discovery failed, or none of them answered. Health shows it at once.
inline constexpr std::string_view kParentUnreachable = "parent unreachable";

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
  // How one address of a parent server is asked (by default dns_query with the ParentFinder's
  // timeouts; tests substitute a fake parent).
  using Query = ParentFinder::Query;
  KeyManager(Store& store, Dnssec& dnssec, const Clock& clock, Log log = nullptr,
             unsigned threads = 1);
  ~KeyManager();
  KeyManager(const KeyManager&) = delete;
  KeyManager& operator=(const KeyManager&) = delete;

  void set_query(Query q) { query_ = std::move(q); }
  // How parents are found (the resolvers of `signet-resolver`, timeouts, concurrency). Replaces
  // the finder and its cache; call before start(). By default: the system's resolvers.
  void set_parent_finder(ParentFinderOptions options);
  // Where progress and warnings go (the pdns log in the module); set before start().
  void set_log(Log l) { log_ = std::move(l); }
  // The parent finder and the query it asks parent servers with, shared with the validation
  // monitor (keystore/monitor.hh) so that both see the same parents through one cache.
  ParentFinder& parent_finder() { return *finder_; }
  const Query& parent_query() const { return query_; }

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
  // One tick of `zone` (mode kNow or kApprove) in the caller's transaction, so that what it
  // does is audited with the caller's actor (signetd: the token) and commits with the caller's
  // other changes (a rollover request). The parent is not asked (the next scheduled tick does).
  // The re-sign and a DS submission the tick starts are queued in `after`, to run after the
  // commit.
  TickResult tick(lmdb::WriteTxn& txn, const ZoneRecord& zone, Mode mode,
                  std::vector<std::function<void()>>& after);
  // Applies the rollover steps awaiting approval in the caller's transaction (as tick above),
  // provided the proposal is still exactly `expected` (what the approver saw). Throws Conflict
  // when nothing awaits approval or the proposal changed; then nothing is applied.
  TickResult approve(lmdb::WriteTxn& txn, const ZoneRecord& zone, const std::string& expected,
                     std::vector<std::function<void()>>& after);
  // Ticks every zone whose wake-up time has come (at most `max`): first those that need nothing
  // from the parent, then — after finding their parents at once — the others, a few at a time.
  // Returns how many acted.
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
  std::optional<Submission> settle(lmdb::WriteTxn& txn, uint32_t zone_id, Mode mode,
                                   const Observed& seen, TickResult& result);

  // Asks every parent server for the zone's DS RRset.
  ParentObservation check_parent(const ZoneRecord& zone, const SigningPolicy& policy,
                                 const std::vector<codec::KeyRecord>& keys);
  // The DS RRset in one server's (authoritative) answer: ours (tag, algorithm) and the others
  // (as text).
  static void ds_in_answer(const DnsResponse& answer, const ZoneRecord& zone,
                           const std::vector<codec::KeyRecord>& keys, DsSet& ours,
                           std::set<std::string>& unknown);
  // run_due's triage: the due zones whose tick asks the parent, and of those the ones whose
  // parent must be found (no parent-nameservers in the policy).
  struct DueZones {
    std::vector<uint32_t> local, parent;
    std::vector<Name> to_find;
  };
  DueZones triage(const std::vector<uint32_t>& due);
  // A zone whose scheduled tick failed: logged, and looked at again in a minute.
  void tick_failed(uint32_t zone_id, const std::string& error);
  class DueRun;  // the scheduled ticks of many zones, settled in batches (keyman.cc)
  std::string run_submission(uint32_t zone_id, const Submission& sub);
  std::string record_submission(uint32_t zone_id, const Submission& sub, const std::string& ds_text,
                                bool ok, const std::string& method, const std::string& outcome);
  void log(bool warning, const std::string& s) const {
    std::lock_guard<std::mutex> lock(log_mu_);  // ticks run on several threads
    if (log_)
      log_(warning, s);
  }

  Store& store_;
  Dnssec& dnssec_;
  const Clock& clock_;
  Log log_;
  unsigned threads_;
  Query query_;  // null: dns_query with the finder's timeouts
  ParentFinderOptions finder_options_;
  std::unique_ptr<ParentFinder> finder_;
  mutable std::mutex log_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace signet
