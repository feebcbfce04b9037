// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/key.hh"

#include <gtest/gtest.h>

#include "signer/ds.hh"
#include "signer/encoding.hh"

using namespace signet;

namespace {
// RFC 6605 §6.1 example KSK of example.net.
std::vector<uint8_t> rfc6605_dnskey() {
  auto pub = from_base64(
      "GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==");
  return dnskey_rdata(257, Algorithm::kEcdsaP256Sha256, *pub);
}
}  // namespace

TEST(Key, KeyTagMatchesRfc6605Example) {
  EXPECT_EQ(key_tag(rfc6605_dnskey()), 55648);
}

TEST(Key, FlagsMarkKskAndCskAsSecureEntryPoints) {
  EXPECT_EQ(dnskey_flags(KeyRole::kZsk), 256);
  EXPECT_EQ(dnskey_flags(KeyRole::kKsk), 257);
  EXPECT_EQ(dnskey_flags(KeyRole::kCsk), 257);
}

TEST(Ds, Sha256DigestMatchesRfc6605Example) {
  auto ds = ds_rdata(CanonicalName(Name::from_text("Example.NET.")), rfc6605_dnskey(),
                     DigestType::kSha256);
  ASSERT_EQ(ds.size(), 4u + 32);
  EXPECT_EQ((ds[0] << 8) | ds[1], 55648);
  EXPECT_EQ(ds[2], 13);
  EXPECT_EQ(ds[3], 2);
  EXPECT_EQ(hex(std::span(ds).subspan(4)),
            "b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17");
}

TEST(Ds, Ed25519ExampleOfRfc8080) {
  auto pub = from_base64("l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=");
  auto ds = ds_rdata(CanonicalName(Name::from_text("example.com.")),
                     dnskey_rdata(257, Algorithm::kEd25519, *pub), DigestType::kSha256);
  EXPECT_EQ((ds[0] << 8) | ds[1], 3613);
  EXPECT_EQ(hex(std::span(ds).subspan(4)),
            "3aa5ab37efce57f737fc1627013fee07bdf241bd10f3b1964ab55c78e79a304b");
}

TEST(Ds, DeleteRecordsOfRfc8078) {
  EXPECT_EQ(cds_delete_rdata(), (std::vector<uint8_t>{0, 0, 0, 0, 0}));
  EXPECT_EQ(cdnskey_delete_rdata(), (std::vector<uint8_t>{0, 0, 3, 0, 0}));
}
