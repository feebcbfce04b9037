// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/evidence_key.hh"

#include <sodium.h>

#include "signer/encoding.hh"
#include "signer/error.hh"

namespace signet {

namespace {

constexpr std::string_view kTag = "evidence-key";
constexpr std::string_view kAd = "signet/evidence/1";

std::span<const uint8_t> ad() {
  return codec::as_bytes(kAd);
}

}  // namespace

std::optional<codec::EvidenceKeyRecord> find_evidence_key(const Store& store,
                                                          const lmdb::Txn& txn) {
  auto v = txn.find(store.dbi().sys, kTag);
  if (!v)
    return std::nullopt;
  return codec::decode_evidence_key(*v);
}

EvidenceKeyResult ensure_evidence_key(Store& store, lmdb::WriteTxn& txn, const MasterKey& master,
                                      AuditLog& audit, uint64_t now, bool rotate) {
  auto old = find_evidence_key(store, txn);
  if (old && !rotate)
    return {*old, false};
  Secret seed(crypto_sign_SEEDBYTES);
  randombytes_buf(seed.data(), seed.size());
  Secret sk(crypto_sign_SECRETKEYBYTES);
  codec::EvidenceKeyRecord k;
  k.created = now;
  if (crypto_sign_seed_keypair(k.public_key.data(), sk.data(), seed.data()) != 0)
    throw Error("evidence key: Ed25519 key generation failed");
  k.sealed = Keyring::seal(master.key(), ad(), {seed.data(), seed.size()});
  txn.put(store.dbi().sys, kTag, codec::encode_evidence_key(k));
  Json detail{{"public_key", base64(k.public_key)}};
  if (old)
    detail["previous_public_key"] = base64(old->public_key);
  audit.append(txn, old ? "evidence-key-rotated" : "evidence-key-created", 0, 0, "", "", detail);
  return {k, true};
}

std::array<uint8_t, 64> evidence_sign(const Store& store, const lmdb::Txn& txn,
                                      const MasterKey& master, std::string_view message,
                                      std::array<uint8_t, 32>* public_key) {
  auto k = find_evidence_key(store, txn);
  if (!k)
    throw NotFound("no evidence key: make one with 'signetutil evidence-key'");
  auto seed = Keyring::open(master.key(), ad(), k->sealed);
  if (!seed || seed->size() != crypto_sign_SEEDBYTES)
    throw CorruptionError("evidence key does not open under this master key");
  Secret sk(crypto_sign_SECRETKEYBYTES);
  std::array<uint8_t, 32> pk{};
  crypto_sign_seed_keypair(pk.data(), sk.data(), seed->data());
  if (pk != k->public_key)
    throw CorruptionError("evidence key: the sealed seed does not match the stored public key");
  std::array<uint8_t, 64> sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const uint8_t*>(message.data()),
                       message.size(), sk.data());
  if (public_key)
    *public_key = pk;
  return sig;
}

}  // namespace signet
