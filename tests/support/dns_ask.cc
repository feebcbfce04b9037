// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/support/dns_ask.hh"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>

namespace signet::test {

namespace {

void put_u16(std::vector<uint8_t>& m, uint16_t v) {
  m.push_back(static_cast<uint8_t>(v >> 8));
  m.push_back(static_cast<uint8_t>(v));
}

uint16_t get_u16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

// The query: header (RD), the question, and an OPT record (payload 1232, DO set).
std::vector<uint8_t> query(uint16_t id, const std::string& qname, uint16_t qtype) {
  std::vector<uint8_t> m;
  put_u16(m, id);
  m.insert(m.end(), {0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1});
  std::istringstream labels(qname);
  for (std::string label; std::getline(labels, label, '.');) {
    if (label.empty())
      continue;
    m.push_back(static_cast<uint8_t>(label.size()));
    m.insert(m.end(), label.begin(), label.end());
  }
  m.push_back(0);
  put_u16(m, qtype);
  put_u16(m, 1);  // IN
  m.insert(m.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0});
  return m;
}

// Skips the (possibly compressed) name at `pos`; false when it runs past the end.
bool skip_name(const uint8_t* msg, size_t len, size_t& pos) {
  while (pos < len) {
    uint8_t b = msg[pos];
    if ((b & 0xc0) == 0xc0) {
      pos += 2;
      return pos <= len;
    }
    pos += 1 + b;
    if (b == 0)
      return pos <= len;
  }
  return false;
}

// Fills `a` from the response; false when it is malformed or not for our question.
bool parse(const uint8_t* msg, size_t len, uint16_t id, DnsAnswer& a) {
  if (len < 12 || get_u16(msg) != id || !(msg[2] & 0x80))
    return false;
  a.tc = (msg[2] & 0x02) != 0;
  a.ad = (msg[3] & 0x20) != 0;
  a.rcode = msg[3] & 0x0f;
  uint16_t qd = get_u16(msg + 4), an = get_u16(msg + 6);
  size_t pos = 12;
  for (uint16_t i = 0; i < qd; ++i) {
    if (!skip_name(msg, len, pos) || pos + 4 > len)
      return false;
    pos += 4;
  }
  for (uint16_t i = 0; i < an; ++i) {
    if (!skip_name(msg, len, pos) || pos + 10 > len)
      return false;
    uint16_t type = get_u16(msg + pos), rdlen = get_u16(msg + pos + 8);
    pos += 10;
    if (pos + rdlen > len)
      return false;
    a.answer.emplace_back(type, std::vector<uint8_t>(msg + pos, msg + pos + rdlen));
    pos += rdlen;
  }
  return true;
}

}  // namespace

std::vector<std::vector<uint8_t>> DnsAnswer::rdatas(uint16_t type) const {
  std::vector<std::vector<uint8_t>> out;
  for (const auto& [t, rdata] : answer)
    if (t == type)
      out.push_back(rdata);
  return out;
}

DnsAnswer dns_ask(int port, const std::string& qname, uint16_t qtype, int timeout_ms) {
  uint16_t id = 0;
  if (getrandom(&id, sizeof(id), 0) != sizeof(id))
    id = 0x5347;
  std::vector<uint8_t> m = query(id, qname, qtype);
  DnsAnswer a;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0)
    return a;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0 &&
      send(fd, m.data(), m.size(), 0) == static_cast<ssize_t>(m.size())) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) == 1) {
      uint8_t buf[65536];
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      DnsAnswer parsed;
      if (n > 0 && parse(buf, static_cast<size_t>(n), id, parsed)) {
        a = std::move(parsed);
        a.answered = true;
      }
    }
  }
  close(fd);
  return a;
}

std::string ipv4_text(const std::vector<uint8_t>& rdata) {
  if (rdata.size() != 4)
    return "";
  return std::to_string(rdata[0]) + "." + std::to_string(rdata[1]) + "." +
         std::to_string(rdata[2]) + "." + std::to_string(rdata[3]);
}

}  // namespace signet::test
