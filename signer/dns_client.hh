// SPDX-License-Identifier: GPL-2.0-or-later
//
// A small DNS client for what the key manager asks of a zone's parent: its DS RRset (RFC 4034 §5)
// from each of its authoritative servers, and an RFC 2136 dynamic update replacing that DS RRset,
// TSIG-signed (RFC 8945). Messages are parsed with libknot; sockets are plain, with a timeout.
//
// Answers are accepted only when they match the query in every way RFC 5452 §9.1 lists: source
// address and port, query ID (from getrandom), and the question (name case-insensitively, type,
// class). Anything else is dropped and the wait goes on until the deadline, so a stray or forged
// datagram can neither end a query early nor be taken for its answer.
//
// Finding the parent's servers (and caching them) is signer/parent_finder.hh's business.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "signer/error.hh"
#include "signer/name.hh"

namespace signet {

struct DnsServer {
  std::string address;  // IPv4 or IPv6 literal
  uint16_t port = 53;
  std::string text() const;
  bool operator==(const DnsServer&) const = default;
};
// "192.0.2.1", "192.0.2.1:5353", "2001:db8::1", "[2001:db8::1]:5353". Throws InputError.
DnsServer parse_dns_server(const std::string& text);
// The items of a list separated by commas and/or white space (settings' list syntax).
std::vector<std::string> split_list(const std::string& text);
// A list of servers separated by commas and/or white space ("192.0.2.1, [::1]:5353").
// Throws InputError naming the bad entry.
std::vector<DnsServer> parse_dns_server_list(const std::string& text);

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
  std::vector<DnsRecord> authority;
  std::vector<DnsRecord> additional;  // without OPT and TSIG
  // What a validating resolver says about its answer: AD (RFC 4035 §3.2.3, the data validated
  // as secure) and the first RFC 8914 Extended DNS Error of its OPT record, if any.
  bool ad = false;
  std::optional<uint16_t> ede;
  std::string ede_text;  // EXTRA-TEXT of that EDE (UTF-8, may be empty)
};

// "NOERROR", "SERVFAIL", ... (RFC 6895 §2.3), "RCODE n" for one without a name.
std::string dns_rcode_text(int rcode);

// The server did not answer in time (as opposed to refusing, or answering badly). Callers that
// remember unreachable servers (ParentFinder) key on this.
class DnsTimeout : public Error {
 public:
  using Error::Error;
};

struct QueryOptions {
  int try_timeout_ms = 1000;       // how long each UDP try waits for its answer
  int tries = 3;                   // UDP sends before giving up
  bool recursion_desired = false;  // RD: set when asking a resolver, clear for authorities
  bool dnssec_ok = false;          // DO (RFC 3225): ask a resolver to validate and show DNSSEC
};

// One query over UDP, and again over TCP when the answer is truncated. Throws DnsTimeout when no
// matching answer came, Error on any other network failure or a malformed answer; every message
// names the server.
DnsResponse dns_query(const DnsServer& server, const Name& qname, uint16_t qtype,
                      const QueryOptions& options);
// The same without recursion, `timeout_ms` in all split over three tries.
DnsResponse dns_query(const DnsServer& server, const Name& qname, uint16_t qtype,
                      int timeout_ms = 3000);

struct TsigKeySpec {
  std::string name;
  std::string algorithm = "hmac-sha256";
  std::string secret;  // base64
};

// RFC 2136: in `parent_zone` at `server`, replace the DS RRset of `child` with `ds` (TTL `ttl`),
// over TCP. With `tsig`, the update is signed and the response must be too: RFC 8945 §5.3 — an
// unsigned response, or one whose MAC (over the request's MAC and the response) does not verify,
// is an Error ("response not TSIG-signed", "TSIG verification failed"), whatever its RCODE says.
// Throws Error naming the server and the RCODE when refused.
void dns_push_ds(const DnsServer& server, const Name& parent_zone, const Name& child, uint32_t ttl,
                 const std::vector<std::vector<uint8_t>>& ds,
                 const std::optional<TsigKeySpec>& tsig, int timeout_ms = 5000);

}  // namespace signet
