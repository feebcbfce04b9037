// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/resign.hh"

#include <algorithm>
#include <atomic>
#include <optional>
#include <set>
#include <thread>

#include "keystore/sign_pool.hh"
#include "keystore/signing_service.hh"
#include "signer/error.hh"
#include "signer/nsec3.hh"
#include "signer/rrsig.hh"
#include "signer/rrtype.hh"

namespace signet {

using codec::DnssecRecord;
using Steady = std::chrono::steady_clock;

namespace {

unsigned default_threads() {
  return std::max(1u, std::thread::hardware_concurrency());
}

// min(SOA TTL, SOA MINIMUM): the TTL of the chain's records (signing.hh); 0 without an SOA.
uint32_t negative_ttl_of(const Store& store, const lmdb::Txn& txn, uint32_t zone_id) {
  auto soa = store.get_rrset(txn, zone_id, {}, rrtype::SOA);
  if (!soa)
    return 0;
  std::span<const uint8_t> r;
  auto it = soa->rdatas();
  it.next(r);
  return std::min(soa->ttl, codec::soa_fields(r).minimum);
}

// The denial parameters and generation of a chain view (the live one, or codec::pending_view).
bool same_chain(const DnssecRecord& a, const DnssecRecord& b) {
  return a.live_gen() == b.live_gen() && a.denial == b.denial && a.nsec3_flags == b.nsec3_flags &&
         a.nsec3_iterations == b.nsec3_iterations && a.salt == b.salt;
}

Nsec3Params params_of(const DnssecRecord& v) {
  Nsec3Params p;
  p.flags = v.nsec3_flags;
  p.iterations = v.nsec3_iterations;
  p.salt = v.salt;
  return p;
}

// The inception field of an RRSIG RDATA (RFC 4034 §3.1: after type, algorithm, labels, TTL and
// expiration).
uint32_t rrsig_inception(std::span<const uint8_t> rdata) {
  return rdata.size() >= 16 ? codec::load_u32(rdata.data() + 12) : 0;
}

// Whether the RRSIGs stored under `prefix` (one RRset's or one chain record's) are exactly one by
// each key of `want` (sorted ids), none made before `since` (inception).
bool signed_since(lmdb::Cursor& c, const std::string& prefix, const std::vector<uint32_t>& want,
                  uint32_t since) {
  std::vector<uint32_t> have;
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    auto v = codec::decode_rrsig_value(c.value());
    if (time_before(rrsig_inception(v.rdata), since))
      return false;
    have.push_back(codec::split_rrsig_key(c.key_bytes()).key_id);
  }
  return have == want;  // rrsig keys end with the key id, big-endian: ascending
}

std::string_view as_view(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// The chain record after `key` in its generation, cyclically (the first after the last).
std::optional<std::string> successor(const lmdb::Txn& txn, MDB_dbi chain, const std::string& prefix,
                                     const std::string& key) {
  lmdb::Cursor c(txn, chain);
  if (!c.seek(key) || c.key() != key)
    return std::nullopt;
  if (!(c.next() && c.key_has_prefix(prefix)) && !c.seek_prefix(prefix))
    return std::nullopt;
  return std::string(c.key());
}

// An RRset to re-sign, copied out of the snapshot into an arena.
struct RrsetItem {
  size_t key_off, key_len;  // the rrsets key (also the prefix of its RRSIG keys)
  size_t val_off, val_len;  // the rrset value as the snapshot had it
  size_t rel_off, rel_len;  // owner labels relative to the apex
  uint16_t type;
};

// A chain record to sign, with the successor its NSEC/NSEC3 RDATA names.
struct LinkItem {
  std::string key, value, next_key;
  codec::ChainLink link;
  std::vector<uint8_t> next_owner;
  std::vector<uint8_t> rrsig_rel;  // the RRSIG owner: the owner (NSEC) or hash label (NSEC3)
};

}  // namespace

// One run over a zone's pending work (keystore/resign.hh).
class ChunkedWork {
 public:
  ChunkedWork(SigningService& svc, uint32_t zone_id, unsigned threads, const ChunkHook& hook,
              const ChunkLimits& limits)
      : svc_(svc),
        store_(svc.store_),
        zone_id_(zone_id),
        threads_(threads ? threads : default_threads()),
        hook_(hook),
        limits_(limits) {}

  SignStats run();

 private:
  using Still = std::function<bool(const DnssecRecord&)>;

  // ---- the write side: one open transaction at a time, bounded by limits_
  // Opens the chunk's transaction unless open; false when the zone's state no longer says what
  // `still` expects (the work changed under us: the caller stops this step).
  bool open(const Still& still);
  bool full() const {
    return items_ >= limits_.chunk_items || Steady::now() - started_ >= limits_.chunk_time;
  }
  // Renews the lease, commits, reports.
  void commit();
  void commit_if_open() {
    if (txn_)
      commit();
  }
  void abandon() { txn_.reset(); }

  // ---- the steps; each returns false when it stopped because the state changed
  bool collect_garbage(uint8_t gen, codec::Denial denial);
  bool build_chain(const DnssecRecord& view);
  bool write_rows(const DnssecRecord& view);
  bool sign_links(const DnssecRecord& view, bool pending, bool only_stale, uint32_t since,
                  uint32_t& ttl_used);
  bool switch_chain(const DnssecRecord& view, uint32_t ttl);
  bool resign_rrsets(uint64_t since);
  bool finish_resign(uint64_t since);
  void schedule();

  // Replaces the signatures stored under `prefix` (owner and covered type) with those the chunk
  // `co` holds for its item `item`: one per key that made one, in the order of `keys`.
  void put_signatures(std::string_view prefix, const sign_pool::ChunkOut& co, size_t item,
                      const std::vector<ActiveKey>& keys, uint32_t ttl, std::string& value) {
    txn_->del_prefix(store_.dbi().rrsigs, prefix);
    for (size_t k = 0; k < keys.size(); ++k) {
      auto [at, len] = co.spans[item * keys.size() + k];
      if (len == 0)
        continue;
      std::string key(prefix);
      codec::put_u32(key, keys[k].record.id);
      codec::encode_rrsig_into(value, ttl,
                               {reinterpret_cast<const uint8_t*>(co.bytes.data()) + at, len});
      txn_->put(store_.dbi().rrsigs, key, value);
      ++stats_.signatures;
    }
  }
  std::vector<ActiveKey> active_keys(const lmdb::Txn& txn, const ZoneRecord& zone, uint64_t now) {
    return svc_.keys_.active(txn, zone, now);
  }
  void phase(const char* name) {
    phase_ = name;
    phase_items_ = 0;
  }

  SigningService& svc_;
  Store& store_;
  uint32_t zone_id_;
  unsigned threads_;
  const ChunkHook& hook_;
  ChunkLimits limits_;
  SignStats stats_;

  std::optional<lmdb::WriteTxn> txn_;
  ZoneRecord zone_;  // as read inside the open transaction
  DnssecRecord st_;  // as read inside the open transaction; written back at commit
  Still still_;
  Steady::time_point started_;
  size_t items_ = 0;
  size_t chunks_ = 0;
  std::string phase_;
  size_t phase_items_ = 0;
};

bool ChunkedWork::open(const Still& still) {
  if (txn_)
    return true;
  txn_.emplace(store_.env());
  auto zone = store_.zone_by_id(*txn_, zone_id_);
  auto st = zone ? svc_.state_.find(*txn_, zone_id_) : std::nullopt;
  if (!st || !still(*st)) {
    txn_.reset();
    return false;
  }
  zone_ = *zone;
  st_ = *st;
  still_ = still;
  started_ = Steady::now();
  items_ = 0;
  return true;
}

void ChunkedWork::commit() {
  uint64_t now = svc_.clock_.now();
  st_.lease_until = st_.has_pending_work() ? now + kWorkLease : 0;
  svc_.state_.put(*txn_, zone_id_, st_);
  auto held = Steady::now() - started_;
  txn_->commit();
  txn_.reset();
  // LMDB's writer lock is a process-shared mutex, and such mutexes are not fair: a loop that
  // commits and begins again at once takes it back before a woken waiter runs, and on a busy
  // machine another process's edit waited out a whole chain build (160 s at 1M records). So
  // the writer stays free for a quarter of the time it was held (10 to 50 ms) after every chunk:
  // a woken waiter on a loaded machine needs a scheduler slice (several ms) before it can take
  // the lock, and with less, one writer among several lost every handoff of a 4 s build.
  std::this_thread::sleep_for(std::clamp<Steady::duration>(held / 4, std::chrono::milliseconds(10),
                                                           std::chrono::milliseconds(50)));
  ++chunks_;
  phase_items_ += items_;
  if (hook_)
    hook_(ChunkProgress{phase_, phase_items_, chunks_});
}

// ------------------------------------------------------------------ garbage

// Deletes an old chain generation and the RRSIGs of its records, a bounded number per
// transaction; the last transaction forgets the generation.
bool ChunkedWork::collect_garbage(uint8_t gen, codec::Denial denial) {
  phase("garbage");
  const std::string prefix = codec::chain_prefix(zone_id_, gen);
  const uint16_t ctype = denial == codec::Denial::kNsec3 ? rrtype::NSEC3 : rrtype::NSEC;
  for (;;) {
    if (!open([&](const DnssecRecord& s) { return s.gc_gen == gen; }))
      return false;
    std::vector<std::pair<std::string, codec::ChainLink>> doomed;
    {
      lmdb::Cursor c(*txn_, store_.dbi().chain);
      for (bool ok = c.seek_prefix(prefix); ok && doomed.size() < limits_.chunk_items;
           ok = c.next() && c.key_has_prefix(prefix))
        doomed.emplace_back(std::string(c.key()), codec::decode_link(c.value()));
    }
    for (const auto& [key, link] : doomed) {
      std::vector<uint8_t> rel =
          chain_rrsig_owner(denial, codec::chain_key_order(codec::as_bytes(key)), link.owner);
      std::string rp = codec::name_prefix(zone_id_, rel);
      codec::put_u16(rp, ctype);
      txn_->del_prefix(store_.dbi().rrsigs, rp);
      txn_->del(store_.dbi().chain, key);
      ++items_;
    }
    bool done = doomed.size() < limits_.chunk_items;
    if (done)
      st_.gc_gen = 0;
    commit();
    if (done)
      return true;
  }
}

// ------------------------------------------------------------------ a new chain

// Phase 1: the records of the new generation, name by name, each computed inside the write
// transaction from the data as it is then (what an edit changed meanwhile, the edit's own
// transaction already wrote into this generation too).
bool ChunkedWork::write_rows(const DnssecRecord& view) {
  phase("chain");
  const bool nsec3 = view.denial == codec::Denial::kNsec3;
  const std::string prefix = codec::chain_prefix(zone_id_, view.live_gen());
  auto still = [&](const DnssecRecord& s) {
    return s.pending_gen && s.gc_gen == 0 && same_chain(codec::pending_view(s), view);
  };
  std::string resume = codec::zone_prefix(zone_id_);
  bool first = true;
  for (;;) {
    // Prepare outside the write lock: the next names and their chain order (the NSEC3 hash).
    std::vector<std::pair<std::vector<uint8_t>, std::string>> names;  // relative labels, key
    Name apex;
    {
      auto rtxn = store_.begin_read();
      auto zone = store_.zone_by_id(rtxn, zone_id_);
      auto st = zone ? svc_.state_.find(rtxn, zone_id_) : std::nullopt;
      if (!st || !still(*st))
        return false;
      apex = zone->name;
      std::string zp = codec::zone_prefix(zone_id_);
      lmdb::Cursor c(rtxn, store_.dbi().rrsets);
      std::string last_nk;
      uint8_t labels[Name::kMaxWire];
      bool ok = c.seek(resume) && c.key_has_prefix(zp);
      if (ok && !first && c.key() == resume)
        ok = c.next() && c.key_has_prefix(zp);
      for (; ok; ok = c.next() && c.key_has_prefix(zp)) {
        auto parts = codec::split_rrset_key(c.key_bytes());
        std::string_view nk = as_view(parts.namekey);
        if (!names.empty() && nk == last_nk)
          continue;
        if (names.size() >= limits_.batch)
          break;
        last_nk.assign(nk);
        size_t n = codec::decode_namekey(parts.namekey, labels);
        names.emplace_back(std::vector<uint8_t>(labels, labels + n), std::string());
        resume.assign(c.key());
      }
      // Continue after the last row of the last name taken.
      std::string last_name_end = codec::zone_prefix(zone_id_) + last_nk;
      last_name_end.push_back('\0');
      last_name_end.append("\xff\xff", 2);
      if (!names.empty())
        resume = last_name_end;
    }
    first = false;
    for (auto& [rel, key] : names) {
      key = prefix;
      if (nsec3) {
        Nsec3Hash h =
            nsec3_hash(CanonicalName(Name::concat(rel, apex)), view.salt, view.nsec3_iterations);
        key.append(reinterpret_cast<const char*>(h.data()), h.size());
      } else {
        codec::append_namekey(key, rel);
      }
    }
    for (const auto& [rel, key] : names) {
      if (!open(still))
        return false;
      auto link = chain_link_for(view, rel, rows_at(store_, *txn_, zone_id_, rel), svc_.rules_);
      if (link)
        txn_->put(store_.dbi().chain, key, codec::encode_link(*link));
      else
        txn_->del(store_.dbi().chain, key);
      ++items_;
      if (full())
        commit();
    }
    commit_if_open();
    if (names.size() < limits_.batch)
      return true;
  }
}

// Phase 2 (and the chain half of a re-sign): every record of the chain `view` (or, with
// `only_stale`, those not signed by exactly the active keys since `since`) signed from a
// snapshot on the signing threads, written where record and successor are still as signed.
bool ChunkedWork::sign_links(const DnssecRecord& view, bool pending, bool only_stale,
                             uint32_t since, uint32_t& ttl_used) {
  phase(pending ? "chain signatures" : "re-sign");
  const bool nsec3 = view.denial == codec::Denial::kNsec3;
  const uint16_t ctype = nsec3 ? rrtype::NSEC3 : rrtype::NSEC;
  const std::string prefix = codec::chain_prefix(zone_id_, view.live_gen());
  const Nsec3Params params = params_of(view);
  std::string resume = prefix;
  bool first = true;
  for (;;) {
    std::vector<LinkItem> items;
    std::vector<ActiveKey> keys;
    uint32_t ttl = 0;
    Name apex;
    SigningPolicy policy;
    uint64_t now = svc_.clock_.now();
    bool at_end = false;
    {
      auto rtxn = store_.begin_read();
      auto zone = store_.zone_by_id(rtxn, zone_id_);
      auto st = zone ? svc_.state_.find(rtxn, zone_id_) : std::nullopt;
      if (!st || !same_chain(pending ? codec::pending_view(*st) : *st, view) ||
          (pending && (!st->pending_gen || st->gc_gen)))
        return false;
      apex = zone->name;
      ttl = negative_ttl_of(store_, rtxn, zone_id_);
      policy = svc_.policies_.effective(rtxn, *zone, *st);
      keys = active_keys(rtxn, *zone, now);
      std::vector<uint32_t> want;
      for (const auto& k : keys) {
        if (k.signs_zone)
          want.push_back(k.record.id);
      }
      std::sort(want.begin(), want.end());
      lmdb::Cursor c(rtxn, store_.dbi().chain);
      lmdb::Cursor sigs(rtxn, store_.dbi().rrsigs);
      bool ok = c.seek(resume) && c.key_has_prefix(prefix);
      if (ok && !first && c.key() == resume)
        ok = c.next() && c.key_has_prefix(prefix);
      for (; ok && items.size() < limits_.batch; ok = c.next() && c.key_has_prefix(prefix)) {
        resume.assign(c.key());
        LinkItem it;
        it.key.assign(c.key());
        it.link = codec::decode_link(c.value());
        it.rrsig_rel =
            chain_rrsig_owner(view.denial, codec::chain_key_order(c.key_bytes()), it.link.owner);
        if (only_stale) {
          std::string rp = codec::name_prefix(zone_id_, it.rrsig_rel);
          codec::put_u16(rp, ctype);
          if (signed_since(sigs, rp, want, since))
            continue;
        }
        it.value.assign(as_view(c.value()));
        items.push_back(std::move(it));
      }
      at_end = !ok;
      // Successors: the next item, or the record after the last one in the snapshot.
      for (size_t i = 0; i < items.size(); ++i) {
        auto next = successor(rtxn, store_.dbi().chain, prefix, items[i].key);
        if (!next)
          throw CorruptionError("chain record vanished from a snapshot");
        items[i].next_key = *next;
        auto nv = rtxn.find(store_.dbi().chain, *next);
        items[i].next_owner = codec::decode_link(*nv).owner;
      }
    }
    first = false;
    ttl_used = ttl;
    if (!items.empty()) {
      const CanonicalName capex(apex);
      const Name apex_lc = apex.lowered();
      const size_t nkeys = keys.size();
      std::vector<sign_pool::ChunkOut> out(sign_pool::chunks_of(items.size()));
      std::atomic<size_t> verified{0};
      auto make_ctx = [&](unsigned tid) {
        return sign_pool::SignCtx(keys, now + tid * 104729 + zone_id_);
      };
      auto sign = [&](sign_pool::SignCtx& ctx, size_t chunk) {
        size_t begin = chunk * sign_pool::kChunk,
               end = std::min(begin + sign_pool::kChunk, items.size());
        auto& co = out[chunk];
        co.spans.assign((end - begin) * nkeys, {0, 0});
        for (size_t i = begin; i < end; ++i) {
          const LinkItem& it = items[i];
          std::vector<uint8_t> bitmap = type_bitmap(it.link.types);
          std::vector<uint8_t> rdata =
              nsec3
                  ? nsec3_rdata(params, codec::chain_key_hash(codec::as_bytes(it.next_key)), bitmap)
                  : nsec_rdata(Name::concat(it.next_owner, apex_lc), bitmap);
          CanonicalName owner(Name::concat(it.rrsig_rel, apex));
          RrsigFields f;
          f.type_covered = ctype;
          f.labels = rrsig_labels(owner.name());
          f.original_ttl = ttl;
          f.inception = static_cast<uint32_t>(now - policy.inception_offset);
          f.expiration = signature_expiration(policy, zone_id_, it.rrsig_rel, ctype, now);
          for (size_t k = 0; k < nkeys; ++k) {
            if (!keys[k].signs_zone)
              continue;
            f.algorithm = algorithm_from_number(keys[k].record.algorithm);
            f.key_tag = keys[k].record.tag;
            ctx.sd.begin(f, capex);
            ctx.sd.add(owner, ctype, ttl, rdata);
            ctx.signers[k].sign(ctx.sd.bytes(), ctx.sig);
            if (policy.verify_all || ctx.first.insert(keys[k].record.id).second ||
                std::uniform_real_distribution<double>(0, 1)(ctx.rng) < policy.verify_sample) {
              verified.fetch_add(1, std::memory_order_relaxed);
              if (!ctx.check(keys, k, ctx.sd.bytes(), ctx.sig))
                throw Error("self-check failed: the " + rrtype_to_text(ctype) +
                            " signature by key " + std::to_string(keys[k].record.tag) +
                            " does not verify");
            }
            uint32_t at = static_cast<uint32_t>(co.bytes.size());
            ctx.sd.append_rrsig_rdata(co.bytes, ctx.sig);
            co.spans[(i - begin) * nkeys + k] = {at, static_cast<uint32_t>(co.bytes.size() - at)};
          }
        }
      };
      auto still = [&](const DnssecRecord& s) {
        if (pending)
          return s.pending_gen && s.gc_gen == 0 && same_chain(codec::pending_view(s), view);
        return same_chain(s, view);
      };
      bool stopped = false;
      std::string value;
      auto write = [&](size_t chunk) {
        auto& co = out[chunk];
        size_t begin = chunk * sign_pool::kChunk,
               end = std::min(begin + sign_pool::kChunk, items.size());
        for (size_t i = begin; i < end && !stopped; ++i) {
          if (!open(still) || negative_ttl_of(store_, *txn_, zone_id_) != ttl) {
            abandon();
            stopped = true;
            break;
          }
          const LinkItem& it = items[i];
          auto cur = txn_->find(store_.dbi().chain, it.key);
          if (cur && as_view(*cur) == it.value &&
              successor(*txn_, store_.dbi().chain, prefix, it.key) == it.next_key) {
            std::string rp = codec::name_prefix(zone_id_, it.rrsig_rel);
            codec::put_u16(rp, ctype);
            put_signatures(rp, co, i - begin, keys, ttl, value);
            ++stats_.links;
          }
          ++items_;
          if (full())
            commit();
        }
        co = sign_pool::ChunkOut{};
      };
      sign_pool::sign_and_write(
          items.size(), threads_, make_ctx, sign, write, [] {}, [&] { commit_if_open(); });
      commit_if_open();
      stats_.verified += verified.load();
      if (stopped)
        return false;
    }
    if (at_end)
      return true;
  }
}

// The one short transaction that makes a complete new chain the live one: parameters and
// generation flip, the apex (SOA with a new serial, NSEC3PARAM) is signed again, and the old
// generation becomes garbage.
bool ChunkedWork::switch_chain(const DnssecRecord& view, uint32_t ttl) {
  phase("switch");
  if (!open([&](const DnssecRecord& s) {
        return s.pending_gen && s.gc_gen == 0 && same_chain(codec::pending_view(s), view);
      }))
    return false;
  if (negative_ttl_of(store_, *txn_, zone_id_) != ttl) {
    abandon();  // the SOA changed the chain's TTL meanwhile: sign the chain again first
    return false;
  }
  uint64_t now = svc_.clock_.now();
  DnssecRecord& st = st_;
  st.gc_gen = st.live_gen();
  st.gc_denial = st.denial;
  st.denial = view.denial;
  st.nsec3_flags = view.nsec3_flags;
  st.nsec3_iterations = view.nsec3_iterations;
  st.salt = view.salt;
  st.chain_gen = view.live_gen();
  st.chain_ttl = ttl;
  st.pending_gen = 0;
  if (st.then_nsec3) {
    // The second half of a flags-only change (SigningService::begin_denial).
    st.then_nsec3 = false;
    st.pending_denial = codec::Denial::kNsec3;
    st.pending_flags = st.nsec3_flags;
    st.pending_iterations = st.nsec3_iterations;
    st.pending_salt = st.then_salt;
    st.then_salt.clear();
    st.pending_gen = svc_.free_generation(*txn_, zone_id_, st);
  }
  SigningService::bump_serial(store_, *txn_, zone_, now);
  SigningPolicy policy = svc_.policies_.for_zone(*txn_, zone_, st);
  ZoneSigner signer(store_, *txn_, zone_, st, policy, active_keys(*txn_, zone_, now), now,
                    svc_.rules_);
  stats_ += signer.update({zone_.name}, {});
  stats_ += signer.sign_nsec3param();
  svc_.events_.record(*txn_, zone_, "denial-switched",
                      Json{{"denial", SigningService::denial_text(st)}});
  ++items_;
  commit();
  return true;
}

bool ChunkedWork::build_chain(const DnssecRecord& view) {
  if (!write_rows(view))
    return false;
  uint32_t ttl = 0;
  if (!sign_links(view, /*pending=*/true, /*only_stale=*/false, 0, ttl))
    return false;
  return switch_chain(view, ttl);
}

// ------------------------------------------------------------------ re-sign

// Every authoritative RRset not signed by exactly the active keys since `since`, signed from a
// snapshot on the signing threads and written where the RRset is still byte for byte the one
// signed (an RRset edited meanwhile was signed by the edit's transaction with the same keys).
bool ChunkedWork::resign_rrsets(uint64_t since) {
  phase("re-sign");
  const uint32_t since32 = static_cast<uint32_t>(since);
  const std::string zp = codec::zone_prefix(zone_id_);
  auto still = [&](const DnssecRecord& s) { return s.resign_inception == since; };
  std::string resume = zp;
  bool first = true;
  for (;;) {
    std::string arena;
    std::vector<RrsetItem> items;
    std::vector<ActiveKey> keys;
    Name apex;
    SigningPolicy policy;
    uint64_t now = svc_.clock_.now();
    bool at_end = false;
    {
      auto rtxn = store_.begin_read();
      auto zone = store_.zone_by_id(rtxn, zone_id_);
      auto st = zone ? svc_.state_.find(rtxn, zone_id_) : std::nullopt;
      if (!st || !still(*st))
        return false;
      apex = zone->name;
      policy = svc_.policies_.effective(rtxn, *zone, *st);
      keys = active_keys(rtxn, *zone, now);
      std::vector<uint32_t> want_zone, want_keys;
      for (const auto& k : keys) {
        if (k.signs_zone)
          want_zone.push_back(k.record.id);
        if (k.signs_keys)
          want_keys.push_back(k.record.id);
      }
      std::sort(want_zone.begin(), want_zone.end());
      std::sort(want_keys.begin(), want_keys.end());
      lmdb::Cursor c(rtxn, store_.dbi().rrsets);
      lmdb::Cursor sigs(rtxn, store_.dbi().rrsigs);
      uint8_t labels[Name::kMaxWire];
      bool ok = c.seek(resume) && c.key_has_prefix(zp);
      if (ok && !first && c.key() == resume)
        ok = c.next() && c.key_has_prefix(zp);
      for (; ok && items.size() < limits_.batch; ok = c.next() && c.key_has_prefix(zp)) {
        resume.assign(c.key());
        auto parts = codec::split_rrset_key(c.key_bytes());
        uint8_t flags = codec::rrset_value_flags(c.value());
        if (parts.type == rrtype::kEnt || !(flags & codec::kAuth))
          continue;
        std::string prefix(c.key());
        if (signed_since(sigs, prefix, signed_by_ksk(parts.type) ? want_keys : want_zone, since32))
          continue;
        RrsetItem it;
        it.type = parts.type;
        it.key_off = arena.size();
        it.key_len = prefix.size();
        arena += prefix;
        it.val_off = arena.size();
        it.val_len = c.value().size();
        arena += as_view(c.value());
        it.rel_off = arena.size();
        it.rel_len = codec::decode_namekey(parts.namekey, labels);
        arena.append(reinterpret_cast<const char*>(labels), it.rel_len);
        items.push_back(it);
      }
      at_end = !ok;
    }
    first = false;
    if (!items.empty()) {
      const CanonicalName capex(apex);
      const size_t nkeys = keys.size();
      const uint8_t* base = reinterpret_cast<const uint8_t*>(arena.data());
      auto bytes_of = [&](size_t off, size_t len) {
        return std::span<const uint8_t>(base + off, len);
      };
      std::vector<sign_pool::ChunkOut> out(sign_pool::chunks_of(items.size()));
      std::atomic<size_t> verified{0};
      auto make_ctx = [&](unsigned tid) {
        return sign_pool::SignCtx(keys, now + tid * 7919 + zone_id_);
      };
      auto sign = [&](sign_pool::SignCtx& ctx, size_t chunk) {
        size_t begin = chunk * sign_pool::kChunk,
               end = std::min(begin + sign_pool::kChunk, items.size());
        auto& co = out[chunk];
        co.spans.assign((end - begin) * nkeys, {0, 0});
        for (size_t i = begin; i < end; ++i) {
          const RrsetItem& it = items[i];
          auto rel = bytes_of(it.rel_off, it.rel_len);
          codec::RRsetView v = codec::decode_rrset(bytes_of(it.val_off, it.val_len));
          CanonicalName owner(Name::concat(rel, apex));
          RrsigFields f;
          f.type_covered = it.type;
          f.labels = rrsig_labels(owner.name());
          f.original_ttl = v.ttl;
          f.inception = static_cast<uint32_t>(now - policy.inception_offset);
          f.expiration = signature_expiration(policy, zone_id_, rel, it.type, now);
          for (size_t k = 0; k < nkeys; ++k) {
            if (!key_signs_type(keys[k], it.type))
              continue;
            f.algorithm = algorithm_from_number(keys[k].record.algorithm);
            f.key_tag = keys[k].record.tag;
            ctx.sd.begin(f, capex);
            auto rit = v.rdatas();
            std::span<const uint8_t> r;
            while (rit.next(r))
              ctx.sd.add(owner, it.type, v.ttl, r);
            ctx.signers[k].sign(ctx.sd.bytes(), ctx.sig);
            if (policy.verify_all || ctx.first.insert(keys[k].record.id).second ||
                std::uniform_real_distribution<double>(0, 1)(ctx.rng) < policy.verify_sample) {
              verified.fetch_add(1, std::memory_order_relaxed);
              if (!ctx.check(keys, k, ctx.sd.bytes(), ctx.sig))
                throw Error("self-check failed: the signature by key " +
                            std::to_string(keys[k].record.tag) + " over " + owner.name().to_text() +
                            " " + rrtype_to_text(it.type) + " does not verify");
            }
            uint32_t at = static_cast<uint32_t>(co.bytes.size());
            ctx.sd.append_rrsig_rdata(co.bytes, ctx.sig);
            co.spans[(i - begin) * nkeys + k] = {at, static_cast<uint32_t>(co.bytes.size() - at)};
          }
        }
      };
      bool stopped = false;
      std::string value;
      auto write = [&](size_t chunk) {
        auto& co = out[chunk];
        size_t begin = chunk * sign_pool::kChunk,
               end = std::min(begin + sign_pool::kChunk, items.size());
        for (size_t i = begin; i < end && !stopped; ++i) {
          if (!open(still)) {
            stopped = true;
            break;
          }
          const RrsetItem& it = items[i];
          std::string_view key = as_view(bytes_of(it.key_off, it.key_len));
          auto cur = txn_->find(store_.dbi().rrsets, key);
          if (cur && as_view(*cur) == as_view(bytes_of(it.val_off, it.val_len))) {
            put_signatures(key, co, i - begin, keys, codec::decode_rrset(*cur).ttl, value);
            ++stats_.rrsets;
          }
          ++items_;
          if (full())
            commit();
        }
        co = sign_pool::ChunkOut{};
      };
      sign_pool::sign_and_write(
          items.size(), threads_, make_ctx, sign, write, [] {}, [&] { commit_if_open(); });
      commit_if_open();
      stats_.verified += verified.load();
      if (stopped)
        return false;
    }
    if (at_end)
      return true;
  }
}

// The end of a re-sign: the keys that signed it are recorded as the zone's signers (so keys
// kept published for it may go now), the key RRsets published as that allows, the apex signed
// again with a new serial.
bool ChunkedWork::finish_resign(uint64_t since) {
  phase("done");
  if (!open([&](const DnssecRecord& s) { return s.resign_inception == since; }))
    return false;
  uint64_t now = svc_.clock_.now();
  st_.resign_inception = 0;
  svc_.state_.put(*txn_, zone_id_, st_);
  svc_.note_signers(*txn_, zone_id_, now);
  SigningPolicy policy = svc_.policies_.for_zone(*txn_, zone_, st_);
  svc_.publish_keys(*txn_, zone_, policy, now);
  SigningService::bump_serial(store_, *txn_, zone_, now);
  ZoneSigner signer(store_, *txn_, zone_, st_, policy, active_keys(*txn_, zone_, now), now,
                    svc_.rules_);
  stats_ += signer.update({zone_.name}, {});
  stats_ += signer.sign_nsec3param();
  svc_.events_.record(*txn_, zone_, "zone-resigned",
                      Json{{"rrsets", stats_.rrsets},
                           {"chain_records", stats_.links},
                           {"signatures", stats_.signatures},
                           {"serial", zone_.serial}});
  ++items_;
  commit();
  return true;
}

// The refresh schedule once nothing is pending; the earliest expiration is found from a
// snapshot (a scan of every RRSIG of the zone does not belong inside the write lock).
void ChunkedWork::schedule() {
  uint32_t earliest;
  {
    auto rtxn = store_.begin_read();
    earliest = svc_.earliest_expiration(rtxn, zone_id_);
  }
  if (!open([](const DnssecRecord& s) { return !s.has_pending_work(); }))
    return;
  SigningPolicy policy = svc_.policies_.effective(*txn_, zone_, st_);
  svc_.schedule(*txn_, zone_, st_, policy, earliest);
  commit();
}

SignStats ChunkedWork::run() {
  bool worked = false;
  // Each round takes the next kind of work; a step that found the state changed under it (by
  // another process or an edit) lets the next round look again. Bounded: work recorded again
  // and again by others must not keep this caller forever.
  for (int round = 0; round < 32; ++round) {
    std::optional<DnssecRecord> st;
    {
      auto rtxn = store_.begin_read();
      st = svc_.state_.find(rtxn, zone_id_);
    }
    if (!st || !st->has_pending_work())
      break;
    worked = true;
    // Garbage first: a new chain's RRSIGs may have the owners and types of an old one's.
    if (st->gc_gen)
      collect_garbage(st->gc_gen, st->gc_denial);
    else if (st->pending_gen)
      build_chain(codec::pending_view(*st));
    else if (st->resign_inception) {
      DnssecRecord view = *st;
      uint32_t ttl = 0;
      if (resign_rrsets(st->resign_inception) &&
          sign_links(view, false, true, static_cast<uint32_t>(st->resign_inception), ttl))
        finish_resign(st->resign_inception);
    } else if (st->then_nsec3) {
      // Left over by a process killed between the switch and recording the next step: nothing
      // to build from; forget it.
      if (open([](const DnssecRecord& s) { return s.then_nsec3 && !s.pending_gen; })) {
        st_.then_nsec3 = false;
        commit();
      }
    }
  }
  if (worked)
    schedule();
  return stats_;
}

// ------------------------------------------------------------------ SigningService

SignStats SigningService::complete(uint32_t zone_id, unsigned threads, const ChunkHook& hook,
                                   const ChunkLimits& limits) {
  ChunkedWork work(*this, zone_id, threads, hook, limits);
  return work.run();
}

}  // namespace signet
