// SPDX-License-Identifier: GPL-2.0-or-later
//
// RFC 2136 DNS UPDATE through pdns must do to a Signet zone exactly what it does to the same zone
// in pdns' own gsqlite3 backend. Two pdns_server processes (dnsupdate=yes, updates allowed from
// 127.0.0.0/8) serve one zone: launch=signet (loaded with signetutil) and launch=gsqlite3 (loaded
// with pdnsutil). Every step sends the same update with nsupdate to both; the update's RCODE must
// be the same (and the one the step expects), and afterwards the answers to every name × type of
// interest must be equal: RCODE, header flags and counts, answer and authority sections as sorted
// records (the SOA serial masked: each side counts its own changes).
//
// The steps cover every operation pdns' rfc2136handler.cc performs: add, delete one RR, delete an
// RRset, delete a name (class ANY type ANY, RFC 2136 §2.5.3; at the apex SOA and NS stay,
// §3.4.2.3), the four prerequisites (§2.4: yxdomain, nxdomain, yxrrset with and without value,
// nxrrset), and a delegation (NS, glue, DS) added and removed. Once in a plain zone and once in a
// secured NSEC3 zone (Signet: signetutil secure-zone; gsqlite3: pdnsutil secure-zone + set-nsec3):
// there Signet's zone must also pass `signetutil verify-zone` and ldns-verify-zone after each step.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/gsqlite_dir.hh"
#include "tests/support/signet_dir.hh"
#include "tests/support/tools.hh"

using signet::test::find_tool;
using signet::test::GsqliteDir;
using signet::test::PdnsServerOptions;
using signet::test::run;
using signet::test::RunResult;
using signet::test::SignetDir;
using signet::test::TempDir;
using signet::test::write_file;

namespace {

const char* const kZone =
    "$ORIGIN example.com.\n"
    "$TTL 300\n"
    "@ SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 300\n"
    "@ NS ns1\n"
    "@ MX 10 mail\n"
    "ns1 A 192.0.2.1\n"
    "www A 192.0.2.10\n"
    "www TXT \"hello\"\n"
    "mail A 192.0.2.20\n"
    "host A 192.0.2.30\n"
    "host AAAA 2001:db8::30\n"
    "host TXT \"host\"\n"
    "a.b A 192.0.2.40\n";

const std::vector<std::string> kNames = {
    "example.com.",      "ns1.example.com.", "www.example.com.",    "mail.example.com.",
    "host.example.com.", "new.example.com.", "b.example.com.",      "a.b.example.com.",
    "gone.example.com.", "sub.example.com.", "ns.sub.example.com.", "deep.sub.example.com."};
const std::vector<std::string> kTypes = {"SOA", "NS", "A", "AAAA", "TXT", "MX", "DS"};

const char* const kDs =
    "12345 13 2 F51E0000000000000000000000000000000000000000000000000000000000AA";

struct Step {
  std::string what;
  std::vector<std::string> lines;  // nsupdate commands between "zone" and "send"
  std::string rcode;               // what the update must answer
  // Names whose gsqlite3 answers are known wrong after this step, with the A record Signet must
  // answer instead. pdns resets the auth flag below a removed delegation only
  // when the NS RRset is deleted (rfc2136handler.cc), not when the whole name is: gsqlite3 then
  // answers NODATA for data that is no longer below any zone cut, until the next rectify.
  std::vector<std::pair<std::string, std::string>> stale_in_gsqlite3 = {};
};

std::vector<Step> steps() {
  return {
      {"add two RRsets at a new name",
       {"update add new.example.com. 300 A 192.0.2.50",
        "update add new.example.com. 300 TXT \"new\""},
       "NOERROR"},
      {"add an RR to an RRset", {"update add www.example.com. 300 A 192.0.2.11"}, "NOERROR"},
      {"delete one RR", {"update delete www.example.com. A 192.0.2.10"}, "NOERROR"},
      {"delete an RRset", {"update delete www.example.com. TXT"}, "NOERROR"},
      {"delete a name", {"update delete host.example.com."}, "NOERROR"},
      {"delete the only name below an empty non-terminal",
       {"update delete a.b.example.com."},
       "NOERROR"},
      {"delete every RRset at the apex (SOA and NS stay)",
       {"update delete example.com."},
       "NOERROR"},
      {"yxdomain met",
       {"prereq yxdomain new.example.com.", "update add new.example.com. 300 AAAA 2001:db8::50"},
       "NOERROR"},
      {"yxdomain not met",
       {"prereq yxdomain gone.example.com.", "update add gone.example.com. 300 A 192.0.2.99"},
       "NXDOMAIN"},
      {"nxdomain met",
       {"prereq nxdomain gone.example.com.", "update add gone.example.com. 300 A 192.0.2.99"},
       "NOERROR"},
      {"nxdomain not met",
       {"prereq nxdomain www.example.com.", "update add www.example.com. 300 A 192.0.2.98"},
       "YXDOMAIN"},
      {"yxrrset met",
       {"prereq yxrrset www.example.com. A", "update delete gone.example.com. A"},
       "NOERROR"},
      {"yxrrset not met",
       {"prereq yxrrset www.example.com. MX", "update add www.example.com. 300 A 192.0.2.98"},
       "NXRRSET"},
      {"yxrrset with value met",
       {"prereq yxrrset www.example.com. A 192.0.2.11",
        "update add www.example.com. 300 TXT \"again\""},
       "NOERROR"},
      {"yxrrset with value not met",
       {"prereq yxrrset www.example.com. A 192.0.2.99",
        "update add www.example.com. 300 A 192.0.2.98"},
       "NXRRSET"},
      {"nxrrset met",
       {"prereq nxrrset www.example.com. MX", "update add www.example.com. 300 MX 10 mail"},
       "NOERROR"},
      {"nxrrset not met",
       {"prereq nxrrset www.example.com. A", "update add www.example.com. 300 A 192.0.2.98"},
       "YXRRSET"},
      {"a name that a delegation will occlude",
       {"update add deep.sub.example.com. 300 A 192.0.2.61"},
       "NOERROR"},
      {"delegation added (NS, glue, DS)",
       {"update add sub.example.com. 300 NS ns.sub.example.com.",
        "update add ns.sub.example.com. 300 A 192.0.2.60",
        std::string("update add sub.example.com. 300 DS ") + kDs},
       "NOERROR"},
      {"delegation removed by deleting its name (NS and DS)",
       {"update delete sub.example.com."},
       "NOERROR",
       {{"ns.sub.example.com.", "192.0.2.60"}, {"deep.sub.example.com.", "192.0.2.61"}}},
      {"delegation added again",
       {"update add sub.example.com. 300 NS ns.sub.example.com."},
       "NOERROR"},
      {"delegation removed by deleting its NS RRset",
       {"update delete sub.example.com. NS"},
       "NOERROR"},
      {"glue deleted by name", {"update delete ns.sub.example.com."}, "NOERROR"},
  };
}

// What nsupdate reports: NOERROR, or the RCODE of "update failed: RCODE".
std::string send_update(int port, const Step& step) {
  std::string script = "server 127.0.0.1 " + std::to_string(port) + "\nzone example.com.\n";
  for (const auto& l : step.lines)
    script += l + "\n";
  script += "send\n";
  RunResult r = run({find_tool("nsupdate"), "-t", "10"}, script, 60);
  if (r.status == 0)
    return "NOERROR";
  std::string all = r.out + r.err;
  size_t p = all.find("update failed: ");
  if (p == std::string::npos)
    return "(nsupdate: " + all + ")";
  std::string rc = all.substr(p + 15);
  return rc.substr(0, rc.find_first_of("\r\n"));
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string s; in >> s;)
    w.push_back(s);
  return w;
}

// The answers of one server to every name × type, one normalised block per question.
std::vector<std::string> answers(int port) {
  std::vector<std::string> argv = {
      find_tool("dig"), "@127.0.0.1", "-p",     std::to_string(port), "+norec",    "+nocookie",
      "+tries=2",       "+timeout=3", "+noall", "+comments",          "+question", "+answer",
      "+authority"};
  for (const auto& n : kNames) {
    for (const auto& t : kTypes) {
      argv.push_back(n);
      argv.push_back(t);
    }
  }
  RunResult r = run(argv, "", 120);
  std::vector<std::string> blocks;
  std::string head, question;
  std::vector<std::string> records;
  auto close = [&] {
    if (head.empty())
      return;
    std::sort(records.begin(), records.end());
    std::string b = question + " | " + head;
    for (const auto& rec : records)
      b += "\n  " + rec;
    blocks.push_back(b);
    head.clear();
    question.clear();
    records.clear();
  };
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.find("->>HEADER<<-") != std::string::npos) {
      close();
      size_t s = line.find("status: ");
      head = line.substr(s, line.find(',', s) - s);
    } else if (line.rfind(";; flags:", 0) == 0) {
      head += " " + line.substr(3);
    } else if (!line.empty() && line[0] == ';' && line.size() > 1 && line[1] != ';' &&
               line.find("EDNS") == std::string::npos) {
      question = line.substr(1);
    } else if (!line.empty() && line[0] != ';') {
      auto w = words(line);
      if (w.size() >= 7 && w[3] == "SOA")
        w[6] = "SERIAL";
      std::string rec;
      for (const auto& x : w)
        rec += (rec.empty() ? "" : " ") + x;
      records.push_back(rec);
    }
  }
  close();
  EXPECT_EQ(blocks.size(), kNames.size() * kTypes.size()) << r.out << r.err;
  return blocks;
}

// Equal answers, or a failure that shows only the questions answered differently.
// Questions about the names in `skip` are left out.
void expect_same_answers(int signet_port, int gsql_port,
                         const std::vector<std::string>& skip = {}) {
  std::vector<std::string> ours = answers(signet_port), theirs = answers(gsql_port);
  ASSERT_EQ(ours.size(), theirs.size());
  std::string diff;
  for (size_t i = 0; i < ours.size(); ++i) {
    bool skipped = false;
    for (const auto& name : skip)
      skipped |= ours[i].rfind(name + "\t", 0) == 0;
    if (!skipped && ours[i] != theirs[i])
      diff += "signet:   " + ours[i] + "\ngsqlite3: " + theirs[i] + "\n";
  }
  EXPECT_TRUE(diff.empty()) << diff;
}

class Rfc2136Compare : public ::testing::TestWithParam<bool> {};

TEST_P(Rfc2136Compare, EveryUpdateOperationMatchesGsqlite3) {
  SIGNET_REQUIRE_TOOLS("nsupdate", "dig", "python3", "ldns-verify-zone");
  const bool secured = GetParam();
  const std::map<std::string, std::string> update_settings = {
      {"dnsupdate", "yes"}, {"allow-dnsupdate-from", "127.0.0.0/8"}};

  TempDir keydir;
  PdnsServerOptions o;
  o.zone_cache = false;
  o.settings = update_settings;
  o.settings["signet-master-key-file"] = keydir.file("master.key");
  SignetDir signet(o);
  signet.signetutil_ok({"generate-master-key"});
  std::string zone_file = signet.dir.file("example.com.zone");
  write_file(zone_file, kZone);
  signet.signetutil_ok({"create-tenant", "acme"});
  signet.signetutil_ok({"load-zone", "acme", "example.com", zone_file});
  if (secured)
    signet.signetutil_ok({"secure-zone", "example.com"});

  std::map<std::string, std::string> gsql_settings = update_settings;
  gsql_settings["gsqlite3-dnssec"] = "yes";
  GsqliteDir gsql(gsql_settings);
  gsql.pdnsutil_ok({"load-zone", "example.com", zone_file});
  if (secured) {
    gsql.pdnsutil_ok({"secure-zone", "example.com"});
    gsql.pdnsutil_ok({"set-nsec3", "example.com", "1 0 0 -"});
  }
  // Empty non-terminals (b.example.com.) and auth flags: what rectify-zone adds in SQL backends.
  gsql.pdnsutil_ok({"rectify-zone", "example.com"});
  signet.server->start();
  gsql.server->start();
  expect_same_answers(signet.server->port(), gsql.server->port());
  ASSERT_FALSE(::testing::Test::HasFailure());

  for (const Step& step : steps()) {
    SCOPED_TRACE(step.what);
    std::string theirs = send_update(gsql.server->port(), step);
    std::string ours = send_update(signet.server->port(), step);
    EXPECT_EQ(theirs, step.rcode) << gsql.server->log();
    EXPECT_EQ(ours, theirs) << signet.server->log();
    std::vector<std::string> skip;
    for (const auto& [name, address] : step.stale_in_gsqlite3) {
      skip.push_back(name);
      EXPECT_EQ(signet.dig(name, "A"), std::vector<std::string>{address});
    }
    expect_same_answers(signet.server->port(), gsql.server->port(), skip);
    if (secured) {
      RunResult v = signet.signetutil({"verify-zone", "example.com"});
      EXPECT_EQ(v.status, 0) << v.out << v.err;
      std::string listing = signet.signetutil_ok({"list-zone", "--dnssec", "example.com"});
      std::string file = signet.dir.file("signed.zone");
      write_file(file, listing);
      RunResult l = run({find_tool("ldns-verify-zone"), file}, "", 60);
      EXPECT_EQ(l.status, 0) << l.out << l.err;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(PlainAndSecured, Rfc2136Compare, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? std::string("SecuredNsec3") : std::string("Plain");
                         });

}  // namespace
