// SPDX-License-Identifier: GPL-2.0-or-later
//
// A validating resolver inside the process (libunbound), for the validation monitor when no
// resolver is configured (`signet-monitor-resolvers` empty): it recurses from the root with the
// system's root trust anchor (Debian's dns-root-data, /usr/share/dns/root.key), so a zone's chain
// of trust is checked as any validating resolver on the internet would, with no configuration.
//
// Stubs (`signet-monitor-stubs`, ZONE=IP[:port]) send the queries for a zone to given servers
// instead of recursing: a lab with its own root or parent, and every test (which stubs the root
// to loopback, so nothing leaves the machine). The trust anchor file is any file of DS or DNSKEY
// records in zone-file format (RFC 4033 §2 trust anchors), so a lab anchors its own root or zone.
//
// Answers are given as the monitor reads a resolver's: AD for data libunbound validated as
// secure (RFC 4035 §4.3), SERVFAIL for bogus data (with libunbound's reason, kept as the
// answer's text: libunbound 1.17 exposes no RFC 8914 code), and a DnsTimeout when no answer came
// in time or libunbound found no server to ask — the monitor's "unreachable".
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "signer/dns_client.hh"
#include "signer/name.hh"

struct ub_ctx;

namespace signet {

struct EmbeddedValidatorOptions {
  std::string trust_anchor_file = "/usr/share/dns/root.key";
  // (zone, server): ask `server` for everything at or below `zone` (libunbound stub zones).
  std::vector<std::pair<Name, DnsServer>> stubs;
  int timeout_ms = 5000;  // per question, all of libunbound's retries included
};

// "example.=127.0.0.1:5300, .=127.0.0.1:9": stub zones, comma- and/or space-separated. Throws
// InputError naming the bad entry.
std::vector<std::pair<Name, DnsServer>> parse_stub_list(const std::string& text);

class EmbeddedValidator {
 public:
  // Throws InputError naming the trust anchor file when libunbound cannot read it, or the stub
  // it refuses.
  explicit EmbeddedValidator(EmbeddedValidatorOptions options);
  ~EmbeddedValidator();
  EmbeddedValidator(const EmbeddedValidator&) = delete;
  EmbeddedValidator& operator=(const EmbeddedValidator&) = delete;

  // Asks (a validating recursion) for `qname`/`qtype`; one question at a time.
  DnsResponse ask(const Name& qname, uint16_t qtype);

  // The name results are stored under ("embedded").
  static constexpr const char* kName = "embedded";

 private:
  EmbeddedValidatorOptions options_;
  std::mutex mu_;
  ub_ctx* ctx_ = nullptr;
};

}  // namespace signet
