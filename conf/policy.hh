// SPDX-License-Identifier: GPL-2.0-or-later
//
// Named signing policies in YAML (yaml-cpp). A file holds a list of policies:
//
//   policies:
//     - name: standard
//       algorithm: ecdsap256sha256      # or the number: 13
//       keys: ksk-zsk                   # or csk
//       ksk-lifetime: 365d              # 0: never roll automatically
//       zsk-lifetime: 90d
//       dnskey-ttl: 1h
//       propagation-delay: 1h
//       ds-ttl: 1d                      # the parent's DS TTL
//       registration-delay: 1h          # until the parent publishes a submitted DS
//       max-zone-ttl: 1d
//       rrsig-validity: 14d
//       rrsig-refresh: 4d
//       rrsig-jitter: 12h
//       rrsig-refresh-batch: 1d         # a due refresh also renews what comes due this much later
//       denial: nsec3                   # or nsec
//       nsec3-iterations: 0
//       nsec3-salt: "-"
//       nsec3-opt-out: false
//       cds: rollover                   # none | rollover | always | delete
//       cdnskey: true
//       cds-digest: sha256              # or sha384
//       parent-nameservers: [192.0.2.53, "192.0.2.54:5353"]   # empty: find them by NS lookup
//       ds-submission: hook             # none | hook | push
//       ds-hook: /usr/local/bin/submit-ds   # run as: PROGRAM -- ZONE DS... (signer/ds_hook.hh)
//       ds-hook-timeout: 60s            # then the hook is killed and retried with backoff
//       ds-push: {server: "192.0.2.1:53", tsig-name: k., tsig-secret: "..."}  # sealed when stored
//       approval: auto                  # or manual
//
// Durations are seconds or a number with s, m, h, d or w. Unknown keys, bad values and impossible
// timings (a key lifetime shorter than the rollover it needs) are refused with file:line.
//
// The TSIG secret (ds-push tsig-secret) is read from a policy file and from nowhere else: the
// store keeps it sealed beside the policy's YAML (keystore/policy_store.hh), and no YAML written
// here contains it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signer/policy.hh"

namespace signet {

// Whose policies a file holds, which decides the keys it may set: the operator's (global
// policies: every key) or a tenant's (signetutil --tenant T policy import: not ds-hook, ds-push
// or parent-nameservers, which run programs or use the operator's credentials and network; see
// keystore/policy_store.hh).
enum class PolicyAuthor : uint8_t { kOperator, kTenant };

// What `policy show` prints instead of a TSIG secret; a file holding it is refused.
inline constexpr const char* kRedactedSecret = "<redacted>";

// Parses YAML text; `source` names it in messages. Throws InputError "source:line: reason", and
// ScopeError "source:line: reason" for a key the author may not set.
std::vector<SigningPolicy> parse_policies(const std::string& yaml, const std::string& source,
                                          PolicyAuthor author = PolicyAuthor::kOperator);
std::vector<SigningPolicy> load_policy_file(const std::string& path,
                                            PolicyAuthor author = PolicyAuthor::kOperator);
// A policy as the store keeps it (policy_to_yaml): the same keys, its TSIG secret absent (sealed
// apart). A policy stored before schema 3 may still have it in its YAML: it is read then.
// Throws CorruptionError.
SigningPolicy parse_stored_policy(const std::string& name, const std::string& yaml);

// Refuses timings that cannot work (throws InputError naming the policy).
void check_policy(const SigningPolicy& p);

// The policy in the same YAML form (one entry of "policies:"), canonical: what the store keeps
// and what the audit log compares. Never with the TSIG secret: kOmitted leaves the key out (the
// stored form), kRedacted writes kRedactedSecret where a TSIG key is configured (for people).
enum class TsigSecretForm : uint8_t { kOmitted, kRedacted };
std::string policy_to_yaml(const SigningPolicy& p,
                           TsigSecretForm secret = TsigSecretForm::kOmitted);

// A duration as the YAML writes it: "90d", "1h", "30s".
std::string duration_text(uint32_t seconds);
// The inverse: seconds, or a number with s, m, h, d or w; nullopt when `text` is none of these or
// longer than 2^32-1 seconds.
std::optional<uint32_t> parse_duration(std::string_view text);

// How long each rollover takes under `p` (RFC 7583 timings), in seconds.
uint64_t zsk_rollover_duration(const SigningPolicy& p);
uint64_t ksk_rollover_duration(const SigningPolicy& p);

}  // namespace signet
