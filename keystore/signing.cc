// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/signing.hh"

#include "keystore/sign_pool.hh"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "signer/error.hh"
#include "signer/nsec3.hh"
#include "signer/rrtype.hh"

namespace signet {

using codec::RRsetView;

bool signed_by_ksk(uint16_t t) {
  return t == rrtype::DNSKEY || t == rrtype::CDS || t == rrtype::CDNSKEY;
}

bool key_is_published(const codec::KeyRecord& k, uint64_t now) {
  return k.publish != 0 && k.publish <= now && (k.remove == 0 || now < k.remove);
}

bool key_is_active(const codec::KeyRecord& k, uint64_t now) {
  return k.activate != 0 && k.activate <= now && (k.inactive == 0 || now < k.inactive);
}

namespace {

bool is_key_type(uint16_t t) {
  return signed_by_ksk(t);
}

// FNV-1a: a stable spread of expirations per zone and RRset.
uint64_t jitter_seed(uint32_t zone_id, std::span<const uint8_t> rel, uint16_t type) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint8_t b) {
    h ^= b;
    h *= 1099511628211ull;
  };
  uint8_t zone_octets[4], type_octets[2];
  codec::store_u32(zone_octets, zone_id);
  codec::store_u16(type_octets, type);
  for (uint8_t b : zone_octets)
    mix(b);
  for (uint8_t b : rel)
    mix(to_lower_ascii(b));
  for (uint8_t b : type_octets)
    mix(b);
  return h;
}

struct SoaTimes {
  uint32_t ttl = 0, minimum = 0;
};

SoaTimes read_soa(Store& store, const lmdb::Txn& txn, const ZoneRecord& zone) {
  auto soa = store.get_rrset(txn, zone.id, {}, rrtype::SOA);
  if (!soa)
    throw Conflict("zone '" + zone.name.to_text() + "' has no SOA record");
  std::span<const uint8_t> rdata;
  auto it = soa->rdatas();
  it.next(rdata);
  SoaTimes t;
  t.ttl = soa->ttl;
  t.minimum = codec::soa_fields(rdata).minimum;
  return t;
}

}  // namespace

std::vector<uint8_t> chain_rrsig_owner(codec::Denial denial, std::span<const uint8_t> order,
                                       std::span<const uint8_t> owner) {
  if (denial == codec::Denial::kNsec)
    return std::vector<uint8_t>(owner.begin(), owner.end());
  std::string label = base32hex(order);
  std::vector<uint8_t> rel = {static_cast<uint8_t>(label.size())};
  rel.insert(rel.end(), label.begin(), label.end());
  return rel;
}

ZoneSigner::ZoneSigner(Store& store, lmdb::WriteTxn& txn, const ZoneRecord& zone,
                       codec::DnssecRecord& state, const SigningPolicy& policy,
                       std::vector<ActiveKey> keys, uint64_t now, BitmapRules rules)
    : store_(store),
      txn_(txn),
      zone_(zone),
      state_(state),
      policy_(policy),
      keys_(std::move(keys)),
      now_(now),
      rules_(rules),
      apex_(zone.name),
      rng_(now ^ zone.id) {
  bool zsk = false, ksk = false;
  for (const auto& k : keys_) {
    signers_.emplace_back(k.key);
    zsk |= k.signs_zone;
    ksk |= k.signs_keys;
  }
  if (!zsk || !ksk) {
    throw Conflict("zone '" + zone.name.to_text() + "' has no active " +
                   std::string(!zsk ? "zone-signing" : "key-signing") + " key");
  }
  SoaTimes soa = read_soa(store_, txn_, zone_);
  negative_ttl_ = std::min(soa.ttl, soa.minimum);
  soa_minimum_ = soa.minimum;
}

namespace {

// How much earlier than `validity` after signing a signature of owner/type expires: 0..jitter.
uint32_t expiration_spread(const SigningPolicy& policy, uint32_t zone_id,
                           std::span<const uint8_t> rel, uint16_t type) {
  if (!policy.jitter)
    return 0;
  uint64_t h = jitter_seed(zone_id, rel, type);
  uint32_t batch = policy.refresh_batch.value_or(kDefaultRefreshBatch);
  if (batch == 0 || batch >= policy.jitter)
    return static_cast<uint32_t>(h % (policy.jitter + 1u));
  // A batch narrower than the jitter: spread per RRset only within the batch (so one batch renews
  // the whole zone, and the zone stays one batch), and the rest per zone (so the portfolio still
  // spreads over the whole jitter). Type 0 has no signatures: its seed is the zone's own.
  uint64_t z = jitter_seed(zone_id, {}, 0);
  return static_cast<uint32_t>(z % (policy.jitter - batch + 1u) + h % (batch + 1u));
}

}  // namespace

uint32_t signature_expiration(const SigningPolicy& policy, uint32_t zone_id,
                              std::span<const uint8_t> rel, uint16_t type, uint64_t now) {
  return static_cast<uint32_t>(now + policy.validity -
                               expiration_spread(policy, zone_id, rel, type));
}

uint32_t refresh_batch(const SigningPolicy& policy, uint32_t window) {
  uint64_t used = uint64_t(policy.jitter) + window + kRefreshBatchMargin;
  uint64_t room = policy.validity > used ? policy.validity - used : 0;
  return static_cast<uint32_t>(
      std::min<uint64_t>(policy.refresh_batch.value_or(kDefaultRefreshBatch), room));
}

uint32_t ZoneSigner::expiration_for(std::span<const uint8_t> rel, uint16_t type) const {
  uint64_t e = now_ + policy_.validity - expiration_spread(policy_, zone_.id, rel, type);
  if (align_hi_)
    e = std::clamp(e, align_lo_, align_hi_);
  return static_cast<uint32_t>(e);
}

void ZoneSigner::align_with_batch() {
  // An edit re-signs only what it changed. With expirations of their own, those signatures would
  // come due on their own, days after the rest of the zone, and every day of edits would cost a
  // refresh (a serial change, a full transfer to every secondary) of its own later. Instead they
  // expire inside the zone's next batch: not before the earliest stored signature (so the schedule,
  // which follows it, stays right, and nothing reaches its refresh point before the zone is due),
  // not after the batch's end (so the next refresh renews them with the rest). A signature made
  // just before the zone is due thus lives only until that refresh: the price of one transfer.
  align_lo_ = align_hi_ = 0;
  if (!state_.next_refresh || !state_.earliest_expiry || state_.next_refresh <= now_)
    return;  // never scheduled, or due already: plain expirations
  // The 32-bit expiration as an absolute time near now (RFC 1982 window).
  int64_t until = static_cast<int32_t>(state_.earliest_expiry - static_cast<uint32_t>(now_));
  uint64_t earliest = static_cast<uint64_t>(static_cast<int64_t>(now_) + until);
  if (earliest <= state_.next_refresh || earliest > now_ + policy_.validity)
    return;  // a schedule from other timings (the policy changed): leave it to the refresher
  uint32_t batch = refresh_batch(policy_, static_cast<uint32_t>(earliest - state_.next_refresh));
  if (batch == 0)
    return;
  align_lo_ = earliest;
  align_hi_ = earliest + batch;
}

std::optional<std::vector<uint8_t>> sign_single(const Store& store, const lmdb::Txn& txn,
                                                const ZoneRecord& zone,
                                                const codec::DnssecRecord& state,
                                                const SigningPolicy& policy, const ActiveKey& key,
                                                std::span<const uint8_t> rel, uint16_t covered,
                                                uint64_t now) {
  if (is_key_type(covered) ? !key.signs_keys : !key.signs_zone)
    return std::nullopt;
  SoaTimes soa = read_soa(const_cast<Store&>(store), txn, zone);
  uint32_t ttl = 0;
  std::vector<std::vector<uint8_t>> rdatas;
  bool nsec3 = state.denial == codec::Denial::kNsec3;
  Nsec3Params p;
  p.flags = state.nsec3_flags;
  p.iterations = state.nsec3_iterations;
  p.salt = state.salt;
  if (covered == rrtype::NSEC || covered == rrtype::NSEC3) {
    if ((covered == rrtype::NSEC3) != nsec3)
      return std::nullopt;
    std::string prefix = codec::chain_prefix(zone.id, state.live_gen());
    std::string key_bytes = prefix;
    if (nsec3) {
      if (rel.empty() || rel[0] + 1u != rel.size())
        return std::nullopt;
      auto hash =
          from_base32hex(std::string_view(reinterpret_cast<const char*>(rel.data()) + 1, rel[0]));
      if (!hash || hash->size() != 20)
        return std::nullopt;
      key_bytes.append(reinterpret_cast<const char*>(hash->data()), hash->size());
    } else {
      codec::append_namekey(key_bytes, rel);
    }
    lmdb::Cursor c(txn, store.dbi().chain);
    if (!c.seek(key_bytes) || c.key() != key_bytes)
      return std::nullopt;
    codec::ChainLink link = codec::decode_link(c.value());
    if (!c.next() || !c.key_has_prefix(prefix))
      c.seek_prefix(prefix);
    std::string next_key(c.key());
    codec::ChainLink next = codec::decode_link(c.value());
    std::vector<uint8_t> bitmap = type_bitmap(link.types);
    if (nsec3) {
      rdatas.push_back(nsec3_rdata(p, codec::chain_key_hash(codec::as_bytes(next_key)), bitmap));
    } else {
      rdatas.push_back(nsec_rdata(Name::concat(next.owner, zone.name.lowered()), bitmap));
    }
    ttl = std::min(soa.ttl, soa.minimum);
  } else if (covered == rrtype::NSEC3PARAM) {
    if (!nsec3 || !rel.empty())
      return std::nullopt;
    rdatas.push_back(nsec3param_rdata(p));
    ttl = soa.minimum;
  } else {
    auto v = store.get_rrset(txn, zone.id, rel, covered);
    if (!v || !v->auth())
      return std::nullopt;
    ttl = v->ttl;
    auto it = v->rdatas();
    std::span<const uint8_t> r;
    while (it.next(r))
      rdatas.emplace_back(r.begin(), r.end());
  }
  CanonicalName owner(Name::concat(rel, zone.name));
  RrsigFields f;
  f.type_covered = covered;
  f.algorithm = algorithm_from_number(key.record.algorithm);
  f.labels = rrsig_labels(owner.name());
  f.original_ttl = ttl;
  f.inception = static_cast<uint32_t>(now - policy.inception_offset);
  f.expiration = signature_expiration(policy, zone.id, rel, covered, now);
  f.key_tag = key.record.tag;
  SignedData sd;
  sd.begin(f, CanonicalName(zone.name));
  for (const auto& r : rdatas)
    sd.add(owner, covered, ttl, r);
  std::vector<uint8_t> sig = key.key.sign(sd.bytes());
  // Signed on the query path: always check before it is served.
  if (!verify(f.algorithm, key.record.public_key, sd.bytes(), sig))
    return std::nullopt;
  return sd.rrsig_rdata(sig);
}

void ZoneSigner::check(const ActiveKey& key, std::span<const uint8_t> data,
                       std::span<const uint8_t> sig, const CanonicalName& owner, uint16_t type,
                       SignStats& st) {
  bool first = verified_keys_.insert(key.record.id).second;
  bool sample = policy_.verify_all || first ||
                std::uniform_real_distribution<double>(0, 1)(rng_) < policy_.verify_sample;
  if (!sample)
    return;
  ++st.verified;
  if (!verify(algorithm_from_number(key.record.algorithm), key.record.public_key, data, sig)) {
    throw Error("self-check failed: the signature by key " + std::to_string(key.record.tag) +
                " over " + owner.name().to_text() + " " + rrtype_to_text(type) + " in zone '" +
                zone_.name.to_text() + "' does not verify; nothing was changed");
  }
}

template <typename RdataRange>
void ZoneSigner::make_rrsig(const CanonicalName& owner, std::span<const uint8_t> rel_store,
                            uint16_t type, uint32_t ttl, const RdataRange& rdatas, SignStats& st) {
  RrsigFields f;
  f.type_covered = type;
  f.labels = rrsig_labels(owner.name());
  f.original_ttl = ttl;
  f.inception = static_cast<uint32_t>(now_ - policy_.inception_offset);
  f.expiration = expiration_for(rel_store, type);
  // Compared as distances from now (RFC 1982 arithmetic on the 32-bit field).
  uint32_t now32 = static_cast<uint32_t>(now_);
  if (!earliest_made_ ||
      static_cast<int32_t>(f.expiration - now32) < static_cast<int32_t>(*earliest_made_ - now32))
    earliest_made_ = f.expiration;
  for (size_t i = 0; i < keys_.size(); ++i) {
    const ActiveKey& k = keys_[i];
    if (is_key_type(type) ? !k.signs_keys : !k.signs_zone)
      continue;
    f.algorithm = algorithm_from_number(k.record.algorithm);
    f.key_tag = k.record.tag;
    sd_.begin(f, apex_);
    for (const auto& rd : rdatas)
      sd_.add(owner, type, ttl, rd);
    signers_[i].sign(sd_.bytes(), sig_);
    check(k, sd_.bytes(), sig_, owner, type, st);
    txn_.put(store_.dbi().rrsigs, codec::rrsig_key(zone_.id, rel_store, type, k.record.id),
             codec::encode_rrsig(ttl, sd_.rrsig_rdata(sig_)));
    ++st.signatures;
  }
}

std::vector<NameRow> rows_at(const Store& store, const lmdb::Txn& txn, uint32_t zone_id,
                             std::span<const uint8_t> rel) {
  std::vector<NameRow> rows;
  std::string prefix = codec::name_prefix(zone_id, rel);
  lmdb::Cursor c(txn, store.dbi().rrsets);
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    rows.push_back(
        NameRow{codec::rrset_key_type(c.key_bytes()), codec::rrset_value_flags(c.value())});
  }
  return rows;
}

std::optional<codec::ChainLink> chain_link_for(const codec::DnssecRecord& state,
                                               std::span<const uint8_t> rel,
                                               const std::vector<NameRow>& rows,
                                               const BitmapRules& rules) {
  bool nsec3 = state.denial == codec::Denial::kNsec3;
  bool opt_out = nsec3 && (state.nsec3_flags & 1);
  bool any_auth = false, has_ns = false, any_real = false;
  bool hidden_signed = false;  // an ALIAS left out of the bitmap; its RRSIG still counts
  codec::ChainLink link;
  for (const NameRow& r : rows) {
    bool auth = r.flags & codec::kAuth;
    any_auth |= auth;
    if (r.type == rrtype::NS)
      has_ns = true;
    if (r.type != rrtype::kEnt && (auth || r.type == rrtype::NS)) {
      any_real = true;
      if (r.type == rrtype::ALIAS && rules.expand_alias)
        hidden_signed |= auth;
      else
        link.types.push_back(r.type);
    }
  }
  // NSEC3 (tcpreceiver.cc doAXFR): a name is in the chain when one of its rows is authoritative
  // (empty non-terminals too) or, without opt-out, when it is a delegation. NSEC: any name with an
  // authoritative or NS row; empty non-terminals are not in an NSEC chain.
  bool member = nsec3 ? (any_auth || (has_ns && !opt_out)) : any_real;
  if (!member)
    return std::nullopt;
  if (nsec3) {
    if (rel.empty())
      link.types.push_back(rrtype::NSEC3PARAM);
    bool only_ns = link.types.size() == 1 && link.types[0] == rrtype::NS;
    // packethandler.cc emitNSEC3: RRSIG unless the bitmap is empty or only NS (RFC 5155 §7.1).
    // pdns sets it from the RRSIG rows too, so a name whose only data is a signed ALIAS that
    // expand-alias keeps out of the bitmap still gets it.
    if ((!link.types.empty() && !only_ns) || hidden_signed)
      link.types.push_back(rrtype::RRSIG);
  } else {
    link.types.push_back(rrtype::RRSIG);
    link.types.push_back(rrtype::NSEC);
  }
  std::sort(link.types.begin(), link.types.end());
  link.types.erase(std::unique(link.types.begin(), link.types.end()), link.types.end());
  link.owner.assign(rel.begin(), rel.end());
  for (auto& b : link.owner)
    b = to_lower_ascii(b);
  return link;
}

std::string ZoneSigner::chain_key(std::span<const uint8_t> rel) const {
  std::string k = codec::chain_prefix(zone_.id, state_.live_gen());
  if (state_.denial == codec::Denial::kNsec) {
    codec::append_namekey(k, rel);
  } else {
    Nsec3Hash h = nsec3_hash(CanonicalName(Name::concat(rel, zone_.name)), state_.salt,
                             state_.nsec3_iterations);
    k.append(reinterpret_cast<const char*>(h.data()), h.size());
  }
  return k;
}

void ZoneSigner::sign_rrset(std::span<const uint8_t> rel, uint16_t type, const RRsetView& v,
                            SignStats& st) {
  CanonicalName owner(Name::concat(rel, zone_.name));
  std::vector<std::span<const uint8_t>> rdatas;
  auto it = v.rdatas();
  std::span<const uint8_t> r;
  while (it.next(r))
    rdatas.push_back(r);
  make_rrsig(owner, rel, type, v.ttl, rdatas, st);
  ++st.rrsets;
}

void ZoneSigner::delete_rrsigs_at(std::span<const uint8_t> rel, bool keep_nsec) {
  std::string prefix = codec::name_prefix(zone_.id, rel);
  std::vector<std::string> doomed;
  lmdb::Cursor c(txn_, store_.dbi().rrsigs);
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    uint16_t covered = codec::split_rrsig_key(c.key_bytes()).covered;
    // The chain's own signatures (NSEC, NSEC3, and NSEC3PARAM at the apex) are kept: only the
    // chain code makes and removes them.
    if (keep_nsec &&
        (covered == rrtype::NSEC || covered == rrtype::NSEC3 || covered == rrtype::NSEC3PARAM))
      continue;
    doomed.emplace_back(c.key());
  }
  for (const auto& k : doomed)
    txn_.del(store_.dbi().rrsigs, k);
}

void ZoneSigner::sign_name(std::span<const uint8_t> rel, const std::vector<Row>& rows,
                           SignStats& st) {
  delete_rrsigs_at(rel, /*keep_nsec=*/true);
  for (const Row& row : rows) {
    if (row.type == rrtype::kEnt || !(row.flags & codec::kAuth))
      continue;
    auto v = txn_.find(store_.dbi().rrsets, codec::rrset_key(zone_.id, rel, row.type));
    if (!v)
      continue;
    // Copy: the RRSIG puts below may move the page the view points into.
    std::vector<uint8_t> copy(v->begin(), v->end());
    sign_rrset(rel, row.type, codec::decode_rrset(copy), st);
  }
}

void ZoneSigner::sign_link(const std::string& key, const codec::ChainLink& link, SignStats& st) {
  // The successor (cyclic) gives the NSEC next name or the NSEC3 next hash.
  std::string prefix = codec::chain_prefix(zone_.id, state_.live_gen());
  lmdb::Cursor c(txn_, store_.dbi().chain);
  if (!c.seek(key) || c.key() != key)
    throw CorruptionError("chain link vanished while signing");
  if (!c.next() || !c.key_has_prefix(prefix))
    c.seek_prefix(prefix);
  std::string next_key(c.key());
  codec::ChainLink next = codec::decode_link(c.value());
  std::span<const uint8_t> order = codec::chain_key_order(codec::as_bytes(key));
  std::vector<uint8_t> bitmap = type_bitmap(link.types);
  std::vector<uint8_t> rdata;
  std::vector<uint8_t> rel = chain_rrsig_owner(state_.denial, order, link.owner);
  if (state_.denial == codec::Denial::kNsec3) {
    Nsec3Hash next_hash = codec::chain_key_hash(codec::as_bytes(next_key));
    Nsec3Params p;
    p.flags = state_.nsec3_flags;
    p.iterations = state_.nsec3_iterations;
    p.salt = state_.salt;
    rdata = nsec3_rdata(p, next_hash, bitmap);
  } else {
    rdata = nsec_rdata(Name::concat(next.owner, apex_.name()), bitmap);
  }
  uint16_t type = state_.denial == codec::Denial::kNsec3 ? rrtype::NSEC3 : rrtype::NSEC;
  // Signatures by keys that no longer sign (a chunked re-sign under way) would not match the
  // record any more: they go with the others.
  std::string rp = codec::name_prefix(zone_.id, rel);
  codec::put_u16(rp, type);
  txn_.del_prefix(store_.dbi().rrsigs, rp);
  CanonicalName owner(Name::concat(rel, zone_.name));
  std::span<const uint8_t> one[1] = {rdata};
  make_rrsig(owner, rel, type, negative_ttl_, one, st);
  ++st.links;
}

void ZoneSigner::sign_nsec3param(SignStats& st) {
  std::string doomed_prefix = codec::name_prefix(zone_.id, {});
  std::vector<std::string> doomed;
  {
    lmdb::Cursor c(txn_, store_.dbi().rrsigs);
    for (bool ok = c.seek_prefix(doomed_prefix); ok;
         ok = c.next() && c.key_has_prefix(doomed_prefix)) {
      if (codec::split_rrsig_key(c.key_bytes()).covered == rrtype::NSEC3PARAM)
        doomed.emplace_back(c.key());
    }
  }
  for (const auto& k : doomed)
    txn_.del(store_.dbi().rrsigs, k);
  if (state_.denial != codec::Denial::kNsec3)
    return;
  Nsec3Params p;
  p.flags = state_.nsec3_flags;
  p.iterations = state_.nsec3_iterations;
  p.salt = state_.salt;
  std::vector<uint8_t> rdata = nsec3param_rdata(p);
  std::span<const uint8_t> one[1] = {rdata};
  // pdns answers NSEC3PARAM with the SOA MINIMUM as TTL (packethandler.cc addNSEC3PARAM).
  make_rrsig(apex_, {}, rrtype::NSEC3PARAM, soa_minimum_, one, st);
}

bool ZoneSigner::nsec3param_ttl_stale() {
  if (state_.denial != codec::Denial::kNsec3)
    return false;
  std::string prefix = codec::name_prefix(zone_.id, {});
  codec::put_u16(prefix, rrtype::NSEC3PARAM);
  lmdb::Cursor c(txn_, store_.dbi().rrsigs);
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    if (rrsig_original_ttl(codec::decode_rrsig_value(c.value()).rdata) != soa_minimum_)
      return true;
  }
  return false;
}

void ZoneSigner::resign_all_links(SignStats& st) {
  std::string prefix = codec::chain_prefix(zone_.id, state_.live_gen());
  std::vector<std::pair<std::string, codec::ChainLink>> links;
  lmdb::Cursor c(txn_, store_.dbi().chain);
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    links.emplace_back(std::string(c.key()), codec::decode_link(c.value()));
  }
  for (const auto& [k, l] : links)
    sign_link(k, l, st);
  state_.chain_ttl = negative_ttl_;
}

void ZoneSigner::strip(Store& store, lmdb::WriteTxn& txn, uint32_t zone_id) {
  std::string prefix = codec::zone_prefix(zone_id);
  txn.del_prefix(store.dbi().rrsigs, prefix);
  txn.del_prefix(store.dbi().chain, prefix);
}

void for_each_denial_record(
    const Store& store, const lmdb::Txn& txn, const ZoneRecord& zone,
    const codec::DnssecRecord& state,
    const std::function<void(const Name&, uint16_t, uint32_t, std::span<const uint8_t>)>& fn) {
  SoaTimes soa = read_soa(const_cast<Store&>(store), txn, zone);
  uint32_t neg = std::min(soa.ttl, soa.minimum);
  Nsec3Params p;
  p.flags = state.nsec3_flags;
  p.iterations = state.nsec3_iterations;
  p.salt = state.salt;
  bool nsec3 = state.denial == codec::Denial::kNsec3;
  if (nsec3)
    fn(zone.name, rrtype::NSEC3PARAM, soa.minimum, nsec3param_rdata(p));
  std::string cp = codec::chain_prefix(zone.id, state.live_gen());
  std::vector<std::pair<std::string, codec::ChainLink>> links;
  lmdb::Cursor c(txn, store.dbi().chain);
  for (bool ok = c.seek_prefix(cp); ok; ok = c.next() && c.key_has_prefix(cp)) {
    links.emplace_back(std::string(c.key()), codec::decode_link(c.value()));
  }
  Name apex_lc = zone.name.lowered();
  for (size_t i = 0; i < links.size(); ++i) {
    const auto& [key, link] = links[i];
    const auto& [nkey, next] = links[(i + 1) % links.size()];
    std::span<const uint8_t> order = codec::chain_key_order(codec::as_bytes(key));
    std::vector<uint8_t> bitmap = type_bitmap(link.types);
    std::vector<uint8_t> rdata;
    if (nsec3) {
      rdata = nsec3_rdata(p, codec::chain_key_hash(codec::as_bytes(nkey)), bitmap);
    } else {
      rdata = nsec_rdata(Name::concat(next.owner, apex_lc), bitmap);
    }
    Name owner = Name::concat(chain_rrsig_owner(state.denial, order, link.owner), apex_lc);
    fn(owner, nsec3 ? rrtype::NSEC3 : rrtype::NSEC, neg, rdata);
  }
}

// ------------------------------------------------------------------ sign_all

namespace {

struct Work {
  // An RRset to sign: offsets into the arena.
  size_t rel_off, rel_len;
  size_t val_off, val_len;
  uint16_t type;
};

struct LinkWork {
  std::vector<uint8_t> owner;  // relative, lower case
  std::vector<uint16_t> types;
  Nsec3Hash hash{};
  std::string order;  // chain order key suffix
};

}  // namespace

using sign_pool::ChunkOut;
using sign_pool::chunks_of;
using sign_pool::kChunk;
using sign_pool::sign_and_write;
using sign_pool::SignCtx;

SignStats ZoneSigner::sign_all(unsigned threads) {
  if (threads == 0)
    threads = 1;
  SignStats total;

  // 1. Scan the zone once: RRsets to sign (copied into one arena: LMDB pointers die at the first
  //    write) and the chain links, name by name.
  std::string arena;
  std::vector<Work> work;
  std::vector<LinkWork> links;
  {
    std::string prefix = codec::zone_prefix(zone_.id);
    lmdb::Cursor c(txn_, store_.dbi().rrsets);
    std::vector<Row> rows;
    std::string cur_name;  // namekey of the current group
    uint8_t labels[Name::kMaxWire];
    auto close_group = [&] {
      if (rows.empty())
        return;
      std::span<const uint8_t> nk(reinterpret_cast<const uint8_t*>(cur_name.data()),
                                  cur_name.size());
      size_t n = codec::decode_namekey(nk, labels);
      if (auto link = link_for({labels, n}, rows)) {
        LinkWork lw;
        lw.owner = std::move(link->owner);
        lw.types = std::move(link->types);
        links.push_back(std::move(lw));
      }
      rows.clear();
    };
    for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
      auto parts = codec::split_rrset_key(c.key_bytes());
      std::string_view nk(reinterpret_cast<const char*>(parts.namekey.data()),
                          parts.namekey.size());
      if (nk != cur_name || rows.empty()) {
        if (nk != cur_name) {
          close_group();
          cur_name.assign(nk);
        }
      }
      auto value = c.value();
      uint8_t flags = codec::rrset_value_flags(value);
      rows.push_back(Row{parts.type, flags});
      if (parts.type != rrtype::kEnt && (flags & codec::kAuth)) {
        // Owner labels, preserving nothing but what the key says (lower case): signatures use
        // the canonical owner anyway.
        size_t n = codec::decode_namekey(parts.namekey, labels);
        Work w{arena.size(), n, 0, value.size(), parts.type};
        arena.append(reinterpret_cast<const char*>(labels), n);
        w.val_off = arena.size();
        arena.append(reinterpret_cast<const char*>(value.data()), value.size());
        work.push_back(w);
      }
    }
    close_group();
  }

  // 2. Sign the RRsets (and hash the chain owners) on `threads` threads, while this thread
  //    writes each finished chunk of signatures into the store, in key order (so the B-tree fills
  //    sequentially), and signs chunks itself whenever the next one to write is not ready yet.
  bool nsec3 = state_.denial == codec::Denial::kNsec3;
  const uint8_t* base = reinterpret_cast<const uint8_t*>(arena.data());
  const size_t nkeys = keys_.size();
  std::vector<ChunkOut> out(chunks_of(work.size() + links.size()));
  std::atomic<size_t> verified{0}, sigs{0};
  auto make_ctx = [&](unsigned tid) { return SignCtx(keys_, now_ + tid * 7919 + zone_.id); };
  auto sample = [&](SignCtx& ctx, uint32_t key_id) {
    return policy_.verify_all || ctx.first.insert(key_id).second ||
           std::uniform_real_distribution<double>(0, 1)(ctx.rng) < policy_.verify_sample;
  };
  // Signs ctx.sd with key k, checks the signature when sampled (RRsets and chain alike) and puts
  // its RRSIG RDATA into slot `slot` of `co`; `what` names it for the error.
  auto sign_into = [&](SignCtx& ctx, size_t k, ChunkOut& co, size_t slot, auto&& what) {
    const ActiveKey& key = keys_[k];
    ctx.signers[k].sign(ctx.sd.bytes(), ctx.sig);
    if (sample(ctx, key.record.id)) {
      verified.fetch_add(1, std::memory_order_relaxed);
      if (!ctx.check(keys_, k, ctx.sd.bytes(), ctx.sig))
        throw Error("self-check failed: " + what() + " does not verify; nothing was changed");
    }
    uint32_t at = static_cast<uint32_t>(co.bytes.size());
    ctx.sd.append_rrsig_rdata(co.bytes, ctx.sig);
    co.spans[slot] = {at, static_cast<uint32_t>(co.bytes.size() - at)};
  };
  auto sign_rrsets = [&](SignCtx& ctx, size_t chunk) {
    size_t begin = chunk * kChunk, end = std::min(begin + kChunk, work.size() + links.size());
    ChunkOut& co = out[chunk];
    co.spans.assign((end - begin) * nkeys, {0, 0});
    for (size_t i = begin; i < end; ++i) {
      if (i >= work.size()) {
        LinkWork& lw = links[i - work.size()];
        if (nsec3) {
          lw.hash = nsec3_hash(CanonicalName(Name::concat(lw.owner, zone_.name)), state_.salt,
                               state_.nsec3_iterations);
          lw.order.assign(reinterpret_cast<const char*>(lw.hash.data()), lw.hash.size());
        } else {
          codec::append_namekey(lw.order, lw.owner);
        }
        continue;
      }
      const Work& w = work[i];
      std::span<const uint8_t> rel(base + w.rel_off, w.rel_len);
      RRsetView v = codec::decode_rrset({base + w.val_off, w.val_len});
      CanonicalName owner(Name::concat(rel, zone_.name));
      RrsigFields f;
      f.type_covered = w.type;
      f.labels = rrsig_labels(owner.name());
      f.original_ttl = v.ttl;
      f.inception = static_cast<uint32_t>(now_ - policy_.inception_offset);
      f.expiration = expiration_for(rel, w.type);
      for (size_t k = 0; k < nkeys; ++k) {
        const ActiveKey& key = keys_[k];
        if (is_key_type(w.type) ? !key.signs_keys : !key.signs_zone)
          continue;
        f.algorithm = algorithm_from_number(key.record.algorithm);
        f.key_tag = key.record.tag;
        ctx.sd.begin(f, apex_);
        auto it = v.rdatas();
        std::span<const uint8_t> r;
        while (it.next(r))
          ctx.sd.add(owner, w.type, v.ttl, r);
        sign_into(ctx, k, co, (i - begin) * nkeys + k, [&] {
          return "the signature by key " + std::to_string(key.record.tag) + " over " +
                 owner.name().to_text() + " " + rrtype_to_text(w.type);
        });
        sigs.fetch_add(1, std::memory_order_relaxed);
      }
    }
  };
  std::string key, value;
  auto write_rrsets = [&](size_t chunk) {
    ChunkOut& co = out[chunk];
    size_t begin = chunk * kChunk, end = std::min(begin + kChunk, work.size());
    for (size_t i = begin; i < end; ++i) {
      const Work& w = work[i];
      std::span<const uint8_t> rel(base + w.rel_off, w.rel_len);
      RRsetView v = codec::decode_rrset({base + w.val_off, w.val_len});
      for (size_t k = 0; k < nkeys; ++k) {
        auto [at, len] = co.spans[(i - begin) * nkeys + k];
        if (len == 0)
          continue;
        key = codec::rrsig_key(zone_.id, rel, w.type, keys_[k].record.id);
        codec::encode_rrsig_into(value, v.ttl,
                                 {reinterpret_cast<const uint8_t*>(co.bytes.data()) + at, len});
        txn_.put(store_.dbi().rrsigs, key, value);
      }
    }
    co = ChunkOut{};  // done with it: keep the peak memory at what is in flight
  };
  // The old signatures and chain go while the other threads already sign (the scan above reads
  // only the RRsets).
  sign_and_write(
      work.size() + links.size(), threads, make_ctx, sign_rrsets, write_rrsets,
      [&] { strip(store_, txn_, zone_.id); }, [] {});
  total.verified += verified.load();
  total.signatures += sigs.load();
  total.rrsets += work.size();
  out.clear();
  out.shrink_to_fit();

  // 3. The chain, in order, and its signatures: each link needs its successor's order, so the
  //    links are sorted first; then signed in parallel as above, this thread writing each chunk's
  //    chain records and signatures as soon as the chunk is signed.
  std::sort(links.begin(), links.end(),
            [](const LinkWork& a, const LinkWork& b) { return a.order < b.order; });
  for (size_t i = 1; i < links.size(); ++i) {
    if (links[i].order == links[i - 1].order) {
      throw Conflict("zone '" + zone_.name.to_text() +
                     "': two names hash to the same NSEC3 owner; change the salt");
    }
  }
  const std::string prefix = codec::chain_prefix(zone_.id, state_.live_gen());
  const uint16_t ctype = nsec3 ? rrtype::NSEC3 : rrtype::NSEC;
  Nsec3Params params;
  params.flags = state_.nsec3_flags;
  params.iterations = state_.nsec3_iterations;
  params.salt = state_.salt;
  std::vector<ChunkOut> lout(chunks_of(links.size()));
  auto make_link_ctx = [&](unsigned tid) { return SignCtx(keys_, now_ + tid * 104729 + zone_.id); };
  auto sign_links = [&](SignCtx& ctx, size_t chunk) {
    size_t begin = chunk * kChunk, end = std::min(begin + kChunk, links.size());
    ChunkOut& co = lout[chunk];
    co.spans.assign((end - begin) * nkeys, {0, 0});
    for (size_t i = begin; i < end; ++i) {
      const LinkWork& lw = links[i];
      const LinkWork& nx = links[(i + 1) % links.size()];
      std::vector<uint8_t> bitmap = type_bitmap(lw.types);
      std::vector<uint8_t> rdata = nsec3 ? nsec3_rdata(params, nx.hash, bitmap)
                                         : nsec_rdata(Name::concat(nx.owner, apex_.name()), bitmap);
      std::vector<uint8_t> rel = chain_rrsig_owner(
          state_.denial, {reinterpret_cast<const uint8_t*>(lw.order.data()), lw.order.size()},
          lw.owner);
      CanonicalName owner(Name::concat(rel, zone_.name));
      RrsigFields f;
      f.type_covered = ctype;
      f.labels = rrsig_labels(owner.name());
      f.original_ttl = negative_ttl_;
      f.inception = static_cast<uint32_t>(now_ - policy_.inception_offset);
      f.expiration = expiration_for(rel, ctype);
      for (size_t k = 0; k < nkeys; ++k) {
        const ActiveKey& key = keys_[k];
        if (!key.signs_zone)
          continue;
        f.algorithm = algorithm_from_number(key.record.algorithm);
        f.key_tag = key.record.tag;
        ctx.sd.begin(f, apex_);
        ctx.sd.add(owner, ctype, negative_ttl_, rdata);
        sign_into(ctx, k, co, (i - begin) * nkeys + k, [&] {
          return "the " + rrtype_to_text(ctype) + " signature by key " +
                 std::to_string(key.record.tag);
        });
      }
    }
  };
  auto write_links = [&](size_t chunk) {
    ChunkOut& co = lout[chunk];
    size_t begin = chunk * kChunk, end = std::min(begin + kChunk, links.size());
    for (size_t i = begin; i < end; ++i) {
      const LinkWork& lw = links[i];
      codec::ChainLink l{lw.owner, lw.types};
      key.assign(prefix);
      key.append(lw.order);
      txn_.put(store_.dbi().chain, key, codec::encode_link(l));
      std::vector<uint8_t> rel = chain_rrsig_owner(
          state_.denial, {reinterpret_cast<const uint8_t*>(lw.order.data()), lw.order.size()},
          lw.owner);
      for (size_t k = 0; k < nkeys; ++k) {
        auto [at, len] = co.spans[(i - begin) * nkeys + k];
        if (len == 0)
          continue;
        key = codec::rrsig_key(zone_.id, rel, ctype, keys_[k].record.id);
        codec::encode_rrsig_into(value, negative_ttl_,
                                 {reinterpret_cast<const uint8_t*>(co.bytes.data()) + at, len});
        txn_.put(store_.dbi().rrsigs, key, value);
        ++total.signatures;
      }
    }
    co = ChunkOut{};
  };
  verified.store(0);
  sign_and_write(
      links.size(), threads, make_link_ctx, sign_links, write_links, [] {}, [] {});
  total.verified += verified.load();
  total.links += links.size();
  sign_nsec3param(total);
  state_.chain_ttl = negative_ttl_;
  return total;
}

// ------------------------------------------------------------------ update

SignStats ZoneSigner::update(const std::vector<Name>& names, const std::vector<Name>& subtrees,
                             bool chain_only) {
  SignStats st;
  // Every name to look at, in canonical order (namekey order), deduplicated.
  std::map<std::string, std::vector<uint8_t>> todo;  // namekey -> relative labels
  auto add = [&](std::span<const uint8_t> rel) {
    std::string nk;
    codec::append_namekey(nk, rel);
    todo.emplace(nk, std::vector<uint8_t>(rel.begin(), rel.end()));
  };
  for (const Name& n : names)
    add(n.relative_to(zone_.name));
  for (const Name& n : subtrees) {
    std::string prefix = codec::subtree_prefix(zone_.id, n.relative_to(zone_.name));
    lmdb::Cursor c(txn_, store_.dbi().rrsets);
    uint8_t labels[Name::kMaxWire];
    for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
      auto parts = codec::split_rrset_key(c.key_bytes());
      size_t len = codec::decode_namekey(parts.namekey, labels);
      add({labels, len});
    }
    add(n.relative_to(zone_.name));
  }

  std::string prefix = codec::chain_prefix(zone_.id, state_.live_gen());
  std::set<std::string> dirty;     // chain keys whose record changed
  std::vector<std::string> moved;  // chain keys that appeared or disappeared
  for (const auto& [nk, rel] : todo) {
    auto rows = rows_at(rel);
    if (!chain_only)
      sign_name(rel, rows, st);
    auto link = link_for(rel, rows);
    std::string key = chain_key(rel);
    auto old = txn_.find(store_.dbi().chain, key);
    std::optional<codec::ChainLink> old_link;
    if (old)
      old_link = codec::decode_link(*old);
    if (old_link == link)
      continue;
    if (link) {
      txn_.put(store_.dbi().chain, key, codec::encode_link(*link));
      dirty.insert(key);
      if (!old_link)
        moved.push_back(key);
    } else {
      txn_.del(store_.dbi().chain, key);
      std::vector<uint8_t> rrsig_rel = chain_rrsig_owner(
          state_.denial, codec::chain_key_order(codec::as_bytes(key)), old_link->owner);
      uint16_t ctype = state_.denial == codec::Denial::kNsec3 ? rrtype::NSEC3 : rrtype::NSEC;
      std::string rp = codec::name_prefix(zone_.id, rrsig_rel);
      codec::put_u16(rp, ctype);
      txn_.del_prefix(store_.dbi().rrsigs, rp);
      moved.push_back(key);
    }
  }
  // A link that appeared or vanished changes its predecessor's "next" (the chain is cyclic: the
  // first link's predecessor is the last).
  auto predecessor = [&](const std::string& key) -> std::optional<std::string> {
    lmdb::Cursor c(txn_, store_.dbi().chain);
    bool ok = c.seek_before(key) && c.key_has_prefix(prefix);
    if (!ok) {
      std::string end = prefix;
      end.back() = static_cast<char>(end.back() + 1);
      ok = (c.seek(end) ? c.prev() : c.last()) && c.key_has_prefix(prefix);
    }
    if (!ok)
      return std::nullopt;
    return std::string(c.key());
  };
  for (const auto& key : moved) {
    if (auto p = predecessor(key))
      dirty.insert(*p);
  }
  if (!chain_only && negative_ttl_ != state_.chain_ttl) {
    resign_all_links(st);
    sign_nsec3param(st);
    return st;
  }
  // The NSEC3PARAM TTL is the SOA MINIMUM alone, not the negative TTL (RFC 5155 §4 leaves it
  // open; pdns answers with the MINIMUM): an SOA edit that changes the MINIMUM but not
  // min(TTL, MINIMUM) still needs it signed again.
  if (!chain_only && todo.count(std::string()) && nsec3param_ttl_stale())
    sign_nsec3param(st);
  for (const auto& key : dirty) {
    auto v = txn_.find(store_.dbi().chain, key);
    if (!v)
      continue;
    codec::ChainLink l = codec::decode_link(*v);
    sign_link(key, l, st);
  }
  return st;
}

// ------------------------------------------------------------------ refresh

ZoneSigner::RefreshPlan ZoneSigner::plan_refresh(size_t limit, bool continuing) {
  std::set<uint32_t> active;
  for (const auto& k : keys_)
    active.insert(k.record.id);
  // The names owning a signature that is due (expiring within the refresh window, or made by a key
  // that no longer signs), and those owning one that would come due within the batch after it.
  const uint32_t due_by = static_cast<uint32_t>(now_ + policy_.refresh);
  const uint32_t batch_by = due_by + refresh_batch(policy_, policy_.refresh);
  std::string prefix = codec::zone_prefix(zone_.id);
  RefreshPlan plan;
  std::set<std::string> batch_names;
  bool chain_batch = false;
  {
    lmdb::Cursor c(txn_, store_.dbi().rrsigs);
    for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
      auto key = codec::split_rrsig_key(c.key_bytes());
      // Only the expiration matters here: read it in place (a large zone is scanned whole).
      auto expiration = rrsig_expiration(codec::decode_rrsig_value(c.value()).rdata);
      bool due = !expiration || !active.count(key.key_id) || !time_before(due_by, *expiration);
      if (!due && time_before(batch_by, *expiration))
        continue;
      if (key.covered == rrtype::NSEC || key.covered == rrtype::NSEC3 ||
          key.covered == rrtype::NSEC3PARAM) {
        (due ? plan.chain : chain_batch) = true;
        continue;
      }
      (due ? plan.names : batch_names)
          .emplace(reinterpret_cast<const char*>(key.namekey.data()), key.namekey.size());
      if (plan.names.size() >= limit)
        break;
    }
  }
  if (plan.empty() && !continuing)
    return plan;  // nothing reached its refresh point: the batch waits for the zone to be due
  for (auto it = batch_names.begin(); it != batch_names.end() && plan.names.size() < limit; ++it)
    plan.names.insert(*it);
  plan.chain |= chain_batch;
  return plan;
}

SignStats ZoneSigner::refresh(const RefreshPlan& plan) {
  SignStats st;
  std::set<std::string> names = plan.names;
  names.insert(std::string());  // the apex (its namekey is empty): the SOA serial changed
  uint8_t labels[Name::kMaxWire];
  for (const auto& nk : names) {
    size_t n = codec::decode_namekey(codec::as_bytes(nk), labels);
    std::span<const uint8_t> rel(labels, n);
    sign_name(rel, rows_at(rel), st);
  }
  if (plan.chain) {
    resign_all_links(st);
    sign_nsec3param(st);
  }
  return st;
}

}  // namespace signet
