// SPDX-License-Identifier: GPL-2.0-or-later
// Base64 (RFC 4648 §4) and hex, as DNSSEC presentation formats use them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "signer/secret.hh"

namespace signet {

std::string base64(std::span<const uint8_t> bytes);
// Ignores whitespace; nullopt when malformed.
std::optional<std::vector<uint8_t>> from_base64(std::string_view text);
// The same for secret bytes (private key fields, the master key): decoded straight into a guarded
// Secret of the exact size, never into an ordinary buffer.
std::optional<Secret> from_base64_secret(std::string_view text);
std::string hex(std::span<const uint8_t> bytes);  // lower case
std::optional<std::vector<uint8_t>> from_hex(std::string_view text);

}  // namespace signet
