// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/codec.hh"

#include <array>

namespace signet::codec {

namespace {
// MNAME and RNAME are at least the root (one octet each).
constexpr size_t kMinSoaRdata = 1 + 1 + 5 * 4;
}  // namespace

SoaFields soa_fields(std::span<const uint8_t> rdata) {
  if (rdata.size() < kMinSoaRdata)
    throw CorruptionError("short SOA record");
  const uint8_t* p = rdata.data() + rdata.size() - 20;
  return SoaFields{load_u32(p), load_u32(p + 4), load_u32(p + 8), load_u32(p + 12),
                   load_u32(p + 16)};
}

std::vector<uint8_t> with_soa_serial(std::span<const uint8_t> rdata, uint32_t serial) {
  if (rdata.size() < kMinSoaRdata)
    throw CorruptionError("short SOA record");
  std::vector<uint8_t> out(rdata.begin(), rdata.end());
  bytes::store_u32(out.data() + out.size() - 20, serial);
  return out;
}

void append_namekey(std::string& out, std::span<const uint8_t> labels) {
  // Collect label offsets left to right, then emit right to left.
  std::array<uint8_t, Name::kMaxLabels> offs;
  unsigned n = 0;
  for (size_t pos = 0; pos < labels.size(); pos += 1 + labels[pos])
    offs[n++] = static_cast<uint8_t>(pos);
  while (n > 0) {
    size_t pos = offs[--n];
    uint8_t len = labels[pos];
    for (size_t i = 1; i <= len; ++i) {
      uint8_t c = to_lower_ascii(labels[pos + i]);
      if (c <= 1) {
        out.push_back('\x01');
        out.push_back(static_cast<char>(c + 1));
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
    out.push_back('\0');
  }
}

size_t decode_namekey(std::span<const uint8_t> key, uint8_t* out) {
  // Decode the labels (right to left in the key) into a scratch array, then reverse them.
  std::array<uint8_t, 512> scratch;
  std::array<uint16_t, Name::kMaxLabels + 1> starts;
  unsigned n = 0;
  size_t w = 0;
  size_t i = 0;
  while (i < key.size()) {
    if (n >= Name::kMaxLabels)
      throw CorruptionError("name key with too many labels");
    // Stop as soon as the labels are longer than any name can be: `scratch` then never fills.
    if (w >= Name::kMaxWire)
      throw CorruptionError("name key too long");
    starts[n++] = static_cast<uint16_t>(w);
    size_t len_pos = w++;
    uint8_t len = 0;
    while (true) {
      if (i >= key.size())
        throw CorruptionError("unterminated label in name key");
      uint8_t c = key[i++];
      if (c == 0)
        break;
      if (c == 1) {
        // The escape has two forms only: 0x01 0x01 (octet 0x00) and 0x01 0x02 (octet 0x01).
        if (i >= key.size() || (key[i] != 1 && key[i] != 2))
          throw CorruptionError("bad escape in name key");
        c = static_cast<uint8_t>(key[i++] - 1);
      }
      if (w >= scratch.size() || len == Name::kMaxLabel)
        throw CorruptionError("label too long in name key");
      scratch[w++] = c;
      ++len;
    }
    // A label has 1 to 63 octets (RFC 1035 §3.1); an empty one would end the name early.
    if (len == 0)
      throw CorruptionError("empty label in name key");
    scratch[len_pos] = len;
  }
  // The labels of a name leave room for at least its root octet (RFC 1035 §3.1: 255 in all).
  if (w >= Name::kMaxWire)
    throw CorruptionError("name key too long");
  size_t o = 0;
  while (n > 0) {
    size_t s = starts[--n];
    size_t len = scratch[s] + 1u;
    std::memcpy(out + o, scratch.data() + s, len);
    o += len;
  }
  return o;
}

std::string zone_prefix(uint32_t zone_id) {
  std::string k;
  put_u32(k, zone_id);
  return k;
}

std::string subtree_prefix(uint32_t zone_id, std::span<const uint8_t> rel_labels) {
  std::string k;
  k.reserve(8 + rel_labels.size());
  put_u32(k, zone_id);
  append_namekey(k, rel_labels);
  return k;
}

std::string name_prefix(uint32_t zone_id, std::span<const uint8_t> rel_labels) {
  std::string k = subtree_prefix(zone_id, rel_labels);
  k.push_back('\0');
  return k;
}

std::string rrset_key(uint32_t zone_id, std::span<const uint8_t> rel_labels, uint16_t type) {
  std::string k = name_prefix(zone_id, rel_labels);
  put_u16(k, type);
  if (k.size() > kMaxKey) {
    throw InputError("domain name too long to be stored (its key exceeds " +
                     std::to_string(kMaxKey) + " octets)");
  }
  return k;
}

RRsetKeyParts split_rrset_key(std::span<const uint8_t> key) {
  // zone_id(4) namekey 0x00 type(2); the namekey's labels each end in 0x00 and contain no 0x00.
  if (key.size() < 4 + 1 + 2)
    throw CorruptionError("short rrset key");
  RRsetKeyParts p;
  p.zone_id = load_u32(key.data());
  p.type = load_u16(key.data() + key.size() - 2);
  if (key[key.size() - 3] != 0)
    throw CorruptionError("rrset key without name terminator");
  p.namekey = key.subspan(4, key.size() - 4 - 3);
  return p;
}

uint16_t rrset_key_type(std::span<const uint8_t> key) {
  if (key.size() < 4 + 1 + 2)
    throw CorruptionError("short rrset key");
  return load_u16(key.data() + key.size() - 2);
}

uint8_t rrset_value_flags(std::span<const uint8_t> value) {
  if (value.size() < 2)
    throw CorruptionError("short rrset value");
  return value[1];
}

RRsetView decode_rrset(std::span<const uint8_t> value) {
  Reader r(value, "rrset value");
  RRsetView v;
  uint8_t version = r.u8();
  if (version != 1)
    throw CorruptionError("unknown rrset value version " + std::to_string(version));
  v.flags = r.u8();
  v.ttl = r.u32();
  v.count = r.u16();
  size_t start = value.size() - r.remaining();
  for (uint16_t i = 0; i < v.count; ++i)
    r.bytes(r.u16());
  size_t end = value.size() - r.remaining();
  v.rdata_area = value.subspan(start, end - start);
  if (v.flags & kOwnerCase) {
    uint8_t len = r.u8();
    v.owner_case = r.bytes(len);
  }
  return v;
}

std::string encode_rrset(uint8_t flags, uint32_t ttl,
                         const std::vector<std::vector<uint8_t>>& rdatas,
                         std::span<const uint8_t> owner_case) {
  std::string out;
  size_t total = 8 + owner_case.size() + 1;
  for (const auto& r : rdatas)
    total += 2 + r.size();
  out.reserve(total);
  if (!owner_case.empty())
    flags |= kOwnerCase;
  else
    flags &= static_cast<uint8_t>(~kOwnerCase);
  put_u8(out, 1);
  put_u8(out, flags);
  put_u32(out, ttl);
  put_u16(out, static_cast<uint16_t>(rdatas.size()));
  for (const auto& r : rdatas) {
    put_u16(out, static_cast<uint16_t>(r.size()));
    put_bytes(out, r);
  }
  if (!owner_case.empty()) {
    put_u8(out, static_cast<uint8_t>(owner_case.size()));
    put_bytes(out, owner_case);
  }
  return out;
}

std::string with_rrset_flags(std::span<const uint8_t> value, uint8_t flags) {
  if (value.size() < 2)
    throw CorruptionError("short rrset value");
  std::string out(reinterpret_cast<const char*>(value.data()), value.size());
  out[1] = static_cast<char>((static_cast<uint8_t>(out[1]) & kOwnerCase) | (flags & ~kOwnerCase));
  return out;
}

std::string encode_tenant(const TenantRecord& t) {
  std::string out;
  put_u8(out, 1);
  put_u64(out, t.created);
  put_u8(out, static_cast<uint8_t>(t.name.size()));
  out += t.name;
  // Optional tail, in order: the sealed data key (length 0 = none yet), the default policy, the
  // default catalog.
  const bool catalog = t.default_catalog != 0;
  if (!t.sealed_data_key.empty() || !t.policy.empty() || catalog) {
    put_u16(out, static_cast<uint16_t>(t.sealed_data_key.size()));
    put_bytes(out, t.sealed_data_key);
  }
  if (!t.policy.empty() || catalog) {
    put_u8(out, static_cast<uint8_t>(t.policy.size()));
    out += t.policy;
  }
  if (catalog)
    put_u32(out, t.default_catalog);
  return out;
}

TenantRecord decode_tenant(uint32_t id, std::span<const uint8_t> value) {
  Reader r(value, "tenant value");
  uint8_t version = r.u8();
  if (version != 1)
    throw CorruptionError("unknown tenant value version " + std::to_string(version));
  TenantRecord t;
  t.id = id;
  t.created = r.u64();
  auto name = r.bytes(r.u8());
  t.name.assign(reinterpret_cast<const char*>(name.data()), name.size());
  if (!r.at_end()) {
    auto dk = r.bytes(r.u16());
    t.sealed_data_key.assign(dk.begin(), dk.end());
  }
  if (!r.at_end()) {
    auto p = r.bytes(r.u8());
    t.policy.assign(reinterpret_cast<const char*>(p.data()), p.size());
  }
  if (!r.at_end())
    t.default_catalog = r.u32();
  return t;
}

std::string encode_zone(const ZoneRecord& z) {
  std::string out;
  put_u8(out, 1);
  put_u32(out, z.tenant_id);
  put_u8(out, static_cast<uint8_t>(z.kind));
  put_u8(out, z.flags);
  put_u32(out, z.serial);
  put_u32(out, z.notified_serial);
  put_u64(out, z.created);
  put_u64(out, z.modified);
  put_u8(out, static_cast<uint8_t>(z.name.wire_size()));
  put_bytes(out, z.name.wire());
  const bool transfer = z.last_check != 0 || (z.flags & kZoneUpstreamSerial);
  if (z.catalog_id != 0 || !z.catalog_options.empty() || transfer) {
    put_u32(out, z.catalog_id);
    put_u16(out, static_cast<uint16_t>(z.catalog_options.size()));
    out += z.catalog_options;
  }
  if (transfer) {
    put_u64(out, z.last_check);
    put_u32(out, z.upstream_serial);
  }
  return out;
}

ZoneRecord decode_zone(uint32_t id, std::span<const uint8_t> value) {
  Reader r(value, "zone value");
  uint8_t version = r.u8();
  if (version != 1)
    throw CorruptionError("unknown zone value version " + std::to_string(version));
  ZoneRecord z;
  z.id = id;
  z.tenant_id = r.u32();
  z.kind = static_cast<ZoneKind>(r.u8());
  z.flags = r.u8();
  z.serial = r.u32();
  z.notified_serial = r.u32();
  z.created = r.u64();
  z.modified = r.u64();
  auto name = r.bytes(r.u8());
  try {
    z.name = Name::from_wire(name);
  } catch (const InputError& e) {
    throw CorruptionError(std::string("zone record: ") + e.what());
  }
  if (!r.at_end()) {
    z.catalog_id = r.u32();
    auto options = r.bytes(r.u16());
    z.catalog_options.assign(reinterpret_cast<const char*>(options.data()), options.size());
  }
  if (!r.at_end()) {
    z.last_check = r.u64();
    z.upstream_serial = r.u32();
  }
  return z;
}

std::string encode_key(const KeyRecord& k) {
  std::string out;
  put_u8(out, 1);
  put_u8(out, k.role);
  put_u8(out, k.algorithm);
  put_u16(out, k.flags);
  put_u16(out, k.tag);
  for (uint64_t t : {k.created, k.publish, k.activate, k.inactive, k.remove})
    put_u64(out, t);
  put_u16(out, static_cast<uint16_t>(k.public_key.size()));
  put_bytes(out, k.public_key);
  put_u16(out, static_cast<uint16_t>(k.sealed.size()));
  put_bytes(out, k.sealed);
  put_u64(out, k.ds_seen);
  put_u64(out, k.ds_submitted);
  put_u64(out, k.ds_retired);
  put_u64(out, k.ds_gone);
  return out;
}

KeyRecord decode_key(uint32_t zone_id, uint32_t key_id, std::span<const uint8_t> value) {
  Reader r(value, "key value");
  uint8_t version = r.u8();
  if (version != 1)
    throw CorruptionError("unknown key value version " + std::to_string(version));
  KeyRecord k;
  k.zone_id = zone_id;
  k.id = key_id;
  k.role = r.u8();
  k.algorithm = r.u8();
  k.flags = r.u16();
  k.tag = r.u16();
  k.created = r.u64();
  k.publish = r.u64();
  k.activate = r.u64();
  k.inactive = r.u64();
  k.remove = r.u64();
  auto pub = r.bytes(r.u16());
  k.public_key.assign(pub.begin(), pub.end());
  auto sealed = r.bytes(r.u16());
  k.sealed.assign(sealed.begin(), sealed.end());
  k.ds_seen = r.u64();
  if (!r.at_end()) {
    k.ds_submitted = r.u64();
    k.ds_retired = r.u64();
    k.ds_gone = r.u64();
  }
  return k;
}

std::string encode_dnssec(const DnssecRecord& d) {
  std::string out;
  put_u8(out, 1);
  put_u8(out, static_cast<uint8_t>(d.denial));
  put_u8(out, d.nsec3_flags);
  put_u16(out, d.nsec3_iterations);
  put_u8(out, static_cast<uint8_t>(d.salt.size()));
  put_bytes(out, d.salt);
  put_u8(out, static_cast<uint8_t>(d.policy.size()));
  out += d.policy;
  put_u64(out, d.secured_at);
  put_u32(out, d.chain_ttl);
  put_u64(out, d.next_refresh);
  put_u32(out, d.earliest_expiry);
  put_u8(out, d.live_gen());
  put_u8(out, d.pending_gen);
  put_u8(out, static_cast<uint8_t>(d.pending_denial));
  put_u8(out, d.pending_flags);
  put_u16(out, d.pending_iterations);
  put_u8(out, static_cast<uint8_t>(d.pending_salt.size()));
  put_bytes(out, d.pending_salt);
  put_u8(out, d.gc_gen);
  put_u8(out, static_cast<uint8_t>(d.gc_denial));
  put_u64(out, d.resign_inception);
  put_u64(out, d.lease_until);
  put_u8(out, d.then_nsec3 ? 1 : 0);
  put_u8(out, static_cast<uint8_t>(d.then_salt.size()));
  put_bytes(out, d.then_salt);
  put_u8(out, d.refresh_open ? 1 : 0);
  return out;
}

DnssecRecord pending_view(const DnssecRecord& d) {
  DnssecRecord v = d;
  v.denial = d.pending_denial;
  v.nsec3_flags = d.pending_flags;
  v.nsec3_iterations = d.pending_iterations;
  v.salt = d.pending_salt;
  v.chain_gen = d.pending_gen;
  v.pending_gen = 0;
  v.then_nsec3 = false;
  return v;
}

DnssecRecord decode_dnssec(std::span<const uint8_t> value) {
  Reader r(value, "dnssec value");
  uint8_t version = r.u8();
  if (version != 1)
    throw CorruptionError("unknown dnssec value version " + std::to_string(version));
  DnssecRecord d;
  d.denial = static_cast<Denial>(r.u8());
  d.nsec3_flags = r.u8();
  d.nsec3_iterations = r.u16();
  auto salt = r.bytes(r.u8());
  d.salt.assign(salt.begin(), salt.end());
  auto policy = r.bytes(r.u8());
  d.policy.assign(reinterpret_cast<const char*>(policy.data()), policy.size());
  d.secured_at = r.u64();
  d.chain_ttl = r.u32();
  d.next_refresh = r.u64();
  if (!r.at_end())
    d.earliest_expiry = r.u32();
  if (!r.at_end()) {
    d.chain_gen = r.u8();
    d.pending_gen = r.u8();
    d.pending_denial = static_cast<Denial>(r.u8());
    d.pending_flags = r.u8();
    d.pending_iterations = r.u16();
    auto ps = r.bytes(r.u8());
    d.pending_salt.assign(ps.begin(), ps.end());
    d.gc_gen = r.u8();
    d.gc_denial = static_cast<Denial>(r.u8());
    d.resign_inception = r.u64();
    d.lease_until = r.u64();
  }
  if (!r.at_end()) {
    d.then_nsec3 = r.u8() != 0;
    auto ts = r.bytes(r.u8());
    d.then_salt.assign(ts.begin(), ts.end());
  }
  if (!r.at_end())
    d.refresh_open = r.u8() != 0;
  return d;
}

std::string due_key(uint64_t when, uint32_t zone_id) {
  std::string k;
  put_u64(k, when);
  put_u32(k, zone_id);
  return k;
}

DueKeyParts split_due_key(std::span<const uint8_t> key) {
  if (key.size() != 8 + 4)
    throw CorruptionError("bad due index key");
  return DueKeyParts{load_u64(key.data()), load_u32(key.data() + 8)};
}

std::string rrsig_key(uint32_t zone_id, std::span<const uint8_t> rel_labels, uint16_t covered,
                      uint32_t key_id) {
  std::string k = name_prefix(zone_id, rel_labels);
  put_u16(k, covered);
  put_u32(k, key_id);
  return k;
}

RrsigKeyParts split_rrsig_key(std::span<const uint8_t> key) {
  // zone_id(4) namekey 0x00 covered(2) key_id(4)
  if (key.size() < 4 + 1 + 2 + 4)
    throw CorruptionError("short rrsig key");
  if (key[key.size() - 7] != 0)
    throw CorruptionError("rrsig key without name terminator");
  RrsigKeyParts p;
  p.zone_id = load_u32(key.data());
  p.namekey = key.subspan(4, key.size() - 4 - 7);
  p.covered = load_u16(key.data() + key.size() - 6);
  p.key_id = load_u32(key.data() + key.size() - 4);
  return p;
}

void encode_rrsig_into(std::string& out, uint32_t ttl, std::span<const uint8_t> rdata) {
  out.clear();
  put_u8(out, 1);
  put_u32(out, ttl);
  put_bytes(out, rdata);
}

std::string encode_rrsig(uint32_t ttl, std::span<const uint8_t> rdata) {
  std::string out;
  out.reserve(5 + rdata.size());
  encode_rrsig_into(out, ttl, rdata);
  return out;
}

RrsigValue decode_rrsig_value(std::span<const uint8_t> value) {
  if (value.size() < 5 || value[0] != 1)
    throw CorruptionError("bad rrsig value");
  return RrsigValue{load_u32(value.data() + 1), value.subspan(5)};
}

std::string chain_prefix(uint32_t zone_id, uint8_t gen) {
  std::string k;
  put_u32(k, zone_id);
  put_u8(k, gen);
  return k;
}

std::span<const uint8_t> chain_key_order(std::span<const uint8_t> key) {
  if (key.size() < 4 + 1)
    throw CorruptionError("short chain key");
  return key.subspan(4 + 1);
}

std::array<uint8_t, 20> chain_key_hash(std::span<const uint8_t> key) {
  auto order = chain_key_order(key);
  std::array<uint8_t, 20> h;
  if (order.size() != h.size())
    throw CorruptionError("NSEC3 chain key without a 20-octet hash");
  std::memcpy(h.data(), order.data(), h.size());
  return h;
}

std::string encode_link(const ChainLink& l) {
  std::string out;
  put_u8(out, 1);
  put_u8(out, static_cast<uint8_t>(l.owner.size()));
  put_bytes(out, l.owner);
  put_u8(out, static_cast<uint8_t>(l.types.size()));
  for (uint16_t t : l.types)
    put_u16(out, t);
  return out;
}

ChainLink decode_link(std::span<const uint8_t> value) {
  Reader r(value, "chain link");
  uint8_t version = r.u8();
  if (version != 1)
    throw CorruptionError("unknown chain link version " + std::to_string(version));
  ChainLink l;
  auto owner = r.bytes(r.u8());
  l.owner.assign(owner.begin(), owner.end());
  uint8_t n = r.u8();
  for (uint8_t i = 0; i < n; ++i)
    l.types.push_back(r.u16());
  return l;
}

std::string encode_rollover(const RolloverRecord& x) {
  std::string out;
  put_u8(out, 1);
  put_u64(out, x.next_wakeup);
  put_u8(out, x.request_kind);
  put_u8(out, x.request_emergency);
  put_u32(out, x.compromised_key);
  put_u8(out, x.request_algorithm);
  put_u8(out, x.going_insecure);
  put_u8(out, x.algorithm_override);
  put_u64(out, x.parent_checked_at);
  put_u8(out, static_cast<uint8_t>(x.parent_ds.size()));
  for (const auto& [tag, alg] : x.parent_ds) {
    put_u16(out, tag);
    put_u8(out, alg);
  }
  put_u64(out, x.next_parent_check);
  put_u16(out, x.parent_failures);
  put_u32(out, x.submit_key);
  put_u64(out, x.next_submit);
  put_u16(out, x.submit_failures);
  auto str16 = [&](const std::string& s) {
    size_t n = std::min<size_t>(s.size(), 65535);
    put_u16(out, static_cast<uint16_t>(n));
    out.append(s, 0, n);
  };
  str16(x.last_error);
  str16(x.status);
  str16(x.proposal);
  put_u8(out, static_cast<uint8_t>(x.signers.size()));
  for (uint32_t id : x.signers)
    put_u32(out, id);
  put_u8(out, static_cast<uint8_t>(x.parent_ds_any.size()));
  for (const auto& [tag, alg] : x.parent_ds_any) {
    put_u16(out, tag);
    put_u8(out, alg);
  }
  put_u8(out, x.parent_unknown);
  put_u64(out, x.last_tick);
  str16(x.last_check_error);
  return out;
}

RolloverRecord decode_rollover(std::span<const uint8_t> value) {
  Reader r(value, "rollover value");
  if (r.u8() != 1)
    throw CorruptionError("unknown rollover value version");
  RolloverRecord x;
  x.next_wakeup = r.u64();
  x.request_kind = r.u8();
  x.request_emergency = r.u8();
  x.compromised_key = r.u32();
  x.request_algorithm = r.u8();
  x.going_insecure = r.u8();
  x.algorithm_override = r.u8();
  x.parent_checked_at = r.u64();
  uint8_t n = r.u8();
  for (uint8_t i = 0; i < n; ++i) {
    uint16_t tag = r.u16();
    x.parent_ds.emplace_back(tag, r.u8());
  }
  x.next_parent_check = r.u64();
  x.parent_failures = r.u16();
  x.submit_key = r.u32();
  x.next_submit = r.u64();
  x.submit_failures = r.u16();
  auto str16 = [&](std::string& s) {
    auto b = r.bytes(r.u16());
    s.assign(reinterpret_cast<const char*>(b.data()), b.size());
  };
  str16(x.last_error);
  str16(x.status);
  str16(x.proposal);
  uint8_t ns = r.u8();
  for (uint8_t i = 0; i < ns; ++i)
    x.signers.push_back(r.u32());
  if (!r.at_end()) {
    uint8_t na = r.u8();
    for (uint8_t i = 0; i < na; ++i) {
      uint16_t tag = r.u16();
      x.parent_ds_any.emplace_back(tag, r.u8());
    }
    x.parent_unknown = r.u8();
    x.last_tick = r.u64();
    str16(x.last_check_error);
  }
  return x;
}

std::string u32_key(uint32_t v) {
  std::string k;
  put_u32(k, v);
  return k;
}

std::string u32_pair_key(uint32_t a, uint32_t b) {
  std::string k;
  put_u32(k, a);
  put_u32(k, b);
  return k;
}

uint32_t decode_u32_key(std::span<const uint8_t> key) {
  if (key.size() != 4)
    throw CorruptionError("bad u32 key");
  return load_u32(key.data());
}

std::pair<uint32_t, uint32_t> split_u32_pair_key(std::span<const uint8_t> key) {
  if (key.size() != 8)
    throw CorruptionError("bad u32 pair key");
  return {load_u32(key.data()), load_u32(key.data() + 4)};
}

std::string u64_key(uint64_t v) {
  std::string k;
  put_u64(k, v);
  return k;
}

uint64_t decode_u64_key(std::span<const uint8_t> key) {
  if (key.size() != 8)
    throw CorruptionError("bad u64 key");
  return load_u64(key.data());
}

std::string policy_key(uint32_t owner, std::string_view name) {
  std::string k;
  put_u32(k, owner);
  k.append(name);
  return k;
}

PolicyKeyParts split_policy_key(std::span<const uint8_t> key) {
  // Policy names are 1-63 characters (conf/policy.hh).
  if (key.size() < 4 + 1 || key.size() > 4 + 63)
    throw CorruptionError("bad policy key");
  return PolicyKeyParts{
      load_u32(key.data()),
      std::string_view(reinterpret_cast<const char*>(key.data() + 4), key.size() - 4)};
}

std::string encode_policy(const PolicyRecord& p) {
  std::string out;
  out.reserve(1 + 4 + p.yaml.size() + 2 + p.sealed_secret.size());
  put_u8(out, 1);
  put_u32(out, static_cast<uint32_t>(p.yaml.size()));
  out += p.yaml;
  put_u16(out, static_cast<uint16_t>(p.sealed_secret.size()));
  put_bytes(out, p.sealed_secret);
  return out;
}

PolicyRecord decode_policy(std::span<const uint8_t> value) {
  Reader r(value, "policy value");
  uint8_t version = r.u8();
  if (version != 1)
    throw CorruptionError("unknown policy value version " + std::to_string(version));
  PolicyRecord p;
  auto yaml = r.bytes(r.u32());
  p.yaml.assign(reinterpret_cast<const char*>(yaml.data()), yaml.size());
  auto sealed = r.bytes(r.u16());
  p.sealed_secret.assign(sealed.begin(), sealed.end());
  return p;
}

std::string meta_prefix(uint32_t zone_id, std::string_view kind) {
  std::string k;
  put_u32(k, zone_id);
  k.append(kind);
  k.push_back('\0');
  return k;
}

std::string meta_key(uint32_t zone_id, std::string_view kind, uint16_t index) {
  std::string k = meta_prefix(zone_id, kind);
  put_u16(k, index);
  return k;
}

MetaKeyParts split_meta_key(std::span<const uint8_t> key) {
  // zone_id(4) kind 0x00 index(2); kind contains no 0x00.
  if (key.size() < 4 + 1 + 2)
    throw CorruptionError("short metadata key");
  std::string_view kind(reinterpret_cast<const char*>(key.data()) + 4, key.size() - 4 - 2);
  size_t nul = kind.find('\0');
  if (nul == std::string_view::npos || nul + 1 != kind.size())
    throw CorruptionError("metadata key without terminator");
  return MetaKeyParts{load_u32(key.data()), kind.substr(0, nul),
                      load_u16(key.data() + key.size() - 2)};
}

// ---------------------------------------------------------------- API tokens

std::string encode_token(const TokenRecord& t) {
  if (t.comment.size() > 0xffff)
    throw InputError("token comment is longer than 65535 octets");
  std::string out;
  put_u8(out, 1);
  put_u32(out, t.tenant_id);
  put_u8(out, t.role);
  put_u64(out, t.created);
  put_u64(out, t.expires);
  put_u64(out, t.last_used);
  put_u64(out, t.revoked);
  out.append(reinterpret_cast<const char*>(t.hash.data()), t.hash.size());
  put_u16(out, static_cast<uint16_t>(t.comment.size()));
  out += t.comment;
  return out;
}

TokenRecord decode_token(uint32_t id, std::span<const uint8_t> value) {
  Reader r(value, "token value");
  uint8_t version = r.u8();
  if (version != 1)
    throw CorruptionError("token " + std::to_string(id) + ": unknown value version " +
                          std::to_string(version));
  TokenRecord t;
  t.id = id;
  t.tenant_id = r.u32();
  t.role = r.u8();
  t.created = r.u64();
  t.expires = r.u64();
  t.last_used = r.u64();
  t.revoked = r.u64();
  auto h = r.bytes(32);
  std::copy(h.begin(), h.end(), t.hash.begin());
  auto c = r.bytes(r.u16());
  t.comment.assign(reinterpret_cast<const char*>(c.data()), c.size());
  return t;
}

// ---------------------------------------------------------------- TSIG keys

std::string tsig_key_key(const Name& name) {
  std::string k;
  append_namekey(k, name);
  k.push_back('\0');
  return k;
}

std::string encode_tsig_key(const TsigKeyRecord& k) {
  if (k.sealed.size() > 0xffff)
    throw InputError("TSIG key '" + k.name.to_text() + "': sealed secret too long");
  std::string out;
  put_u8(out, 1);
  put_u32(out, k.owner);
  put_u8(out, k.algorithm);
  put_u64(out, k.created);
  put_u8(out, static_cast<uint8_t>(k.name.wire_size()));
  put_bytes(out, k.name.wire());
  put_u16(out, static_cast<uint16_t>(k.sealed.size()));
  put_bytes(out, k.sealed);
  return out;
}

TsigKeyRecord decode_tsig_key(std::span<const uint8_t> value) {
  Reader r(value, "TSIG key value");
  uint8_t version = r.u8();
  if (version != 1)
    throw CorruptionError("TSIG key: unknown value version " + std::to_string(version));
  TsigKeyRecord k;
  k.owner = r.u32();
  k.algorithm = r.u8();
  k.created = r.u64();
  try {
    k.name = Name::from_wire(r.bytes(r.u8()));
  } catch (const InputError& e) {
    throw CorruptionError(std::string("TSIG key value: bad name: ") + e.what());
  }
  auto s = r.bytes(r.u16());
  k.sealed.assign(s.begin(), s.end());
  return k;
}

std::string encode_evidence_key(const EvidenceKeyRecord& k) {
  if (k.sealed.size() > 0xffff)
    throw InputError("evidence key: sealed seed too long");
  std::string out;
  put_u8(out, 1);
  put_u64(out, k.created);
  put_bytes(out, k.public_key);
  put_u16(out, static_cast<uint16_t>(k.sealed.size()));
  put_bytes(out, k.sealed);
  return out;
}

EvidenceKeyRecord decode_evidence_key(std::span<const uint8_t> value) {
  Reader r(value, "evidence key value");
  uint8_t version = r.u8();
  if (version != 1)
    throw CorruptionError("evidence key: unknown value version " + std::to_string(version));
  EvidenceKeyRecord k;
  k.created = r.u64();
  auto pub = r.bytes(32);
  std::copy(pub.begin(), pub.end(), k.public_key.begin());
  auto s = r.bytes(r.u16());
  k.sealed.assign(s.begin(), s.end());
  return k;
}

// ---------------------------------------------------------------- validation monitor

namespace {

void put_text8(std::string& out, const std::string& s, const char* what) {
  if (s.size() > 0xff)
    throw InputError(std::string("monitor ") + what + " longer than 255 octets: '" + s + "'");
  put_u8(out, static_cast<uint8_t>(s.size()));
  out += s;
}
void put_text16(std::string& out, const std::string& s) {
  size_t n = std::min<size_t>(s.size(), 0xffff);  // free text: cut, never refused
  put_u16(out, static_cast<uint16_t>(n));
  out.append(s, 0, n);
}
std::string get_text(Reader& r, size_t n) {
  auto b = r.bytes(n);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}
void put_ede(std::string& out, const std::optional<uint16_t>& ede, const std::string& text) {
  put_u16(out, ede ? *ede : kNoEde);
  put_text16(out, text);
}
void get_ede(Reader& r, std::optional<uint16_t>& ede, std::string& text) {
  uint16_t code = r.u16();
  if (code != kNoEde)
    ede = code;
  text = get_text(r, r.u16());
}

}  // namespace

std::string encode_monitor(const MonitorRecord& m) {
  if (m.results.size() > 0xff || m.parent_servers.size() > 0xff || m.history.size() > 0xffff ||
      m.changes.size() > 0xffff)
    throw InputError("monitor record too large");
  std::string out;
  put_u8(out, 1);
  put_u64(out, m.checked_at);
  put_u8(out, static_cast<uint8_t>(m.results.size()));
  for (const auto& r : m.results) {
    put_text8(out, r.resolver, "resolver");
    put_u8(out, r.state);
    put_ede(out, r.ede, r.ede_text);
    put_u32(out, r.latency_ms);
    put_u64(out, r.at);
    put_text16(out, r.detail);
  }
  put_u8(out, m.parent_state);
  put_u64(out, m.parent_checked_at);
  put_u8(out, static_cast<uint8_t>(m.parent_servers.size()));
  for (const auto& p : m.parent_servers) {
    put_text8(out, p.server, "parent server");
    put_u8(out, p.state);
    put_u8(out, static_cast<uint8_t>(std::min<size_t>(p.ds.size(), 0xff)));
    for (size_t i = 0; i < p.ds.size() && i < 0xff; ++i)
      put_text16(out, p.ds[i]);
  }
  put_u16(out, static_cast<uint16_t>(m.history.size()));
  for (const auto& h : m.history) {
    put_u64(out, h.at);
    put_text8(out, h.resolver, "resolver");
    put_u8(out, h.state);
    put_ede(out, h.ede, h.ede_text);
    put_u32(out, h.latency_ms);
  }
  put_u16(out, static_cast<uint16_t>(m.changes.size()));
  for (const auto& c : m.changes) {
    put_u64(out, c.at);
    put_text8(out, c.subject, "subject");
    put_u8(out, c.from);
    put_u8(out, c.to);
    put_ede(out, c.ede, c.ede_text);
  }
  return out;
}

MonitorRecord decode_monitor(uint32_t zone_id, std::span<const uint8_t> value) {
  Reader r(value, "monitor value");
  uint8_t version = r.u8();
  if (version != 1)
    throw CorruptionError("monitor row of zone " + std::to_string(zone_id) +
                          ": unknown value version " + std::to_string(version));
  MonitorRecord m;
  m.checked_at = r.u64();
  for (unsigned n = r.u8(); n > 0; --n) {
    MonitorResult x;
    x.resolver = get_text(r, r.u8());
    x.state = r.u8();
    get_ede(r, x.ede, x.ede_text);
    x.latency_ms = r.u32();
    x.at = r.u64();
    x.detail = get_text(r, r.u16());
    m.results.push_back(std::move(x));
  }
  m.parent_state = r.u8();
  m.parent_checked_at = r.u64();
  for (unsigned n = r.u8(); n > 0; --n) {
    MonitorParentServer p;
    p.server = get_text(r, r.u8());
    p.state = r.u8();
    for (unsigned d = r.u8(); d > 0; --d)
      p.ds.push_back(get_text(r, r.u16()));
    m.parent_servers.push_back(std::move(p));
  }
  for (unsigned n = r.u16(); n > 0; --n) {
    MonitorResult h;
    h.at = r.u64();
    h.resolver = get_text(r, r.u8());
    h.state = r.u8();
    get_ede(r, h.ede, h.ede_text);
    h.latency_ms = r.u32();
    m.history.push_back(std::move(h));
  }
  for (unsigned n = r.u16(); n > 0; --n) {
    MonitorChange c;
    c.at = r.u64();
    c.subject = get_text(r, r.u8());
    c.from = r.u8();
    c.to = r.u8();
    get_ede(r, c.ede, c.ede_text);
    m.changes.push_back(std::move(c));
  }
  return m;
}

std::string encode_alert_state(const AlertStateRecord& a) {
  if (a.conditions.size() > 0xff || a.id.size() > 0xff)
    throw InputError("alert state: too many conditions or too long an id");
  std::string out;
  put_u8(out, 1);
  put_u8(out, a.status);
  put_u64(out, a.since);
  put_u64(out, a.waiting_since);
  put_u8(out, static_cast<uint8_t>(a.conditions.size()));
  for (const auto& c : a.conditions) {
    if (c.size() > 0xff)
      throw InputError("alert state: condition name too long");
    put_u8(out, static_cast<uint8_t>(c.size()));
    out += c;
  }
  put_u8(out, static_cast<uint8_t>(a.id.size()));
  out += a.id;
  return out;
}

AlertStateRecord decode_alert_state(std::span<const uint8_t> value) {
  Reader r(value, "alert state value");
  uint8_t version = r.u8();
  if (version != 1)
    throw CorruptionError("alert state: unknown value version " + std::to_string(version));
  AlertStateRecord a;
  a.status = r.u8();
  if (a.status > 2)
    throw CorruptionError("alert state: bad status " + std::to_string(a.status));
  a.since = r.u64();
  a.waiting_since = r.u64();
  for (uint8_t n = r.u8(); n > 0; --n) {
    auto c = r.bytes(r.u8());
    a.conditions.emplace_back(c.begin(), c.end());
  }
  auto id = r.bytes(r.u8());
  a.id.assign(id.begin(), id.end());
  return a;
}

std::string encode_alert_webhook(const AlertWebhookRecord& w) {
  bool sealed = !w.sealed.empty();
  size_t len = sealed ? w.sealed.size() : w.url.size();
  if (len > 0xffff)
    throw InputError("alert webhook: url too long");
  std::string out;
  put_u8(out, sealed ? 2 : 1);
  put_u64(out, w.set_at);
  put_u16(out, static_cast<uint16_t>(len));
  if (sealed)
    out.append(w.sealed.begin(), w.sealed.end());
  else
    out += w.url;
  return out;
}

AlertWebhookRecord decode_alert_webhook(std::span<const uint8_t> value) {
  Reader r(value, "alert webhook value");
  uint8_t version = r.u8();
  if (version != 1 && version != 2)
    throw CorruptionError("alert webhook: unknown value version " + std::to_string(version));
  AlertWebhookRecord w;
  w.set_at = r.u64();
  auto u = r.bytes(r.u16());
  if (version == 2)
    w.sealed.assign(u.begin(), u.end());
  else
    w.url.assign(u.begin(), u.end());
  return w;
}

}  // namespace signet::codec
