// SPDX-License-Identifier: GPL-2.0-or-later
//
// The planner run against a simulated world: a fake clock, a parent that publishes what it is
// asked for after its registration delay (or never), and checks, at every step, of what
// validators with caches need (RFC 7583 §2): the DS they may have cached points to a key that
// signs the DNSKEY RRset, a ZSK signs only after it has propagated, and a ZSK leaves the DNSKEY
// RRset only after its signatures have left caches.
#include "signer/rollover.hh"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace signet;

namespace {

constexpr uint64_t kStart = 1'700'000'000;

SigningPolicy test_policy(bool csk) {
  SigningPolicy p;
  p.name = "test";
  p.csk = csk;
  p.dnskey_ttl = 3600;
  p.propagation_delay = 600;
  p.ds_ttl = 7200;
  p.registration_delay = 1800;
  p.max_zone_ttl = 3600;
  p.rollover_jitter = 0;
  if (csk) {
    p.csk_lifetime = 30 * 86400;
  } else {
    p.ksk_lifetime = 60 * 86400;
    p.zsk_lifetime = 10 * 86400;
  }
  return p;
}

struct World {
  SigningPolicy policy;
  std::vector<KeyTimes> keys;
  uint64_t now = kStart;
  uint32_t next_id = 1;
  uint32_t zone_id = 7;
  bool parent_works = true;
  // What the parent serves, over time: (from, DS set).
  std::vector<std::pair<uint64_t, std::vector<std::pair<uint16_t, uint8_t>>>> parent_history;
  std::vector<std::pair<uint64_t, std::vector<std::pair<uint16_t, uint8_t>>>> parent_pending;
  RolloverRequest request;
  bool going_insecure = false;
  bool unsigned_ = false;
  std::vector<std::string> log;
  std::set<uint32_t> emergency_keys;

  explicit World(const SigningPolicy& p) : policy(p) {
    // A freshly secured zone: keys published and active now, DS at the parent already.
    auto add = [&](KeyRole r) {
      KeyTimes k;
      k.id = next_id++;
      k.tag = static_cast<uint16_t>(1000 + k.id);
      k.role = r;
      k.algorithm = p.algorithm;
      k.created = k.publish = k.activate = now;
      if (is_sep_role(r))
        k.ds_submitted = k.ds_seen = now;
      keys.push_back(k);
    };
    if (p.csk) {
      add(KeyRole::kCsk);
    } else {
      add(KeyRole::kKsk);
      add(KeyRole::kZsk);
    }
    parent_history.push_back({now, ds_of(wanted_ds_keys(keys, policy, now))});
  }

  std::vector<std::pair<uint16_t, uint8_t>> ds_of(const std::vector<uint32_t>& ids) {
    std::vector<std::pair<uint16_t, uint8_t>> out;
    for (uint32_t id : ids) {
      for (const auto& k : keys) {
        if (k.id == id)
          out.push_back({k.tag, algorithm_number(k.algorithm)});
      }
    }
    return out;
  }

  KeyTimes* key(uint32_t id) {
    for (auto& k : keys) {
      if (k.id == id)
        return &k;
    }
    return nullptr;
  }

  ParentView parent_view() {
    ParentView v;
    v.checked = true;
    v.checked_at = now;
    v.ds = parent_history.back().second;
    return v;
  }

  bool published(const KeyTimes& k, uint64_t t) const {
    return k.publish && k.publish <= t && (!k.remove || t < k.remove);
  }
  bool active(const KeyTimes& k, uint64_t t) const {
    return k.activate && k.activate <= t && (!k.inactive || t < k.inactive);
  }

  KeyPlan step() {
    // The parent acts on requests once its registration delay has passed.
    while (!parent_pending.empty() && parent_pending.front().first <= now) {
      parent_history.push_back({parent_pending.front().first, parent_pending.front().second});
      parent_pending.erase(parent_pending.begin());
    }
    ZoneFacts z{zone_id, going_insecure};
    KeyPlan plan = plan_keys(policy, keys, parent_view(), z, request, now);
    std::vector<uint32_t> generated;
    for (const auto& a : plan.actions) {
      log.push_back(std::to_string(now - kStart) + ": " + a.why);
      switch (a.kind) {
        case KeyAction::Kind::kGenerate: {
          KeyTimes k;
          k.id = next_id++;
          k.tag = static_cast<uint16_t>(1000 + k.id);
          k.role = a.role;
          k.algorithm = a.algorithm;
          k.created = now;
          k.publish = a.publish;
          k.activate = a.activate;
          keys.push_back(k);
          generated.push_back(k.id);
          if (request.emergency)
            emergency_keys.insert(k.id);
          break;
        }
        case KeyAction::Kind::kSetTime: {
          // id 0: the key generated in this same plan.
          KeyTimes* k = a.key_id ? key(a.key_id) : key(generated.back());
          if (!k) {
            ADD_FAILURE() << "no such key";
            break;
          }
          switch (a.field) {
            case KeyAction::Field::kPublish:
              k->publish = a.value;
              break;
            case KeyAction::Field::kActivate:
              k->activate = a.value;
              break;
            case KeyAction::Field::kInactive:
              k->inactive = a.value;
              break;
            case KeyAction::Field::kRemove:
              k->remove = a.value;
              break;
            case KeyAction::Field::kDsSubmitted:
              k->ds_submitted = a.value;
              break;
            case KeyAction::Field::kDsSeen:
              k->ds_seen = a.value;
              break;
            case KeyAction::Field::kDsRetired:
              k->ds_retired = a.value;
              break;
            case KeyAction::Field::kDsGone:
              k->ds_gone = a.value;
              break;
          }
          break;
        }
        case KeyAction::Kind::kPurge:
          keys.erase(std::remove_if(keys.begin(), keys.end(),
                                    [&](const KeyTimes& k) { return k.id == a.key_id; }),
                     keys.end());
          break;
        case KeyAction::Kind::kSubmitDs:
          break;
        case KeyAction::Kind::kGoUnsigned:
          unsigned_ = true;
          break;
        case KeyAction::Kind::kRequestDone:
          if (request.kind == RolloverKind::kInsecure)
            going_insecure = true;
          request = RolloverRequest();
          break;
      }
    }
    // The parent follows what we ask for (CDS content), after its delay.
    auto wanted = going_insecure ? std::vector<std::pair<uint16_t, uint8_t>>{}
                                 : ds_of(wanted_ds_keys(keys, policy, now));
    const auto& latest =
        parent_pending.empty() ? parent_history.back().second : parent_pending.back().second;
    if (parent_works && wanted != latest)
      parent_pending.push_back({now + policy.registration_delay, wanted});
    return plan;
  }

  // What validators need, checked at time t.
  void check_invariants() {
    uint64_t t = now;
    if (unsigned_)
      return;
    // 1. Every DS a validator may still have cached matches a published key that signs DNSKEY.
    for (size_t i = 0; i < parent_history.size(); ++i) {
      uint64_t from = parent_history[i].first;
      uint64_t until = i + 1 < parent_history.size() ? parent_history[i + 1].first : UINT64_MAX;
      if (until != UINT64_MAX && until + policy.ds_ttl + policy.propagation_delay <= t)
        continue;  // expired
      if (from > t)
        continue;
      const auto& ds = parent_history[i].second;
      if (ds.empty())
        continue;
      bool ok = false;
      for (const auto& k : keys) {
        if (is_sep_role(k.role) && published(k, t) && active(k, t) &&
            std::find(ds.begin(), ds.end(), std::make_pair(k.tag, algorithm_number(k.algorithm))) !=
                ds.end()) {
          ok = true;
        }
      }
      EXPECT_TRUE(ok) << "at +" << (t - kStart) << " a cached DS set (from +" << (from - kStart)
                      << ") matches no published key signing the DNSKEY RRset\n"
                      << joined();
    }
    // 2. Zone data is signed by a published key of every algorithm in use.
    bool zone_signed = false;
    for (const auto& k : keys) {
      if ((k.role == KeyRole::kZsk || k.role == KeyRole::kCsk) && active(k, t) && published(k, t))
        zone_signed = true;
    }
    EXPECT_TRUE(zone_signed) << "at +" << (t - kStart) << " no published key signs the zone\n"
                             << joined();
    for (const auto& k : keys) {
      if (emergency_keys.count(k.id))
        continue;
      // 3. Pre-publication: a ZSK signs only once its DNSKEY has propagated.
      if (k.role == KeyRole::kZsk && active(k, t) && k.created > kStart) {
        EXPECT_GE(k.activate, k.publish + policy.propagation_delay + policy.dnskey_ttl)
            << "ZSK " << k.tag << " signs before it propagated\n"
            << joined();
      }
      // 4. A key leaves the DNSKEY RRset only after its signatures left caches, unless another
      //    published key has co-signed everything long enough (double signature, algorithm
      //    rollover) for every cached RRset to carry its signature too.
      if ((k.role == KeyRole::kZsk || k.role == KeyRole::kCsk) && k.remove && k.remove <= t &&
          k.activate &&
          (!k.inactive || k.inactive > k.remove - policy.propagation_delay - policy.max_zone_ttl)) {
        bool covered = false;
        for (const auto& j : keys) {
          if (j.id != k.id && (j.role == KeyRole::kZsk || j.role == KeyRole::kCsk) &&
              published(j, k.remove) && j.activate &&
              j.activate + policy.propagation_delay + policy.max_zone_ttl <= k.remove) {
            covered = true;
          }
        }
        EXPECT_TRUE(covered) << "key " << k.tag
                             << " unpublished while its signatures may be cached\n"
                             << joined();
      }
    }
  }

  // Runs until `until`, stepping at every wake-up (and at least hourly, like a scheduler).
  void run_until(uint64_t until) {
    while (now < until) {
      KeyPlan plan = step();
      check_invariants();
      if (HasFailure())
        return;
      uint64_t next = plan.next_wakeup ? plan.next_wakeup : until;
      if (!parent_pending.empty())
        next = std::min(next, parent_pending.front().first);
      next = std::min({next, now + 3600, until});
      now = std::max(next, now + 1);
    }
  }

  size_t live(KeyRole role) const {
    return std::count_if(keys.begin(), keys.end(),
                         [&](const KeyTimes& k) { return k.role == role && published(k, now); });
  }

  std::string joined() const {
    std::string s;
    for (const auto& l : log)
      s += "  " + l + "\n";
    return s;
  }
  static bool HasFailure() { return ::testing::Test::HasFailure(); }
};

}  // namespace

TEST(Rollover, ZskPrePublicationSwitchesOnlyAfterPropagationAndRemovesAfterCaches) {
  World w(test_policy(false));
  w.run_until(kStart + 12 * 86400);
  // Two ZSK generations: the first rolled once at 10 days (+1 h propagation, +1 h removal).
  int zsks = 0;
  for (const auto& k : w.keys)
    zsks += k.role == KeyRole::kZsk;
  EXPECT_EQ(zsks, 2) << w.joined();
  const KeyTimes* old = &w.keys[1];
  const KeyTimes* fresh = &w.keys.back();
  EXPECT_EQ(fresh->publish, kStart + 10 * 86400);
  EXPECT_EQ(fresh->activate, fresh->publish + 600 + 3600);
  EXPECT_EQ(old->inactive, fresh->activate);
  EXPECT_EQ(old->remove, old->inactive + 600 + 3600);
  EXPECT_EQ(w.live(KeyRole::kKsk), 1u);
}

TEST(Rollover, KskDoubleKskWaitsForTheParentsDsAndItsTtl) {
  SigningPolicy p = test_policy(false);
  p.zsk_lifetime = 0;
  World w(p);
  w.run_until(kStart + 61 * 86400);
  ASSERT_EQ(w.keys.size(), 3u) << w.joined();
  const KeyTimes& old = w.keys[0];
  const KeyTimes& fresh = w.keys[2];
  EXPECT_EQ(fresh.ds_submitted, fresh.publish + 600 + 3600);                // after propagation
  EXPECT_GE(fresh.ds_seen, fresh.ds_submitted + p.registration_delay);      // the parent's delay
  EXPECT_EQ(old.inactive, fresh.ds_seen + p.ds_ttl + p.propagation_delay);  // then the DS TTL
  EXPECT_EQ(old.remove, old.inactive);
}

TEST(Rollover, KskRolloverStallsWithoutBreakingWhileTheParentLacksTheNewDs) {
  SigningPolicy p = test_policy(false);
  p.zsk_lifetime = 0;
  World w(p);
  w.parent_works = false;
  w.run_until(kStart + 70 * 86400);
  EXPECT_EQ(w.live(KeyRole::kKsk), 2u) << w.joined();  // both stay published and signing
  for (const auto& k : w.keys)
    EXPECT_EQ(k.inactive, 0u);
  KeyPlan plan = w.step();
  EXPECT_TRUE(plan.needs_parent);
  EXPECT_EQ(plan.in_progress, RolloverKind::kKsk);
  EXPECT_NE(plan.status.find("waiting for every parent server to serve the DS"), std::string::npos)
      << plan.status;
  // When the parent finally acts, the rollover completes.
  w.parent_works = true;
  w.run_until(w.now + 2 * 86400);
  EXPECT_EQ(w.live(KeyRole::kKsk), 1u) << w.joined();
}

TEST(Rollover, CskDoubleSignatureRollover) {
  World w(test_policy(true));
  w.run_until(kStart + 32 * 86400);
  ASSERT_EQ(w.keys.size(), 2u) << w.joined();
  const KeyTimes& old = w.keys[0];
  const KeyTimes& fresh = w.keys[1];
  EXPECT_EQ(fresh.activate, fresh.publish);  // signs from the start
  EXPECT_GT(old.remove, fresh.ds_seen);
  EXPECT_EQ(w.live(KeyRole::kCsk), 1u);
}

TEST(Rollover, AlgorithmRolloverSignsFirstPublishesThenMovesTheDs) {
  SigningPolicy p = test_policy(true);
  p.csk_lifetime = 0;
  World w(p);
  w.run_until(kStart + 86400);
  w.policy.algorithm = Algorithm::kEd25519;  // the policy changes
  uint64_t t0 = w.now;
  w.run_until(w.now + 3 * 86400);
  ASSERT_EQ(w.keys.size(), 2u) << w.joined();
  const KeyTimes& old = w.keys[0];
  const KeyTimes& fresh = w.keys[1];
  EXPECT_EQ(fresh.algorithm, Algorithm::kEd25519);
  EXPECT_EQ(fresh.activate, t0);                                          // signatures first
  EXPECT_GE(fresh.publish, fresh.activate + 600 + 3600);                  // then the DNSKEY
  EXPECT_GE(fresh.ds_submitted, fresh.publish + 600 + 3600);              // then the DS
  EXPECT_GE(old.remove, fresh.ds_seen + p.ds_ttl + p.propagation_delay);  // then old DNSKEY goes
  EXPECT_EQ(old.inactive, old.remove + 600 + 3600);                       // then old signatures
}

TEST(Rollover, NeverTwoRolloversAtOnce) {
  SigningPolicy p = test_policy(false);
  p.ksk_lifetime = 10 * 86400 + 3 * 3600;  // the KSK comes due while the ZSK rollover runs
  World w(p);
  bool overlap = false;
  while (w.now < kStart + 11 * 86400) {
    KeyPlan plan = w.step();
    int new_zsk = 0, new_ksk = 0;
    for (const auto& k : w.keys) {
      if (k.created == kStart)
        continue;
      if (k.role == KeyRole::kZsk && !k.remove)
        new_zsk += !k.activate || k.activate > w.now - 1;
      if (k.role == KeyRole::kKsk && !k.inactive)
        ++new_ksk;
    }
    uint64_t next = plan.next_wakeup ? std::min(plan.next_wakeup, w.now + 3600) : w.now + 3600;
    // A ZSK rollover is "running" until the old ZSK is removed.
    bool zsk_running = std::any_of(w.keys.begin(), w.keys.end(), [&](const KeyTimes& k) {
      return k.role == KeyRole::kZsk &&
             ((k.publish && !k.activate) || (k.remove && k.remove > w.now));
    });
    if (zsk_running && new_ksk > 0)
      overlap = true;
    w.now = std::max(next, w.now + 1);
  }
  EXPECT_FALSE(overlap) << w.joined();
}

TEST(Rollover, StartTimesSpreadAcrossZones) {
  SigningPolicy p = test_policy(false);
  p.rollover_jitter = 86400;
  std::set<uint32_t> seen;
  for (uint32_t zone = 1; zone <= 50; ++zone)
    seen.insert(rollover_jitter(p, zone, KeyRole::kZsk));
  EXPECT_GT(seen.size(), 40u);
  for (uint32_t j : seen)
    EXPECT_LE(j, 86400u);
}

TEST(Rollover, OperatorRequestStartsARolloverNow) {
  World w(test_policy(false));
  w.run_until(kStart + 86400);
  w.request.kind = RolloverKind::kZsk;
  KeyPlan plan = w.step();
  EXPECT_EQ(w.keys.back().role, KeyRole::kZsk);
  EXPECT_EQ(w.keys.back().publish, w.now);
  EXPECT_EQ(w.request.kind, RolloverKind::kNone);  // consumed
  EXPECT_TRUE(plan.changes_signing);
}

TEST(Rollover, EmergencyRolloverOfACompromisedZskReplacesItAtOnce) {
  World w(test_policy(false));
  w.run_until(kStart + 86400);
  uint32_t zsk = w.keys[1].id;
  w.request.emergency = true;
  w.request.compromised_key = zsk;
  w.step();
  EXPECT_EQ(w.key(zsk)->remove, w.now);
  EXPECT_EQ(w.keys.back().activate, w.now);
  EXPECT_EQ(w.keys.back().publish, w.now);
}

TEST(Rollover, EmergencyKskRolloverAsksForTheNewDsAtOnceAndKeepsTheOldUntilItMoved) {
  World w(test_policy(false));
  w.run_until(kStart + 86400);
  uint32_t ksk = w.keys[0].id;
  w.request.emergency = true;
  w.request.compromised_key = ksk;
  w.step();
  EXPECT_EQ(w.keys.back().ds_submitted, w.now);
  EXPECT_EQ(w.key(ksk)->inactive, 0u);
  w.run_until(w.now + 86400);
  EXPECT_NE(w.key(ksk)->remove, 0u) << w.joined();
}

TEST(Rollover, GoingInsecureWaitsForTheParentToDropTheDs) {
  World w(test_policy(true));
  w.run_until(kStart + 86400);
  w.request.kind = RolloverKind::kInsecure;
  w.run_until(w.now + 600);
  EXPECT_FALSE(w.unsigned_);  // the parent still has the DS (registration delay)
  w.run_until(w.now + 86400);
  EXPECT_TRUE(w.unsigned_) << w.joined();
}

TEST(Rollover, KeyStateIsComputedFromTimestamps) {
  SigningPolicy p = test_policy(false);
  KeyTimes k;
  k.publish = 1000;
  EXPECT_EQ(key_state(k, p, 999), KeyState::kGenerated);
  EXPECT_EQ(key_state(k, p, 1000), KeyState::kPublished);
  EXPECT_EQ(key_state(k, p, 1000 + 600 + 3600), KeyState::kReady);
  k.activate = 6000;
  EXPECT_EQ(key_state(k, p, 6000), KeyState::kActive);
  k.inactive = 7000;
  k.remove = 9000;
  EXPECT_EQ(key_state(k, p, 7000), KeyState::kRetired);
  EXPECT_EQ(key_state(k, p, 9000), KeyState::kRemoved);
}
