// SPDX-License-Identifier: GPL-2.0-or-later
//
// Canonical form of RDATA (RFC 4034 §6.2, as amended by RFC 6840 §5.1) and the canonical order of
// the RRs of an RRset (RFC 4034 §6.3). RRsets are stored in this order so that signing and
// comparison never need to sort on the query path.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace signet {

// Calls `fn(offset, length)` for every domain name embedded in `rdata` of `type` (using libknot's
// RDATA descriptors). Throws InputError when the RDATA does not match its type's layout.
void for_each_rdata_name(uint16_t type, std::span<const uint8_t> rdata,
                         const std::function<void(size_t offset, size_t length)>& fn);

// Checks that `rdata` is structurally valid for `type` (names well formed, fixed fields present,
// nothing left over). Throws InputError naming the type.
void validate_rdata(uint16_t type, std::span<const uint8_t> rdata);

// Lower-cases, in place, the embedded names of the types RFC 4034 §6.2 / RFC 6840 §5.1 list.
void canonicalize_rdata(uint16_t type, std::span<uint8_t> rdata);

// RFC 4034 §6.3: RRs of an RRset sort by their canonical RDATA as left-justified octet strings.
// Both arguments must already be canonical. Returns <0, 0, >0.
int compare_rdata(std::span<const uint8_t> a, std::span<const uint8_t> b) noexcept;

}  // namespace signet
