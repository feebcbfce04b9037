// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/presigned_zones.hh"

#include <algorithm>
#include <set>

#include "signer/error.hh"
#include "signer/json.hh"
#include "signer/rrsig.hh"
#include "signer/rrtype.hh"

namespace signet {

bool is_presigned(const Store& store, const lmdb::Txn& txn, uint32_t zone_id) {
  auto v = store.get_meta(txn, zone_id, kPresignedMeta);
  return !v.empty() && v.front() == "1";
}

void PresignedZones::mark(lmdb::WriteTxn& txn, const ZoneRecord& zone, bool signet_signs) {
  if (zone.kind != ZoneKind::kSecondary) {
    throw Conflict("zone '" + zone.name.to_text() +
                   "': only a secondary zone can be presigned (its primary signs it)");
  }
  if (signet_signs) {
    throw Conflict("zone '" + zone.name.to_text() +
                   "' is signed by Signet; a presigned zone is signed by its primary "
                   "(signetutil unsecure-zone first)");
  }
  store_.set_meta(txn, zone.id, kPresignedMeta, {"1"});
  record(txn, zone, "zone-marked-presigned");
}

void PresignedZones::unmark(lmdb::WriteTxn& txn, const ZoneRecord& zone) {
  store_.set_meta(txn, zone.id, kPresignedMeta, {});
  store_.set_meta(txn, zone.id, kPresignedNsec3Meta, {});
  ZoneSigner::strip(store_, txn, zone.id);
  record(txn, zone, "zone-unmarked-presigned");
}

void PresignedZones::record(lmdb::WriteTxn& txn, const ZoneRecord& zone, const char* what) {
  if (!audit_)
    return;
  auto t = store_.tenant_by_id(txn, zone.tenant_id);
  audit_->append(txn, what, zone.tenant_id, zone.id, t ? t->name : "", zone.name.to_text(),
                 Json::object());
}

void PresignedZones::set_denial(lmdb::WriteTxn& txn, uint32_t zone_id,
                                const std::optional<Nsec3Params>& params) {
  store_.set_meta(
      txn, zone_id, kPresignedNsec3Meta,
      params ? std::vector<std::string>{nsec3_params_text(*params)} : std::vector<std::string>{});
}

std::optional<codec::DnssecRecord> presigned_view(const Store& store, const lmdb::Txn& txn,
                                                  uint32_t zone_id) {
  if (!is_presigned(store, txn, zone_id))
    return std::nullopt;
  codec::DnssecRecord st;
  auto nsec3 = store.get_meta(txn, zone_id, kPresignedNsec3Meta);
  if (nsec3.empty()) {
    st.denial = codec::Denial::kNsec;
  } else {
    Nsec3Params p = nsec3_params_from_text(nsec3.front());
    st.denial = codec::Denial::kNsec3;
    st.nsec3_flags = p.flags;
    st.nsec3_iterations = p.iterations;
    st.salt = p.salt;
  }
  return st;
}

void PresignedTransfer::add_signature(const Name& owner, uint32_t ttl,
                                      std::span<const uint8_t> rdata) {
  const std::string what = "RRSIG record " + owner.to_text();
  if (!owner.is_subdomain_of(zone_.name))
    throw InputError(what + " is outside zone '" + zone_.name.to_text() + "'");
  auto view = parse_rrsig(rdata);
  if (!view)
    throw InputError(what + ": malformed RDATA");
  Sig s;
  auto rel = owner.lowered().relative_to(zone_.name);
  s.rel.assign(rel.begin(), rel.end());
  s.covered = view->fields.type_covered;
  // RFC 4034 §3.1: algorithm at octet 2, key tag at octets 16-17.
  s.key_id = 0xff000000u | static_cast<uint32_t>(rdata[2]) << 16 |
             static_cast<uint32_t>(view->fields.key_tag);
  s.ttl = ttl;
  s.rdata.assign(rdata.begin(), rdata.end());
  sigs_.push_back(std::move(s));
}

PresignedTransfer::Stats PresignedTransfer::finish(const BitmapRules& rules, uint64_t now) {
  Stats st;
  const std::string zone = "zone '" + zone_.name.to_text() + "'";
  if (sigs_.empty()) {
    throw InputError(zone +
                     " is marked presigned but its primary sends it unsigned (no RRSIG records); "
                     "sign it there, or unmark it (pdnsutil unset-presigned) for Signet to serve "
                     "it unsigned");
  }
  auto view = presigned_view(store_, txn_, zone_.id);
  if (!view)
    throw Error(zone + " is not marked presigned");
  ZoneSigner::strip(store_, txn_, zone_.id);
  const uint32_t now32 = static_cast<uint32_t>(now);
  for (const Sig& s : sigs_) {
    txn_.put(store_.dbi().rrsigs, codec::rrsig_key(zone_.id, s.rel, s.covered, s.key_id),
             codec::encode_rrsig(s.ttl, s.rdata));
    auto exp = rrsig_expiration(s.rdata);
    if (exp &&
        (st.earliest_expiration == 0 || static_cast<int32_t>(*exp - st.earliest_expiration) < 0))
      st.earliest_expiration = *exp;
    if (exp && static_cast<int32_t>(*exp - now32) <= 0)
      st.expired = true;
  }
  st.signatures = sigs_.size();
  build_chain(*view, rules, st);
  return st;
}

void PresignedTransfer::build_chain(const codec::DnssecRecord& view, const BitmapRules& rules,
                                    Stats& st) {
  const bool nsec3 = view.denial == codec::Denial::kNsec3;
  const uint16_t link_type = nsec3 ? rrtype::NSEC3 : rrtype::NSEC;
  const std::string zone_prefix = codec::zone_prefix(zone_.id);
  // The names of the zone with their rows, one group per name (rrsets keys sort by name).
  std::vector<std::pair<std::string, std::vector<NameRow>>> names;
  {
    lmdb::Cursor c(txn_, store_.dbi().rrsets);
    for (bool ok = c.seek_prefix(zone_prefix); ok; ok = c.next() && c.key_has_prefix(zone_prefix)) {
      auto parts = codec::split_rrset_key(c.key_bytes());
      std::string nk(reinterpret_cast<const char*>(parts.namekey.data()), parts.namekey.size());
      if (names.empty() || names.back().first != nk)
        names.emplace_back(std::move(nk), std::vector<NameRow>{});
      names.back().second.push_back(NameRow{parts.type, codec::rrset_value_flags(c.value())});
    }
  }
  // The owners of the primary's NSEC/NSEC3 signatures: each must be a link of this chain.
  std::set<std::pair<uint16_t, std::vector<uint8_t>>> unmatched;
  for (const Sig& s : sigs_) {
    if (s.covered == rrtype::NSEC || s.covered == rrtype::NSEC3)
      unmatched.emplace(s.covered, s.rel);
  }
  const std::string chain_name = nsec3 ? "NSEC3" : "NSEC";
  const std::string refused =
      "zone '" + zone_.name.to_text() + "': the primary's chain is not " + "the " + chain_name +
      " chain Signet serves" +
      (nsec3 ? " (parameters " +
                   nsec3_params_text({1, view.nsec3_flags, view.nsec3_iterations, view.salt}) + ")"
             : std::string()) +
      ": ";
  uint8_t labels[Name::kMaxWire];
  for (const auto& [nk, rows] : names) {
    size_t n = codec::decode_namekey(codec::as_bytes(nk), labels);
    std::span<const uint8_t> rel(labels, n);
    auto link = chain_link_for(view, rel, rows, rules);
    if (!link)
      continue;
    std::string key = codec::chain_prefix(zone_.id, view.live_gen());
    if (nsec3) {
      Nsec3Hash h = nsec3_hash(CanonicalName(Name::concat(rel, zone_.name)), view.salt,
                               view.nsec3_iterations);
      key.append(reinterpret_cast<const char*>(h.data()), h.size());
    } else {
      codec::append_namekey(key, rel);
    }
    // The primary signed this link's record under the same owner, or its chain is another one.
    auto order = codec::chain_key_order(codec::as_bytes(key));
    auto sig_owner = chain_rrsig_owner(view.denial, order, link->owner);
    std::string sig_prefix = codec::name_prefix(zone_.id, sig_owner);
    codec::put_u16(sig_prefix, link_type);
    lmdb::Cursor sc(txn_, store_.dbi().rrsigs);
    if (!sc.seek_prefix(sig_prefix)) {
      throw InputError(refused + "no signature for the " + chain_name + " record of " +
                       Name::concat(rel, zone_.name).to_text() + "; the transfer is refused");
    }
    unmatched.erase({link_type, sig_owner});
    txn_.put(store_.dbi().chain, key, codec::encode_link(*link));
    ++st.links;
  }
  if (!unmatched.empty()) {
    const auto& [type, rel] = *unmatched.begin();
    throw InputError(refused + "it has a " + rrtype_to_text(type) + " record at " +
                     Name::concat(rel, zone_.name).to_text() +
                     " that Signet's chain does not; the transfer is refused");
  }
}

}  // namespace signet
