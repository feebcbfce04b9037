// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/crypto.hh"

#include <gtest/gtest.h>

#include "signer/encoding.hh"
#include "signer/error.hh"

using namespace signet;

class EveryAlgorithm : public ::testing::TestWithParam<Algorithm> {};

TEST_P(EveryAlgorithm, SignaturesVerifyAndTamperingIsDetected) {
  PrivateKey key = PrivateKey::generate(GetParam());
  std::vector<uint8_t> data = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  Signer signer(key);
  std::vector<uint8_t> sig;
  signer.sign(data, sig);
  EXPECT_EQ(sig.size(), signer.signature_size());
  EXPECT_TRUE(verify(GetParam(), key.public_key(), data, sig));
  data[0] ^= 1;
  EXPECT_FALSE(verify(GetParam(), key.public_key(), data, sig));
  data[0] ^= 1;
  sig[sig.size() / 2] ^= 0x40;
  EXPECT_FALSE(verify(GetParam(), key.public_key(), data, sig));
}

TEST_P(EveryAlgorithm, DerRoundTripKeepsTheKey) {
  PrivateKey key = PrivateKey::generate(GetParam());
  Secret der = key.to_der();
  PrivateKey back = PrivateKey::from_der(GetParam(), der.bytes());
  EXPECT_EQ(back.public_key(), key.public_key());
  std::vector<uint8_t> data = {42};
  EXPECT_TRUE(verify(GetParam(), key.public_key(), data, back.sign(data)));
}

INSTANTIATE_TEST_SUITE_P(Crypto, EveryAlgorithm,
                         ::testing::Values(Algorithm::kRsaSha256, Algorithm::kEcdsaP256Sha256,
                                           Algorithm::kEcdsaP384Sha384, Algorithm::kEd25519,
                                           Algorithm::kEd448),
                         [](const auto& info) { return algorithm_name(info.param); });

TEST(Crypto, PublicKeySizesFollowTheRfcs) {
  EXPECT_EQ(PrivateKey::generate(Algorithm::kEcdsaP256Sha256).public_key().size(),
            64u);  // RFC 6605
  EXPECT_EQ(PrivateKey::generate(Algorithm::kEcdsaP384Sha384).public_key().size(), 96u);
  EXPECT_EQ(PrivateKey::generate(Algorithm::kEd25519).public_key().size(), 32u);  // RFC 8080
  EXPECT_EQ(PrivateKey::generate(Algorithm::kEd448).public_key().size(), 57u);
  auto rsa = PrivateKey::generate(Algorithm::kRsaSha256, 2048).public_key();
  EXPECT_EQ(rsa[0], 3);  // RFC 3110: exponent 65537 in three octets
  EXPECT_EQ(rsa.size(), 1u + 3 + 256);
}

TEST(Crypto, RefusesWeakOrUnknownChoices) {
  EXPECT_THROW(PrivateKey::generate(Algorithm::kRsaSha256, 1024), InputError);
  EXPECT_THROW(algorithm_from_number(5), InputError);
  EXPECT_THROW(algorithm_from_text("dsa"), InputError);
  EXPECT_EQ(algorithm_from_text("ed25519"), Algorithm::kEd25519);
  EXPECT_EQ(algorithm_from_text("13"), Algorithm::kEcdsaP256Sha256);
}

// RFC 8080 §6.1: the Ed25519 example key; EdDSA is deterministic, so the signature is exact.
TEST(Crypto, Ed25519MatchesRfc8080Example) {
  auto seed = from_base64("ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI=");
  ASSERT_TRUE(seed);
  PrivateKey key = PrivateKey::from_raw(Algorithm::kEd25519, *seed);
  EXPECT_EQ(base64(key.public_key()), "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=");
}

TEST(Crypto, EcdsaKeyFromRawScalarHasTheRightPublicKey) {
  PrivateKey k = PrivateKey::generate(Algorithm::kEcdsaP256Sha256);
  Secret der = k.to_der();
  // Round trip through a raw scalar as BIND's .private carries it is covered by import tests; here
  // only check the scalar path builds a usable key.
  std::vector<uint8_t> scalar(32, 0x11);
  PrivateKey r = PrivateKey::from_raw(Algorithm::kEcdsaP256Sha256, scalar);
  std::vector<uint8_t> data = {9, 9};
  EXPECT_TRUE(verify(Algorithm::kEcdsaP256Sha256, r.public_key(), data, r.sign(data)));
}
