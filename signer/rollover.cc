// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/rollover.hh"

#include <algorithm>

#include "signer/clock.hh"
#include "signer/error.hh"

namespace signet {

namespace {

constexpr uint64_t kPurgeAfter = 7 * 86400;  // keep removed keys visible for a week

uint64_t ready_at(const KeyTimes& k, const SigningPolicy& p) {
  return k.publish ? k.publish + p.propagation_delay + p.dnskey_ttl : 0;
}
bool is_published(const KeyTimes& k, uint64_t now) {
  return k.publish && k.publish <= now && (!k.remove || now < k.remove);
}
bool is_active(const KeyTimes& k, uint64_t now) {
  return k.activate && k.activate <= now && (!k.inactive || now < k.inactive);
}
bool is_ready(const KeyTimes& k, const SigningPolicy& p, uint64_t now) {
  return is_published(k, now) && now >= ready_at(k, p);
}
// Leaving: the key has been told to go (retire or removal scheduled).
bool is_leaving(const KeyTimes& k) {
  return k.inactive || k.remove;
}
bool is_gone(const KeyTimes& k, uint64_t now) {
  bool unpublished = !k.publish || (k.remove && now >= k.remove);
  bool unsigned_ = !k.activate || (k.inactive && now >= k.inactive);
  return (k.remove || k.inactive) && unpublished && unsigned_;
}
bool signs_zone(KeyRole r) {
  return r == KeyRole::kZsk || r == KeyRole::kCsk;
}

uint64_t fnv(uint32_t zone_id, uint8_t salt) {
  uint64_t h = 1469598103934665603ull;
  for (int s = 24; s >= 0; s -= 8) {
    h ^= static_cast<uint8_t>(zone_id >> s);
    h *= 1099511628211ull;
  }
  h ^= salt;
  h *= 1099511628211ull;
  return h;
}

std::string tag_text(const KeyTimes& k) {
  return "key " + std::to_string(k.tag);
}

class Planner {
 public:
  Planner(const SigningPolicy& p, std::vector<KeyTimes> keys, const ParentView& parent,
          const ZoneFacts& zone, const RolloverRequest& request, uint64_t now)
      : p_(p), keys_(std::move(keys)), parent_(parent), zone_(zone), request_(request), now_(now) {}

  KeyPlan run() {
    purge_and_collect();
    observe_parent();
    if (request_.kind == RolloverKind::kInsecure || zone_.going_insecure) {
      insecure();
      return plan_;
    }
    if (request_.emergency)
      emergency();
    if (!continue_algorithm_rollover() && !continue_same_algorithm())
      start_rollovers();
    return plan_;
  }

 private:
  // ---------------------------------------------------------------- plumbing
  void wake(uint64_t t) {
    if (t > now_ && (!plan_.next_wakeup || t < plan_.next_wakeup))
      plan_.next_wakeup = t;
  }
  void status(const std::string& s) {
    if (plan_.status.empty())
      plan_.status = s;
  }
  void set(KeyTimes& k, KeyAction::Field f, uint64_t v, const std::string& why) {
    KeyAction a{KeyAction::Kind::kSetTime};
    a.key_id = k.id;
    a.field = f;
    a.value = v;
    a.why = why;
    plan_.actions.push_back(a);
    switch (f) {
      case KeyAction::Field::kPublish:
        k.publish = v;
        break;
      case KeyAction::Field::kActivate:
        k.activate = v;
        break;
      case KeyAction::Field::kInactive:
        k.inactive = v;
        break;
      case KeyAction::Field::kRemove:
        k.remove = v;
        break;
      case KeyAction::Field::kDsSubmitted:
        k.ds_submitted = v;
        break;
      case KeyAction::Field::kDsSeen:
        k.ds_seen = v;
        break;
      case KeyAction::Field::kDsRetired:
        k.ds_retired = v;
        break;
      case KeyAction::Field::kDsGone:
        k.ds_gone = v;
        break;
    }
    if (f != KeyAction::Field::kDsSeen && f != KeyAction::Field::kDsGone)
      plan_.changes_signing = true;
    if (v > now_)
      wake(v);
  }
  void generate(KeyRole role, Algorithm alg, uint64_t publish, uint64_t activate,
                const std::string& why) {
    KeyAction a{KeyAction::Kind::kGenerate};
    a.role = role;
    a.algorithm = alg;
    a.publish = publish;
    a.activate = activate;
    a.why = why;
    plan_.actions.push_back(a);
    plan_.changes_signing = true;
    // The new key takes part in the rest of this plan under a placeholder id.
    KeyTimes k;
    k.id = 0;
    k.role = role;
    k.algorithm = alg;
    k.created = now_;
    k.publish = publish;
    k.activate = activate;
    live_.push_back(k);
  }
  void submit(KeyTimes& k, const std::string& why) {
    set(k, KeyAction::Field::kDsSubmitted, now_, why);
    if (k.id) {
      KeyAction a{KeyAction::Kind::kSubmitDs};
      a.key_id = k.id;
      a.why = "submit the DS of " + tag_text(k);
      plan_.actions.push_back(a);
    }
  }
  void request_done(const std::string& why) {
    KeyAction a{KeyAction::Kind::kRequestDone};
    a.why = why;
    plan_.actions.push_back(a);
  }

  bool layout_matches(const KeyTimes& k) const {
    if (k.algorithm != p_.algorithm)
      return false;
    return p_.csk ? k.role == KeyRole::kCsk : k.role != KeyRole::kCsk;
  }

  // ---------------------------------------------------------------- steps
  void purge_and_collect() {
    for (const KeyTimes& k : keys_) {
      if (is_gone(k, now_)) {
        uint64_t since = std::max(k.remove, k.inactive);
        if (now_ >= since + kPurgeAfter) {
          KeyAction a{KeyAction::Kind::kPurge};
          a.key_id = k.id;
          a.why = "forget " + tag_text(k) + ", removed a week ago";
          plan_.actions.push_back(a);
        } else {
          wake(since + kPurgeAfter);
        }
        continue;
      }
      live_.push_back(k);
    }
  }

  void observe_parent() {
    for (KeyTimes& k : live_) {
      if (!is_sep_role(k.role))
        continue;
      if (k.ds_submitted && !k.ds_seen) {
        plan_.needs_parent = true;
        if (parent_.checked && parent_.checked_at >= k.ds_submitted && parent_.serves(k)) {
          set(k, KeyAction::Field::kDsSeen, parent_.checked_at,
              "every parent server serves the DS of " + tag_text(k));
          plan_.needs_parent = false;
        }
      }
      observe_ds_gone(k);
    }
    // Keys already removed from the zone: their DS may still be at the parent (CDS keeps asking
    // for its removal until no parent server serves it).
    for (KeyTimes& k : keys_) {
      bool live =
          std::any_of(live_.begin(), live_.end(), [&](const KeyTimes& l) { return l.id == k.id; });
      if (!live && is_sep_role(k.role))
        observe_ds_gone(k);
    }
  }
  void observe_ds_gone(KeyTimes& k) {
    if (!k.ds_retired || k.ds_gone)
      return;
    if (parent_.checked && parent_.checked_at >= k.ds_retired && !parent_.serves_any(k)) {
      set(k, KeyAction::Field::kDsGone, parent_.checked_at,
          "the parent no longer serves the DS of " + tag_text(k));
    } else {
      plan_.needs_parent = true;
    }
  }

  void insecure() {
    plan_.in_progress = RolloverKind::kInsecure;
    if (request_.kind == RolloverKind::kInsecure && !zone_.going_insecure) {
      request_done("going insecure: CDS/CDNSKEY delete records published (RFC 8078)");
      plan_.changes_signing = true;
    }
    bool parent_has_ds = !parent_.checked;
    for (const KeyTimes& k : live_) {
      if (is_sep_role(k.role) && parent_.serves_any(k))
        parent_has_ds = true;
    }
    if (parent_has_ds) {
      plan_.needs_parent = true;
      status(
          "going insecure: waiting for the parent to remove the DS (CDS/CDNSKEY delete records "
          "published)");
      return;
    }
    // When the DS was last seen leaving (the first check that found it gone).
    uint64_t gone = 0;
    for (KeyTimes& k : live_) {
      if (!is_sep_role(k.role))
        continue;
      if (!k.ds_gone)
        set(k, KeyAction::Field::kDsGone, parent_.checked_at,
            "the parent no longer serves the DS of " + tag_text(k));
      gone = std::max(gone, k.ds_gone);
    }
    uint64_t safe = gone + p_.ds_ttl + p_.propagation_delay;
    if (now_ < safe) {
      wake(safe);
      status("going insecure: the parent dropped the DS; waiting for its TTL to pass");
      return;
    }
    KeyAction a{KeyAction::Kind::kGoUnsigned};
    a.why = "the parent's DS is gone from caches: remove keys and signatures";
    plan_.actions.push_back(a);
    plan_.changes_signing = true;
  }

  void emergency() {
    for (size_t i = 0; i < live_.size(); ++i) {
      if (live_[i].id != request_.compromised_key || is_leaving(live_[i]))
        continue;
      KeyRole role = live_[i].role;
      std::string why = "emergency rollover of compromised " + tag_text(live_[i]);
      generate(role, live_[i].algorithm, now_, now_, why + ": its replacement signs at once");
      if (is_sep_role(role)) {
        // The old key can only go once the parent has the new DS; ask for it right away.
        submit(live_.back(), why + ": DS of the replacement requested at once");
      } else {
        // A compromised ZSK goes at once: better a short window of unverifiable cached data than
        // signatures an attacker could make.
        set(live_[i], KeyAction::Field::kInactive, now_, why);
        set(live_[i], KeyAction::Field::kRemove, now_, why);
      }
      request_done(why + " started");
      return;
    }
    request_done("emergency rollover: key " + std::to_string(request_.compromised_key) +
                 " is not a live key");
  }

  // The DS half shared by KSK, CSK and algorithm rollovers: submit once `n` has propagated, wait
  // for every parent server to serve it, then for the DS TTL. Returns true when done.
  bool ds_moved(KeyTimes& n, const char* what) {
    if (!is_ready(n, p_, now_)) {
      wake(ready_at(n, p_));
      status(std::string(what) + ": new " + tag_text(n) + " propagating until " +
             time_text(ready_at(n, p_)));
      return false;
    }
    if (!n.ds_submitted)
      submit(n, std::string(what) + ": new " + tag_text(n) + " has propagated");
    if (!n.ds_seen) {
      plan_.needs_parent = true;
      status(std::string(what) + ": waiting for every parent server to serve the DS of " +
             tag_text(n) + " (asked at " + time_text(n.ds_submitted) + ")");
      return false;
    }
    uint64_t safe = n.ds_seen + p_.ds_ttl + p_.propagation_delay;
    if (now_ < safe) {
      wake(safe);
      status(std::string(what) +
             ": the parent serves the new DS; waiting for the old DS to leave caches");
      return false;
    }
    return true;
  }

  bool continue_algorithm_rollover() {
    std::vector<KeyTimes*> olds, news;
    for (KeyTimes& k : live_)
      (layout_matches(k) ? news : olds).push_back(&k);
    if (olds.empty())
      return false;
    plan_.in_progress = RolloverKind::kAlgorithm;
    const char* what = "algorithm rollover";
    if (news.empty()) {
      // RFC 6781 §4.1.4 step 2: the new keys sign first, unpublished.
      std::string why = std::string(what) + " to " + algorithm_name(p_.algorithm) +
                        " started: new signatures first";
      if (p_.csk) {
        generate(KeyRole::kCsk, p_.algorithm, 0, now_, why);
      } else {
        generate(KeyRole::kKsk, p_.algorithm, 0, now_, why);
        generate(KeyRole::kZsk, p_.algorithm, 0, now_, why);
      }
      if (request_.kind == RolloverKind::kAlgorithm)
        request_done(why);
      wake(now_ + p_.propagation_delay + p_.max_zone_ttl);
      status(std::string(what) + ": new signatures propagating");
      return true;
    }
    // Step 3: publish the new DNSKEYs once their signatures are in every cache.
    uint64_t sigs_everywhere = 0;
    for (KeyTimes* n : news)
      sigs_everywhere =
          std::max(sigs_everywhere, n->activate + p_.propagation_delay + p_.max_zone_ttl);
    if (std::any_of(news.begin(), news.end(), [](KeyTimes* n) { return !n->publish; })) {
      if (now_ < sigs_everywhere) {
        wake(sigs_everywhere);
        status(std::string(what) + ": new signatures propagating until " +
               time_text(sigs_everywhere));
        return true;
      }
      for (KeyTimes* n : news) {
        if (!n->publish)
          set(*n, KeyAction::Field::kPublish, now_,
              std::string(what) + ": new signatures are everywhere; publish " + tag_text(*n));
      }
    }
    // Step 4: move the DS.
    KeyTimes* sep = nullptr;
    for (KeyTimes* n : news) {
      if (is_sep_role(n->role))
        sep = n;
    }
    if (!sep)
      return true;
    for (KeyTimes* n : news) {
      if (!is_ready(*n, p_, now_)) {
        wake(ready_at(*n, p_));
        status(std::string(what) + ": new keys propagating");
        return true;
      }
    }
    if (!ds_moved(*sep, what))
      return true;
    // Step 5: old DNSKEYs go; step 6: their signatures, once the DNSKEY RRset has propagated.
    for (KeyTimes* o : olds) {
      if (!o->remove) {
        set(*o, KeyAction::Field::kRemove, now_,
            std::string(what) + ": the DS has moved; unpublish old " + tag_text(*o));
        if (o->activate && !o->inactive) {
          set(*o, KeyAction::Field::kInactive, now_ + p_.propagation_delay + p_.dnskey_ttl,
              std::string(what) + ": old " + tag_text(*o) +
                  " stops signing once its DNSKEY is out of caches");
        }
        if (is_sep_role(o->role) && !o->ds_retired)
          set(*o, KeyAction::Field::kDsRetired, now_,
              std::string(what) + ": old DS no longer wanted");
      } else if (o->inactive > now_) {
        wake(o->inactive);
        status(std::string(what) + ": old signatures until " + time_text(o->inactive));
      }
    }
    return true;
  }

  bool continue_same_algorithm() {
    bool busy = false;
    // ---- ZSK pre-publication
    std::vector<KeyTimes*> zsks, sep;
    for (KeyTimes& k : live_)
      (k.role == KeyRole::kZsk ? zsks : sep).push_back(&k);
    for (KeyTimes* n : zsks) {
      if (!n->publish || n->activate || is_leaving(*n))
        continue;
      busy = true;
      plan_.in_progress = RolloverKind::kZsk;
      if (!is_ready(*n, p_, now_)) {
        wake(ready_at(*n, p_));
        status("ZSK rollover: new " + tag_text(*n) + " propagating until " +
               time_text(ready_at(*n, p_)));
        continue;
      }
      set(*n, KeyAction::Field::kActivate, now_,
          "ZSK rollover: new " + tag_text(*n) + " has propagated; it signs now");
      for (KeyTimes* o : zsks) {
        if (o == n || !is_active(*o, now_) || is_leaving(*o))
          continue;
        set(*o, KeyAction::Field::kInactive, now_,
            "ZSK rollover: old " + tag_text(*o) + " stops signing");
        set(*o, KeyAction::Field::kRemove, now_ + p_.propagation_delay + p_.max_zone_ttl,
            "ZSK rollover: old " + tag_text(*o) +
                " stays published until its signatures leave caches");
      }
    }
    for (KeyTimes* o : zsks) {
      if (o->remove && o->remove > now_) {
        busy = true;
        plan_.in_progress = RolloverKind::kZsk;
        wake(o->remove);
        status("ZSK rollover: old " + tag_text(*o) + " published until " + time_text(o->remove));
      }
    }
    // ---- KSK double-KSK / CSK double-signature: a newer SEP key beside an older one
    std::vector<KeyTimes*> fresh, settled;
    for (KeyTimes* k : sep) {
      if (is_leaving(*k)) {
        if (k->remove > now_ || k->inactive > now_) {
          busy = true;
          wake(std::max(k->remove, k->inactive));
        }
        continue;
      }
      settled.push_back(k);
    }
    if (settled.size() > 1) {
      std::sort(settled.begin(), settled.end(),
                [](KeyTimes* a, KeyTimes* b) { return a->created < b->created; });
      KeyTimes* n = settled.back();
      bool csk = n->role == KeyRole::kCsk;
      const char* what = csk ? "CSK rollover" : "KSK rollover";
      plan_.in_progress = csk ? RolloverKind::kCsk : RolloverKind::kKsk;
      busy = true;
      if (ds_moved(*n, what)) {
        uint64_t safe = csk ? n->activate + p_.propagation_delay + p_.max_zone_ttl : now_;
        if (now_ < safe) {
          wake(safe);
          status(std::string(what) + ": new signatures reaching every cache");
        } else {
          for (KeyTimes* o : settled) {
            if (o == n)
              continue;
            set(*o, KeyAction::Field::kInactive, now_,
                std::string(what) + ": retire old " + tag_text(*o));
            set(*o, KeyAction::Field::kRemove, now_,
                std::string(what) + ": remove old " + tag_text(*o));
            set(*o, KeyAction::Field::kDsRetired, now_,
                std::string(what) + ": old DS no longer wanted");
          }
        }
      }
    }
    return busy;
  }

  void start_rollovers() {
    // Repair: a layout needs its keys.
    auto count = [&](KeyRole r) {
      return std::count_if(live_.begin(), live_.end(),
                           [&](const KeyTimes& k) { return k.role == r && !is_leaving(k); });
    };
    if (p_.csk && count(KeyRole::kCsk) == 0) {
      generate(KeyRole::kCsk, p_.algorithm, now_, now_, "the zone has no CSK");
      return;
    }
    if (!p_.csk && count(KeyRole::kZsk) == 0) {
      generate(KeyRole::kZsk, p_.algorithm, now_, now_, "the zone has no ZSK");
      return;
    }
    if (!p_.csk && count(KeyRole::kKsk) == 0) {
      generate(KeyRole::kKsk, p_.algorithm, now_, now_, "the zone has no KSK");
      return;
    }
    // Operator requests, then lifetimes.
    RolloverKind want = RolloverKind::kNone;
    std::string why;
    if (request_.kind == RolloverKind::kZsk || request_.kind == RolloverKind::kKsk ||
        request_.kind == RolloverKind::kCsk) {
      want = request_.kind;
      why = "requested by the operator";
    }
    if (request_.kind == RolloverKind::kAlgorithm) {
      // The target algorithm is in the policy the executor handed us; it matches already.
      request_done("algorithm rollover: the zone already uses " + algorithm_name(p_.algorithm));
    }
    uint64_t soonest = 0;
    for (const KeyTimes& k : live_) {
      if (!is_active(k, now_) || is_leaving(k))
        continue;
      uint32_t life = k.role == KeyRole::kZsk   ? p_.zsk_lifetime
                      : k.role == KeyRole::kKsk ? p_.ksk_lifetime
                                                : p_.csk_lifetime;
      if (!life)
        continue;
      uint64_t due = k.activate + life + rollover_jitter(p_, zone_.zone_id, k.role);
      if (now_ >= due && want == RolloverKind::kNone) {
        want = k.role == KeyRole::kZsk   ? RolloverKind::kZsk
               : k.role == KeyRole::kKsk ? RolloverKind::kKsk
                                         : RolloverKind::kCsk;
        why = tag_text(k) + " reached its lifetime";
      } else if (now_ < due && (!soonest || due < soonest)) {
        soonest = due;
      }
    }
    if (want == RolloverKind::kNone) {
      if (soonest) {
        wake(soonest);
        status("idle: next rollover at " + time_text(soonest));
      } else {
        status("idle: no automatic rollover (lifetimes 0)");
      }
      return;
    }
    if (want == RolloverKind::kZsk && !p_.csk) {
      generate(KeyRole::kZsk, p_.algorithm, now_, 0, "ZSK rollover started: " + why);
      wake(now_ + p_.propagation_delay + p_.dnskey_ttl);
    } else if (want == RolloverKind::kKsk && !p_.csk) {
      generate(KeyRole::kKsk, p_.algorithm, now_, now_, "KSK rollover started: " + why);
      wake(now_ + p_.propagation_delay + p_.dnskey_ttl);
    } else {
      generate(KeyRole::kCsk, p_.algorithm, now_, now_, "CSK rollover started: " + why);
      wake(now_ + p_.propagation_delay + p_.dnskey_ttl);
    }
    if (request_.kind != RolloverKind::kNone)
      request_done("rollover started: " + why);
  }

  const SigningPolicy& p_;
  std::vector<KeyTimes> keys_;
  std::vector<KeyTimes> live_;
  const ParentView& parent_;
  const ZoneFacts& zone_;
  const RolloverRequest& request_;
  uint64_t now_;
  KeyPlan plan_;
};

}  // namespace

bool is_sep_role(KeyRole r) {
  return r == KeyRole::kKsk || r == KeyRole::kCsk;
}

bool ParentView::serves(const KeyTimes& k) const {
  return std::find(ds.begin(), ds.end(), std::make_pair(k.tag, algorithm_number(k.algorithm))) !=
         ds.end();
}

bool ParentView::serves_any(const KeyTimes& k) const {
  auto want = std::make_pair(k.tag, algorithm_number(k.algorithm));
  return std::find(ds_any.begin(), ds_any.end(), want) != ds_any.end() ||
         std::find(ds.begin(), ds.end(), want) != ds.end();
}

KeyState key_state(const KeyTimes& k, const SigningPolicy& p, uint64_t now) {
  if (is_gone(k, now))
    return KeyState::kRemoved;
  if (k.inactive && now >= k.inactive)
    return KeyState::kRetired;
  if (k.remove && now >= k.remove)
    return KeyState::kRetired;  // unpublished, still signing (algorithm rollover)
  if (is_active(k, now))
    return KeyState::kActive;
  if (is_published(k, now))
    return now >= ready_at(k, p) ? KeyState::kReady : KeyState::kPublished;
  return KeyState::kGenerated;
}

std::string key_state_name(KeyState s) {
  switch (s) {
    case KeyState::kGenerated:
      return "generated";
    case KeyState::kPublished:
      return "published";
    case KeyState::kReady:
      return "ready";
    case KeyState::kActive:
      return "active";
    case KeyState::kRetired:
      return "retired";
    case KeyState::kRemoved:
      return "removed";
  }
  return "?";
}

std::string rollover_kind_name(RolloverKind k) {
  switch (k) {
    case RolloverKind::kNone:
      return "none";
    case RolloverKind::kZsk:
      return "zsk";
    case RolloverKind::kKsk:
      return "ksk";
    case RolloverKind::kCsk:
      return "csk";
    case RolloverKind::kAlgorithm:
      return "algorithm";
    case RolloverKind::kInsecure:
      return "insecure";
  }
  return "?";
}

RolloverKind rollover_kind_from_text(const std::string& s) {
  for (RolloverKind k : {RolloverKind::kZsk, RolloverKind::kKsk, RolloverKind::kCsk,
                         RolloverKind::kAlgorithm, RolloverKind::kInsecure}) {
    if (rollover_kind_name(k) == s)
      return k;
  }
  throw InputError("unknown rollover '" + s + "' (zsk, ksk, csk, algorithm or insecure)");
}

std::string field_name(KeyAction::Field f) {
  switch (f) {
    case KeyAction::Field::kPublish:
      return "publish";
    case KeyAction::Field::kActivate:
      return "activate";
    case KeyAction::Field::kInactive:
      return "inactive";
    case KeyAction::Field::kRemove:
      return "remove";
    case KeyAction::Field::kDsSubmitted:
      return "ds-submitted";
    case KeyAction::Field::kDsSeen:
      return "ds-seen";
    case KeyAction::Field::kDsRetired:
      return "ds-retired";
    case KeyAction::Field::kDsGone:
      return "ds-gone";
  }
  return "?";
}

uint32_t rollover_jitter(const SigningPolicy& p, uint32_t zone_id, KeyRole role) {
  if (!p.rollover_jitter)
    return 0;
  return static_cast<uint32_t>(fnv(zone_id, static_cast<uint8_t>(role)) % (p.rollover_jitter + 1u));
}

KeyPlan plan_keys(const SigningPolicy& policy, const std::vector<KeyTimes>& keys,
                  const ParentView& parent, const ZoneFacts& zone, const RolloverRequest& request,
                  uint64_t now) {
  return Planner(policy, keys, parent, zone, request, now).run();
}

std::vector<uint32_t> wanted_ds_keys(const std::vector<KeyTimes>& keys, const SigningPolicy&,
                                     uint64_t now) {
  // The DS the parent should have: the SEP keys asked for most recently (a rollover in progress
  // asks for the new key only), or, before any request, every live SEP key.
  uint64_t latest = 0;
  for (const auto& k : keys) {
    if (is_sep_role(k.role) && !k.ds_retired && !is_gone(k, now))
      latest = std::max(latest, k.ds_submitted);
  }
  std::vector<uint32_t> out;
  for (const auto& k : keys) {
    if (!is_sep_role(k.role) || k.ds_retired || is_gone(k, now) || !is_published(k, now))
      continue;
    if (latest == 0 || k.ds_submitted == latest)
      out.push_back(k.id);
  }
  return out;
}

}  // namespace signet
