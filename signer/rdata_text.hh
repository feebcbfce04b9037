// SPDX-License-Identifier: GPL-2.0-or-later
//
// Presentation format of RDATA, both ways, through Knot's libraries: libknot dumps RDATA as text
// and libzscanner (an RFC 1035 master-file scanner) reads it. Never on the query path.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "signer/name.hh"

namespace signet {

// The RDATA of one record in master-file form, e.g. "10 mail.example.com." for an MX.
std::string rdata_to_text(uint16_t type, std::span<const uint8_t> rdata);

// Parses the master-file RDATA `text` of `type`. Relative names in the data are completed with
// `origin` (pass the root to make every name absolute, as pdnsutil does). Throws InputError with
// the scanner's reason.
std::vector<uint8_t> rdata_from_text(uint16_t type, std::string_view text, const Name& origin);

}  // namespace signet
