// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: one DNS question over UDP to 127.0.0.1, as a stub resolver asks it (RD set, and
// EDNS with the DO bit, RFC 3225, so a validating resolver says AD when it validated the answer).
// Small and self-contained: the tests that count thousands of answers (SERVFAIL, AD, RDATA) use it
// instead of running dig for each.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace signet::test {

struct DnsAnswer {
  bool answered = false;  // a well-formed response to this question came in time
  int rcode = -1;
  bool ad = false;
  bool tc = false;
  // The ANSWER section: type and RDATA of every record (owner names are not kept).
  std::vector<std::pair<uint16_t, std::vector<uint8_t>>> answer;

  // The RDATA of the answer records of `type`.
  std::vector<std::vector<uint8_t>> rdatas(uint16_t type) const;
};

// Asks 127.0.0.1:`port` for `qname` ("www.example.com.") / `qtype`; waits up to `timeout_ms`.
DnsAnswer dns_ask(int port, const std::string& qname, uint16_t qtype, int timeout_ms = 5000);

// "192.0.2.1" for the 4 bytes of an A record's RDATA ("" for anything else).
std::string ipv4_text(const std::vector<uint8_t>& rdata);

}  // namespace signet::test
