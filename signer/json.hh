// SPDX-License-Identifier: GPL-2.0-or-later
//
// JSON, the one encoder (nlohmann-json): audit details and signetutil's --json output are built
// as Json values and turned into text here. Json keeps keys in the order they were added, so what
// a person reads comes out in the order the code writes it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace signet {

using Json = nlohmann::ordered_json;

// Compact text (no spaces). Strings that are not UTF-8 (a label or hook output with arbitrary
// octets) get U+FFFD for the bad octets rather than failing the caller.
inline std::string json_text(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace signet
