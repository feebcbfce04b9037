// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/codec.hh"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

using namespace signet;
using namespace signet::codec;

namespace {
std::string key_of(const Name& n) {
  std::string k;
  append_namekey(k, n);
  k.push_back('\0');
  return k;
}
}  // namespace

// The property the store relies on: memcmp order of name keys is RFC 4034 canonical order.
TEST(Codec, NameKeyOrderIsCanonicalOrder) {
  std::mt19937 rng(42);
  const char alphabet[] = {'a', 'B', 'z', '-', '0', '\0', '\x01', '\x02', '*', '\xff'};
  std::vector<Name> names;
  for (int i = 0; i < 400; ++i) {
    Name n = Name::from_text("example.");
    int labels = 1 + rng() % 3;
    for (int l = 0; l < labels; ++l) {
      std::vector<uint8_t> label(1 + rng() % 3);
      for (auto& c : label)
        c = static_cast<uint8_t>(alphabet[rng() % sizeof(alphabet)]);
      n = n.prepend_label(label);
    }
    names.push_back(n);
  }
  for (size_t i = 0; i < names.size(); ++i) {
    for (size_t j = 0; j < names.size(); j += 7) {
      int c = canonical_compare(names[i], names[j]);
      int k = key_of(names[i]).compare(key_of(names[j]));
      EXPECT_EQ(c < 0, k < 0) << names[i].to_text() << " vs " << names[j].to_text();
      EXPECT_EQ(c == 0, k == 0) << names[i].to_text() << " vs " << names[j].to_text();
    }
  }
}

TEST(Codec, NameKeyDecodesToLowerCaseLabels) {
  Name n = Name::from_text("A\\000b.Www.example.");
  std::string k;
  append_namekey(k, n.relative_to(Name::from_text("example.")));
  uint8_t out[255];
  size_t len = decode_namekey(as_bytes(k), out);
  Name back = Name::concat({out, len}, Name::from_text("example."));
  EXPECT_EQ(back.to_text(), "a\\000b.www.example.");
}

// A name key comes from the store: damaged bytes must be refused, never decoded into a label
// sequence that is no name (found by tests/fuzz/codec_fuzz.cc).
TEST(Codec, NameKeyWithAnEmptyLabelIsCorruption) {
  const uint8_t key[] = {0};
  uint8_t out[255];
  EXPECT_THROW(decode_namekey(key, out), CorruptionError);
  const uint8_t inner[] = {'a', 0, 0, 'b', 0};
  EXPECT_THROW(decode_namekey(inner, out), CorruptionError);
}

TEST(Codec, NameKeyLongerThanAnyNameIsCorruptionNotAnOverflow) {
  std::string key;
  for (int l = 0; l < 8; ++l)
    key += std::string(63, 'a') + '\0';  // 512 octets of labels: longer than 255
  key.push_back('\0');                   // and then an empty one
  uint8_t out[255];
  EXPECT_THROW(decode_namekey(as_bytes(key), out), CorruptionError);
  key.back() = 'b';
  key.push_back('\0');
  EXPECT_THROW(decode_namekey(as_bytes(key), out), CorruptionError);
}

TEST(Codec, NameKeyDecodesToAtMost254OctetsOfLabels) {
  // 254 octets of labels (63+1 three times, then 61+1) and the root make a 255-octet name.
  std::string key;
  for (int l = 0; l < 3; ++l)
    key += std::string(63, 'a') + '\0';
  std::string longest = key + std::string(61, 'a') + '\0';
  uint8_t out[255];
  ASSERT_EQ(decode_namekey(as_bytes(longest), out), 254u);
  EXPECT_EQ(Name::concat({out, 254}, Name()).wire_size(), 255u);
  std::string too_long = key + std::string(62, 'a') + '\0';
  EXPECT_THROW(decode_namekey(as_bytes(too_long), out), CorruptionError);
}

TEST(Codec, NameKeyWithAnUnknownEscapeIsCorruption) {
  const uint8_t good[] = {'a', 1, 1, 1, 2, 0};  // "a\000\001"
  uint8_t out[255];
  ASSERT_EQ(decode_namekey(good, out), 4u);
  EXPECT_EQ(out[2], 0);
  EXPECT_EQ(out[3], 1);
  const uint8_t bad[] = {'a', 1, 7, 0};
  EXPECT_THROW(decode_namekey(bad, out), CorruptionError);
  const uint8_t dangling[] = {'a', 1};
  EXPECT_THROW(decode_namekey(dangling, out), CorruptionError);
}

TEST(Codec, RRsetValueRoundTrip) {
  std::vector<std::vector<uint8_t>> rdatas = {{1, 2, 3, 4}, {5, 6, 7, 8}};
  const uint8_t owner[] = {3, 'W', 'w', 'W'};
  std::string v = encode_rrset(kAuth, 300, rdatas, owner);
  RRsetView view = decode_rrset(as_bytes(v));
  EXPECT_TRUE(view.auth());
  EXPECT_EQ(view.ttl, 300u);
  EXPECT_EQ(view.count, 2);
  EXPECT_EQ(view.owner_case.size(), 4u);
  auto it = view.rdatas();
  std::span<const uint8_t> r;
  ASSERT_TRUE(it.next(r));
  EXPECT_EQ(std::vector<uint8_t>(r.begin(), r.end()), rdatas[0]);
  ASSERT_TRUE(it.next(r));
  EXPECT_FALSE(it.next(r));
  std::string flipped = with_rrset_flags(as_bytes(v), 0);
  EXPECT_FALSE(decode_rrset(as_bytes(flipped)).auth());
  EXPECT_EQ(decode_rrset(as_bytes(flipped)).owner_case.size(), 4u);
}

TEST(Codec, TruncatedValuesAreCorruption) {
  std::string v = encode_rrset(kAuth, 300, {{1, 2, 3, 4}});
  v.resize(v.size() - 1);
  EXPECT_THROW(decode_rrset(as_bytes(v)), CorruptionError);
  std::string bad_version = encode_rrset(kAuth, 1, {});
  bad_version[0] = 9;
  EXPECT_THROW(decode_rrset(as_bytes(bad_version)), CorruptionError);
}

TEST(Codec, ZoneValueRoundTripIsBigEndian) {
  ZoneRecord z;
  z.id = 7;
  z.tenant_id = 0x01020304;
  z.serial = 2024010101;
  z.name = Name::from_text("example.org.");
  std::string v = encode_zone(z);
  EXPECT_EQ(v[0], 1);                           // version
  EXPECT_EQ(static_cast<uint8_t>(v[1]), 0x01);  // tenant id, big-endian
  EXPECT_EQ(static_cast<uint8_t>(v[4]), 0x04);
  ZoneRecord back = decode_zone(7, as_bytes(v));
  EXPECT_EQ(back.tenant_id, z.tenant_id);
  EXPECT_EQ(back.serial, z.serial);
  EXPECT_TRUE(back.name.equals(z.name));
}

TEST(Codec, ASecondaryZonesTransferStateRoundTripsAndOlderValuesReadWithout) {
  ZoneRecord z;
  z.name = Name::from_text("example.org.");
  z.kind = ZoneKind::kSecondary;
  z.flags = kZoneHasSoa | kZoneUpstreamSerial;
  z.last_check = 1767225600;
  z.upstream_serial = 2026120201;
  ZoneRecord back = decode_zone(3, as_bytes(encode_zone(z)));
  EXPECT_EQ(back.last_check, z.last_check);
  EXPECT_EQ(back.upstream_serial, z.upstream_serial);
  EXPECT_EQ(back.catalog_id, 0u);
  // A value written before the transfer fields: none of them.
  ZoneRecord plain;
  plain.name = z.name;
  plain.catalog_id = 9;
  ZoneRecord old = decode_zone(4, as_bytes(encode_zone(plain)));
  EXPECT_EQ(old.catalog_id, 9u);
  EXPECT_EQ(old.last_check, 0u);
  EXPECT_EQ(old.upstream_serial, 0u);
}

TEST(Codec, RRsetKeySplitsBack) {
  Name apex = Name::from_text("example.");
  Name owner = Name::from_text("a.b.example.");
  std::string key = rrset_key(9, owner.relative_to(apex), 28);
  auto parts = split_rrset_key(as_bytes(key));
  EXPECT_EQ(parts.zone_id, 9u);
  EXPECT_EQ(parts.type, 28);
  uint8_t out[255];
  size_t n = decode_namekey(parts.namekey, out);
  EXPECT_TRUE(Name::concat({out, n}, apex).equals(owner));
}

TEST(Codec, RrsigKeySplitsBackIntoItsParts) {
  Name apex = Name::from_text("example.");
  Name owner = Name::from_text("a.b.example.");
  std::string key = rrsig_key(0x01020304, owner.relative_to(apex), 46, 0xa0b0c0d0);
  auto parts = split_rrsig_key(as_bytes(key));
  EXPECT_EQ(parts.zone_id, 0x01020304u);
  EXPECT_EQ(parts.covered, 46);
  EXPECT_EQ(parts.key_id, 0xa0b0c0d0u);
  uint8_t out[255];
  size_t n = decode_namekey(parts.namekey, out);
  EXPECT_TRUE(Name::concat({out, n}, apex).equals(owner));
  // The apex: an empty namekey.
  auto apex_parts = split_rrsig_key(as_bytes(rrsig_key(3, {}, 6, 1)));
  EXPECT_TRUE(apex_parts.namekey.empty());
  EXPECT_EQ(apex_parts.covered, 6);
  EXPECT_THROW(split_rrsig_key(as_bytes(std::string("\0\0\0\1\0\0", 6))), CorruptionError);
}

TEST(Codec, IndexAndIdKeysSplitBack) {
  auto due = split_due_key(as_bytes(due_key(0x0102030405060708ull, 77)));
  EXPECT_EQ(due.when, 0x0102030405060708ull);
  EXPECT_EQ(due.zone_id, 77u);
  EXPECT_EQ(decode_u32_key(as_bytes(u32_key(0xdeadbeef))), 0xdeadbeefu);
  EXPECT_EQ(split_u32_pair_key(as_bytes(u32_pair_key(5, 6))), std::make_pair(5u, 6u));
  EXPECT_EQ(decode_u64_key(as_bytes(u64_key(1ull << 40))), 1ull << 40);
  std::string mk = meta_key(12, "ALLOW-AXFR-FROM", 3);
  auto meta = split_meta_key(as_bytes(mk));  // views into mk
  EXPECT_EQ(meta.zone_id, 12u);
  EXPECT_EQ(meta.kind, "ALLOW-AXFR-FROM");
  EXPECT_EQ(meta.index, 3);
  EXPECT_THROW(split_due_key(as_bytes(u32_key(1))), CorruptionError);
  EXPECT_THROW(split_meta_key(as_bytes(u32_pair_key(1, 2))), CorruptionError);
}

TEST(Codec, BigEndianWritersAgreeForStringsAndVectors) {
  std::string s;
  std::vector<uint8_t> v;
  bytes::put_u64(s, 0x0102030405060708ull);
  bytes::put_u64(v, 0x0102030405060708ull);
  bytes::put_u16(s, 0xa1b2);
  bytes::put_u16(v, 0xa1b2);
  ASSERT_EQ(s.size(), 10u);
  EXPECT_TRUE(std::equal(v.begin(), v.end(), as_bytes(s).begin()));
  EXPECT_EQ(v[0], 0x01);
  EXPECT_EQ(v[7], 0x08);
  EXPECT_EQ(bytes::load_u64(v.data()), 0x0102030405060708ull);
  EXPECT_EQ(bytes::load_u16(v.data() + 8), 0xa1b2);
  bytes::store_u32(v.data() + 2, 0xcafef00d);
  EXPECT_EQ(bytes::load_u32(v.data() + 2), 0xcafef00du);
  EXPECT_EQ(v[1], 0x02);
  EXPECT_EQ(v[6], 0x07);
}

TEST(Codec, SoaTimersAreReadAndTheSerialPatchedInPlace) {
  std::vector<uint8_t> rdata = {0, 0};  // root MNAME and RNAME
  for (uint32_t v : {2024010101u, 10800u, 3600u, 604800u, 300u})
    bytes::put_u32(rdata, v);
  auto f = soa_fields(rdata);
  EXPECT_EQ(f.serial, 2024010101u);
  EXPECT_EQ(f.expire, 604800u);
  EXPECT_EQ(f.minimum, 300u);
  auto patched = with_soa_serial(rdata, 7);
  EXPECT_EQ(soa_fields(patched).serial, 7u);
  EXPECT_EQ(soa_fields(patched).minimum, 300u);
  EXPECT_THROW(soa_fields(std::span<const uint8_t>(rdata).first(21)), CorruptionError);
}

TEST(Codec, PolicyKeysGroupByOwnerAndValuesRoundTrip) {
  // Owner first, big-endian: one owner's policies are one prefix, the global ones (0) first.
  EXPECT_EQ(policy_key(0, "std"), std::string("\0\0\0\0std", 7));
  EXPECT_LT(policy_key(0, "zzz"), policy_key(1, "aaa"));
  EXPECT_LT(policy_key(1, "zzz"), policy_key(256, "aaa"));
  auto k = policy_key(7, "standard");
  auto parts = split_policy_key(as_bytes(k));
  EXPECT_EQ(parts.owner, 7u);
  EXPECT_EQ(parts.name, "standard");
  EXPECT_THROW(split_policy_key(as_bytes(std::string("\0\0\0\0", 4))), CorruptionError);
  EXPECT_THROW(split_policy_key(as_bytes(policy_key(0, std::string(64, 'x')))), CorruptionError);

  PolicyRecord p{"- name: standard\n", {1, 2, 3}};
  std::string v = encode_policy(p);
  EXPECT_EQ(v[0], '\x01');
  EXPECT_EQ(decode_policy(as_bytes(v)), p);
  EXPECT_EQ(decode_policy(as_bytes(encode_policy(PolicyRecord{"y", {}}))).sealed_secret.size(), 0u);
  for (size_t cut = 0; cut < v.size(); ++cut)
    EXPECT_THROW(decode_policy(as_bytes(v.substr(0, cut))), CorruptionError) << cut;
}
