// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/zone_verifier.hh"

#include <map>
#include <set>

#include "keystore/signing.hh"
#include "signer/key.hh"
#include "signer/nsec3.hh"
#include "signer/rrsig.hh"
#include "signer/rrtype.hh"

namespace signet {

namespace {

using KeyId = std::pair<uint16_t, uint8_t>;  // key tag, algorithm
using PublicKeys = std::map<KeyId, std::vector<uint8_t>>;
// The zone's names in canonical order: relative labels and the rows at each.
using NameRows = std::vector<std::pair<std::vector<uint8_t>, std::vector<NameRow>>>;

// One verification run over one zone.
class Verification {
 public:
  Verification(const Store& store, const lmdb::Txn& txn, const ZoneRecord& zone,
               const codec::DnssecRecord& state, uint32_t now, BitmapRules rules,
               VerifyReport& report)
      : store_(store),
        txn_(txn),
        zone_(zone),
        state_(state),
        now_(now),
        rules_(rules),
        rep_(report) {}

  void load_keys(const std::vector<codec::KeyRecord>& keys);
  NameRows names() const;
  void check_rrsets(const NameRows& names);
  void check_chain(const NameRows& names);

 private:
  void problem(const std::string& s) {
    if (rep_.problems.size() < 100)
      rep_.problems.push_back(s);
  }
  // Checks every stored signature of owner/type over `rdatas` (canonical order).
  void check_sigs(std::span<const uint8_t> rel, uint16_t type, uint32_t ttl,
                  const std::vector<std::span<const uint8_t>>& rdatas);
  // Whether one stored signature (`view` over owner/type) verifies and counts; notes why not.
  bool check_sig(const RrsigView& view, uint32_t stored_ttl, const CanonicalName& owner,
                 uint16_t type, uint32_t ttl, const std::vector<std::span<const uint8_t>>& rdatas,
                 bool& published);
  // The chain links the zone's names imply, by chain key.
  std::map<std::string, codec::ChainLink> expected_links(const NameRows& names) const;
  std::vector<std::pair<std::string, codec::ChainLink>> stored_links() const;
  Nsec3Params nsec3_params() const;

  const Store& store_;
  const lmdb::Txn& txn_;
  const ZoneRecord& zone_;
  const codec::DnssecRecord& state_;
  uint32_t now_;
  BitmapRules rules_;
  VerifyReport& rep_;
  PublicKeys dnskeys_;      // the DNSKEY RRset as served
  PublicKeys unpublished_;  // keys of the zone that sign without being in it
  std::set<uint8_t> published_algorithms_;
};

void Verification::load_keys(const std::vector<codec::KeyRecord>& keys) {
  if (auto v = store_.get_rrset(txn_, zone_.id, {}, rrtype::DNSKEY)) {
    auto it = v->rdatas();
    std::span<const uint8_t> r;
    while (it.next(r))
      dnskeys_[{key_tag(r), r[3]}] = std::vector<uint8_t>(r.begin() + 4, r.end());
  } else {
    rep_.problems.push_back("no DNSKEY RRset at the apex");
  }
  for (const auto& [id, pk] : dnskeys_)
    published_algorithms_.insert(id.second);
  // The zone's keys that sign without being in the DNSKEY RRset: an algorithm rollover's new keys
  // before publication and its old keys after removal (RFC 6781 §4.1.4). Validators ignore their
  // signatures; we check that they verify, but they do not count for the RRset.
  for (const auto& k : keys) {
    if (!dnskeys_.count({k.tag, k.algorithm}))
      unpublished_[{k.tag, k.algorithm}] = k.public_key;
  }
}

bool Verification::check_sig(const RrsigView& view, uint32_t stored_ttl, const CanonicalName& owner,
                             uint16_t type, uint32_t ttl,
                             const std::vector<std::span<const uint8_t>>& rdatas, bool& published) {
  std::string what = owner.name().to_text() + " " + rrtype_to_text(type);
  std::string by = ": RRSIG by key " + std::to_string(view.fields.key_tag);
  KeyId id{view.fields.key_tag, static_cast<uint8_t>(view.fields.algorithm)};
  auto key = dnskeys_.find(id);
  published = key != dnskeys_.end();
  if (!published) {
    key = unpublished_.find(id);
    if (key == unpublished_.end()) {
      problem(what + by + " which is neither in the DNSKEY RRset nor a key of the zone");
      return false;
    }
  }
  if (time_before(now_, view.fields.inception) || !time_before(now_, view.fields.expiration)) {
    problem(what + by + " is not valid now");
    return false;
  }
  if (view.fields.original_ttl != ttl || stored_ttl != ttl) {
    problem(what + ": RRSIG original TTL " + std::to_string(view.fields.original_ttl) +
            " differs from " + std::to_string(ttl));
  }
  SignedData sd;
  sd.begin(view.fields, CanonicalName(Name::from_wire(view.signer)));
  for (const auto& r : rdatas)
    sd.add(owner, type, ttl, r);
  if (!signet::verify(view.fields.algorithm, key->second, sd.bytes(), view.signature)) {
    problem(what + by + " does not verify");
    return false;
  }
  return true;
}

void Verification::check_sigs(std::span<const uint8_t> rel, uint16_t type, uint32_t ttl,
                              const std::vector<std::span<const uint8_t>>& rdatas) {
  CanonicalName owner(Name::concat(rel, zone_.name));
  std::string prefix = codec::name_prefix(zone_.id, rel);
  codec::put_u16(prefix, type);
  size_t valid = 0;
  std::set<uint8_t> valid_algorithms;
  lmdb::Cursor c(txn_, store_.dbi().rrsigs);
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    ++rep_.signatures;
    auto v = codec::decode_rrsig_value(c.value());
    auto view = parse_rrsig(v.rdata);
    if (!view) {
      problem(owner.name().to_text() + " " + rrtype_to_text(type) + ": malformed RRSIG");
      continue;
    }
    bool published = false;
    if (check_sig(*view, v.ttl, owner, type, ttl, rdatas, published) && published) {
      ++valid;
      valid_algorithms.insert(static_cast<uint8_t>(view->fields.algorithm));
    }
  }
  std::string what = owner.name().to_text() + " " + rrtype_to_text(type);
  if (valid == 0)
    problem(what + ": no valid RRSIG by a key in the DNSKEY RRset");
  // RFC 4035 §2.2: every algorithm in the DNSKEY RRset signs every RRset.
  for (uint8_t alg : published_algorithms_) {
    if (valid && !valid_algorithms.count(alg)) {
      problem(what + ": no valid RRSIG of algorithm " + std::to_string(alg) +
              ", which the DNSKEY RRset has (RFC 4035 §2.2)");
    }
  }
}

NameRows Verification::names() const {
  NameRows names;
  std::string zp = codec::zone_prefix(zone_.id);
  lmdb::Cursor c(txn_, store_.dbi().rrsets);
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
    names.back().second.push_back(NameRow{parts.type, codec::rrset_value_flags(c.value())});
  }
  return names;
}

// Every RRset: authoritative ones signed, the rest (delegation NS, glue) not.
void Verification::check_rrsets(const NameRows& names) {
  for (const auto& [rel, rows] : names) {
    for (const auto& row : rows) {
      if (row.type == rrtype::kEnt)
        continue;
      auto v = store_.get_rrset(txn_, zone_.id, rel, row.type);
      std::vector<std::span<const uint8_t>> rdatas;
      auto it = v->rdatas();
      std::span<const uint8_t> r;
      while (it.next(r))
        rdatas.push_back(r);
      if (row.flags & codec::kAuth) {
        ++rep_.rrsets;
        check_sigs(rel, row.type, v->ttl, rdatas);
      } else {
        std::string prefix = codec::name_prefix(zone_.id, rel);
        codec::put_u16(prefix, row.type);
        lmdb::Cursor c(txn_, store_.dbi().rrsigs);
        if (c.seek_prefix(prefix)) {
          problem(Name::concat(rel, zone_.name).to_text() + " " + rrtype_to_text(row.type) +
                  ": non-authoritative data (delegation or glue) is signed");
        }
      }
    }
  }
}

Nsec3Params Verification::nsec3_params() const {
  Nsec3Params p;
  p.flags = state_.nsec3_flags;
  p.iterations = state_.nsec3_iterations;
  p.salt = state_.salt;
  return p;
}

std::map<std::string, codec::ChainLink> Verification::expected_links(const NameRows& names) const {
  std::string cp = codec::chain_prefix(zone_.id, state_.live_gen());
  std::map<std::string, codec::ChainLink> expected;
  for (const auto& [rel, rows] : names) {
    auto link = chain_link_for(state_, rel, rows, rules_);
    if (!link)
      continue;
    std::string key = cp;
    if (state_.denial == codec::Denial::kNsec) {
      codec::append_namekey(key, rel);
    } else {
      Nsec3Hash h = nsec3_hash(CanonicalName(Name::concat(rel, zone_.name)), state_.salt,
                               state_.nsec3_iterations);
      key.append(reinterpret_cast<const char*>(h.data()), h.size());
    }
    expected.emplace(key, *link);
  }
  return expected;
}

std::vector<std::pair<std::string, codec::ChainLink>> Verification::stored_links() const {
  std::string cp = codec::chain_prefix(zone_.id, state_.live_gen());
  std::vector<std::pair<std::string, codec::ChainLink>> stored;
  lmdb::Cursor c(txn_, store_.dbi().chain);
  for (bool ok = c.seek_prefix(cp); ok; ok = c.next() && c.key_has_prefix(cp))
    stored.emplace_back(std::string(c.key()), codec::decode_link(c.value()));
  return stored;
}

// The chain: exactly the links the rows imply, each correctly signed.
void Verification::check_chain(const NameRows& names) {
  bool nsec3 = state_.denial == codec::Denial::kNsec3;
  std::map<std::string, codec::ChainLink> expected = expected_links(names);
  std::vector<std::pair<std::string, codec::ChainLink>> stored = stored_links();
  std::map<std::string, codec::ChainLink> stored_map(stored.begin(), stored.end());
  if (stored_map != expected) {
    problem("the " + std::string(nsec3 ? "NSEC3" : "NSEC") +
            " chain does not match the zone's names (" + std::to_string(stored.size()) +
            " links stored, " + std::to_string(expected.size()) + " expected)");
  }
  uint32_t neg = 0;
  if (auto soa = store_.get_rrset(txn_, zone_.id, {}, rrtype::SOA)) {
    std::span<const uint8_t> r;
    auto it = soa->rdatas();
    it.next(r);
    neg = std::min(soa->ttl, codec::soa_fields(r).minimum);
  }
  Nsec3Params p = nsec3_params();
  if (nsec3) {
    // pdns answers NSEC3PARAM with the SOA MINIMUM as TTL and the flags field zeroed.
    check_sigs({}, rrtype::NSEC3PARAM, zone_soa(store_, txn_, zone_.id).minimum,
               {nsec3param_rdata(p)});
  }
  uint16_t ctype = nsec3 ? rrtype::NSEC3 : rrtype::NSEC;
  for (size_t i = 0; i < stored.size(); ++i) {
    const auto& [key, link] = stored[i];
    const auto& [nkey, next] = stored[(i + 1) % stored.size()];
    std::vector<uint8_t> bitmap = type_bitmap(link.types);
    std::vector<uint8_t> rdata =
        nsec3 ? nsec3_rdata(p, codec::chain_key_hash(codec::as_bytes(nkey)), bitmap)
              : nsec_rdata(Name::concat(next.owner, CanonicalName(zone_.name).name()), bitmap);
    std::vector<uint8_t> rel =
        chain_rrsig_owner(state_.denial, codec::chain_key_order(codec::as_bytes(key)), link.owner);
    check_sigs(rel, ctype, neg, {rdata});
    ++rep_.links;
  }
}

}  // namespace

VerifyReport ZoneVerifier::verify(const lmdb::Txn& txn, const ZoneRecord& zone) const {
  VerifyReport rep;
  auto st = state_.find(txn, zone.id);
  if (!st) {
    rep.problems.push_back("zone '" + zone.name.to_text() + "' is not secured");
    return rep;
  }
  Verification run(store_, txn, zone, *st, static_cast<uint32_t>(clock_.now()), rules_, rep);
  run.load_keys(keys_.list(txn, zone.id));
  NameRows names = run.names();
  run.check_rrsets(names);
  run.check_chain(names);
  return rep;
}

}  // namespace signet
