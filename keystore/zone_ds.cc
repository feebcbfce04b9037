// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/zone_ds.hh"

#include <algorithm>

#include "signer/error.hh"
#include "signer/rollover.hh"

namespace signet {

using codec::KeyRecord;

namespace {
bool contains(const std::vector<uint32_t>& ids, uint32_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::vector<KeyTimes> times_of(const std::vector<KeyRecord>& keys) {
  std::vector<KeyTimes> out;
  for (const auto& k : keys)
    out.push_back(key_times_of(k));
  return out;
}
}  // namespace

std::vector<uint8_t> dnskey_of(const KeyRecord& k) {
  return dnskey_rdata(k.flags, algorithm_from_number(k.algorithm), k.public_key);
}

bool ds_matches_key(const CanonicalName& apex, const KeyRecord& k, std::span<const uint8_t> ds) {
  if (ds.size() < 5 || k.tag != codec::load_u16(ds.data()) || k.algorithm != ds[2])
    return false;
  try {
    return ds_rdata(apex, dnskey_of(k), digest_type_from_number(ds[3])) ==
           std::vector<uint8_t>(ds.begin(), ds.end());
  } catch (const InputError&) {
    return false;  // a digest type we do not compute: it proves nothing
  }
}

KeyRrsets key_rrsets(const std::vector<KeyRecord>& keys, const SigningPolicy& policy,
                     bool going_insecure, const Name& apex_name, uint64_t now) {
  std::vector<KeyTimes> times = times_of(keys);
  bool deleting = policy.cds == CdsMode::kDelete || going_insecure;
  bool parent_must_act = false;
  for (const auto& k : times) {
    if (is_sep_role(k.role) && ((k.ds_submitted && !k.ds_seen) || (k.ds_retired && !k.ds_gone)))
      parent_must_act = true;
  }
  bool with_cds = deleting || policy.cds == CdsMode::kAlways ||
                  (policy.cds == CdsMode::kRollover && parent_must_act);
  std::vector<uint32_t> wanted = wanted_ds_keys(times, policy, now);
  KeyRrsets out;
  CanonicalName apex(apex_name);
  for (const auto& k : keys) {
    if (!key_is_published(k, now))
      continue;
    out.dnskey.push_back(dnskey_of(k));
    if (with_cds && !deleting && contains(wanted, k.id)) {
      out.cds.push_back(ds_rdata(apex, dnskey_of(k), policy.cds_digest));
      if (policy.cdnskey)
        out.cdnskey.push_back(dnskey_of(k));
    }
  }
  if (deleting) {
    out.cds = {cds_delete_rdata()};
    if (policy.cdnskey)
      out.cdnskey = {cdnskey_delete_rdata()};
  }
  return out;
}

std::vector<std::vector<uint8_t>> ZoneDs::wanted(const lmdb::Txn& txn, const ZoneRecord& zone,
                                                 DigestType type) const {
  std::vector<std::vector<uint8_t>> out;
  uint64_t now = clock_.now();
  CanonicalName apex(zone.name);
  auto all = keys_.list(txn, zone.id);
  auto wanted = wanted_ds_keys(times_of(all), SigningPolicy(), now);
  for (const auto& k : all) {
    if (contains(wanted, k.id))
      out.push_back(ds_rdata(apex, dnskey_of(k), type));
  }
  return out;
}

}  // namespace signet
