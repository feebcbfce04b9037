// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/ds.hh"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <openssl/sha.h>

#include <string>

#include "signer/bytes.hh"
#include "signer/error.hh"
#include "signer/key.hh"

namespace signet {

DigestType digest_type_from_number(unsigned n) {
  switch (n) {
    case 1:
      return DigestType::kSha1;
    case 2:
      return DigestType::kSha256;
    case 4:
      return DigestType::kSha384;
  }
  throw InputError("unsupported DS digest type " + std::to_string(n) +
                   " (1 SHA-1, 2 SHA-256, 4 SHA-384)");
}

std::vector<uint8_t> ds_rdata(const CanonicalName& owner, std::span<const uint8_t> dnskey,
                              DigestType type) {
  if (dnskey.size() < 4)
    throw InputError("short DNSKEY record data");
  std::vector<uint8_t> data(owner.wire().begin(), owner.wire().end());
  data.insert(data.end(), dnskey.begin(), dnskey.end());
  uint8_t digest[SHA384_DIGEST_LENGTH];
  size_t len = 0;
  switch (type) {
    case DigestType::kSha1:
      SHA1(data.data(), data.size(), digest);
      len = SHA_DIGEST_LENGTH;
      break;
    case DigestType::kSha256:
      SHA256(data.data(), data.size(), digest);
      len = SHA256_DIGEST_LENGTH;
      break;
    case DigestType::kSha384:
      SHA384(data.data(), data.size(), digest);
      len = SHA384_DIGEST_LENGTH;
      break;
  }
  uint16_t tag = key_tag(dnskey);
  // RFC 4034 §5.1: key tag, algorithm, digest type, digest.
  std::vector<uint8_t> out;
  out.reserve(4 + len);
  bytes::put_u16(out, tag);
  out.push_back(dnskey[3]);
  out.push_back(static_cast<uint8_t>(type));
  out.insert(out.end(), digest, digest + len);
  return out;
}

std::vector<uint8_t> cds_delete_rdata() {
  return {0, 0, 0, 0, 0};
}
std::vector<uint8_t> cdnskey_delete_rdata() {
  return {0, 0, 3, 0, 0};
}

}  // namespace signet
