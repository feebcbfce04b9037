// SPDX-License-Identifier: GPL-2.0-or-later
//
// The MANIFEST of an evidence pack and its signature. MANIFEST is text:
//
//   signet-evidence-manifest 1
//   key ed25519 <base64 public key of the signer>
//   sha256 <hex> <file name>          -- one line per file of the pack, in pack order
//
// and MANIFEST.sig is one line "ed25519 <base64 detached signature of the MANIFEST octets>"
// (libsodium crypto_sign_detached). The key line only says who claims to have signed: checked
// against it, a signature proves the pack is as that key's holder made it, not who that is — an
// auditor checks against the operator's public key obtained elsewhere (--key).
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evidence/archive.hh"

namespace signet::evidence {

inline constexpr std::string_view kManifestName = "MANIFEST";
inline constexpr std::string_view kSignatureName = "MANIFEST.sig";

using PublicKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;
using Signer = std::function<Signature(std::string_view message)>;

// `files` followed by MANIFEST (their hashes, `key` as the signer) and MANIFEST.sig (`sign` over
// MANIFEST).
std::vector<ArchiveFile> seal_files(std::vector<ArchiveFile> files, const PublicKey& key,
                                    const Signer& sign);

struct ManifestVerdict {
  std::vector<std::string> problems;  // each names the file (or the signature) that is wrong
  std::optional<PublicKey> signer;    // the key the signature was checked against
  bool key_given = false;             // against the caller's key (else the manifest's own)
  bool ok() const { return problems.empty(); }
};

// Checks the signature of MANIFEST (against `key`, else against the key MANIFEST names), every
// file's SHA-256, and that no file is missing from the pack or extra in it.
ManifestVerdict check_manifest(const std::vector<ArchiveFile>& files,
                               const std::optional<PublicKey>& key);

// A base64 Ed25519 public key; nullopt when it is not one.
std::optional<PublicKey> parse_public_key(std::string_view base64_text);

}  // namespace signet::evidence
