// SPDX-License-Identifier: GPL-2.0-or-later
//
// Authenticated denial records: NSEC (RFC 4034 §4) and NSEC3 (RFC 5155), their type bitmaps, the
// NSEC3 owner hash and its Base32hex spelling. RFC 9276 defaults: iterations 0, empty salt.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "signer/name.hh"

namespace signet {

using Nsec3Hash = std::array<uint8_t, 20>;

struct Nsec3Params {
  uint8_t algorithm = 1;  // SHA-1, the only one defined (RFC 5155 §11)
  uint8_t flags = 0;      // 1 = opt-out (RFC 5155 §3.1.2.1)
  uint16_t iterations = 0;
  std::vector<uint8_t> salt;
  bool opt_out() const { return flags & 1; }
  bool operator==(const Nsec3Params&) const = default;
};
// "1 0 0 -" style text, as in an NSEC3PARAM record and pdns' NSEC3PARAM metadata.
std::string nsec3_params_text(const Nsec3Params& p);
Nsec3Params nsec3_params_from_text(std::string_view text);  // throws InputError

// RFC 5155 §5: IH(salt, x, 0) = H(x | salt); IH(salt, x, k) = H(IH(salt, x, k-1) | salt).
Nsec3Hash nsec3_hash(const CanonicalName& name, std::span<const uint8_t> salt, uint16_t iterations);

// RFC 4648 §7 "base32hex", lower case, no padding (RFC 5155 §3.3).
std::string base32hex(std::span<const uint8_t> bytes);
std::optional<std::vector<uint8_t>> from_base32hex(std::string_view text);

// RFC 4034 §4.1.2 type bitmap from ascending, distinct types.
std::vector<uint8_t> type_bitmap(std::span<const uint16_t> sorted_types);

// NSEC3 RDATA: algorithm flags iterations salt next-hash bitmap (RFC 5155 §3.2).
std::vector<uint8_t> nsec3_rdata(const Nsec3Params& p, const Nsec3Hash& next,
                                 std::span<const uint8_t> bitmap);
// NSEC3PARAM RDATA; its flags field is always zero (RFC 5155 §4.1.2).
std::vector<uint8_t> nsec3param_rdata(const Nsec3Params& p);
// NSEC RDATA: next name (as given) and bitmap.
std::vector<uint8_t> nsec_rdata(const Name& next, std::span<const uint8_t> bitmap);

}  // namespace signet
