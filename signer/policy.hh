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
  // When a zone's refresh is due, also renew what would come due within this much more, so the
  // serial changes for signatures about once per batch (rrsig-refresh-batch, Knot's
  // rrsig-pre-refresh); nullopt: 1 day, less where the timings leave less room
  // (keystore/signing.hh refresh_batch).
  std::optional<uint32_t> refresh_batch;
  // Self-check: verify every signature (true) or the first per key and a sample.
  bool verify_all = false;
  double verify_sample = 0.01;
  DenialMode denial = DenialMode::kNsec3;
  Nsec3Params nsec3;  // RFC 9276: SHA-1, no opt-out, 0 iterations, empty salt
  CdsMode cds = CdsMode::kAlways;
  DigestType cds_digest = DigestType::kSha256;
  bool cdnskey = true;

  // ---- key lifecycle (RFC 7583); a lifetime of 0 means "no automatic rollover"
  uint32_t ksk_lifetime = 0;
  uint32_t zsk_lifetime = 0;
  uint32_t csk_lifetime = 0;
  uint32_t propagation_delay = 3600;  // Dprp: until every secondary serves a change
  uint32_t ds_ttl = 86400;            // TTL of the DS RRset at the parent
  uint32_t registration_delay = 0;    // Dreg: until the parent publishes a submitted DS
  uint32_t max_zone_ttl = 86400;      // the largest TTL in the zone (how long old signatures live)
  uint32_t rollover_jitter = 86400;   // spread of rollover start times per zone
  // ---- the parent
  std::vector<std::string> parent_nameservers;  // "address[:port]"; empty: found by NS lookup
  uint32_t parent_check_interval = 300;         // first retry; doubles on failure up to 1 day
  enum class DsSubmission : uint8_t { kNone, kHook, kPush };
  DsSubmission ds_submission = DsSubmission::kNone;
  std::string ds_hook;  // executable: run with the zone and the DS records (signer/ds_hook.hh)
  uint32_t ds_hook_timeout = 60;  // seconds; then its process group is killed and it is retried
  struct Push {
    std::string server;  // the parent's primary, "address[:port]"
    std::string tsig_name, tsig_algorithm = "hmac-sha256", tsig_secret;  // base64 secret
  } ds_push;
  bool manual_approval = false;  // propose each rollover step and wait for `signetutil approve`
};

// The built-in policies: "default" (CSK ECDSAP256SHA256, NSEC3), "default-nsec", "ksk-zsk",
// and one per algorithm: "rsasha256", "ecdsap384sha384", "ed25519", "ed448". They sign but never
// roll keys on their own (lifetimes 0); named policies (conf/policy.hh) set lifetimes.
std::optional<SigningPolicy> builtin_policy(const std::string& name);
std::vector<std::string> builtin_policy_names();

}  // namespace signet
