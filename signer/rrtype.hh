// SPDX-License-Identifier: GPL-2.0-or-later
//
// Resource record type numbers (IANA "Resource Record (RR) TYPEs") and their mnemonics.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace signet {

namespace rrtype {
inline constexpr uint16_t kEnt = 0;  // internal: an empty non-terminal row, never on the wire
inline constexpr uint16_t A = 1;
inline constexpr uint16_t NS = 2;
inline constexpr uint16_t CNAME = 5;
inline constexpr uint16_t SOA = 6;
inline constexpr uint16_t PTR = 12;
inline constexpr uint16_t MX = 15;
inline constexpr uint16_t TXT = 16;
inline constexpr uint16_t AAAA = 28;
inline constexpr uint16_t SRV = 33;
inline constexpr uint16_t NAPTR = 35;
inline constexpr uint16_t DNAME = 39;
inline constexpr uint16_t OPT = 41;
inline constexpr uint16_t DS = 43;
inline constexpr uint16_t RRSIG = 46;
inline constexpr uint16_t NSEC = 47;
inline constexpr uint16_t DNSKEY = 48;
inline constexpr uint16_t NSEC3 = 50;
inline constexpr uint16_t NSEC3PARAM = 51;
inline constexpr uint16_t CDS = 59;
inline constexpr uint16_t CDNSKEY = 60;
inline constexpr uint16_t SVCB = 64;
inline constexpr uint16_t HTTPS = 65;
inline constexpr uint16_t TKEY = 249;
inline constexpr uint16_t TSIG = 250;
inline constexpr uint16_t IXFR = 251;
inline constexpr uint16_t AXFR = 252;
inline constexpr uint16_t ANY = 255;
inline constexpr uint16_t ALIAS = 65401;  // PowerDNS' private type (pdns qtype.hh)
}  // namespace rrtype

// "A", "MX", "TYPE65534"... (RFC 3597 §5 for unknown types).
std::string rrtype_to_text(uint16_t type);
// Accepts mnemonics (case-insensitive) and "TYPEnnn". Throws InputError.
uint16_t rrtype_from_text(std::string_view text);

// Meta and query-only types (RFC 6895 §3.1) may not be stored in a zone.
bool rrtype_is_meta(uint16_t type);
// Types that only the signer produces: a zone's operator data never carries them.
bool rrtype_is_signer_generated(uint16_t type);

}  // namespace signet
