// SPDX-License-Identifier: GPL-2.0-or-later
//
// BIND .private files. tests/data/bind holds real ones, written by BIND 9.18's dnssec-keygen
// (test keys, used nowhere else): one per algorithm Signet signs with, each beside its .key file.
// The key read from the .private must be the one in the .key: same public key, same key tag.
#include "signer/bind_key.hh"

#include <gtest/gtest.h>

#include <functional>
#include <sstream>

#include "signer/encoding.hh"
#include "signer/error.hh"
#include "tests/support/process.hh"
#include "tests/support/temp_dir.hh"

using namespace signet;
using signet::test::read_file;
using signet::test::source_dir;
using signet::test::TempDir;
using signet::test::write_file;

namespace {

struct Fixture {
  Algorithm alg;
  const char* base;  // K<zone>+<alg>+<tag>
  uint16_t tag;
  uint16_t flags;
};

const Fixture kFixtures[] = {
    {Algorithm::kRsaSha256, "Kexample.com.+008+27660", 27660, 256},
    {Algorithm::kEcdsaP256Sha256, "Kexample.com.+013+26637", 26637, 257},
    {Algorithm::kEcdsaP384Sha384, "Kexample.com.+014+30968", 30968, 256},
    {Algorithm::kEd25519, "Kexample.com.+015+51179", 51179, 256},
    {Algorithm::kEd448, "Kexample.com.+016+07178", 7178, 256},
};

std::string fixture(const std::string& name) {
  return source_dir() + "/tests/data/bind/" + name;
}

// The public key of the DNSKEY record in a .key file.
std::vector<uint8_t> dnskey_public_key(const std::string& key_file) {
  std::istringstream in(read_file(key_file));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == ';')
      continue;
    std::istringstream ss(line);
    std::string owner, cls, type, flags, proto, alg, part, b64;
    ss >> owner >> cls >> type >> flags >> proto >> alg;
    while (ss >> part)
      b64 += part;
    return from_base64(b64).value_or(std::vector<uint8_t>());
  }
  return {};
}

// InputError message of read_bind_private_key(path), or "" when it does not throw.
std::string refusal(const std::string& path) {
  try {
    read_bind_private_key(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

void PrintTo(const Fixture& f, std::ostream* os) {
  *os << f.base;
}

class BindFiles : public ::testing::TestWithParam<Fixture> {};

}  // namespace

TEST_P(BindFiles, ReadsTheKeyOfTheKeyFileWithItsFlagsAndTag) {
  const Fixture& f = GetParam();
  BindKey k = read_bind_private_key(fixture(std::string(f.base) + ".private"));
  EXPECT_EQ(k.key.algorithm(), f.alg);
  EXPECT_EQ(k.key.public_key(), dnskey_public_key(fixture(std::string(f.base) + ".key")));
  ASSERT_TRUE(k.flags);
  EXPECT_EQ(*k.flags, f.flags);
  EXPECT_EQ(key_tag(dnskey_rdata(*k.flags, f.alg, k.key.public_key())), f.tag);
  std::vector<uint8_t> data = {1, 2, 3};
  EXPECT_TRUE(verify(f.alg, k.key.public_key(), data, k.key.sign(data)));
}

TEST_P(BindFiles, TheImportedKeyLivesInTheKeyHeap) {
  const Fixture& f = GetParam();
  std::string path = fixture(std::string(f.base) + ".private");
  read_bind_private_key(path);  // sets the heap up, warms OpenSSL's caches
  size_t before = key_heap_status().used;
  {
    BindKey k = read_bind_private_key(path);
    // At least the private scalar / seed / exponent: 32 bytes for the smallest (Ed25519).
    EXPECT_GE(key_heap_status().used, before + 32);
  }
  EXPECT_EQ(key_heap_status().used, before) << "freed keys return their key heap";
}

TEST_P(BindFiles, AKeyFileOfAnotherKeyIsRefused) {
  const Fixture& f = GetParam();
  TempDir dir;
  // Same algorithm, another key: the .key of a fresh key of that algorithm.
  std::string priv = dir.file("Kx.private");
  write_file(priv, read_file(fixture(std::string(f.base) + ".private")));
  PrivateKey other = PrivateKey::generate(f.alg);
  write_file(dir.file("Kx.key"), "example.com. IN DNSKEY 256 3 " +
                                     std::to_string(algorithm_number(f.alg)) + " " +
                                     base64(other.public_key()) + "\n");
  std::string why = refusal(priv);
  EXPECT_NE(why.find(dir.file("Kx.key") + ":1: the DNSKEY public key does not match"),
            std::string::npos)
      << why;
}

INSTANTIATE_TEST_SUITE_P(Bind, BindFiles, ::testing::ValuesIn(kFixtures),
                         [](const auto& info) { return algorithm_name(info.param.alg); });

// ------------------------------------------------------------------ refusals

class BrokenBindFile : public ::testing::Test {
 protected:
  // A copy of a fixture's .private (no .key beside it) with `edit` applied to its text.
  std::string broken(const char* base, const std::function<void(std::string&)>& edit) {
    std::string text = read_file(fixture(std::string(base) + ".private"));
    edit(text);
    std::string path = dir.file(std::string(base) + ".private");
    write_file(path, text);
    return path;
  }
  static void replace(std::string& text, const std::string& from, const std::string& to) {
    size_t p = text.find(from);
    ASSERT_NE(p, std::string::npos) << from;
    text.replace(p, from.size(), to);
  }
  TempDir dir;
};

TEST_F(BrokenBindFile, TruncatedBase64NamesFileAndLine) {
  // The file ends inside the base64: at a 4-character boundary it decodes, to too few octets.
  std::string p = broken("Kexample.com.+013+26637",
                         [](std::string& t) { t = t.substr(0, t.find("PrivateKey: ") + 21); });
  EXPECT_EQ(refusal(p), p + ":3: field 'PrivateKey' is not base64");
  p = broken("Kexample.com.+013+26637",
             [](std::string& t) { t = t.substr(0, t.find("PrivateKey: ") + 20); });
  EXPECT_EQ(refusal(p),
            p + ":3: malformed ECDSAP256SHA256 private key (6 octets; ECDSAP256SHA256 has 32)");
}

TEST_F(BrokenBindFile, TruncatedRsaFileNamesTheMissingField) {
  std::string p =
      broken("Kexample.com.+008+27660", [](std::string& t) { t = t.substr(0, t.find("Prime2:")); });
  EXPECT_EQ(refusal(p), p + ": missing field 'Prime2'");
}

TEST_F(BrokenBindFile, EmptyFileIsRefused) {
  std::string p = broken("Kexample.com.+015+51179", [](std::string& t) { t.clear(); });
  EXPECT_EQ(refusal(p), p + ": missing field 'Private-key-format'");
}

TEST_F(BrokenBindFile, LineWithoutFieldNameIsRefusedWithItsNumber) {
  std::string p = broken("Kexample.com.+015+51179",
                         [](std::string& t) { replace(t, "Algorithm:", "Algorithm"); });
  EXPECT_EQ(refusal(p), p + ":2: expected 'Field: value'");
}

TEST_F(BrokenBindFile, WrongLengthForTheAlgorithmIsRefused) {
  // A P-384 scalar under "Algorithm: 13": the Algorithm line and the material disagree.
  std::string p = broken("Kexample.com.+014+30968", [](std::string& t) {
    replace(t, "Algorithm: 14 (ECDSAP384SHA384)", "Algorithm: 13 (ECDSAP256SHA256)");
  });
  EXPECT_EQ(refusal(p), p + ":3: malformed ECDSAP256SHA256 private key (48 octets; "
                            "ECDSAP256SHA256 has 32)");
  // An Ed25519 seed claimed to be Ed448.
  p = broken("Kexample.com.+015+51179", [](std::string& t) {
    replace(t, "Algorithm: 15 (ED25519)", "Algorithm: 16 (ED448)");
  });
  EXPECT_EQ(refusal(p), p + ":3: malformed ED448 private key (32 octets; ED448 has 57)");
  // RSA fields under an EC algorithm.
  p = broken("Kexample.com.+008+27660", [](std::string& t) {
    replace(t, "Algorithm: 8 (RSASHA256)", "Algorithm: 13 (ECDSAP256SHA256)");
  });
  EXPECT_EQ(refusal(p), p + ": missing field 'PrivateKey'");
}

TEST_F(BrokenBindFile, AlgorithmOfTheKeyFileMustMatch) {
  // The .private of an Ed25519 key beside the .key of the P-256 key.
  std::string p = dir.file("Kexample.com.+015+51179.private");
  write_file(p, read_file(fixture("Kexample.com.+015+51179.private")));
  write_file(dir.file("Kexample.com.+015+51179.key"),
             read_file(fixture("Kexample.com.+013+26637.key")));
  EXPECT_EQ(refusal(p), dir.file("Kexample.com.+015+51179.key") +
                            ":5: DNSKEY algorithm 13 does not match algorithm 15 (ED25519) of " +
                            p);
}

TEST_F(BrokenBindFile, UnsupportedAlgorithmsAndFormatsAreRefused) {
  std::string p = broken("Kexample.com.+008+27660", [](std::string& t) {
    replace(t, "Algorithm: 8 (RSASHA256)", "Algorithm: 5 (RSASHA1)");
  });
  EXPECT_EQ(refusal(p).rfind(p + ":2: unsupported DNSSEC algorithm 5", 0), 0u) << refusal(p);
  p = broken("Kexample.com.+013+26637", [](std::string& t) {
    replace(t, "Private-key-format: v1.3", "Private-key-format: v2.0");
  });
  EXPECT_EQ(refusal(p), p + ":1: unsupported Private-key-format 'v2.0'");
  p = broken("Kexample.com.+013+26637",
             [](std::string& t) { replace(t, "Algorithm: 13", "Algorithm: thirteen"); });
  EXPECT_EQ(refusal(p), p + ":2: bad Algorithm 'thirteen (ECDSAP256SHA256)'");
}

TEST_F(BrokenBindFile, RsaPartsThatDoNotBelongTogetherAreRefused) {
  // Another valid prime in place of Prime1: n is no longer p·q.
  std::string p = broken("Kexample.com.+008+27660", [](std::string& t) {
    std::string prime2 = t.substr(t.find("Prime2: ") + 8);
    prime2 = prime2.substr(0, prime2.find('\n'));
    size_t a = t.find("Prime1: ") + 8;
    t.replace(a, t.find('\n', a) - a, prime2);
  });
  EXPECT_EQ(refusal(p), p + ": malformed RSASHA256 private key (its parts do not belong together)");
}

TEST_F(BrokenBindFile, DuplicateFieldsAreRefused) {
  std::string p = broken("Kexample.com.+015+51179", [](std::string& t) {
    t += "PrivateKey: DtWjmdoG9YPonpveF9rPK26lQYfzeoWHCl4ELte+Zvk=\n";
  });
  std::string why = refusal(p);
  EXPECT_NE(why.find("field 'PrivateKey' appears twice (first on line 3)"), std::string::npos)
      << why;
}

TEST_F(BrokenBindFile, MissingFileAndDirectoryAreRefused) {
  EXPECT_EQ(refusal(dir.file("nope.private")).rfind(dir.file("nope.private") + ": cannot read", 0),
            0u);
  EXPECT_EQ(refusal(dir.path()), dir.path() + ": not a regular file");
}

TEST_F(BrokenBindFile, NoSecretIsEchoedInErrors) {
  std::string p = broken("Kexample.com.+013+26637", [](std::string& t) {
    replace(t, "PrivateKey: irP+rpR3ea44v6uS2Ti5V3Kc7abaMfpQ1ff2p6ShEAc=",
            "PrivateKey: irP+rpR3ea44v6uS2Ti5V3Kc7abaMfpQ1ff2p6ShEAc");
  });
  std::string why = refusal(p);
  EXPECT_FALSE(why.empty());
  EXPECT_EQ(why.find("irP+rpR3"), std::string::npos) << why;
}
