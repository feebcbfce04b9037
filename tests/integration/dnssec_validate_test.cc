// SPDX-License-Identifier: GPL-2.0-or-later
//
// Signet's signed zones as independent DNSSEC validators see them. A real pdns_server serves
// tests/data/dnssec.zone from the store (PRESIGNED: Signet's keys, signatures and chain, pdns'
// NSEC/NSEC3 synthesis), and then:
//
//  * the AXFR passes ldns-verify-zone, BIND's dnssec-verify and Knot's kzonecheck, for every
//    built-in policy, with NSEC3 and with NSEC;
//  * a validating Unbound that trusts only the zone's DS (stub zone on loopback) answers every
//    kind of question with AD=1 over UDP and TCP, and BIND's delv (talking to pdns directly)
//    reports "fully validated";
//  * that stays so after record edits (signetutil replace-rrset, add-record, delete-rrset) and
//    after a change of the NSEC3 parameters, all made while pdns_server runs.
//
// Everything listens on 127.0.0.1 and free ports; every process is stopped when its test ends.
// pdns runs with its caches off so each answer reflects the store at that moment.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <thread>
#include <tuple>

#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/tools.hh"
#include "tests/support/unbound.hh"

using signet::test::find_tool;
using signet::test::free_port;
using signet::test::PdnsServer;
using signet::test::PdnsServerOptions;
using signet::test::Process;
using signet::test::read_file;
using signet::test::run;
using signet::test::RunResult;
using signet::test::signetutil_path;
using signet::test::source_dir;
using signet::test::TempDir;
using signet::test::Unbound;
using signet::test::write_file;

namespace {

const char* const kZone = "example.com";

// ------------------------------------------------------------------ outside tools

// The tool's path; fails the test (and returns "") when it is not installed.
std::string tool(const std::string& name) {
  std::string p = find_tool(name);
  EXPECT_FALSE(p.empty()) << name << " is not installed (scripts/setup installs it)";
  return p;
}

// One dig answer, parsed from dig's default output.
struct Answer {
  std::string status;               // NOERROR, NXDOMAIN, SERVFAIL... ("" when no answer came)
  std::vector<std::string> flags;   // qr, aa, rd, ra, ad...
  std::vector<std::string> answer;  // the ANSWER section, one record a line
  std::vector<std::string> authority;
  std::string text;  // dig's whole output, for failure messages

  bool has_flag(const std::string& f) const {
    return std::find(flags.begin(), flags.end(), f) != flags.end();
  }
  bool ad() const { return has_flag("ad"); }
  // Whether a record of `type` (with `needle` in its RDATA, if given) is in the section.
  static bool has(const std::vector<std::string>& section, const std::string& type,
                  const std::string& needle = "") {
    for (const auto& rr : section) {
      std::istringstream ss(rr);
      std::string owner, ttl, cls, t;
      ss >> owner >> ttl >> cls >> t;
      std::string rdata;
      std::getline(ss, rdata);
      if (t == type && rdata.find(needle) != std::string::npos)
        return true;
    }
    return false;
  }
  // Whether an RRSIG covering `type` is in the section.
  static bool signed_type(const std::vector<std::string>& section, const std::string& type) {
    for (const auto& rr : section) {
      std::istringstream ss(rr);
      std::string owner, ttl, cls, t, covered;
      ss >> owner >> ttl >> cls >> t >> covered;
      if (t == "RRSIG" && covered == type)
        return true;
    }
    return false;
  }
};

Answer parse_dig(const std::string& out) {
  Answer a;
  a.text = out;
  std::istringstream in(out);
  std::vector<std::string>* section = nullptr;
  for (std::string line; std::getline(in, line);) {
    if (auto p = line.find("status: "); p != std::string::npos) {
      auto e = line.find(',', p);
      a.status = line.substr(p + 8, e == std::string::npos ? std::string::npos : e - p - 8);
    } else if (line.rfind(";; flags:", 0) == 0) {
      std::istringstream fs(line.substr(9, line.find(';', 9) - 9));
      for (std::string f; fs >> f;)
        a.flags.push_back(f);
    } else if (line == ";; ANSWER SECTION:") {
      section = &a.answer;
    } else if (line == ";; AUTHORITY SECTION:") {
      section = &a.authority;
    } else if (line.empty() || line[0] == ';') {
      section = nullptr;
    } else if (section) {
      section->push_back(line);
    }
  }
  return a;
}

Answer dig(int port, const std::string& name, const std::string& type, bool tcp,
           bool recursion = true) {
  std::vector<std::string> args = {tool("dig"), "@127.0.0.1", "-p",       std::to_string(port),
                                   "+dnssec",   "+time=5",    "+tries=2", "+nocookie",
                                   name,        type};
  if (tcp)
    args.push_back("+tcp");
  if (!recursion)
    args.push_back("+norec");
  RunResult r = run(args, "", 60);
  return parse_dig(r.out + r.err);
}

// One record line as dig prints it, with the RDATA's white space normalised.
struct Rr {
  std::string owner, type, rdata;
};
Rr parse_rr(const std::string& line) {
  std::istringstream ss(line);
  std::string ttl, cls;
  Rr rr;
  ss >> rr.owner >> ttl >> cls >> rr.type;
  for (std::string w; ss >> w;)
    rr.rdata += (rr.rdata.empty() ? "" : " ") + w;
  for (char& ch : rr.owner)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return rr;
}
bool has_word(const std::string& text, const std::string& word) {
  std::istringstream ss(text);
  for (std::string w; ss >> w;)
    if (w == word)
      return true;
  return false;
}

// ------------------------------------------------------------------ a signed zone, served

enum class Denial { kNsec3, kNsec };

std::string denial_name(Denial d) {
  return d == Denial::kNsec3 ? "NSEC3" : "NSEC";
}
void PrintTo(Denial d, std::ostream* os) {
  *os << denial_name(d);
}

// pdns_server with Signet, the zone loaded from tests/data/dnssec.zone and secured. pdns' caches
// are off so every answer reflects the store as signetutil left it.
class SignedZone {
 public:
  SignedZone() : server_(dir_.path(), options(dir_)) {}

  static PdnsServerOptions options(const TempDir& dir) {
    PdnsServerOptions o;
    o.zone_cache = false;
    o.settings = {
        {"signet-master-key-file", dir.file("master.key")},
        {"allow-axfr-ips", "127.0.0.0/8"},
        {"zone-metadata-cache-ttl", "0"},
        {"query-cache-ttl", "0"},
        {"negquery-cache-ttl", "0"},
        {"cache-ttl", "0"},
    };
    return o;
  }

  RunResult signetutil(std::vector<std::string> args) {
    args.insert(args.begin(), {signetutil_path(), "--config-dir", dir_.path()});
    return run(args, "", 300);
  }
  // Runs signetutil and expects success; returns its output.
  std::string ok(const std::vector<std::string>& args) {
    RunResult r = signetutil(args);
    std::string cmd;
    for (const auto& a : args)
      cmd += " " + a;
    EXPECT_EQ(r.status, 0) << "signetutil" << cmd << " failed: " << r.err << r.out;
    return r.out;
  }

  // Loads and secures the zone with `policy`, then switches to `denial` (set-nsec3 / unset-nsec3
  // after securing, so both denial modes are reached the way an operator reaches them).
  void create(const std::string& policy, Denial denial) {
    ok({"generate-master-key"});
    ok({"create-tenant", "acme"});
    ok({"load-zone", "acme", kZone, source_dir() + "/tests/data/dnssec.zone"});
    secure_output_ = ok({"secure-zone", kZone, policy});
    if (denial == Denial::kNsec3)
      ok({"set-nsec3", kZone, "1 0 0 -"});
    else
      ok({"unset-nsec3", kZone});
  }

  // True when the zone is signed by one combined key (secure-zone lists its roles).
  bool single_csk() const { return secure_output_.find(" csk\n") != std::string::npos; }

  // "<tag> <alg> <digest type> <hex>" of the zone's first DS.
  std::string ds() {
    std::string out = ok({"export-ds", kZone});
    std::string line = out.substr(0, out.find('\n'));
    auto p = line.find("\tDS\t");
    EXPECT_NE(p, std::string::npos) << "export-ds printed: " << out;
    return p == std::string::npos ? "" : line.substr(p + 4);
  }

  void start() { server_.start(); }
  int port() const { return server_.port(); }
  std::string log() const { return server_.log(); }
  const TempDir& dir() const { return dir_; }

  // The zone as pdns transfers it (AXFR), without the closing SOA, in a file; "" on failure.
  std::string axfr_file(const std::string& name) {
    RunResult r = run({tool("dig"), "@127.0.0.1", "-p", std::to_string(port()), kZone, "AXFR",
                       "+nocmd", "+nostats", "+noall", "+answer", "+time=10"},
                      "", 120);
    EXPECT_EQ(r.status, 0) << r.err;
    std::vector<std::string> lines;
    std::istringstream in(r.out);
    for (std::string l; std::getline(in, l);)
      if (!l.empty() && l[0] != ';')
        lines.push_back(l);
    auto is_soa = [](const std::string& l) { return l.find("\tSOA\t") != std::string::npos; };
    if (lines.size() < 2 || !is_soa(lines.front()) || !is_soa(lines.back())) {
      ADD_FAILURE() << "AXFR of " << kZone << " failed:\n" << r.out << r.err;
      return "";
    }
    lines.pop_back();  // AXFR ends with the SOA again
    std::string text;
    for (const auto& l : lines)
      text += l + "\n";
    write_file(dir_.file(name), text);
    return dir_.file(name);
  }

 private:
  TempDir dir_;
  PdnsServer server_;
  std::string secure_output_;
};

// The RDATA of the records of `type` in a zone file as dig prints it.
std::vector<std::string> rdatas(const std::string& zone_text, const std::string& type) {
  std::vector<std::string> out;
  std::istringstream in(zone_text);
  for (std::string l; std::getline(in, l);) {
    std::istringstream ss(l);
    std::string owner, ttl, cls, t, rdata;
    ss >> owner >> ttl >> cls >> t >> std::ws;
    std::getline(ss, rdata);
    if (t == type)
      out.push_back(rdata);
  }
  return out;
}
size_t count_type(const std::string& zone_text, const std::string& type) {
  return rdatas(zone_text, type).size();
}

// Runs the three validators on a zone file; each must accept it (exit 0).
void expect_validators_accept(const std::string& file, bool single_csk) {
  ASSERT_FALSE(file.empty());
  RunResult ldns = run({tool("ldns-verify-zone"), file}, "", 300);
  EXPECT_EQ(ldns.status, 0) << "ldns-verify-zone " << file << ":\n" << ldns.out << ldns.err;

  std::vector<std::string> dv = {tool("dnssec-verify"), "-o", kZone};
  if (single_csk)
    dv.push_back("-z");  // the single key has the SEP flag and signs everything
  dv.push_back(file);
  RunResult bind = run(dv, "", 300);
  EXPECT_EQ(bind.status, 0) << "dnssec-verify " << file << ":\n" << bind.out << bind.err;

  RunResult knot = run({tool("kzonecheck"), "-o", kZone, "-d", "on", file}, "", 300);
  EXPECT_EQ(knot.status, 0) << "kzonecheck " << file << ":\n" << knot.out << knot.err;
}

// ------------------------------------------------------------------ validating resolvers

// A validating Unbound on 127.0.0.1 that trusts only `ds` for example.com and asks pdns (a stub
// zone) for it. Stopped when the object goes away.
// One question and what a validator must conclude.
struct Case {
  const char* what;
  const char* name;  // relative to example.com ("" = the apex)
  const char* type;
  const char* rcode;
  // For answers: a record the ANSWER section must hold ("TYPE" or "TYPE needle"); nullptr for
  // negative answers, whose ANSWER section must hold no record of the asked type.
  const char* expect;
};

std::string fqdn(const char* rel) {
  return *rel ? std::string(rel) + "." + kZone + "." : std::string(kZone) + ".";
}

// Positive answers: data, wildcard expansion, DS of the secure delegation, CNAMEs.
const std::vector<Case> kPositive = {
    {"positive answer", "host", "A", "NOERROR", "A 192.0.2.80"},
    {"apex MX", "", "MX", "NOERROR", "MX 10 mail.example.com."},
    {"apex DNSKEY", "", "DNSKEY", "NOERROR", "DNSKEY"},
    {"mixed-case owner", "mixed", "TXT", "NOERROR", "TXT mixed case owner"},
    {"mixed-case owner asked in other case", "mIxEd", "A", "NOERROR", "A 192.0.2.11"},
    {"large RRset (TC over UDP, then TCP)", "big", "A", "NOERROR", "A 198.51.100.45"},
    {"SRV", "_sip._tcp", "SRV", "NOERROR", "SRV 5060"},
    {"NAPTR", "naptr", "NAPTR", "NOERROR", "NAPTR"},
    {"CAA", "caa", "CAA", "NOERROR", "CAA"},
    {"SSHFP", "ssh", "SSHFP", "NOERROR", "SSHFP"},
    {"TLSA", "_443._tcp.host", "TLSA", "NOERROR", "TLSA"},
    {"PTR", "1.2.0.192", "PTR", "NOERROR", "PTR host.example.com."},
    {"HINFO", "hw", "HINFO", "NOERROR", "HINFO"},
    {"wildcard-expanded answer", "foo.wild", "A", "NOERROR", "A 192.0.2.200"},
    {"wildcard-expanded TXT", "foo.wild", "TXT", "NOERROR", "TXT wildcard text"},
    {"wildcard expanded over two labels", "a.b.wild", "A", "NOERROR", "A 192.0.2.200"},
    {"explicit name beside the wildcard", "exists.wild", "A", "NOERROR", "A 192.0.2.201"},
    {"explicit name below the wildcard's parent", "deep.exists.wild", "A", "NOERROR",
     "A 192.0.2.202"},
    {"DS at the secure delegation", "sub", "DS", "NOERROR", "DS 12345 13 2"},
    {"CNAME chain", "www", "A", "NOERROR", "A 192.0.2.80"},
    {"CNAME to a wildcard-matched name", "towild", "A", "NOERROR", "A 192.0.2.200"},
};

// Denial of existence whose proof lies below the apex (closest encloser and wildcard proof are
// not the apex's NSEC/NSEC3).
const std::vector<Case> kDenialBelowApex = {
    {"NXDOMAIN below a name", "nothere.host", "A", "NXDOMAIN", nullptr},
    {"NXDOMAIN below the wildcard's sibling", "x.exists.wild", "A", "NXDOMAIN", nullptr},
    {"NODATA", "host", "MX", "NOERROR", nullptr},
    {"wildcard NODATA", "foo.wild", "MX", "NOERROR", nullptr},
    {"DS at the insecure delegation (NODATA proof)", "insecure", "DS", "NOERROR", nullptr},
    {"ENT (NODATA)", "b.ent", "A", "NOERROR", nullptr},
    {"ENT one level up (NODATA)", "ent", "A", "NOERROR", nullptr},
};

// Denial of existence that needs the apex's NSEC/NSEC3 (its type bitmap): a name right below the
// apex (closest encloser, and *.example.com) and NODATA at the apex.
const std::vector<Case> kDenialAtApex = {
    {"NXDOMAIN right below the apex", "nothere", "A", "NXDOMAIN", nullptr},
    {"NODATA at the apex", "", "SRV", "NOERROR", nullptr},
};

// Checks one case against the validating resolver at `port`.
void expect_secure(int port, const Case& c, bool tcp) {
  std::string name = fqdn(c.name);
  Answer a = dig(port, name, c.type, tcp);
  std::vector<std::string> wrong;
  if (a.status != c.rcode)
    wrong.push_back("status " + (a.status.empty() ? "(no answer)" : a.status) + ", expected " +
                    c.rcode);
  if (!a.ad())
    wrong.push_back("no AD flag");
  if (c.expect) {
    std::string e = c.expect;
    auto sp = e.find(' ');
    std::string needle = sp == std::string::npos ? "" : e.substr(sp + 1);
    if (!Answer::has(a.answer, e.substr(0, sp), needle))
      wrong.push_back(std::string("no ") + c.expect + " in the answer");
  } else if (Answer::has(a.answer, c.type)) {
    wrong.push_back(std::string("a ") + c.type + " record in a negative answer");
  }
  if (!wrong.empty()) {
    std::string why;
    for (const auto& w : wrong)
      why += (why.empty() ? "" : "; ") + w;
    ADD_FAILURE() << c.what << ": unbound, " << name << " " << c.type
                  << (tcp ? " over TCP" : " over UDP") << ": " << why << "\n"
                  << a.text;
  }
}

// BIND's delv asking pdns directly, with the DS as its only trust anchor.
void expect_delv_validates(const std::string& anchors, int pdns_port, const Case& c) {
  std::string name = fqdn(c.name);
  RunResult r = run({tool("delv"), "@127.0.0.1", "-p", std::to_string(pdns_port), "-a", anchors,
                     std::string("+root=") + kZone, name, c.type},
                    "", 60);
  std::string out = r.out + r.err;
  std::string expected = c.expect ? "; fully validated" : "; negative response, fully validated";
  bool found = false;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);)
    found = found || l == expected;
  EXPECT_TRUE(found) << c.what << ": delv " << name << " " << c.type << " did not print '"
                     << expected << "':\n"
                     << out;
}

std::string write_delv_anchors(const TempDir& dir, const std::string& ds) {
  std::istringstream ss(ds);
  std::string tag, alg, digest_type, hex;
  ss >> tag >> alg >> digest_type >> hex;
  std::string path = dir.file("anchors.conf");
  write_file(path, std::string("trust-anchors { ") + kZone + ". static-ds " + tag + " " + alg +
                       " " + digest_type + " \"" + hex + "\"; };\n");
  return path;
}

// Every case through a fresh Unbound (UDP and TCP) and through delv; the resolver's log (with
// its validation failures, val-log-level 2) is printed when anything failed.
void expect_all_secure(SignedZone& zone, const std::vector<Case>& cases,
                       const std::string& unbound_dir) {
  std::string ds = zone.ds();
  Unbound unbound(unbound_dir, {std::string(kZone) + ". DS " + ds, {{kZone, zone.port()}}, {}});
  std::string anchors = write_delv_anchors(zone.dir(), ds);
  auto failures = [] {
    return ::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count();
  };
  const int failures_before = failures();
  for (const auto& c : cases) {
    expect_secure(unbound.port(), c, /*tcp=*/false);
    expect_secure(unbound.port(), c, /*tcp=*/true);
    expect_delv_validates(anchors, zone.port(), c);
  }
  if (failures() > failures_before) {
    // Unbound's reasons (val-log-level 2 logs one line per validation failure).
    std::string reasons;
    std::istringstream in(unbound.log());
    for (std::string l; std::getline(in, l);)
      if (l.find("validation failure") != std::string::npos && reasons.size() < 20000)
        reasons += l + "\n";
    ADD_FAILURE() << "(context for the failures above) unbound's validation failures:\n"
                  << (reasons.empty() ? "(none logged)\n" : reasons);
  }
}

int unbound_counter = 0;
std::string next_unbound_dir(const SignedZone& zone) {
  return zone.dir().file("unbound-" + std::to_string(++unbound_counter));
}

}  // namespace

// ------------------------------------------------------------------ 1. zone validators

class SignedZoneAxfrTest : public ::testing::TestWithParam<std::tuple<std::string, Denial>> {};

TEST_P(SignedZoneAxfrTest, AxfrPassesLdnsVerifyZoneDnssecVerifyAndKzonecheck) {
  SIGNET_REQUIRE_TOOLS("dig", "ldns-verify-zone", "dnssec-verify", "kzonecheck");
  const auto& [policy, denial] = GetParam();
  SignedZone zone;
  zone.create(policy, denial);
  EXPECT_EQ(zone.signetutil({"verify-zone", kZone}).status, 0);
  zone.start();
  std::string file = zone.axfr_file("axfr.zone");
  ASSERT_FALSE(file.empty());
  std::string text = read_file(file);
  // The transfer is in the denial mode asked for, and signed.
  if (denial == Denial::kNsec3) {
    EXPECT_GT(count_type(text, "NSEC3"), 20u) << text;
    EXPECT_EQ(count_type(text, "NSEC3PARAM"), 1u);
    EXPECT_EQ(count_type(text, "NSEC"), 0u);
  } else {
    EXPECT_GT(count_type(text, "NSEC"), 20u) << text;
    EXPECT_EQ(count_type(text, "NSEC3"), 0u);
    EXPECT_EQ(count_type(text, "NSEC3PARAM"), 0u);
  }
  EXPECT_GT(count_type(text, "RRSIG"), 50u);
  EXPECT_GE(count_type(text, "DNSKEY"), 1u);
  expect_validators_accept(file, zone.single_csk());
}

INSTANTIATE_TEST_SUITE_P(EveryPolicyAndDenial, SignedZoneAxfrTest,
                         ::testing::Combine(::testing::Values("default", "default-nsec", "ksk-zsk",
                                                              "rsasha256", "ecdsap384sha384",
                                                              "ed25519", "ed448"),
                                            ::testing::Values(Denial::kNsec3, Denial::kNsec)),
                         [](const auto& info) {
                           std::string name =
                               std::get<0>(info.param) + "_" + denial_name(std::get<1>(info.param));
                           for (char& ch : name)
                             if (ch == '-')
                               ch = '_';
                           return name;
                         });

// ------------------------------------------------------------------ 2. validating resolvers

class ValidatingResolverTest : public ::testing::TestWithParam<Denial> {
 protected:
  void SetUp() override {
    SIGNET_REQUIRE_TOOLS("dig", "unbound", "delv");
    zone.create("default", GetParam());
    zone.start();
  }
  SignedZone zone;
};

TEST_P(ValidatingResolverTest, PositiveWildcardDsAndCnameAnswersAreSecureOverUdpAndTcp) {
  expect_all_secure(zone, kPositive, next_unbound_dir(zone));
}

TEST_P(ValidatingResolverTest, NxdomainNodataWildcardNodataInsecureDsAndEntAreProvenSecure) {
  expect_all_secure(zone, kDenialBelowApex, next_unbound_dir(zone));
}

TEST_P(ValidatingResolverTest, DenialProvenByTheApexNsecRecordIsSecure) {
  expect_all_secure(zone, kDenialAtApex, next_unbound_dir(zone));
}

// The apex's NSEC/NSEC3 as pdns puts it into negative answers must be the record that was signed
// (the one in the AXFR): same owner, same next name, same type bitmap.
TEST_P(ValidatingResolverTest, NegativeAnswersCarryTheApexChainRecordThatWasSigned) {
  std::string chain = GetParam() == Denial::kNsec3 ? "NSEC3" : "NSEC";
  std::string file = zone.axfr_file("axfr.zone");
  ASSERT_FALSE(file.empty());
  // In the AXFR: the chain record of the apex (NSEC: owned by it; NSEC3: the one with SOA set).
  std::string signed_rr;
  std::istringstream in(read_file(file));
  for (std::string l; std::getline(in, l);) {
    Rr rr = parse_rr(l);
    if (rr.type == chain &&
        (GetParam() == Denial::kNsec3 ? has_word(rr.rdata, "SOA") : rr.owner == fqdn("")))
      signed_rr = rr.owner + " " + rr.rdata;
  }
  ASSERT_FALSE(signed_rr.empty()) << "no apex " << chain << " in the AXFR";
  for (const Case& c : kDenialAtApex) {
    Answer a = dig(zone.port(), fqdn(c.name), c.type, false, false);
    std::vector<std::string> served;
    for (const auto& l : a.authority) {
      Rr rr = parse_rr(l);
      if (rr.type == chain && rr.owner == signed_rr.substr(0, signed_rr.find(' ')))
        served.push_back(rr.owner + " " + rr.rdata);
    }
    EXPECT_EQ(served, std::vector<std::string>{signed_rr})
        << c.what << ": pdns' answer to " << fqdn(c.name) << " " << c.type
        << " (no recursion, straight from pdns):\n"
        << a.text;
  }
}

INSTANTIATE_TEST_SUITE_P(BothDenials, ValidatingResolverTest,
                         ::testing::Values(Denial::kNsec3, Denial::kNsec),
                         [](const auto& info) { return denial_name(info.param); });

// ------------------------------------------------------------------ 3. edits while serving

class ZoneEditTest : public ::testing::TestWithParam<Denial> {};

TEST_P(ZoneEditTest, ReplacedAddedAndDeletedRecordsAreServedSecureAndTheZoneStaysValid) {
  SIGNET_REQUIRE_TOOLS("dig", "unbound", "delv", "ldns-verify-zone", "dnssec-verify", "kzonecheck");
  SignedZone zone;
  zone.create("default", GetParam());
  zone.start();
  std::string ds = zone.ds();
  const Case before = {"before the edit", "host", "A", "NOERROR", "A 192.0.2.80"};
  {
    Unbound unbound(next_unbound_dir(zone),
                    {std::string(kZone) + ". DS " + ds, {{kZone, zone.port()}}, {}});
    expect_secure(unbound.port(), before, false);
  }

  // Edits while pdns_server runs (each its own transaction, re-signed inside it).
  zone.ok({"replace-rrset", kZone, "host", "A", "300", "192.0.2.99", "192.0.2.98"});
  zone.ok({"add-record", kZone, "added", "A", "300", "192.0.2.123"});
  zone.ok({"delete-rrset", kZone, "deep.exists.wild", "A"});
  EXPECT_EQ(zone.signetutil({"verify-zone", kZone}).status, 0);

  const std::vector<Case> after = {
      {"replaced RRset", "host", "A", "NOERROR", "A 192.0.2.99"},
      {"added name", "added", "A", "NOERROR", "A 192.0.2.123"},
      {"deleted name", "deep.exists.wild", "A", "NXDOMAIN", nullptr},
      {"untouched name", "mail", "A", "NOERROR", "A 192.0.2.25"},
  };
  // Straight from pdns: the new data, with its signature; the deleted name's denial signed too.
  Answer host = dig(zone.port(), fqdn("host"), "A", false, false);
  EXPECT_EQ(host.status, "NOERROR") << host.text;
  EXPECT_TRUE(Answer::has(host.answer, "A", "192.0.2.99")) << host.text;
  EXPECT_TRUE(Answer::has(host.answer, "A", "192.0.2.98")) << host.text;
  EXPECT_FALSE(Answer::has(host.answer, "A", "192.0.2.80")) << host.text;
  EXPECT_TRUE(Answer::signed_type(host.answer, "A")) << host.text;
  Answer added = dig(zone.port(), fqdn("added"), "A", false, false);
  EXPECT_TRUE(Answer::has(added.answer, "A", "192.0.2.123")) << added.text;
  EXPECT_TRUE(Answer::signed_type(added.answer, "A")) << added.text;
  Answer gone = dig(zone.port(), fqdn("deep.exists.wild"), "A", false, false);
  EXPECT_EQ(gone.status, "NXDOMAIN") << gone.text;
  std::string chain = GetParam() == Denial::kNsec3 ? "NSEC3" : "NSEC";
  EXPECT_TRUE(Answer::has(gone.authority, chain)) << gone.text;
  EXPECT_TRUE(Answer::signed_type(gone.authority, chain)) << gone.text;
  if (GetParam() == Denial::kNsec3) {
    // Every edit changes the SOA serial, so the apex is re-signed: NSEC3PARAM too.
    Answer param = dig(zone.port(), fqdn(""), "NSEC3PARAM", false, false);
    EXPECT_TRUE(Answer::has(param.answer, "NSEC3PARAM", "1 0 0 -")) << param.text;
    EXPECT_TRUE(Answer::signed_type(param.answer, "NSEC3PARAM"))
        << "NSEC3PARAM is served without its RRSIG after the edits:\n"
        << param.text;
  }

  // A fresh validating resolver, and delv against pdns.
  expect_all_secure(zone, after, next_unbound_dir(zone));

  expect_validators_accept(zone.axfr_file("after-edits.zone"), zone.single_csk());
}

INSTANTIATE_TEST_SUITE_P(BothDenials, ZoneEditTest,
                         ::testing::Values(Denial::kNsec3, Denial::kNsec),
                         [](const auto& info) { return denial_name(info.param); });

// ------------------------------------------------------------------ 4. NSEC3 parameters

TEST(Nsec3ParamsTest, ChangingTheSaltKeepsAnswersSecureAndTheZoneValid) {
  SIGNET_REQUIRE_TOOLS("dig", "unbound", "delv", "ldns-verify-zone", "dnssec-verify", "kzonecheck");
  SignedZone zone;
  zone.create("default", Denial::kNsec3);
  zone.start();
  {
    Answer p = dig(zone.port(), fqdn(""), "NSEC3PARAM", false, false);
    EXPECT_TRUE(Answer::has(p.answer, "NSEC3PARAM", "1 0 0 -")) << p.text;
  }

  zone.ok({"set-nsec3", kZone, "1 0 0 aabbccdd"});
  Answer p = dig(zone.port(), fqdn(""), "NSEC3PARAM", false, false);
  EXPECT_TRUE(Answer::has(p.answer, "NSEC3PARAM", "1 0 0 AABBCCDD")) << p.text;
  EXPECT_TRUE(Answer::signed_type(p.answer, "NSEC3PARAM")) << p.text;
  Answer nx = dig(zone.port(), fqdn("nothere.host"), "A", false, false);
  EXPECT_EQ(nx.status, "NXDOMAIN") << nx.text;
  EXPECT_TRUE(Answer::has(nx.authority, "NSEC3", "1 0 0 AABBCCDD")) << nx.text;
  EXPECT_FALSE(Answer::has(nx.authority, "NSEC3", "1 0 0 - ")) << nx.text;

  std::vector<Case> cases = kPositive;
  cases.insert(cases.end(), kDenialBelowApex.begin(), kDenialBelowApex.end());
  expect_all_secure(zone, cases, next_unbound_dir(zone));

  std::string file = zone.axfr_file("salted.zone");
  ASSERT_FALSE(file.empty());
  std::string text = read_file(file);
  EXPECT_EQ(rdatas(text, "NSEC3PARAM"), std::vector<std::string>{"1 0 0 AABBCCDD"});
  auto nsec3 = rdatas(text, "NSEC3");
  EXPECT_GT(nsec3.size(), 20u);
  for (const auto& r : nsec3)
    EXPECT_EQ(r.rfind("1 0 0 AABBCCDD ", 0), 0u) << "an NSEC3 without the new salt: " << r;
  expect_validators_accept(file, zone.single_csk());
}

// ------------------------------------------------------------------ 5. a zone changes hands

// move-zone of a secured zone re-seals its keys under the new tenant's data key (made on the
// spot: the tenant had none), in the move's own transaction. A fresh process must then be able to
// sign the zone, and validators must still see it secure.
TEST(MovedZoneTest, ASecuredZoneMovedToAnotherTenantIsSignedByAFreshProcessAndStaysSecure) {
  SIGNET_REQUIRE_TOOLS("dig", "unbound", "delv");
  SignedZone zone;
  zone.create("default", Denial::kNsec3);
  zone.ok({"create-tenant", "initech"});
  zone.ok({"move-zone", kZone, "initech"});
  std::string audit = zone.ok({"audit-log", kZone});
  EXPECT_NE(audit.find("keys-resealed"), std::string::npos) << audit;
  EXPECT_NE(zone.ok({"list-zones", "initech"}).find(std::string(kZone) + ".\tinitech"),
            std::string::npos);
  // Each of these is a new process: nothing unsealed is cached from before the move.
  zone.ok({"sign-zone", kZone});
  zone.ok({"add-record", kZone, "moved", "A", "300", "192.0.2.77"});
  EXPECT_EQ(zone.signetutil({"verify-zone", kZone}).status, 0);
  zone.start();
  std::vector<Case> cases = kPositive;
  cases.push_back({"added after the move", "moved", "A", "NOERROR", "A 192.0.2.77"});
  expect_all_secure(zone, cases, next_unbound_dir(zone));
}
