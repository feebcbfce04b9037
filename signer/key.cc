// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/key.hh"

#include "signer/bytes.hh"
#include "signer/error.hh"

namespace signet {

std::string key_role_name(KeyRole role) {
  switch (role) {
    case KeyRole::kZsk:
      return "zsk";
    case KeyRole::kKsk:
      return "ksk";
    case KeyRole::kCsk:
      return "csk";
  }
  return "?";
}

KeyRole key_role_from_text(const std::string& text) {
  if (text == "zsk" || text == "ZSK")
    return KeyRole::kZsk;
  if (text == "ksk" || text == "KSK")
    return KeyRole::kKsk;
  if (text == "csk" || text == "CSK")
    return KeyRole::kCsk;
  throw InputError("unknown key role '" + text + "' (zsk, ksk or csk)");
}

uint16_t dnskey_flags(KeyRole role) {
  return role == KeyRole::kZsk ? kDnskeyZoneFlag : (kDnskeyZoneFlag | kDnskeySepFlag);
}

std::vector<uint8_t> dnskey_rdata(uint16_t flags, Algorithm alg,
                                  std::span<const uint8_t> public_key) {
  // RFC 4034 §2.1: flags, protocol 3, algorithm, public key.
  std::vector<uint8_t> out;
  out.reserve(4 + public_key.size());
  bytes::put_u16(out, flags);
  out.push_back(3);
  out.push_back(algorithm_number(alg));
  out.insert(out.end(), public_key.begin(), public_key.end());
  return out;
}

uint16_t key_tag(std::span<const uint8_t> rdata) {
  // RFC 4034 Appendix B: the ones-complement-like checksum over the RDATA (algorithm 1 excepted,
  // which Signet never uses).
  uint32_t ac = 0;
  for (size_t i = 0; i < rdata.size(); ++i)
    ac += (i & 1) ? rdata[i] : uint32_t(rdata[i]) << 8;
  ac += (ac >> 16) & 0xFFFF;
  return static_cast<uint16_t>(ac & 0xFFFF);
}

}  // namespace signet
