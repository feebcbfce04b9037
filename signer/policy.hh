// SPDX-License-Identifier: GPL-2.0-or-later
//
// A signing policy: what keys a zone has and how its signatures and denial records are made.
// Built-in policies are below; named policies from YAML (conf/) produce the same struct.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "signer/crypto.hh"
#include "signer/ds.hh"
#include "signer/nsec3.hh"

namespace signet {

enum class DenialMode : uint8_t { kNsec = 1, kNsec3 = 3 };
// When CDS/CDNSKEY are published (RFC 7344, RFC 8078).
enum class CdsMode : uint8_t { kNone, kRollover, kAlways, kDelete };

struct SigningPolicy {
  std::string name = "default";
  Algorithm algorithm = Algorithm::kEcdsaP256Sha256;
  bool csk = true;  // one combined signing key; false: a KSK and a ZSK
  unsigned rsa_bits = 2048;
  uint32_t dnskey_ttl = 3600;
  // RRSIG timing (seconds).
  uint32_t validity = 14 * 86400;    // expiration - inception
  uint32_t refresh = 4 * 86400;      // re-sign when less than this remains
  uint32_t jitter = 12 * 3600;       // expiration spread per zone and RRset
  uint32_t inception_offset = 3600;  // inception this far in the past (clock skew)
  // Self-check: verify every signature (true) or the first per key and a sample.
  bool verify_all = false;
  double verify_sample = 0.01;
  DenialMode denial = DenialMode::kNsec3;
  Nsec3Params nsec3;  // RFC 9276: SHA-1, no opt-out, 0 iterations, empty salt
  CdsMode cds = CdsMode::kAlways;
  DigestType cds_digest = DigestType::kSha256;
  bool cdnskey = true;
};

// The built-in policies: "default" (CSK ECDSAP256SHA256, NSEC3), "default-nsec", "ksk-zsk",
// and one per algorithm: "rsasha256", "ecdsap384sha384", "ed25519", "ed448".
std::optional<SigningPolicy> builtin_policy(const std::string& name);
std::vector<std::string> builtin_policy_names();

}  // namespace signet
