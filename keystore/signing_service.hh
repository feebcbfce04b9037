// SPDX-License-Identifier: GPL-2.0-or-later
//
// The signing service: secures zones (keys, key RRsets, chain, every signature), signs them again,
// changes their denial mode, refreshes what is due, serves the query path's inline signatures,
// and is the ZoneEditHook of every writer — an edit of a secured zone re-signs what it changed
// (and the chain around it) in the same transaction, and bumps the serial (RFC 1982) when the
// re-signing changes what AXFR returns. Every change is audited through ZoneEvents.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "keystore/policy_resolver.hh"
#include "keystore/resign.hh"
#include "keystore/signing.hh"
#include "keystore/store.hh"
#include "keystore/zone_events.hh"
#include "keystore/zone_keys.hh"
#include "keystore/zone_state.hh"
#include "keystore/zone_writer.hh"
#include "signer/clock.hh"
#include "signer/nsec3.hh"
#include "signer/policy.hh"

namespace signet {

class SigningService : public ZoneEditHook {
 public:
  SigningService(Store& store, const Clock& clock, ZoneState& state, const PolicyResolver& policies,
                 ZoneKeys& keys, const ZoneEvents& events, BitmapRules rules = {})
      : store_(store),
        clock_(clock),
        state_(state),
        policies_(policies),
        keys_(keys),
        events_(events),
        rules_(rules) {}

  // What pdns' configuration changes in the bitmaps it builds.
  const BitmapRules& rules() const { return rules_; }

  struct Secured {
    std::vector<codec::KeyRecord> keys;
    SignStats stats;
  };
  // Generates the keys the policy asks for, publishes DNSKEY/CDS/CDNSKEY, builds the chain and
  // signs everything. Throws Conflict if the zone is secured already.
  // `own_policy`: the zone keeps `policy` as its own; false: it follows its tenant's default.
  Secured secure(lmdb::WriteTxn& txn, ZoneRecord& zone, const SigningPolicy& policy,
                 unsigned threads = 1, bool own_policy = true);
  // Removes keys, signatures, chain and the key RRsets: the zone is served unsigned.
  void unsecure(lmdb::WriteTxn& txn, ZoneRecord& zone);
  // Signs everything now, in this transaction (threads 0: one per core). It holds the store's
  // one writer for the whole zone: commands use begin_resign and complete instead.
  SignStats sign(lmdb::WriteTxn& txn, ZoneRecord& zone, unsigned threads);
  // Switches to NSEC3 with `params`, or to NSEC (nullopt), rebuilding the chain in this
  // transaction: readers see the old signed chain or the new one, never an unsigned moment.
  // As sign(): commands use begin_denial and complete.
  SignStats set_denial(lmdb::WriteTxn& txn, ZoneRecord& zone, std::optional<Nsec3Params> nsec3,
                       unsigned threads = 1);
  // Adds an existing private key (published and active now), e.g. from a BIND .private file,
  // and starts signing everything with it (begin_resign: complete() finishes it after the
  // commit).
  codec::KeyRecord import_key(lmdb::WriteTxn& txn, ZoneRecord& zone, const PrivateKey& key,
                              KeyRole role);

  // ---- chunked whole-zone work (keystore/resign.hh): started in the caller's transaction,
  // carried out by complete() after its commit in short transactions of their own.
  // Starts a whole-zone re-sign: publishes the key RRsets, bumps the serial, signs the apex with
  // the keys active now and records that every older signature is to be replaced.
  void begin_resign(lmdb::WriteTxn& txn, ZoneRecord& zone);
  // Starts a change of denial (NSEC3 with `nsec3`, or NSEC): a new chain is built beside the
  // live one and switched to once complete and signed. Returns false when the zone already
  // uses these parameters (nothing to do).
  bool begin_denial(lmdb::WriteTxn& txn, ZoneRecord& zone, std::optional<Nsec3Params> nsec3);
  // Carries out whatever whole-zone work the zone has pending (a killed process's too), in
  // write transactions bounded by `limits`, calling `hook` after each. No write transaction may
  // be open in this thread. Throws what a step throws; the work stays recorded and the next
  // call resumes it.
  SignStats complete(uint32_t zone_id, unsigned threads, const ChunkHook& hook = {},
                     const ChunkLimits& limits = {});
  // Re-signs what is due; returns what it did. `finish`: this is the last part of the refresh:
  // bump the serial (when `signed_before`, this part or an unfinished earlier refresh signed
  // anything: DnssecRecord::refresh_open) and schedule the next.
  SignStats refresh(lmdb::WriteTxn& txn, ZoneRecord& zone, size_t limit, bool finish = true,
                    size_t signed_before = 0);

  // Rewrites DNSKEY/CDS/CDNSKEY from the zone's keys as their timings say for `now`; refuses a
  // key set whose DNSKEY RRset would not be signed by a key the parent's DS points to. Returns
  // whether anything changed (the caller signs what changed).
  bool publish_keys(lmdb::WriteTxn& txn, ZoneRecord& zone, const SigningPolicy& policy,
                    uint64_t now);
  // Re-signs the apex (after publish_keys changed the key RRsets) and bumps the serial.
  void resign_apex(lmdb::WriteTxn& txn, ZoneRecord& zone, const SigningPolicy& policy);

  // A fresh RRSIG (not stored) replacing the stored one by `key_id` over owner/covered, for the
  // query path when a stored signature is about to expire. nullopt when it cannot be made (the
  // key is no longer active, the data is gone).
  std::optional<std::vector<uint8_t>> sign_now(const lmdb::Txn& txn, uint32_t zone_id,
                                               std::span<const uint8_t> rel, uint16_t covered,
                                               uint32_t key_id);

  // "NSEC" or "NSEC3 ALG FLAGS ITER SALT": the denial a signing state describes.
  static std::string denial_text(const codec::DnssecRecord& st);

  // The earliest RRSIG expiration of the zone (0 when it has no signatures).
  uint32_t earliest_expiration(const lmdb::Txn& txn, uint32_t zone_id) const;

  // ZoneEditHook
  void after_edit(lmdb::WriteTxn& txn, ZoneRecord& zone, ZoneWriter& writer,
                  const ZoneEdit& edit) override;
  bool manages_keys(const lmdb::Txn& txn, const ZoneRecord& zone) override;
  // Re-seals the zone's keys under its new tenant's data key (audited as keys-resealed).
  void after_move(lmdb::WriteTxn& txn, const ZoneRecord& zone, uint32_t from_tenant_id) override;

 private:
  friend class ChunkedWork;
  void require_algorithm_partner(const lmdb::Txn& txn, const ZoneRecord& zone, uint8_t algorithm,
                                 KeyRole role) const;
  // Signs every RRset and link of the zone with the keys active at `now`, schedules its refresh
  // and records who signed.
  SignStats sign_all(lmdb::WriteTxn& txn, ZoneRecord& zone, codec::DnssecRecord& state,
                     const SigningPolicy& policy, uint64_t now, unsigned threads);
  // Recomputes the zone's next refresh time from its earliest signature (`earliest`, when the
  // caller found it outside the transaction) and files it in the due index; warns when
  // signatures would expire inside the SOA EXPIRE horizon.
  void schedule(lmdb::WriteTxn& txn, const ZoneRecord& zone, codec::DnssecRecord& state,
                const SigningPolicy& policy, std::optional<uint32_t> earliest = std::nullopt);
  // After an edit: a signature it made (`made`) may expire before the zone's earliest one (its
  // RRset's jitter is larger than any the zone had); the refresh then moves earlier with it, by
  // the zone's refresh window, so nothing is renewed after its refresh point.
  void schedule_edit(lmdb::WriteTxn& txn, const ZoneRecord& zone, codec::DnssecRecord& state,
                     uint32_t made);
  // Bumps the serial through a ZoneWriter that reports to nobody (the caller signs afterwards).
  static void bump_serial(Store& store, lmdb::WriteTxn& txn, ZoneRecord& zone, uint64_t now);
  // Stores `st` and files the zone in the due index no later than when its lease passes.
  void file_resume(lmdb::WriteTxn& txn, uint32_t zone_id, codec::DnssecRecord& st, uint64_t now);
  // A chain generation no chain of the zone uses (neither the live one nor garbage).
  uint8_t free_generation(const lmdb::Txn& txn, uint32_t zone_id,
                          const codec::DnssecRecord& st) const;
  // Records that the zone was just signed with the keys active at `now`.
  void note_signers(lmdb::WriteTxn& txn, uint32_t zone_id, uint64_t now);
  // The key records as the DNSKEY RRset should show them: a key that signed the last complete
  // signing stays published past its remove time (some RRset may still carry only its
  // signature while a chunked re-sign is under way), and a key of an algorithm none of those
  // keys has waits until a complete signing includes it (RFC 6781 §4.1.4: every RRset signed
  // with the new algorithm before its DNSKEY appears).
  std::vector<codec::KeyRecord> keys_to_publish(const lmdb::Txn& txn, uint32_t zone_id,
                                                std::vector<codec::KeyRecord> keys,
                                                uint64_t now) const;
  // Refuses a key set whose DNSKEY RRset would not be signed by a key the parent's DS points to.
  void check_anchored(const ZoneRecord& zone, const std::vector<codec::KeyRecord>& keys,
                      uint64_t now) const;

  Store& store_;
  const Clock& clock_;
  ZoneState& state_;
  const PolicyResolver& policies_;
  ZoneKeys& keys_;
  const ZoneEvents& events_;
  BitmapRules rules_;
};

}  // namespace signet
