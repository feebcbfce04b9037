// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/dns_client.hh"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

#include "signer/fd.hh"
#include "signer/knot.hh"
#include "signer/rrtype.hh"

namespace signet {

namespace {

using Clock = std::chrono::steady_clock;

struct PktFree {
  void operator()(knot_pkt_t* p) const { knot_pkt_free(p); }
};
using Pkt = std::unique_ptr<knot_pkt_t, PktFree>;

void put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put32(std::vector<uint8_t>& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8)
    b.push_back(static_cast<uint8_t>(v >> s));
}

// The query ID is half of what an off-path forger must guess (RFC 5452 §4.3, the source port
// being the other): it comes from the kernel's CSPRNG, not from a predictable generator.
uint16_t random_id() {
  uint16_t id = 0;
  while (getrandom(&id, sizeof(id), 0) != sizeof(id)) {
  }
  return id;
}

socklen_t make_addr(const DnsServer& s, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof(ss));
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  if (inet_pton(AF_INET, s.address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(s.port);
    return sizeof(sockaddr_in);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET6, s.address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(s.port);
    return sizeof(sockaddr_in6);
  }
  throw InputError("bad server address '" + s.address + "'");
}

// Same family, address and port.
bool same_endpoint(const sockaddr_storage& a, const sockaddr_storage& b) {
  if (a.ss_family != b.ss_family)
    return false;
  if (a.ss_family == AF_INET) {
    const auto& x = reinterpret_cast<const sockaddr_in&>(a);
    const auto& y = reinterpret_cast<const sockaddr_in&>(b);
    return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
  }
  const auto& x = reinterpret_cast<const sockaddr_in6&>(a);
  const auto& y = reinterpret_cast<const sockaddr_in6&>(b);
  return x.sin6_port == y.sin6_port &&
         std::memcmp(&x.sin6_addr, &y.sin6_addr, sizeof(x.sin6_addr)) == 0;
}

[[noreturn]] void net_fail(const DnsServer& s, const std::string& what) {
  throw Error("DNS server " + s.text() + ": " + what);
}
[[noreturn]] void timed_out(const DnsServer& s, const std::string& what) {
  throw DnsTimeout("DNS server " + s.text() + ": " + what);
}

// Waits for `events` on `fd` until `deadline`; false when the deadline passed first.
bool wait_fd(int fd, short events, Clock::time_point deadline) {
  while (true) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0)
      return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1 << 30)));
    if (n > 0)
      return true;
    if (n < 0 && errno != EINTR)
      return false;
  }
}

// True when `resp` is an answer to `query` (RFC 5452 §9.1, the parts visible in the message):
// a response, same ID and opcode, and the same single question — the name compared
// case-insensitively (RFC 4343; lower-casing leaves length octets alone, they are < 64), type and
// class exactly. A question written with a compression pointer does not match: a query's own
// question never needs one.
bool answers(const std::vector<uint8_t>& query, const uint8_t* resp, size_t len) {
  if (len < 12 || !knot_wire_get_qr(resp))
    return false;
  if (resp[0] != query[0] || resp[1] != query[1])
    return false;
  if (knot_wire_get_opcode(resp) != knot_wire_get_opcode(query.data()))
    return false;
  if (knot_wire_get_qdcount(resp) != 1)
    return false;
  size_t name_len = 0;
  while (12 + name_len < query.size() && query[12 + name_len] != 0)
    name_len += 1 + query[12 + name_len];
  size_t qlen = name_len + 1 + 4;  // name, root label, type and class
  if (len < 12 + qlen)
    return false;
  for (size_t i = 0; i < name_len + 1; ++i) {
    if (to_lower_ascii(resp[12 + i]) != to_lower_ascii(query[12 + i]))
      return false;
  }
  return std::memcmp(resp + 12 + name_len + 1, query.data() + 12 + name_len + 1, 4) == 0;
}

std::vector<uint8_t> exchange_udp(const DnsServer& s, const std::vector<uint8_t>& msg,
                                  const QueryOptions& o) {
  sockaddr_storage peer;
  socklen_t len = make_addr(s, peer);
  Fd fd{::socket(peer.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  if (fd.fd < 0)
    net_fail(s, std::strerror(errno));
  // Connected, so that an ICMP error (nothing listening, no route) ends the wait at once instead
  // of after every try. The kernel then hands us only datagrams from the peer, but the source is
  // compared below all the same (RFC 5452 §9.1): whether a forged answer can be accepted must not
  // hinge on how the socket happens to be set up.
  if (::connect(fd.fd, reinterpret_cast<sockaddr*>(&peer), len) != 0)
    net_fail(s, std::strerror(errno));
  std::vector<uint8_t> buf(65535);
  for (int attempt = 0; attempt < std::max(1, o.tries); ++attempt) {
    if (::send(fd.fd, msg.data(), msg.size(), 0) < 0) {
      if (errno == ECONNREFUSED)
        net_fail(s, "connection refused");
      net_fail(s, std::strerror(errno));
    }
    auto try_until = Clock::now() + std::chrono::milliseconds(std::max(1, o.try_timeout_ms));
    while (wait_fd(fd.fd, POLLIN, try_until)) {
      sockaddr_storage from;
      socklen_t from_len = sizeof(from);
      ssize_t n = ::recvfrom(fd.fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from),
                             &from_len);
      if (n < 0) {
        if (errno == ECONNREFUSED)
          net_fail(s, "connection refused");
        if (errno == EINTR || errno == EAGAIN)
          continue;
        net_fail(s, std::strerror(errno));
      }
      if (!same_endpoint(from, peer) || !answers(msg, buf.data(), static_cast<size_t>(n)))
        continue;  // not our answer: keep waiting
      buf.resize(static_cast<size_t>(n));
      return buf;
    }
  }
  timed_out(s, "no answer (timeout)");
}

std::vector<uint8_t> exchange_tcp(const DnsServer& s, const std::vector<uint8_t>& msg,
                                  int timeout_ms) {
  sockaddr_storage peer;
  socklen_t len = make_addr(s, peer);
  Fd fd{::socket(peer.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
  if (fd.fd < 0)
    net_fail(s, std::strerror(errno));
  auto deadline = Clock::now() + std::chrono::milliseconds(std::max(1, timeout_ms));
  if (::connect(fd.fd, reinterpret_cast<sockaddr*>(&peer), len) != 0) {
    if (errno != EINPROGRESS)
      net_fail(s, std::string("TCP connect: ") + std::strerror(errno));
    if (!wait_fd(fd.fd, POLLOUT, deadline))
      timed_out(s, "TCP connect timed out");
    int err = 0;
    socklen_t err_len = sizeof(err);
    getsockopt(fd.fd, SOL_SOCKET, SO_ERROR, &err, &err_len);
    if (err != 0)
      net_fail(s, std::string("TCP connect: ") + std::strerror(err));
  }
  std::vector<uint8_t> framed;
  put16(framed, static_cast<uint16_t>(msg.size()));
  framed.insert(framed.end(), msg.begin(), msg.end());
  for (size_t sent = 0; sent < framed.size();) {
    if (!wait_fd(fd.fd, POLLOUT, deadline))
      timed_out(s, "TCP send timed out");
    ssize_t n = ::send(fd.fd, framed.data() + sent, framed.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      net_fail(s, std::string("TCP send: ") + std::strerror(errno));
    if (n > 0)
      sent += static_cast<size_t>(n);
  }
  auto read_exact = [&](uint8_t* p, size_t n) {
    size_t got = 0;
    while (got < n) {
      if (!wait_fd(fd.fd, POLLIN, deadline))
        timed_out(s, "no answer over TCP (timeout)");
      ssize_t r = ::recv(fd.fd, p + got, n - got, 0);
      if (r < 0 && (errno == EAGAIN || errno == EINTR))
        continue;
      if (r <= 0)
        net_fail(s, "TCP connection closed");
      got += static_cast<size_t>(r);
    }
  };
  uint8_t lenbuf[2];
  read_exact(lenbuf, 2);
  std::vector<uint8_t> buf((lenbuf[0] << 8) | lenbuf[1]);
  read_exact(buf.data(), buf.size());
  // The connection is ours alone, but the answer must still be to this query (RFC 7766 §7).
  if (!answers(msg, buf.data(), buf.size()))
    net_fail(s, "the TCP answer does not match the query (ID or question)");
  return buf;
}

std::vector<DnsRecord> records_of(const knot_pkt_t* pkt, knot_section_t section) {
  std::vector<DnsRecord> out;
  const knot_pktsection_t* sec = knot_pkt_section(pkt, section);
  for (uint16_t i = 0; i < sec->count; ++i) {
    const knot_rrset_t* rr = knot_pkt_rr(sec, i);
    if (rr->type == rrtype::OPT || rr->type == rrtype::TSIG)
      continue;
    knot_rdata_t* rd = rr->rrs.rdata;
    for (uint16_t j = 0; j < rr->rrs.count; ++j) {
      DnsRecord rec;
      rec.owner = Name::from_wire({rr->owner, knot_dname_size(rr->owner)});
      rec.type = rr->type;
      rec.ttl = rr->ttl;
      rec.rdata.assign(rd->data, rd->data + rd->len);
      out.push_back(std::move(rec));
      rd = knot_rdataset_next(rd);
    }
  }
  return out;
}

// Parses `wire` (which libknot may change: it strips a TSIG RR); the packet refers into `wire`.
Pkt parse_packet(const DnsServer& s, std::vector<uint8_t>& wire) {
  Pkt pkt(knot_pkt_new(wire.data(), static_cast<uint16_t>(wire.size()), nullptr));
  if (!pkt)
    net_fail(s, "out of memory");
  if (knot_pkt_parse(pkt.get(), 0) != KNOT_EOK)
    net_fail(s, "malformed answer");
  return pkt;
}

DnsResponse parse_response(const DnsServer& s, std::vector<uint8_t>& wire) {
  Pkt pkt = parse_packet(s, wire);
  DnsResponse r;
  r.rcode = knot_wire_get_rcode(wire.data());
  r.aa = knot_wire_get_aa(wire.data());
  r.ad = knot_wire_get_ad(wire.data());
  // RFC 8914 §2: INFO-CODE (16 bits) then EXTRA-TEXT; the first EDE is the one reported.
  if (pkt->opt_rr) {
    if (uint8_t* opt = knot_edns_get_option(pkt->opt_rr, KNOT_EDNS_OPTION_EDE, nullptr)) {
      uint16_t len = knot_edns_opt_get_length(opt);
      const uint8_t* data = knot_edns_opt_get_data(opt);
      if (len >= 2) {
        r.ede = static_cast<uint16_t>((data[0] << 8) | data[1]);
        r.ede_text.assign(reinterpret_cast<const char*>(data) + 2, len - 2);
      }
    }
  }
  try {
    r.answer = records_of(pkt.get(), KNOT_ANSWER);
    r.authority = records_of(pkt.get(), KNOT_AUTHORITY);
    r.additional = records_of(pkt.get(), KNOT_ADDITIONAL);
  } catch (const InputError& e) {
    net_fail(s, std::string("malformed answer: ") + e.what());
  }
  return r;
}

std::string tsig_error_text(uint16_t err) {
  const knot_lookup_t* name = knot_lookup_by_id(knot_tsig_rcode_names, err);
  return name ? name->name : std::to_string(err);
}

struct TsigKey {
  knot_tsig_key_t key{};
  explicit TsigKey(const TsigKeySpec& spec) {
    if (knot_tsig_key_init(&key, spec.algorithm.c_str(), spec.name.c_str(), spec.secret.c_str()) !=
        KNOT_EOK) {
      throw InputError("bad TSIG key '" + spec.name + "' (" + spec.algorithm + ")");
    }
  }
  ~TsigKey() { knot_tsig_key_deinit(&key); }
  TsigKey(const TsigKey&) = delete;
  TsigKey& operator=(const TsigKey&) = delete;
};

// RFC 8945 §5.3: the response to a signed request must be signed with the same key, its MAC
// computed over the request's MAC and the response; §5.3.2: a server that could not verify our
// request answers unsigned with the TSIG error set. Only a verified response is believed: anyone
// on the path could forge an unsigned NOERROR.
void check_signed_response(const DnsServer& s, const Name& child, std::vector<uint8_t>& wire,
                           const TsigKey& key, const uint8_t* request_mac, size_t request_mac_len) {
  int rcode = knot_wire_get_rcode(wire.data());
  std::string what = "the DS update for " + child.to_text();
  Pkt pkt = parse_packet(s, wire);
  if (!pkt->tsig_rr) {
    net_fail(s, "response not TSIG-signed (" + what +
                    (rcode ? ", RCODE " + dns_rcode_text(rcode) : std::string()) + ")");
  }
  if (uint16_t err = knot_tsig_rdata_error(pkt->tsig_rr)) {
    throw Error("DNS server " + s.text() + " refused " + what + ": " + dns_rcode_text(rcode) +
                " (TSIG error " + tsig_error_text(err) + ")");
  }
  int rc = knot_tsig_client_check(pkt->tsig_rr, pkt->wire, pkt->size, request_mac, request_mac_len,
                                  &key.key, 0);
  if (rc != KNOT_EOK)
    net_fail(
        s, "TSIG verification failed on the response to " + what + " (" + knot_strerror(rc) + ")");
}

}  // namespace

std::string dns_rcode_text(int rcode) {
  const knot_lookup_t* name = knot_lookup_by_id(knot_rcode_names, rcode);
  return name ? name->name : "RCODE " + std::to_string(rcode);
}

std::string DnsServer::text() const {
  return (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" +
         std::to_string(port);
}

DnsServer parse_dns_server(const std::string& text) {
  DnsServer s;
  std::string host = text, port;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos)
      throw InputError("bad server '" + text + "'");
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':')
        throw InputError("bad server '" + text + "'");
      port = text.substr(close + 2);
      if (port.empty())
        throw InputError("bad port in server '" + text + "'");
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    host = text.substr(0, text.find(':'));
    port = text.substr(text.find(':') + 1);
    if (port.empty())
      throw InputError("bad port in server '" + text + "'");
  }
  s.address = host;
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit) ||
        std::stoul(port) > 65535 || std::stoul(port) == 0) {
      throw InputError("bad port in server '" + text + "'");
    }
    s.port = static_cast<uint16_t>(std::stoul(port));
  }
  sockaddr_storage ss;
  try {
    make_addr(s, ss);  // validates the address
  } catch (const InputError&) {
    throw InputError("bad server '" + text + "' (an IPv4 or IPv6 address, optionally with :port)");
  }
  return s;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  auto flush = [&] {
    if (!item.empty())
      out.push_back(std::move(item));
    item.clear();
  };
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')
      flush();
    else
      item += c;
  }
  flush();
  return out;
}

std::vector<DnsServer> parse_dns_server_list(const std::string& text) {
  std::vector<DnsServer> out;
  for (const auto& item : split_list(text))
    out.push_back(parse_dns_server(item));
  return out;
}

DnsResponse dns_query(const DnsServer& server, const Name& qname, uint16_t qtype,
                      const QueryOptions& options) {
  std::vector<uint8_t> msg;
  put16(msg, random_id());
  put16(msg, options.recursion_desired ? 0x0100 : 0);  // a query; RD as asked
  put16(msg, 1);
  put16(msg, 0);
  put16(msg, 0);
  put16(msg, 1);  // OPT
  msg.insert(msg.end(), qname.wire().begin(), qname.wire().end());
  put16(msg, qtype);
  put16(msg, 1);
  // EDNS(0) OPT: root owner, type 41, payload 1232, no flags (RFC 6891) but DO when asked
  // (RFC 3225 §3: the top bit of the TTL's flags half).
  msg.push_back(0);
  put16(msg, rrtype::OPT);
  put16(msg, 1232);
  put32(msg, options.dnssec_ok ? 0x8000 : 0);
  put16(msg, 0);
  std::vector<uint8_t> wire = exchange_udp(server, msg, options);
  if (knot_wire_get_tc(wire.data()))
    wire = exchange_tcp(server, msg, options.try_timeout_ms * std::max(1, options.tries));
  return parse_response(server, wire);
}

DnsResponse dns_query(const DnsServer& server, const Name& qname, uint16_t qtype, int timeout_ms) {
  QueryOptions o;
  o.tries = 3;
  o.try_timeout_ms = timeout_ms / 3 + 1;
  return dns_query(server, qname, qtype, o);
}

void dns_push_ds(const DnsServer& server, const Name& parent_zone, const Name& child, uint32_t ttl,
                 const std::vector<std::vector<uint8_t>>& ds,
                 const std::optional<TsigKeySpec>& tsig, int timeout_ms) {
  // RFC 2136 §2: zone section = the parent zone; update section = delete the DS RRset, then add
  // every DS record.
  std::vector<uint8_t> msg;
  put16(msg, random_id());
  put16(msg, static_cast<uint16_t>(KNOT_OPCODE_UPDATE << 11));
  put16(msg, 1);
  put16(msg, 0);
  put16(msg, static_cast<uint16_t>(1 + ds.size()));
  put16(msg, 0);
  msg.insert(msg.end(), parent_zone.wire().begin(), parent_zone.wire().end());
  put16(msg, rrtype::SOA);
  put16(msg, 1);
  msg.insert(msg.end(), child.wire().begin(), child.wire().end());
  put16(msg, rrtype::DS);
  put16(msg, 255);  // class ANY: delete the RRset (RFC 2136 §2.5.2)
  put32(msg, 0);
  put16(msg, 0);
  for (const auto& rd : ds) {
    msg.insert(msg.end(), child.wire().begin(), child.wire().end());
    put16(msg, rrtype::DS);
    put16(msg, 1);
    put32(msg, ttl);
    put16(msg, static_cast<uint16_t>(rd.size()));
    msg.insert(msg.end(), rd.begin(), rd.end());
  }
  std::optional<TsigKey> key;
  uint8_t request_mac[64];  // the largest HMAC (SHA-512)
  size_t request_mac_len = sizeof(request_mac);
  if (tsig) {
    key.emplace(*tsig);
    size_t len = msg.size();
    msg.resize(len + 512);
    int rc = knot_tsig_sign(msg.data(), &len, msg.size(), nullptr, 0, request_mac, &request_mac_len,
                            &key->key, 0, 0);
    if (rc != KNOT_EOK)
      throw Error(std::string("TSIG signing failed: ") + knot_strerror(rc));
    msg.resize(len);
  }
  std::vector<uint8_t> wire = exchange_tcp(server, msg, timeout_ms);
  if (key)
    check_signed_response(server, child, wire, *key, request_mac, request_mac_len);
  int rcode = knot_wire_get_rcode(wire.data());
  if (rcode != 0) {
    throw Error("DNS server " + server.text() + " refused the DS update for " + child.to_text() +
                ": " + dns_rcode_text(rcode));
  }
}

}  // namespace signet
