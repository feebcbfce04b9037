// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/netmask.hh"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "signer/error.hh"

namespace signet {

namespace {

struct Parsed {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};
};

// An address literal; an IPv4-mapped IPv6 address (::ffff:a.b.c.d, as a dual-stack socket shows
// an IPv4 peer) becomes its IPv4 address so that IPv4 ranges match it.
std::optional<Parsed> parse_address(std::string_view text) {
  std::string s(text);
  Parsed p;
  if (inet_pton(AF_INET, s.c_str(), p.bytes.data()) == 1)
    return p;
  if (inet_pton(AF_INET6, s.c_str(), p.bytes.data()) != 1)
    return std::nullopt;
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(p.bytes.data(), kMapped, sizeof(kMapped)) == 0) {
    std::memmove(p.bytes.data(), p.bytes.data() + 12, 4);
    std::fill(p.bytes.begin() + 4, p.bytes.end(), 0);
    return p;
  }
  p.v6 = true;
  return p;
}

}  // namespace

Netmask Netmask::parse(std::string_view text) {
  std::string_view addr = text;
  std::optional<unsigned> bits;
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    std::string_view b = text.substr(slash + 1);
    if (b.empty() || b.size() > 3 || !std::all_of(b.begin(), b.end(), ::isdigit))
      throw InputError("bad netmask '" + std::string(text) + "'");
    bits = static_cast<unsigned>(std::stoul(std::string(b)));
  }
  auto p = parse_address(addr);
  if (!p)
    throw InputError("bad netmask '" + std::string(text) +
                     "' (an IPv4 or IPv6 address, optionally with /bits)");
  Netmask m;
  m.v6_ = p->v6;
  m.bytes_ = p->bytes;
  unsigned max = m.v6_ ? 128 : 32;
  m.bits_ = bits.value_or(max);
  if (m.bits_ > max)
    throw InputError("bad netmask '" + std::string(text) + "': more than " + std::to_string(max) +
                     " bits");
  return m;
}

bool Netmask::contains(std::string_view address) const {
  auto p = parse_address(address);
  if (!p || p->v6 != v6_)
    return false;
  unsigned full = bits_ / 8, rest = bits_ % 8;
  if (std::memcmp(p->bytes.data(), bytes_.data(), full) != 0)
    return false;
  if (rest == 0)
    return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (p->bytes[full] & mask) == (bytes_[full] & mask);
}

std::string Netmask::text() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6_ ? AF_INET6 : AF_INET, bytes_.data(), buf, sizeof(buf));
  return std::string(buf) + "/" + std::to_string(bits_);
}

std::vector<Netmask> parse_netmask_list(std::string_view text) {
  std::vector<Netmask> out;
  std::string item;
  auto flush = [&] {
    if (!item.empty())
      out.push_back(Netmask::parse(item));
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

bool any_contains(const std::vector<Netmask>& list, std::string_view address) {
  return std::any_of(list.begin(), list.end(),
                     [&](const Netmask& m) { return m.contains(address); });
}

bool is_ip_address(std::string_view text) {
  if (text.find('/') != std::string_view::npos)
    return false;
  try {
    Netmask::parse(text);
    return true;
  } catch (const InputError&) {
    return false;
  }
}

std::string special_purpose(std::string_view address) {
  struct Range {
    const char* mask;
    const char* what;
  };
  // RFC 6890 and its updates: what a host on the internet must not be made to reach for someone
  // else (the machine itself, its networks, cloud metadata at 169.254.169.254).
  static const Range ranges[] = {
      {"0.0.0.0/8", "this network"},
      {"10.0.0.0/8", "private (RFC 1918)"},
      {"100.64.0.0/10", "shared address space (RFC 6598)"},
      {"127.0.0.0/8", "loopback"},
      {"169.254.0.0/16", "link-local"},
      {"172.16.0.0/12", "private (RFC 1918)"},
      {"192.0.0.0/24", "IETF protocol assignments"},
      {"192.168.0.0/16", "private (RFC 1918)"},
      {"198.18.0.0/15", "benchmarking (RFC 2544)"},
      {"224.0.0.0/4", "multicast"},
      {"240.0.0.0/4", "reserved"},
      {"::/128", "unspecified"},
      {"::1/128", "loopback"},
      {"64:ff9b:1::/48", "local-use translation (RFC 8215)"},
      {"fc00::/7", "unique local (RFC 4193)"},
      {"fe80::/10", "link-local"},
      {"ff00::/8", "multicast"},
  };
  static const std::vector<std::pair<Netmask, const char*>> masks = [] {
    std::vector<std::pair<Netmask, const char*>> out;
    for (const auto& r : ranges)
      out.emplace_back(Netmask::parse(r.mask), r.what);
    return out;
  }();
  for (const auto& [m, what] : masks) {
    if (m.contains(address))
      return what;
  }
  return "";
}

}  // namespace signet
