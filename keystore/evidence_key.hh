// SPDX-License-Identifier: GPL-2.0-or-later
//
// The operator's evidence key: the Ed25519 key that signs the MANIFEST of evidence packs
// (evidence/manifest.hh). One per store, in sys "evidence-key" (keystore/codec.hh): the public key
// in the clear, the 32-octet seed sealed under the master key like the other operator secrets
// (keystore/keyring.hh), associated data "signet/evidence/1". Made, and rotated, by `signetutil
// evidence-key`, audited with the public key; the private key is never printed.
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "keystore/audit.hh"
#include "keystore/codec.hh"
#include "keystore/keyring.hh"
#include "keystore/store.hh"

namespace signet {

// The stored key; nullopt when none was made yet.
std::optional<codec::EvidenceKeyRecord> find_evidence_key(const Store& store, const lmdb::Txn& txn);

struct EvidenceKeyResult {
  codec::EvidenceKeyRecord key;
  bool created = false;  // false: the existing key (no --rotate)
};
// The existing key, or a new one when there is none or `rotate` is set (the old one is then
// gone: packs it signed still verify against its public key). Audited as "evidence-key-created"
// or "evidence-key-rotated" with the public keys (base64).
EvidenceKeyResult ensure_evidence_key(Store& store, lmdb::WriteTxn& txn, const MasterKey& master,
                                      AuditLog& audit, uint64_t now, bool rotate);

// A detached Ed25519 signature of `message` with the stored key. Throws NotFound when there is
// none ("run signetutil evidence-key"), CorruptionError when it does not open under this master
// key.
std::array<uint8_t, 64> evidence_sign(const Store& store, const lmdb::Txn& txn,
                                      const MasterKey& master, std::string_view message,
                                      std::array<uint8_t, 32>* public_key);

}  // namespace signet
