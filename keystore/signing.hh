// SPDX-License-Identifier: GPL-2.0-or-later
//
// ZoneSigner: keeps a secured zone's signatures and denial chain in the store, inside the caller's
// write transaction. pdns serves such zones in PRESIGNED mode: it answers with our RRsets, asks us
// for the RRSIG of every RRset it puts in an answer, and builds NSEC/NSEC3 records itself from our
// rows (packethandler.cc emitNSEC/emitNSEC3, tcpreceiver.cc doAXFR). So the records we sign must be
// byte for byte the ones pdns emits:
//
//  * chain membership: NSEC3 — every name with an authoritative row (empty non-terminals
//    included), plus delegations unless opt-out; NSEC — every name with an authoritative or NS
//    row, empty non-terminals excluded;
//  * bitmap: the types of the name's authoritative rows and its NS, plus RRSIG unless the set is
//    empty or only NS (NSEC3), plus RRSIG and NSEC (NSEC), plus NSEC3PARAM at the apex (NSEC3);
//  * TTL: min(SOA TTL, SOA MINIMUM) for NSEC and NSEC3; SOA MINIMUM for NSEC3PARAM;
//  * owners and next names in lower case; NSEC3 owners are the base32hex hash label.
//
// Signatures: inception a little in the past, expiration per policy with a deterministic jitter
// per zone and RRset (so a portfolio's signatures never expire or refresh all at once), and a
// self-check: the first signature of every key and a random sample (or all) are verified before
// anything is written; a failure throws and the transaction aborts.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "keystore/codec.hh"
#include "keystore/store.hh"
#include "signer/crypto.hh"
#include "signer/key.hh"
#include "signer/policy.hh"
#include "signer/rrsig.hh"

namespace signet {

// A key a zone signs with now, unsealed.
struct ActiveKey {
  codec::KeyRecord record;
  PrivateKey key;
  bool signs_keys = false;  // KSK or CSK: DNSKEY, CDS, CDNSKEY
  bool signs_zone = false;  // ZSK or CSK: everything else
};

// DNSKEY, CDS and CDNSKEY are signed by the key-signing keys, everything else by the zone-signing
// keys.
bool signed_by_ksk(uint16_t type);
// Whether `key` makes the signatures of RRsets of `type`.
inline bool key_signs_type(const ActiveKey& key, uint16_t type) {
  return signed_by_ksk(type) ? key.signs_keys : key.signs_zone;
}

// Key state from its timestamps (RFC 7583): never stored, always computed.
bool key_is_published(const codec::KeyRecord& k, uint64_t now);
bool key_is_active(const codec::KeyRecord& k, uint64_t now);

// One row of a name in the rrsets database: its type (0 = empty non-terminal) and flags.
struct NameRow {
  uint16_t type;
  uint8_t flags;
};
// What pdns' configuration changes in the bitmaps it builds for our PRESIGNED zones.
struct BitmapRules {
  // pdns' expand-alias=yes: emitNSEC/emitNSEC3 leave an ALIAS out of the bitmap, and add no A or
  // AAAA for it either in a PRESIGNED zone (packethandler.cc); its RRSIG (we sign the ALIAS RRset:
  // pdns serves it to ALIAS queries) still sets the RRSIG bit. With expand-alias=no an ALIAS is an
  // ordinary authoritative type there.
  bool expand_alias = false;
};

// The chain link pdns' NSEC/NSEC3 synthesis implies for a name with these rows, or nullopt when
// the name is not in the chain (see the rules at the top of this file).
std::optional<codec::ChainLink> chain_link_for(const codec::DnssecRecord& state,
                                               std::span<const uint8_t> rel,
                                               const std::vector<NameRow>& rows,
                                               const BitmapRules& rules);
// The rows at a name.
std::vector<NameRow> rows_at(const Store& store, const lmdb::Txn& txn, uint32_t zone_id,
                             std::span<const uint8_t> rel);
// The RRSIG owner (relative) of a chain link: the owner for NSEC, the hash label for NSEC3.
std::vector<uint8_t> chain_rrsig_owner(codec::Denial denial, std::span<const uint8_t> order,
                                       std::span<const uint8_t> owner);

// Calls `fn` with every NSEC/NSEC3 record (as pdns will synthesize it) and the NSEC3PARAM of a
// secured zone: owner, type, TTL, RDATA.
void for_each_denial_record(
    const Store& store, const lmdb::Txn& txn, const ZoneRecord& zone,
    const codec::DnssecRecord& state,
    const std::function<void(const Name&, uint16_t, uint32_t, std::span<const uint8_t>)>& fn);

// The expiration a signature of owner/type gets when made at `now` under `policy`: validity minus
// a deterministic per-zone, per-RRset jitter. A refresh batch narrower than the jitter narrows the
// per-RRset part to the batch and spreads the rest per zone, so one batch renews a whole zone and
// the portfolio still spreads over the whole jitter.
uint32_t signature_expiration(const SigningPolicy& policy, uint32_t zone_id,
                              std::span<const uint8_t> rel, uint16_t type, uint64_t now);

// Refresh batching (policy key rrsig-refresh-batch), after Knot's rrsig-pre-refresh: "how long at
// most before a signature refresh time the signature might be refreshed, in order to refresh RRSIGs
// in bigger batches" (Knot DNS reference manual, policy section; its rrsig-refresh is our
// rrsig-refresh: "how long at least before a signature expiration the signature will be
// refreshed"). A refresh that is due — a signature reached its refresh point, `window` before it
// expires — also renews every signature that would reach its refresh point within the batch.
// The schedule still follows the earliest signature: a batch only renews signatures early, never
// late. And as everything due within the batch is renewed at once (and new signatures expire after
// the batch), two refreshes of a zone are at least a batch apart: a secondary transfers the zone
// again (pdns answers IXFR with AXFR) about once per batch at most, not once per refresher pass.
constexpr uint32_t kDefaultRefreshBatch = 86400;
// What a batch leaves between the signatures it makes and the next batch's end.
constexpr uint32_t kRefreshBatchMargin = 3600;
// The batch in force for a zone whose effective refresh window is `window`: the policy's
// rrsig-refresh-batch (default 1 day), cut to validity - jitter - window - kRefreshBatchMargin so
// that the signatures a batch makes never fall into the next one.
uint32_t refresh_batch(const SigningPolicy& policy, uint32_t window);

// Makes (without storing) the RRSIG by `key` over the RRset owner/`covered` as currently stored, or
// over the zone's NSEC/NSEC3 record at `rel` (the hash label for NSEC3) or its NSEC3PARAM.
// Returns nullopt when there is nothing to sign there. Used by the query path when a stored
// signature is about to expire.
std::optional<std::vector<uint8_t>> sign_single(const Store& store, const lmdb::Txn& txn,
                                                const ZoneRecord& zone,
                                                const codec::DnssecRecord& state,
                                                const SigningPolicy& policy, const ActiveKey& key,
                                                std::span<const uint8_t> rel, uint16_t covered,
                                                uint64_t now);

struct SignStats {
  size_t rrsets = 0;
  size_t signatures = 0;
  size_t links = 0;
  size_t verified = 0;
  SignStats& operator+=(const SignStats& o) {
    rrsets += o.rrsets;
    signatures += o.signatures;
    links += o.links;
    verified += o.verified;
    return *this;
  }
};

class ZoneSigner {
 public:
  ZoneSigner(Store& store, lmdb::WriteTxn& txn, const ZoneRecord& zone, codec::DnssecRecord& state,
             const SigningPolicy& policy, std::vector<ActiveKey> keys, uint64_t now,
             BitmapRules rules);

  // Everything from scratch: drops the zone's signatures and chains, rebuilds the chain, signs
  // every authoritative RRset and every link, on `threads` threads.
  SignStats sign_all(unsigned threads);

  // After an edit: re-signs the RRsets at `names` and at every name below each of `subtrees`,
  // and repairs the chain around them. Returns what it did. `chain_only`: only the chain (a
  // chain being built under another generation, seen through codec::pending_view); its links
  // are signed again once it is complete, whatever TTL they carry now.
  SignStats update(const std::vector<Name>& names, const std::vector<Name>& subtrees,
                   bool chain_only = false);
  // Signs the NSEC3PARAM (NSEC3 zones) again and drops the signatures of any other one.
  SignStats sign_nsec3param() {
    SignStats st;
    sign_nsec3param(st);
    return st;
  }

  // What a refresh re-signs: names (namekeys, canonical order) and whether the whole chain.
  struct RefreshPlan {
    std::set<std::string> names;
    bool chain = false;
    bool empty() const { return names.empty() && !chain; }
  };
  // When a signature expires within the policy's refresh window (or was made by a key no longer
  // active): the names and links whose signatures do, and with them those whose signatures expire
  // within the refresh batch after it (refresh_batch); at most `limit` names. Nothing due, nothing
  // planned: the batch never starts a refresh. `continuing`: a later part of a refresh committed
  // in parts, whose due names an earlier part renewed: the rest of its batch, due or not.
  RefreshPlan plan_refresh(size_t limit, bool continuing = false);
  // Re-signs what `plan` names, and the apex: the caller bumped the serial (RFC 1982) first, as
  // new signatures change what AXFR returns. Returns what it did.
  SignStats refresh(const RefreshPlan& plan);

  // For edits, before update(): signatures made from now on take expirations inside the zone's next
  // refresh batch instead of their own (see the definition). No-op without a batch or a schedule.
  void align_with_batch();

  // Removes every signature and chain of the zone.
  static void strip(Store& store, lmdb::WriteTxn& txn, uint32_t zone_id);

  // The expiration the signature of owner/type gets when signed now.
  uint32_t expiration_for(std::span<const uint8_t> rel, uint16_t type) const;
  // The earliest expiration of the signatures update() and refresh() made (nullopt: none).
  std::optional<uint32_t> earliest_made() const { return earliest_made_; }
  uint32_t negative_ttl() const { return negative_ttl_; }

 private:
  using Row = NameRow;
  std::vector<Row> rows_at(std::span<const uint8_t> rel) {
    return signet::rows_at(store_, txn_, zone_.id, rel);
  }
  std::optional<codec::ChainLink> link_for(std::span<const uint8_t> rel,
                                           const std::vector<Row>& rows) const {
    return chain_link_for(state_, rel, rows, rules_);
  }
  std::string chain_key(std::span<const uint8_t> rel) const;
  void sign_rrset(std::span<const uint8_t> rel, uint16_t type, const codec::RRsetView& v,
                  SignStats& st);
  void sign_name(std::span<const uint8_t> rel, const std::vector<Row>& rows, SignStats& st);
  void sign_link(const std::string& key, const codec::ChainLink& link, SignStats& st);
  void sign_nsec3param(SignStats& st);
  void resign_all_links(SignStats& st);
  // Whether a stored NSEC3PARAM signature carries a TTL other than the SOA MINIMUM.
  bool nsec3param_ttl_stale();
  // Produces and stores one RRSIG; `rdatas` are in canonical order.
  template <typename RdataRange>
  void make_rrsig(const CanonicalName& owner, std::span<const uint8_t> rel_store, uint16_t type,
                  uint32_t ttl, const RdataRange& rdatas, SignStats& st);
  void check(const ActiveKey& key, std::span<const uint8_t> data, std::span<const uint8_t> sig,
             const CanonicalName& owner, uint16_t type, SignStats& st);
  void delete_rrsigs_at(std::span<const uint8_t> rel, bool keep_nsec);

  Store& store_;
  lmdb::WriteTxn& txn_;
  const ZoneRecord& zone_;
  codec::DnssecRecord& state_;
  const SigningPolicy& policy_;
  std::vector<ActiveKey> keys_;
  std::vector<Signer> signers_;  // one per key, same order
  uint64_t now_;
  BitmapRules rules_;
  CanonicalName apex_;
  uint32_t negative_ttl_ = 0;
  uint32_t soa_minimum_ = 0;
  SignedData sd_;
  std::vector<uint8_t> sig_;
  std::set<uint32_t> verified_keys_;
  std::mt19937_64 rng_;
  // align_with_batch: expirations clamped to [align_lo_, align_hi_] (absolute); 0: not aligned.
  uint64_t align_lo_ = 0, align_hi_ = 0;
  std::optional<uint32_t> earliest_made_;
};

}  // namespace signet
