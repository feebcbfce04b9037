// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/rrtype.hh"

#include "signer/knot.hh"

#include <string>

#include "signer/error.hh"

namespace signet {

std::string rrtype_to_text(uint16_t type) {
  char buf[32];
  if (knot_rrtype_to_string(type, buf, sizeof(buf)) < 0)
    return "TYPE" + std::to_string(type);
  return buf;
}

uint16_t rrtype_from_text(std::string_view text) {
  std::string s(text);
  uint16_t num = 0;
  if (s.empty() || knot_rrtype_from_string(s.c_str(), &num) != 0) {
    throw InputError("unknown record type '" + s + "'");
  }
  return num;
}

bool rrtype_is_meta(uint16_t type) {
  // RFC 6895 §3.1: 128-255 are Q-types and meta-types; OPT(41) is a pseudo-RR.
  return type == rrtype::kEnt || type == rrtype::OPT || (type >= 128 && type <= 255);
}

bool rrtype_is_signer_generated(uint16_t type) {
  return type == rrtype::RRSIG || type == rrtype::NSEC || type == rrtype::NSEC3 ||
         type == rrtype::NSEC3PARAM;
}

}  // namespace signet
