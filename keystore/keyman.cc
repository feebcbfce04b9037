// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/keyman.hh"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>

#include "signer/ds.hh"
#include "signer/ds_hook.hh"
#include "signer/error.hh"
#include "signer/key.hh"
#include "signer/rdata_text.hh"
#include "signer/rrtype.hh"
#include "signer/subprocess.hh"

namespace signet {

using codec::KeyRecord;
using codec::RolloverRecord;

namespace {

constexpr uint64_t kIdleParentCheck = 86400;  // the parent's DS is looked at daily when idle
constexpr uint64_t kMaxBackoff = 86400;
constexpr uint64_t kSubmitLease = 300;   // a claimed submission is another process's for this long
constexpr uint64_t kSubmitRetry = 60;    // first retry of a failed submission; doubles
constexpr size_t kMaxCheckError = 1000;  // a parent check's error as stored (bytes)

std::string joined(const std::vector<std::string>& parts, const char* sep = "\n") {
  std::string out;
  for (const auto& p : parts)
    out += (out.empty() ? "" : sep) + p;
  return out;
}

uint64_t backoff(uint64_t base, unsigned failures) {
  uint64_t d = std::max<uint64_t>(base, 1);
  for (unsigned i = 1; i < failures && d < kMaxBackoff; ++i)
    d *= 2;
  return std::min(d, kMaxBackoff);
}

bool is_observation(const KeyAction& a) {
  return a.kind == KeyAction::Kind::kPurge ||
         (a.kind == KeyAction::Kind::kSetTime &&
          (a.field == KeyAction::Field::kDsSeen || a.field == KeyAction::Field::kDsGone));
}

uint64_t& field_of(KeyRecord& k, KeyAction::Field f) {
  switch (f) {
    case KeyAction::Field::kPublish:
      return k.publish;
    case KeyAction::Field::kActivate:
      return k.activate;
    case KeyAction::Field::kInactive:
      return k.inactive;
    case KeyAction::Field::kRemove:
      return k.remove;
    case KeyAction::Field::kDsSubmitted:
      return k.ds_submitted;
    case KeyAction::Field::kDsSeen:
      return k.ds_seen;
    case KeyAction::Field::kDsRetired:
      return k.ds_retired;
    case KeyAction::Field::kDsGone:
      return k.ds_gone;
  }
  return k.publish;
}

// The audit kind of a key entering `s`.
std::string state_event(KeyState s) {
  switch (s) {
    case KeyState::kGenerated:
      return "key-generated";
    case KeyState::kPublished:
      return "key-published";
    case KeyState::kReady:
      return "key-ready";
    case KeyState::kActive:
      return "key-activated";
    case KeyState::kRetired:
      return "key-retired";
    case KeyState::kRemoved:
      return "key-removed";
  }
  return "key-changed";
}

std::string ds_event(KeyAction::Field f) {
  switch (f) {
    case KeyAction::Field::kDsSubmitted:
      return "ds-submitted";
    case KeyAction::Field::kDsSeen:
      return "ds-observed";
    case KeyAction::Field::kDsRetired:
      return "ds-retired";
    case KeyAction::Field::kDsGone:
      return "ds-gone";
    default:
      return "";
  }
}

RolloverRequest request_of(const RolloverRecord& r) {
  RolloverRequest q;
  q.kind = static_cast<RolloverKind>(r.request_kind);
  q.emergency = r.request_emergency;
  q.compromised_key = r.compromised_key;
  if (r.request_algorithm)
    q.algorithm = algorithm_from_number(r.request_algorithm);
  return q;
}

ParentView view_of(const RolloverRecord& r) {
  ParentView v;
  v.checked = r.parent_checked_at != 0;
  v.checked_at = r.parent_checked_at;
  v.ds = r.parent_ds;
  v.ds_any = r.parent_ds_any;
  return v;
}

}  // namespace

KeyManager::KeyManager(Store& store, Dnssec& dnssec, const Clock& clock, Log log, unsigned threads)
    : store_(store),
      dnssec_(dnssec),
      clock_(clock),
      log_(std::move(log)),
      threads_(threads ? threads : 1),
      finder_(std::make_unique<ParentFinder>(finder_options_, &clock)) {}

void KeyManager::set_parent_finder(ParentFinderOptions options) {
  finder_options_ = options;
  finder_ = std::make_unique<ParentFinder>(std::move(options), &clock_);
}

KeyManager::~KeyManager() {
  stop();
}

// ------------------------------------------------------------------ requests

namespace {
const KeyRecord* find_live_key(const std::vector<KeyRecord>& keys, uint16_t tag,
                               const ZoneRecord& zone, uint64_t now) {
  const KeyRecord* found = nullptr;
  for (const auto& k : keys) {
    if (k.tag != tag)
      continue;
    bool gone = (k.remove && now >= k.remove) && (!k.activate || (k.inactive && now >= k.inactive));
    if (!gone)
      found = &k;
  }
  if (!found)
    throw NotFound("zone '" + zone.name.to_text() + "' has no live key with tag " +
                   std::to_string(tag));
  return found;
}
}  // namespace

void KeyManager::request_rollover(lmdb::WriteTxn& txn, const ZoneRecord& zone, RolloverKind kind,
                                  std::optional<Algorithm> algorithm) {
  auto st = dnssec_.state().find(txn, zone.id);
  if (!st)
    throw Conflict("zone '" + zone.name.to_text() + "' is not secured (use secure-zone)");
  SigningPolicy policy = dnssec_.policies().for_zone(txn, zone, *st);
  auto before = dnssec_.state().rollover(txn, zone.id);
  if (before.request_kind != 0 || before.request_emergency) {
    throw Conflict("zone '" + zone.name.to_text() + "' already has a pending request (" +
                   rollover_kind_name(static_cast<RolloverKind>(before.request_kind)) +
                   (before.request_emergency ? ", emergency" : "") + ")");
  }
  if (before.going_insecure)
    throw Conflict("zone '" + zone.name.to_text() + "' is going insecure");
  std::string name = zone.name.to_text();
  if ((kind == RolloverKind::kZsk || kind == RolloverKind::kKsk) && policy.csk) {
    throw InputError("zone '" + name + "' uses a combined signing key: use 'rollover " + name +
                     " csk' (or a ksk-zsk policy)");
  }
  if (kind == RolloverKind::kCsk && !policy.csk) {
    throw InputError("zone '" + name + "' has a KSK and a ZSK: use 'rollover " + name +
                     " ksk' or 'zsk'");
  }
  if (algorithm && kind != RolloverKind::kAlgorithm)
    throw InputError("--algorithm goes with an algorithm rollover");
  auto after = before;
  if (kind == RolloverKind::kAlgorithm) {
    Algorithm target = algorithm.value_or(policy.algorithm);
    bool all_match = true;
    for (const auto& k : dnssec_.keys().list(txn, zone.id)) {
      if (!(k.remove && k.remove <= clock_.now()) && k.algorithm != algorithm_number(target))
        all_match = false;
    }
    if (all_match) {
      throw InputError("zone '" + name + "' already uses " + algorithm_name(target) +
                       " (give --algorithm N)");
    }
    after.request_algorithm = algorithm_number(target);
  }
  after.request_kind = static_cast<uint8_t>(kind);
  after.next_wakeup = clock_.now();
  dnssec_.state().put_rollover(txn, zone.id, before, after);
  Json detail{{"rollover", rollover_kind_name(kind)}};
  if (after.request_algorithm)
    detail["algorithm"] = algorithm_name(algorithm_from_number(after.request_algorithm));
  dnssec_.events().record(txn, zone, "rollover-requested", detail);
}

void KeyManager::request_emergency(lmdb::WriteTxn& txn, const ZoneRecord& zone, uint16_t key_tag) {
  if (!dnssec_.state().find(txn, zone.id))
    throw Conflict("zone '" + zone.name.to_text() + "' is not secured");
  auto keys = dnssec_.keys().list(txn, zone.id);
  const KeyRecord* k = find_live_key(keys, key_tag, zone, clock_.now());
  auto before = dnssec_.state().rollover(txn, zone.id);
  auto after = before;
  after.request_emergency = true;
  after.compromised_key = k->id;
  after.next_wakeup = clock_.now();
  dnssec_.state().put_rollover(txn, zone.id, before, after);
  dnssec_.events().record(txn, zone, "emergency-rollover-requested", key_detail(*k));
}

void KeyManager::ds_seen(lmdb::WriteTxn& txn, const ZoneRecord& zone, uint16_t tag) {
  if (!dnssec_.state().find(txn, zone.id))
    throw Conflict("zone '" + zone.name.to_text() + "' is not secured");
  auto keys = dnssec_.keys().list(txn, zone.id);
  KeyRecord k = *find_live_key(keys, tag, zone, clock_.now());
  if (k.role == static_cast<uint8_t>(KeyRole::kZsk))
    throw InputError("key " + std::to_string(tag) + " is a ZSK: the parent has no DS for it");
  uint64_t now = clock_.now();
  if (!k.ds_submitted)
    k.ds_submitted = now;
  k.ds_seen = now;
  dnssec_.keys().put(txn, k);
  dnssec_.events().record(txn, zone, "ds-observed",
                          Json{{"tag", k.tag}, {"key_id", k.id}, {"by", "operator (ds-seen)"}});
  wake(txn, zone.id);
}

void KeyManager::wake(lmdb::WriteTxn& txn, uint32_t zone_id) {
  if (!dnssec_.state().find(txn, zone_id))
    return;
  auto before = dnssec_.state().rollover(txn, zone_id);
  auto after = before;
  after.next_wakeup = clock_.now();
  dnssec_.state().put_rollover(txn, zone_id, before, after);
}

// ------------------------------------------------------------------ the parent

void KeyManager::ds_in_answer(const DnsResponse& r, const ZoneRecord& zone,
                              const std::vector<KeyRecord>& keys, DsSet& ours,
                              std::set<std::string>& unknown) {
  CanonicalName apex(zone.name);
  for (const auto& rec : r.answer) {
    if (rec.type != rrtype::DS || !rec.owner.equals(zone.name) || rec.rdata.size() < 5)
      continue;
    // "The expected DS": the digest must be that of our key, not just its tag.
    bool match = std::any_of(keys.begin(), keys.end(), [&](const KeyRecord& k) {
      return ds_matches_key(apex, k, rec.rdata);
    });
    if (match)
      ours.insert({codec::load_u16(rec.rdata.data()), rec.rdata[2]});
    else
      unknown.insert(rdata_to_text(rrtype::DS, rec.rdata));
  }
}

// Every parent server is asked; a server is one NS host (or one configured address) and counts
// as answering when any of its addresses gives an authoritative answer (RCODE and AA checked by
// the finder): a host whose IPv6 address is unreachable from here still answers over IPv4. The
// error says "parent unreachable" when no server answered at all (health shows it at once), and
// names the silent ones when only some did (the DS "at every server" cannot be known then).
KeyManager::ParentObservation KeyManager::check_parent(const ZoneRecord& zone,
                                                       const SigningPolicy& policy,
                                                       const std::vector<KeyRecord>& keys) {
  ParentObservation obs;
  std::vector<ParentServer> servers;
  try {
    servers = finder_->servers_for(zone.name, policy.parent_nameservers);
  } catch (const ParentUnreachable& e) {
    obs.error = std::string(kParentUnreachable) + ": " + e.what();
    return obs;
  } catch (const std::exception& e) {
    obs.error = e.what();  // a bad parent-nameservers address
    return obs;
  }
  if (servers.empty()) {
    obs.error = std::string(kParentUnreachable) + ": no parent nameservers found for " +
                zone.name.to_text() + " (set parent-nameservers in the policy)";
    return obs;
  }
  std::map<std::pair<uint16_t, uint8_t>, size_t> served;  // how many servers serve each
  std::set<std::string> unknown;
  std::vector<std::string> silent;
  for (const auto& server : servers) {
    auto a = finder_->query_any_address(server, zone.name, rrtype::DS, query_);
    if (!a.answered()) {
      silent.push_back(a.failure_text(server));
      continue;
    }
    DsSet here;
    ds_in_answer(*a.response, zone, keys, here, unknown);
    for (const auto& d : here)
      ++served[d];
  }
  if (silent.size() == servers.size()) {
    obs.error = std::string(kParentUnreachable) + ": " + joined(silent, "; ");
    return obs;
  }
  if (!silent.empty()) {
    obs.error = "parent server(s) not answering: " + joined(silent, "; ");
    return obs;
  }
  obs.ok = true;
  for (const auto& [d, n] : served) {
    obs.any.push_back(d);
    if (n == servers.size())
      obs.all.push_back(d);
  }
  obs.unknown = static_cast<uint8_t>(std::min<size_t>(unknown.size(), 255));
  for (const auto& u : unknown)
    obs.notes.push_back(u);
  return obs;
}

// ------------------------------------------------------------------ the tick

KeyManager::TickResult KeyManager::tick(uint32_t zone_id, Mode mode) {
  TickResult result;
  Observed seen = observe(zone_id, mode);
  if (!seen.due)
    return result;
  std::optional<Submission> submission = settle(zone_id, mode, seen, result);
  // A re-sign the tick started runs now, in chunks outside its transaction (keystore/resign.hh).
  if (result.acted)
    dnssec_.signing().complete(zone_id, threads_);
  if (submission)
    result.submission = run_submission(zone_id, *submission);
  return result;
}

KeyManager::TickResult KeyManager::tick(lmdb::WriteTxn& txn, const ZoneRecord& zone, Mode mode,
                                        std::vector<std::function<void()>>& after) {
  TickResult result;
  Observed seen;
  seen.due = true;
  seen.now = clock_.now();
  std::optional<Submission> submission = settle(txn, zone.id, mode, seen, result);
  uint32_t zone_id = zone.id;
  if (result.acted)
    after.push_back([this, zone_id] { dnssec_.signing().complete(zone_id, threads_); });
  if (submission)
    after.push_back([this, zone_id, sub = *submission] { run_submission(zone_id, sub); });
  return result;
}

KeyManager::TickResult KeyManager::approve(lmdb::WriteTxn& txn, const ZoneRecord& zone,
                                           const std::string& expected,
                                           std::vector<std::function<void()>>& after) {
  std::string proposal = dnssec_.state().rollover(txn, zone.id).proposal;
  if (proposal.empty())
    throw Conflict("zone '" + zone.name.to_text() + "' has no rollover step awaiting approval");
  auto changed = [&] {
    return Conflict("zone '" + zone.name.to_text() +
                    "': the proposal changed since it was shown; review it and approve again");
  };
  if (proposal != expected)
    throw changed();
  TickResult result = tick(txn, zone, Mode::kApprove, after);
  if (result.awaiting_approval)
    throw changed();  // the plan proposes other steps now: the caller's transaction aborts
  return result;
}

namespace {
// Whether the parent needs asking now: the planner waits on it, or the daily check is due, and
// no backoff holds it off.
bool parent_check_due(const SigningPolicy& policy, const std::vector<KeyTimes>& times,
                      const RolloverRecord& rec, uint32_t zone_id, uint64_t now) {
  KeyPlan probe = plan_keys(policy, times, view_of(rec), ZoneFacts{zone_id, rec.going_insecure},
                            request_of(rec), now);
  bool want = probe.needs_parent || now >= rec.parent_checked_at + kIdleParentCheck;
  return want && now >= rec.next_parent_check;
}
}  // namespace

KeyManager::Observed KeyManager::observe(uint32_t zone_id, Mode mode) {
  Observed seen;
  seen.now = clock_.now();
  auto txn = store_.begin_read();
  auto zone = store_.zone_by_id(txn, zone_id);
  auto st = zone ? dnssec_.state().find(txn, zone_id) : std::nullopt;
  if (!st)
    return seen;
  auto rec = dnssec_.state().rollover(txn, zone_id);
  if (mode == Mode::kScheduled && rec.next_wakeup > seen.now)
    return seen;
  seen.due = true;
  SigningPolicy policy = dnssec_.policies().for_zone(txn, *zone, *st);
  if (!parent_check_due(policy, dnssec_.keys().times(txn, zone_id), rec, zone_id, seen.now))
    return seen;
  auto keys = dnssec_.keys().list(txn, zone_id);
  txn.reset();  // the network is outside every transaction
  seen.parent = check_parent(*zone, policy, keys);
  seen.now = clock_.now();
  return seen;
}

// One zone's tick inside its write transaction: the state its steps share. Each step is one
// member function; settle() runs them in order.
class KeyManager::ZoneTick {
 public:
  ZoneTick(KeyManager& km, lmdb::WriteTxn& txn, const ZoneRecord& zone,
           const codec::DnssecRecord& state, Mode mode, uint64_t now, TickResult& result)
      : km_(km),
        dnssec_(km.dnssec_),
        txn_(txn),
        zone_(zone),
        zname_(zone.name.to_text()),
        mode_(mode),
        now_(now),
        result_(result),
        policy_(dnssec_.policies().for_zone(txn, zone, state)),
        rec_(dnssec_.state().rollover(txn, zone.id)),
        keys_(dnssec_.keys().list(txn, zone.id)) {}

  void record_observation(const ParentObservation& obs);
  void plan_and_apply();
  bool goes_unsigned() const { return unsigned_now_; }
  void go_unsigned();
  void store_keys();
  void audit_key_states();
  void republish_and_resign();
  void schedule_next_wakeup();
  std::optional<Submission> claim_submission();
  void store_rollover();

 private:
  // observing the parent
  void record_parent_view(const ParentObservation& obs);
  void record_parent_failure(const ParentObservation& obs);
  void note_unasked_ds(const ParentObservation& obs);
  // planning
  KeyPlan plan_now();
  void switch_algorithm();
  std::vector<KeyAction> steps_to_apply();
  void propose(const std::string& proposal);
  // applying, one function per action kind
  void apply(const KeyAction& a);
  void generate(const KeyAction& a);
  void set_time(const KeyAction& a);
  void purge(const KeyAction& a);
  void submit_ds(const KeyAction& a);
  void request_done();
  // the keys as this tick has left them so far
  std::vector<KeyTimes> current_times() const;
  KeyRecord& key_ref(uint32_t id);
  std::string status_text() const;
  void log(bool warning, const std::string& s) const {
    km_.log(warning, "zone '" + zname_ + "': " + s);
  }

  KeyManager& km_;
  Dnssec& dnssec_;
  lmdb::WriteTxn& txn_;
  ZoneRecord zone_;
  std::string zname_;
  Mode mode_;
  uint64_t now_;
  TickResult& result_;
  SigningPolicy policy_;
  RolloverRecord rec_;
  std::vector<KeyRecord> keys_;            // as stored when the tick began
  std::map<uint32_t, KeyRecord> changed_;  // key id -> its new record
  std::map<uint32_t, std::string> why_;    // key id -> why it changed
  std::set<uint32_t> purged_;
  std::vector<uint32_t> generated_;
  bool unsigned_now_ = false, approved_ = false;
  KeyPlan plan_;
  std::string waiting_note_;
};

std::optional<KeyManager::Submission> KeyManager::settle(uint32_t zone_id, Mode mode,
                                                         const Observed& seen, TickResult& result) {
  auto txn = store_.begin_write();
  std::optional<Submission> submission = settle(txn, zone_id, mode, seen, result);
  txn.commit();
  return submission;
}

// The zone's tick in `txn`, which the caller commits (run_due settles many zones in one).
std::optional<KeyManager::Submission> KeyManager::settle(lmdb::WriteTxn& txn, uint32_t zone_id,
                                                         Mode mode, const Observed& seen,
                                                         TickResult& result) {
  auto zone = store_.zone_by_id(txn, zone_id);
  auto st = zone ? dnssec_.state().find(txn, zone_id) : std::nullopt;
  if (!st)
    return std::nullopt;
  // Another process may have ticked the zone since we looked.
  if (mode == Mode::kScheduled && dnssec_.state().rollover(txn, zone_id).next_wakeup > seen.now &&
      !seen.parent)
    return std::nullopt;
  result.acted = true;
  ZoneTick tick(*this, txn, *zone, *st, mode, seen.now, result);
  if (seen.parent) {
    result.parent_checked = true;
    tick.record_observation(*seen.parent);
  }
  tick.plan_and_apply();
  if (tick.goes_unsigned()) {
    tick.go_unsigned();
    result.status = "unsigned";
    return std::nullopt;
  }
  tick.store_keys();
  tick.audit_key_states();
  tick.republish_and_resign();
  tick.schedule_next_wakeup();
  std::optional<Submission> submission = tick.claim_submission();
  tick.store_rollover();
  return submission;
}

// ---- observing the parent

void KeyManager::ZoneTick::record_observation(const ParentObservation& obs) {
  if (obs.ok)
    record_parent_view(obs);
  else
    record_parent_failure(obs);
}

void KeyManager::ZoneTick::record_parent_view(const ParentObservation& obs) {
  rec_.parent_checked_at = now_;
  rec_.parent_ds = obs.all;
  rec_.parent_ds_any = obs.any;
  rec_.parent_unknown = obs.unknown;
  rec_.parent_failures = 0;
  rec_.last_check_error.clear();
  rec_.next_parent_check = now_ + policy_.parent_check_interval;
  for (const auto& note : obs.notes)
    log(true, "the parent serves a DS that matches none of its keys: " + note);
  note_unasked_ds(obs);
}

// Keys the parent turned out to have a DS for without our asking (the first DS, entered by hand
// at a registrar): the planner only observes DS it asked for.
void KeyManager::ZoneTick::note_unasked_ds(const ParentObservation& obs) {
  for (auto& k : keys_) {
    bool sep = is_sep_role(static_cast<KeyRole>(k.role));
    if (!sep || k.ds_submitted || k.ds_seen)
      continue;
    if (std::find(obs.all.begin(), obs.all.end(), std::make_pair(k.tag, k.algorithm)) ==
        obs.all.end())
      continue;
    k.ds_seen = now_;
    dnssec_.keys().put(txn_, k);
    dnssec_.events().record(txn_, zone_, "ds-observed",
                            Json{{"tag", k.tag}, {"key_id", k.id}, {"by", "parent check"}});
  }
}

void KeyManager::ZoneTick::record_parent_failure(const ParentObservation& obs) {
  ++rec_.parent_failures;
  rec_.last_check_error = obs.error.substr(0, kMaxCheckError);
  rec_.next_parent_check = now_ + backoff(policy_.parent_check_interval, rec_.parent_failures);
  if (rec_.parent_failures == 1) {
    // Logged and audited once per streak; health shows it for as long as it lasts.
    log(true, "parent DS check failed: " + obs.error + " (retrying with backoff)");
    dnssec_.events().record(txn_, zone_, "parent-check-failed", Json{{"error", obs.error}});
  }
}

// ---- planning

// Plan and apply until the plan is empty: applying a step (an observation, a key generated) can
// make the next one due at once, and the tick should leave the zone settled.
void KeyManager::ZoneTick::plan_and_apply() {
  for (int round = 0; round < 6; ++round) {
    plan_ = plan_now();
    std::vector<KeyAction> steps = steps_to_apply();
    if (steps.empty())
      break;
    for (const auto& a : steps)
      apply(a);
    if (unsigned_now_ || result_.awaiting_approval)
      break;
  }
}

KeyPlan KeyManager::ZoneTick::plan_now() {
  std::vector<KeyTimes> times = current_times();
  ZoneFacts facts{zone_.id, rec_.going_insecure};
  RolloverRequest request = request_of(rec_);
  waiting_note_.clear();
  // An operator's algorithm rollover takes effect only once no other rollover is under way:
  // never two rollovers of one zone at once.
  if (request.kind == RolloverKind::kAlgorithm && rec_.request_algorithm &&
      algorithm_number(policy_.algorithm) != rec_.request_algorithm) {
    KeyPlan busy = plan_keys(policy_, times, view_of(rec_), facts, RolloverRequest(), now_);
    if (busy.in_progress == RolloverKind::kNone) {
      switch_algorithm();
    } else {
      request = RolloverRequest();
      waiting_note_ = " (algorithm rollover requested: waits for the " +
                      rollover_kind_name(busy.in_progress) + " rollover in progress)";
    }
  }
  KeyPlan plan = plan_keys(policy_, times, view_of(rec_), facts, request, now_);
  bool request_waits =
      rec_.request_kind && waiting_note_.empty() && plan.in_progress != RolloverKind::kNone &&
      static_cast<RolloverKind>(rec_.request_kind) != plan.in_progress &&
      std::none_of(plan.actions.begin(), plan.actions.end(),
                   [](const KeyAction& a) { return a.kind == KeyAction::Kind::kRequestDone; });
  if (request_waits) {
    waiting_note_ = " (" + rollover_kind_name(static_cast<RolloverKind>(rec_.request_kind)) +
                    " rollover requested: waits for the " + rollover_kind_name(plan.in_progress) +
                    " rollover in progress)";
  }
  return plan;
}

// The requested algorithm becomes the zone's: the planner rolls to it from here on.
void KeyManager::ZoneTick::switch_algorithm() {
  Algorithm target = algorithm_from_number(rec_.request_algorithm);
  dnssec_.events().record(
      txn_, zone_, "algorithm-changed",
      Json{{"before", algorithm_name(policy_.algorithm)}, {"after", algorithm_name(target)}});
  rec_.algorithm_override = rec_.request_algorithm;
  policy_.algorithm = target;
}

// The plan's steps this tick applies. With manual approval, observations apply and the other
// steps wait for `signetutil approve` as a proposal (applied when the approval is of exactly
// the steps proposed).
std::vector<KeyAction> KeyManager::ZoneTick::steps_to_apply() {
  std::vector<KeyAction> apply;
  std::string proposal;
  for (const auto& a : plan_.actions) {
    if (!policy_.manual_approval || is_observation(a))
      apply.push_back(a);
    else
      proposal += (proposal.empty() ? "" : "\n") + a.why;
  }
  result_.awaiting_approval = false;
  if (proposal.empty()) {
    rec_.proposal.clear();
    return apply;
  }
  if (mode_ == Mode::kApprove && !approved_ && proposal == rec_.proposal) {
    approved_ = true;
    dnssec_.events().record(txn_, zone_, "rollover-approved", Json{{"steps", proposal}});
    rec_.proposal.clear();
    return plan_.actions;
  }
  propose(proposal);
  return apply;
}

void KeyManager::ZoneTick::propose(const std::string& proposal) {
  if (proposal != rec_.proposal) {
    dnssec_.events().record(txn_, zone_, "rollover-proposed", Json{{"steps", proposal}});
    log(false, "rollover step awaits approval: " + proposal);
    for (size_t from = 0; from <= proposal.size();) {
      size_t nl = proposal.find('\n', from);
      result_.steps.push_back("proposed: " + proposal.substr(from, nl - from));
      if (nl == std::string::npos)
        break;
      from = nl + 1;
    }
  }
  rec_.proposal = proposal;
  result_.awaiting_approval = true;
}

// ---- applying

void KeyManager::ZoneTick::apply(const KeyAction& a) {
  result_.steps.push_back(a.why);
  switch (a.kind) {
    case KeyAction::Kind::kGenerate:
      generate(a);
      break;
    case KeyAction::Kind::kSetTime:
      set_time(a);
      break;
    case KeyAction::Kind::kPurge:
      purge(a);
      break;
    case KeyAction::Kind::kSubmitDs:
      submit_ds(a);
      break;
    case KeyAction::Kind::kGoUnsigned:
      unsigned_now_ = true;
      break;
    case KeyAction::Kind::kRequestDone:
      request_done();
      break;
  }
}

void KeyManager::ZoneTick::generate(const KeyAction& a) {
  KeyRecord k = dnssec_.keys().generate(txn_, zone_, a.role, a.algorithm, policy_.rsa_bits,
                                        a.publish, a.activate);
  generated_.push_back(k.id);
  changed_.emplace(k.id, k);
  why_[k.id] = a.why;
  dnssec_.events().record(txn_, zone_, "key-generated",
                          Json{{"tag", k.tag},
                               {"algorithm", algorithm_name(a.algorithm)},
                               {"role", key_role_name(a.role)},
                               {"key_id", k.id},
                               {"publish", a.publish},
                               {"activate", a.activate},
                               {"why", a.why}});
}

void KeyManager::ZoneTick::set_time(const KeyAction& a) {
  KeyRecord& k = key_ref(a.key_id);
  uint64_t& f = field_of(k, a.field);
  uint64_t old = f;
  f = a.value;
  why_[k.id] = a.why;
  std::string kind = a.value > now_ ? "key-scheduled" : ds_event(a.field);
  if (kind.empty())
    return;  // a key state change: audited with the others after the plan
  dnssec_.events().record(txn_, zone_, kind,
                          Json{{"tag", k.tag},
                               {"key_id", k.id},
                               {"field", field_name(a.field)},
                               {"before", old},
                               {"after", a.value},
                               {"why", a.why}});
}

void KeyManager::ZoneTick::purge(const KeyAction& a) {
  for (const auto& k : keys_) {
    if (k.id != a.key_id || purged_.count(k.id))
      continue;
    dnssec_.keys().remove(txn_, k);
    changed_.erase(k.id);
    purged_.insert(k.id);
    dnssec_.events().record(txn_, zone_, "key-purged", key_detail(k));
  }
}

void KeyManager::ZoneTick::submit_ds(const KeyAction& a) {
  rec_.submit_key = a.key_id ? a.key_id : (generated_.empty() ? 0 : generated_.back());
  rec_.next_submit = now_;
  rec_.submit_failures = 0;
}

void KeyManager::ZoneTick::request_done() {
  if (static_cast<RolloverKind>(rec_.request_kind) == RolloverKind::kInsecure) {
    rec_.going_insecure = true;
    // The parent must drop the DS: through the submission channel too.
    rec_.submit_key = 0xffffffffu;
    rec_.next_submit = now_;
    rec_.submit_failures = 0;
  }
  rec_.request_kind = 0;
  rec_.request_emergency = false;
  rec_.compromised_key = 0;
  rec_.request_algorithm = 0;
}

std::vector<KeyTimes> KeyManager::ZoneTick::current_times() const {
  std::vector<KeyTimes> out;
  for (const auto& k : keys_) {
    if (purged_.count(k.id))
      continue;
    auto it = changed_.find(k.id);
    out.push_back(key_times_of(it == changed_.end() ? k : it->second));
  }
  for (uint32_t id : generated_) {
    if (!purged_.count(id))
      out.push_back(key_times_of(changed_.at(id)));
  }
  return out;
}

// The record of key `id` as this tick changes it (0: the key it generated last).
KeyRecord& KeyManager::ZoneTick::key_ref(uint32_t id) {
  if (id == 0) {
    if (generated_.empty())
      throw Error("zone '" + zname_ + "': rollover plan refers to a key it did not generate");
    id = generated_.back();
  }
  auto it = changed_.find(id);
  if (it != changed_.end())
    return it->second;
  for (const auto& k : keys_) {
    if (k.id == id)
      return changed_.emplace(id, k).first->second;
  }
  throw Error("zone '" + zname_ + "': rollover plan refers to unknown key id " +
              std::to_string(id));
}

// ---- after the plan

void KeyManager::ZoneTick::go_unsigned() {
  log(false, "the parent's DS is gone; the zone is now unsigned");
  dnssec_.signing().unsecure(txn_, zone_);
}

void KeyManager::ZoneTick::store_keys() {
  for (const auto& [id, k] : changed_)
    dnssec_.keys().put(txn_, k);
}

// Audits every key whose state moved, whether by this plan or by time since the last tick.
void KeyManager::ZoneTick::audit_key_states() {
  uint64_t since = rec_.last_tick ? std::min(rec_.last_tick, now_) : now_;
  for (const auto& k : dnssec_.keys().list(txn_, zone_.id)) {
    KeyState after = key_state(key_times_of(k), policy_, now_);
    bool is_new = std::find(generated_.begin(), generated_.end(), k.id) != generated_.end();
    KeyState before = KeyState::kGenerated;
    if (!is_new) {
      auto old = std::find_if(keys_.begin(), keys_.end(),
                              [&](const KeyRecord& o) { return o.id == k.id; });
      if (old == keys_.end())
        continue;
      before = key_state(key_times_of(*old), policy_, since);
    }
    if (before == after)
      continue;
    Json d{{"tag", k.tag},
           {"key_id", k.id},
           {"role", key_role_name(static_cast<KeyRole>(k.role))},
           {"from", key_state_name(before)},
           {"to", key_state_name(after)}};
    if (why_.count(k.id))
      d["why"] = why_[k.id];
    dnssec_.events().record(txn_, zone_, state_event(after), d);
    log(false, "key " + std::to_string(k.tag) + " " + key_state_name(before) + " -> " +
                   key_state_name(after));
  }
}

// The zone's keys as served, and its signatures: everything signed again when the keys that sign
// changed (and only by the keys active now), else the apex when only the key RRsets did. The
// re-sign is only started here (begin_resign: the apex now, the rest after the tick's commit, in
// chunks: tick() completes it); rec_.signers changes when it completes (SigningService).
void KeyManager::ZoneTick::republish_and_resign() {
  // publish_keys reads the stored state: CDS delete records follow going_insecure.
  dnssec_.state().put_rollover(txn_, zone_.id, dnssec_.state().rollover(txn_, zone_.id), rec_);
  bool republished = dnssec_.signing().publish_keys(txn_, zone_, policy_, now_);
  std::vector<uint32_t> signers = dnssec_.keys().signer_ids(txn_, zone_.id, now_);
  std::vector<uint32_t> last = rec_.signers;
  std::sort(signers.begin(), signers.end());
  std::sort(last.begin(), last.end());
  if (signers != last) {
    dnssec_.signing().begin_resign(txn_, zone_);
    log(false, "signing again with the keys active now");
  } else if (republished) {
    dnssec_.signing().resign_apex(txn_, zone_, policy_);
  }
}

// When to look again: the plan's next event, the parent check (waited on, or the daily one) and
// a pending DS submission, whichever comes first.
void KeyManager::ZoneTick::schedule_next_wakeup() {
  uint64_t next = plan_.next_wakeup;
  auto consider = [&](uint64_t t) {
    if (t && (!next || t < next))
      next = t;
  };
  if (plan_.needs_parent)
    consider(std::max(rec_.next_parent_check, now_ + 1));
  consider(std::max(rec_.parent_checked_at + kIdleParentCheck, rec_.next_parent_check));
  if (rec_.submit_key)
    consider(std::max(rec_.next_submit, now_));
  if (!next)
    next = now_ + kIdleParentCheck;
  rec_.next_wakeup = std::max(next, now_ + 1);
  rec_.last_tick = now_;
  rec_.status = status_text();
  result_.status = rec_.status;
}

std::string KeyManager::ZoneTick::status_text() const {
  std::string awaiting =
      result_.awaiting_approval
          ? "awaiting approval: " + rec_.proposal.substr(0, rec_.proposal.find('\n')) + " — "
          : std::string();
  return awaiting + plan_.status + waiting_note_;
}

// The DS submission: claimed here (leased), run after the commit.
std::optional<KeyManager::Submission> KeyManager::ZoneTick::claim_submission() {
  if (!rec_.submit_key || now_ < rec_.next_submit)
    return std::nullopt;
  if (policy_.ds_submission == SigningPolicy::DsSubmission::kNone) {
    rec_.submit_key = 0;  // CDS/CDNSKEY only: the parent (or the operator) polls them
    return std::nullopt;
  }
  Submission s;
  s.method = policy_.ds_submission;
  s.policy = policy_;
  s.zone = zone_;
  if (auto t = km_.store_.tenant_by_id(txn_, zone_.tenant_id))
    s.tenant = t->name;
  if (!rec_.going_insecure)
    s.ds = dnssec_.ds().wanted(txn_, zone_, policy_.cds_digest);
  rec_.next_submit = now_ + kSubmitLease;
  rec_.next_wakeup = std::min(rec_.next_wakeup, rec_.next_submit);
  return s;
}

// Stores the record over what is stored now (signing above may have rewritten it).
void KeyManager::ZoneTick::store_rollover() {
  RolloverRecord stored = dnssec_.state().rollover(txn_, zone_.id);
  dnssec_.state().put_rollover(txn_, zone_.id, stored, rec_);
}

// ------------------------------------------------------------------ the DS submission

namespace {

// The DS records a submission asks the parent to have, as zone file lines.
std::vector<std::string> ds_lines(const ZoneRecord& zone, uint32_t ttl,
                                  const std::vector<std::vector<uint8_t>>& ds) {
  std::vector<std::string> lines;
  for (const auto& d : ds) {
    lines.push_back(zone.name.to_text() + " " + std::to_string(ttl) + " IN DS " +
                    rdata_to_text(rrtype::DS, d));
  }
  return lines;
}

struct SubmissionOutcome {
  bool ok = false;
  std::string method, outcome;
};

// The hook (signer/ds_hook.hh): `PROGRAM -- ZONE DS...`, the records also on stdin and in the
// environment, never through a shell; past the policy's ds-hook-timeout its whole process group
// is killed, and that is a failure like any other (retried with backoff).
SubmissionOutcome submit_by_hook(const SigningPolicy& policy, const std::string& zname,
                                 const std::string& tenant, const std::vector<std::string>& lines) {
  DsHookCall call = ds_hook_call(policy.ds_hook, zname, tenant, lines,
                                 std::chrono::seconds(policy.ds_hook_timeout));
  SubprocessResult res = run_subprocess(call.argv, call.options);
  std::string output = res.output;
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r'))
    output.pop_back();
  SubmissionOutcome out{res.ok(), "hook", res.describe()};
  if (!output.empty())
    out.outcome += ": " + output;
  return out;
}

// RFC 2136 UPDATE of the DS RRset at the parent's primary, TSIG-signed when configured. The TSIG
// secret was unsealed for this update (keystore/policy_store.hh); its text copy is wiped after.
SubmissionOutcome submit_by_push(const SigningPolicy& policy, const ZoneRecord& zone,
                                 const std::vector<std::vector<uint8_t>>& ds,
                                 const std::optional<Secret>& secret) {
  DnsServer server = parse_dns_server(policy.ds_push.server);
  std::optional<TsigKeySpec> tsig;
  struct Wipe {
    std::optional<TsigKeySpec>& spec;
    ~Wipe() {
      if (spec)
        sodium_memzero(spec->secret.data(), spec->secret.size());
    }
  } wipe{tsig};
  if (!policy.ds_push.tsig_name.empty()) {
    if (!secret)
      throw Error("policy '" + policy.name + "' has no TSIG secret for its ds-push");
    tsig = TsigKeySpec{policy.ds_push.tsig_name, policy.ds_push.tsig_algorithm,
                       std::string(reinterpret_cast<const char*>(secret->data()), secret->size())};
  }
  dns_push_ds(server, zone.name.parent(), zone.name, policy.ds_ttl, ds, tsig);
  return SubmissionOutcome{true, "push", "RFC 2136 update accepted by " + server.text()};
}

}  // namespace

std::string KeyManager::run_submission(uint32_t zone_id, const Submission& sub) {
  std::vector<std::string> lines = ds_lines(sub.zone, sub.policy.ds_ttl, sub.ds);
  SubmissionOutcome out;
  out.method = sub.method == SigningPolicy::DsSubmission::kHook ? "hook" : "push";
  // The policy's TSIG secret, unsealed only now: the policy as the zone's tenant sees it.
  auto tsig_secret = [&] {
    auto txn = store_.begin_read();
    return dnssec_.policies().tsig_secret(txn, sub.zone.tenant_id, sub.policy.name);
  };
  try {
    out = sub.method == SigningPolicy::DsSubmission::kHook
              ? submit_by_hook(sub.policy, sub.zone.name.to_text(), sub.tenant, lines)
              : submit_by_push(sub.policy, sub.zone, sub.ds, tsig_secret());
  } catch (const std::exception& e) {
    out.ok = false;
    out.outcome = e.what();
  }
  return record_submission(zone_id, sub, joined(lines), out.ok, out.method, out.outcome);
}

// Records the outcome: audited; a failure is retried with backoff, never dropped.
std::string KeyManager::record_submission(uint32_t zone_id, const Submission& sub,
                                          const std::string& ds_text, bool ok,
                                          const std::string& method, const std::string& outcome) {
  auto txn = store_.begin_write();
  auto zone = store_.zone_by_id(txn, zone_id);
  if (!zone || !dnssec_.state().find(txn, zone_id))
    return outcome;
  std::string zname = sub.zone.name.to_text();
  uint64_t now = clock_.now();
  RolloverRecord before = dnssec_.state().rollover(txn, zone_id);
  RolloverRecord rec = before;
  dnssec_.events().record(txn, *zone, ok ? "ds-submission" : "ds-submission-failed",
                          Json{{"method", method}, {"ds", ds_text}, {"outcome", outcome}});
  if (ok) {
    rec.submit_key = 0;
    rec.submit_failures = 0;
    rec.next_submit = 0;
    rec.last_error.clear();
    log(false, "zone '" + zname + "': DS submitted (" + method + "): " + outcome);
  } else {
    ++rec.submit_failures;
    rec.last_error = "DS submission (" + method + ") failed: " + outcome;
    rec.next_submit = now + backoff(kSubmitRetry, rec.submit_failures);
    if (!rec.next_wakeup || rec.next_submit < rec.next_wakeup)
      rec.next_wakeup = rec.next_submit;
    log(true,
        "zone '" + zname + "': " + rec.last_error + "; retrying at " + time_text(rec.next_submit));
  }
  dnssec_.state().put_rollover(txn, zone_id, before, rec);
  txn.commit();
  return (ok ? "submitted: " : "failed: ") + outcome;
}

// ------------------------------------------------------------------ the scheduler

KeyManager::DueZones KeyManager::triage(const std::vector<uint32_t>& due) {
  DueZones out;
  auto txn = store_.begin_read();
  uint64_t now = clock_.now();
  for (uint32_t id : due) {
    bool asks_parent = false;
    try {
      auto zone = store_.zone_by_id(txn, id);
      auto st = zone ? dnssec_.state().find(txn, id) : std::nullopt;
      if (st) {
        auto rec = dnssec_.state().rollover(txn, id);
        SigningPolicy policy = dnssec_.policies().for_zone(txn, *zone, *st);
        asks_parent = parent_check_due(policy, dnssec_.keys().times(txn, id), rec, id, now);
        if (asks_parent && policy.parent_nameservers.empty())
          out.to_find.push_back(zone->name);
      }
    } catch (const std::exception&) {
      // tick_due reports it
    }
    (asks_parent ? out.parent : out.local).push_back(id);
  }
  return out;
}

void KeyManager::tick_failed(uint32_t id, const std::string& error) {
  log(true, "key manager: zone #" + std::to_string(id) + ": " + error);
  // Do not spin on a zone that fails: look again in a minute.
  try {
    auto txn = store_.begin_write();
    auto before = dnssec_.state().rollover(txn, id);
    auto after = before;
    after.next_wakeup = clock_.now() + 60;
    after.last_error = error;
    if (dnssec_.state().find(txn, id)) {
      dnssec_.state().put_rollover(txn, id, before, after);
    } else if (before.next_wakeup) {
      // Entries of zones that are no longer secured (or gone) are dropped as they come due.
      dnssec_.state().drop_wakeup(txn, id, before.next_wakeup);
    }
    txn.commit();
  } catch (const std::exception&) {
  }
}

namespace {
// Group commit of run_due: a zone's tick waits at most this long for others to share its write
// transaction, which holds at most this many zones and is committed after this much work (pdns
// writes wait for it meanwhile).
constexpr auto kSettleWait = std::chrono::milliseconds(100);
constexpr size_t kSettleBatch = 256;
constexpr auto kSettleWork = std::chrono::milliseconds(250);
}  // namespace

// The scheduled ticks of many zones. Worker threads observe (reading, and asking the parent when
// due) and queue the zones; whichever worker finds the queue ripe and no batch being written
// settles the queued zones, many per write transaction — one commit (one fsync) per batch, not
// per zone — and then runs their DS submissions outside any lock. A zone whose tick throws
// changes nothing: its batch is written again without it, and it is looked at in a minute.
class KeyManager::DueRun {
 public:
  DueRun(KeyManager& km, const std::vector<uint32_t>& ids) : km_(km), ids_(ids) {}
  size_t run(unsigned threads);

 private:
  struct Due {
    uint32_t id = 0;
    Observed seen;
    TickResult result;
    std::optional<Submission> submission;
    std::string error;  // the tick failed
  };
  void work();
  void queue(Due due);
  void flush(bool all);
  void settle(std::vector<Due>& batch);
  void finish(std::vector<Due>& batch);

  KeyManager& km_;
  const std::vector<uint32_t>& ids_;
  std::atomic<size_t> next_{0}, acted_{0};
  std::mutex queue_mu_;
  std::vector<Due> queued_;
  std::chrono::steady_clock::time_point oldest_;
  std::mutex write_mu_;  // one batch is settled at a time
};

size_t KeyManager::DueRun::run(unsigned threads) {
  size_t n = std::min<size_t>(std::max(1u, threads), ids_.size());
  std::vector<std::thread> pool;
  for (size_t t = 1; t < n; ++t)
    pool.emplace_back([this] { work(); });
  work();
  for (auto& t : pool)
    t.join();
  return acted_;
}

void KeyManager::DueRun::work() {
  for (size_t i; (i = next_.fetch_add(1)) < ids_.size();) {
    Due due;
    due.id = ids_[i];
    try {
      due.seen = km_.observe(due.id, Mode::kScheduled);
    } catch (const std::exception& e) {
      due.error = e.what();
    }
    if (due.seen.due || !due.error.empty())
      queue(std::move(due));
    flush(false);
  }
  flush(true);
}

void KeyManager::DueRun::queue(Due due) {
  std::lock_guard lock(queue_mu_);
  if (queued_.empty())
    oldest_ = std::chrono::steady_clock::now();
  queued_.push_back(std::move(due));
}

// Settles what is queued (`all`: everything, waiting for the writer; else only a ripe queue, and
// only if no batch is being written), then runs the batch's submissions.
void KeyManager::DueRun::flush(bool all) {
  while (true) {
    std::vector<Due> batch;
    {
      std::unique_lock write(write_mu_, std::defer_lock);
      if (all)
        write.lock();
      else if (!write.try_lock())
        return;
      {
        std::lock_guard lock(queue_mu_);
        bool ripe = queued_.size() >= kSettleBatch ||
                    std::chrono::steady_clock::now() - oldest_ >= kSettleWait;
        if (queued_.empty() || (!all && !ripe))
          return;
        batch.swap(queued_);
      }
      settle(batch);
    }
    finish(batch);
  }
}

void KeyManager::DueRun::settle(std::vector<Due>& batch) {
  for (size_t i = 0; i < batch.size();) {
    size_t start = i, current = SIZE_MAX;
    auto began = std::chrono::steady_clock::now();
    try {
      auto txn = km_.store_.begin_write();
      for (; i < batch.size(); ++i) {
        if (i > start &&
            (i - start >= kSettleBatch || std::chrono::steady_clock::now() - began >= kSettleWork))
          break;
        Due& due = batch[i];
        if (!due.error.empty())
          continue;
        current = i;
        due.result = TickResult();
        due.submission = km_.settle(txn, due.id, Mode::kScheduled, due.seen, due.result);
      }
      current = SIZE_MAX;
      txn.commit();
    } catch (const std::exception& e) {
      // The transaction is gone, and with it the zones settled in it: settle them again without
      // the one whose tick failed (or, when the transaction itself failed, without the first).
      size_t failed = current;
      if (failed == SIZE_MAX) {
        for (failed = start; failed < batch.size() && !batch[failed].error.empty(); ++failed) {
        }
      }
      if (failed == batch.size())
        return;
      batch[failed].error = e.what();
      i = start;
    }
  }
}

void KeyManager::DueRun::finish(std::vector<Due>& batch) {
  for (auto& due : batch) {
    if (!due.error.empty()) {
      km_.tick_failed(due.id, due.error);
      continue;
    }
    // A re-sign the tick started runs now, in chunks outside its transaction (keystore/resign.hh).
    if (due.result.acted) {
      try {
        km_.dnssec_.signing().complete(due.id, km_.threads_);
      } catch (const std::exception& e) {
        // Recorded in the zone's signing state: the refresher (or the next tick) finishes it.
        km_.log(true, "key manager: zone #" + std::to_string(due.id) + ": re-sign: " + e.what());
      }
    }
    if (due.submission)
      due.result.submission = km_.run_submission(due.id, *due.submission);
    if (due.result.acted)
      ++acted_;
  }
}

// Network never holds up a zone's due steps: the zones that need nothing from the parent tick
// first; then the parents of the others are found at once (the finder asks once per parent zone,
// a few lookups in flight, and remembers failures and dead servers), so that their ticks find
// them cached; those ticks, whose DS queries still wait on the parent's servers, observe a few at
// a time and are written as they come.
size_t KeyManager::run_due(size_t max) {
  std::vector<uint32_t> due;
  {
    auto txn = store_.begin_read();
    due = dnssec_.state().due_wakeups(txn, clock_.now(), max);
  }
  if (due.empty())
    return 0;
  DueZones zones = triage(due);
  size_t acted = DueRun(*this, zones.local).run(1);
  if (zones.parent.empty())
    return acted;
  if (!zones.to_find.empty())
    finder_->prefetch(zones.to_find);
  return acted + DueRun(*this, zones.parent).run(finder_options_.concurrency);
}

uint64_t KeyManager::next_due() const {
  auto txn = store_.begin_read();
  return dnssec_.state().next_wakeup(txn);
}

// ------------------------------------------------------------------ status

ZoneKeyStatus KeyManager::status(const lmdb::Txn& txn, const ZoneRecord& zone) const {
  ZoneKeyStatus s;
  s.zone = zone;
  auto st = dnssec_.state().find(txn, zone.id);
  if (!st)
    throw Conflict("zone '" + zone.name.to_text() + "' is not secured");
  s.dnssec = *st;
  s.rollover = dnssec_.state().rollover(txn, zone.id);
  s.policy_name = dnssec_.policies().name_for(txn, zone, *st);
  s.policy = dnssec_.policies().for_zone(txn, zone, *st);
  uint64_t now = clock_.now();
  auto times = dnssec_.keys().times(txn, zone.id);
  s.plan = plan_keys(s.policy, times, view_of(s.rollover),
                     ZoneFacts{zone.id, s.rollover.going_insecure}, request_of(s.rollover), now);
  ParentView parent = view_of(s.rollover);
  for (const auto& t : times) {
    KeyStatus k;
    k.times = t;
    k.state = key_state(t, s.policy, now);
    k.published = t.publish && t.publish <= now && (!t.remove || now < t.remove);
    k.signing = t.activate && t.activate <= now && (!t.inactive || now < t.inactive);
    k.ds_at_parent = parent.checked && parent.serves(t);
    auto next = [&](uint64_t when, const char* what) {
      if (when > now && (!k.next_event || when < k.next_event)) {
        k.next_event = when;
        k.next_event_what = what;
      }
    };
    next(t.publish, "published");
    uint64_t ready = t.publish ? t.publish + s.policy.propagation_delay + s.policy.dnskey_ttl : 0;
    if (ready && (!t.activate || t.activate > ready))
      next(ready, "ready");
    next(t.activate, "active");
    next(t.inactive, "retired");
    next(t.remove, "removed");
    s.keys.push_back(k);
  }
  for (uint32_t id : wanted_ds_keys(times, s.policy, now)) {
    for (const auto& t : times) {
      if (t.id == id)
        s.wanted_ds_tags.push_back(t.tag);
    }
  }
  if (auto cds = store_.get_rrset(txn, zone.id, {}, rrtype::CDS)) {
    s.cds_published = true;
    auto it = cds->rdatas();
    std::span<const uint8_t> r;
    while (it.next(r)) {
      if (r.size() == 5 && r[0] == 0 && r[1] == 0 && r[2] == 0)
        s.cds_delete = true;
    }
  }
  return s;
}

// ------------------------------------------------------------------ the scheduler thread

void KeyManager::start(unsigned interval_seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable())
    return;
  stopping_ = false;
  thread_ = std::thread([this, interval_seconds] {
    while (true) {
      try {
        run_due();
      } catch (const std::exception& e) {
        log(true, std::string("key manager pass failed: ") + e.what());
      }
      uint64_t wait = std::max(1u, interval_seconds);
      try {
        uint64_t due = next_due();
        uint64_t now = clock_.now();
        if (due)
          wait = std::clamp<uint64_t>(due > now ? due - now : 1, 1, wait);
      } catch (const std::exception&) {
      }
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(wait), [this] { return stopping_; });
      if (stopping_)
        return;
    }
  });
}

void KeyManager::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

}  // namespace signet
