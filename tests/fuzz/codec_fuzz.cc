// SPDX-License-Identifier: GPL-2.0-or-later
//
// Fuzz target: the store's byte grammar (keystore/codec.hh, and the audit entries of
// keystore/audit.cc). The first input octet picks what is fed the rest:
//
//  * a decoder, with arbitrary bytes: it may refuse them only with CorruptionError — never crash,
//    read out of bounds or loop — and what it accepts must re-encode stably:
//    encode(decode(encode(decode(b)))) == encode(decode(b)) (the policy key and value decoders
//    take the bytes of the rrset key's case, 9, too);
//  * the audit log, with an arbitrary stored entry or head: verify() reports a problem instead of
//    throwing, for_each() and append() throw CorruptionError at worst;
//  * the encoders, with a value built from the input within the grammar's limits:
//    decode(encode(x)) == x. The encoders write every field, so equal encodings mean equal values.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>
#include <vector>

#include "keystore/audit.hh"
#include "keystore/codec.hh"
#include "tests/fuzz/harness.hh"

using namespace signet;
using namespace signet::codec;

namespace {

using Bytes = std::span<const uint8_t>;

std::string hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

// decode ∘ encode must be stable on anything the decoder accepted.
template <typename Decode, typename Encode>
void stable(const char* what, Bytes input, Decode decode, Encode encode) {
  std::string e1;
  try {
    e1 = encode(decode(input));
  } catch (const CorruptionError&) {
    return;
  }
  std::string e2;
  try {
    e2 = encode(decode(as_bytes(e1)));
  } catch (const CorruptionError& e) {
    fuzz::fail(std::string(what) + ": re-encoded value does not decode: " + e.what() + " " +
               hex(e1));
  }
  if (e1 != e2)
    fuzz::fail(std::string(what) + ": unstable round trip " + hex(e1) + " -> " + hex(e2));
}

template <typename Decode, typename Encode, typename T>
void round_trip(const char* what, const T& x, Decode decode, Encode encode) {
  std::string e1 = encode(x);
  std::string e2;
  try {
    e2 = encode(decode(as_bytes(e1)));
  } catch (const CorruptionError& e) {
    fuzz::fail(std::string(what) + ": encoded value does not decode: " + e.what() + " " + hex(e1));
  }
  if (e1 != e2)
    fuzz::fail(std::string(what) + ": decode(encode(x)) != x: " + hex(e1) + " -> " + hex(e2));
}

std::string rrset_reencode(const RRsetView& v) {
  std::vector<std::vector<uint8_t>> rdatas;
  auto it = v.rdatas();
  std::span<const uint8_t> r;
  while (it.next(r))
    rdatas.emplace_back(r.begin(), r.end());
  if (rdatas.size() != v.count)
    fuzz::fail("rrset: " + std::to_string(rdatas.size()) + " RDATA entries, count says " +
               std::to_string(v.count));
  return encode_rrset(v.flags, v.ttl, rdatas, v.owner_case);
}

std::string namekey_reencode(Bytes key) {
  uint8_t out[Name::kMaxWire];
  size_t n = decode_namekey(key, out);
  // What comes out is a name's labels: a valid relative wire name.
  std::vector<uint8_t> wire(out, out + n);
  wire.push_back(0);
  try {
    Name::from_wire(wire);
  } catch (const InputError& e) {
    fuzz::fail(std::string("decode_namekey produced malformed labels: ") + e.what() + " from " +
               hex(std::string_view(reinterpret_cast<const char*>(key.data()), key.size())));
  }
  std::string k;
  append_namekey(k, {out, n});
  return k;
}

void decoders(uint8_t which, Bytes in) {
  switch (which) {
    case 0:
      stable("rrset", in, decode_rrset, rrset_reencode);
      try {
        // Rewriting the flags keeps everything else, the owner-case flag included.
        RRsetView v = decode_rrset(in);
        std::string flipped = with_rrset_flags(in, static_cast<uint8_t>(~v.flags));
        RRsetView w = decode_rrset(as_bytes(flipped));
        if (w.ttl != v.ttl || w.count != v.count || w.owner_case.size() != v.owner_case.size() ||
            (w.flags & kOwnerCase) != (v.flags & kOwnerCase) ||
            (w.flags & ~kOwnerCase) != (~v.flags & ~kOwnerCase & 0xff))
          fuzz::fail("with_rrset_flags changed more than the flags");
      } catch (const CorruptionError&) {
      }
      break;
    case 1:
      stable(
          "tenant", in, [](Bytes b) { return decode_tenant(7, b); }, encode_tenant);
      break;
    case 2:
      stable(
          "zone", in, [](Bytes b) { return decode_zone(7, b); }, encode_zone);
      break;
    case 3:
      stable(
          "key", in, [](Bytes b) { return decode_key(7, 9, b); }, encode_key);
      break;
    case 4:
      stable("dnssec", in, decode_dnssec, encode_dnssec);
      break;
    case 5:
      stable("rollover", in, decode_rollover, encode_rollover);
      break;
    case 6:
      stable("chain link", in, decode_link, encode_link);
      break;
    case 7:
      stable("rrsig", in, decode_rrsig_value,
             [](const RrsigValue& v) { return encode_rrsig(v.ttl, v.rdata); });
      break;
    case 8:
      stable(
          "namekey", in, [](Bytes b) { return b; }, namekey_reencode);
      break;
    case 9:
      try {
        RRsetKeyParts p = split_rrset_key(in);
        if (p.namekey.data() < in.data() ||
            p.namekey.data() + p.namekey.size() > in.data() + in.size())
          fuzz::fail("split_rrset_key: name key outside the key");
      } catch (const CorruptionError&) {
      }
      // The same bytes as a policy key and a policy value.
      try {
        PolicyKeyParts p = split_policy_key(in);
        if (policy_key(p.owner, p.name) !=
            std::string_view(reinterpret_cast<const char*>(in.data()), in.size()))
          fuzz::fail("policy_key(split_policy_key(k)) != k");
      } catch (const CorruptionError&) {
      }
      stable("policy", in, decode_policy, encode_policy);
      break;
  }
}

// A stored audit entry (at a chosen sequence number) or audit head with arbitrary bytes.
void audit(FuzzedDataProvider& fdp) {
  fuzz::Harness& h = fuzz::Harness::get();
  bool head = fdp.ConsumeBool();
  uint64_t seq = fdp.ConsumeIntegralInRange<uint64_t>(0, 3);
  std::string value = fdp.ConsumeRemainingBytesAsString();
  auto txn = h.store->begin_write();  // never committed
  h.audit->append(txn, "fuzz", 1, 1, "fuzz", "example.com.");
  std::string key;
  put_u64(key, seq);
  if (head)
    txn.put(h.store->dbi().sys, "audit-head", value);
  else
    txn.put(h.store->dbi().audit, key, value);
  try {
    AuditVerdict v = h.audit->verify(txn);
    (void)v;
  } catch (const std::exception& e) {
    fuzz::fail(std::string("audit verify threw instead of reporting: ") + e.what());
  }
  try {
    h.audit->for_each(txn, [](const AuditEntry&) {});
  } catch (const CorruptionError&) {
  }
  try {
    h.audit->append(txn, "fuzz", 1, 1, "fuzz", "example.com.");
  } catch (const CorruptionError&) {
  }
}

Name make_name(FuzzedDataProvider& fdp) {
  Name n;
  unsigned labels = fdp.ConsumeIntegralInRange<unsigned>(0, 8);
  for (unsigned i = 0; i < labels; ++i) {
    size_t len = fdp.ConsumeIntegralInRange<size_t>(1, Name::kMaxLabel);
    std::string label = fdp.ConsumeBytesAsString(len);
    if (label.empty() || n.wire_size() + 1 + label.size() > Name::kMaxWire)
      break;
    n = n.prepend_label(as_bytes(label));
  }
  return n;
}

std::vector<uint8_t> bytes(FuzzedDataProvider& fdp, size_t max) {
  return fdp.ConsumeBytes<uint8_t>(fdp.ConsumeIntegralInRange<size_t>(0, max));
}

std::string text(FuzzedDataProvider& fdp, size_t max) {
  return fdp.ConsumeBytesAsString(fdp.ConsumeIntegralInRange<size_t>(0, max));
}

void encoders(FuzzedDataProvider& fdp) {
  Name name = make_name(fdp);
  Bytes rel = name.wire().first(name.wire_size() - 1);
  switch (fdp.ConsumeIntegralInRange<int>(0, 9)) {
    case 0: {  // namekey
      std::string k;
      append_namekey(k, name);
      uint8_t out[Name::kMaxWire];
      size_t n = decode_namekey(as_bytes(k), out);
      Name lower = name.lowered();
      if (Bytes(out, n).size() != rel.size() || !std::equal(out, out + n, lower.wire().begin()))
        fuzz::fail("decode_namekey(append_namekey(x)) != lower(x) for " + name.to_text());
      break;
    }
    case 1: {  // rrset key
      uint32_t zone = fdp.ConsumeIntegral<uint32_t>();
      uint16_t type = fdp.ConsumeIntegral<uint16_t>();
      std::string key;
      try {
        key = rrset_key(zone, rel, type);
      } catch (const InputError&) {
        return;  // longer than LMDB's key limit
      }
      RRsetKeyParts p = split_rrset_key(as_bytes(key));
      std::string nk;
      append_namekey(nk, rel);
      if (p.zone_id != zone || p.type != type ||
          std::string_view(reinterpret_cast<const char*>(p.namekey.data()), p.namekey.size()) != nk)
        fuzz::fail("split_rrset_key(rrset_key(x)) != x for " + name.to_text());
      break;
    }
    case 2: {
      uint8_t flags = fdp.ConsumeIntegral<uint8_t>() & ~kOwnerCase;
      uint32_t ttl = fdp.ConsumeIntegral<uint32_t>();
      std::vector<std::vector<uint8_t>> rdatas(fdp.ConsumeIntegralInRange<size_t>(0, 6));
      for (auto& r : rdatas)
        r = bytes(fdp, 300);
      std::string e = encode_rrset(flags, ttl, rdatas, rel);
      RRsetView v = decode_rrset(as_bytes(e));
      if (rrset_reencode(v) != e)
        fuzz::fail("encode_rrset(decode_rrset(encode_rrset(x))) != encode_rrset(x)");
      if (v.flags != (rel.empty() ? flags : (flags | kOwnerCase)) || v.ttl != ttl ||
          !std::equal(v.owner_case.begin(), v.owner_case.end(), rel.begin(), rel.end()))
        fuzz::fail("decode_rrset(encode_rrset(x)) != x");
      break;
    }
    case 3: {
      TenantRecord t;
      t.id = 7;
      t.name = text(fdp, 63);
      t.created = fdp.ConsumeIntegral<uint64_t>();
      t.sealed_data_key = bytes(fdp, 200);
      t.policy = text(fdp, 255);
      round_trip(
          "tenant", t, [](Bytes b) { return decode_tenant(7, b); }, encode_tenant);
      break;
    }
    case 4: {
      ZoneRecord z;
      z.id = 7;
      z.tenant_id = fdp.ConsumeIntegral<uint32_t>();
      z.kind = static_cast<ZoneKind>(fdp.ConsumeIntegralInRange<uint8_t>(0, 2));
      z.flags = fdp.ConsumeIntegral<uint8_t>();
      z.serial = fdp.ConsumeIntegral<uint32_t>();
      z.notified_serial = fdp.ConsumeIntegral<uint32_t>();
      z.created = fdp.ConsumeIntegral<uint64_t>();
      z.modified = fdp.ConsumeIntegral<uint64_t>();
      z.name = name;
      round_trip(
          "zone", z, [](Bytes b) { return decode_zone(7, b); }, encode_zone);
      break;
    }
    case 5: {
      KeyRecord k;
      k.zone_id = 7;
      k.id = 9;
      k.role = fdp.ConsumeIntegral<uint8_t>();
      k.algorithm = fdp.ConsumeIntegral<uint8_t>();
      k.flags = fdp.ConsumeIntegral<uint16_t>();
      k.tag = fdp.ConsumeIntegral<uint16_t>();
      for (uint64_t* t : {&k.created, &k.publish, &k.activate, &k.inactive, &k.remove, &k.ds_seen,
                          &k.ds_submitted, &k.ds_retired, &k.ds_gone})
        *t = fdp.ConsumeIntegral<uint64_t>();
      k.public_key = bytes(fdp, 600);
      k.sealed = bytes(fdp, 600);
      round_trip(
          "key", k, [](Bytes b) { return decode_key(7, 9, b); }, encode_key);
      break;
    }
    case 6: {
      DnssecRecord d;
      d.denial = fdp.ConsumeBool() ? Denial::kNsec : Denial::kNsec3;
      d.nsec3_flags = fdp.ConsumeIntegral<uint8_t>();
      d.nsec3_iterations = fdp.ConsumeIntegral<uint16_t>();
      d.salt = bytes(fdp, 255);
      d.policy = text(fdp, 255);
      d.secured_at = fdp.ConsumeIntegral<uint64_t>();
      d.chain_ttl = fdp.ConsumeIntegral<uint32_t>();
      d.next_refresh = fdp.ConsumeIntegral<uint64_t>();
      d.earliest_expiry = fdp.ConsumeIntegral<uint32_t>();
      round_trip("dnssec", d, decode_dnssec, encode_dnssec);
      break;
    }
    case 7: {
      RolloverRecord x;
      x.next_wakeup = fdp.ConsumeIntegral<uint64_t>();
      x.request_kind = fdp.ConsumeIntegral<uint8_t>();
      x.request_emergency = fdp.ConsumeBool();
      x.compromised_key = fdp.ConsumeIntegral<uint32_t>();
      x.request_algorithm = fdp.ConsumeIntegral<uint8_t>();
      x.going_insecure = fdp.ConsumeBool();
      x.algorithm_override = fdp.ConsumeIntegral<uint8_t>();
      x.parent_checked_at = fdp.ConsumeIntegral<uint64_t>();
      x.parent_ds.resize(fdp.ConsumeIntegralInRange<size_t>(0, 5));
      for (auto& [tag, alg] : x.parent_ds) {
        tag = fdp.ConsumeIntegral<uint16_t>();
        alg = fdp.ConsumeIntegral<uint8_t>();
      }
      x.next_parent_check = fdp.ConsumeIntegral<uint64_t>();
      x.parent_failures = fdp.ConsumeIntegral<uint16_t>();
      x.submit_key = fdp.ConsumeIntegral<uint32_t>();
      x.next_submit = fdp.ConsumeIntegral<uint64_t>();
      x.submit_failures = fdp.ConsumeIntegral<uint16_t>();
      x.last_error = text(fdp, 300);
      x.status = text(fdp, 300);
      x.proposal = text(fdp, 300);
      x.signers.resize(fdp.ConsumeIntegralInRange<size_t>(0, 5));
      for (auto& s : x.signers)
        s = fdp.ConsumeIntegral<uint32_t>();
      x.parent_ds_any.resize(fdp.ConsumeIntegralInRange<size_t>(0, 5));
      for (auto& [tag, alg] : x.parent_ds_any) {
        tag = fdp.ConsumeIntegral<uint16_t>();
        alg = fdp.ConsumeIntegral<uint8_t>();
      }
      x.parent_unknown = fdp.ConsumeIntegral<uint8_t>();
      x.last_tick = fdp.ConsumeIntegral<uint64_t>();
      x.last_check_error = text(fdp, 300);
      round_trip("rollover", x, decode_rollover, encode_rollover);
      break;
    }
    case 8: {
      ChainLink l;
      l.owner.assign(rel.begin(), rel.end());
      l.types.resize(fdp.ConsumeIntegralInRange<size_t>(0, 40));
      for (auto& t : l.types)
        t = fdp.ConsumeIntegral<uint16_t>();
      if (decode_link(as_bytes(encode_link(l))) != l)
        fuzz::fail("decode_link(encode_link(x)) != x");
      break;
    }
    case 9: {
      uint32_t ttl = fdp.ConsumeIntegral<uint32_t>();
      std::vector<uint8_t> rdata = bytes(fdp, 400);
      std::string e = encode_rrsig(ttl, rdata);
      RrsigValue v = decode_rrsig_value(as_bytes(e));
      if (v.ttl != ttl || !std::equal(v.rdata.begin(), v.rdata.end(), rdata.begin(), rdata.end()))
        fuzz::fail("decode_rrsig_value(encode_rrsig(x)) != x");
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  uint8_t which = data[0] % 12;
  Bytes rest(data + 1, size - 1);
  if (which < 10) {
    decoders(which, rest);
  } else {
    FuzzedDataProvider fdp(rest.data(), rest.size());
    if (which == 10)
      audit(fdp);
    else
      encoders(fdp);
  }
  return 0;
}
