// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/dnssec.hh"

#include <algorithm>
#include <set>
#include <thread>

#include "signer/ds.hh"
#include "signer/error.hh"
#include "signer/nsec3.hh"
#include "signer/rrtype.hh"

namespace signet {

using codec::DnssecRecord;
using codec::KeyRecord;

namespace {

unsigned default_threads() {
  return std::max(1u, std::thread::hardware_concurrency());
}

bool is_sep(const KeyRecord& k) {
  return k.role == static_cast<uint8_t>(KeyRole::kKsk) ||
         k.role == static_cast<uint8_t>(KeyRole::kCsk);
}
bool is_zone_signer(const KeyRecord& k) {
  return k.role == static_cast<uint8_t>(KeyRole::kZsk) ||
         k.role == static_cast<uint8_t>(KeyRole::kCsk);
}

std::vector<uint8_t> dnskey_of(const KeyRecord& k) {
  return dnskey_rdata(k.flags, algorithm_from_number(k.algorithm), k.public_key);
}

uint32_t soa_field(Store& store, const lmdb::Txn& txn, uint32_t zone_id, size_t from_end) {
  auto soa = store.get_rrset(txn, zone_id, {}, rrtype::SOA);
  if (!soa)
    return 0;
  std::span<const uint8_t> r;
  auto it = soa->rdatas();
  it.next(r);
  return codec::load_u32(r.data() + r.size() - from_end);
}

}  // namespace

Dnssec::Dnssec(Store& store, const Clock& clock, MasterKeyProvider master)
    : store_(store), clock_(clock), master_(std::move(master)) {}

std::optional<DnssecRecord> Dnssec::state(const lmdb::Txn& txn, uint32_t zone_id) const {
  auto v = txn.find(store_.dbi().dnssec, codec::u32_key(zone_id));
  if (!v)
    return std::nullopt;
  return codec::decode_dnssec(*v);
}

void Dnssec::put_state(lmdb::WriteTxn& txn, uint32_t zone_id, const DnssecRecord& state) {
  txn.put(store_.dbi().dnssec, codec::u32_key(zone_id), codec::encode_dnssec(state));
}

std::optional<SigningPolicy> Dnssec::named_policy(const lmdb::Txn& txn,
                                                  const std::string& name) const {
  if (auto v = txn.find(store_.dbi().policies, name); v && parse_policy_) {
    return parse_policy_(name, std::string(reinterpret_cast<const char*>(v->data()), v->size()));
  }
  return builtin_policy(name);
}

std::string Dnssec::policy_name(const lmdb::Txn& txn, const ZoneRecord& zone,
                                const DnssecRecord& state) const {
  if (!state.policy.empty())
    return state.policy;
  if (auto t = store_.tenant_by_id(txn, zone.tenant_id); t && !t->policy.empty())
    return t->policy;
  return "default";
}

SigningPolicy Dnssec::policy_for(const lmdb::Txn& txn, const ZoneRecord& zone,
                                 const DnssecRecord& state) const {
  std::string name = policy_name(txn, zone, state);
  auto p = named_policy(txn, name);
  if (!p) {
    // Policies cannot be deleted while in use; a store edited by hand falls back safely.
    if (warn_)
      warn_("zone '" + zone.name.to_text() + "': policy '" + name +
            "' is unknown; using 'default'");
    p = builtin_policy("default");
  }
  // The denial parameters in force are the zone's own (set-nsec3 may differ from the policy).
  p->denial = state.denial == codec::Denial::kNsec ? DenialMode::kNsec : DenialMode::kNsec3;
  p->nsec3.flags = state.nsec3_flags;
  p->nsec3.iterations = state.nsec3_iterations;
  p->nsec3.salt = state.salt;
  // An operator's algorithm rollover (signetutil rollover ZONE algorithm --algorithm N).
  auto r = rollover_state(txn, zone.id);
  if (r.algorithm_override)
    p->algorithm = algorithm_from_number(r.algorithm_override);
  return *p;
}

codec::RolloverRecord Dnssec::rollover_state(const lmdb::Txn& txn, uint32_t zone_id) const {
  if (auto v = txn.find(store_.dbi().rollover, codec::u32_key(zone_id)))
    return codec::decode_rollover(*v);
  return {};
}

void Dnssec::put_rollover_state(lmdb::WriteTxn& txn, uint32_t zone_id,
                                const codec::RolloverRecord& before,
                                const codec::RolloverRecord& after) {
  if (before.next_wakeup != after.next_wakeup) {
    if (before.next_wakeup)
      txn.del(store_.dbi().key_due, codec::due_key(before.next_wakeup, zone_id));
  }
  if (after.next_wakeup)
    txn.put(store_.dbi().key_due, codec::due_key(after.next_wakeup, zone_id), std::string_view());
  txn.put(store_.dbi().rollover, codec::u32_key(zone_id), codec::encode_rollover(after));
}

KeyTimes key_times_of(const KeyRecord& k) {
  KeyTimes t;
  t.id = k.id;
  t.role = static_cast<KeyRole>(k.role);
  t.algorithm = static_cast<Algorithm>(k.algorithm);
  t.tag = k.tag;
  t.created = k.created;
  t.publish = k.publish;
  t.activate = k.activate;
  t.inactive = k.inactive;
  t.remove = k.remove;
  t.ds_submitted = k.ds_submitted;
  t.ds_seen = k.ds_seen;
  t.ds_retired = k.ds_retired;
  t.ds_gone = k.ds_gone;
  return t;
}

std::vector<KeyTimes> Dnssec::key_times(const lmdb::Txn& txn, uint32_t zone_id) const {
  std::vector<KeyTimes> out;
  for (const auto& k : keys(txn, zone_id))
    out.push_back(key_times_of(k));
  return out;
}

std::vector<uint32_t> Dnssec::signer_ids(const lmdb::Txn& txn, uint32_t zone_id,
                                         uint64_t now) const {
  std::vector<uint32_t> out;
  for (const auto& k : keys(txn, zone_id)) {
    if (key_is_active(k, now))
      out.push_back(k.id);
  }
  return out;
}

void Dnssec::note_signers(lmdb::WriteTxn& txn, uint32_t zone_id, uint64_t now) {
  auto before = rollover_state(txn, zone_id);
  auto after = before;
  after.signers = signer_ids(txn, zone_id, now);
  if (!after.next_wakeup)
    after.next_wakeup = now;  // new to the key manager: let it look at the zone
  put_rollover_state(txn, zone_id, before, after);
}

uint32_t Dnssec::refresh_window(const SigningPolicy& policy, uint32_t soa_expire) {
  uint64_t want = uint64_t(soa_expire) + 3600;
  // Room for one more day of validity after the widened window, jitter included.
  if (want > policy.refresh && want + policy.jitter + 86400 <= policy.validity)
    return static_cast<uint32_t>(want);
  return policy.refresh;
}

SigningPolicy Dnssec::effective_policy(const lmdb::Txn& txn, const ZoneRecord& zone,
                                       const DnssecRecord& state) const {
  SigningPolicy p = policy_for(txn, zone, state);
  p.refresh = refresh_window(p, soa_field(store_, txn, zone.id, 8));  // SOA EXPIRE
  return p;
}

void Dnssec::schedule(lmdb::WriteTxn& txn, const ZoneRecord& zone, DnssecRecord& state,
                      const SigningPolicy& policy) {
  uint64_t now = clock_.now();
  uint32_t earliest = earliest_expiration(txn, zone.id);
  if (state.next_refresh)
    txn.del(store_.dbi().due, codec::due_key(state.next_refresh, zone.id));
  uint64_t next = now + 3600;
  if (earliest) {
    // The 32-bit expiration as an absolute time near now (RFC 1982 window).
    int64_t until = static_cast<int32_t>(earliest - static_cast<uint32_t>(now));
    uint64_t expires = static_cast<uint64_t>(static_cast<int64_t>(now) + until);
    next = expires > policy.refresh ? expires - policy.refresh : now;
    uint32_t soa_expire = soa_field(store_, txn, zone.id, 8);
    if (until < static_cast<int64_t>(soa_expire) && warn_) {
      warn_("zone '" + zone.name.to_text() + "': the earliest signature expires in " +
            std::to_string(until / 3600) + " h, inside the SOA EXPIRE horizon (" +
            std::to_string(soa_expire / 3600) +
            " h): a secondary cut off from the primary would serve expired signatures; raise the "
            "policy's "
            "validity or lower SOA EXPIRE");
    }
  }
  if (next < now)
    next = now;
  state.next_refresh = next;
  state.earliest_expiry = earliest;
  txn.put(store_.dbi().due, codec::due_key(next, zone.id), std::string_view());
  put_state(txn, zone.id, state);
}

std::vector<uint32_t> due_index_scan(const lmdb::Txn& txn, MDB_dbi dbi, uint64_t now, size_t max) {
  std::vector<uint32_t> out;
  lmdb::Cursor c(txn, dbi);
  for (bool ok = c.first(); ok && out.size() < max; ok = c.next()) {
    auto k = c.key_bytes();
    uint64_t when = 0;
    for (int i = 0; i < 8; ++i)
      when = (when << 8) | k[i];
    if (when > now)
      break;
    out.push_back(codec::load_u32(k.data() + 8));
  }
  return out;
}

std::vector<uint32_t> Dnssec::due_zones(const lmdb::Txn& txn, uint64_t now, size_t max) const {
  return due_index_scan(txn, store_.dbi().due, now, max);
}

std::optional<std::vector<uint8_t>> Dnssec::sign_now(const lmdb::Txn& txn, uint32_t zone_id,
                                                     std::span<const uint8_t> rel, uint16_t covered,
                                                     uint32_t key_id) {
  auto st = state(txn, zone_id);
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
  ActiveKey a{k, open_cached(txn, *zone, k), is_sep(k), is_zone_signer(k)};
  return sign_single(store_, txn, *zone, *st, policy_for(txn, *zone, *st), a, rel, covered, now);
}

void Dnssec::record(lmdb::WriteTxn& txn, const ZoneRecord& zone, std::string_view kind,
                    std::string detail) {
  if (!audit_)
    return;
  auto tenant = store_.tenant_by_id(txn, zone.tenant_id);
  audit_->append(txn, kind, zone.tenant_id, zone.id, tenant ? tenant->name : "",
                 zone.name.to_text(), std::move(detail));
}

std::string Dnssec::key_detail(const KeyRecord& k) {
  return AuditLog::json_object(
      {{"tag", std::to_string(k.tag)},
       {"algorithm", AuditLog::json_string(algorithm_name(static_cast<Algorithm>(k.algorithm)))},
       {"role", AuditLog::json_string(key_role_name(static_cast<KeyRole>(k.role)))},
       {"key_id", std::to_string(k.id)}});
}

bool Dnssec::manages_keys(const lmdb::Txn& txn, const ZoneRecord& zone) {
  return state(txn, zone.id).has_value();
}

std::vector<KeyRecord> Dnssec::keys(const lmdb::Txn& txn, uint32_t zone_id) const {
  std::vector<KeyRecord> out;
  std::string prefix = codec::zone_prefix(zone_id);
  lmdb::Cursor c(txn, store_.dbi().keys);
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    out.push_back(codec::decode_key(zone_id, codec::load_u32(c.key_bytes().data() + 4), c.value()));
  }
  return out;
}

PrivateKey Dnssec::open_cached(const lmdb::Txn& txn, const ZoneRecord& zone, const KeyRecord& key) {
  std::lock_guard<std::mutex> lock(cache_mu_);
  auto it = cache_.find({zone.id, key.id});
  if (it != cache_.end()) {
    // Ids are handed out again after a transaction aborts, so the entry may be a key that was
    // never committed: it is this key only if its public part is the one stored now.
    if (it->second.public_key() == key.public_key)
      return it->second;
    cache_.erase(it);
  }
  Keyring ring(store_, master_());
  PrivateKey k = ring.open_key(txn, zone, key);
  // A key signs nothing served until a test signature of it has verified against the public key
  // in its DNSKEY record.
  static const uint8_t kProbe[] = "signet key self-test";
  if (!signet::verify(k.algorithm(), key.public_key, kProbe, k.sign(kProbe)) ||
      k.public_key() != key.public_key) {
    throw Error(
        "key " + std::to_string(key.tag) + " of zone '" + zone.name.to_text() +
        "' failed its self-test: its private part does not match its DNSKEY; not signing with it");
  }
  cache_.emplace(std::make_pair(zone.id, key.id), k);
  return k;
}

std::vector<ActiveKey> Dnssec::active_keys(const lmdb::Txn& txn, const ZoneRecord& zone,
                                           uint64_t now) {
  std::vector<ActiveKey> out;
  for (const auto& k : keys(txn, zone.id)) {
    if (!key_is_active(k, now))
      continue;
    ActiveKey a{k, open_cached(txn, zone, k), is_sep(k), is_zone_signer(k)};
    out.push_back(std::move(a));
  }
  return out;
}

namespace {
// Whether the stored RRset owner/type is exactly `rdatas` with `ttl` (both empty: equal).
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
}  // namespace

bool Dnssec::publish_keys(lmdb::WriteTxn& txn, ZoneRecord& zone, const SigningPolicy& policy,
                          uint64_t now) {
  auto all = keys(txn, zone.id);
  // RFC 4035 §5: validation starts from a DS at the parent. If the parent is known to serve the DS
  // of some of our keys, the DNSKEY RRset must stay signed by one of them.
  std::vector<const KeyRecord*> anchored;
  for (const auto& k : all) {
    if (k.ds_seen && !k.ds_gone)
      anchored.push_back(&k);
  }
  if (!anchored.empty() && std::none_of(anchored.begin(), anchored.end(), [&](const KeyRecord* k) {
        return is_sep(*k) && key_is_active(*k, now);
      })) {
    std::string tags;
    for (const auto* k : anchored)
      tags += (tags.empty() ? "" : ", ") + std::to_string(k->tag);
    throw Conflict("zone '" + zone.name.to_text() +
                   "': refusing a key set whose DNSKEY RRset would not be signed "
                   "by a key the parent's DS points to (key tags " +
                   tags + ")");
  }
  // CDS/CDNSKEY (RFC 7344, RFC 8078): what the parent's DS RRset should be. "rollover" publishes
  // them only while the parent has to act: a DS asked for and not yet seen, or one asked to go.
  std::vector<KeyTimes> times;
  for (const auto& k : all)
    times.push_back(key_times_of(k));
  auto rs = rollover_state(txn, zone.id);
  bool deleting = policy.cds == CdsMode::kDelete || rs.going_insecure;
  bool parent_must_act = false;
  for (const auto& k : times) {
    if (is_sep_role(k.role) && ((k.ds_submitted && !k.ds_seen) || (k.ds_retired && !k.ds_gone)))
      parent_must_act = true;
  }
  bool with_cds = deleting || policy.cds == CdsMode::kAlways ||
                  (policy.cds == CdsMode::kRollover && parent_must_act);
  std::vector<uint32_t> wanted = wanted_ds_keys(times, policy, now);
  std::vector<std::vector<uint8_t>> dnskeys, cds, cdnskey;
  CanonicalName apex(zone.name);
  for (const auto& k : all) {
    if (!key_is_published(k, now))
      continue;
    dnskeys.push_back(dnskey_of(k));
    if (with_cds && !deleting && std::find(wanted.begin(), wanted.end(), k.id) != wanted.end()) {
      cds.push_back(ds_rdata(apex, dnskey_of(k), policy.cds_digest));
      if (policy.cdnskey)
        cdnskey.push_back(dnskey_of(k));
    }
  }
  if (deleting) {
    cds = {cds_delete_rdata()};
    if (policy.cdnskey)
      cdnskey = {cdnskey_delete_rdata()};
  }
  uint32_t ttl = policy.dnskey_ttl;
  if (same_rrset(store_, txn, zone.id, rrtype::DNSKEY, ttl, dnskeys) &&
      same_rrset(store_, txn, zone.id, rrtype::CDS, ttl, cds) &&
      same_rrset(store_, txn, zone.id, rrtype::CDNSKEY, ttl, cdnskey)) {
    return false;
  }
  ZoneWriter w(store_, txn, zone, now);
  w.allow_managed_keys();
  w.replace(zone.name, rrtype::DNSKEY, ttl, dnskeys);
  w.replace(zone.name, rrtype::CDS, ttl, cds);
  w.replace(zone.name, rrtype::CDNSKEY, ttl, cdnskey);
  w.finish();
  return true;
}

namespace {
// Bumps the serial through a ZoneWriter that reports to nobody (the caller signs afterwards).
void bump_serial(Store& store, lmdb::WriteTxn& txn, ZoneRecord& zone, uint64_t now) {
  ZoneWriter w(store, txn, zone, now);
  w.request_serial_bump();
  w.force_change();
  w.finish();
}
}  // namespace

Dnssec::Secured Dnssec::secure(lmdb::WriteTxn& txn, ZoneRecord& zone, const SigningPolicy& policy,
                               unsigned threads, bool own_policy) {
  if (state(txn, zone.id))
    throw Conflict("zone '" + zone.name.to_text() + "' is already secured");
  if (!store_.get_rrset(txn, zone.id, {}, rrtype::SOA)) {
    throw Conflict("zone '" + zone.name.to_text() + "' has no SOA record; load its data first");
  }
  uint64_t now = clock_.now();
  Keyring ring(store_, master_());
  Secured out;
  auto add = [&](KeyRole role) {
    PrivateKey k = PrivateKey::generate(policy.algorithm, policy.rsa_bits);
    out.keys.push_back(ring.add_key(txn, zone, Keyring::NewKey{role, k, now, now, 0, 0}, now));
    if (is_sep(out.keys.back()) && policy.ds_submission != SigningPolicy::DsSubmission::kNone) {
      // The parent needs the first DS too: the key manager submits it after this commit and
      // watches the parent until every server serves it.
      out.keys.back().ds_submitted = now;
      txn.put(store_.dbi().keys, codec::u32_pair_key(zone.id, out.keys.back().id),
              codec::encode_key(out.keys.back()));
    }
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
  put_state(txn, zone.id, st);
  record(txn, zone, "zone-secured",
         AuditLog::json_object(
             {{"policy", AuditLog::json_string(policy.name)},
              {"inherited", own_policy ? "false" : "true"},
              {"denial",
               AuditLog::json_string(st.denial == codec::Denial::kNsec ? "NSEC" : "NSEC3")}}));
  for (const auto& k : out.keys) {
    record(txn, zone, "key-generated", key_detail(k));
    record(txn, zone, "key-published", key_detail(k));
    record(txn, zone, "key-activated", key_detail(k));
  }
  publish_keys(txn, zone, policy, now);
  bump_serial(store_, txn, zone, now);
  ZoneSigner signer(store_, txn, zone, st, policy, active_keys(txn, zone, now), now);
  out.stats = signer.sign_all(threads ? threads : default_threads());
  schedule(txn, zone, st, effective_policy(txn, zone, st));
  note_signers(txn, zone.id, now);
  if (policy.ds_submission != SigningPolicy::DsSubmission::kNone) {
    auto before = rollover_state(txn, zone.id);
    auto after = before;
    for (const auto& k : out.keys) {
      if (is_sep(k))
        after.submit_key = k.id;
    }
    after.next_submit = now;
    put_rollover_state(txn, zone.id, before, after);
  }
  return out;
}

void Dnssec::unsecure(lmdb::WriteTxn& txn, ZoneRecord& zone) {
  auto st = state(txn, zone.id);
  if (!st)
    throw Conflict("zone '" + zone.name.to_text() + "' is not secured");
  uint64_t now = clock_.now();
  Keyring ring(store_, master_());
  record(txn, zone, "zone-unsecured");
  for (const auto& k : keys(txn, zone.id))
    record(txn, zone, "key-removed", key_detail(k));
  for (const auto& k : keys(txn, zone.id))
    ring.delete_key(txn, k);
  ZoneSigner::strip(store_, txn, zone.id);
  txn.del(store_.dbi().due, codec::due_key(st->next_refresh, zone.id));
  txn.del(store_.dbi().dnssec, codec::u32_key(zone.id));
  if (auto r = txn.find(store_.dbi().rollover, codec::u32_key(zone.id))) {
    txn.del(store_.dbi().key_due, codec::due_key(codec::decode_rollover(*r).next_wakeup, zone.id));
    txn.del(store_.dbi().rollover, codec::u32_key(zone.id));
  }
  ZoneWriter w(store_, txn, zone, now);
  w.allow_managed_keys();
  w.remove(zone.name, rrtype::DNSKEY);
  w.remove(zone.name, rrtype::CDS);
  w.remove(zone.name, rrtype::CDNSKEY);
  w.request_serial_bump();
  w.finish();
  std::lock_guard<std::mutex> lock(cache_mu_);
  for (auto it = cache_.begin(); it != cache_.end();)
    it = it->first.first == zone.id ? cache_.erase(it) : std::next(it);
}

void Dnssec::resign_apex(lmdb::WriteTxn& txn, ZoneRecord& zone, const SigningPolicy& policy) {
  auto st = state(txn, zone.id);
  if (!st)
    return;
  uint64_t now = clock_.now();
  bump_serial(store_, txn, zone, now);
  ZoneSigner signer(store_, txn, zone, *st, policy, active_keys(txn, zone, now), now);
  signer.update({zone.name}, {});
  schedule(txn, zone, *st, effective_policy(txn, zone, *st));
}

SignStats Dnssec::sign(lmdb::WriteTxn& txn, ZoneRecord& zone, unsigned threads) {
  auto st = state(txn, zone.id);
  if (!st)
    throw Conflict("zone '" + zone.name.to_text() + "' is not secured (use secure-zone)");
  uint64_t now = clock_.now();
  SigningPolicy policy = policy_for(txn, zone, *st);
  publish_keys(txn, zone, policy, now);
  bump_serial(store_, txn, zone, now);
  ZoneSigner signer(store_, txn, zone, *st, policy, active_keys(txn, zone, now), now);
  SignStats s = signer.sign_all(threads ? threads : default_threads());
  schedule(txn, zone, *st, effective_policy(txn, zone, *st));
  note_signers(txn, zone.id, now);
  return s;
}

SignStats Dnssec::set_denial(lmdb::WriteTxn& txn, ZoneRecord& zone,
                             std::optional<Nsec3Params> nsec3, unsigned threads) {
  auto st = state(txn, zone.id);
  if (!st)
    throw Conflict("zone '" + zone.name.to_text() + "' is not secured (use secure-zone)");
  Nsec3Params before;
  before.flags = st->nsec3_flags;
  before.iterations = st->nsec3_iterations;
  before.salt = st->salt;
  record(txn, zone, "denial-changed",
         AuditLog::json_object(
             {{"before", AuditLog::json_string(st->denial == codec::Denial::kNsec
                                                   ? "NSEC"
                                                   : "NSEC3 " + nsec3_params_text(before))},
              {"after",
               AuditLog::json_string(nsec3 ? "NSEC3 " + nsec3_params_text(*nsec3) : "NSEC")}}));
  st->denial = nsec3 ? codec::Denial::kNsec3 : codec::Denial::kNsec;
  st->nsec3_flags = nsec3 ? nsec3->flags : 0;
  st->nsec3_iterations = nsec3 ? nsec3->iterations : 0;
  st->salt = nsec3 ? nsec3->salt : std::vector<uint8_t>();
  put_state(txn, zone.id, *st);
  // One transaction: the old chain and its signatures go, the new ones arrive; readers see
  // either, never a zone without a signed chain.
  return sign(txn, zone, threads);
}

KeyRecord Dnssec::generate_key(lmdb::WriteTxn& txn, const ZoneRecord& zone, KeyRole role,
                               Algorithm algorithm, unsigned rsa_bits, uint64_t publish,
                               uint64_t activate) {
  Keyring ring(store_, master_());
  PrivateKey k = PrivateKey::generate(algorithm, rsa_bits);
  return ring.add_key(txn, zone, Keyring::NewKey{role, k, publish, activate, 0, 0}, clock_.now());
}

void Dnssec::delete_key(lmdb::WriteTxn& txn, const KeyRecord& key) {
  txn.del(store_.dbi().keys, codec::u32_pair_key(key.zone_id, key.id));
  std::lock_guard<std::mutex> lock(cache_mu_);
  cache_.erase({key.zone_id, key.id});
}

KeyRecord Dnssec::import_key(lmdb::WriteTxn& txn, ZoneRecord& zone, const PrivateKey& key,
                             KeyRole role) {
  auto st = state(txn, zone.id);
  if (!st)
    throw Conflict("zone '" + zone.name.to_text() + "' is not secured (use secure-zone first)");
  uint64_t now = clock_.now();
  Keyring ring(store_, master_());
  KeyRecord rec = ring.add_key(txn, zone, Keyring::NewKey{role, key, now, now, 0, 0}, now);
  record(txn, zone, "key-imported", key_detail(rec));
  record(txn, zone, "key-published", key_detail(rec));
  record(txn, zone, "key-activated", key_detail(rec));
  sign(txn, zone, 0);
  return rec;
}

SignStats Dnssec::refresh(lmdb::WriteTxn& txn, ZoneRecord& zone, size_t limit) {
  auto st = state(txn, zone.id);
  if (!st)
    return {};
  uint64_t now = clock_.now();
  SigningPolicy policy = effective_policy(txn, zone, *st);
  ZoneSigner signer(store_, txn, zone, *st, policy, active_keys(txn, zone, now), now);
  SignStats s = signer.refresh(limit);
  if (s.signatures > 0) {
    // New signatures change what AXFR returns: secondaries must see a new serial (RFC 1982).
    bump_serial(store_, txn, zone, now);
    ZoneSigner again(store_, txn, zone, *st, policy, active_keys(txn, zone, now), now);
    s += again.update({zone.name}, {});
    record(txn, zone, "signatures-refreshed",
           AuditLog::json_object({{"signatures", std::to_string(s.signatures)},
                                  {"serial", std::to_string(zone.serial)}}));
  }
  schedule(txn, zone, *st, policy);
  return s;
}

void Dnssec::after_edit(lmdb::WriteTxn& txn, ZoneRecord& zone, ZoneWriter& writer,
                        const ZoneEdit& edit) {
  auto st = state(txn, zone.id);
  if (!st)
    return;
  uint64_t now = clock_.now();
  SigningPolicy policy = policy_for(txn, zone, *st);
  if (edit.replaced) {
    // The replacement wiped the key RRsets with everything else: publish them again, sign all.
    publish_keys(txn, zone, policy, now);
    ZoneSigner signer(store_, txn, zone, *st, policy, active_keys(txn, zone, now), now);
    signer.sign_all(default_threads());
    schedule(txn, zone, *st, effective_policy(txn, zone, *st));
    note_signers(txn, zone.id, now);
    return;
  }
  std::vector<Name> names = edit.names;
  if (!writer.soa_changed()) {
    // Re-signing changes what AXFR returns: bump the serial so secondaries follow.
    writer.bump_serial_now();
  }
  names.push_back(zone.name);
  ZoneSigner signer(store_, txn, zone, *st, policy, active_keys(txn, zone, now), now);
  signer.update(names, edit.subtrees);
  put_state(txn, zone.id, *st);
}

std::vector<std::vector<uint8_t>> Dnssec::ds_rdatas(const lmdb::Txn& txn, const ZoneRecord& zone,
                                                    DigestType type) const {
  std::vector<std::vector<uint8_t>> out;
  uint64_t now = clock_.now();
  CanonicalName apex(zone.name);
  auto all = keys(txn, zone.id);
  std::vector<KeyTimes> times;
  for (const auto& k : all)
    times.push_back(key_times_of(k));
  auto wanted = wanted_ds_keys(times, SigningPolicy(), now);
  for (const auto& k : all) {
    if (std::find(wanted.begin(), wanted.end(), k.id) != wanted.end())
      out.push_back(ds_rdata(apex, dnskey_of(k), type));
  }
  return out;
}

uint32_t Dnssec::earliest_expiration(const lmdb::Txn& txn, uint32_t zone_id) const {
  uint32_t now = static_cast<uint32_t>(clock_.now());
  std::optional<uint32_t> best;
  std::string prefix = codec::zone_prefix(zone_id);
  lmdb::Cursor c(txn, store_.dbi().rrsigs);
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    auto v = codec::decode_rrsig_value(c.value());
    auto view = parse_rrsig(v.rdata);
    if (!view)
      continue;
    // Compare as distances from now (RFC 1982 arithmetic on the 32-bit field).
    if (!best ||
        static_cast<int32_t>(view->fields.expiration - now) < static_cast<int32_t>(*best - now)) {
      best = view->fields.expiration;
    }
  }
  return best.value_or(0);
}

VerifyReport Dnssec::verify(const lmdb::Txn& txn, const ZoneRecord& zone) const {
  VerifyReport rep;
  auto st = state(txn, zone.id);
  if (!st) {
    rep.problems.push_back("zone '" + zone.name.to_text() + "' is not secured");
    return rep;
  }
  uint32_t now = static_cast<uint32_t>(clock_.now());
  CanonicalName apex(zone.name);
  // The DNSKEY RRset as served: tag+algorithm -> public key.
  std::map<std::pair<uint16_t, uint8_t>, std::vector<uint8_t>> dnskeys;
  if (auto v = store_.get_rrset(txn, zone.id, {}, rrtype::DNSKEY)) {
    auto it = v->rdatas();
    std::span<const uint8_t> r;
    while (it.next(r))
      dnskeys[{key_tag(r), r[3]}] = std::vector<uint8_t>(r.begin() + 4, r.end());
  } else {
    rep.problems.push_back("no DNSKEY RRset at the apex");
  }
  std::set<uint8_t> published_algorithms;
  for (const auto& [id, pk] : dnskeys)
    published_algorithms.insert(id.second);
  // The zone's keys that sign without being in the DNSKEY RRset: an algorithm rollover's new keys
  // before publication and its old keys after removal (RFC 6781 §4.1.4). Validators ignore their
  // signatures; we check that they verify, but they do not count for the RRset.
  std::map<std::pair<uint16_t, uint8_t>, std::vector<uint8_t>> unpublished;
  for (const auto& k : keys(txn, zone.id)) {
    if (!dnskeys.count({k.tag, k.algorithm}))
      unpublished[{k.tag, k.algorithm}] = k.public_key;
  }
  auto problem = [&](const std::string& s) {
    if (rep.problems.size() < 100)
      rep.problems.push_back(s);
  };
  // Checks every stored signature of owner/type over `rdatas` (canonical order); returns how many
  // valid ones there are.
  auto check_sigs = [&](std::span<const uint8_t> rel, uint16_t type, uint32_t ttl,
                        const std::vector<std::span<const uint8_t>>& rdatas) {
    CanonicalName owner(Name::concat(rel, zone.name));
    std::string prefix = codec::name_prefix(zone.id, rel);
    codec::put_u16(prefix, type);
    size_t valid = 0;
    std::set<uint8_t> valid_algorithms;
    lmdb::Cursor c(txn, store_.dbi().rrsigs);
    SignedData sd;
    for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
      ++rep.signatures;
      auto v = codec::decode_rrsig_value(c.value());
      auto view = parse_rrsig(v.rdata);
      std::string what = owner.name().to_text() + " " + rrtype_to_text(type);
      if (!view) {
        problem(what + ": malformed RRSIG");
        continue;
      }
      std::pair<uint16_t, uint8_t> id{view->fields.key_tag,
                                      static_cast<uint8_t>(view->fields.algorithm)};
      auto key = dnskeys.find(id);
      bool published = key != dnskeys.end();
      if (!published) {
        key = unpublished.find(id);
        if (key == unpublished.end()) {
          problem(what + ": RRSIG by key " + std::to_string(view->fields.key_tag) +
                  " which is neither in the DNSKEY RRset nor a key of the zone");
          continue;
        }
      }
      if (time_before(now, view->fields.inception) || !time_before(now, view->fields.expiration)) {
        problem(what + ": RRSIG by key " + std::to_string(view->fields.key_tag) +
                " is not valid now");
        continue;
      }
      if (view->fields.original_ttl != ttl || v.ttl != ttl) {
        problem(what + ": RRSIG original TTL " + std::to_string(view->fields.original_ttl) +
                " differs from " + std::to_string(ttl));
      }
      sd.begin(view->fields, CanonicalName(Name::from_wire(view->signer)));
      for (const auto& r : rdatas)
        sd.add(owner, type, ttl, r);
      if (!signet::verify(view->fields.algorithm, key->second, sd.bytes(), view->signature)) {
        problem(what + ": RRSIG by key " + std::to_string(view->fields.key_tag) +
                " does not verify");
        continue;
      }
      if (published) {
        ++valid;
        valid_algorithms.insert(id.second);
      }
    }
    if (valid == 0) {
      problem(owner.name().to_text() + " " + rrtype_to_text(type) +
              ": no valid RRSIG by a key in the DNSKEY RRset");
    }
    // RFC 4035 §2.2: every algorithm in the DNSKEY RRset signs every RRset.
    for (uint8_t alg : published_algorithms) {
      if (valid && !valid_algorithms.count(alg)) {
        problem(owner.name().to_text() + " " + rrtype_to_text(type) +
                ": no valid RRSIG of algorithm " + std::to_string(alg) +
                ", which the DNSKEY RRset has (RFC 4035 §2.2)");
      }
    }
  };

  // Every RRset: authoritative ones signed, the rest (delegation NS, glue) not.
  std::string zp = codec::zone_prefix(zone.id);
  std::vector<std::pair<std::vector<uint8_t>, std::vector<NameRow>>> names;
  {
    lmdb::Cursor c(txn, store_.dbi().rrsets);
    uint8_t labels[Name::kMaxWire];
    std::string last;
    for (bool ok = c.seek_prefix(zp); ok; ok = c.next() && c.key_has_prefix(zp)) {
      auto parts = codec::split_rrset_key(c.key_bytes());
      std::string nk(reinterpret_cast<const char*>(parts.namekey.data()), parts.namekey.size());
      if (names.empty() || nk != last) {
        size_t n = codec::decode_namekey(parts.namekey, labels);
        names.emplace_back(std::vector<uint8_t>(labels, labels + n), std::vector<NameRow>{});
        last = nk;
      }
      auto value = c.value();
      names.back().second.push_back(NameRow{parts.type, value[1]});
    }
  }
  for (const auto& [rel, rows] : names) {
    for (const auto& row : rows) {
      if (row.type == rrtype::kEnt)
        continue;
      auto v = store_.get_rrset(txn, zone.id, rel, row.type);
      std::vector<std::span<const uint8_t>> rdatas;
      auto it = v->rdatas();
      std::span<const uint8_t> r;
      while (it.next(r))
        rdatas.push_back(r);
      if (row.flags & codec::kAuth) {
        ++rep.rrsets;
        check_sigs(rel, row.type, v->ttl, rdatas);
      } else {
        std::string prefix = codec::name_prefix(zone.id, rel);
        codec::put_u16(prefix, row.type);
        lmdb::Cursor c(txn, store_.dbi().rrsigs);
        if (c.seek_prefix(prefix)) {
          problem(Name::concat(rel, zone.name).to_text() + " " + rrtype_to_text(row.type) +
                  ": non-authoritative data (delegation or glue) is signed");
        }
      }
    }
  }
  // The chain: exactly the links the rows imply, each correctly signed.
  std::string cp = codec::chain_prefix(zone.id, st->denial);
  std::map<std::string, codec::ChainLink> expected;
  for (const auto& [rel, rows] : names) {
    auto link = chain_link_for(*st, rel, rows);
    if (!link)
      continue;
    std::string key = cp;
    if (st->denial == codec::Denial::kNsec) {
      codec::append_namekey(key, rel);
    } else {
      Nsec3Hash h =
          nsec3_hash(CanonicalName(Name::concat(rel, zone.name)), st->salt, st->nsec3_iterations);
      key.append(reinterpret_cast<const char*>(h.data()), h.size());
    }
    expected.emplace(key, *link);
  }
  std::vector<std::pair<std::string, codec::ChainLink>> stored;
  {
    lmdb::Cursor c(txn, store_.dbi().chain);
    for (bool ok = c.seek_prefix(cp); ok; ok = c.next() && c.key_has_prefix(cp)) {
      stored.emplace_back(std::string(c.key()), codec::decode_link(c.value()));
    }
  }
  std::map<std::string, codec::ChainLink> stored_map(stored.begin(), stored.end());
  if (stored_map != expected) {
    problem("the " + std::string(st->denial == codec::Denial::kNsec ? "NSEC" : "NSEC3") +
            " chain does not match the zone's names (" + std::to_string(stored.size()) +
            " links stored, " + std::to_string(expected.size()) + " expected)");
  }
  uint32_t neg = 0;
  if (auto soa = store_.get_rrset(txn, zone.id, {}, rrtype::SOA)) {
    std::span<const uint8_t> r;
    auto it = soa->rdatas();
    it.next(r);
    neg = std::min(soa->ttl, codec::load_u32(r.data() + r.size() - 4));
  }
  uint16_t ctype = st->denial == codec::Denial::kNsec3 ? rrtype::NSEC3 : rrtype::NSEC;
  Nsec3Params p;
  p.flags = st->nsec3_flags;
  p.iterations = st->nsec3_iterations;
  p.salt = st->salt;
  if (st->denial == codec::Denial::kNsec3) {
    // pdns answers NSEC3PARAM with the SOA MINIMUM as TTL and the flags field zeroed.
    uint32_t minimum = soa_field(store_, txn, zone.id, 4);
    check_sigs({}, rrtype::NSEC3PARAM, minimum, {nsec3param_rdata(p)});
  }
  for (size_t i = 0; i < stored.size(); ++i) {
    const auto& [key, link] = stored[i];
    const auto& [nkey, next] = stored[(i + 1) % stored.size()];
    std::span<const uint8_t> order(reinterpret_cast<const uint8_t*>(key.data()) + cp.size(),
                                   key.size() - cp.size());
    std::vector<uint8_t> bitmap = type_bitmap(link.types);
    std::vector<uint8_t> rdata;
    if (st->denial == codec::Denial::kNsec3) {
      Nsec3Hash nh;
      std::memcpy(nh.data(), nkey.data() + cp.size(), nh.size());
      rdata = nsec3_rdata(p, nh, bitmap);
    } else {
      rdata = nsec_rdata(Name::concat(next.owner, apex.name()), bitmap);
    }
    std::vector<uint8_t> rel = chain_rrsig_owner(st->denial, order, link.owner);
    check_sigs(rel, ctype, neg, {rdata});
    ++rep.links;
  }
  return rep;
}

}  // namespace signet
