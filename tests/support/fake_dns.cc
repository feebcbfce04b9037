// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/support/fake_dns.hh"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace signet::test {

namespace {

void put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put32(std::vector<uint8_t>& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8)
    b.push_back(static_cast<uint8_t>(v >> s));
}

std::string lower_text(const Name& n) {
  return n.lowered().to_text();
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

bool read_all(int fd, uint8_t* p, size_t n) {
  size_t got = 0;
  while (got < n) {
    pollfd pf{fd, POLLIN, 0};
    if (::poll(&pf, 1, 2000) <= 0)
      return false;
    ssize_t r = ::recv(fd, p + got, n - got, 0);
    if (r <= 0)
      return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

}  // namespace

ReplyBuilder::ReplyBuilder(const DnsRequest& req)
    : id_(req.id),
      opcode_(req.opcode),
      rd_(req.rd),
      qname_(req.qname),
      qtype_(req.qtype),
      qclass_(req.qclass) {}

ReplyBuilder& ReplyBuilder::answer(const Name& owner, uint16_t type, uint32_t ttl,
                                   std::vector<uint8_t> rdata) {
  an_.push_back({owner, type, ttl, std::move(rdata)});
  return *this;
}
ReplyBuilder& ReplyBuilder::authority(const Name& owner, uint16_t type, uint32_t ttl,
                                      std::vector<uint8_t> rdata) {
  ns_.push_back({owner, type, ttl, std::move(rdata)});
  return *this;
}
ReplyBuilder& ReplyBuilder::additional(const Name& owner, uint16_t type, uint32_t ttl,
                                       std::vector<uint8_t> rdata) {
  ar_.push_back({owner, type, ttl, std::move(rdata)});
  return *this;
}

std::vector<uint8_t> ReplyBuilder::wire() const {
  std::vector<uint8_t> w;
  put16(w, id_);
  uint16_t flags = 0x8000 | (uint16_t(opcode_ & 0xf) << 11) | (aa_ ? 0x0400 : 0) |
                   (tc_ ? 0x0200 : 0) | (rd_ ? 0x0100 : 0) | 0x0080 | (rcode_ & 0xf);
  put16(w, flags);
  put16(w, 1);
  put16(w, static_cast<uint16_t>(an_.size()));
  put16(w, static_cast<uint16_t>(ns_.size()));
  put16(w, static_cast<uint16_t>(ar_.size()));
  w.insert(w.end(), qname_.wire().begin(), qname_.wire().end());
  put16(w, qtype_);
  put16(w, qclass_);
  for (const auto* section : {&an_, &ns_, &ar_}) {
    for (const auto& rr : *section) {
      w.insert(w.end(), rr.owner.wire().begin(), rr.owner.wire().end());
      put16(w, rr.type);
      put16(w, 1);
      put32(w, rr.ttl);
      put16(w, static_cast<uint16_t>(rr.rdata.size()));
      w.insert(w.end(), rr.rdata.begin(), rr.rdata.end());
    }
  }
  return w;
}

std::vector<uint8_t> a_rdata(const std::string& ipv4) {
  std::vector<uint8_t> out(4);
  if (inet_pton(AF_INET, ipv4.c_str(), out.data()) != 1)
    throw std::runtime_error("bad IPv4 " + ipv4);
  return out;
}
std::vector<uint8_t> aaaa_rdata(const std::string& ipv6) {
  std::vector<uint8_t> out(16);
  if (inet_pton(AF_INET6, ipv6.c_str(), out.data()) != 1)
    throw std::runtime_error("bad IPv6 " + ipv6);
  return out;
}
std::vector<uint8_t> name_rdata(const Name& n) {
  return {n.wire().begin(), n.wire().end()};
}
std::vector<uint8_t> soa_rdata(const Name& mname, uint32_t minimum) {
  std::vector<uint8_t> out = name_rdata(mname);
  Name rname = Name::from_text("hostmaster.test.");
  out.insert(out.end(), rname.wire().begin(), rname.wire().end());
  for (uint32_t v : {1u, 3600u, 600u, 86400u, minimum})
    put32(out, v);
  return out;
}

FakeDnsServer::FakeDnsServer(Handler handler) : handler_(std::move(handler)) {
  for (int attempt = 0; attempt < 50 && port_ == 0; ++attempt) {
    int u = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(0);
    socklen_t len = sizeof(a);
    if (::bind(u, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
        ::getsockname(u, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ::close(u);
      continue;
    }
    int t = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(t, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || ::listen(t, 64) != 0) {
      ::close(u);
      ::close(t);
      continue;
    }
    udp_ = u;
    tcp_ = t;
    port_ = ntohs(a.sin_port);
  }
  if (port_ == 0)
    throw std::runtime_error("no free loopback port for the fake DNS server");
  other_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in o = loopback(0);
  ::bind(other_, reinterpret_cast<sockaddr*>(&o), sizeof(o));
  if (::pipe2(wake_, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  thread_ = std::thread([this] { run(); });
}

FakeDnsServer::~FakeDnsServer() {
  char c = 0;
  ssize_t ignored = ::write(wake_[1], &c, 1);
  (void)ignored;
  thread_.join();
  for (int fd : {udp_, tcp_, other_, wake_[0], wake_[1]})
    ::close(fd);
}

size_t FakeDnsServer::queries() const {
  std::lock_guard lock(mu_);
  return total_;
}

size_t FakeDnsServer::queries_for(const Name& qname, uint16_t qtype) const {
  std::lock_guard lock(mu_);
  auto it = counts_.find({lower_text(qname), qtype});
  return it == counts_.end() ? 0 : it->second;
}

void FakeDnsServer::handle(const std::vector<uint8_t>& wire, bool tcp,
                           const std::function<void(const DnsReply&)>& send) {
  if (wire.size() < 17)
    return;
  DnsRequest req;
  req.wire = wire;
  req.tcp = tcp;
  req.id = static_cast<uint16_t>((wire[0] << 8) | wire[1]);
  req.opcode = static_cast<uint8_t>((wire[2] >> 3) & 0xf);
  req.rd = (wire[2] & 1) != 0;
  size_t used = 0;
  try {
    req.qname = Name::from_wire_prefix({wire.data() + 12, wire.size() - 12}, &used);
  } catch (...) {
    return;
  }
  if (12 + used + 4 > wire.size())
    return;
  req.qtype = static_cast<uint16_t>((wire[12 + used] << 8) | wire[13 + used]);
  req.qclass = static_cast<uint16_t>((wire[14 + used] << 8) | wire[15 + used]);
  {
    std::lock_guard lock(mu_);
    ++total_;
    ++counts_[{lower_text(req.qname), req.qtype}];
  }
  for (const auto& reply : handler_(req)) {
    send(reply);
    if (tcp)
      break;
  }
}

void FakeDnsServer::run() {
  std::vector<uint8_t> buf(65535);
  while (true) {
    pollfd fds[3] = {{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0)
      continue;
    if (fds[2].revents)
      return;
    if (fds[0].revents) {
      sockaddr_in from{};
      socklen_t len = sizeof(from);
      ssize_t n =
          ::recvfrom(udp_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n > 0) {
        handle({buf.begin(), buf.begin() + n}, false, [&](const DnsReply& r) {
          ::sendto(r.from_other_port ? other_ : udp_, r.wire.data(), r.wire.size(), 0,
                   reinterpret_cast<sockaddr*>(&from), len);
        });
      }
    }
    if (fds[1].revents) {
      int c = ::accept4(tcp_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0)
        continue;
      uint8_t lenbuf[2];
      if (read_all(c, lenbuf, 2)) {
        std::vector<uint8_t> msg((lenbuf[0] << 8) | lenbuf[1]);
        if (read_all(c, msg.data(), msg.size())) {
          handle(msg, true, [&](const DnsReply& r) {
            std::vector<uint8_t> framed{static_cast<uint8_t>(r.wire.size() >> 8),
                                        static_cast<uint8_t>(r.wire.size())};
            framed.insert(framed.end(), r.wire.begin(), r.wire.end());
            ::send(c, framed.data(), framed.size(), MSG_NOSIGNAL);
          });
        }
      }
      ::close(c);
    }
  }
}

}  // namespace signet::test
