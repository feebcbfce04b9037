// SPDX-License-Identifier: GPL-2.0-or-later
//
// The rollover planner: a pure function of (policy, key timings, parent view, now) that returns
// the actions due now and when to look again. It keeps no state: a key's state is computed from
// its timestamps (RFC 7583 §3.1), the parent's state from what was last observed there. A separate
// executor (keystore/keyman.hh) applies a plan in one transaction and audits it, so whole
// rollovers are unit-tested here with a fake clock.
//
// Methods (RFC 7583 §3, RFC 6781 §4.1):
//   ZSK  pre-publication: publish the new key; when it has propagated (Dprp + DNSKEY TTL), switch
//        signing to it; keep the old key published until its signatures are gone from caches
//        (Dprp + the zone's largest TTL), then remove it.
//   KSK  double-KSK: publish the new key and sign the DNSKEY RRset with both; when it has
//        propagated, ask for its DS (CDS/CDNSKEY, hook or RFC 2136 push); when every parent
//        server serves it, wait the DS TTL + Dprp and retire the old key. Without the new DS at
//        the parent the rollover waits indefinitely: both keys stay and nothing breaks.
//   CSK  double-signature: the new CSK signs everything from the start; DS as for a KSK; the old
//        CSK goes once the DS has moved and the new signatures are in every cache.
//   algorithm (and key layout) rollover, RFC 6781 §4.1.4: new keys sign first (not yet
//        published), then are published, then the DS moves, then the old DNSKEYs go, then the old
//        signatures.
//   insecure, RFC 8078: CDS/CDNSKEY delete records until the parent has dropped the DS and its
//        TTL has passed, then the zone is served unsigned.
// Never two rollovers of one zone at once: a due rollover waits while another is in progress.
// Automatic rollover start times carry a per-zone jitter so a million zones under one policy do
// not roll in the same hour.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "signer/crypto.hh"
#include "signer/key.hh"
#include "signer/policy.hh"

namespace signet {

// A key's timeline. Every field is a time (seconds since the epoch), 0 = not happened/scheduled.
struct KeyTimes {
  uint32_t id = 0;
  KeyRole role = KeyRole::kCsk;
  Algorithm algorithm = Algorithm::kEcdsaP256Sha256;
  uint16_t tag = 0;
  uint64_t created = 0;
  uint64_t publish = 0;       // in the DNSKEY RRset from
  uint64_t activate = 0;      // signing from
  uint64_t inactive = 0;      // signing until
  uint64_t remove = 0;        // in the DNSKEY RRset until
  uint64_t ds_submitted = 0;  // its DS was asked for (CDS, hook, push)
  uint64_t ds_seen = 0;       // every parent server serves its DS
  uint64_t ds_retired = 0;    // we asked the parent to drop its DS
  uint64_t ds_gone = 0;       // no parent server serves its DS any more
};

enum class KeyState { kGenerated, kPublished, kReady, kActive, kRetired, kRemoved };
KeyState key_state(const KeyTimes& k, const SigningPolicy& p, uint64_t now);
std::string key_state_name(KeyState s);
bool is_sep_role(KeyRole r);

// What every parent server was last seen to serve.
struct ParentView {
  bool checked = false;
  uint64_t checked_at = 0;
  // (key tag, algorithm) of the DS records that EVERY server serves, and that ANY server serves:
  // a new DS counts as published once all serve it, an old one as gone once none does.
  std::vector<std::pair<uint16_t, uint8_t>> ds;
  std::vector<std::pair<uint16_t, uint8_t>> ds_any;
  bool serves(const KeyTimes& k) const;
  bool serves_any(const KeyTimes& k) const;
};

enum class RolloverKind : uint8_t { kNone, kZsk, kKsk, kCsk, kAlgorithm, kInsecure };
std::string rollover_kind_name(RolloverKind k);
RolloverKind rollover_kind_from_text(const std::string& s);  // throws InputError

// Requests that are not derived from time: an operator's `rollover`/`emergency-rollover`, or
// going insecure.
struct RolloverRequest {
  RolloverKind kind = RolloverKind::kNone;
  bool emergency = false;
  uint32_t compromised_key = 0;  // emergency: the key id to get rid of
  std::optional<Algorithm> algorithm;
};

struct KeyAction {
  enum class Kind : uint8_t {
    kGenerate,     // a new key: role, algorithm, publish, activate (0 = later)
    kSetTime,      // key_id.field = value
    kPurge,        // forget a key removed long ago
    kSubmitDs,     // ask the parent for the DS of key_id (hook / push; CDS follows from times)
    kGoUnsigned,   // the parent dropped the DS: remove keys and signatures
    kRequestDone,  // the operator's request has been started (or is obsolete): clear it
  };
  enum class Field : uint8_t {
    kPublish,
    kActivate,
    kInactive,
    kRemove,
    kDsSubmitted,
    kDsSeen,
    kDsRetired,
    kDsGone
  };
  Kind kind;
  KeyRole role = KeyRole::kCsk;
  Algorithm algorithm = Algorithm::kEcdsaP256Sha256;
  uint64_t publish = 0, activate = 0;
  uint32_t key_id = 0;
  Field field = Field::kPublish;
  uint64_t value = 0;
  std::string why;  // for the audit log and rollover-status
};
std::string field_name(KeyAction::Field f);

struct KeyPlan {
  std::vector<KeyAction> actions;
  uint64_t next_wakeup = 0;  // when to plan again (0: nothing scheduled)
  RolloverKind in_progress = RolloverKind::kNone;
  std::string status;            // one line: what is happening or awaited
  bool needs_parent = false;     // the next step depends on what the parent serves
  bool changes_signing = false;  // the actions change who signs or what is published
};

struct ZoneFacts {
  uint32_t zone_id = 0;
  bool going_insecure = false;  // a kInsecure request is in progress (CDS delete published)
};

// The planner. `keys` are the zone's keys (removed ones included until purged).
KeyPlan plan_keys(const SigningPolicy& policy, const std::vector<KeyTimes>& keys,
                  const ParentView& parent, const ZoneFacts& zone, const RolloverRequest& request,
                  uint64_t now);

// The jitter added to automatic rollover start times of one zone and key role.
uint32_t rollover_jitter(const SigningPolicy& p, uint32_t zone_id, KeyRole role);

// Which SEP keys the parent should have DS records for now (what CDS/CDNSKEY publish).
std::vector<uint32_t> wanted_ds_keys(const std::vector<KeyTimes>& keys, const SigningPolicy& p,
                                     uint64_t now);

}  // namespace signet
