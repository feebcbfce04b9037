// SPDX-License-Identifier: GPL-2.0-or-later
//
// The DNSSEC service: what signetutil and the pdns module call to secure zones, sign them, change
// their denial mode, import and export keys, verify, and keep signatures fresh. It is the
// ZoneEditHook of every writer, so an edit of a secured zone re-signs what it changed (and the
// chain around it) in the same transaction, and bumps the serial (RFC 1982) when the re-signing
// changes what AXFR returns.
//
// Unsealed keys are cached per process (keyed by zone and key id, and checked against the stored
// public key: an aborted transaction's ids are handed out again) so the query path and frequent
// edits do not open sealed blobs again and again.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "keystore/audit.hh"
#include "keystore/keyring.hh"
#include "keystore/signing.hh"
#include "keystore/store.hh"
#include "keystore/zone_writer.hh"
#include "signer/clock.hh"
#include "signer/policy.hh"
#include "signer/rollover.hh"

namespace signet {

struct VerifyProblem {
  std::string what;
};
struct VerifyReport {
  size_t rrsets = 0, signatures = 0, links = 0;
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

// A stored key as the rollover planner sees it.
KeyTimes key_times_of(const codec::KeyRecord& k);

// The zone ids of a due index (key: u64 time | u32 zone id, big-endian; codec::due_key) whose
// time has come, soonest first, at most `max`. Used for re-signing (dbi due) and key events
// (dbi key_due).
std::vector<uint32_t> due_index_scan(const lmdb::Txn& txn, MDB_dbi dbi, uint64_t now, size_t max);

class Dnssec : public ZoneEditHook {
 public:
  using MasterKeyProvider = std::function<const MasterKey&()>;
  Dnssec(Store& store, const Clock& clock, MasterKeyProvider master);

  std::optional<codec::DnssecRecord> state(const lmdb::Txn& txn, uint32_t zone_id) const;

  // ---- policies
  // Turns a stored policy (its YAML text, conf/policy.hh) back into a SigningPolicy; the Context
  // sets it. Without one only built-in policies resolve.
  using PolicyParser =
      std::function<SigningPolicy(const std::string& name, const std::string& yaml)>;
  void set_policy_parser(PolicyParser parser) { parse_policy_ = std::move(parser); }
  // A named policy: one stored with `signetutil policy import`, else a built-in one.
  std::optional<SigningPolicy> named_policy(const lmdb::Txn& txn, const std::string& name) const;
  // The name of the policy a zone follows: its own, else its tenant's default, else "default".
  std::string policy_name(const lmdb::Txn& txn, const ZoneRecord& zone,
                          const codec::DnssecRecord& state) const;
  // The policy in force for a secured zone: the named policy with the zone's own denial
  // parameters (set-nsec3) and algorithm (an operator's algorithm rollover).
  SigningPolicy policy_for(const lmdb::Txn& txn, const ZoneRecord& zone,
                           const codec::DnssecRecord& state) const;

  // ---- the key manager's per-zone state (keystore/keyman.hh)
  codec::RolloverRecord rollover_state(const lmdb::Txn& txn, uint32_t zone_id) const;
  // Stores `after`, moving the zone's entry in the key_due index from before's wake-up time.
  void put_rollover_state(lmdb::WriteTxn& txn, uint32_t zone_id,
                          const codec::RolloverRecord& before, const codec::RolloverRecord& after);
  // The keys as the rollover planner sees them.
  std::vector<KeyTimes> key_times(const lmdb::Txn& txn, uint32_t zone_id) const;

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
  // Signs everything now.
  SignStats sign(lmdb::WriteTxn& txn, ZoneRecord& zone, unsigned threads);
  // Switches to NSEC3 with `params`, or to NSEC (nullopt), rebuilding the chain in this
  // transaction: readers see the old signed chain or the new one, never an unsigned moment.
  SignStats set_denial(lmdb::WriteTxn& txn, ZoneRecord& zone, std::optional<Nsec3Params> nsec3,
                       unsigned threads = 1);
  // Generates, seals and stores a new key with the given timings (the key manager's kGenerate).
  codec::KeyRecord generate_key(lmdb::WriteTxn& txn, const ZoneRecord& zone, KeyRole role,
                                Algorithm algorithm, unsigned rsa_bits, uint64_t publish,
                                uint64_t activate);
  // Forgets a key (its sealed private part included).
  void delete_key(lmdb::WriteTxn& txn, const codec::KeyRecord& key);
  // Adds an existing private key (published and active now), e.g. from a BIND .private file.
  codec::KeyRecord import_key(lmdb::WriteTxn& txn, ZoneRecord& zone, const PrivateKey& key,
                              KeyRole role);
  // Re-signs what is due; returns what it did.
  SignStats refresh(lmdb::WriteTxn& txn, ZoneRecord& zone, size_t limit);

  std::vector<codec::KeyRecord> keys(const lmdb::Txn& txn, uint32_t zone_id) const;
  // DS RDATA of the keys the parent should have a DS for now (what CDS publishes).
  std::vector<std::vector<uint8_t>> ds_rdatas(const lmdb::Txn& txn, const ZoneRecord& zone,
                                              DigestType type) const;
  // The earliest RRSIG expiration of the zone (0 when it has no signatures).
  uint32_t earliest_expiration(const lmdb::Txn& txn, uint32_t zone_id) const;
  // Our own verification of every RRSIG and of the chain.
  VerifyReport verify(const lmdb::Txn& txn, const ZoneRecord& zone) const;

  // ZoneEditHook
  void after_edit(lmdb::WriteTxn& txn, ZoneRecord& zone, ZoneWriter& writer,
                  const ZoneEdit& edit) override;
  bool manages_keys(const lmdb::Txn& txn, const ZoneRecord& zone) override;

  // The zone's active keys, unsealed (cached), each checked with a test signature first.
  std::vector<ActiveKey> active_keys(const lmdb::Txn& txn, const ZoneRecord& zone, uint64_t now);

  // A fresh RRSIG (not stored) replacing the stored one by `key_id` over owner/covered, for the
  // query path when a stored signature is about to expire. nullopt when it cannot be made (the
  // key is no longer active, the data is gone).
  std::optional<std::vector<uint8_t>> sign_now(const lmdb::Txn& txn, uint32_t zone_id,
                                               std::span<const uint8_t> rel, uint16_t covered,
                                               uint32_t key_id);

  // Zones whose refresh time has come, earliest first (at most `max`).
  std::vector<uint32_t> due_zones(const lmdb::Txn& txn, uint64_t now, size_t max) const;

  // Every key event and signing change is recorded in `audit` (same transaction).
  void set_audit(AuditLog* audit) { audit_ = audit; }
  AuditLog* audit() const { return audit_; }
  // Records an event about `zone` (no-op without an audit log).
  void record(lmdb::WriteTxn& txn, const ZoneRecord& zone, std::string_view kind,
              std::string detail = "{}");
  static std::string key_detail(const codec::KeyRecord& k);

  // Where warnings go (the pdns log in the module, stderr in signetutil).
  void set_warning_sink(std::function<void(const std::string&)> sink) { warn_ = std::move(sink); }

  // How long before expiry signatures are refreshed: the policy's window, widened to cover the
  // SOA EXPIRE horizon when the validity allows (secondaries cut off from the primary keep serving
  // the zone that long, and must not serve expired signatures).
  static uint32_t refresh_window(const SigningPolicy& policy, uint32_t soa_expire);

  // Rewrites DNSKEY/CDS/CDNSKEY from the zone's keys as their timings say for `now`; refuses a
  // key set whose DNSKEY RRset would not be signed by a key the parent's DS points to. Returns
  // whether anything changed (the caller signs what changed).
  bool publish_keys(lmdb::WriteTxn& txn, ZoneRecord& zone, const SigningPolicy& policy,
                    uint64_t now);
  // Re-signs the apex (after publish_keys changed the key RRsets) and bumps the serial.
  void resign_apex(lmdb::WriteTxn& txn, ZoneRecord& zone, const SigningPolicy& policy);
  // The ids of the keys that sign now (the key manager signs the zone again when they change).
  std::vector<uint32_t> signer_ids(const lmdb::Txn& txn, uint32_t zone_id, uint64_t now) const;

 private:
  void put_state(lmdb::WriteTxn& txn, uint32_t zone_id, const codec::DnssecRecord& state);
  // Recomputes the zone's next refresh time from its earliest signature and files it in the due
  // index; warns when signatures would expire inside the SOA EXPIRE horizon.
  void schedule(lmdb::WriteTxn& txn, const ZoneRecord& zone, codec::DnssecRecord& state,
                const SigningPolicy& policy);
  // The policy with its refresh window widened for the zone's SOA (see refresh_window).
  SigningPolicy effective_policy(const lmdb::Txn& txn, const ZoneRecord& zone,
                                 const codec::DnssecRecord& state) const;
  // Records that the zone was just signed with the keys active at `now`.
  void note_signers(lmdb::WriteTxn& txn, uint32_t zone_id, uint64_t now);
  PrivateKey open_cached(const lmdb::Txn& txn, const ZoneRecord& zone, const codec::KeyRecord& key);

  Store& store_;
  const Clock& clock_;
  MasterKeyProvider master_;
  std::function<void(const std::string&)> warn_;
  AuditLog* audit_ = nullptr;
  PolicyParser parse_policy_;
  std::mutex cache_mu_;
  std::map<std::pair<uint32_t, uint32_t>, PrivateKey> cache_;
};

}  // namespace signet
