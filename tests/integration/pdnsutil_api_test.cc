// SPDX-License-Identifier: GPL-2.0-or-later
//
// pdns' own tools against Signet: pdnsutil (--config-dir with launch=signet) and the PowerDNS
// HTTP API of a running pdns_server. What they write must land in the store (signetutil sees it,
// in the right tenant) and be answered by the running server at once: the servers here run
// without caches (cache-ttl, query-cache-ttl, negquery-cache-ttl = 0) and, where something else
// creates zones behind their back, without the zone cache.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/signet_dir.hh"
#include "tests/support/temp_dir.hh"

using signet::test::HttpReply;
using signet::test::kOfflinePdnsConf;
using signet::test::PdnsServer;
using signet::test::PdnsServerOptions;
using signet::test::pdnsutil_path;
using signet::test::run;
using signet::test::RunResult;
using signet::test::SignetDir;
using signet::test::signetutil_path;
using signet::test::source_dir;
using signet::test::TempDir;
using signet::test::write_file;

namespace {

std::string rich_zone_path() {
  return source_dir() + "/tests/data/rich.zone";
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty())
      out.push_back(line);
  }
  return out;
}

std::string join(const std::vector<std::string>& v, const std::string& sep = "\n") {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i)
    out += (i ? sep : "") + v[i];
  return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// pdnsutil list-zone output as a sorted set of records. Hex RDATA (DS digest, SSHFP fingerprint,
// TLSA data) is case-insensitive; pdns prints it as stored, so compare it lower-cased.
std::vector<std::string> normalised_listing(const std::string& listing) {
  std::vector<std::string> out;
  for (auto line : lines(listing)) {
    if (line.rfind("$ORIGIN", 0) == 0)
      continue;
    std::istringstream in(line);
    std::string name, ttl, cls, type;
    in >> name >> ttl >> cls >> type;
    if (type == "DS" || type == "SSHFP" || type == "TLSA") {
      std::transform(line.begin(), line.end(), line.begin(),
                     [](unsigned char c) { return std::tolower(c); });
    }
    out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

// ------------------------------------------------------------------ pdnsutil

TEST(PdnsutilTest, CreateZoneGoesToTheDefaultTenant) {
  SignetDir s;
  s.pdnsutil_ok({"create-zone", "example.com", "ns1.example.com"});
  std::string zones = s.signetutil_ok({"list-zones", "default"});
  EXPECT_TRUE(contains(zones, "example.com.\tdefault\t")) << zones;
  std::string listing = s.pdnsutil_ok({"list-zone", "example.com"});
  EXPECT_TRUE(contains(listing, "example.com\t3600\tIN\tNS\tns1.example.com.")) << listing;
  EXPECT_TRUE(contains(listing, "\tIN\tSOA\t")) << listing;

  // signet-default-tenant names the tenant.
  PdnsServerOptions o;
  o.settings["signet-default-tenant"] = "hosting";
  SignetDir h(o);
  h.pdnsutil_ok({"create-zone", "example.org", "ns1.example.org"});
  zones = h.signetutil_ok({"list-zones", "hosting"});
  EXPECT_TRUE(contains(zones, "example.org.\thosting\t")) << zones;
}

TEST(PdnsutilTest, LoadZoneThenListZoneGivesTheFilesRecords) {
  SignetDir s;
  s.pdnsutil_ok({"create-zone", "example.com", "ns1.example.com"});
  s.pdnsutil_ok({"load-zone", "example.com", rich_zone_path()});
  auto signet = normalised_listing(s.pdnsutil_ok({"list-zone", "example.com"}));

  // The same file through pdnsutil and pdns' bind backend is the reference.
  TempDir b;
  write_file(b.file("named.conf"),
             "zone \"example.com\" { type master; file \"" + rich_zone_path() + "\"; };\n");
  write_file(b.file("pdns.conf"), std::string(kOfflinePdnsConf) +
                                      "launch=bind\nbind-config=" + b.file("named.conf") + "\n");
  RunResult r = run({pdnsutil_path(), "--config-dir", b.path(), "list-zone", "example.com"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto bind = normalised_listing(r.out);
  ASSERT_GT(bind.size(), 140u);
  EXPECT_EQ(join(signet), join(bind));

  // Signet's own view agrees on the tenant and the serial of the file.
  std::string zones = s.signetutil_ok({"list-zones"});
  EXPECT_TRUE(contains(zones, "example.com.\tdefault\t2024010101")) << zones;
}

TEST(PdnsutilTest, CheckZoneFindsNoErrors) {
  SignetDir s;
  s.signetutil_ok({"create-tenant", "acme"});
  s.signetutil_ok({"load-zone", "acme", "example.com.", rich_zone_path()});
  RunResult r = s.pdnsutil({"check-zone", "example.com"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out + r.err, " 0 errors")) << r.out << r.err;
  EXPECT_FALSE(contains(r.out + r.err, "[Error]")) << r.out << r.err;
}

TEST(PdnsutilTest, AddRecordIsAnsweredByTheRunningServer) {
  PdnsServerOptions o;
  o.zone_cache = false;  // zones appear behind the server's back
  SignetDir s(o);
  s.pdnsutil_ok({"create-zone", "example.com", "ns1.example.com"});
  s.pdnsutil_ok({"load-zone", "example.com", rich_zone_path()});
  s.server->start();
  EXPECT_EQ(s.rcode("new.example.com", "A"), "NXDOMAIN");

  s.pdnsutil_ok({"add-record", "example.com", "new", "A", "120", "192.0.2.99"});
  EXPECT_EQ(s.dig("new.example.com", "A"), std::vector<std::string>{"192.0.2.99"});
  s.pdnsutil_ok({"add-record", "example.com", "host", "A", "192.0.2.81"});
  EXPECT_EQ(s.dig("host.example.com", "A"), (std::vector<std::string>{"192.0.2.80", "192.0.2.81"}));
  // The record fills an empty non-terminal: b.ent now has data of its own.
  s.pdnsutil_ok({"add-record", "example.com", "b.ent", "TXT", "60", "\"filled\""});
  EXPECT_EQ(s.dig("b.ent.example.com", "TXT"), std::vector<std::string>{"\"filled\""});

  // A CNAME beside other data is refused and changes nothing.
  RunResult r = s.pdnsutil({"add-record", "example.com", "new", "CNAME", "60", "host.example.com"});
  EXPECT_NE(r.status, 0) << r.out;
  EXPECT_EQ(s.dig("new.example.com", "A"), std::vector<std::string>{"192.0.2.99"});
  EXPECT_TRUE(s.dig("new.example.com", "CNAME").empty());

  // A zone made by pdnsutil while the server runs is served too.
  s.pdnsutil_ok({"create-zone", "example.org", "ns1.example.org"});
  s.pdnsutil_ok({"add-record", "example.org", "www", "AAAA", "60", "2001:db8::7"});
  EXPECT_EQ(s.dig("www.example.org", "AAAA"), std::vector<std::string>{"2001:db8::7"});
  EXPECT_TRUE(s.server->running()) << s.server->log();
}

TEST(PdnsutilTest, EditsAndSetAccountReachTheStore) {
  SignetDir s;
  s.pdnsutil_ok({"create-zone", "example.com", "ns1.example.com"});
  s.pdnsutil_ok({"replace-rrset", "example.com", "www", "A", "60", "192.0.2.1", "192.0.2.2"});
  std::string listing = s.signetutil_ok({"list-zone", "example.com"});
  EXPECT_TRUE(contains(listing, "www.example.com.\t60\tIN\tA\t192.0.2.2")) << listing;
  s.pdnsutil_ok({"delete-rrset", "example.com", "www", "A"});
  listing = s.signetutil_ok({"list-zone", "example.com"});
  EXPECT_FALSE(contains(listing, "www.example.com.")) << listing;
  s.pdnsutil_ok({"set-account", "example.com", "acme"});
  std::string zones = s.signetutil_ok({"list-zones", "acme"});
  EXPECT_TRUE(contains(zones, "example.com.\tacme\t")) << zones;
  EXPECT_EQ(s.signetutil_ok({"list-zones", "default"}), "");
}

TEST(PdnsutilTest, DeleteZoneRemovesItFromTheStoreAndTheServer) {
  PdnsServerOptions o;
  o.zone_cache = false;
  SignetDir s(o);
  s.pdnsutil_ok({"create-zone", "example.com", "ns1.example.com"});
  s.pdnsutil_ok({"load-zone", "example.com", rich_zone_path()});
  s.server->start();
  EXPECT_EQ(s.dig("host.example.com", "A"), std::vector<std::string>{"192.0.2.80"});
  s.pdnsutil_ok({"delete-zone", "example.com"});
  EXPECT_EQ(s.signetutil_ok({"list-zones"}), "");
  EXPECT_EQ(s.rcode("host.example.com", "A"), "REFUSED");
  RunResult r = s.pdnsutil({"list-zone", "example.com"});
  EXPECT_NE(r.status, 0) << r.out;
}

// ------------------------------------------------------------------ the HTTP API

namespace {

const char* kZonesPath = "/api/v1/servers/localhost/zones";

const char* kCreateBody = R"({"name": "api.example.", "kind": "Native", "account": "globex",
  "nameservers": ["ns1.api.example."],
  "rrsets": [{"name": "www.api.example.", "type": "A", "ttl": 300, "records": [
    {"content": "192.0.2.10", "disabled": false}, {"content": "192.0.2.11", "disabled": false}]}]})";

class ApiTest : public ::testing::Test {
 protected:
  // `rectify`: pdns' default-api-rectify (pdns' default is yes).
  void start(bool rectify) {
    PdnsServerOptions o;
    o.api = true;
    o.api_key = "secret";
    if (!rectify)
      o.settings["default-api-rectify"] = "no";
    s_ = std::make_unique<SignetDir>(o);
    s_->server->start();
  }

  HttpReply http(const std::string& method, const std::string& path, const std::string& body = "") {
    return s_->http(method, path, body);
  }

  HttpReply patch(const std::string& rrsets) {
    return http("PATCH", std::string(kZonesPath) + "/api.example.", "{\"rrsets\": " + rrsets + "}");
  }

  // The zone's rrsets from GET, as "name type ttl content|content" lines, sorted.
  std::vector<std::string> rrsets() {
    HttpReply h = http("GET", std::string(kZonesPath) + "/api.example.");
    EXPECT_EQ(h.status, 200) << h.body;
    std::vector<std::string> out;
    YAML::Node j = h.json();
    if (!j["rrsets"])
      return out;
    for (const auto& rr : j["rrsets"]) {
      std::vector<std::string> contents;
      for (const auto& rec : rr["records"])
        contents.push_back(rec["content"].as<std::string>());
      std::sort(contents.begin(), contents.end());
      out.push_back(rr["name"].as<std::string>() + " " + rr["type"].as<std::string>() + " " +
                    rr["ttl"].as<std::string>() + " " + join(contents, "|"));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // POSTs the test zone; expects 201, the zone in tenant globex and served.
  void create_zone() {
    HttpReply h = http("POST", kZonesPath, kCreateBody);
    ASSERT_EQ(h.status, 201) << h.body;
    std::string zones = s().signetutil_ok({"list-zones", "globex"});
    EXPECT_TRUE(contains(zones, "api.example.\tglobex\t")) << zones;
    EXPECT_EQ(s().dig("www.api.example", "A"),
              (std::vector<std::string>{"192.0.2.10", "192.0.2.11"}));
  }

  SignetDir& s() { return *s_; }

  std::unique_ptr<SignetDir> s_;
};

}  // namespace

// pdns' defaults: default-api-rectify=yes, SOA-EDIT-API DEFAULT on the new zone. pdns rectifies
// the new zone and edits its SOA inside the creating transaction, after feeding the records.
TEST_F(ApiTest, CreateZoneAnswers201WithItsRecordsInTheAccountsTenant) {
  start(/*rectify=*/true);
  HttpReply h = http("POST", kZonesPath, kCreateBody);
  EXPECT_EQ(h.status, 201) << h.body;
  YAML::Node j = h.json();
  ASSERT_TRUE(j["rrsets"]) << h.body;
  EXPECT_EQ(j["account"].as<std::string>(""), "globex") << h.body;

  auto sets = rrsets();
  EXPECT_TRUE(std::count(sets.begin(), sets.end(), "www.api.example. A 300 192.0.2.10|192.0.2.11"))
      << join(sets);
  EXPECT_TRUE(std::count(sets.begin(), sets.end(), "api.example. NS 3600 ns1.api.example."))
      << join(sets);
  std::string zones = s().signetutil_ok({"list-zones", "globex"});
  EXPECT_TRUE(contains(zones, "api.example.\tglobex\t")) << zones;
  EXPECT_EQ(s().dig("www.api.example", "A"),
            (std::vector<std::string>{"192.0.2.10", "192.0.2.11"}));
  EXPECT_EQ(s().dig("api.example", "NS"), std::vector<std::string>{"ns1.api.example."});
}

// SOA-EDIT-API DEFAULT gives the new zone's SOA a serial of today (YYYYMMDD01) instead of the
// 0 of default-soa-content, as pdns does with its own backends.
TEST_F(ApiTest, CreateZoneAppliesSoaEditApiToTheNewSoa) {
  start(/*rectify=*/true);
  HttpReply h = http("POST", kZonesPath, kCreateBody);
  ASSERT_EQ(h.status, 201) << h.body;
  YAML::Node j = h.json();
  uint64_t serial = j["serial"].as<uint64_t>(0);
  EXPECT_GE(serial, 2020010101u) << h.body;
  auto soa = s().dig("api.example", "SOA");
  ASSERT_EQ(soa.size(), 1u);
  EXPECT_TRUE(contains(soa[0], " " + std::to_string(serial) + " ")) << soa[0];
  std::string zones = s().signetutil_ok({"list-zones", "globex"});
  EXPECT_TRUE(contains(zones, "api.example.\tglobex\t" + std::to_string(serial))) << zones;
}

TEST_F(ApiTest, PatchReplacesAndDeletesRRsets) {
  start(/*rectify=*/true);
  create_zone();
  uint64_t serial_before =
      http("GET", std::string(kZonesPath) + "/api.example.").json()["serial"].as<uint64_t>(0);
  HttpReply h = patch(R"([
    {"name": "www.api.example.", "type": "A", "ttl": 120, "changetype": "REPLACE",
     "records": [{"content": "192.0.2.20", "disabled": false}]},
    {"name": "old.api.example.", "type": "A", "ttl": 120, "changetype": "REPLACE",
     "records": [{"content": "192.0.2.30", "disabled": false}]},
    {"name": "mail.api.example.", "type": "MX", "ttl": 120, "changetype": "REPLACE",
     "records": [{"content": "10 www.api.example.", "disabled": false}]}])");
  EXPECT_EQ(h.status, 204) << h.body;
  EXPECT_EQ(s().dig("www.api.example", "A"), std::vector<std::string>{"192.0.2.20"});
  EXPECT_EQ(s().dig("old.api.example", "A"), std::vector<std::string>{"192.0.2.30"});
  EXPECT_EQ(s().dig("mail.api.example", "MX"), std::vector<std::string>{"10 www.api.example."});

  h = patch(R"([{"name": "old.api.example.", "type": "A", "changetype": "DELETE"}])");
  EXPECT_EQ(h.status, 204) << h.body;
  EXPECT_EQ(s().rcode("old.api.example", "A"), "NXDOMAIN");
  auto sets = rrsets();
  EXPECT_TRUE(std::count(sets.begin(), sets.end(), "www.api.example. A 120 192.0.2.20"))
      << join(sets);
  EXPECT_FALSE(contains(join(sets), "old.api.example.")) << join(sets);
  // Each PATCH increased the serial (SOA-EDIT-API DEFAULT).
  uint64_t serial_after =
      http("GET", std::string(kZonesPath) + "/api.example.").json()["serial"].as<uint64_t>(0);
  EXPECT_GT(serial_after, serial_before);
  std::string listing = s().signetutil_ok({"list-zone", "api.example."});
  EXPECT_TRUE(contains(listing, "www.api.example.\t120\tIN\tA\t192.0.2.20")) << listing;
}

TEST_F(ApiTest, ConflictingCnameIsRefusedAndChangesNothing) {
  start(/*rectify=*/true);
  create_zone();
  auto before = rrsets();
  std::string listing_before = s().signetutil_ok({"list-zone", "api.example."});

  HttpReply h = patch(R"([{"name": "www.api.example.", "type": "CNAME", "ttl": 60,
    "changetype": "REPLACE", "records": [{"content": "elsewhere.example.", "disabled": false}]}])");
  EXPECT_GE(h.status, 400) << h.body;
  EXPECT_LT(h.status, 500) << h.body;
  // A valid change and a conflicting one in one PATCH: all or nothing.
  h = patch(R"([
    {"name": "new.api.example.", "type": "A", "ttl": 60, "changetype": "REPLACE",
     "records": [{"content": "192.0.2.40", "disabled": false}]},
    {"name": "new.api.example.", "type": "CNAME", "ttl": 60, "changetype": "REPLACE",
     "records": [{"content": "elsewhere.example.", "disabled": false}]}])");
  EXPECT_GE(h.status, 400) << h.body;
  EXPECT_LT(h.status, 500) << h.body;

  EXPECT_EQ(join(rrsets()), join(before));
  EXPECT_EQ(s().signetutil_ok({"list-zone", "api.example."}), listing_before);
  EXPECT_EQ(s().dig("www.api.example", "A"),
            (std::vector<std::string>{"192.0.2.10", "192.0.2.11"}));
  EXPECT_TRUE(s().dig("www.api.example", "CNAME").empty());
  EXPECT_EQ(s().rcode("new.api.example", "A"), "NXDOMAIN");
  EXPECT_TRUE(s().server->running()) << s().server->log();
}

TEST_F(ApiTest, PutAccountMovesTheZoneToAnotherTenant) {
  start(/*rectify=*/true);
  create_zone();
  HttpReply h = http("PUT", std::string(kZonesPath) + "/api.example.", R"({"account": "initech"})");
  EXPECT_EQ(h.status, 204) << h.body;
  std::string zones = s().signetutil_ok({"list-zones"});
  EXPECT_TRUE(contains(zones, "api.example.\tinitech\t")) << zones;
  EXPECT_EQ(s().signetutil_ok({"list-zones", "globex"}), "");
  EXPECT_EQ(
      http("GET", std::string(kZonesPath) + "/api.example.").json()["account"].as<std::string>(""),
      "initech");
  // Still served.
  EXPECT_EQ(s().dig("www.api.example", "A"),
            (std::vector<std::string>{"192.0.2.10", "192.0.2.11"}));
}

TEST_F(ApiTest, DeleteRemovesTheZone) {
  start(/*rectify=*/true);
  create_zone();
  EXPECT_EQ(s().rcode("www.api.example", "A"), "NOERROR");
  HttpReply h = http("DELETE", std::string(kZonesPath) + "/api.example.");
  EXPECT_EQ(h.status, 204) << h.body;
  EXPECT_EQ(http("GET", std::string(kZonesPath) + "/api.example.").status, 404);
  EXPECT_EQ(s().rcode("www.api.example", "A"), "REFUSED");
  EXPECT_EQ(s().signetutil_ok({"list-zones"}), "");
  // The name is free again.
  create_zone();
}
