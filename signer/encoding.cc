// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/encoding.hh"

#include <sodium.h>

namespace signet {

std::string base64(std::span<const uint8_t> bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // drop the terminating NUL
  return out;
}

std::optional<std::vector<uint8_t>> from_base64(std::string_view text) {
  std::vector<uint8_t> out(text.size());
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), " \t\r\n", &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::optional<Secret> from_base64_secret(std::string_view text) {
  // The exact decoded size first (RFC 4648 §4: 3 octets per 4 characters, less one per '='),
  // so that the secret is written once, into its final place.
  size_t chars = 0, pad = 0;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
      continue;
    ++chars;
    pad = c == '=' ? pad + 1 : 0;
  }
  if (chars % 4 != 0 || pad > 2)
    return std::nullopt;
  Secret out(chars / 4 * 3 - pad);
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), " \t\r\n", &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size() || len != out.size()) {
    return std::nullopt;
  }
  return out;
}

std::string hex(std::span<const uint8_t> bytes) {
  static const char d[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (uint8_t c : bytes) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}

std::optional<std::vector<uint8_t>> from_hex(std::string_view text) {
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  if (text.size() % 2)
    return std::nullopt;
  std::vector<uint8_t> out;
  for (size_t i = 0; i < text.size(); i += 2) {
    int a = val(text[i]), b = val(text[i + 1]);
    if (a < 0 || b < 0)
      return std::nullopt;
    out.push_back(static_cast<uint8_t>(a * 16 + b));
  }
  return out;
}

}  // namespace signet
