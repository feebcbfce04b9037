// SPDX-License-Identifier: GPL-2.0-or-later
//
// Private keys never reach LMDB unsealed (keystore/keyring.hh): after zones of every algorithm
// are secured, re-signed and re-keyed, the whole data.mdb file (live pages and freed ones) holds
// none of their private material, nor a tenant data key, nor the master key.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "keystore/dnssec.hh"
#include "keystore/keyring.hh"
#include "signer/crypto.hh"
#include "signer/policy.hh"
#include "tests/support/dnssec_fixture.hh"

using namespace signet;
using signet::test::DnssecStoreTest;

namespace {

// One secret byte string and what it is, for failure messages.
struct Material {
  std::string what;
  std::string bytes;
};

std::string as_string(std::span<const uint8_t> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

std::string bn_param(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (!EVP_PKEY_get_bn_param(pkey, name, &bn))
    throw std::runtime_error(std::string("OpenSSL: no ") + name);
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_clear_free(bn);
  return out;
}

// The private parts of `key` as OpenSSL holds them, read back from the DER Signet seals: the RSA
// private exponent, primes and CRT values; the EC private scalar; the EdDSA seed.
std::vector<Material> private_parts(const PrivateKey& key, const std::string& who) {
  Secret der = key.to_der();
  const unsigned char* p = der.data();
  EVP_PKEY* pkey = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size()));
  if (!pkey)
    throw std::runtime_error("OpenSSL cannot read the DER of " + who);
  std::vector<std::pair<std::string, std::string>> parts;
  switch (key.algorithm()) {
    case Algorithm::kRsaSha256:
      for (auto [label, param] : {std::pair{"d", OSSL_PKEY_PARAM_RSA_D},
                                  {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
                                  {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},
                                  {"d mod (p-1)", OSSL_PKEY_PARAM_RSA_EXPONENT1},
                                  {"d mod (q-1)", OSSL_PKEY_PARAM_RSA_EXPONENT2},
                                  {"q^-1 mod p", OSSL_PKEY_PARAM_RSA_COEFFICIENT1}})
        parts.emplace_back(label, bn_param(pkey, param));
      break;
    case Algorithm::kEcdsaP256Sha256:
    case Algorithm::kEcdsaP384Sha384:
      parts.emplace_back("private scalar", bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY));
      break;
    case Algorithm::kEd25519:
    case Algorithm::kEd448: {
      size_t len = 0;
      EVP_PKEY_get_raw_private_key(pkey, nullptr, &len);
      std::string seed(len, '\0');
      EVP_PKEY_get_raw_private_key(pkey, reinterpret_cast<unsigned char*>(seed.data()), &len);
      parts.emplace_back("seed", seed);
      break;
    }
  }
  EVP_PKEY_free(pkey);
  std::vector<Material> out;
  for (auto& [label, bytes] : parts)
    out.push_back({who + " " + label, std::move(bytes)});
  return out;
}

// Where any 16-byte piece of `secret` (taken every 16 bytes, and its last 16) occurs in `file`:
// a leak of 31 or more consecutive secret bytes contains one of them. "" when none does.
std::string leaked_piece(const std::string& file, const Material& secret) {
  const std::string& s = secret.bytes;
  if (s.size() < 16)
    return file.find(s) == std::string::npos ? "" : "all of it";
  for (size_t off = 0;; off += 16) {
    size_t at = std::min(off, s.size() - 16);
    size_t found = file.find(s.data() + at, 0, 16);
    if (found != std::string::npos)
      return "bytes " + std::to_string(at) + ".." + std::to_string(at + 15) + " at file offset " +
             std::to_string(found);
    if (at == s.size() - 16)
      return "";
  }
}

class SealingTest : public DnssecStoreTest {
 protected:
  void SetUp() override { DnssecStoreTest::SetUp(); }

  void secure(const std::string& apex, const std::string& policy) {
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n(apex));
    dnssec->signing().secure(txn, z, *builtin_policy(policy), 2);
    txn.commit();
  }

  // The private parts of every key the zone has now, and its tenant's data key.
  void remember_keys(const std::string& apex) {
    auto txn = store->begin_read();
    ZoneRecord z = portfolio->zone(txn, n(apex));
    Keyring ring(*store, *master);
    for (const auto& k : dnssec->keys().list(txn, z.id)) {
      PrivateKey key = ring.open_key(txn, z, k);
      std::string who =
          apex + " key " + std::to_string(k.tag) + " (" + algorithm_name(key.algorithm()) + ")";
      Secret der = key.to_der();
      whole.push_back({who + " DER", as_string(der.bytes())});
      for (auto& m : private_parts(key, who))
        pieces.push_back(std::move(m));
      publics.push_back({who + " public key", as_string(key.public_key())});
    }
    Secret tk = ring.tenant_key(txn, z.tenant_id);
    pieces.push_back({apex + "'s tenant data key", as_string(tk.bytes())});
  }

  std::vector<Material> whole;    // must not appear in full (the DER holds public parts too)
  std::vector<Material> pieces;   // no 16-byte piece may appear
  std::vector<Material> publics;  // the control: these are in the store, in the clear
};

}  // namespace

TEST_F(SealingTest, TheStoreFileHoldsNoPrivateKeyDataKeyOrMasterKeyBytes) {
  const std::vector<std::pair<std::string, std::string>> zones = {
      {"rsa.example.", "rsasha256"},         // 8, KSK + ZSK
      {"p256.example.", "default"},          // 13
      {"p384.example.", "ecdsap384sha384"},  // 14
      {"ed25519.example.", "ed25519"},       // 15
      {"ed448.example.", "ed448"},           // 16
  };
  for (const auto& [apex, policy] : zones) {
    make_zone("tenant-" + policy, apex);
    edit(apex, [&](ZoneWriter& w) {
      w.add(n("www." + apex), rrtype::A, 300, rd(rrtype::A, "192.0.2.80"));
    });
    secure(apex, policy);
    edit(apex, [&](ZoneWriter& w) {  // re-signing after an edit
      w.add(n("mail." + apex), rrtype::A, 300, rd(rrtype::A, "192.0.2.25"));
    });
    remember_keys(apex);
  }
  // Keys that were deleted (unsecure) and new ones (secure again): freed pages count too.
  {
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("p256.example."));
    dnssec->signing().unsecure(txn, z);
    txn.commit();
  }
  secure("p256.example.", "default");
  remember_keys("p256.example.");
  pieces.push_back({"the master key", as_string(master->key().bytes())});
  ASSERT_EQ(whole.size(), 7u);  // RSA KSK + ZSK, four CSKs, the second P-256 CSK

  dnssec.reset();
  portfolio.reset();
  store.reset();  // closed: everything is on disk
  std::ifstream in(dir.file("data.mdb"), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string file = ss.str();
  ASSERT_GT(file.size(), 4096u);

  // The control: the scan sees what the store does keep in the clear (DNSKEY public keys).
  for (const auto& m : publics)
    EXPECT_NE(file.find(m.bytes), std::string::npos) << m.what << " not found in data.mdb";
  for (const auto& m : whole)
    EXPECT_EQ(file.find(m.bytes), std::string::npos) << m.what << " is in data.mdb";
  for (const auto& m : pieces) {
    EXPECT_GE(m.bytes.size(), 28u) << m.what;  // P-256 scalars may lose a leading zero byte
    std::string leak = leaked_piece(file, m);
    EXPECT_EQ(leak, "") << m.what << " leaked into data.mdb: " << leak;
  }
}
