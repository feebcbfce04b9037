// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/signing_service.hh"

#include "keystore/presigned_zones.hh"

#include <algorithm>
#include <random>
#include <set>
#include <thread>

#include "keystore/zone_ds.hh"
#include "signer/error.hh"
#include "signer/rrsig.hh"
#include "signer/rrtype.hh"

namespace signet {

using codec::DnssecRecord;
using codec::KeyRecord;

namespace {

unsigned default_threads() {
  return std::max(1u, std::thread::hardware_concurrency());
}

// Whether the stored apex RRset of `type` is exactly `rdatas` with `ttl` (both empty: equal).
bool same_rrset(const Store& store, const lmdb::Txn& txn, uint32_t zone_id, uint16_t type,
                uint32_t ttl, std::vector<std::vector<uint8_t>> rdatas) {
  auto v = store.get_rrset(txn, zone_id, {}, type);
  if (!v)
    return rdatas.empty();
  std::vector<std::vector<uint8_t>> stored;
  auto it = v->rdatas();
  std::span<const uint8_t> r;
  while (it.next(r))
    stored.emplace_back(r.begin(), r.end());
  std::sort(stored.begin(), stored.end());
  std::sort(rdatas.begin(), rdatas.end());
  rdatas.erase(std::unique(rdatas.begin(), rdatas.end()), rdatas.end());
  return v->ttl == ttl && stored == rdatas;
}

Conflict not_secured(const ZoneRecord& zone, const char* hint) {
  return Conflict("zone '" + zone.name.to_text() + "' is not secured" + hint);
}

}  // namespace

void SigningService::bump_serial(Store& store, lmdb::WriteTxn& txn, ZoneRecord& zone,
                                 uint64_t now) {
  ZoneWriter w(store, txn, zone, now);
  w.request_serial_bump();
  w.force_change();
  w.finish();
}

std::string SigningService::denial_text(const DnssecRecord& st) {
  if (st.denial == codec::Denial::kNsec)
    return "NSEC";
  Nsec3Params p;
  p.flags = st.nsec3_flags;
  p.iterations = st.nsec3_iterations;
  p.salt = st.salt;
  return "NSEC3 " + nsec3_params_text(p);
}

// ------------------------------------------------------------------ whole-zone signing

SigningService::Secured SigningService::secure(lmdb::WriteTxn& txn, ZoneRecord& zone,
                                               const SigningPolicy& policy, unsigned threads,
                                               bool own_policy) {
  if (state_.find(txn, zone.id))
    throw Conflict("zone '" + zone.name.to_text() + "' is already secured");
  if (is_presigned(store_, txn, zone.id)) {
    throw Conflict("zone '" + zone.name.to_text() +
                   "' is presigned: its primary signs it (pdnsutil unset-presigned first)");
  }
  if (!store_.get_rrset(txn, zone.id, {}, rrtype::SOA)) {
    throw Conflict("zone '" + zone.name.to_text() + "' has no SOA record; load its data first");
  }
  uint64_t now = clock_.now();
  bool submits = policy.ds_submission != SigningPolicy::DsSubmission::kNone;
  Secured out;
  auto add = [&](KeyRole role) {
    KeyRecord k = keys_.generate(txn, zone, role, policy.algorithm, policy.rsa_bits, now, now);
    if (key_signs_keys(k) && submits) {
      // The parent needs the first DS too: the key manager submits it after this commit and
      // watches the parent until every server serves it.
      k.ds_submitted = now;
      keys_.put(txn, k);
    }
    out.keys.push_back(k);
  };
  if (policy.csk) {
    add(KeyRole::kCsk);
  } else {
    add(KeyRole::kKsk);
    add(KeyRole::kZsk);
  }
  DnssecRecord st;
  st.denial = policy.denial == DenialMode::kNsec ? codec::Denial::kNsec : codec::Denial::kNsec3;
  st.nsec3_flags = policy.nsec3.flags;
  st.nsec3_iterations = policy.nsec3.iterations;
  st.salt = policy.nsec3.salt;
  st.policy = own_policy ? policy.name : "";
  st.secured_at = now;
  state_.put(txn, zone.id, st);
  events_.record(txn, zone, "zone-secured",
                 Json{{"policy", policy.name},
                      {"inherited", !own_policy},
                      {"denial", st.denial == codec::Denial::kNsec ? "NSEC" : "NSEC3"}});
  for (const auto& k : out.keys) {
    events_.record(txn, zone, "key-generated", key_detail(k));
    events_.record(txn, zone, "key-published", key_detail(k));
    events_.record(txn, zone, "key-activated", key_detail(k));
  }
  publish_keys(txn, zone, policy, now);
  bump_serial(store_, txn, zone, now);
  out.stats = sign_all(txn, zone, st, policy, now, threads);
  if (submits) {
    auto before = state_.rollover(txn, zone.id);
    auto after = before;
    for (const auto& k : out.keys) {
      if (key_signs_keys(k))
        after.submit_key = k.id;
    }
    after.next_submit = now;
    state_.put_rollover(txn, zone.id, before, after);
  }
  return out;
}

void SigningService::unsecure(lmdb::WriteTxn& txn, ZoneRecord& zone) {
  if (!state_.find(txn, zone.id))
    throw not_secured(zone, "");
  uint64_t now = clock_.now();
  events_.record(txn, zone, "zone-unsecured");
  for (const auto& k : keys_.list(txn, zone.id))
    events_.record(txn, zone, "key-removed", key_detail(k));
  keys_.remove_all(txn, zone.id);
  ZoneSigner::strip(store_, txn, zone.id);
  state_.erase(txn, zone.id);
  ZoneWriter w(store_, txn, zone, now);
  w.allow_managed_keys();
  w.remove(zone.name, rrtype::DNSKEY);
  w.remove(zone.name, rrtype::CDS);
  w.remove(zone.name, rrtype::CDNSKEY);
  w.request_serial_bump();
  w.finish();
}

SignStats SigningService::sign(lmdb::WriteTxn& txn, ZoneRecord& zone, unsigned threads) {
  auto st = state_.find(txn, zone.id);
  if (!st)
    throw not_secured(zone, " (use secure-zone)");
  uint64_t now = clock_.now();
  SigningPolicy policy = policies_.for_zone(txn, zone, *st);
  publish_keys(txn, zone, policy, now);
  bump_serial(store_, txn, zone, now);
  return sign_all(txn, zone, *st, policy, now, threads);
}

SignStats SigningService::set_denial(lmdb::WriteTxn& txn, ZoneRecord& zone,
                                     std::optional<Nsec3Params> nsec3, unsigned threads) {
  auto st = state_.find(txn, zone.id);
  if (!st)
    throw not_secured(zone, " (use secure-zone)");
  events_.record(txn, zone, "denial-changed",
                 Json{{"before", denial_text(*st)},
                      {"after", nsec3 ? "NSEC3 " + nsec3_params_text(*nsec3) : "NSEC"}});
  st->denial = nsec3 ? codec::Denial::kNsec3 : codec::Denial::kNsec;
  st->nsec3_flags = nsec3 ? nsec3->flags : 0;
  st->nsec3_iterations = nsec3 ? nsec3->iterations : 0;
  st->salt = nsec3 ? nsec3->salt : std::vector<uint8_t>();
  // sign() strips every chain generation and builds this one.
  st->chain_gen = static_cast<uint8_t>(st->denial);
  state_.put(txn, zone.id, *st);
  // One transaction: the old chain and its signatures go, the new ones arrive; readers see
  // either, never a zone without a signed chain.
  return sign(txn, zone, threads);
}

// RFC 4035 §2.2: every RRset of a signed zone carries an RRSIG of each algorithm in the apex
// DNSKEY RRset. A KSK of an algorithm no active ZSK or CSK has leaves the data without that
// algorithm's signatures, a ZSK of an algorithm no KSK or CSK has leaves the DNSKEY RRset
// without them: validators that follow the rule strictly fail the zone.
void SigningService::require_algorithm_partner(const lmdb::Txn& txn, const ZoneRecord& zone,
                                               uint8_t algorithm, KeyRole role) const {
  if (role == KeyRole::kCsk)
    return;
  uint64_t now = clock_.now();
  bool want_keys = role == KeyRole::kZsk;  // the partner must sign what this key does not
  for (const auto& k : keys_.list(txn, zone.id)) {
    if (k.algorithm == algorithm && key_is_active(k, now) &&
        (want_keys ? key_signs_keys(k) : key_signs_zone(k)))
      return;
  }
  std::string alg = std::to_string(algorithm);
  throw InputError("zone " + zone.name.to_text() + ": a " + key_role_name(role) + " of algorithm " +
                   alg + " needs an active " + (want_keys ? "ksk or csk" : "zsk or csk") +
                   " of algorithm " + alg +
                   " in the zone (RFC 4035 section 2.2: every RRset is signed with every "
                   "algorithm of the DNSKEY RRset); import it as csk, or change algorithms "
                   "with a policy (algorithm rollover)");
}

KeyRecord SigningService::import_key(lmdb::WriteTxn& txn, ZoneRecord& zone, const PrivateKey& key,
                                     KeyRole role) {
  if (!state_.find(txn, zone.id))
    throw not_secured(zone, " (use secure-zone first)");
  require_algorithm_partner(txn, zone, static_cast<uint8_t>(key.algorithm()), role);
  KeyRecord rec = keys_.add(txn, zone, key, role, clock_.now());
  events_.record(txn, zone, "key-imported", key_detail(rec));
  events_.record(txn, zone, "key-published", key_detail(rec));
  events_.record(txn, zone, "key-activated", key_detail(rec));
  begin_resign(txn, zone);
  return rec;
}

// ------------------------------------------------------------------ chunked whole-zone work

void SigningService::begin_resign(lmdb::WriteTxn& txn, ZoneRecord& zone) {
  auto st = state_.find(txn, zone.id);
  if (!st)
    throw not_secured(zone, " (use secure-zone)");
  uint64_t now = clock_.now();
  SigningPolicy policy = policies_.for_zone(txn, zone, *st);
  publish_keys(txn, zone, policy, now);
  bump_serial(store_, txn, zone, now);
  // Every signature made before now (and every one by a key that does not sign now) is replaced.
  st->resign_inception = std::max<uint64_t>(1, now - policy.inception_offset);
  st->lease_until = now + kWorkLease;
  ZoneSigner signer(store_, txn, zone, *st, policy, keys_.active(txn, zone, now), now, rules_);
  signer.update({zone.name}, {});
  signer.sign_nsec3param();
  file_resume(txn, zone.id, *st, now);
}

uint8_t SigningService::free_generation(const lmdb::Txn& txn, uint32_t zone_id,
                                        const DnssecRecord& st) const {
  for (unsigned g = 1; g < 256; ++g) {
    if (g == st.live_gen() || g == st.gc_gen || g == st.pending_gen)
      continue;
    std::string prefix = codec::chain_prefix(zone_id, static_cast<uint8_t>(g));
    lmdb::Cursor c(txn, store_.dbi().chain);
    if (!c.seek_prefix(prefix))
      return static_cast<uint8_t>(g);
  }
  throw CorruptionError("zone #" + std::to_string(zone_id) + ": no free chain generation");
}

bool SigningService::begin_denial(lmdb::WriteTxn& txn, ZoneRecord& zone,
                                  std::optional<Nsec3Params> nsec3) {
  auto st = state_.find(txn, zone.id);
  if (!st)
    throw not_secured(zone, " (use secure-zone)");
  DnssecRecord want = *st;
  want.denial = nsec3 ? codec::Denial::kNsec3 : codec::Denial::kNsec;
  want.nsec3_flags = nsec3 ? nsec3->flags : 0;
  want.nsec3_iterations = nsec3 ? nsec3->iterations : 0;
  want.salt = nsec3 ? nsec3->salt : std::vector<uint8_t>();
  auto same = [](codec::Denial d, uint8_t f, uint16_t i, const std::vector<uint8_t>& s,
                 const DnssecRecord& w) {
    return d == w.denial && (d == codec::Denial::kNsec ||
                             (f == w.nsec3_flags && i == w.nsec3_iterations && s == w.salt));
  };
  bool live = same(st->denial, st->nsec3_flags, st->nsec3_iterations, st->salt, want);
  bool under_way =
      st->pending_gen && !st->then_nsec3 &&
      same(st->pending_denial, st->pending_flags, st->pending_iterations, st->pending_salt, want);
  if (under_way || (live && !st->pending_gen))
    return under_way;
  events_.record(txn, zone, "denial-changed",
                 Json{{"before", denial_text(*st)}, {"after", denial_text(want)}});
  if (st->pending_gen) {
    // A chain under construction for other parameters is abandoned: it becomes garbage.
    if (st->gc_gen) {
      throw Conflict("zone '" + zone.name.to_text() +
                     "': an earlier denial change is still being cleaned up; run "
                     "'signetutil refresh " +
                     zone.name.to_text() + "' and try again");
    }
    st->gc_gen = st->pending_gen;
    st->gc_denial = st->pending_denial;
    st->pending_gen = 0;
    st->then_nsec3 = false;
  }
  uint64_t now = clock_.now();
  if (!live) {
    st->pending_denial = want.denial;
    st->pending_flags = want.nsec3_flags;
    st->pending_iterations = want.nsec3_iterations;
    st->pending_salt = want.salt;
    if (st->denial == codec::Denial::kNsec3 && want.denial == codec::Denial::kNsec3 &&
        want.salt == st->salt && want.nsec3_iterations == st->nsec3_iterations) {
      // Only the flags differ: the new chain would hash to the live owners, and its RRSIGs
      // would replace the live chain's before the switch. Go through a random salt first
      // (RFC 5155 §10.5 allows any); the switch to it starts the chain with the wanted salt.
      std::random_device rd;
      st->pending_salt.resize(8);
      for (auto& b : st->pending_salt)
        b = static_cast<uint8_t>(rd());
      st->then_nsec3 = true;
      st->then_salt = want.salt;
    }
    st->pending_gen = free_generation(txn, zone.id, *st);
  }
  st->lease_until = now + kWorkLease;
  file_resume(txn, zone.id, *st, now);
  return true;
}

void SigningService::file_resume(lmdb::WriteTxn& txn, uint32_t zone_id, DnssecRecord& st,
                                 uint64_t now) {
  // The refresher of any process resumes the work if this one dies (once the lease has passed).
  uint64_t at = now + kWorkLease;
  if (st.next_refresh && st.next_refresh < at)
    at = st.next_refresh;
  state_.put_scheduled(txn, zone_id, st, at, st.earliest_expiry);
}

SignStats SigningService::sign_all(lmdb::WriteTxn& txn, ZoneRecord& zone, DnssecRecord& state,
                                   const SigningPolicy& policy, uint64_t now, unsigned threads) {
  ZoneSigner signer(store_, txn, zone, state, policy, keys_.active(txn, zone, now), now, rules_);
  SignStats s = signer.sign_all(threads ? threads : default_threads());
  // Everything is signed again and every chain generation but the live one is gone: no chunked
  // work is left (a process still driving some stops at its next chunk).
  state.pending_gen = 0;
  state.gc_gen = 0;
  state.then_nsec3 = false;
  state.resign_inception = 0;
  state.lease_until = 0;
  schedule(txn, zone, state, policies_.effective(txn, zone, state));
  note_signers(txn, zone.id, now);
  return s;
}

// ------------------------------------------------------------------ keeping signatures fresh

SignStats SigningService::refresh(lmdb::WriteTxn& txn, ZoneRecord& zone, size_t limit, bool finish,
                                  size_t signed_before) {
  auto st = state_.find(txn, zone.id);
  if (!st)
    return {};
  uint64_t now = clock_.now();
  SigningPolicy policy = policies_.effective(txn, zone, *st);
  ZoneSigner signer(store_, txn, zone, *st, policy, keys_.active(txn, zone, now), now, rules_);
  // Due signatures and those coming due within the refresh batch (rrsig-refresh-batch), at most
  // `limit` names per part; once a part committed (refresh_open), the rest of the batch.
  ZoneSigner::RefreshPlan plan = signer.plan_refresh(limit, st->refresh_open);
  SignStats s;
  if (!finish) {
    if (plan.empty())
      return s;
    s = signer.refresh(plan);
    // Committed without a serial bump: recorded, so that the part that finishes the refresh
    // bumps it even if this process is killed before then and another one finishes.
    if (!st->refresh_open) {
      st->refresh_open = true;
      state_.put(txn, zone.id, *st);
    }
    return s;
  }
  if (!plan.empty() || signed_before > 0 || st->refresh_open) {
    st->refresh_open = false;
    // New signatures change what AXFR returns: secondaries must see a new serial (RFC 1982). It
    // goes up first, so the refresh signs the new SOA with the rest.
    bump_serial(store_, txn, zone, now);
    s = signer.refresh(plan);
    events_.record(txn, zone, "signatures-refreshed",
                   Json{{"signatures", s.signatures + signed_before}, {"serial", zone.serial}});
  }
  schedule(txn, zone, *st, policy);
  return s;
}

void SigningService::schedule(lmdb::WriteTxn& txn, const ZoneRecord& zone, DnssecRecord& state,
                              const SigningPolicy& policy, std::optional<uint32_t> known) {
  uint64_t now = clock_.now();
  uint32_t earliest = known ? *known : earliest_expiration(txn, zone.id);
  uint64_t next = now + 3600;
  if (earliest) {
    // The 32-bit expiration as an absolute time near now (RFC 1982 window).
    int64_t until = static_cast<int32_t>(earliest - static_cast<uint32_t>(now));
    uint64_t expires = static_cast<uint64_t>(static_cast<int64_t>(now) + until);
    next = expires > policy.refresh ? expires - policy.refresh : now;
    uint32_t soa_expire = zone_soa(store_, txn, zone.id).expire;
    if (until < static_cast<int64_t>(soa_expire)) {
      events_.warn("zone '" + zone.name.to_text() + "': the earliest signature expires in " +
                   std::to_string(until / 3600) + " h, inside the SOA EXPIRE horizon (" +
                   std::to_string(soa_expire / 3600) +
                   " h): a secondary cut off from the primary would serve expired signatures; "
                   "raise the policy's validity or lower SOA EXPIRE");
    }
  }
  if (next < now)
    next = now;
  state_.put_scheduled(txn, zone.id, state, next, earliest);
}

void SigningService::schedule_edit(lmdb::WriteTxn& txn, const ZoneRecord& zone, DnssecRecord& state,
                                   uint32_t made) {
  if (!state.next_refresh || !state.earliest_expiry)
    return;
  // The 32-bit expirations as absolute times near now (RFC 1982 window).
  uint64_t now = clock_.now();
  auto absolute = [&](uint32_t t) {
    return static_cast<uint64_t>(static_cast<int64_t>(now) +
                                 static_cast<int32_t>(t - static_cast<uint32_t>(now)));
  };
  uint64_t earliest = absolute(state.earliest_expiry), made_at = absolute(made);
  if (made_at >= earliest || earliest <= state.next_refresh)
    return;
  // The window as schedule() applied it: its earliest expiry minus its refresh time.
  uint64_t window = earliest - state.next_refresh;
  uint64_t next = made_at > now + window ? made_at - window : now;
  state_.put_scheduled(txn, zone.id, state, next, made);
}

void SigningService::note_signers(lmdb::WriteTxn& txn, uint32_t zone_id, uint64_t now) {
  auto before = state_.rollover(txn, zone_id);
  auto after = before;
  after.signers = keys_.signer_ids(txn, zone_id, now);
  if (!after.next_wakeup)
    after.next_wakeup = now;  // new to the key manager: let it look at the zone
  state_.put_rollover(txn, zone_id, before, after);
}

uint32_t SigningService::earliest_expiration(const lmdb::Txn& txn, uint32_t zone_id) const {
  uint32_t now = static_cast<uint32_t>(clock_.now());
  std::optional<uint32_t> best;
  std::string prefix = codec::zone_prefix(zone_id);
  lmdb::Cursor c(txn, store_.dbi().rrsigs);
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    // Only the expiration matters here: read it in place (a large zone is scanned whole).
    auto expiration = rrsig_expiration(codec::decode_rrsig_value(c.value()).rdata);
    if (!expiration)
      continue;
    // Compare as distances from now (RFC 1982 arithmetic on the 32-bit field).
    if (!best || static_cast<int32_t>(*expiration - now) < static_cast<int32_t>(*best - now))
      best = *expiration;
  }
  return best.value_or(0);
}

std::optional<std::vector<uint8_t>> SigningService::sign_now(const lmdb::Txn& txn, uint32_t zone_id,
                                                             std::span<const uint8_t> rel,
                                                             uint16_t covered, uint32_t key_id) {
  auto st = state_.find(txn, zone_id);
  auto zone = store_.zone_by_id(txn, zone_id);
  if (!st || !zone)
    return std::nullopt;
  auto kv = txn.find(store_.dbi().keys, codec::u32_pair_key(zone_id, key_id));
  if (!kv)
    return std::nullopt;
  KeyRecord k = codec::decode_key(zone_id, key_id, *kv);
  uint64_t now = clock_.now();
  if (!key_is_active(k, now))
    return std::nullopt;
  ActiveKey a = keys_.unsealed(txn, *zone, k);
  return sign_single(store_, txn, *zone, *st, policies_.for_zone(txn, *zone, *st), a, rel, covered,
                     now);
}

// ------------------------------------------------------------------ the key RRsets

void SigningService::check_anchored(const ZoneRecord& zone, const std::vector<KeyRecord>& keys,
                                    uint64_t now) const {
  // RFC 4035 §5: validation starts from a DS at the parent. If the parent is known to serve the DS
  // of some of our keys, the DNSKEY RRset must stay signed by one of them.
  std::vector<const KeyRecord*> anchored;
  for (const auto& k : keys) {
    if (k.ds_seen && !k.ds_gone)
      anchored.push_back(&k);
  }
  if (anchored.empty() || std::any_of(anchored.begin(), anchored.end(), [&](const KeyRecord* k) {
        return key_signs_keys(*k) && key_is_active(*k, now);
      })) {
    return;
  }
  std::string tags;
  for (const auto* k : anchored)
    tags += (tags.empty() ? "" : ", ") + std::to_string(k->tag);
  throw Conflict("zone '" + zone.name.to_text() +
                 "': refusing a key set whose DNSKEY RRset would not be signed "
                 "by a key the parent's DS points to (key tags " +
                 tags + ")");
}

std::vector<KeyRecord> SigningService::keys_to_publish(const lmdb::Txn& txn, uint32_t zone_id,
                                                       std::vector<KeyRecord> keys,
                                                       uint64_t now) const {
  // signers: the keys of the last complete signing. Every RRset carries a signature by each of
  // them that signs its type (a chunked re-sign under way replaces them one RRset at a time).
  std::vector<uint32_t> signers = state_.rollover(txn, zone_id).signers;
  if (signers.empty())
    return keys;  // never signed completely under the key manager: the timings alone decide
  auto in_signers = [&](const KeyRecord& k) {
    return std::find(signers.begin(), signers.end(), k.id) != signers.end();
  };
  std::set<uint8_t> signed_algorithms;
  for (const auto& k : keys) {
    if (in_signers(k))
      signed_algorithms.insert(k.algorithm);
  }
  std::set<std::vector<uint8_t>> served;
  if (auto v = store_.get_rrset(txn, zone_id, {}, rrtype::DNSKEY)) {
    auto it = v->rdatas();
    std::span<const uint8_t> r;
    while (it.next(r))
      served.emplace(r.begin(), r.end());
  }
  // A new algorithm's key appears only once a complete signing included it (RFC 6781 §4.1.4).
  for (auto& k : keys) {
    if (!signed_algorithms.count(k.algorithm) && !served.count(dnskey_of(k)))
      k.publish = 0;
  }
  // A signer past its remove time stays while no other published signer makes the same kind of
  // signatures: until a complete re-sign has replaced its signatures, some RRset may carry no
  // other (RFC 7583 §3.3: a key leaves only after its signatures did).
  for (auto& k : keys) {
    if (!in_signers(k) || !k.remove || now < k.remove)
      continue;
    auto other = [&](bool (*makes)(const KeyRecord&)) {
      return std::any_of(keys.begin(), keys.end(), [&](const KeyRecord& o) {
        return o.id != k.id && in_signers(o) && key_is_published(o, now) && makes(o);
      });
    };
    if ((key_signs_zone(k) && !other(key_signs_zone)) ||
        (key_signs_keys(k) && !other(key_signs_keys)))
      k.remove = 0;
  }
  return keys;
}

bool SigningService::publish_keys(lmdb::WriteTxn& txn, ZoneRecord& zone,
                                  const SigningPolicy& policy, uint64_t now) {
  auto all = keys_.list(txn, zone.id);
  check_anchored(zone, all, now);
  bool going_insecure = state_.rollover(txn, zone.id).going_insecure;
  KeyRrsets want = key_rrsets(all, policy, going_insecure, zone.name, now);
  // The DNSKEY RRset follows the signatures as they are (CDS/CDNSKEY follow the key timings).
  want.dnskey =
      key_rrsets(keys_to_publish(txn, zone.id, all, now), policy, going_insecure, zone.name, now)
          .dnskey;
  uint32_t ttl = policy.dnskey_ttl;
  if (same_rrset(store_, txn, zone.id, rrtype::DNSKEY, ttl, want.dnskey) &&
      same_rrset(store_, txn, zone.id, rrtype::CDS, ttl, want.cds) &&
      same_rrset(store_, txn, zone.id, rrtype::CDNSKEY, ttl, want.cdnskey)) {
    return false;
  }
  ZoneWriter w(store_, txn, zone, now);
  w.allow_managed_keys();
  w.replace(zone.name, rrtype::DNSKEY, ttl, want.dnskey);
  w.replace(zone.name, rrtype::CDS, ttl, want.cds);
  w.replace(zone.name, rrtype::CDNSKEY, ttl, want.cdnskey);
  w.finish();
  return true;
}

void SigningService::resign_apex(lmdb::WriteTxn& txn, ZoneRecord& zone,
                                 const SigningPolicy& policy) {
  auto st = state_.find(txn, zone.id);
  if (!st)
    return;
  uint64_t now = clock_.now();
  bump_serial(store_, txn, zone, now);
  ZoneSigner signer(store_, txn, zone, *st, policy, keys_.active(txn, zone, now), now, rules_);
  signer.update({zone.name}, {});
  schedule(txn, zone, *st, policies_.effective(txn, zone, *st));
}

// ------------------------------------------------------------------ edits

void SigningService::after_edit(lmdb::WriteTxn& txn, ZoneRecord& zone, ZoneWriter& writer,
                                const ZoneEdit& edit) {
  auto st = state_.find(txn, zone.id);
  if (!st)
    return;
  uint64_t now = clock_.now();
  SigningPolicy policy = policies_.for_zone(txn, zone, *st);
  if (edit.replaced) {
    // The replacement wiped the key RRsets with everything else: publish them again, sign all.
    publish_keys(txn, zone, policy, now);
    sign_all(txn, zone, *st, policy, now, 0);
    return;
  }
  std::vector<Name> names = edit.names;
  if (!writer.soa_changed()) {
    // Re-signing changes what AXFR returns: bump the serial so secondaries follow.
    writer.bump_serial_now();
  }
  names.push_back(zone.name);
  auto keys = keys_.active(txn, zone, now);
  ZoneSigner signer(store_, txn, zone, *st, policy, keys, now, rules_);
  // The new signatures join the zone's next refresh batch rather than start one of their own.
  signer.align_with_batch();
  signer.update(names, edit.subtrees);
  if (st->pending_gen) {
    // A chain under construction (keystore/resign.hh) follows every edit too, so that it is
    // complete when it is switched to.
    DnssecRecord pending = codec::pending_view(*st);
    ZoneSigner chain(store_, txn, zone, pending, policy, std::move(keys), now, rules_);
    chain.align_with_batch();
    chain.update(names, edit.subtrees, /*chain_only=*/true);
  }
  if (auto made = signer.earliest_made())
    schedule_edit(txn, zone, *st, *made);
  state_.put(txn, zone.id, *st);
}

bool SigningService::manages_keys(const lmdb::Txn& txn, const ZoneRecord& zone) {
  return state_.find(txn, zone.id).has_value();
}

void SigningService::after_move(lmdb::WriteTxn& txn, const ZoneRecord& zone,
                                uint32_t from_tenant_id) {
  size_t n = keys_.reseal(txn, zone, from_tenant_id);
  if (n == 0)
    return;
  auto from = store_.tenant_by_id(txn, from_tenant_id);
  events_.record(txn, zone, "keys-resealed",
                 Json{{"keys", n},
                      {"from_tenant", from ? from->name : std::string()},
                      {"from_tenant_id", from_tenant_id}});
}

}  // namespace signet
