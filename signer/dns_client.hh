// SPDX-License-Identifier: GPL-2.0-or-later
//
// A small DNS client for what the key manager asks of a zone's parent: its DS RRset (RFC 4034 §5)
// from each of its authoritative servers, and an RFC 2136 dynamic update replacing that DS RRset,
// TSIG-signed (RFC 8945). Messages are parsed with libknot; sockets are plain, with a timeout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "signer/name.hh"

namespace signet {

struct DnsServer {
  std::string address;  // IPv4 or IPv6 literal
  uint16_t port = 53;
  std::string text() const;
};
// "192.0.2.1", "192.0.2.1:5353", "2001:db8::1", "[2001:db8::1]:5353". Throws InputError.
DnsServer parse_dns_server(const std::string& text);

struct DnsRecord {
  Name owner;
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::vector<uint8_t> rdata;
};

struct DnsResponse {
  int rcode = 0;
  bool aa = false;
  std::vector<DnsRecord> answer;
};

// One query (no recursion wanted), over UDP and again over TCP when truncated. Throws Error on a
// network failure or timeout, naming the server.
DnsResponse dns_query(const DnsServer& server, const Name& qname, uint16_t qtype,
                      int timeout_ms = 3000);

struct TsigKeySpec {
  std::string name;
  std::string algorithm = "hmac-sha256";
  std::string secret;  // base64
};

// RFC 2136: in `parent_zone` at `server`, replace the DS RRset of `child` with `ds` (TTL `ttl`).
// Throws Error with the server's RCODE when refused.
void dns_push_ds(const DnsServer& server, const Name& parent_zone, const Name& child, uint32_t ttl,
                 const std::vector<std::vector<uint8_t>>& ds,
                 const std::optional<TsigKeySpec>& tsig, int timeout_ms = 5000);

// The parent's authoritative servers, found through the system resolver (/etc/resolv.conf):
// the NS RRset of the closest enclosing zone above `zone`, and their addresses.
std::vector<DnsServer> discover_parent_servers(const Name& zone);

}  // namespace signet
