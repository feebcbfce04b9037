// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/tsig_keys.hh"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "keystore/policy_store.hh"
#include "signer/error.hh"

namespace signet {

namespace {

constexpr size_t kMaxSecret = 1024;

struct AlgorithmInfo {
  TsigAlgorithm alg;
  std::string_view name;
  size_t size;
};
constexpr std::array<AlgorithmInfo, 6> kAlgorithms = {{
    {TsigAlgorithm::kHmacMd5, "hmac-md5", 16},
    {TsigAlgorithm::kHmacSha1, "hmac-sha1", 20},
    {TsigAlgorithm::kHmacSha224, "hmac-sha224", 28},
    {TsigAlgorithm::kHmacSha256, "hmac-sha256", 32},
    {TsigAlgorithm::kHmacSha384, "hmac-sha384", 48},
    {TsigAlgorithm::kHmacSha512, "hmac-sha512", 64},
}};

const AlgorithmInfo& info(TsigAlgorithm a) {
  for (const auto& i : kAlgorithms) {
    if (i.alg == a)
      return i;
  }
  throw CorruptionError("unknown TSIG algorithm " + std::to_string(static_cast<int>(a)));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(to_lower_ascii(static_cast<uint8_t>(c)));
  return out;
}

std::string key_text(const Name& name) {
  return "TSIG key '" + name.to_text() + "'";
}

// The key a metadata value names, as the tsig_keys database keys it; nullopt when the value is
// not a DNS name (pdns would not find a key by it either).
std::optional<std::string> named_key(std::string_view value) {
  if (value.empty())
    return std::nullopt;
  try {
    return codec::tsig_key_key(Name::from_text(value));
  } catch (const InputError&) {
    return std::nullopt;
  }
}

std::string tenant_label(const Store& store, const lmdb::Txn& txn, uint32_t id) {
  if (id == kGlobalTsigOwner)
    return "the operator (global)";
  return store.tenant_label(txn, id);
}

// Base64 (RFC 4648 §4, with padding, as pdns and nsupdate write it) in guarded memory.
Secret to_base64(const Secret& raw) {
  const size_t len = sodium_base64_encoded_len(raw.size(), sodium_base64_VARIANT_ORIGINAL);
  Secret out(len);  // counts the terminating NUL, dropped below
  sodium_bin2base64(reinterpret_cast<char*>(out.data()), len, raw.data(), raw.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(len - 1);
  return out;
}

std::optional<Secret> from_base64(std::string_view text) {
  for (int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING}) {
    Secret raw(kMaxSecret);
    size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(raw.data(), raw.size(), text.data(), text.size(), nullptr, &len, &end,
                          variant) == 0 &&
        end == text.data() + text.size() && len > 0) {
      raw.resize(len);
      return raw;
    }
  }
  return std::nullopt;
}

}  // namespace

// ------------------------------------------------------------------ algorithms

std::string_view tsig_algorithm_name(TsigAlgorithm a) {
  return info(a).name;
}

std::optional<TsigAlgorithm> tsig_algorithm_from_name(std::string_view name) {
  std::string n = lower(name);
  if (!n.empty() && n.back() == '.')
    n.pop_back();
  if (n == "hmac-md5.sig-alg.reg.int")
    return TsigAlgorithm::kHmacMd5;
  for (const auto& i : kAlgorithms) {
    if (i.name == n)
      return i.alg;
  }
  return std::nullopt;
}

size_t tsig_secret_size(TsigAlgorithm a) {
  return info(a).size;
}

// ------------------------------------------------------------------ the metadata rule

bool tsig_key_usable(const Store& store, const lmdb::Txn& txn, std::string_view key_name,
                     uint32_t tenant_id) {
  auto key = named_key(key_name);
  auto row = key ? txn.find(store.dbi().tsig_keys, *key) : std::nullopt;
  if (!row)
    return false;
  uint32_t owner = codec::decode_tsig_key(*row).owner;
  return owner == kGlobalTsigOwner || owner == tenant_id;
}

bool names_tsig_keys(std::string_view kind) {
  std::string k = lower(kind);
  return k == "tsig-allow-dnsupdate" || k == "tsig-allow-axfr" || k == "axfr-master-tsig";
}

void check_tsig_metadata(const Store& store, const lmdb::Txn& txn, const ZoneRecord& zone,
                         std::string_view kind, const std::vector<std::string>& values) {
  if (!names_tsig_keys(kind))
    return;
  for (const auto& v : values) {
    auto key = named_key(v);
    if (!key) {
      throw InputError("zone '" + zone.name.to_text() + "': " + std::string(kind) + " value '" + v +
                       "' is not a TSIG key name");
    }
    if (!tsig_key_usable(store, txn, v, zone.tenant_id)) {
      // The same words whether the key is missing or another tenant's (see the header).
      throw ScopeError("zone '" + zone.name.to_text() + "': " + std::string(kind) +
                       " may name only TSIG keys of " + tenant_label(store, txn, zone.tenant_id) +
                       " or global keys; TSIG key '" + v + "' is neither (signetutil tsig list)");
    }
  }
}

std::vector<std::string> dnsupdate_keys(const Store& store, const lmdb::Txn& txn,
                                        const ZoneRecord& zone) {
  std::vector<std::string> out = store.get_meta(txn, zone.id, "TSIG-ALLOW-DNSUPDATE");
  if (!out.empty())
    return out;
  lmdb::Cursor c(txn, store.dbi().tsig_keys);
  for (bool ok = c.first(); ok; ok = c.next()) {
    auto k = codec::decode_tsig_key(c.value());
    if (k.owner == zone.tenant_id)
      out.push_back(k.name.to_text());
  }
  return out;
}

void check_tsig_metadata_for_move(const Store& store, const lmdb::Txn& txn, const ZoneRecord& zone,
                                  uint32_t new_tenant_id) {
  for (const auto& [kind, values] : store.all_meta(txn, zone.id)) {
    if (!names_tsig_keys(kind))
      continue;
    for (const auto& v : values) {
      auto key = named_key(v);
      auto row = key ? txn.find(store.dbi().tsig_keys, *key) : std::nullopt;
      if (!row)
        continue;  // names nothing: a key of that name could only be made by the new tenant
      uint32_t owner = codec::decode_tsig_key(*row).owner;
      if (owner != kGlobalTsigOwner && owner != new_tenant_id) {
        throw Conflict("zone '" + zone.name.to_text() + "': its " + kind + " names TSIG key '" + v +
                       "' of " + tenant_label(store, txn, owner) + ", which " +
                       tenant_label(store, txn, new_tenant_id) +
                       " may not use; remove it from the zone's metadata before moving the zone");
      }
    }
  }
}

// ------------------------------------------------------------------ keys

std::optional<TsigKeyRecord> TsigKeys::find(const lmdb::Txn& txn, const Name& name) const {
  auto v = txn.find(store_.dbi().tsig_keys, codec::tsig_key_key(name));
  if (!v)
    return std::nullopt;
  return codec::decode_tsig_key(*v);
}

std::vector<TsigKeyRecord> TsigKeys::list(const lmdb::Txn& txn,
                                          std::optional<uint32_t> owner) const {
  std::vector<TsigKeyRecord> out;
  lmdb::Cursor c(txn, store_.dbi().tsig_keys);
  for (bool ok = c.first(); ok; ok = c.next()) {
    auto k = codec::decode_tsig_key(c.value());
    if (!owner || k.owner == *owner)
      out.push_back(std::move(k));
  }
  return out;
}

TsigKeyRecord TsigKeys::store_secret(lmdb::WriteTxn& txn, uint32_t owner, const Name& name,
                                     TsigAlgorithm alg, const Secret& raw) {
  if (owner != kGlobalTsigOwner && !store_.tenant_by_id(txn, owner))
    throw NotFound("tenant #" + std::to_string(owner) + " does not exist");
  if (!master_)
    throw Error("TSIG keys: no master key to seal a secret with");
  TsigKeyRecord rec;
  rec.name = name;
  rec.owner = owner;
  rec.algorithm = static_cast<uint8_t>(alg);
  rec.created = clock_.now();
  Keyring ring(store_, master_());
  rec.sealed = ring.seal_tsig_secret(txn, owner, name, raw.bytes());
  txn.put(store_.dbi().tsig_keys, codec::tsig_key_key(name), codec::encode_tsig_key(rec));
  return rec;
}

CreatedTsigKey TsigKeys::create(lmdb::WriteTxn& txn, uint32_t owner, const Name& name,
                                TsigAlgorithm alg) {
  if (find(txn, name))
    throw Conflict(key_text(name) + " exists already (key names are unique in the store)");
  Secret raw(tsig_secret_size(alg));
  randombytes_buf(raw.data(), raw.size());
  CreatedTsigKey out{store_secret(txn, owner, name, alg, raw), to_base64(raw)};
  audit(txn, "tsig-key-created", out.record, tsig_secret_fingerprint(out.secret_base64.bytes()));
  return out;
}

TsigKeyRecord TsigKeys::import(lmdb::WriteTxn& txn, uint32_t owner, const Name& name,
                               TsigAlgorithm alg, std::string_view secret_base64) {
  auto raw = from_base64(secret_base64);
  if (!raw) {
    throw InputError(key_text(name) + ": the secret is not base64 of 1 to " +
                     std::to_string(kMaxSecret) + " octets");
  }
  bool replaced = false;
  if (auto old = find(txn, name)) {
    if (old->owner != owner || owner != kGlobalTsigOwner) {
      throw Conflict(key_text(name) + " exists already and is " +
                     tenant_label(store_, txn, old->owner) +
                     "'s; delete it first (signetutil tsig delete)");
    }
    replaced = true;
  }
  TsigKeyRecord rec = store_secret(txn, owner, name, alg, *raw);
  audit(txn, replaced ? "tsig-key-replaced" : "tsig-key-created", rec,
        tsig_secret_fingerprint(to_base64(*raw).bytes()));
  return rec;
}

Secret TsigKeys::open_base64(const lmdb::Txn& txn, const TsigKeyRecord& key) const {
  if (!master_)
    throw Error("TSIG keys: no master key to open a secret with");
  Keyring ring(store_, master_());
  return to_base64(ring.open_tsig_secret(txn, key.owner, key.name, key.sealed));
}

void TsigKeys::remove(lmdb::WriteTxn& txn, const Name& name) {
  auto rec = find(txn, name);
  if (!rec)
    throw NotFound(key_text(name) + " does not exist");
  // The zones whose metadata names it: one pass over the metadata (deleting a key is rare; an
  // index by key name would have to be kept right on every metadata write).
  const std::string target = codec::tsig_key_key(name);
  lmdb::Cursor c(txn, store_.dbi().meta);
  for (bool ok = c.first(); ok; ok = c.next()) {
    codec::MetaKeyParts k = codec::split_meta_key(c.key_bytes());
    if (!names_tsig_keys(k.kind))
      continue;
    std::string_view v(reinterpret_cast<const char*>(c.value().data()), c.value().size());
    if (named_key(v) != target)
      continue;
    auto zone = store_.zone_by_id(txn, k.zone_id);
    throw Conflict(key_text(name) + " is still named by the " + std::string(k.kind) +
                   " metadata of zone '" + (zone ? zone->name.to_text() : "#?") +
                   "'; remove it there first");
  }
  txn.del(store_.dbi().tsig_keys, target);
  audit(txn, "tsig-key-deleted", *rec, std::nullopt);
}

std::vector<Name> TsigKeys::remove_tenant(lmdb::WriteTxn& txn, uint32_t tenant_id) {
  std::vector<Name> names;
  if (tenant_id == kGlobalTsigOwner)
    return names;  // global keys belong to no tenant
  for (const auto& k : list(txn, tenant_id))
    names.push_back(k.name);
  for (const auto& n : names)
    remove(txn, n);
  return names;
}

void TsigKeys::audit(lmdb::WriteTxn& txn, std::string_view kind, const TsigKeyRecord& k,
                     std::optional<std::string> fingerprint) {
  if (!audit_)
    return;
  std::string tenant;
  if (k.owner != kGlobalTsigOwner) {
    if (auto rec = store_.tenant_by_id(txn, k.owner))
      tenant = rec->name;
  }
  Json detail{
      {"key", k.name.to_text()},
      {"algorithm", std::string(tsig_algorithm_name(static_cast<TsigAlgorithm>(k.algorithm)))},
      {"global", k.owner == kGlobalTsigOwner}};
  if (fingerprint)
    detail["fingerprint"] = *fingerprint;
  audit_->append(txn, kind, k.owner, 0, tenant, "", detail);
}

}  // namespace signet
