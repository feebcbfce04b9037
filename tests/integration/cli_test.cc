// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetutil as an operator uses it: real processes against a store named in a pdns.conf.
// Bad input must give a clear one-line reason, a non-zero exit and change nothing.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/signet_dir.hh"
#include "tests/support/temp_dir.hh"

using signet::test::kOfflinePdnsConf;
using signet::test::Process;
using signet::test::read_file;
using signet::test::run;
using signet::test::RunResult;
using signet::test::signetutil_path;
using signet::test::TempDir;
using signet::test::write_file;

namespace {

const char* kZone =
    "$ORIGIN example.com.\n"
    "$TTL 300\n"
    "@ SOA ns1 hostmaster 2024010101 7200 3600 1209600 300\n"
    "@ NS ns1\n"
    "ns1 A 192.0.2.1\n"
    "www A 192.0.2.80\n"
    "mail MX 10 ns1\n";

class CliTest : public ::testing::Test {
 protected:
  CliTest() {
    write_file(dir.file("pdns.conf"), std::string(kOfflinePdnsConf) +
                                          "launch=signet\nsignet-path=" + dir.file("store") + "\n");
  }

  RunResult cli(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {signetutil_path(), "--config-dir", dir.path()});
    return run(args, input);
  }
  // Runs and expects success.
  std::string ok(std::vector<std::string> args, const std::string& input = "") {
    RunResult r = cli(args, input);
    EXPECT_EQ(r.status, 0) << "signetutil failed: " << r.err;
    return r.out;
  }
  std::string file(const std::string& name, const std::string& content) {
    write_file(dir.file(name), content);
    return dir.file(name);
  }
  void load_example(const std::string& tenant = "acme") {
    ok({"create-tenant", tenant});
    ok({"load-zone", tenant, "example.com", file("example.zone", kZone)});
  }

  TempDir dir;
};

// A failure must be one line on stderr, naming the problem, with a non-zero exit.
void expect_failure(const RunResult& r, const std::string& needle) {
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr was: " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "stderr was: " << r.err;
}

}  // namespace

TEST_F(CliTest, CreatesTenantsAndZonesAndListsThem) {
  ok({"create-tenant", "acme"});
  ok({"create-tenant", "globex"});
  ok({"create-zone", "acme", "example.com", "ns1.example.com.", "ns2.example.net."});
  ok({"create-zone", "globex", "globex.test."});
  EXPECT_EQ(ok({"list-tenants"}), "acme\t1\nglobex\t1\n");
  std::string zones = ok({"list-zones"});
  EXPECT_NE(zones.find("example.com.\tacme\t"), std::string::npos);
  EXPECT_NE(zones.find("globex.test.\tglobex\t"), std::string::npos);
  EXPECT_EQ(ok({"list-zones", "globex"}).find("example.com."), std::string::npos);
  std::string json = ok({"--json", "list-zones", "acme"});
  EXPECT_EQ(json.rfind("[{\"zone\":\"example.com.\",\"tenant\":\"acme\"", 0), 0u) << json;
  std::string listing = ok({"list-zone", "example.com"});
  EXPECT_NE(listing.find("example.com.\t3600\tIN\tNS\tns2.example.net."), std::string::npos)
      << listing;
  EXPECT_NE(listing.find("IN\tSOA\tns1.example.com. hostmaster.example.com."), std::string::npos)
      << listing;
}

TEST_F(CliTest, MalformedZoneFileIsRejectedWithFileAndLineAndTheZoneKeepsItsContent) {
  load_example();
  std::string before = ok({"list-zone", "example.com"});
  std::string bad = file(
      "bad.zone", std::string(kZone) + "ftp A 192.0.2.21\nbroken MX ten mail\nlate A 192.0.2.9\n");
  RunResult r = cli({"load-zone", "acme", "example.com", bad});
  expect_failure(r, bad + ":9: ");
  EXPECT_EQ(ok({"list-zone", "example.com"}), before);
}

TEST_F(CliTest, RecordOutsideTheZoneIsRejected) {
  load_example();
  std::string before = ok({"list-zone", "example.com"});
  std::string bad = file("outside.zone", std::string(kZone) + "www.example.net. A 192.0.2.1\n");
  expect_failure(cli({"load-zone", "acme", "example.com", bad}), "outside zone 'example.com.'");
  expect_failure(cli({"load-zone", "acme", "example.com", bad}), "outside.zone:8");
  expect_failure(cli({"add-record", "example.com", "www.example.net.", "A", "60", "192.0.2.1"}),
                 "outside zone 'example.com.'");
  EXPECT_EQ(ok({"list-zone", "example.com"}), before);
}

TEST_F(CliTest, CnameBesideOtherDataIsRejected) {
  load_example();
  std::string before = ok({"list-zone", "example.com"});
  expect_failure(cli({"add-record", "example.com", "www", "CNAME", "60", "ns1.example.com."}),
                 "'www.example.com.' would have a CNAME and other data");
  std::string bad = file("cname.zone", std::string(kZone) + "mail CNAME www\n");
  expect_failure(cli({"load-zone", "acme", "example.com", bad}), "CNAME and other data");
  EXPECT_EQ(ok({"list-zone", "example.com"}), before);
}

TEST_F(CliTest, DuplicateZoneIsRejected) {
  load_example();
  ok({"create-tenant", "globex"});
  expect_failure(cli({"create-zone", "acme", "example.com"}), "zone 'example.com.' already exists");
  expect_failure(cli({"create-zone", "globex", "EXAMPLE.com."}), "already exists (tenant 'acme')");
}

TEST_F(CliTest, UnknownTenantIsRejectedAndNothingIsCreated) {
  expect_failure(cli({"create-zone", "nobody", "example.com"}), "tenant 'nobody' does not exist");
  expect_failure(cli({"load-zone", "nobody", "example.com", file("z.zone", kZone)}),
                 "tenant 'nobody' does not exist");
  expect_failure(cli({"list-zones", "nobody"}), "tenant 'nobody' does not exist");
  EXPECT_EQ(ok({"list-zones"}), "");
  EXPECT_EQ(ok({"list-tenants"}), "");
}

TEST_F(CliTest, ZoneOfAnotherTenantIsRejected) {
  load_example("acme");
  ok({"create-tenant", "globex"});
  std::string before = ok({"list-zone", "example.com"});
  expect_failure(cli({"load-zone", "globex", "example.com", file("z2.zone", kZone)}),
                 "zone 'example.com.' belongs to tenant 'acme', not 'globex'");
  // Acting for a tenant (--tenant) hides and protects every other tenant's zones.
  expect_failure(cli({"--tenant", "globex", "delete-zone", "example.com"}),
                 "belongs to another tenant");
  expect_failure(cli({"--tenant", "globex", "list-zone", "example.com"}),
                 "belongs to another tenant");
  expect_failure(
      cli({"--tenant", "globex", "add-record", "example.com", "x", "A", "60", "192.0.2.1"}),
      "belongs to another tenant");
  expect_failure(cli({"--tenant", "globex", "create-zone", "globex", "shop.example.com"}),
                 "inside zone 'example.com.' of another tenant");
  EXPECT_EQ(ok({"--tenant", "globex", "list-zones"}), "");
  EXPECT_EQ(ok({"list-zone", "example.com"}), before);
}

TEST_F(CliTest, DeleteTenantIsRefusedWhileItOwnsZones) {
  load_example();
  expect_failure(cli({"delete-tenant", "acme"}), "tenant 'acme' still owns zones");
  ok({"delete-zone", "example.com"});
  ok({"delete-tenant", "acme"});
  EXPECT_EQ(ok({"list-tenants"}), "");
}

TEST_F(CliTest, ListZoneOutputLoadsBackIdentically) {
  ok({"create-tenant", "acme"});
  std::string rich = signet::test::source_dir() + "/conf/example.com.zone";
  ok({"load-zone", "acme", "example.com", rich});
  std::string first = ok({"list-zone", "example.com"});
  std::string again = file("again.zone", first);
  ok({"load-zone", "acme", "example.com", again});
  EXPECT_EQ(ok({"list-zone", "example.com"}), first);
}

TEST_F(CliTest, RecordEditsBumpTheSerial) {
  load_example();
  ok({"add-record", "example.com", "ftp", "A", "120", "192.0.2.21"});
  ok({"replace-rrset", "example.com", "www", "A", "60", "192.0.2.81", "192.0.2.82"});
  ok({"delete-rrset", "example.com", "mail", "MX"});
  ok({"add-record", "example.com", "@", "TXT", "300", "\"v=spf1 -all\""});
  std::string z = ok({"list-zone", "example.com"});
  EXPECT_NE(z.find("SOA\tns1.example.com. hostmaster.example.com. 2024010105 "), std::string::npos)
      << z;
  EXPECT_NE(z.find("ftp.example.com.\t120\tIN\tA\t192.0.2.21"), std::string::npos);
  EXPECT_NE(z.find("www.example.com.\t60\tIN\tA\t192.0.2.82"), std::string::npos);
  EXPECT_EQ(z.find("192.0.2.80"), std::string::npos);
  EXPECT_EQ(z.find("\tMX\t"), std::string::npos);
  EXPECT_NE(z.find("example.com.\t300\tIN\tTXT\t\"v=spf1 -all\""), std::string::npos) << z;
  EXPECT_NE(ok({"increase-serial", "example.com"}).find("serial 2024010106"), std::string::npos);
}

TEST_F(CliTest, BadRecordContentNamesTheType) {
  load_example();
  expect_failure(cli({"add-record", "example.com", "x", "A", "60", "300.1.1.1"}),
                 "bad A record data");
  expect_failure(cli({"add-record", "example.com", "x", "BOGUS", "60", "1"}),
                 "unknown record type 'BOGUS'");
  expect_failure(cli({"add-record", "example.com", "x", "A", "sixty", "192.0.2.1"}),
                 "bad TTL 'sixty'");
  expect_failure(cli({"add-record", "nonexistent.example", "x", "A", "60", "192.0.2.1"}),
                 "zone 'nonexistent.example.' does not exist");
}

TEST_F(CliTest, BatchAppliesAllOrNothing) {
  ok({"create-tenant", "acme"});
  RunResult r = cli(
      {"batch"}, "create-zone acme a.test\ncreate-zone acme b.test\ncreate-zone nobody c.test\n");
  expect_failure(r, "stdin:3: tenant 'nobody' does not exist");
  EXPECT_EQ(ok({"list-zones"}), "");
  ok({"batch"},
     "# comment\ncreate-zone acme a.test\n\ncreate-zone acme b.test\nadd-record a.test www A 60 "
     "192.0.2.1\n");
  std::string zones = ok({"list-zones"});
  EXPECT_NE(zones.find("a.test.\tacme\t"), std::string::npos) << zones;
  EXPECT_NE(zones.find("b.test.\tacme\t"), std::string::npos) << zones;
  EXPECT_NE(ok({"list-zone", "a.test"}).find("www.a.test.\t60\tIN\tA\t192.0.2.1"),
            std::string::npos);
}

TEST_F(CliTest, UsageErrorsExitWithTwo) {
  EXPECT_EQ(cli({}).status, 2);
  EXPECT_EQ(cli({"no-such-command"}).status, 2);
  EXPECT_EQ(cli({"create-tenant"}).status, 2);
  EXPECT_EQ(cli({"create-tenant", "a", "b"}).status, 2);
  EXPECT_EQ(run({signetutil_path(), "--help"}).status, 0);
}

TEST_F(CliTest, MissingConfigurationIsAClearError) {
  RunResult r = run({signetutil_path(), "--config-dir", dir.file("nowhere"), "list-zones"});
  expect_failure(r, "cannot read configuration file");
}

// Killing load-zone (and the other writers) midway: tests/integration/kill_test.cc, seeded kill -9
// loops that check every zone is wholly as before or as after.

// pdns reads a bare switch ("direct-dnskey" alone means yes), a line continued with a backslash and
// a '#' inside a value; pdns_server, pdnsutil and signetutil must all accept the same file.
TEST(PdnsConfCompat, PdnsServerPdnsutilAndSignetutilAcceptTheSameFile) {
  signet::test::SignetDir s;
  std::filesystem::create_directories(s.dir.file("conf.d"));
  write_file(s.dir.file("conf.d/compat.conf"),
             "direct-dnskey\n"
             "  signet-refresher  \n"
             "signet-default-\\\n"
             "tenant=ops # the tenant of zones made by pdnsutil\n");
  signet::test::PdnsServerOptions o = s.server->options();
  o.zone_cache = false;
  o.settings["include-dir"] = s.dir.file("conf.d");
  s.server = std::make_unique<signet::test::PdnsServer>(s.dir.path(), o);
  s.pdnsutil_ok({"create-zone", "example.com", "ns1.example.com"});
  s.pdnsutil_ok({"add-record", "example.com", "www", "A", "300", "192.0.2.80"});
  // signetutil sees the continued line: pdnsutil's zone went to tenant ops.
  EXPECT_NE(s.signetutil_ok({"list-zones"}).find("ops"), std::string::npos)
      << s.signetutil_ok({"list-zones"});
  s.server->start();
  EXPECT_EQ(s.dig("www.example.com", "A"), std::vector<std::string>{"192.0.2.80"});
}
