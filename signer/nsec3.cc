// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/nsec3.hh"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <openssl/sha.h>

#include <cctype>

#include "signer/bytes.hh"
#include "signer/encoding.hh"
#include "signer/error.hh"

namespace signet {

namespace {
const char kB32[] = "0123456789abcdefghijklmnopqrstuv";
}  // namespace

std::string nsec3_params_text(const Nsec3Params& p) {
  return std::to_string(p.algorithm) + " " + std::to_string(p.flags) + " " +
         std::to_string(p.iterations) + " " + (p.salt.empty() ? std::string("-") : hex(p.salt));
}

Nsec3Params nsec3_params_from_text(std::string_view text) {
  Nsec3Params p;
  std::string t(text);
  unsigned alg = 0, flags = 0, iter = 0;
  char salt[600] = "";
  if (std::sscanf(t.c_str(), "%u %u %u %599s", &alg, &flags, &iter, salt) != 4) {
    throw InputError("bad NSEC3 parameters '" + t +
                     "': expected 'ALGORITHM FLAGS ITERATIONS SALT'");
  }
  if (alg != 1)
    throw InputError("bad NSEC3 parameters '" + t + "': hash algorithm must be 1 (SHA-1)");
  if (flags > 1)
    throw InputError("bad NSEC3 parameters '" + t + "': flags must be 0 or 1 (opt-out)");
  if (iter > 100) {
    // RFC 9276 §3.1: iterations above 0 add no security; validators treat large counts as insecure.
    throw InputError("bad NSEC3 parameters '" + t +
                     "': more than 100 iterations (RFC 9276 says 0)");
  }
  std::string s = salt;
  if (s != "-") {
    auto salt_bytes = from_hex(s);
    if (!salt_bytes || salt_bytes->size() > 255)
      throw InputError("bad NSEC3 salt '" + s + "'");
    p.salt = std::move(*salt_bytes);
  }
  p.algorithm = 1;
  p.flags = static_cast<uint8_t>(flags);
  p.iterations = static_cast<uint16_t>(iter);
  return p;
}

Nsec3Hash nsec3_hash(const CanonicalName& name, std::span<const uint8_t> salt,
                     uint16_t iterations) {
  Nsec3Hash h;
  SHA_CTX ctx;
  SHA1_Init(&ctx);
  SHA1_Update(&ctx, name.wire().data(), name.wire().size());
  SHA1_Update(&ctx, salt.data(), salt.size());
  SHA1_Final(h.data(), &ctx);
  for (uint16_t i = 0; i < iterations; ++i) {
    SHA1_Init(&ctx);
    SHA1_Update(&ctx, h.data(), h.size());
    SHA1_Update(&ctx, salt.data(), salt.size());
    SHA1_Final(h.data(), &ctx);
  }
  return h;
}

std::string base32hex(std::span<const uint8_t> bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += kB32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0)
    out += kB32[(buffer << (5 - bits)) & 31];
  return out;
}

std::optional<std::vector<uint8_t>> from_base32hex(std::string_view text) {
  std::vector<uint8_t> out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'v')
      v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'V')
      v = c - 'A' + 10;
    else
      return std::nullopt;
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<uint8_t>(buffer >> (bits - 8)));
      bits -= 8;
    }
  }
  return out;
}

std::vector<uint8_t> type_bitmap(std::span<const uint16_t> types) {
  std::vector<uint8_t> out;
  size_t i = 0;
  while (i < types.size()) {
    uint8_t window = static_cast<uint8_t>(types[i] >> 8);
    uint8_t bits[32] = {};
    size_t len = 0;
    for (; i < types.size() && (types[i] >> 8) == window; ++i) {
      uint8_t low = static_cast<uint8_t>(types[i]);
      bits[low / 8] |= static_cast<uint8_t>(0x80 >> (low % 8));
      len = low / 8 + 1u;
    }
    out.push_back(window);
    out.push_back(static_cast<uint8_t>(len));
    out.insert(out.end(), bits, bits + len);
  }
  return out;
}

std::vector<uint8_t> nsec3_rdata(const Nsec3Params& p, const Nsec3Hash& next,
                                 std::span<const uint8_t> bitmap) {
  // RFC 5155 §3.2: algorithm, flags, iterations, salt, next hashed owner, type bitmaps.
  std::vector<uint8_t> out = {p.algorithm, p.flags};
  bytes::put_u16(out, p.iterations);
  out.push_back(static_cast<uint8_t>(p.salt.size()));
  out.insert(out.end(), p.salt.begin(), p.salt.end());
  out.push_back(static_cast<uint8_t>(next.size()));
  out.insert(out.end(), next.begin(), next.end());
  out.insert(out.end(), bitmap.begin(), bitmap.end());
  return out;
}

std::vector<uint8_t> nsec3param_rdata(const Nsec3Params& p) {
  // RFC 5155 §4.2: algorithm, flags (zero as served), iterations, salt.
  std::vector<uint8_t> out = {p.algorithm, 0};
  bytes::put_u16(out, p.iterations);
  out.push_back(static_cast<uint8_t>(p.salt.size()));
  out.insert(out.end(), p.salt.begin(), p.salt.end());
  return out;
}

std::vector<uint8_t> nsec_rdata(const Name& next, std::span<const uint8_t> bitmap) {
  std::vector<uint8_t> out(next.wire().begin(), next.wire().end());
  out.insert(out.end(), bitmap.begin(), bitmap.end());
  return out;
}

}  // namespace signet
