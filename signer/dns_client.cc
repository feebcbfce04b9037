// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/dns_client.hh"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>

#include "signer/error.hh"
#include "signer/knot.hh"
#include "signer/rrtype.hh"

namespace signet {

namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0)
      ::close(fd);
  }
};

void put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put32(std::vector<uint8_t>& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8)
    b.push_back(static_cast<uint8_t>(v >> s));
}

uint16_t random_id() {
  static thread_local std::mt19937 rng(std::random_device{}());
  return static_cast<uint16_t>(rng());
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

[[noreturn]] void net_fail(const DnsServer& s, const std::string& what) {
  throw Error("DNS server " + s.text() + ": " + what);
}

bool wait_fd(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                  deadline - std::chrono::steady_clock::now())
                                  .count());
  if (left <= 0)
    return false;
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, left) > 0;
}

std::vector<uint8_t> exchange_udp(const DnsServer& s, const std::vector<uint8_t>& msg,
                                  int timeout_ms) {
  sockaddr_storage ss;
  socklen_t len = make_addr(s, ss);
  Fd fd{::socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  if (fd.fd < 0)
    net_fail(s, std::strerror(errno));
  if (::connect(fd.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0)
    net_fail(s, std::strerror(errno));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (::send(fd.fd, msg.data(), msg.size(), 0) < 0)
      net_fail(s, std::strerror(errno));
    auto try_until = std::min(
        deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms / 3 + 1));
    while (wait_fd(fd.fd, POLLIN, try_until)) {
      std::vector<uint8_t> buf(65535);
      ssize_t n = ::recv(fd.fd, buf.data(), buf.size(), 0);
      if (n < 12) {
        if (n < 0 && errno == ECONNREFUSED)
          net_fail(s, "connection refused");
        continue;
      }
      if (buf[0] != msg[0] || buf[1] != msg[1])
        continue;  // not our answer
      buf.resize(static_cast<size_t>(n));
      return buf;
    }
  }
  net_fail(s, "no answer (timeout)");
}

std::vector<uint8_t> exchange_tcp(const DnsServer& s, const std::vector<uint8_t>& msg,
                                  int timeout_ms) {
  sockaddr_storage ss;
  socklen_t len = make_addr(s, ss);
  Fd fd{::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (fd.fd < 0)
    net_fail(s, std::strerror(errno));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  setsockopt(fd.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (::connect(fd.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0)
    net_fail(s, std::strerror(errno));
  std::vector<uint8_t> framed;
  put16(framed, static_cast<uint16_t>(msg.size()));
  framed.insert(framed.end(), msg.begin(), msg.end());
  if (::send(fd.fd, framed.data(), framed.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(framed.size())) {
    net_fail(s, "TCP send failed");
  }
  auto read_exact = [&](uint8_t* p, size_t n) {
    size_t got = 0;
    while (got < n) {
      if (!wait_fd(fd.fd, POLLIN, deadline))
        net_fail(s, "no answer over TCP (timeout)");
      ssize_t r = ::recv(fd.fd, p + got, n - got, 0);
      if (r <= 0)
        net_fail(s, "TCP connection closed");
      got += static_cast<size_t>(r);
    }
  };
  uint8_t lenbuf[2];
  read_exact(lenbuf, 2);
  std::vector<uint8_t> buf((lenbuf[0] << 8) | lenbuf[1]);
  read_exact(buf.data(), buf.size());
  if (buf.size() < 12)
    net_fail(s, "short answer");
  return buf;
}

DnsResponse parse_response(const DnsServer& s, std::vector<uint8_t>& wire) {
  knot_pkt_t* pkt = knot_pkt_new(wire.data(), static_cast<uint16_t>(wire.size()), nullptr);
  if (!pkt)
    net_fail(s, "out of memory");
  struct Free {
    knot_pkt_t* p;
    ~Free() { knot_pkt_free(p); }
  } guard{pkt};
  if (knot_pkt_parse(pkt, 0) != KNOT_EOK)
    net_fail(s, "malformed answer");
  DnsResponse r;
  r.rcode = knot_wire_get_rcode(wire.data());
  r.aa = knot_wire_get_aa(wire.data());
  const knot_pktsection_t* ans = knot_pkt_section(pkt, KNOT_ANSWER);
  for (uint16_t i = 0; i < ans->count; ++i) {
    const knot_rrset_t* rr = knot_pkt_rr(ans, i);
    knot_rdata_t* rd = rr->rrs.rdata;
    for (uint16_t j = 0; j < rr->rrs.count; ++j) {
      DnsRecord rec;
      rec.owner = Name::from_wire({rr->owner, knot_dname_size(rr->owner)});
      rec.type = rr->type;
      rec.ttl = rr->ttl;
      rec.rdata.assign(rd->data, rd->data + rd->len);
      r.answer.push_back(std::move(rec));
      rd = knot_rdataset_next(rd);
    }
  }
  return r;
}

}  // namespace

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
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    host = text.substr(0, text.find(':'));
    port = text.substr(text.find(':') + 1);
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
  make_addr(s, ss);  // validates the address
  return s;
}

DnsResponse dns_query(const DnsServer& server, const Name& qname, uint16_t qtype, int timeout_ms) {
  std::vector<uint8_t> msg;
  put16(msg, random_id());
  put16(msg, 0);  // a query, no recursion desired
  put16(msg, 1);
  put16(msg, 0);
  put16(msg, 0);
  put16(msg, 1);  // OPT
  msg.insert(msg.end(), qname.wire().begin(), qname.wire().end());
  put16(msg, qtype);
  put16(msg, 1);
  // EDNS(0) OPT: root owner, type 41, payload 1232, no flags (RFC 6891).
  msg.push_back(0);
  put16(msg, rrtype::OPT);
  put16(msg, 1232);
  put32(msg, 0);
  put16(msg, 0);
  std::vector<uint8_t> wire = exchange_udp(server, msg, timeout_ms);
  if (knot_wire_get_tc(wire.data()))
    wire = exchange_tcp(server, msg, timeout_ms);
  return parse_response(server, wire);
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
  if (tsig) {
    knot_tsig_key_t key{};
    if (knot_tsig_key_init(&key, tsig->algorithm.c_str(), tsig->name.c_str(),
                           tsig->secret.c_str()) != KNOT_EOK) {
      throw InputError("bad TSIG key '" + tsig->name + "' (" + tsig->algorithm + ")");
    }
    size_t len = msg.size();
    msg.resize(len + 512);
    uint8_t digest[64];
    size_t digest_len = sizeof(digest);
    int rc =
        knot_tsig_sign(msg.data(), &len, msg.size(), nullptr, 0, digest, &digest_len, &key, 0, 0);
    knot_tsig_key_deinit(&key);
    if (rc != KNOT_EOK)
      throw Error(std::string("TSIG signing failed: ") + knot_strerror(rc));
    msg.resize(len);
  }
  std::vector<uint8_t> wire = exchange_tcp(server, msg, timeout_ms);
  int rcode = knot_wire_get_rcode(wire.data());
  if (rcode != 0) {
    const knot_lookup_t* name = knot_lookup_by_id(knot_rcode_names, rcode);
    throw Error("DNS server " + server.text() + " refused the DS update for " + child.to_text() +
                ": " + (name ? name->name : std::to_string(rcode)));
  }
}

std::vector<DnsServer> discover_parent_servers(const Name& zone) {
  auto resolve = [](const Name& name, uint16_t type) {
    std::vector<uint8_t> buf(4096);
    std::string text = name.to_text();
    int n = res_query(text.c_str(), ns_c_in, type, buf.data(), static_cast<int>(buf.size()));
    std::vector<DnsRecord> out;
    if (n <= 0)
      return out;
    buf.resize(static_cast<size_t>(n));
    DnsServer local{"127.0.0.1", 53};
    try {
      for (auto& r : parse_response(local, buf).answer) {
        if (r.type == type)
          out.push_back(std::move(r));
      }
    } catch (const Error&) {
    }
    return out;
  };
  std::vector<DnsServer> out;
  for (Name p = zone.parent(); !p.is_root(); p = p.parent()) {
    auto ns = resolve(p, rrtype::NS);
    if (ns.empty())
      continue;
    for (const auto& r : ns) {
      Name host = Name::from_wire(r.rdata);
      for (uint16_t t : {rrtype::A, rrtype::AAAA}) {
        for (const auto& a : resolve(host, t)) {
          char text[INET6_ADDRSTRLEN];
          if (inet_ntop(t == rrtype::A ? AF_INET : AF_INET6, a.rdata.data(), text, sizeof(text))) {
            out.push_back(DnsServer{text, 53});
          }
        }
      }
    }
    break;
  }
  return out;
}

}  // namespace signet
