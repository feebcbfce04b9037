// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/parent_finder.hh"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "signer/parallel.hh"
#include "signer/rrtype.hh"

namespace signet {

namespace {

// How long "this name is not a zone cut" is believed at most, whatever the SOA says: a parent
// created meanwhile (a new delegation between the child and its old parent) should show within
// hours (RFC 2308 §5 suggests one to three hours for negative answers).
constexpr uint32_t kMaxNegativeTtl = 3 * 3600;

std::string key_of(const Name& name) {
  Name low = name.lowered();
  return std::string(reinterpret_cast<const char*>(low.data()), low.wire_size());
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts)
    out += (out.empty() ? "" : sep) + p;
  return out;
}

std::optional<DnsServer> address_of(const DnsRecord& r) {
  char text[INET6_ADDRSTRLEN];
  if (r.type == rrtype::A && r.rdata.size() == 4 &&
      inet_ntop(AF_INET, r.rdata.data(), text, sizeof(text)))
    return DnsServer{text, 53};
  if (r.type == rrtype::AAAA && r.rdata.size() == 16 &&
      inet_ntop(AF_INET6, r.rdata.data(), text, sizeof(text)))
    return DnsServer{text, 53};
  return std::nullopt;
}

void add_unique(std::vector<DnsServer>& list, const DnsServer& s) {
  if (std::find(list.begin(), list.end(), s) == list.end())
    list.push_back(s);
}

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace

std::vector<DnsServer> parse_resolv_conf(const std::string& text) {
  std::vector<DnsServer> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    size_t comment = line.find_first_of("#;");
    if (comment != std::string::npos)
      line.erase(comment);
    std::istringstream words(line);
    std::string keyword, address;
    if (!(words >> keyword >> address) || keyword != "nameserver")
      continue;
    if (address.find('%') != std::string::npos)
      continue;  // a link-local address with a zone index: not a plain literal
    try {
      DnsServer s;
      s.address = address;
      s.port = 53;
      // Validate as an address literal (resolv.conf has no ports; brackets are not allowed).
      if (address.find(':') != std::string::npos)
        parse_dns_server("[" + address + "]");
      else
        parse_dns_server(address);
      add_unique(out, s);
    } catch (const InputError&) {
      // glibc ignores what it cannot parse; so do we
    }
  }
  if (out.empty())
    out.push_back(DnsServer{"127.0.0.1", 53});
  return out;
}

std::vector<DnsServer> system_resolvers(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  if (in)
    ss << in.rdbuf();
  return parse_resolv_conf(ss.str());
}

std::string ParentServer::text() const {
  if (host.is_root() && addresses.size() == 1)
    return addresses[0].text();
  return host.to_text();
}

std::string ParentFinder::AddressAnswer::failure_text(const ParentServer& server) const {
  return server.text() + ": " + (failures.empty() ? "no address" : join(failures, "; "));
}

ParentFinder::ParentFinder(ParentFinderOptions options, const Clock* clock)
    : options_(std::move(options)), clock_(clock ? *clock : system_clock()) {
  if (options_.resolvers.empty())
    options_.resolvers = system_resolvers();
  options_.tries = std::max(1, options_.tries);
  options_.try_timeout_ms = std::max(1, options_.try_timeout_ms);
  options_.concurrency = std::max(1u, options_.concurrency);
  options_.down_after = std::max(1u, options_.down_after);
  options_.min_ttl = std::min(options_.min_ttl, options_.max_ttl);
}

QueryOptions ParentFinder::query_options(bool recursion) const {
  QueryOptions q;
  q.try_timeout_ms = options_.try_timeout_ms;
  q.tries = options_.tries;
  q.recursion_desired = recursion;
  return q;
}

// ------------------------------------------------------------------ unreachable servers

std::vector<DnsServer> ParentFinder::by_health(const std::vector<DnsServer>& servers,
                                               std::vector<std::string>& skipped) {
  std::lock_guard lock(mu_);
  uint64_t now = clock_.now();
  std::vector<std::pair<int, DnsServer>> ranked;
  for (const auto& s : servers) {
    auto it = health_.find(s.text());
    if (it == health_.end()) {
      ranked.emplace_back(1, s);
    } else if (now < it->second.down_until) {
      skipped.push_back(s.text() + ": " + std::to_string(it->second.timeouts) +
                        (it->second.timeouts == 1 ? " query" : " queries") +
                        " in a row timed out (skipped for " + std::to_string(options_.down_for) +
                        " s)");
    } else {
      ranked.emplace_back(it->second.timeouts ? 2 : 0, s);
    }
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<DnsServer> out;
  for (auto& r : ranked)
    out.push_back(std::move(r.second));
  return out;
}

void ParentFinder::note_answer(const DnsServer& s) {
  std::lock_guard lock(mu_);
  health_[s.text()] = Health{.timeouts = 0, .answered = true, .down_until = 0};
}

void ParentFinder::note_timeout(const DnsServer& s) {
  std::lock_guard lock(mu_);
  Health& h = health_[s.text()];
  // Never answered: most likely nothing is there (a wrong address, a firewall), and waiting for
  // more timeouts would only let the queries started meanwhile wait too.
  if (++h.timeouts >= options_.down_after || !h.answered)
    h.down_until = clock_.now() + options_.down_for;
}

// ------------------------------------------------------------------ discovery

ParentZone ParentFinder::find(const Name& child) {
  if (child.is_root())
    throw InputError("the root zone has no parent");
  for (Name p = child.parent();; p = p.parent()) {
    Cut c = cut_at(p);
    if (c.kind == Cut::Kind::kCut)
      return c.zone;
    if (c.kind == Cut::Kind::kFailed) {
      throw ParentUnreachable("parent of " + child.to_text() + " unreachable: " + c.error);
    }
    if (p.is_root()) {
      throw ParentUnreachable("parent of " + child.to_text() +
                              " unreachable: no name above it has NS records");
    }
  }
}

ParentFinder::Cut ParentFinder::cut_at(const Name& name) {
  std::string key = key_of(name);
  std::promise<Cut> mine;
  {
    std::unique_lock lock(mu_);
    auto it = cuts_.find(key);
    if (it != cuts_.end() && clock_.now() < it->second.expires)
      return it->second;
    auto fl = inflight_.find(key);
    if (fl != inflight_.end()) {
      // Someone is asking already: wait for that answer instead of asking again.
      std::shared_future<Cut> pending = fl->second;
      lock.unlock();
      return pending.get();
    }
    inflight_.emplace(key, mine.get_future().share());
  }
  Cut c;
  try {
    c = resolve_cut(name);
  } catch (const std::exception& e) {
    c = Cut{};
    c.kind = Cut::Kind::kFailed;
    c.error = e.what();
    c.expires = clock_.now() + options_.failure_ttl;
  }
  {
    std::lock_guard lock(mu_);
    cuts_[key] = c;
    inflight_.erase(key);
    if (++inserts_ % 4096 == 0) {
      uint64_t now = clock_.now();
      std::erase_if(cuts_, [now](const auto& kv) { return kv.second.expires <= now; });
    }
  }
  mine.set_value(c);
  return c;
}

ParentFinder::Cut ParentFinder::resolve_cut(const Name& name) {
  DnsResponse r = ask_resolvers(name, rrtype::NS);
  uint64_t now = clock_.now();
  Cut c;
  std::vector<Name> hosts;
  uint32_t ttl = options_.max_ttl;
  if (r.rcode == 0) {
    for (const auto& rec : r.answer) {
      if (rec.type != rrtype::NS || !rec.owner.equals(name))
        continue;
      Name host = Name::from_wire(rec.rdata);
      if (std::none_of(hosts.begin(), hosts.end(), [&](const Name& h) { return h.equals(host); }))
        hosts.push_back(host);
      ttl = std::min(ttl, rec.ttl);
    }
  }
  if (hosts.empty()) {
    // NXDOMAIN or NODATA (or a CNAME): no zone starts here. Believe it as long as the SOA's
    // negative TTL says (RFC 2308 §5), within bounds.
    uint32_t neg = options_.min_ttl;
    for (const auto& rec : r.authority) {
      if (rec.type == rrtype::SOA && rec.rdata.size() >= 20) {
        const uint8_t* m = rec.rdata.data() + rec.rdata.size() - 4;
        uint32_t minimum = (uint32_t(m[0]) << 24) | (m[1] << 16) | (m[2] << 8) | m[3];
        neg = std::min(rec.ttl, minimum);
      }
    }
    c.kind = Cut::Kind::kNotCut;
    c.expires =
        now + std::clamp(neg, options_.min_ttl, std::max(options_.min_ttl, kMaxNegativeTtl));
    return c;
  }
  c.kind = Cut::Kind::kCut;
  c.zone.zone = name;
  for (const auto& host : hosts) {
    ParentServer server{host, {}};
    // Glue or other addresses the resolver volunteered in the additional section.
    for (const auto& rec : r.additional) {
      if (!rec.owner.equals(host))
        continue;
      if (auto a = address_of(rec)) {
        add_unique(server.addresses, *a);
        ttl = std::min(ttl, rec.ttl);
      }
    }
    if (server.addresses.empty())
      server.addresses = resolve_host(host, ttl);
    if (server.addresses.empty())
      c.zone.unresolved.push_back(host);
    else
      c.zone.servers.push_back(std::move(server));
  }
  if (c.zone.servers.empty()) {
    std::vector<std::string> names;
    for (const auto& h : hosts)
      names.push_back(h.to_text());
    throw Error("no NS host of " + name.to_text() + " has an address (" + join(names, ", ") + ")");
  }
  c.expires = now + std::clamp(ttl, options_.min_ttl, options_.max_ttl);
  return c;
}

std::vector<DnsServer> ParentFinder::resolve_host(const Name& host, uint32_t& ttl) {
  std::vector<DnsServer> out;
  std::vector<std::string> errors;
  for (uint16_t type : {rrtype::A, rrtype::AAAA}) {
    DnsResponse r;
    try {
      r = ask_resolvers(host, type);
    } catch (const Error& e) {
      errors.push_back(e.what());
      continue;
    }
    if (r.rcode == 3)
      break;  // no such host: no AAAA either
    // The owner may be a CNAME's target: take every address of the asked type.
    for (const auto& rec : r.answer) {
      if (rec.type != type)
        continue;
      if (auto a = address_of(rec)) {
        add_unique(out, *a);
        ttl = std::min(ttl, rec.ttl);
      }
    }
  }
  // One family is enough to reach the host. With no address and a failed lookup we cannot tell
  // a lame host from a resolver problem: an error, not a "no address" to cache for the NS TTL.
  if (out.empty() && !errors.empty())
    throw Error(errors[0]);
  return out;
}

DnsResponse ParentFinder::ask_resolvers(const Name& qname, uint16_t qtype) {
  std::vector<std::string> why;
  QueryOptions q = query_options(true);
  for (const auto& resolver : by_health(options_.resolvers, why)) {
    try {
      DnsResponse r = dns_query(resolver, qname, qtype, q);
      note_answer(resolver);
      if (r.rcode == 0 || r.rcode == 3)
        return r;
      why.push_back("resolver " + resolver.text() + " answered " + dns_rcode_text(r.rcode));
    } catch (const DnsTimeout& e) {
      note_timeout(resolver);
      why.push_back(e.what());
    } catch (const Error& e) {
      why.push_back(e.what());
    }
  }
  throw Error("no resolver answered " + qname.to_text() + " " + rrtype_to_text(qtype) + " (" +
              join(why, "; ") + ")");
}

std::vector<ParentFinder::Lookup> ParentFinder::find_many(const std::vector<Name>& children) {
  std::vector<Lookup> out(children.size());
  parallel_for(children.size(), options_.concurrency, [&](size_t i) {
    try {
      out[i].parent = find(children[i]);
    } catch (const std::exception& e) {
      out[i].error = e.what();
    }
  });
  return out;
}

std::vector<ParentServer> ParentFinder::servers_for(const Name& child,
                                                    const std::vector<std::string>& configured) {
  if (configured.empty())
    return find(child).servers;
  std::vector<ParentServer> out;
  for (const auto& text : configured)
    out.push_back(ParentServer{Name(), {parse_dns_server(text)}});
  return out;
}

// ------------------------------------------------------------------ asking the parent

ParentFinder::AddressAnswer ParentFinder::query_any_address(const ParentServer& server,
                                                            const Name& qname, uint16_t qtype,
                                                            const Query& query) {
  AddressAnswer out;
  QueryOptions q = query_options(false);
  for (const auto& address : by_health(server.addresses, out.failures)) {
    try {
      DnsResponse r = query ? query(address, qname, qtype) : dns_query(address, qname, qtype, q);
      note_answer(address);
      if (r.rcode != 0 && r.rcode != 3) {
        out.failures.push_back(address.text() + ": answered " + dns_rcode_text(r.rcode));
        continue;
      }
      if (!r.aa) {
        out.failures.push_back(address.text() + ": not authoritative for " + qname.to_text());
        continue;
      }
      out.response = std::move(r);
      out.answered_by = address;
      return out;
    } catch (const DnsTimeout& e) {
      note_timeout(address);
      out.failures.push_back(e.what());
    } catch (const Error& e) {
      out.failures.push_back(e.what());
    }
  }
  return out;
}

void ParentFinder::clear() {
  std::lock_guard lock(mu_);
  cuts_.clear();
  health_.clear();
}

}  // namespace signet
