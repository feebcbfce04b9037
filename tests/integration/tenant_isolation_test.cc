// SPDX-License-Identifier: GPL-2.0-or-later
//
// The tenant boundary (keystore/tenant_boundary.hh) on every write path, each test written as the
// attack it stops: signetutil (create-zone, load-zone, move-zone, batch, record edits), pdnsutil
// (create-zone, load-zone, set-account, record edits), pdns' HTTP API (zone creation, account
// change, PATCH) and RFC 2136 DNS UPDATE through a running pdns_server. Every refused attempt must
// fail visibly and change nothing.
//
// Records at or below another tenant's apex can only be attempted in a store written before the
// boundary rule (the rule itself forbids the nesting they need): those tests build that state
// with tests/support/legacy_store.hh.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/support/legacy_store.hh"
#include "tests/support/process.hh"
#include "tests/support/signet_dir.hh"
#include "tests/support/tools.hh"

using signet::test::HttpReply;
using signet::test::insert_zone_bypassing_the_boundary;
using signet::test::PdnsServerOptions;
using signet::test::run;
using signet::test::RunResult;
using signet::test::SignetDir;
using signet::test::write_file;

namespace {

const char* const kDs =
    "12345 13 2 F51E0000000000000000000000000000000000000000000000000000000000AA";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The zone listing that a refused attempt must leave unchanged.
std::string zones(SignetDir& s) {
  return s.signetutil_ok({"list-zones"});
}

// bob owns b.example.com, alice owns a.example.com: alice must not get example.com.
void bob_below_alice(SignetDir& s) {
  s.signetutil_ok({"create-tenant", "alice"});
  s.signetutil_ok({"create-tenant", "bob"});
  s.signetutil_ok({"create-zone", "bob", "b.example.com", "ns1.b.example.com."});
  s.signetutil_ok({"create-zone", "alice", "a.example.com", "ns1.a.example.com."});
}

// alice owns example.org and, nested inside, shop.example.org; bob owns bob.test.
void alice_nested(SignetDir& s) {
  s.signetutil_ok({"create-tenant", "alice"});
  s.signetutil_ok({"create-tenant", "bob"});
  s.signetutil_ok({"create-zone", "alice", "example.org", "ns1.example.org."});
  s.signetutil_ok({"create-zone", "alice", "shop.example.org", "ns1.example.org."});
  s.signetutil_ok({"create-zone", "bob", "bob.test", "ns1.bob.test."});
}

// A store from before the rule: alice's example.com around bob's b.example.com.
void legacy_nesting(SignetDir& s) {
  s.signetutil_ok({"create-tenant", "alice"});
  s.signetutil_ok({"create-zone", "alice", "example.com", "ns1.example.com."});
  insert_zone_bypassing_the_boundary(s.dir.file("store"), "bob", "b.example.com.");
}

std::string zone_file(SignetDir& s, const std::string& name, const std::string& text) {
  write_file(s.dir.file(name), text);
  return s.dir.file(name);
}

const char* const kExampleCom =
    "$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n"
    "ns1 A 192.0.2.1\n";

}  // namespace

// ------------------------------------------------------------------ signetutil

TEST(TenantIsolationCli, TheParentOfAnotherTenantsZoneCannotBeCreatedLoadedOrBatched) {
  SignetDir s;
  bob_below_alice(s);
  std::string before = zones(s);

  RunResult r = s.signetutil({"create-zone", "alice", "example.com", "ns1.example.com."});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "would contain zone 'b.example.com.' of another tenant")) << r.err;

  r = s.signetutil({"load-zone", "alice", "example.com", zone_file(s, "ex.zone", kExampleCom)});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "b.example.com.")) << r.err;

  // In a batch, the whole batch goes.
  write_file(s.dir.file("batch"),
             "create-zone alice alice.test ns1.alice.test.\n"
             "create-zone alice example.com ns1.example.com.\n");
  r = s.signetutil({"batch", s.dir.file("batch")});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(contains(r.err, ":2: ")) << r.err;

  // The tenant's operator, scoped, cannot either; nor can it add bob's DS under a zone it lacks.
  r = s.signetutil({"--tenant", "alice", "create-zone", "alice", "example.com"});
  EXPECT_EQ(r.status, 1) << r.err;
  r = s.signetutil({"--tenant", "alice", "add-record", "example.com", "b", "DS", "3600", kDs});
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(zones(s), before);
}

TEST(TenantIsolationCli, MoveZoneCannotPutAZoneInsideOrAroundAnotherTenants) {
  SignetDir s;
  alice_nested(s);
  std::string before = zones(s);
  RunResult r = s.signetutil({"move-zone", "shop.example.org", "bob"});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "would be inside zone 'example.org.' of another tenant")) << r.err;
  r = s.signetutil({"move-zone", "example.org", "bob"});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "would contain zone 'shop.example.org.' of another tenant")) << r.err;
  EXPECT_EQ(zones(s), before);
}

TEST(TenantIsolationCli, RecordsAtOrBelowAnotherTenantsApexAreRefusedOnEveryEdit) {
  SignetDir s;
  legacy_nesting(s);
  std::string listing = s.signetutil_ok({"list-zone", "example.com"});
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"add-record", "example.com", "b", "DS", "3600", kDs},
           {"add-record", "example.com", "www.b", "A", "300", "192.0.2.66"},
           {"replace-rrset", "example.com", "b", "NS", "300", "ns1.evil.test."},
       }) {
    RunResult r = s.signetutil(args);
    EXPECT_EQ(r.status, 1) << args[1] << " " << args[3];
    EXPECT_TRUE(contains(r.err, "at or below zone 'b.example.com.' of another tenant")) << r.err;
  }
  RunResult r =
      s.signetutil({"load-zone", "alice", "example.com",
                    zone_file(s, "with-ds.zone", std::string(kExampleCom) + "b DS " + kDs + "\n")});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "with-ds.zone:6")) << r.err;
  EXPECT_EQ(s.signetutil_ok({"list-zone", "example.com"}), listing);
}

// ------------------------------------------------------------------ pdnsutil

TEST(TenantIsolationPdnsutil, CreateLoadAndSetAccountCannotCrossTheBoundary) {
  SignetDir s;
  bob_below_alice(s);
  s.signetutil_ok({"create-zone", "alice", "example.org", "ns1.example.org."});
  s.signetutil_ok({"create-zone", "alice", "shop.example.org", "ns1.example.org."});
  std::string before = zones(s);
  // pdnsutil's new zones go to signet-default-tenant: not alice, not bob.
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"create-zone", "example.com", "ns1.example.com"},
           {"load-zone", "example.com", zone_file(s, "ex.zone", kExampleCom)},
           {"set-account", "shop.example.org", "bob"},
           {"set-account", "example.org", "bob"},
       }) {
    RunResult r = s.pdnsutil(args);
    EXPECT_NE(r.status, 0) << args[0] << " " << args[1];
    EXPECT_TRUE(contains(r.out + r.err, "of another tenant")) << r.out << r.err;
  }
  EXPECT_EQ(zones(s), before);
}

TEST(TenantIsolationPdnsutil, RecordEditsAtAnotherTenantsApexAreRefused) {
  SignetDir s;
  legacy_nesting(s);
  std::string listing = s.signetutil_ok({"list-zone", "example.com"});
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"add-record", "example.com", "b", "DS", "3600", kDs},
           {"replace-rrset", "example.com", "www.b", "A", "300", "192.0.2.66"},
       }) {
    RunResult r = s.pdnsutil(args);
    EXPECT_NE(r.status, 0) << args[0];
    EXPECT_TRUE(contains(r.out + r.err, "at or below zone 'b.example.com.' of another tenant"))
        << r.out << r.err;
  }
  EXPECT_EQ(s.signetutil_ok({"list-zone", "example.com"}), listing);
}

// ------------------------------------------------------------------ the HTTP API

namespace {

const char* const kZones = "/api/v1/servers/localhost/zones";

std::unique_ptr<SignetDir> api_server() {
  PdnsServerOptions o;
  o.api = true;
  o.zone_cache = false;
  auto s = std::make_unique<SignetDir>(o);
  return s;
}

}  // namespace

TEST(TenantIsolationApi, ZoneCreationAndAccountChangesCannotCrossTheBoundary) {
  auto s = api_server();
  bob_below_alice(*s);
  s->signetutil_ok({"create-zone", "alice", "example.org", "ns1.example.org."});
  s->signetutil_ok({"create-zone", "alice", "shop.example.org", "ns1.example.org."});
  s->server->start();
  std::string before = zones(*s);

  HttpReply h = s->http("POST", kZones,
                        R"({"name": "example.com.", "kind": "Native", "account": "alice",
                            "nameservers": ["ns1.example.com."]})");
  EXPECT_EQ(h.status, 422) << h.body;
  EXPECT_TRUE(contains(h.body, "b.example.com.")) << h.body;
  EXPECT_EQ(s->http("GET", std::string(kZones) + "/example.com.").status, 404);

  h = s->http("PUT", std::string(kZones) + "/shop.example.org.", R"({"account": "bob"})");
  EXPECT_EQ(h.status, 422) << h.body;
  h = s->http("PUT", std::string(kZones) + "/example.org.", R"({"account": "bob"})");
  EXPECT_EQ(h.status, 422) << h.body;
  EXPECT_EQ(zones(*s), before);
  EXPECT_EQ(s->http("GET", std::string(kZones) + "/shop.example.org.")
                .json()["account"]
                .as<std::string>(""),
            "alice");
}

TEST(TenantIsolationApi, PatchCannotWriteAtAnotherTenantsApex) {
  auto s = api_server();
  legacy_nesting(*s);
  s->server->start();
  std::string listing = s->signetutil_ok({"list-zone", "example.com"});
  HttpReply h = s->http("PATCH", std::string(kZones) + "/example.com.",
                        std::string(R"({"rrsets": [{"name": "b.example.com.", "type": "DS",
                          "ttl": 3600, "changetype": "REPLACE",
                          "records": [{"content": ")") +
                            kDs + R"(", "disabled": false}]}]})");
  EXPECT_EQ(h.status, 422) << h.body;
  EXPECT_TRUE(contains(h.body, "of another tenant")) << h.body;
  EXPECT_EQ(s->signetutil_ok({"list-zone", "example.com"}), listing);
}

// ------------------------------------------------------------------ DNS UPDATE

TEST(TenantIsolationDnsUpdate, AnUpdateCannotWriteAtAnotherTenantsApex) {
  SIGNET_REQUIRE_TOOLS("nsupdate", "dig");
  std::string nsupdate = signet::test::find_tool("nsupdate");
  PdnsServerOptions o;
  o.zone_cache = false;
  o.settings = {{"dnsupdate", "yes"}, {"allow-dnsupdate-from", "127.0.0.0/8"}};
  SignetDir s(o);
  legacy_nesting(s);
  s.server->start();
  auto update = [&](const std::string& line) {
    return run({nsupdate},
               "server 127.0.0.1 " + std::to_string(s.server->port()) +
                   "\nzone example.com\nupdate add " + line + "\nsend\n",
               60);
  };
  RunResult r = update(std::string("b.example.com. 3600 DS ") + kDs);
  EXPECT_NE(r.status, 0) << r.out << r.err;
  r = update("www.b.example.com. 300 A 192.0.2.66");
  EXPECT_NE(r.status, 0) << r.out << r.err;
  // pdns answers SERVFAIL; its log names the reason.
  EXPECT_TRUE(contains(s.server->log(), "at or below zone 'b.example.com.' of another tenant"))
      << s.server->log();
  EXPECT_TRUE(s.dig("b.example.com", "DS").empty());
  EXPECT_TRUE(s.signetutil_ok({"list-zone", "example.com"}).find("192.0.2.66") ==
              std::string::npos);
  // The tenant's own names update fine: the refusal above is the boundary, not the setup.
  r = update("ok.example.com. 300 A 192.0.2.7");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(s.dig("ok.example.com", "A"), std::vector<std::string>{"192.0.2.7"});
}
