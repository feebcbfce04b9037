// SPDX-License-Identifier: GPL-2.0-or-later
//
// Migrating a signed zone in: `signetutil import-key` with real BIND key files. For every
// algorithm Signet signs with, BIND's dnssec-keygen makes a KSK and a ZSK; signetutil imports
// both into a secured zone, shows the very DNSKEYs of BIND's .key files (same key tags), signs
// with them, and BIND's dnssec-verify and ldns-verify-zone accept the signed zone. Damaged key
// files and key files that contradict themselves are refused with one line naming the file (and
// line), and change nothing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/tools.hh"

using namespace signet::test;

namespace {

const char* const kZone =
    "$ORIGIN example.com.\n"
    "$TTL 300\n"
    "@ SOA ns1 hostmaster 2024010101 7200 3600 1209600 300\n"
    "@ NS ns1\n"
    "ns1 A 192.0.2.1\n"
    "www A 192.0.2.80\n"
    "mail MX 10 ns1\n"
    "txt TXT \"imported keys sign this\"\n";

// A DNSKEY as "flags protocol algorithm base64" with the base64 in one piece.
struct Dnskey {
  std::string flags, protocol, algorithm, key;
  bool operator==(const Dnskey&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Dnskey& k) {
  return os << k.flags << " " << k.protocol << " " << k.algorithm << " " << k.key;
}

// The DNSKEY after the word DNSKEY in `line` (up to a ';' comment).
std::optional<Dnskey> dnskey_in(const std::string& line) {
  std::istringstream ss(line.substr(0, line.find(';')));
  std::string tok;
  while (ss >> tok && tok != "DNSKEY") {
  }
  Dnskey k;
  if (tok != "DNSKEY" || !(ss >> k.flags >> k.protocol >> k.algorithm))
    return std::nullopt;
  for (std::string part; ss >> part;)
    k.key += part;
  return k;
}

// The DNSKEY record of a BIND .key file.
Dnskey bind_dnskey(const std::string& key_file) {
  std::istringstream in(read_file(key_file));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != ';')
      if (auto k = dnskey_in(line))
        return *k;
  }
  ADD_FAILURE() << key_file << " holds no DNSKEY";
  return {};
}

// Key tags of the RRSIGs over `type` in a presentation-format zone.
std::vector<std::string> rrsig_tags(const std::string& zone_text, const std::string& type) {
  std::vector<std::string> tags;
  std::istringstream in(zone_text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream ss(line);
    std::string owner, ttl, cls, t, covered, alg, labels, orig, exp, inc, tag;
    ss >> owner >> ttl >> cls >> t;
    if (t != "RRSIG")
      continue;
    ss >> covered >> alg >> labels >> orig >> exp >> inc >> tag;
    if (covered == type)
      tags.push_back(tag);
  }
  return tags;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

class ImportKey : public ::testing::Test {
 protected:
  ImportKey() {
    write_file(dir.file("pdns.conf"), std::string(kOfflinePdnsConf) + "launch=signet\nsignet-path=" + dir.file("store") +
                                          "\nsignet-master-key-file=" + dir.file("master.key") +
                                          "\n");
  }
  RunResult cli(std::vector<std::string> args) {
    args.insert(args.begin(), {signetutil_path(), "--config-dir", dir.path()});
    return run(args, "", 300);
  }
  std::string ok(std::vector<std::string> args) {
    RunResult r = cli(args);
    std::string cmd;
    for (const auto& a : args)
      cmd += " " + a;
    EXPECT_EQ(r.status, 0) << "signetutil" << cmd << ": " << r.err << r.out;
    return r.out;
  }
  // A secured example.com under `policy`.
  void secure(const std::string& policy) {
    ok({"generate-master-key"});
    ok({"create-tenant", "acme"});
    write_file(dir.file("example.com.zone"), kZone);
    ok({"load-zone", "acme", "example.com", dir.file("example.com.zone")});
    ok({"secure-zone", "example.com", policy});
  }
  // One failing import: exit 1 and one line on stderr containing `needle`; the zone keeps its
  // keys.
  void expect_refused(const std::vector<std::string>& args, const std::string& needle) {
    std::string keys_before = ok({"export-key", "example.com"});
    RunResult r = cli(args);
    EXPECT_EQ(r.status, 1) << r.out << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr: " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "stderr: " << r.err;
    EXPECT_EQ(ok({"export-key", "example.com"}), keys_before) << "a refused import changed keys";
  }
  // A copy of a tests/data/bind file (real dnssec-keygen output) with `from` replaced by `to`.
  std::string fixture_copy(const std::string& name, const std::string& from = "",
                           const std::string& to = "") {
    std::string text = read_file(source_dir() + "/tests/data/bind/" + name);
    if (!from.empty()) {
      size_t p = text.find(from);
      EXPECT_NE(p, std::string::npos) << from;
      if (p != std::string::npos)
        text.replace(p, from.size(), to);
    }
    write_file(dir.file(name), text);
    return dir.file(name);
  }

  TempDir dir;
};

struct AlgorithmCase {
  const char* bind_name;  // dnssec-keygen -a
  const char* number;
  const char* policy;  // a built-in policy of the same algorithm, so every RRset is signed by it
};

void PrintTo(const AlgorithmCase& c, std::ostream* os) {
  *os << c.bind_name;
}

class ImportBindKey : public ImportKey, public ::testing::WithParamInterface<AlgorithmCase> {
 protected:
  // dnssec-keygen's key: the K<zone>+<alg>+<tag> base name in dir.
  std::string keygen(bool ksk) {
    std::vector<std::string> argv = {find_tool("dnssec-keygen"), "-q", "-a", GetParam().bind_name};
    if (std::string(GetParam().number) == "8")
      argv.insert(argv.end(), {"-b", "2048"});
    if (ksk)
      argv.insert(argv.end(), {"-f", "KSK"});
    argv.insert(argv.end(), {"-K", dir.path(), "example.com"});
    RunResult r = run(argv, "", 120);
    EXPECT_EQ(r.status, 0) << r.err;
    std::string base = r.out.substr(0, r.out.find('\n'));
    EXPECT_EQ(base.rfind("Kexample.com.+", 0), 0u) << r.out;
    return dir.file(base);
  }
  // "K<zone>+<alg>+<tag>": the tag as export-key prints it (no leading zeros).
  static std::string tag_of(const std::string& base) {
    return std::to_string(std::stoi(base.substr(base.size() - 5)));
  }
};

}  // namespace

TEST_P(ImportBindKey, SignsWithTheVeryKeysOfBindAndValidatorsAgree) {
  SIGNET_REQUIRE_TOOLS("dnssec-keygen", "dnssec-verify", "ldns-verify-zone");
  const AlgorithmCase& c = GetParam();
  secure(c.policy);
  std::string ksk = keygen(true), zsk = keygen(false);
  std::string ksk_tag = tag_of(ksk), zsk_tag = tag_of(zsk);

  // The role of the KSK comes from its .key file (flags 257); the ZSK's is given.
  EXPECT_NE(
      ok({"import-key", "example.com", ksk + ".private"}).find("imported key " + ksk_tag + " ("),
      std::string::npos);
  EXPECT_NE(ok({"import-key", "example.com", zsk + ".private", "zsk"})
                .find("imported key " + zsk_tag + " ("),
            std::string::npos);

  // export-key shows BIND's DNSKEYs, under BIND's key tags.
  for (const auto& [base, tag] : {std::pair{ksk, ksk_tag}, std::pair{zsk, zsk_tag}}) {
    std::string out = ok({"export-key", "example.com", tag});
    auto ours = dnskey_in(out);
    ASSERT_TRUE(ours) << out;
    EXPECT_EQ(*ours, bind_dnskey(base + ".key")) << out;
    EXPECT_NE(out.find("; tag " + tag + " "), std::string::npos) << out;
  }

  ok({"sign-zone", "example.com"});
  std::string signed_zone = ok({"list-zone", "--dnssec", "example.com"});
  // The imported keys sign: the ZSK the zone's data, the KSK the DNSKEY RRset.
  EXPECT_TRUE(contains(rrsig_tags(signed_zone, "SOA"), zsk_tag)) << signed_zone;
  EXPECT_TRUE(contains(rrsig_tags(signed_zone, "TXT"), zsk_tag)) << signed_zone;
  EXPECT_TRUE(contains(rrsig_tags(signed_zone, "DNSKEY"), ksk_tag)) << signed_zone;

  std::string file = dir.file("example.com.signed");
  write_file(file, signed_zone);
  RunResult bind = run({find_tool("dnssec-verify"), "-o", "example.com", file}, "", 300);
  EXPECT_EQ(bind.status, 0) << "dnssec-verify:\n" << bind.out << bind.err;
  RunResult ldns = run({find_tool("ldns-verify-zone"), file}, "", 300);
  EXPECT_EQ(ldns.status, 0) << "ldns-verify-zone:\n" << ldns.out << ldns.err;
}

INSTANTIATE_TEST_SUITE_P(Bind, ImportBindKey,
                         ::testing::Values(AlgorithmCase{"RSASHA256", "8", "rsasha256"},
                                           AlgorithmCase{"ECDSAP256SHA256", "13", "default"},
                                           AlgorithmCase{"ECDSAP384SHA384", "14",
                                                         "ecdsap384sha384"},
                                           AlgorithmCase{"ED25519", "15", "ed25519"},
                                           AlgorithmCase{"ED448", "16", "ed448"}),
                         [](const auto& info) { return std::string(info.param.bind_name); });

// ------------------------------------------------------------------ refusals
// These use the real BIND files of tests/data/bind and need no outside tool.

TEST_F(ImportKey, TruncatedFilesAreRefusedNamingFileAndLine) {
  secure("default");
  // Cut inside the PrivateKey's base64 (no .key beside the copy).
  std::string p = fixture_copy("Kexample.com.+013+26637.private",
                               "irP+rpR3ea44v6uS2Ti5V3Kc7abaMfpQ1ff2p6ShEAc=\n", "irP+rpR3e");
  expect_refused({"import-key", "example.com", p, "csk"},
                 "signetutil: " + p + ":3: field 'PrivateKey' is not base64");
  // An RSA file cut after its first lines.
  std::string rsa = read_file(source_dir() + "/tests/data/bind/Kexample.com.+008+27660.private");
  write_file(dir.file("Kcut.private"), rsa.substr(0, rsa.find("PrivateExponent:")));
  expect_refused({"import-key", "example.com", dir.file("Kcut.private"), "zsk"},
                 dir.file("Kcut.private") + ": missing field 'PrivateExponent'");
  // Not a key file at all.
  write_file(dir.file("Knot.private"), "this is not a key\n");
  expect_refused({"import-key", "example.com", dir.file("Knot.private"), "zsk"},
                 dir.file("Knot.private") + ":1: expected 'Field: value'");
}

TEST_F(ImportKey, AKeyThatIsNotTheAlgorithmItClaimsIsRefused) {
  secure("default");
  // "Algorithm: 14" over the P-256 scalar of a real ECDSAP256SHA256 key.
  std::string p = fixture_copy("Kexample.com.+013+26637.private", "Algorithm: 13 (ECDSAP256SHA256)",
                               "Algorithm: 14 (ECDSAP384SHA384)");
  expect_refused(
      {"import-key", "example.com", p, "ksk"},
      p + ":3: malformed ECDSAP384SHA384 private key (32 octets; ECDSAP384SHA384 has 48)");
  // The Ed25519 .private beside a .key that holds an ECDSAP256SHA256 DNSKEY.
  std::string ed = fixture_copy("Kexample.com.+015+51179.private");
  write_file(dir.file("Kexample.com.+015+51179.key"),
             read_file(source_dir() + "/tests/data/bind/Kexample.com.+013+26637.key"));
  expect_refused({"import-key", "example.com", ed},
                 dir.file("Kexample.com.+015+51179.key") +
                     ":5: DNSKEY algorithm 13 does not match algorithm 15 (ED25519) of " + ed);
}

TEST_F(ImportKey, RealBindFilesOfEveryAlgorithmImportWithTheirTags) {
  // No dnssec-keygen needed: the checked-in files. The zone signs with algorithm 13; a KSK or
  // ZSK of another algorithm would leave RRsets without that algorithm's signatures (RFC 4035
  // §2.2), so those are refused with their .key's role and go in as CSKs.
  secure("default");
  for (const char* base :
       {"Kexample.com.+008+27660", "Kexample.com.+013+26637", "Kexample.com.+014+30968",
        "Kexample.com.+015+51179", "Kexample.com.+016+07178"}) {
    std::string priv = fixture_copy(std::string(base) + ".private");
    fixture_copy(std::string(base) + ".key");
    std::string name(base);
    std::string tag = std::to_string(std::stoi(name.substr(name.size() - 5)));
    std::string alg = std::to_string(std::stoi(name.substr(name.size() - 9, 3)));
    Dnskey bind = bind_dnskey(dir.file(std::string(base) + ".key"));
    if (alg == "13") {
      ok({"import-key", "example.com", priv});
    } else {
      expect_refused({"import-key", "example.com", priv},
                     " of algorithm " + alg + " in the zone (RFC 4035 section 2.2");
      // As a CSK the DNSKEY gains the SEP flag (RFC 4034 §2.1.1), and with it a new tag.
      std::string out = ok({"import-key", "example.com", priv, "csk"});
      tag = out.substr(out.find("imported key ") + 13);
      tag = tag.substr(0, tag.find(' '));
      bind.flags = "257";
    }
    auto ours = dnskey_in(ok({"export-key", "example.com", tag}));
    ASSERT_TRUE(ours) << base;
    EXPECT_EQ(*ours, bind) << base;
  }
  ok({"sign-zone", "example.com"});
  ok({"verify-zone", "example.com"});
}

// The attack on validators RFC 4035 §2.2 rules out: a ZSK of an algorithm that signs no DNSKEY
// RRset (or a KSK of one that signs no data). Refused, and the zone's keys stay as they were.
TEST_F(ImportKey, AKeyOfAnAlgorithmWithoutItsPartnerIsRefused) {
  secure("default");
  std::string rsa = fixture_copy("Kexample.com.+008+27660.private");
  expect_refused({"import-key", "example.com", rsa, "zsk"},
                 "signetutil: zone example.com.: a zsk of algorithm 8 needs an active ksk or csk "
                 "of algorithm 8 in the zone (RFC 4035 section 2.2");
  expect_refused({"import-key", "example.com", rsa, "ksk"},
                 "signetutil: zone example.com.: a ksk of algorithm 8 needs an active zsk or csk "
                 "of algorithm 8 in the zone (RFC 4035 section 2.2");
  // A key of the zone's own algorithm has its partner already.
  ok({"import-key", "example.com", fixture_copy("Kexample.com.+013+26637.private"), "zsk"});
}
