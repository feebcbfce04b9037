// SPDX-License-Identifier: GPL-2.0-or-later
//
// The PowerDNS API v1 routes (api/pdns_api.cc), called through Router::dispatch with identities of
// real tokens: pdns 4.7's shapes, status codes and error bodies; writes that are one transaction,
// re-signed and audited as the token; and tenants that cannot see or touch each other's zones
// by any route or method.
#include "api/pdns_api.hh"

#include <gtest/gtest.h>

#include <sstream>

#include "api/pdns_codec.hh"
#include "conf/composition_root.hh"
#include "conf/zonefile.hh"
#include "keystore/catalogs.hh"
#include "keystore/keyring.hh"
#include "signer/error.hh"
#include "signer/rdata_text.hh"
#include "signer/rrtype.hh"
#include "tests/support/api_tokens.hh"
#include "tests/support/temp_dir.hh"

using namespace signet;
using namespace signet::api;

namespace {

const std::string kServer = "/api/v1/servers/localhost";
const std::string kZones = kServer + "/zones";

class PdnsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MasterKey::generate_file(dir.file("master.key"));
    Config config;
    config.path = dir.file("store");
    config.map_size_mb = 1024;
    config.default_tenant = "default";
    config.master_key_file = dir.file("master.key");
    config.signing_threads = 1;
    root = std::make_unique<CompositionRoot>(config, std::make_unique<FakeClock>(1700000000));
    service = std::make_unique<Service>(*root);
    add_pdns_routes(router, *service);
    make_zone("acme", "acme.example.");
    make_zone("globex", "globex.example.");
    for (const char* t : {"acme", "globex"}) {
      for (Role r : {Role::kViewer, Role::kEditor, Role::kApprover})
        tokens[std::string(t) + ":" + std::string(role_name(r))] = token(t, r);
    }
    tokens["operator"] = token(std::nullopt, Role::kOperator);
  }

  Portfolio portfolio() {
    Portfolio p(root->store(), root->clock());
    p.set_edit_hook(&root->dnssec().signing());
    return p;
  }

  void make_zone(const std::string& tenant, const std::string& apex) {
    auto txn = root->store().begin_write();
    Portfolio p = portfolio();
    if (!root->store().find_tenant(txn, tenant))
      p.create_tenant(txn, tenant);
    p.create_zone_with_soa(txn, tenant, Name::from_text(apex),
                           {Name::from_text("ns1." + apex), Name::from_text("ns2." + apex)});
    p.edit_zone(
        txn, Name::from_text(apex),
        [&](ZoneWriter& w) {
          w.add(Name::from_text("www." + apex), rrtype::A, 300,
                rdata_from_text(rrtype::A, "192.0.2.1", Name()));
          w.add(Name::from_text("mail." + apex), rrtype::MX, 300,
                rdata_from_text(rrtype::MX, "10 mx." + apex, Name()));
        },
        false);
    txn.commit();
  }

  void secure(const std::string& apex) {
    auto txn = root->store().begin_write();
    ZoneRecord z = *root->store().find_zone(txn, Name::from_text(apex));
    auto policy = root->dnssec().policies().named(txn, 0, "default");
    root->dnssec().signing().secure(txn, z, *policy, 1, false);
    txn.commit();
  }

  TokenIdentity token(std::optional<std::string> tenant, Role role) {
    return test::issue_token(*root, std::move(tenant), role);
  }

  Response call(const std::string& who, const std::string& method, const std::string& target,
                const std::string& body = "") {
    Request q;
    q.method = method;
    size_t qm = target.find('?');
    q.path = target.substr(0, qm);
    if (qm != std::string::npos) {
      std::istringstream in(target.substr(qm + 1));
      std::string pair;
      while (std::getline(in, pair, '&')) {
        size_t eq = pair.find('=');
        q.query.emplace(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
      }
    }
    q.body = body;
    q.who = tokens.at(who);
    return router.dispatch(q);
  }

  static Json json(const Response& r) { return Json::parse(r.body); }

  // Everything stored about a zone: its record, its data with signatures and its metadata.
  std::string snapshot(const std::string& apex) {
    auto txn = root->store().begin_read();
    auto z = root->store().find_zone(txn, Name::from_text(apex));
    if (!z)
      return "(absent)";
    std::ostringstream out;
    out << z->tenant_id << " " << int(z->kind) << " " << z->serial << "\n";
    write_zone_file(root->store(), txn, *z, out, /*dnssec=*/true);
    for (const auto& [kind, values] : root->store().all_meta(txn, z->id)) {
      for (const auto& v : values)
        out << kind << "=" << v << "\n";
    }
    return out.str();
  }

  uint32_t tenant_of(const std::string& apex) {
    auto txn = root->store().begin_read();
    return root->store().find_zone(txn, Name::from_text(apex))->tenant_id;
  }
  uint32_t tenant_id(const std::string& name) {
    auto txn = root->store().begin_read();
    return root->store().find_tenant(txn, name)->id;
  }

  // The rrset `name`/`type` of a GET zone answer, or null.
  static Json rrset(const Json& zone, const std::string& name, const std::string& type) {
    for (const auto& r : zone["rrsets"]) {
      if (r["name"] == name && r["type"] == type)
        return r;
    }
    return Json();
  }

  AuditEntry last_audit() {
    auto txn = root->store().begin_read();
    AuditEntry last;
    root->audit().for_each(txn, [&](const AuditEntry& e) { last = e; });
    return last;
  }

  test::TempDir dir;
  std::unique_ptr<CompositionRoot> root;
  std::unique_ptr<Service> service;
  Router router;
  std::map<std::string, TokenIdentity> tokens;
};

// ------------------------------------------------------------------ pure helpers

TEST(PdnsCodec, ZoneIdsEscapeAsPdnsDoes) {
  EXPECT_EQ(pdns::zone_id(Name::from_text("example.com.")), "example.com.");
  EXPECT_EQ(pdns::zone_id(Name::from_text("a_b.example.")), "a=5Fb.example.");
  EXPECT_EQ(pdns::zone_id(Name()), "=2E");
  EXPECT_TRUE(pdns::zone_from_id("a=5Fb.example.").equals(Name::from_text("a_b.example.")));
  EXPECT_TRUE(pdns::zone_from_id("example.com").equals(Name::from_text("example.com.")));
  EXPECT_THROW(pdns::zone_from_id("a=5").equals(Name()), HttpError);
}

TEST(PdnsCodec, SearchPatternsUseStarAndQuestionMarkFoldingCase) {
  EXPECT_TRUE(pdns::pattern_matches("*acme*", "www.ACME.example"));
  EXPECT_TRUE(pdns::pattern_matches("www.acme.exampl?", "www.acme.example"));
  EXPECT_FALSE(pdns::pattern_matches("www", "www.acme.example"));
  EXPECT_FALSE(pdns::pattern_matches("?", ""));
  EXPECT_TRUE(pdns::pattern_matches("*", ""));
  EXPECT_TRUE(pdns::pattern_matches("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(pdns::pattern_matches("a*b*c", "aXXbYY"));
  EXPECT_TRUE(pdns::pattern_matches("*example*", "*.wild.example"));  // a '*' in the text too
  EXPECT_FALSE(pdns::pattern_matches("*x", "*.wild"));
}

TEST(PdnsCodec, PrimariesAreAddressesShownWithoutPort53) {
  EXPECT_EQ(pdns::primary_address("192.0.2.1", "m"), "192.0.2.1");
  EXPECT_EQ(pdns::primary_address("192.0.2.1:53", "m"), "192.0.2.1");
  EXPECT_EQ(pdns::primary_address("192.0.2.1:5300", "m"), "192.0.2.1:5300");
  EXPECT_EQ(pdns::primary_address("2001:DB8::1", "m"), "2001:db8::1");
  EXPECT_EQ(pdns::primary_address("[2001:db8::1]:5300", "m"), "[2001:db8::1]:5300");
  EXPECT_THROW(pdns::primary_address("ns1.example.", "m"), InputError);
  EXPECT_THROW(pdns::primary_address("192.0.2.1:0", "m"), InputError);
}

// ------------------------------------------------------------------ servers

TEST_F(PdnsApiTest, ServersDescribeLocalhostAsAnAuthoritativePdns) {
  Response list = call("acme:viewer", "GET", "/api/v1/servers");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(json(list).size(), 1u);
  Response one = call("acme:viewer", "GET", kServer);
  ASSERT_EQ(one.status, 200);
  Json s = json(one);
  EXPECT_EQ(json(list)[0], s);
  EXPECT_EQ(s["type"], "Server");
  EXPECT_EQ(s["id"], "localhost");
  EXPECT_EQ(s["daemon_type"], "authoritative");
  EXPECT_EQ(s["url"], kServer);
  EXPECT_EQ(s["zones_url"], kZones + "{/zone}");
  EXPECT_EQ(s["config_url"], kServer + "/config{/config_setting}");
  EXPECT_TRUE(s["version"].is_string());
}

// ------------------------------------------------------------------ listing and reading

TEST_F(PdnsApiTest, ListingShowsTheTokensTenantOnly) {
  secure("acme.example.");
  make_zone("acme", "acme2.example.");
  Response r = call("acme:viewer", "GET", kZones);
  ASSERT_EQ(r.status, 200) << r.body;
  Json list = json(r);
  ASSERT_EQ(list.size(), 2u) << r.body;
  std::map<std::string, Json> by_name;
  for (const auto& z : list)
    by_name[z["name"]] = z;
  ASSERT_TRUE(by_name.count("acme.example."));
  Json z = by_name["acme.example."];
  EXPECT_EQ(z["id"], "acme.example.");
  EXPECT_EQ(z["url"], kZones + "/acme.example.");
  EXPECT_EQ(z["account"], "acme");
  EXPECT_EQ(z["kind"], "Native");
  EXPECT_EQ(z["dnssec"], true);
  EXPECT_EQ(by_name["acme2.example."]["dnssec"], false);
  EXPECT_TRUE(z["serial"].is_number());
  EXPECT_EQ(z["edited_serial"], z["serial"]);
  EXPECT_TRUE(z["notified_serial"].is_number());
  EXPECT_TRUE(z["masters"].is_array());
  EXPECT_FALSE(z.contains("rrsets"));

  Response all = call("operator", "GET", kZones);
  EXPECT_EQ(json(all).size(), 3u);
}

TEST_F(PdnsApiTest, TheZoneFilterNeverFindsAnotherTenantsZone) {
  Json own = json(call("acme:viewer", "GET", kZones + "?zone=acme.example."));
  ASSERT_EQ(own.size(), 1u);
  EXPECT_EQ(own[0]["name"], "acme.example.");
  Json foreign = json(call("acme:viewer", "GET", kZones + "?zone=globex.example."));
  Json absent = json(call("acme:viewer", "GET", kZones + "?zone=nowhere.example."));
  EXPECT_EQ(foreign, Json::array());
  EXPECT_EQ(absent, Json::array());
}

TEST_F(PdnsApiTest, AZoneComesWithItsRrsetsInPdnsShape) {
  Response r = call("acme:viewer", "GET", kZones + "/acme.example.");
  ASSERT_EQ(r.status, 200) << r.body;
  Json z = json(r);
  for (const char* key : {"id",
                          "url",
                          "name",
                          "kind",
                          "account",
                          "masters",
                          "serial",
                          "notified_serial",
                          "edited_serial",
                          "dnssec",
                          "soa_edit_api",
                          "soa_edit",
                          "nsec3param",
                          "nsec3narrow",
                          "api_rectify",
                          "master_tsig_key_ids",
                          "slave_tsig_key_ids",
                          "last_check",
                          "catalog",
                          "rrsets"})
    EXPECT_TRUE(z.contains(key)) << key;
  Json www = rrset(z, "www.acme.example.", "A");
  ASSERT_FALSE(www.is_null()) << r.body;
  EXPECT_EQ(www["ttl"], 300);
  EXPECT_EQ(www["records"], (Json::array({Json{{"content", "192.0.2.1"}, {"disabled", false}}})));
  EXPECT_EQ(www["comments"], Json::array());
  Json mx = rrset(z, "mail.acme.example.", "MX");
  EXPECT_EQ(mx["records"][0]["content"], "10 mx.acme.example.");
  EXPECT_FALSE(rrset(z, "acme.example.", "SOA").is_null());
  EXPECT_EQ(rrset(z, "acme.example.", "NS")["records"].size(), 2u);

  Json bare = json(call("acme:viewer", "GET", kZones + "/acme.example.?rrsets=false"));
  EXPECT_FALSE(bare.contains("rrsets"));
  EXPECT_EQ(call("acme:viewer", "GET", kZones + "/acme.example.?rrsets=maybe").status, 422);
}

TEST_F(PdnsApiTest, ZoneIdsMayBeEscaped) {
  make_zone("acme", "a_b.acme-sub.example.");
  Json list = json(call("acme:viewer", "GET", kZones + "?zone=a_b.acme-sub.example."));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["id"], "a=5Fb.acme-sub.example.");
  Response r = call("acme:viewer", "GET", kZones + "/a=5Fb.acme-sub.example.");
  EXPECT_EQ(r.status, 200) << r.body;
}

// ------------------------------------------------------------------ creating

TEST_F(PdnsApiTest, ATenantsNewZoneIsItsOwnWhateverAccountSays) {
  Response r = call("acme:editor", "POST", kZones,
                    R"({"name": "new.example.", "kind": "Native", "account": "globex",
                        "nameservers": ["ns1.new.example.", "ns2.new.example."]})");
  ASSERT_EQ(r.status, 201) << r.body;
  Json z = json(r);
  EXPECT_EQ(z["name"], "new.example.");
  EXPECT_EQ(z["account"], "acme");
  EXPECT_EQ(z["soa_edit_api"], "DEFAULT");
  EXPECT_EQ(rrset(z, "new.example.", "NS")["records"].size(), 2u);
  EXPECT_FALSE(rrset(z, "new.example.", "SOA").is_null());
  EXPECT_EQ(tenant_of("new.example."), tenant_id("acme"));
  AuditEntry e = last_audit();
  EXPECT_EQ(e.actor, tokens.at("acme:editor").actor());
}

TEST_F(PdnsApiTest, AnOperatorPlacesANewZoneByAccount) {
  ASSERT_EQ(call("operator", "POST", kZones,
                 R"({"name": "g2.example.", "kind": "Master", "account": "globex"})")
                .status,
            201);
  EXPECT_EQ(tenant_of("g2.example."), tenant_id("globex"));
  Response d = call("operator", "POST", kZones, R"({"name": "d.example.", "kind": "Native"})");
  ASSERT_EQ(d.status, 201) << d.body;
  EXPECT_EQ(json(d)["account"], "default");
  EXPECT_EQ(json(d)["kind"], "Native");
  // Records that contradict each other are bad input, as in pdns.
  Response bad = call("operator", "POST", kZones, R"({"name": "c.example.", "kind": "Native",
      "rrsets": [{"name": "x.c.example.", "type": "CNAME", "ttl": 60,
                  "records": [{"content": "y.c.example."}]},
                 {"name": "x.c.example.", "type": "A", "ttl": 60,
                  "records": [{"content": "192.0.2.1"}]}]})");
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(snapshot("c.example."), "(absent)");
}

TEST_F(PdnsApiTest, ANewZoneMayBringItsRrsets) {
  Response r = call("acme:editor", "POST", kZones, R"({
      "name": "full.example.", "kind": "Native", "nameservers": ["ns1.full.example."],
      "rrsets": [{"name": "www.full.example.", "type": "AAAA", "ttl": 60,
                  "records": [{"content": "2001:db8::1", "disabled": false}]}]})");
  ASSERT_EQ(r.status, 201) << r.body;
  Json www = rrset(json(r), "www.full.example.", "AAAA");
  EXPECT_EQ(www["ttl"], 60);
  EXPECT_EQ(www["records"][0]["content"], "2001:db8::1");
}

TEST_F(PdnsApiTest, CreatingAnExistingZoneIs409WithPdnsBody) {
  for (const char* name : {"acme.example.", "globex.example.", "sub.globex.example."}) {
    Response r = call("acme:editor", "POST", kZones,
                      std::string(R"({"name": ")") + name + R"(", "kind": "Native"})");
    EXPECT_EQ(r.status, 409) << name;
    EXPECT_EQ(json(r), (Json{{"error", "Conflict"}})) << name;
  }
  EXPECT_EQ(tenant_of("globex.example."), tenant_id("globex"));
}

TEST_F(PdnsApiTest, BadCreationInputIs422NamingTheField) {
  Response r =
      call("acme:editor", "POST", kZones, R"({"name": "nodot.example", "kind": "Native"})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(json(r)["error"].get<std::string>().rfind("name: ", 0), 0u) << r.body;
  r = call("acme:editor", "POST", kZones, R"({"name": "k.example."})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(json(r)["error"].get<std::string>().rfind("kind: ", 0), 0u) << r.body;
  r = call("acme:editor", "POST", kZones,
           R"({"name": "k.example.", "kind": "Native", "nameservers": ["ns1.k.example"]})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(json(r)["error"].get<std::string>().rfind("nameservers[0]: ", 0), 0u) << r.body;
  r = call("acme:editor", "POST", kZones, "{not json");
  EXPECT_EQ(r.status, 422);
  auto txn = root->store().begin_read();
  EXPECT_FALSE(root->store().find_zone(txn, Name::from_text("k.example.")));
}

// ------------------------------------------------------------------ PATCH

TEST_F(PdnsApiTest, PatchReplacesAndDeletesRrsetsAndBumpsTheSerial) {
  uint32_t before = json(call("acme:viewer", "GET", kZones + "/acme.example."))["serial"];
  Response r = call("acme:editor", "PATCH", kZones + "/acme.example.", R"({"rrsets": [
      {"name": "www.acme.example.", "type": "A", "ttl": 120, "changetype": "REPLACE",
       "records": [{"content": "192.0.2.7", "disabled": false},
                   {"content": "192.0.2.8", "disabled": false}]},
      {"name": "mail.acme.example.", "type": "MX", "changetype": "delete"},
      {"name": "_acme-challenge.acme.example.", "type": "TXT", "ttl": 60, "changetype": "REPLACE",
       "records": [{"content": "\"token\"", "disabled": false}]}]})");
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_TRUE(r.body.empty());
  Json z = json(call("acme:viewer", "GET", kZones + "/acme.example."));
  Json www = rrset(z, "www.acme.example.", "A");
  EXPECT_EQ(www["ttl"], 120);
  EXPECT_EQ(www["records"].size(), 2u);
  EXPECT_TRUE(rrset(z, "mail.acme.example.", "MX").is_null());
  EXPECT_EQ(rrset(z, "_acme-challenge.acme.example.", "TXT")["records"][0]["content"], "\"token\"");
  EXPECT_EQ(z["serial"], before + 1);
  EXPECT_EQ(last_audit().actor, tokens.at("acme:editor").actor());
}

TEST_F(PdnsApiTest, APatchWithOneBadRrsetChangesNothing) {
  std::string before = snapshot("acme.example.");
  Response r = call("acme:editor", "PATCH", kZones + "/acme.example.", R"({"rrsets": [
      {"name": "ok.acme.example.", "type": "A", "ttl": 60, "changetype": "REPLACE",
       "records": [{"content": "192.0.2.9", "disabled": false}]},
      {"name": "bad.acme.example.", "type": "A", "ttl": 60, "changetype": "REPLACE",
       "records": [{"content": "192.0.2.300", "disabled": false}]}]})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(json(r)["error"].get<std::string>().rfind("rrsets[1].records[0].content: ", 0), 0u)
      << r.body;
  EXPECT_EQ(snapshot("acme.example."), before);

  // A conflict found by the store (CNAME beside other data) is refused the same way.
  r = call("acme:editor", "PATCH", kZones + "/acme.example.", R"({"rrsets": [
      {"name": "ok.acme.example.", "type": "A", "ttl": 60, "changetype": "REPLACE",
       "records": [{"content": "192.0.2.9", "disabled": false}]},
      {"name": "www.acme.example.", "type": "CNAME", "ttl": 60, "changetype": "REPLACE",
       "records": [{"content": "ok.acme.example.", "disabled": false}]}]})");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(snapshot("acme.example."), before);
}

TEST_F(PdnsApiTest, PatchInputErrorsNameTheField) {
  struct Case {
    const char* rrset;
    const char* field;
  } cases[] = {
      {R"({"name": "x.acme.example.", "type": "NS", "ttl": 60, "changetype": "REPLACE",
           "records": [{"content": "ns1.example.com"}]})",
       "rrsets[0].records[0].content: "},
      {R"({"name": "x.acme.example", "type": "A", "changetype": "DELETE"})", "rrsets[0].name: "},
      {R"({"name": "x.acme.example.", "type": "NOPE", "changetype": "DELETE"})",
       "rrsets[0].type: "},
      {R"({"name": "x.acme.example.", "type": "A", "changetype": "UPSERT"})",
       "rrsets[0].changetype: "},
      {R"({"name": "x.other.example.", "type": "A", "ttl": 5, "changetype": "REPLACE",
           "records": []})",
       "rrsets[0].name: "},
      {R"({"name": "x.acme.example.", "type": "A", "changetype": "REPLACE",
           "records": [{"content": "192.0.2.1"}]})",
       "rrsets[0].ttl: "},
      {R"({"name": "x.acme.example.", "type": "A", "ttl": 5, "changetype": "REPLACE",
           "records": [{"content": "192.0.2.1", "disabled": true}]})",
       "rrsets[0].records[0].disabled: "},
      {R"({"name": "x.acme.example.", "type": "A", "ttl": 5, "changetype": "REPLACE",
           "records": [{"content": "192.0.2.1"}, {"content": "192.0.2.1"}]})",
       "rrsets[0].records[1].content: "},
      {R"({"name": "x.acme.example.", "type": "CNAME", "ttl": 5, "changetype": "REPLACE",
           "records": [{"content": "a.example."}, {"content": "b.example."}]})",
       "rrsets[0].records: "},
  };
  std::string before = snapshot("acme.example.");
  for (const auto& c : cases) {
    Response r = call("acme:editor", "PATCH", kZones + "/acme.example.",
                      std::string(R"({"rrsets": [)") + c.rrset + "]}");
    EXPECT_EQ(r.status, 422) << c.rrset;
    EXPECT_EQ(json(r)["error"].get<std::string>().rfind(c.field, 0), 0u) << r.body;
  }
  Response none = call("acme:editor", "PATCH", kZones + "/acme.example.", R"({})");
  EXPECT_EQ(none.status, 422);
  EXPECT_EQ(snapshot("acme.example."), before);
}

TEST_F(PdnsApiTest, PatchingASecuredZoneLeavesItValid) {
  secure("acme.example.");
  Response r = call("acme:editor", "PATCH", kZones + "/acme.example.", R"({"rrsets": [
      {"name": "new.acme.example.", "type": "A", "ttl": 60, "changetype": "REPLACE",
       "records": [{"content": "192.0.2.10", "disabled": false}]},
      {"name": "deep.er.acme.example.", "type": "TXT", "ttl": 60, "changetype": "REPLACE",
       "records": [{"content": "\"x\"", "disabled": false}]},
      {"name": "www.acme.example.", "type": "A", "changetype": "DELETE"}]})");
  ASSERT_EQ(r.status, 204) << r.body;
  auto txn = root->store().begin_read();
  ZoneRecord z = *root->store().find_zone(txn, Name::from_text("acme.example."));
  VerifyReport report = root->dnssec().verifier().verify(txn, z);
  EXPECT_TRUE(report.ok()) << (report.problems.empty() ? "" : report.problems.front());
  EXPECT_GT(report.signatures, 0u);
  // The keys Signet manages are not the client's to change.
  Response keys = call("acme:editor", "PATCH", kZones + "/acme.example.",
                       R"({"rrsets": [{"name": "acme.example.", "type": "DNSKEY",
                                       "changetype": "DELETE"}]})");
  EXPECT_EQ(keys.status, 422) << keys.body;
}

// ------------------------------------------------------------------ PUT, DELETE

TEST_F(PdnsApiTest, PutChangesKindPrimariesAndSoaEditApi) {
  Response r = call("acme:editor", "PUT", kZones + "/acme.example.", R"({
      "kind": "Slave", "masters": ["192.0.2.53", "[2001:db8::53]:5300"],
      "soa_edit_api": "INCEPTION-INCREMENT", "account": "acme"})");
  ASSERT_EQ(r.status, 204) << r.body;
  Json z = json(call("acme:viewer", "GET", kZones + "/acme.example.?rrsets=false"));
  EXPECT_EQ(z["kind"], "Slave");
  EXPECT_EQ(z["masters"], (Json::array({"192.0.2.53", "[2001:db8::53]:5300"})));
  EXPECT_EQ(z["soa_edit_api"], "INCEPTION-INCREMENT");
  EXPECT_EQ(last_audit().actor, tokens.at("acme:editor").actor());

  Response bad = call("acme:editor", "PUT", kZones + "/acme.example.", R"({"masters": ["nope"]})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(json(bad)["error"].get<std::string>().rfind("masters[0]: ", 0), 0u) << bad.body;
}

TEST_F(PdnsApiTest, ATenantTokenNeverMovesAZoneToAnotherTenant) {
  std::string before = snapshot("acme.example.");
  Response r = call("acme:editor", "PUT", kZones + "/acme.example.",
                    R"({"account": "globex", "kind": "Master"})");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(snapshot("acme.example."), before);
  EXPECT_EQ(tenant_of("acme.example."), tenant_id("acme"));
  // "" is how pdns clients say "no account": the zone stays where it is.
  EXPECT_EQ(call("acme:editor", "PUT", kZones + "/acme.example.", R"({"account": ""})").status,
            204);
  EXPECT_EQ(tenant_of("acme.example."), tenant_id("acme"));
}

TEST_F(PdnsApiTest, AnOperatorMovesAZoneByAccount) {
  ASSERT_EQ(call("operator", "PUT", kZones + "/acme.example.", R"({"account": "globex"})").status,
            204);
  EXPECT_EQ(tenant_of("acme.example."), tenant_id("globex"));
  EXPECT_EQ(call("acme:viewer", "GET", kZones + "/acme.example.").status, 404);
}

TEST_F(PdnsApiTest, DnssecIsNotChangedThroughPut) {
  Response r = call("acme:editor", "PUT", kZones + "/acme.example.", R"({"dnssec": true})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(call("acme:editor", "PUT", kZones + "/acme.example.", R"({"dnssec": false})").status,
            204);
}

// keystore/presigned_zones.hh: a secondary zone its primary signs, marked at creation.
TEST_F(PdnsApiTest, ANewSecondaryZoneMayBePresignedAndIsThenEditedAtItsPrimaryOnly) {
  Response r = call("acme:editor", "POST", kZones, R"({
      "name": "pre.example.", "kind": "Slave", "masters": ["192.0.2.53"], "presigned": true})");
  ASSERT_EQ(r.status, 201) << r.body;
  Json z = json(call("acme:editor", "GET", kZones + "/pre.example."));
  EXPECT_EQ(z["presigned"], true);
  EXPECT_EQ(z["dnssec"], true);
  // Sent back as read, the settings are accepted; changed, refused naming the field.
  EXPECT_EQ(
      call("acme:editor", "PUT", kZones + "/pre.example.", R"({"presigned": true, "dnssec": true})")
          .status,
      204);
  r = call("acme:editor", "PUT", kZones + "/pre.example.", R"({"presigned": false})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(json(r)["error"].get<std::string>().rfind("presigned: ", 0), 0u) << r.body;
  // Its data comes from its primary, signed there: an edit here is refused.
  r = call("acme:editor", "PATCH", kZones + "/pre.example.", R"({"rrsets": [
      {"name": "www.pre.example.", "type": "A", "ttl": 60, "changetype": "REPLACE",
       "records": [{"content": "192.0.2.1", "disabled": false}]}]})");
  EXPECT_GE(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("presigned"), std::string::npos) << r.body;
  // Only a secondary zone can be presigned.
  r = call("acme:editor", "POST", kZones,
           R"({"name": "native.example.", "kind": "Native", "presigned": true})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(json(r)["error"].get<std::string>().rfind("presigned: ", 0), 0u) << r.body;
  auto txn = root->store().begin_read();
  EXPECT_FALSE(root->store().find_zone(txn, Name::from_text("native.example.")));
}

TEST_F(PdnsApiTest, DeleteRemovesTheZone) {
  EXPECT_EQ(call("acme:viewer", "DELETE", kZones + "/acme.example.").status, 403);
  Response r = call("acme:editor", "DELETE", kZones + "/acme.example.");
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(snapshot("acme.example."), "(absent)");
  EXPECT_EQ(call("acme:viewer", "GET", kZones + "/acme.example.").status, 404);
}

TEST_F(PdnsApiTest, AViewerReadsButDoesNotWrite) {
  std::string before = snapshot("acme.example.");
  EXPECT_EQ(call("acme:viewer", "PATCH", kZones + "/acme.example.", R"({"rrsets": []})").status,
            403);
  EXPECT_EQ(call("acme:viewer", "PUT", kZones + "/acme.example.", R"({"kind": "Master"})").status,
            403);
  EXPECT_EQ(call("acme:viewer", "PUT", kZones + "/acme.example./rectify").status, 403);
  EXPECT_EQ(
      call("acme:viewer", "POST", kZones, R"({"name": "v.example.", "kind": "Native"})").status,
      403);
  EXPECT_EQ(snapshot("acme.example."), before);
  EXPECT_EQ(snapshot("v.example."), "(absent)");
  EXPECT_EQ(call("acme:approver", "PATCH", kZones + "/acme.example.", R"({"rrsets": []})").status,
            204);
}

// ------------------------------------------------------------------ export, rectify, keys

TEST_F(PdnsApiTest, ExportIsAZoneFileAsPdnsWritesIt) {
  Response r = call("acme:viewer", "GET", kZones + "/acme.example./export");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/plain; charset=us-ascii");
  EXPECT_EQ(r.body.rfind("acme.example.\t3600\tIN\tSOA\t", 0), 0u) << r.body;
  EXPECT_NE(r.body.find("www.acme.example.\t300\tIN\tA\t192.0.2.1\n"), std::string::npos);
}

TEST_F(PdnsApiTest, RectifySucceedsAndChangesNothing) {
  std::string before = snapshot("acme.example.");
  Response r = call("acme:editor", "PUT", kZones + "/acme.example./rectify");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json(r), (Json{{"result", "Rectified"}}));
  EXPECT_EQ(snapshot("acme.example."), before);
}

// lexicon calls it after every change of a Master zone, and fails when it is missing.
TEST_F(PdnsApiTest, NotifyAnswersAsPdnsAndChangesNothing) {
  std::string before = snapshot("acme.example.");
  Response r = call("acme:editor", "PUT", kZones + "/acme.example./notify");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json(r), (Json{{"result", "Notification queued"}}));
  EXPECT_EQ(call("acme:viewer", "PUT", kZones + "/acme.example./notify").status, 403);
  EXPECT_EQ(snapshot("acme.example."), before);
}

TEST_F(PdnsApiTest, CryptokeysShowSignetsKeysWithoutPrivateParts) {
  EXPECT_EQ(json(call("acme:viewer", "GET", kZones + "/acme.example./cryptokeys")), Json::array());
  secure("acme.example.");
  Response r = call("acme:viewer", "GET", kZones + "/acme.example./cryptokeys");
  ASSERT_EQ(r.status, 200) << r.body;
  Json keys = json(r);
  ASSERT_FALSE(keys.empty());
  bool signing_key = false;
  for (const auto& k : keys) {
    EXPECT_EQ(k["type"], "Cryptokey");
    EXPECT_TRUE(k["id"].is_number());
    EXPECT_TRUE(k["keytype"] == "ksk" || k["keytype"] == "zsk" || k["keytype"] == "csk");
    EXPECT_TRUE(k["active"].is_boolean());
    EXPECT_TRUE(k["published"].is_boolean());
    EXPECT_TRUE(k["bits"].is_number());
    EXPECT_TRUE(k["algorithm"].is_string());
    std::string dnskey = k["dnskey"];
    EXPECT_EQ(dnskey.rfind(std::to_string(k["flags"].get<int>()) + " 3 ", 0), 0u) << dnskey;
    EXPECT_FALSE(k.contains("privatekey"));
    if (k["keytype"] != "zsk") {
      signing_key = true;
      EXPECT_EQ(k["ds"].size(), 3u);
    }
    Response one = call("acme:viewer", "GET",
                        kZones + "/acme.example./cryptokeys/" + std::to_string(k["id"].get<int>()));
    ASSERT_EQ(one.status, 200);
    EXPECT_EQ(json(one), k);
  }
  EXPECT_TRUE(signing_key);
  EXPECT_EQ(keys[0]["active"], true);
  EXPECT_EQ(keys[0]["published"], true);
  Response missing = call("acme:viewer", "GET", kZones + "/acme.example./cryptokeys/99999");
  EXPECT_EQ(missing.status, 404);
}

// ------------------------------------------------------------------ search-data

TEST_F(PdnsApiTest, SearchFindsTheTenantsZonesAndRecordsOnly) {
  Json all = json(call("acme:viewer", "GET", kServer + "/search-data?q=*example*"));
  bool zone = false, record = false;
  for (const auto& o : all) {
    EXPECT_EQ(o.dump().find("globex"), std::string::npos) << o.dump();
    zone |= o["object_type"] == "zone" && o["name"] == "acme.example.";
    record |= o["object_type"] == "record" && o["name"] == "www.acme.example." &&
              o["type"] == "A" && o["zone_id"] == "acme.example." && o["ttl"] == 300;
  }
  EXPECT_TRUE(zone) << all.dump();
  EXPECT_TRUE(record) << all.dump();

  Json by_content = json(call("acme:viewer", "GET", kServer + "/search-data?q=192.0.2.?"));
  ASSERT_EQ(by_content.size(), 1u) << by_content.dump();
  EXPECT_EQ(by_content[0]["content"], "192.0.2.1");
  Json zones = json(call("acme:viewer", "GET", kServer + "/search-data?q=*&object_type=zone"));
  ASSERT_EQ(zones.size(), 1u);
  Json capped =
      json(call("acme:viewer", "GET", kServer + "/search-data?q=*&max=2&object_type=record"));
  EXPECT_EQ(capped.size(), 2u);
  Json foreign = json(call("acme:viewer", "GET", kServer + "/search-data?q=*globex*"));
  EXPECT_EQ(foreign, Json::array());
  Json op = json(call("operator", "GET", kServer + "/search-data?q=*globex*&object_type=zone"));
  EXPECT_EQ(op.size(), 1u);

  EXPECT_EQ(call("acme:viewer", "GET", kServer + "/search-data").status, 422);
  EXPECT_EQ(call("acme:viewer", "GET", kServer + "/search-data?q=x&max=0").status, 422);
  EXPECT_EQ(call("acme:viewer", "GET", kServer + "/search-data?q=x&object_type=key").status, 422);
}

// ------------------------------------------------------------------ tenant isolation

struct Attempt {
  std::string method, suffix, body;
};

std::vector<Attempt> zone_attempts() {
  return {
      {"GET", "", ""},
      {"GET", "?rrsets=false", ""},
      {"PATCH", "",
       R"({"rrsets": [{"name": "x.ZONE", "type": "A", "ttl": 1, "changetype": "REPLACE",
                       "records": [{"content": "192.0.2.66"}]}]})"},
      {"PATCH", "", R"({"rrsets": [{"name": "www.ZONE", "type": "A", "changetype": "DELETE"}]})"},
      {"PATCH", "", "{malformed"},
      {"PUT", "", R"({"kind": "Master", "account": "acme"})"},
      {"PUT", "", "{malformed"},
      {"DELETE", "", ""},
      {"GET", "/export", ""},
      {"PUT", "/rectify", ""},
      {"PUT", "/notify", ""},
      {"GET", "/cryptokeys", ""},
      {"GET", "/cryptokeys/1", ""},
  };
}

std::string with_zone(std::string text, const std::string& zone) {
  for (size_t at; (at = text.find("ZONE")) != std::string::npos;)
    text.replace(at, 4, zone);
  return text;
}

TEST_F(PdnsApiTest, AnotherTenantsZoneIsExactlyAnAbsentZoneOnEveryRouteAndMethod) {
  secure("globex.example.");
  std::string before = snapshot("globex.example.");
  size_t attempts = 0;
  for (const char* role : {"viewer", "editor", "approver"}) {
    std::string who = std::string("acme:") + role;
    for (const auto& a : zone_attempts()) {
      Response foreign = call(who, a.method, kZones + "/globex.example." + a.suffix,
                              with_zone(a.body, "globex.example."));
      Response absent = call(who, a.method, kZones + "/absent.example." + a.suffix,
                             with_zone(a.body, "absent.example."));
      EXPECT_EQ(foreign.status, 404) << who << " " << a.method << " " << a.suffix;
      EXPECT_EQ(foreign.status, absent.status) << who << " " << a.method << " " << a.suffix;
      EXPECT_EQ(foreign.body, absent.body) << who << " " << a.method << " " << a.suffix;
      EXPECT_EQ(foreign.content_type, absent.content_type);
      EXPECT_EQ(foreign.headers, absent.headers);
      ++attempts;
    }
    // Listing, filtering and searching never show it either.
    EXPECT_EQ(call(who, "GET", kZones).body.find("globex"), std::string::npos);
    EXPECT_EQ(call(who, "GET", kZones + "?zone=globex.example.").body, "[]");
    EXPECT_EQ(call(who, "GET", kServer + "/search-data?q=*").body.find("globex"),
              std::string::npos);
  }
  EXPECT_EQ(attempts, 3 * zone_attempts().size());
  EXPECT_EQ(json(call("acme:viewer", "GET", kZones + "/globex.example.")),
            (Json{{"error", "Not Found"}}));
  EXPECT_EQ(snapshot("globex.example."), before);
  EXPECT_EQ(tenant_of("globex.example."), tenant_id("globex"));
}

// ------------------------------------------------------------------ catalog zones

// The attack: acme lists its zone in globex's catalog, so that secondaries globex controls take
// acme's zone, or probes which catalogs globex has.
TEST_F(PdnsApiTest, AZoneCanOnlyBeListedInACatalogItsTenantMayUse) {
  auto make_catalog = [&](const std::string& tenant, const std::string& name, bool shared) {
    auto txn = root->store().begin_write();
    Portfolio p = portfolio();
    ZoneRecord z = p.create_zone(txn, tenant, Name::from_text(name), ZoneKind::kProducer);
    Catalogs(root->store(), nullptr).make_producer(txn, z, shared, root->clock().now());
    txn.commit();
  };
  make_catalog("globex", "globex.catalog.", false);
  make_catalog("acme", "shared.catalog.", true);  // shared: whoever owns it
  Response theirs =
      call("acme:editor", "PUT", kZones + "/acme.example.", R"({"catalog": "globex.catalog."})");
  Response missing =
      call("acme:editor", "PUT", kZones + "/acme.example.", R"({"catalog": "nothere.catalog."})");
  EXPECT_EQ(theirs.status, 422) << theirs.body;
  EXPECT_EQ(missing.status, 422) << missing.body;
  // The same words whether the catalog is another tenant's or does not exist.
  EXPECT_EQ(json(theirs)["error"].get<std::string>().substr(0, 9), "catalog: ");
  EXPECT_EQ(json(theirs)["error"].get<std::string>().find("globex'"), std::string::npos);
  Response r = call("acme:editor", "GET", kZones + "/acme.example.", "");
  EXPECT_EQ(json(r)["catalog"], "");
  // A shared catalog is open to every tenant (globex's zone too); "" takes the zone out again.
  r = call("globex:editor", "PUT", kZones + "/globex.example.",
           R"({"catalog": "shared.catalog."})");
  EXPECT_EQ(r.status, 204) << r.body;
  r = call("acme:editor", "PUT", kZones + "/acme.example.", R"({"catalog": "shared.catalog."})");
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(json(call("acme:editor", "GET", kZones + "/acme.example.", ""))["catalog"],
            "shared.catalog.");
  r = call("acme:editor", "PUT", kZones + "/acme.example.", R"({"catalog": ""})");
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(json(call("acme:editor", "GET", kZones + "/acme.example.", ""))["catalog"], "");
}

}  // namespace
