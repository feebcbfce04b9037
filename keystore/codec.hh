// SPDX-License-Identifier: GPL-2.0-or-later
//
// On-disk byte grammar of the Signet store. Everything here is explicit: integers are big-endian,
// every value starts with a format version octet, and a reader of version N ignores octets that a
// later version appended after the fields it knows (so a field can be added without a migration).
//
// One LMDB environment (the directory `signet-path`) with these named databases:
//
//   sys           key: ascii tag                      value: u32 or u64 (big-endian)
//                   "schema"          u32  schema version of the whole store (kSchemaVersion)
//                   "next-tenant-id"  u32  next tenant id to hand out (ids start at 1)
//                   "next-zone-id"    u32  next zone id to hand out (ids start at 1)
//                   "next-token-id"   u32  next API token id to hand out (ids start at 1)
//                   "default-catalog" u32  zone id of the global default catalog (absent: none)
//
//   tenants       key: tenant_id u32                  value: tenant
//     tenant   := 0x01 created:u64 name_len:u8 name:octets [dk_len:u16 sealed_data_key
//                 [policy_len:u8 policy [default_catalog:u32]]]
//                 (policy: the name of the tenant's default policy; absent or empty = "default")
//                 (default_catalog: the zone id of the catalog its new zones join; absent or 0 =
//                  the global default, sys "default-catalog")
//   tenant_names  key: tenant name (ascii)            value: tenant_id u32
//   tenant_zones  key: tenant_id u32 zone_id u32      value: (empty)
//
//   zones         key: zone_id u32                    value: zone
//     zone     := 0x01 tenant_id:u32 kind:u8 flags:u8 serial:u32 notified_serial:u32
//                 (kind: 0 primary, 1 secondary, 2 native, 3 producer, 4 consumer — pdns' kinds;
//                  flags: 0x01 the zone has an SOA and can be served, 0x02 a producer catalog
//                  that zones of every tenant may join, keystore/catalogs.hh; 0x04 the zone
//                  came by transfer and upstream_serial holds its primary's serial)
//                 created:u64 modified:u64 name_len:u8 name:wire
//                 [catalog:u32 options_len:u16 options:utf8 [last_check:u64 upstream_serial:u32]]
//                 (catalog: zone id of the producer catalog listing the zone (RFC 9432), 0 =
//                  none; options: pdns' catalog options JSON (member properties coo, group,
//                  unique); absent = none)
//                 (a zone of kind secondary, keystore/secondary_zones.hh: last_check: when pdns
//                  last found it fresh at its primary, 0 = never or stale; upstream_serial: the
//                  serial of the primary's SOA in the last transfer, meaningful with flag 0x04.
//                  Signet serves its own serial, which moves on with every re-sign.)
//   zone_names    key: namekey(zone apex) 0x00        value: zone_id u32
//
//   rrsets        key: zone_id u32 namekey(owner relative to apex) 0x00 type:u16
//                 value: rrset
//     rrset    := 0x01 flags:u8 ttl:u32 count:u16 (rdlen:u16 rdata){count}
//                 [owner_len:u8 owner:wire-relative]      -- present iff flags & kOwnerCase
//                 RDATA entries are sorted by canonical RDATA (RFC 4034 §6.3), duplicates removed.
//                 type 0 rows (count 0) are empty non-terminals, maintained on every write.
//
//   meta          key: zone_id u32 kind:ascii 0x00 index:u16   value: octets (pdns domain metadata)
//
//   keys          key: zone_id u32 key_id u32         value: key
//     key      := 0x01 role:u8 algorithm:u8 flags:u16 tag:u16 created:u64 publish:u64
//                 activate:u64 inactive:u64 remove:u64 pub_len:u16 pub:octets
//                 sealed_len:u16 sealed:octets ds_seen:u64 ds_submitted:u64 ds_retired:u64
//                 ds_gone:u64
//                 (the DS side of a key's timeline: asked for, served by every parent server,
//                  asked to be dropped, no longer served; 0 = not yet)
//                 Times are seconds since the epoch, 0 = not scheduled. A key's state is computed
//                 from them and the clock, never stored (RFC 7583 timeline).
//     sealed   := nonce:24 XChaCha20-Poly1305(tenant data key, DER private key)
//                 with associated data "signet/key/1" tenant_id:u32 zone_id:u32 key_id:u32, so
//                 a sealed blob moved to another tenant, zone or key id does not open.
//   A tenant's data key is sealed the same way under the master key (signet-master-key-file),
//   with associated data "signet/tenant/1" tenant_id:u32, appended to its tenant value.
//
//   dnssec        key: zone_id u32                    value: signing state of a secured zone
//     dnssec   := 0x01 denial:u8 (1 NSEC, 3 NSEC3) nsec3_flags:u8 nsec3_iterations:u16
//                 salt_len:u8 salt policy_len:u8 policy:ascii secured_at:u64 chain_ttl:u32
//                 next_refresh:u64 earliest_expiry:u32
//                 chain_gen:u8 pending_gen:u8 pending_denial:u8 pending_flags:u8
//                 pending_iterations:u16 pending_salt_len:u8 pending_salt gc_gen:u8 gc_denial:u8
//                 resign_inception:u64 lease_until:u64 then_nsec3:u8 then_salt_len:u8 then_salt
//                 refresh_open:u8
//                 (policy: the zone's own policy name, empty = its tenant's default policy)
//                 (chain_ttl: the TTL the chain's signatures were made with, the zone's negative
//                  TTL; when the SOA changes it, every link is signed again; next_refresh: when the
//                  zone's earliest signature enters its refresh window)
//                 (chunked whole-zone work, keystore/resign.hh; every field after
//                  earliest_expiry may be absent, meaning: chain_gen = the denial octet, nothing
//                  pending. chain_gen: the generation of the chain pdns serves (the "gen" octet
//                  of its chain keys); pending_*: a chain being built under another generation
//                  with these parameters, switched to once complete; gc_*: an old generation
//                  whose chain rows and RRSIGs are being deleted; resign_inception: a whole-zone
//                  re-sign is under way, every RRSIG with an earlier inception or by a key that
//                  no longer signs is still to be replaced; lease_until: the process driving
//                  that work renews this; others resume it only after it has passed;
//                  then_nsec3: after the pending chain is switched to, build one more with the
//                  same parameters but salt then_salt — a change of NSEC3 flags alone goes
//                  through a random salt, because a chain with the live salt and iterations
//                  would hash to the live owners and overwrite their RRSIGs early)
//                 (refresh_open, may be absent = 0: a refresh committed in parts has changed
//                  signatures since the last serial bump; the part that finishes it bumps it)
//
//   due           key: next_refresh:u64 zone_id:u32     value: (empty)
//                 The refresh schedule of every secured zone, in time order: the refresher reads
//                 from the front and stops at the first entry in the future.
//
//   rrsigs        key: zone_id u32 namekey(owner) 0x00 covered:u16 key_id:u32   value: rrsig
//     rrsig    := 0x01 ttl:u32 rdata:octets(rest)
//                 RRSIGs of the zone's RRsets and of its NSEC/NSEC3 records; an NSEC3 record's
//                 owner is its hash label, so pdns' lookup of "<hash>.zone RRSIG" is one seek.
//
//   chain         key: zone_id u32 gen:u8 order        value: link
//     gen      := the chain's generation (dnssec chain_gen; in stores written before
//                 generations, the denial octet: 1 NSEC, 3 NSEC3). pdns reads only the live one.
//     order    := namekey(owner) for NSEC, the raw 20-octet owner hash for NSEC3
//     link     := 0x01 owner_len:u8 owner:wire-relative types_count:u8 types:u16*
//                 The chain holds exactly the names the denial chain covers, with the types of
//                 their bitmap; predecessor and successor are one seek (getBeforeAndAfterNames).
//
//   rollover      key: zone_id u32                    value: the key manager's state of a zone
//     rollover := 0x01 next_wakeup:u64 request_kind:u8 request_emergency:u8 compromised_key:u32
//                 request_algorithm:u8 going_insecure:u8 algorithm_override:u8
//                 parent_checked_at:u64 parent_ds_count:u8 (tag:u16 alg:u8){count}
//                 next_parent_check:u64 parent_failures:u16
//                 submit_key:u32 next_submit:u64 submit_failures:u16 last_error_len:u16 last_error
//                 status_len:u16 status proposal_len:u16 proposal signers_count:u8 signer:u32*
//                 parent_ds_any_count:u8 (tag:u16 alg:u8){count} parent_unknown:u8 last_tick:u64
//                 check_error_len:u16 check_error
//                 (parent_ds: DS served by every parent server; parent_ds_any: by at least one;
//                  signers: the keys that signed at the last full signing — when the keys active
//                  now differ, the zone is signed again)
//   key_due       key: next_wakeup:u64 zone_id:u32    value: (empty)   -- as "due", for the key
//                 manager
//
//   policies      key: owner:u32 name:ascii           value: policy
//                 owner 0: a global policy (the operator's); else the id of the tenant owning it.
//                 A tenant's zones see its policies and the global ones. A name has one owner:
//                 no two keys share a name (keystore/policy_store.hh enforces it).
//     policy   := 0x01 yaml_len:u32 yaml:octets sealed_len:u16 sealed:octets
//                 yaml: the policy in canonical YAML (conf/policy.hh), without its TSIG secret
//                 sealed: its TSIG secret (ds-push tsig-secret, as written), empty when it has
//                 none:
//                   nonce:24 XChaCha20-Poly1305(K, secret) with associated data
//                   "signet/policy/1" owner:u32 name, K = the master key for owner 0, else the
//                   owning tenant's data key; copied to another owner or name, it does not open.
//                 (Schema 2 keyed policies by name alone, value the YAML with the secret in it;
//                  the migration to 3 makes them global and keeps such a YAML as it is until the
//                  policy is imported again.)
//
//   audit: the audit log (keystore/audit.hh).
//
//   tokens        key: token_id u32                   value: token   (API tokens,
//   keystore/tokens.hh)
//     token    := 0x01 tenant_id:u32 role:u8 created:u64 expires:u64 last_used:u64 revoked:u64
//                 hash:32 comment_len:u16 comment:utf8
//                 (tenant_id 0: an operator token, valid for every tenant; role: signet::Role;
//                  expires / last_used / revoked: 0 = never)
//     hash     := BLAKE2b-256 keyed with the token key over
//                 "signet/token/1" token_id:u32 tenant_id:u32 role:u8 secret
//                 The secret itself is never stored. The token key is derived from the master key
//                 (crypto_kdf, context "sgtoken_", subkey 1) and never stored either, so the table
//                 alone cannot even test guesses. Binding id, tenant and role into the hash makes a
//                 row edited to another tenant or a higher role fail to verify.
//   The tokens database and the sys counter "next-token-id" came without a schema change: open_dbis
//   creates the database on an older store, and older Signet versions never read it.
//
//   tsig_keys     key: namekey(key name) 0x00         value: tsig key   (keystore/tsig_keys.hh)
//     tsig     := 0x01 owner:u32 algorithm:u8 created:u64 name_len:u8 name:wire
//                 sealed_len:u16 sealed:octets
//                 (owner 0: a global key, the operator's; else the owning tenant's id. A key name
//                  has one row whoever owns it: pdns finds TSIG keys by name alone (RFC 8945 §4.2
//                  names the key, not its owner). algorithm: signet::TsigAlgorithm; name: the
//                  name as created, for its spelling; the key is its lower-cased namekey)
//     sealed   := nonce:24 XChaCha20-Poly1305(K, secret) with associated data
//                 "signet/tsig/1" owner:u32 namekey(name), K = the master key for owner 0, else
//                 the owning tenant's data key; the secret is the raw HMAC key (the octets its
//                 base64 text encodes). Moved to another owner or name, it does not open.
//   The tsig_keys database came without a schema change, as tokens did.
//
//   sys "evidence-key" := 0x01 created:u64 public:32 sealed_len:u16 sealed:octets
//                 The operator's Ed25519 key that signs evidence packs (keystore/evidence_key.hh);
//                 public: the raw Ed25519 public key; sealed := nonce:24 XChaCha20-Poly1305(master
//                 key, 32-octet Ed25519 seed) with associated data "signet/evidence/1". Came
//                 without a schema change (a new sys tag older versions never read).
//   monitor       key: zone_id u32                    value: what validators see of the zone
//                 (keystore/monitor_results.hh; written by the validation monitor)
//     monitor  := 0x01 checked_at:u64 count:u8 result{count}
//                 parent_state:u8 parent_checked_at:u64 pcount:u8 pserver{pcount}
//                 hcount:u16 check{hcount} ccount:u16 change{ccount}
//     result   := res_len:u8 resolver:ascii state:u8 ede:u16 ede_text_len:u16 ede_text:utf8
//                 latency_ms:u32 at:u64 detail_len:u16 detail:utf8
//                 (the latest check by one resolver; state: MonitorState; ede 0xffff = none,
//                  RFC 8914 INFO-CODE otherwise)
//     pserver  := server_len:u8 server:ascii state:u8 dcount:u8 (ds_len:u16 ds:ascii){dcount}
//                 (one parent server's DS RRset in presentation format; state: ParentDsCheck)
//     check    := at:u64 res_len:u8 resolver state:u8 ede:u16 ede_text_len:u16 ede_text
//                 latency_ms:u32
//                 (history, newest first, at most kMonitorChecks per resolver)
//     change   := at:u64 subject_len:u8 subject from:u8 to:u8 ede:u16 ede_text_len:u16 ede_text
//                 (state changes, newest first, at most kMonitorChanges; subject: a resolver, or
//                  "parent-ds" with ParentDsCheck states)
//   The monitor database came without a schema change, as tokens did; a zone's row goes with it.
//   alert_state   key: zone_id u32 (0: the store itself)   value: alert state
//     alert    := 0x01 status:u8 since:u64 waiting_since:u64
//                 cond_count:u8 (cond_len:u8 cond){count} id_len:u8 id:ascii
//                 (keystore/alert_store.hh)
//                 (what signetd last alerted about the zone, so that a restart neither sends it
//                  again nor forgets it: status, a signet::HealthStatus (0 ok); since: when that
//                  alert was decided; conditions: the names of the alerted conditions, sorted
//                  ("bogus", "ds-mismatch"...); waiting_since: when a rollover was first seen
//                  waiting on the parent or on approval, 0 = not waiting; id: the alert's id)
//   alert_webhooks key: tenant_id u32                 value: a tenant's own alert webhook
//     webhook  := 0x02 set_at:u64 sealed_len:u16 sealed:octets
//                 (sealed: the URL, which may carry user:password, sealed under the tenant's data
//                 key, keystore/keyring.hh; version 0x01, read only: the URL in clear, as the
//                 first stores with alerts kept it)
//   Both databases came without a schema change, as tokens did.
//
// namekey(name): the labels from the rightmost to the leftmost, each lower-cased (ASCII), escaped
// and followed by 0x00; the escape maps octet 0x00 to 0x01 0x01 and 0x01 to 0x01 0x02 so that no
// label contains 0x00. The apex (empty relative name) encodes as nothing. Because a key continues
// with 0x00 right after the name, memcmp order of keys is RFC 4034 §6.1 canonical name order, a
// name sorts directly before its descendants, and "all RRsets of one name" is a key prefix:
//   exact name+type: one get;  ANY: one prefix seek;  subtree: one prefix seek;
//   predecessor/successor in canonical order: one seek and one step.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "signer/bytes.hh"
#include "signer/error.hh"
#include "signer/name.hh"

namespace signet::codec {

inline constexpr uint32_t kSchemaVersion = 3;
// LMDB's compiled-in maximum key size.
inline constexpr size_t kMaxKey = 511;

// ---------------------------------------------------------------- primitive writers / readers
// Big-endian integers, as everywhere in Signet (signer/bytes.hh).
using bytes::load_u16;
using bytes::load_u32;
using bytes::load_u64;
using bytes::put_bytes;
using bytes::put_u16;
using bytes::put_u32;
using bytes::put_u64;
using bytes::put_u8;
using bytes::store_u16;
using bytes::store_u32;
using bytes::store_u64;

// Bounds-checked sequential reader; throws CorruptionError naming `what` when bytes run out.
class Reader {
 public:
  Reader(std::span<const uint8_t> data, const char* what) : data_(data), what_(what) {}
  uint8_t u8() { return need(1)[0]; }
  uint16_t u16() { return load_u16(need(2)); }
  uint32_t u32() { return load_u32(need(4)); }
  uint64_t u64() { return load_u64(need(8)); }
  std::span<const uint8_t> bytes(size_t n) { return {need(n), n}; }
  size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }

 private:
  const uint8_t* need(size_t n) {
    if (data_.size() - pos_ < n)
      throw CorruptionError(std::string("truncated ") + what_);
    const uint8_t* p = data_.data() + pos_;
    pos_ += n;
    return p;
  }
  std::span<const uint8_t> data_;
  const char* what_;
  size_t pos_ = 0;
};

inline std::span<const uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// ---------------------------------------------------------------- SOA RDATA
// The five 32-bit fields that end an SOA RDATA, after MNAME and RNAME (RFC 1035 §3.3.13).
struct SoaFields {
  uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
};
// Throws CorruptionError when `rdata` is too short to be an SOA.
SoaFields soa_fields(std::span<const uint8_t> rdata);
// `rdata` with its serial replaced.
std::vector<uint8_t> with_soa_serial(std::span<const uint8_t> rdata, uint32_t serial);

// ---------------------------------------------------------------- name keys
// Appends namekey(labels) for a wire-format name fragment without root octet (e.g. the output of
// Name::relative_to) to `out`.
void append_namekey(std::string& out, std::span<const uint8_t> labels);
// namekey of a whole absolute name.
inline void append_namekey(std::string& out, const Name& name) {
  append_namekey(out, name.wire().first(name.wire_size() - 1));
}
// Decodes a namekey back into wire labels (lower case), without root octet. `key` must hold exactly
// the namekey. Returns the number of octets written to `out` (at most 255).
size_t decode_namekey(std::span<const uint8_t> key, uint8_t* out);

// ---------------------------------------------------------------- record keys
// zone_id | namekey(rel) | 0x00 | type
std::string rrset_key(uint32_t zone_id, std::span<const uint8_t> rel_labels, uint16_t type);
// zone_id | namekey(rel) | 0x00   -- every RRset of one name
std::string name_prefix(uint32_t zone_id, std::span<const uint8_t> rel_labels);
// zone_id | namekey(rel)          -- the name and all its descendants
std::string subtree_prefix(uint32_t zone_id, std::span<const uint8_t> rel_labels);
std::string zone_prefix(uint32_t zone_id);

struct RRsetKeyParts {
  uint32_t zone_id;
  std::span<const uint8_t> namekey;  // without the terminating 0x00
  uint16_t type;
};
RRsetKeyParts split_rrset_key(std::span<const uint8_t> key);
// The type of an rrset key (what split_rrset_key(key).type says, without the other parts).
uint16_t rrset_key_type(std::span<const uint8_t> key);
// The flags octet of an rrset value (what decode_rrset(value).flags says).
uint8_t rrset_value_flags(std::span<const uint8_t> value);

// ---------------------------------------------------------------- values
enum RRsetFlags : uint8_t {
  kAuth = 0x01,       // authoritative data: not at or below a zone cut (DS at the cut is auth)
  kOwnerCase = 0x02,  // the owner's original spelling follows the RDATA
};

// A decoded view of an rrset value; spans point into the LMDB page (valid for the txn only).
struct RRsetView {
  uint8_t flags = 0;
  uint32_t ttl = 0;
  uint16_t count = 0;
  std::span<const uint8_t> rdata_area;  // count × (rdlen:u16 rdata)
  std::span<const uint8_t> owner_case;  // relative wire labels, empty unless kOwnerCase

  bool auth() const { return flags & kAuth; }
  // Iterates over the RDATA entries without allocation.
  class Iterator {
   public:
    explicit Iterator(std::span<const uint8_t> area) : area_(area) {}
    bool next(std::span<const uint8_t>& rdata) {
      if (pos_ >= area_.size())
        return false;
      uint16_t len = load_u16(area_.data() + pos_);
      rdata = area_.subspan(pos_ + 2, len);
      pos_ += 2 + len;
      return true;
    }

   private:
    std::span<const uint8_t> area_;
    size_t pos_ = 0;
  };
  Iterator rdatas() const { return Iterator(rdata_area); }
};

RRsetView decode_rrset(std::span<const uint8_t> value);
// Builds an rrset value; `rdatas` must be sorted canonically and free of duplicates.
std::string encode_rrset(uint8_t flags, uint32_t ttl,
                         const std::vector<std::vector<uint8_t>>& rdatas,
                         std::span<const uint8_t> owner_case = {});
// Rewrites only the flags octet of an encoded rrset.
std::string with_rrset_flags(std::span<const uint8_t> value, uint8_t flags);

struct TenantRecord {
  uint32_t id = 0;
  std::string name;
  uint64_t created = 0;
  std::vector<uint8_t> sealed_data_key;  // empty until the tenant secures its first zone
  std::string policy;                    // the tenant's default signing policy ("" = default)
  uint32_t default_catalog = 0;          // zone id of its new zones' catalog (0 = the global one)
};
std::string encode_tenant(const TenantRecord& t);
TenantRecord decode_tenant(uint32_t id, std::span<const uint8_t> value);

enum class ZoneKind : uint8_t {
  kPrimary = 0,
  kSecondary = 1,
  kNative = 2,
  kProducer = 3,  // a catalog zone Signet produces (RFC 9432), content generated by pdns
  kConsumer = 4,  // a catalog zone pdns consumes from a primary elsewhere
};
inline bool is_catalog_kind(ZoneKind k) {
  return k == ZoneKind::kProducer || k == ZoneKind::kConsumer;
}

enum ZoneFlags : uint8_t {
  kZoneHasSoa = 0x01,          // the zone has its SOA: it can be served
  kZoneSharedCatalog = 0x02,   // a producer catalog zones of every tenant may join
  kZoneUpstreamSerial = 0x04,  // upstream_serial is the primary's serial of the last transfer
};

struct ZoneRecord {
  uint32_t id = 0;
  uint32_t tenant_id = 0;
  ZoneKind kind = ZoneKind::kNative;
  uint8_t flags = 0;
  uint32_t serial = 0;  // copy of the SOA serial, so listing zones never reads RRsets
  uint32_t notified_serial = 0;
  uint64_t created = 0;
  uint64_t modified = 0;
  Name name;
  uint32_t catalog_id = 0;      // the producer catalog listing the zone, 0 = none
  std::string catalog_options;  // pdns' catalog options JSON ("" = none)
  // Kind secondary (keystore/secondary_zones.hh): when pdns last found the zone fresh (0 = never
  // or stale), and the primary's serial of the last transfer (with kZoneUpstreamSerial).
  uint64_t last_check = 0;
  uint32_t upstream_serial = 0;
};
std::string encode_zone(const ZoneRecord& z);
ZoneRecord decode_zone(uint32_t id, std::span<const uint8_t> value);

std::string u32_key(uint32_t v);
std::string u32_pair_key(uint32_t a, uint32_t b);
// The inverses; throw CorruptionError unless `key` has exactly that layout.
uint32_t decode_u32_key(std::span<const uint8_t> key);
std::pair<uint32_t, uint32_t> split_u32_pair_key(std::span<const uint8_t> key);
// seq:u64 -- the audit log's keys
std::string u64_key(uint64_t v);
uint64_t decode_u64_key(std::span<const uint8_t> key);

// ---------------------------------------------------------------- DNSSEC values
struct KeyRecord {
  uint32_t zone_id = 0;
  uint32_t id = 0;
  uint8_t role = 0;       // signet::KeyRole
  uint8_t algorithm = 0;  // DNSSEC algorithm number
  uint16_t flags = 0;     // DNSKEY flags
  uint16_t tag = 0;
  uint64_t created = 0, publish = 0, activate = 0, inactive = 0, remove = 0;
  std::vector<uint8_t> public_key;  // DNSKEY public key field
  std::vector<uint8_t> sealed;      // sealed private key
  uint64_t ds_seen = 0;             // the parent serves its DS since then (0: not known to)
  uint64_t ds_submitted = 0, ds_retired = 0, ds_gone = 0;
};
std::string encode_key(const KeyRecord& k);
KeyRecord decode_key(uint32_t zone_id, uint32_t key_id, std::span<const uint8_t> value);

enum class Denial : uint8_t { kNsec = 1, kNsec3 = 3 };

struct DnssecRecord {
  Denial denial = Denial::kNsec3;
  uint8_t nsec3_flags = 0;
  uint16_t nsec3_iterations = 0;
  std::vector<uint8_t> salt;
  std::string policy;  // the zone's own policy; "" = its tenant's default
  uint64_t secured_at = 0;
  uint32_t chain_ttl = 0;
  uint64_t next_refresh = 0;
  uint32_t earliest_expiry = 0;  // the earliest RRSIG expiration at the last scheduling

  // Chunked whole-zone work (keystore/resign.hh).
  uint8_t chain_gen = 0;    // the live chain's generation; 0: the denial octet (older stores)
  uint8_t pending_gen = 0;  // a chain under construction; 0: none
  Denial pending_denial = Denial::kNsec3;
  uint8_t pending_flags = 0;
  uint16_t pending_iterations = 0;
  std::vector<uint8_t> pending_salt;
  uint8_t gc_gen = 0;  // an old chain being deleted; 0: none
  Denial gc_denial = Denial::kNsec3;
  uint64_t resign_inception = 0;  // a whole-zone re-sign is under way; 0: none
  uint64_t lease_until = 0;       // the driving process holds the work until then
  bool then_nsec3 = false;        // after the switch, rebuild once more with salt then_salt
  std::vector<uint8_t> then_salt;
  // A refresh in parts (Refresher) committed signatures no serial covers yet: its last part
  // bumps the serial even when it signs nothing itself (the part before it was killed).
  bool refresh_open = false;

  uint8_t live_gen() const { return chain_gen ? chain_gen : static_cast<uint8_t>(denial); }
  bool has_pending_work() const { return pending_gen || gc_gen || resign_inception || then_nsec3; }
};
// The pending chain as if it were live: denial parameters and generation of the chain being
// built, everything else as `d` (the edit path and the builder sign it with this view).
DnssecRecord pending_view(const DnssecRecord& d);
std::string due_key(uint64_t when, uint32_t zone_id);
struct DueKeyParts {
  uint64_t when;
  uint32_t zone_id;
};
DueKeyParts split_due_key(std::span<const uint8_t> key);

struct RolloverRecord {
  uint64_t next_wakeup = 0;
  uint8_t request_kind = 0;  // signet::RolloverKind
  bool request_emergency = false;
  uint32_t compromised_key = 0;
  uint8_t request_algorithm = 0;  // 0: none
  bool going_insecure = false;
  uint8_t algorithm_override = 0;  // 0: the policy's
  uint64_t parent_checked_at = 0;
  std::vector<std::pair<uint16_t, uint8_t>> parent_ds;
  uint64_t next_parent_check = 0;
  uint16_t parent_failures = 0;
  uint32_t submit_key = 0;  // a DS submission (hook/push) is pending for this key
  uint64_t next_submit = 0;
  uint16_t submit_failures = 0;
  std::string last_error;
  std::string status;
  std::string proposal;           // manual approval: the steps awaiting `approve`
  std::vector<uint32_t> signers;  // key ids that signed the zone at the last full signing
  std::vector<std::pair<uint16_t, uint8_t>> parent_ds_any;  // served by at least one server
  uint8_t parent_unknown = 0;    // DS records at the parent that match none of our keys
  uint64_t last_tick = 0;        // when the key manager last acted on the zone
  std::string last_check_error;  // why the last parent check failed ("" = it worked)
};
std::string encode_rollover(const RolloverRecord& r);
RolloverRecord decode_rollover(std::span<const uint8_t> value);
std::string encode_dnssec(const DnssecRecord& d);
DnssecRecord decode_dnssec(std::span<const uint8_t> value);

// rrsigs key: zone_id | namekey | 0x00 | covered | key_id
std::string rrsig_key(uint32_t zone_id, std::span<const uint8_t> rel_labels, uint16_t covered,
                      uint32_t key_id);
std::string encode_rrsig(uint32_t ttl, std::span<const uint8_t> rdata);
// The same into `out` (replacing its content; reusing its buffer, for bulk signing).
void encode_rrsig_into(std::string& out, uint32_t ttl, std::span<const uint8_t> rdata);
struct RrsigValue {
  uint32_t ttl;
  std::span<const uint8_t> rdata;
};
RrsigValue decode_rrsig_value(std::span<const uint8_t> value);
struct RrsigKeyParts {
  uint32_t zone_id;
  std::span<const uint8_t> namekey;  // without the terminating 0x00
  uint16_t covered;
  uint32_t key_id;
};
RrsigKeyParts split_rrsig_key(std::span<const uint8_t> key);

struct ChainLink {
  std::vector<uint8_t> owner;  // relative wire labels
  std::vector<uint16_t> types;
  bool operator==(const ChainLink&) const = default;
};
std::string chain_prefix(uint32_t zone_id, uint8_t gen);
// The order part of a chain key (what follows chain_prefix): a namekey (NSEC) or a raw owner
// hash (NSEC3).
std::span<const uint8_t> chain_key_order(std::span<const uint8_t> key);
// The owner hash of an NSEC3 chain key (its order: the 20-octet SHA-1 hash, RFC 5155 §5).
std::array<uint8_t, 20> chain_key_hash(std::span<const uint8_t> key);
std::string encode_link(const ChainLink& l);
ChainLink decode_link(std::span<const uint8_t> value);

// ---------------------------------------------------------------- policies
// policies key: owner | name (owner 0: global)
std::string policy_key(uint32_t owner, std::string_view name);
struct PolicyKeyParts {
  uint32_t owner;
  std::string_view name;  // points into the key
};
// Throws CorruptionError unless `key` is an owner and a name of 1 to 63 octets.
PolicyKeyParts split_policy_key(std::span<const uint8_t> key);

struct PolicyRecord {
  std::string yaml;                    // canonical YAML without the TSIG secret
  std::vector<uint8_t> sealed_secret;  // the sealed TSIG secret; empty: none
  bool operator==(const PolicyRecord&) const = default;
};
std::string encode_policy(const PolicyRecord& p);
PolicyRecord decode_policy(std::span<const uint8_t> value);

// meta key: zone_id | kind | 0x00 | index
std::string meta_key(uint32_t zone_id, std::string_view kind, uint16_t index);
std::string meta_prefix(uint32_t zone_id, std::string_view kind);
struct MetaKeyParts {
  uint32_t zone_id;
  std::string_view kind;
  uint16_t index;
};
MetaKeyParts split_meta_key(std::span<const uint8_t> key);

// ---------------------------------------------------------------- API tokens
struct TokenRecord {
  uint32_t id = 0;
  uint32_t tenant_id = 0;  // 0: an operator token (every tenant)
  uint8_t role = 0;        // signet::Role
  uint64_t created = 0;
  uint64_t expires = 0;    // 0: never
  uint64_t last_used = 0;  // 0: never
  uint64_t revoked = 0;    // 0: not revoked
  std::array<uint8_t, 32> hash{};
  std::string comment;
};
std::string encode_token(const TokenRecord& t);
TokenRecord decode_token(uint32_t id, std::span<const uint8_t> value);

// ---------------------------------------------------------------- TSIG keys
// tsig_keys key: namekey(name) 0x00 (case-insensitive: one row per name however it is spelled)
std::string tsig_key_key(const Name& name);
struct TsigKeyRecord {
  Name name;              // as created
  uint32_t owner = 0;     // 0: global (the operator's), else the owning tenant's id
  uint8_t algorithm = 0;  // signet::TsigAlgorithm
  uint64_t created = 0;
  std::vector<uint8_t> sealed;  // the sealed secret
};
std::string encode_tsig_key(const TsigKeyRecord& k);
TsigKeyRecord decode_tsig_key(std::span<const uint8_t> value);

// ---------------------------------------------------------------- evidence key (sys)
struct EvidenceKeyRecord {
  uint64_t created = 0;
  std::array<uint8_t, 32> public_key{};
  std::vector<uint8_t> sealed;  // the sealed Ed25519 seed
};
std::string encode_evidence_key(const EvidenceKeyRecord& k);
EvidenceKeyRecord decode_evidence_key(std::span<const uint8_t> value);

// ---------------------------------------------------------------- validation monitor
// Bounds of a zone's monitor history (per resolver) and of its list of state changes.
inline constexpr size_t kMonitorChecks = 20;
inline constexpr size_t kMonitorChanges = 100;
inline constexpr uint16_t kNoEde = 0xffff;
struct MonitorResult {
  std::string resolver;  // "embedded" or "127.0.0.1:5353"
  uint8_t state = 0;     // signet::MonitorState
  std::optional<uint16_t> ede;
  std::string ede_text;
  uint32_t latency_ms = 0;
  uint64_t at = 0;
  std::string detail;
};
struct MonitorParentServer {
  std::string server;
  uint8_t state = 0;            // signet::ParentDsCheck
  std::vector<std::string> ds;  // presentation format
};
struct MonitorChange {
  uint64_t at = 0;
  std::string subject;  // a resolver, or "parent-ds"
  uint8_t from = 0, to = 0;
  std::optional<uint16_t> ede;
  std::string ede_text;
};
struct MonitorRecord {
  uint64_t checked_at = 0;
  std::vector<MonitorResult> results;  // the latest per resolver
  uint8_t parent_state = 0;
  uint64_t parent_checked_at = 0;
  std::vector<MonitorParentServer> parent_servers;
  std::vector<MonitorResult> history;  // newest first (detail not stored)
  std::vector<MonitorChange> changes;  // newest first
};
std::string encode_monitor(const MonitorRecord& m);
MonitorRecord decode_monitor(uint32_t zone_id, std::span<const uint8_t> value);
// ---------------------------------------------------------------- alerts
struct AlertStateRecord {
  uint8_t status = 0;  // signet::HealthStatus last alerted
  uint64_t since = 0;
  uint64_t waiting_since = 0;           // 0: no rollover waiting
  std::vector<std::string> conditions;  // sorted condition names
  std::string id;                       // the last alert's id
  bool operator==(const AlertStateRecord&) const = default;
};
std::string encode_alert_state(const AlertStateRecord& a);
AlertStateRecord decode_alert_state(std::span<const uint8_t> value);

struct AlertWebhookRecord {
  uint64_t set_at = 0;
  std::string url;              // in clear: what callers see; version 0x01 in the store
  std::vector<uint8_t> sealed;  // what the store holds (version 0x02); encode writes it if set
  bool operator==(const AlertWebhookRecord&) const = default;
};
std::string encode_alert_webhook(const AlertWebhookRecord& w);
AlertWebhookRecord decode_alert_webhook(std::span<const uint8_t> value);

}  // namespace signet::codec
