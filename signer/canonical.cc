// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/canonical.hh"

#include "signer/knot.hh"

#include <algorithm>
#include <cstring>
#include <string>

#include "signer/error.hh"
#include "signer/name.hh"
#include "signer/rrtype.hh"

namespace signet {

namespace {

[[noreturn]] void bad_rdata(uint16_t type, const char* why) {
  throw InputError("malformed " + rrtype_to_text(type) + " record data: " + why);
}

size_t name_length(uint16_t type, std::span<const uint8_t> rdata, size_t pos) {
  size_t used = 0;
  try {
    Name::from_wire_prefix(rdata.subspan(pos), &used);
  } catch (const InputError&) {
    bad_rdata(type, "bad embedded domain name");
  }
  return used;
}

}  // namespace

void for_each_rdata_name(uint16_t type, std::span<const uint8_t> rdata,
                         const std::function<void(size_t, size_t)>& fn) {
  const knot_rdata_descriptor_t* desc = knot_get_rdata_descriptor(type);
  if (desc == nullptr || desc->type_name == nullptr) {
    // Unknown types (RFC 3597 §4) are opaque: they carry no names we may touch.
    return;
  }
  size_t pos = 0;
  for (int i = 0; i < KNOT_MAX_RDATA_BLOCKS && desc->block_types[i] != KNOT_RDATA_WF_END; ++i) {
    int block = desc->block_types[i];
    if (block > 0) {
      if (pos + static_cast<size_t>(block) > rdata.size())
        bad_rdata(type, "truncated");
      pos += static_cast<size_t>(block);
    } else if (block == KNOT_RDATA_WF_FIXED_DNAME || block == KNOT_RDATA_WF_COMPRESSIBLE_DNAME ||
               block == KNOT_RDATA_WF_DECOMPRESSIBLE_DNAME) {
      if (pos >= rdata.size())
        bad_rdata(type, "truncated");
      size_t len = name_length(type, rdata, pos);
      fn(pos, len);
      pos += len;
    } else if (block == KNOT_RDATA_WF_NAPTR_HEADER) {
      // order(2) preference(2) then flags, services, regexp as <character-string>s.
      pos += 4;
      for (int s = 0; s < 3; ++s) {
        if (pos >= rdata.size())
          bad_rdata(type, "truncated");
        pos += 1 + rdata[pos];
      }
      if (pos > rdata.size())
        bad_rdata(type, "truncated");
    } else if (block == KNOT_RDATA_WF_REMAINDER) {
      pos = rdata.size();
    }
  }
  if (pos != rdata.size())
    bad_rdata(type, "trailing octets");
}

void validate_rdata(uint16_t type, std::span<const uint8_t> rdata) {
  if (rdata.size() > 65535)
    bad_rdata(type, "longer than 65535 octets");
  for_each_rdata_name(type, rdata, [](size_t, size_t) {});
}

void canonicalize_rdata(uint16_t type, std::span<uint8_t> rdata) {
  if (!knot_rrtype_should_be_lowercased(type))
    return;
  for_each_rdata_name(type, rdata, [&](size_t off, size_t len) {
    for (size_t i = off; i < off + len; ++i)
      rdata[i] = to_lower_ascii(rdata[i]);
  });
}

int compare_rdata(std::span<const uint8_t> a, std::span<const uint8_t> b) noexcept {
  size_t common = std::min(a.size(), b.size());
  int c = common ? std::memcmp(a.data(), b.data(), common) : 0;
  if (c != 0)
    return c;
  if (a.size() == b.size())
    return 0;
  return a.size() < b.size() ? -1 : 1;
}

}  // namespace signet
