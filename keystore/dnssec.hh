// SPDX-License-Identifier: GPL-2.0-or-later
//
// The DNSSEC service: what signetutil and the pdns module call to secure zones, sign them, change
// their denial mode, import and export keys, verify, and keep signatures fresh. It is the
// ZoneEditHook of every writer, so an edit of a secured zone re-signs what it changed (and the
// chain around it) in the same transaction, and bumps the serial (RFC 1982) when the re-signing
// changes what AXFR returns.
//
// Unsealed keys are cached per process (keyed by zone and key id, which are never reused) so the
// query path and frequent edits do not open sealed blobs again and again.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "keystore/keyring.hh"
#include "keystore/signing.hh"
#include "keystore/store.hh"
#include "keystore/zone_writer.hh"
#include "signer/clock.hh"
#include "signer/policy.hh"

namespace signet {

struct VerifyProblem {
  std::string what;
};
struct VerifyReport {
  size_t rrsets = 0, signatures = 0, links = 0;
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

class Dnssec : public ZoneEditHook {
 public:
  using MasterKeyProvider = std::function<const MasterKey&()>;
  Dnssec(Store& store, const Clock& clock, MasterKeyProvider master);

  std::optional<codec::DnssecRecord> state(const lmdb::Txn& txn, uint32_t zone_id) const;
  // The policy a secured zone follows (built-in names; named YAML policies come later).
  SigningPolicy policy_of(const codec::DnssecRecord& state) const;

  struct Secured {
    std::vector<codec::KeyRecord> keys;
    SignStats stats;
  };
  // Generates the keys the policy asks for, publishes DNSKEY/CDS/CDNSKEY, builds the chain and
  // signs everything. Throws Conflict if the zone is secured already.
  Secured secure(lmdb::WriteTxn& txn, ZoneRecord& zone, const SigningPolicy& policy,
                 unsigned threads = 1);
  // Removes keys, signatures, chain and the key RRsets: the zone is served unsigned.
  void unsecure(lmdb::WriteTxn& txn, ZoneRecord& zone);
  // Signs everything now.
  SignStats sign(lmdb::WriteTxn& txn, ZoneRecord& zone, unsigned threads);
  // Switches to NSEC3 with `params`, or to NSEC (nullopt), rebuilding the chain in this
  // transaction: readers see the old signed chain or the new one, never an unsigned moment.
  SignStats set_denial(lmdb::WriteTxn& txn, ZoneRecord& zone, std::optional<Nsec3Params> nsec3,
                       unsigned threads = 1);
  // Adds an existing private key (published and active now), e.g. from a BIND .private file.
  codec::KeyRecord import_key(lmdb::WriteTxn& txn, ZoneRecord& zone, const PrivateKey& key,
                              KeyRole role);
  // Re-signs what is due; returns what it did.
  SignStats refresh(lmdb::WriteTxn& txn, ZoneRecord& zone, size_t limit);

  std::vector<codec::KeyRecord> keys(const lmdb::Txn& txn, uint32_t zone_id) const;
  // DS RDATA of the zone's published key-signing keys.
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

 private:
  void put_state(lmdb::WriteTxn& txn, uint32_t zone_id, const codec::DnssecRecord& state);
  // Rewrites DNSKEY/CDS/CDNSKEY from the zone's keys; refuses a key set whose DNSKEY RRset would
  // not be signed by a key the parent's DS points to.
  void publish_keys(lmdb::WriteTxn& txn, ZoneRecord& zone, const SigningPolicy& policy,
                    uint64_t now);
  PrivateKey open_cached(const lmdb::Txn& txn, const ZoneRecord& zone, const codec::KeyRecord& key);

  Store& store_;
  const Clock& clock_;
  MasterKeyProvider master_;
  std::mutex cache_mu_;
  std::map<std::pair<uint32_t, uint32_t>, PrivateKey> cache_;
};

}  // namespace signet
