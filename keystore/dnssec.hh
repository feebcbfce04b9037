// SPDX-License-Identifier: GPL-2.0-or-later
//
// The DNSSEC service of a process: its units, wired together. Each concept is its own unit with
// a small interface:
//
//   state()     ZoneState       a zone's stored signing state and key manager record, and the
//                               due indexes that schedule them (keystore/zone_state.hh)
//   policies()  PolicyResolver  which signing policy a zone follows (keystore/policy_resolver.hh)
//   policy_store()  PolicyStore the stored policies, their owners and sealed TSIG secrets
//                               (keystore/policy_store.hh)
//   keys()      ZoneKeys        a zone's keys: records, generation, unsealing through the key
//                               cache (keystore/zone_keys.hh, keystore/key_cache.hh)
//   signing()   SigningService  secure, sign, refresh, set-nsec3, key RRsets, inline signatures;
//                               the ZoneEditHook of every writer (keystore/signing_service.hh)
//   verifier()  ZoneVerifier    our own check of every RRSIG and of the chain
//                               (keystore/zone_verifier.hh)
//   ds()        ZoneDs          the DS records the parent should have (keystore/zone_ds.hh)
//   events()    ZoneEvents      where they report: the audit log and the warning sink
//                               (keystore/zone_events.hh)
//
// The key manager (keystore/keyman.hh) and the refresher (keystore/refresher.hh) work through
// these units; the composition root (conf/composition_root.hh) owns one Dnssec per store.
#pragma once

#include <functional>

#include "keystore/audit.hh"
#include "keystore/keyring.hh"
#include "keystore/policy_resolver.hh"
#include "keystore/policy_store.hh"
#include "keystore/signing_service.hh"
#include "keystore/store.hh"
#include "keystore/zone_ds.hh"
#include "keystore/zone_events.hh"
#include "keystore/zone_keys.hh"
#include "keystore/zone_state.hh"
#include "keystore/zone_verifier.hh"
#include "signer/clock.hh"

namespace signet {

class Dnssec {
 public:
  using MasterKeyProvider = ZoneKeys::MasterKeyProvider;
  // `master` is asked for the master key the first time a private key is sealed or opened.
  // `rules`: what pdns' configuration (expand-alias) changes in the bitmaps it builds.
  Dnssec(Store& store, const Clock& clock, MasterKeyProvider master, BitmapRules rules = {});
  Dnssec(const Dnssec&) = delete;
  Dnssec& operator=(const Dnssec&) = delete;

  ZoneState& state() { return state_; }
  const ZoneState& state() const { return state_; }
  PolicyResolver& policies() { return policies_; }
  const PolicyResolver& policies() const { return policies_; }
  PolicyStore& policy_store() { return policy_store_; }
  const PolicyStore& policy_store() const { return policy_store_; }
  ZoneKeys& keys() { return keys_; }
  const ZoneKeys& keys() const { return keys_; }
  SigningService& signing() { return signing_; }
  const ZoneVerifier& verifier() const { return verifier_; }
  const ZoneDs& ds() const { return ds_; }
  ZoneEvents& events() { return events_; }
  const ZoneEvents& events() const { return events_; }

 private:
  // Declaration order is construction order: each unit is built from the ones above it.
  ZoneEvents events_;
  ZoneState state_;
  PolicyStore policy_store_;
  PolicyResolver policies_;
  ZoneKeys keys_;
  SigningService signing_;
  ZoneVerifier verifier_;
  ZoneDs ds_;
};

}  // namespace signet
