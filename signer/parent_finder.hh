// SPDX-License-Identifier: GPL-2.0-or-later
//
// Where a zone's parent is served: the authoritative servers of the closest enclosing zone above
// it, found by asking recursive resolvers (`signet-resolver`, else those of /etc/resolv.conf) and
// grouped by NS host, so that the key manager can count a server as answering when ANY of its
// addresses answers — a host whose IPv6 address is unreachable from here still counts.
//
// Built for a portfolio: one ParentFinder per process serves every zone.
//
//   * Per-name cache. The result of asking for the NS RRset of a name — a zone cut with its
//     servers and addresses, "not a zone cut", or a failure — is kept: a cut for its NS TTL
//     (bounded to [min_ttl, max_ttl]), "not a cut" for its negative TTL, a failure for
//     failure_ttl. 10,000 zones under one TLD cost one NS lookup (and one per NS host without
//     glue), not 10,000. Concurrent lookups of the same name wait for the one in flight.
//   * Unreachable servers. Resolvers and parent addresses are tried known-good first: once an
//     IPv4 address has answered, the host's unreachable IPv6 address is not waited for again. A
//     server that never answered is "down" at its first timeout, one that did after `down_after`
//     timeouts in a row (one slow name does not make a working resolver "down": any answer resets
//     the count); a down server is skipped for `down_for` seconds. So an unreachable resolver
//     costs one round of timeouts and then one probe per minute, not a timeout per zone.
//   * Bounded work. Every query has a per-try timeout and a number of tries; find_many resolves
//     many zones with at most `concurrency` lookups in flight.
//
// Thread-safe. No test may let it ask anything but loopback: set `resolvers`.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "signer/clock.hh"
#include "signer/dns_client.hh"
#include "signer/error.hh"
#include "signer/name.hh"

namespace signet {

// The "nameserver" lines of a resolv.conf text, port 53. Addresses with a zone index
// ("fe80::1%eth0") are skipped. None at all: 127.0.0.1, as the C library assumes.
std::vector<DnsServer> parse_resolv_conf(const std::string& text);
// parse_resolv_conf of the file (a missing file: 127.0.0.1).
std::vector<DnsServer> system_resolvers(const std::string& path = "/etc/resolv.conf");

// One authoritative server of the parent: an NS host and every address it has.
struct ParentServer {
  Name host;  // the NS target; the root name for an address given in the policy
  std::vector<DnsServer> addresses;
  // "ns1.example.net." or, for a listed address, "192.0.2.53:53".
  std::string text() const;
};

// The parent zone of a child and its servers.
struct ParentZone {
  Name zone;
  std::vector<ParentServer> servers;  // those with at least one address
  std::vector<Name> unresolved;       // NS hosts without any address (lame): not in `servers`
};

// Discovery of the parent failed (no resolver answered, every resolver failed the lookup, or no NS
// host of the parent has an address). The message names the child zone. Health shows it as
// "parent unreachable".
class ParentUnreachable : public Error {
 public:
  using Error::Error;
};

struct ParentFinderOptions {
  std::vector<DnsServer> resolvers;  // recursive resolvers; empty: system_resolvers()
  int try_timeout_ms = 2000;         // per UDP try, for resolvers and parent servers alike
  int tries = 2;
  unsigned concurrency = 16;  // find_many: lookups in flight at most
  uint32_t min_ttl = 60;      // a zone cut is cached for its NS TTL, at least this long...
  uint32_t max_ttl = 86400;   // ...and at most this long
  uint32_t failure_ttl = 60;  // a failed lookup is not retried for this long
  unsigned down_after = 3;    // timeouts in a row that make a server that answered "down"...
  uint32_t down_for = 60;     // ...and skipped for this long
};

class ParentFinder {
 public:
  // `clock` (seconds) drives cache expiry; it must outlive the finder. Without one, the system
  // clock.
  explicit ParentFinder(ParentFinderOptions options = {}, const Clock* clock = nullptr);
  ParentFinder(const ParentFinder&) = delete;
  ParentFinder& operator=(const ParentFinder&) = delete;

  // The parent zone of `child` and its servers, from the cache when it can. Throws
  // ParentUnreachable (a cached failure is thrown again without asking, for failure_ttl).
  ParentZone find(const Name& child);

  // Several children at once, at most options.concurrency lookups in flight, each child's result
  // or error in input order. Never throws for a child's failure.
  struct Lookup {
    std::optional<ParentZone> parent;
    std::string error;  // set when `parent` is not
  };
  std::vector<Lookup> find_many(const std::vector<Name>& children);
  // find_many for its side effect: afterwards find() on each child answers from the cache.
  void prefetch(const std::vector<Name>& children) { find_many(children); }

  // The servers to ask about `child`: one per address in `configured` (a policy's
  // parent-nameservers, "address[:port]") when there are any, else find(child).servers.
  // Throws InputError for a bad configured address, ParentUnreachable as find().
  std::vector<ParentServer> servers_for(const Name& child,
                                        const std::vector<std::string>& configured);

  // Asks `server` for `qname`/`qtype`, one address after another, until one gives an
  // authoritative answer (AA set, RCODE NOERROR or NXDOMAIN). Addresses are tried known-good
  // first; "down" ones are skipped. `query` defaults to dns_query with this finder's timeouts
  // (tests substitute a fake). Never throws for network failures: they are in `failures`.
  using Query = std::function<DnsResponse(const DnsServer&, const Name&, uint16_t)>;
  struct AddressAnswer {
    std::optional<DnsResponse> response;  // set when an address answered
    DnsServer answered_by;
    std::vector<std::string> failures;  // one line per address that did not answer, and why
    bool answered() const { return response.has_value(); }
    // "ns1.example.net.: 2001:db8::1: no answer (timeout); 192.0.2.1: REFUSED"
    std::string failure_text(const ParentServer& server) const;
  };
  AddressAnswer query_any_address(const ParentServer& server, const Name& qname, uint16_t qtype,
                                  const Query& query = nullptr);

  const std::vector<DnsServer>& resolvers() const { return options_.resolvers; }
  // Forget everything cached (names and unreachable servers).
  void clear();

 private:
  struct Cut {
    enum class Kind { kCut, kNotCut, kFailed } kind = Kind::kFailed;
    ParentZone zone;    // kCut
    std::string error;  // kFailed
    uint64_t expires = 0;
  };
  Cut cut_at(const Name& name);
  Cut resolve_cut(const Name& name);
  DnsResponse ask_resolvers(const Name& qname, uint16_t qtype);
  std::vector<DnsServer> resolve_host(const Name& host, uint32_t& ttl);
  // `servers` in the order to try them (answered last time, never asked, timed out) without the
  // skipped ones, which are described in `skipped`.
  std::vector<DnsServer> by_health(const std::vector<DnsServer>& servers,
                                   std::vector<std::string>& skipped);
  void note_answer(const DnsServer& s);
  void note_timeout(const DnsServer& s);
  QueryOptions query_options(bool recursion) const;

  ParentFinderOptions options_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Cut> cuts_;  // by lower-cased wire name
  std::map<std::string, std::shared_future<Cut>> inflight_;
  struct Health {
    unsigned timeouts = 0;  // in a row
    bool answered = false;  // ever
    uint64_t down_until = 0;
  };
  std::map<std::string, Health> health_;  // by DnsServer::text(); absent: never asked
  size_t inserts_ = 0;
};

}  // namespace signet
