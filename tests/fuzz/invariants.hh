// SPDX-License-Identifier: GPL-2.0-or-later
//
// The invariants of a stored zone, checked from the bytes (not through the code that keeps them):
// what keystore/zone_writer.hh promises after every committed write, plus, for a secured zone, the
// project's own verification of every signature and of the denial chain (Dnssec::verify).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "keystore/codec.hh"
#include "keystore/dnssec.hh"
#include "keystore/store.hh"
#include "signer/canonical.hh"
#include "signer/rrtype.hh"

namespace signet::fuzz {

namespace detail {

// namekey of the parent name: the namekey without its last label ("" for the apex's children).
inline std::string parent_namekey(const std::string& nk) {
  if (nk.empty())
    return nk;
  size_t end = nk.size() - 1;  // the last label's terminator
  size_t cut = nk.rfind('\0', end - 1);
  return cut == std::string::npos ? std::string() : nk.substr(0, cut + 1);
}

inline bool strictly_below(const std::string& nk, const std::string& ancestor) {
  return nk.size() > ancestor.size() && nk.compare(0, ancestor.size(), ancestor) == 0;
}

}  // namespace detail

// Problems of `zone` as stored; empty when it is consistent.
inline std::vector<std::string> zone_problems(const Store& store, const lmdb::Txn& txn,
                                              const ZoneRecord& zone, const Dnssec& dnssec) {
  std::vector<std::string> out;
  auto problem = [&](const std::string& s) { out.push_back(zone.name.to_text() + ": " + s); };

  struct Row {
    uint16_t type;
    uint8_t flags;
    uint16_t count;
  };
  std::map<std::string, std::vector<Row>> names;  // by namekey: canonical order
  std::optional<uint32_t> soa_serial;
  size_t soa_count = 0;

  std::string prefix = codec::zone_prefix(zone.id);
  lmdb::Cursor c(txn, store.dbi().rrsets);
  uint8_t labels[Name::kMaxWire];
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    auto parts = codec::split_rrset_key(c.key_bytes());
    size_t n = codec::decode_namekey(parts.namekey, labels);
    Name owner = Name::concat({labels, n}, zone.name);
    std::string what = owner.to_text() + " " + rrtype_to_text(parts.type);
    codec::RRsetView v = codec::decode_rrset(c.value());
    std::string nk(reinterpret_cast<const char*>(parts.namekey.data()), parts.namekey.size());
    names[nk].push_back(Row{parts.type, v.flags, v.count});

    if (parts.type != rrtype::kEnt &&
        (rrtype_is_meta(parts.type) || rrtype_is_signer_generated(parts.type))) {
      problem(what + ": a type that must not be stored");
    }
    if (parts.type == rrtype::kEnt && v.count != 0)
      problem(what + ": an empty non-terminal row with records");
    if (parts.type != rrtype::kEnt && v.count == 0)
      problem(what + ": an RRset without records");
    if (parts.type == rrtype::SOA) {
      if (!nk.empty()) {
        problem(what + ": SOA below the apex");
      } else {
        soa_count = v.count;
        std::span<const uint8_t> r;
        auto it = v.rdatas();
        if (it.next(r) && r.size() >= 20)
          soa_serial = codec::load_u32(r.data() + r.size() - 20);
      }
    }
    if (!v.owner_case.empty()) {
      Name spelled = Name::concat(v.owner_case, zone.name);
      if (!spelled.equals(owner))
        problem(what + ": its stored spelling " + spelled.to_text() + " is another name");
    }
    // RFC 4034 §6.3: canonical order, no duplicates (RFC 2181 §5); every RDATA well formed.
    std::vector<uint8_t> prev;
    bool first = true;
    auto it = v.rdatas();
    std::span<const uint8_t> r;
    while (it.next(r)) {
      try {
        validate_rdata(parts.type, r);
      } catch (const InputError& e) {
        problem(what + ": stored RDATA does not validate: " + e.what());
      }
      std::vector<uint8_t> canon(r.begin(), r.end());
      try {
        canonicalize_rdata(parts.type, canon);
      } catch (const InputError&) {
      }
      if (!first && compare_rdata(prev, canon) >= 0)
        problem(what + ": RDATA out of canonical order or duplicated");
      prev = std::move(canon);
      first = false;
    }
  }

  // SOA: present (exactly one) whenever the zone holds data; the zone record follows it.
  bool has_soa = soa_count > 0;
  if (!names.empty() && !has_soa)
    problem("data but no SOA at the apex");
  if (has_soa && soa_count != 1)
    problem(std::to_string(soa_count) + " SOA records");
  if (bool(zone.flags & codec::kZoneHasSoa) != has_soa)
    problem("the zone's has-SOA flag disagrees with its data");
  if (zone.serial != (soa_serial ? *soa_serial : 0))
    problem("the zone's serial " + std::to_string(zone.serial) + " is not its SOA serial");

  std::vector<std::string> cuts;  // namekeys of delegations (NS below the apex), outermost first
  for (const auto& [nk, rows] : names) {
    Name owner =
        Name::concat({labels, codec::decode_namekey(codec::as_bytes(nk), labels)}, zone.name);
    bool ent = false, cname = false, ns = false;
    size_t real = 0;
    for (const Row& r : rows) {
      ent |= r.type == rrtype::kEnt;
      cname |= r.type == rrtype::CNAME;
      ns |= r.type == rrtype::NS;
      real += r.type != rrtype::kEnt;
    }
    // Empty non-terminals (RFC 8020): exactly the names without data that have descendants.
    if (ent && (real > 0 || nk.empty()))
      problem(owner.to_text() + ": an empty non-terminal row beside data or at the apex");
    if (ent) {
      auto next = names.upper_bound(nk);
      if (next == names.end() || !detail::strictly_below(next->first, nk))
        problem(owner.to_text() + ": an empty non-terminal without descendants");
    }
    if (!nk.empty() && !names.count(detail::parent_namekey(nk)) &&
        !detail::parent_namekey(nk).empty()) {
      problem(owner.to_text() + ": its parent name has no row (missing empty non-terminal)");
    }
    // RFC 1034 §3.6.2, RFC 2181 §10.1: a CNAME stands alone.
    if (cname && real > 1)
      problem(owner.to_text() + ": CNAME and other data");
    // RFC 1034 §4.2.1: data at a delegation (but its DS) and below it is not authoritative.
    while (!cuts.empty() && !detail::strictly_below(nk, cuts.back()))
      cuts.pop_back();
    bool below = !cuts.empty();
    bool at_cut = !below && ns && !nk.empty();
    for (const Row& r : rows) {
      bool auth = !below && (!at_cut || r.type == rrtype::DS);
      if (bool(r.flags & codec::kAuth) != auth) {
        problem(owner.to_text() + " " + rrtype_to_text(r.type) + ": auth flag " +
                std::to_string(r.flags & codec::kAuth) + ", expected " + std::to_string(auth));
      }
    }
    if (at_cut)
      cuts.push_back(nk);
  }

  if (dnssec.state().find(txn, zone.id)) {
    VerifyReport rep = dnssec.verifier().verify(txn, zone);
    for (const auto& p : rep.problems)
      problem("verify: " + p);
  }
  return out;
}

}  // namespace signet::fuzz
