// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/crypto.hh"

#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <unistd.h>

#include <cstdio>

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

// BIND's .private carries the scalar without its leading zero octets (one key in 256): it is the
// same key as the padded scalar, and a shorter number than a key can plausibly be is refused.
TEST(Crypto, AnEcdsaScalarWithoutItsLeadingZeroOctetsIsTheSameKey) {
  for (Algorithm alg : {Algorithm::kEcdsaP256Sha256, Algorithm::kEcdsaP384Sha384}) {
    const size_t size = alg == Algorithm::kEcdsaP256Sha256 ? 32 : 48;
    std::vector<uint8_t> padded(size, 0x5a);
    padded[0] = padded[1] = 0;
    PrivateKey full = PrivateKey::from_raw(alg, padded);
    PrivateKey stripped = PrivateKey::from_raw(alg, std::span(padded).subspan(2));
    EXPECT_EQ(stripped.public_key(), full.public_key()) << algorithm_name(alg);
    EXPECT_THROW(PrivateKey::from_raw(alg, std::span(padded).subspan(4)), InputError);
  }
}

// ------------------------------------------------------------------ the key heap

namespace {
// The private part's least size in the key heap: RSA-2048 d alone is 256 bytes; a P-256 scalar
// and an Ed25519 seed 32; Ed25519 adds libsodium's 64-byte secret key.
size_t private_bytes(Algorithm alg) {
  switch (alg) {
    case Algorithm::kRsaSha256:
      return 256;
    case Algorithm::kEd25519:
      return 32 + 64;
    default:
      return 32;
  }
}
}  // namespace

TEST_P(EveryAlgorithm, PrivatePartsOfEveryKeyLiveInTheKeyHeap) {
  Algorithm alg = GetParam();
  PrivateKey warm = PrivateKey::generate(alg);  // sets the heap up; OpenSSL caches its methods
  Secret der = warm.to_der();
  EXPECT_FALSE(CRYPTO_secure_allocated(der.data())) << "DER buffers are guarded Secrets";
  size_t before = key_heap_status().used;
  {
    PrivateKey g = PrivateKey::generate(alg);
    EXPECT_GE(key_heap_status().used, before + private_bytes(alg)) << "generate";
  }
  EXPECT_EQ(key_heap_status().used, before);
  {
    PrivateKey d = PrivateKey::from_der(alg, der.bytes());
    size_t with_key = key_heap_status().used;
    EXPECT_GE(with_key, before + private_bytes(alg)) << "from_der";
    {
      Signer s(d);  // a signing thread's own copy is in the key heap too
      if (alg == Algorithm::kRsaSha256 || alg == Algorithm::kEcdsaP256Sha256 ||
          alg == Algorithm::kEcdsaP384Sha384) {
        EXPECT_GE(key_heap_status().used, with_key + private_bytes(alg)) << "Signer copy";
      }
      std::vector<uint8_t> sig;
      s.sign(std::vector<uint8_t>{1}, sig);
    }
    EXPECT_EQ(key_heap_status().used, with_key);
  }
  EXPECT_EQ(key_heap_status().used, before);
}

// When the key heap is full a key does not decode, and the error says why; freeing keys makes
// room. A fresh process (threadsafe death test style) so that this test sets the heap up small.
TEST(CryptoDeathTest, AFullKeyHeapRefusesKeysWithAClearError) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        KeyHeapStatus st = init_key_heap(4u << 20);
        if (st.size != (4u << 20))
          _exit(2);
        Secret der = PrivateKey::generate(Algorithm::kRsaSha256).to_der();
        std::vector<PrivateKey> keys;
        std::string error;
        while (error.empty() && keys.size() < 100000) {
          try {
            keys.push_back(PrivateKey::from_der(Algorithm::kRsaSha256, der.bytes()));
          } catch (const Error& e) {
            error = e.what();
          }
        }
        fprintf(stderr, "%zu keys; %s\n", keys.size(), error.c_str());
        // 4 MiB / 896 bytes a key: about 4,680 RSA-2048 keys.
        if (keys.size() < 4000)
          _exit(3);
        keys.erase(keys.end() - 10, keys.end());
        PrivateKey again = PrivateKey::from_der(Algorithm::kRsaSha256, der.bytes());
        _exit(0);
      },
      ::testing::ExitedWithCode(0),
      "keys; no room for another private key in the key heap \\(4 MiB, [0-9]+ bytes in use\\): "
      "lower signet-key-cache-size");
}
