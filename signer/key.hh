// SPDX-License-Identifier: GPL-2.0-or-later
//
// DNSKEY records (RFC 4034 §2): flags, roles and the key tag.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "signer/crypto.hh"

namespace signet {

// What a key signs: a ZSK the zone's data, a KSK the DNSKEY RRset (and CDS/CDNSKEY), a CSK both.
enum class KeyRole : uint8_t { kZsk = 1, kKsk = 2, kCsk = 3 };
std::string key_role_name(KeyRole role);
KeyRole key_role_from_text(const std::string& text);

inline constexpr uint16_t kDnskeyZoneFlag = 0x0100;    // RFC 4034 §2.1.1 bit 7
inline constexpr uint16_t kDnskeySepFlag = 0x0001;     // RFC 4034 §2.1.1 bit 15 (RFC 3757)
inline constexpr uint16_t kDnskeyRevokeFlag = 0x0080;  // RFC 5011 §3

// 256 for a ZSK, 257 (SEP) for a KSK or CSK.
uint16_t dnskey_flags(KeyRole role);
// flags(2) protocol(1)=3 algorithm(1) public key.
std::vector<uint8_t> dnskey_rdata(uint16_t flags, Algorithm alg,
                                  std::span<const uint8_t> public_key);
// RFC 4034 Appendix B.
uint16_t key_tag(std::span<const uint8_t> dnskey_rdata);

}  // namespace signet
