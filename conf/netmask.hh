// SPDX-License-Identifier: GPL-2.0-or-later
//
// An address range as pdns writes them in its allow lists ("127.0.0.0/8", "::1/128", a bare
// address is the one host), for settings such as signet-api-metrics-allow.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace signet {

class Netmask {
 public:
  // "ADDR" or "ADDR/BITS", IPv4 or IPv6. Throws InputError naming the text.
  static Netmask parse(std::string_view text);

  // Whether `address` (an IPv4 or IPv6 literal; an IPv4-mapped IPv6 address counts as its IPv4
  // address) lies in the range. An unparsable address lies in none.
  bool contains(std::string_view address) const;
  std::string text() const;

 private:
  bool v6_ = false;
  std::array<uint8_t, 16> bytes_{};
  unsigned bits_ = 0;
};

// A list separated by commas and/or white space. Throws InputError naming the bad entry.
std::vector<Netmask> parse_netmask_list(std::string_view text);
// Whether any mask of `list` contains `address`.
bool any_contains(const std::vector<Netmask>& list, std::string_view address);

// What kind of non-global address `address` is ("loopback", "private (RFC 1918)",
// "link-local"...), from the IANA special-purpose registries (RFC 6890); "" for a global one.
// `address` must be an IP literal (is_ip_address).
std::string special_purpose(std::string_view address);
// Whether `text` is an IPv4 or IPv6 literal (not a name).
bool is_ip_address(std::string_view text);

}  // namespace signet
