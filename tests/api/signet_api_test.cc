// SPDX-License-Identifier: GPL-2.0-or-later
//
// Signet's own endpoints (api/signet_api.cc), called through Router::dispatch with identities of
// real tokens in a temporary store: what each endpoint does, the role rules, and that another
// tenant's zone is answered exactly as a zone that does not exist.
#include "api/signet_api.hh"

#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "api/openapi.hh"
#include "conf/composition_root.hh"
#include "conf/policy.hh"
#include "conf/policy_import.hh"
#include "tests/support/api_tokens.hh"
#include "tests/support/offline_root.hh"
#include "tests/support/temp_dir.hh"

using namespace signet;
using namespace signet::api;

namespace {

// A global policy that asks before each rollover step; its parent is a closed loopback port.
const char* kManualPolicy =
    "policies:\n"
    "  - name: careful\n"
    "    keys: ksk-zsk\n"
    "    dnskey-ttl: 60\n"
    "    propagation-delay: 60\n"
    "    max-zone-ttl: 300\n"
    "    denial: nsec\n"
    "    parent-nameservers: [\"127.0.0.1:9\"]\n"
    "    approval: manual\n";

const char* kGlobexPolicy =
    "policies:\n"
    "  - name: globex-own\n"
    "    keys: csk\n";

class SignetApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root = offline_root(dir);
    service = std::make_unique<Service>(*root);
    add_signet_routes(router, *service);
    make_zone("acme", "acme.example.");
    make_zone("acme", "shop.acme-two.example.");
    make_zone("globex", "globex.example.");
    import_policies(kManualPolicy, std::nullopt);
    import_policies(kGlobexPolicy, "globex");
  }

  void make_zone(const std::string& tenant, const std::string& apex) {
    auto txn = root->store().begin_write();
    Portfolio p(root->store(), root->clock());
    p.set_audit(&root->audit());
    p.set_edit_hook(&root->dnssec().signing());
    if (!root->store().find_tenant(txn, tenant))
      p.create_tenant(txn, tenant);
    p.create_zone_with_soa(txn, tenant, Name::from_text(apex), {Name::from_text("ns1." + apex)});
    txn.commit();
  }

  void import_policies(const char* yaml, std::optional<std::string> tenant) {
    auto list =
        parse_policies(yaml, "test", tenant ? PolicyAuthor::kTenant : PolicyAuthor::kOperator);
    auto txn = root->store().begin_write();
    std::optional<TenantRecord> owner;
    if (tenant)
      owner = root->store().find_tenant(txn, *tenant);
    PolicyImporter(root->dnssec(), root->keyman(), root->audit())
        .import(txn, owner ? &*owner : nullptr, list);
    txn.commit();
  }

  // The identity of a new token, authenticated from its text as signetd does.
  TokenIdentity token(std::optional<std::string> tenant, Role role) {
    return test::issue_token(*root, std::move(tenant), role);
  }

  Response call(std::optional<TokenIdentity> who, const std::string& method,
                const std::string& path, const std::string& body = "",
                std::multimap<std::string, std::string> query = {}) {
    Request q;
    q.method = method;
    q.path = path;
    q.body = body;
    q.query = std::move(query);
    q.who = who;
    return router.dispatch(q);
  }

  static Json body(const Response& r) { return Json::parse(r.body); }

  bool secured(const std::string& apex) {
    auto txn = root->store().begin_read();
    auto z = root->store().find_zone(txn, Name::from_text(apex));
    return root->dnssec().state().find(txn, z->id).has_value();
  }

  std::vector<AuditEntry> audit_entries(const std::string& kind) {
    std::vector<AuditEntry> out;
    auto txn = root->store().begin_read();
    root->audit().for_each(txn, [&](const AuditEntry& e) {
      if (e.kind == kind)
        out.push_back(e);
    });
    return out;
  }

  std::string zone_path(const std::string& apex, const std::string& tail) {
    return "/api/v1/signet/zones/" + apex + tail;
  }

  signet::test::TempDir dir;
  std::unique_ptr<CompositionRoot> root;
  std::unique_ptr<Service> service;
  Router router;
};

// ------------------------------------------------------------------ the document

TEST_F(SignetApiTest, TheOpenApiDocumentDescribesExactlyTheRegisteredRoutes) {
  std::set<std::string> registered, documented;
  for (const auto& r : router.routes()) {
    if (r.pattern.rfind("/api/v1/signet/", 0) == 0 || r.pattern == "/metrics")
      registered.insert(r.method + " " + r.pattern);
  }
  const Json& doc = openapi_document();
  for (const auto& [path, item] : doc.at("paths").items()) {
    for (const auto& [method, op] : item.items()) {
      std::string m = method;
      std::transform(m.begin(), m.end(), m.begin(), ::toupper);
      documented.insert(m + " " + path);
      // Every operation documents its answers, errors included (except the document itself).
      ASSERT_TRUE(op.contains("responses")) << path;
      if (path != "/api/v1/signet/openapi.json") {
        EXPECT_TRUE(op["responses"].contains("401")) << m << " " << path;
      }
      // Path parameters are declared.
      for (std::string seg : {"{zone}", "{step}"}) {
        if (path.find(seg) != std::string::npos) {
          EXPECT_TRUE(op.contains("parameters")) << m << " " << path;
        }
      }
    }
  }
  EXPECT_EQ(registered, documented);
  EXPECT_EQ(doc.at("openapi"), "3.0.3");
  EXPECT_TRUE(doc.at("components").at("schemas").contains("Error"));
}

TEST_F(SignetApiTest, TheDocumentIsServedAsJsonWithoutAToken) {
  Response r = call(std::nullopt, "GET", "/api/v1/signet/openapi.json");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(body(r), openapi_document());
}

TEST(YamlToJson, PlainScalarsGetTheirTypesAndQuotedOnesStayStrings) {
  Json j = yaml_to_json("a: 1\nb: \"1\"\nc: true\nd: 1.5\ne: x\nf: [null, -2]\n");
  EXPECT_EQ(j, (Json{{"a", 1},
                     {"b", "1"},
                     {"c", true},
                     {"d", 1.5},
                     {"e", "x"},
                     {"f", Json::array({nullptr, -2})}}));
}

// ------------------------------------------------------------------ DNSSEC

TEST_F(SignetApiTest, SecuringThroughTheApiGivesAZoneTheVerifierAccepts) {
  auto editor = token("acme", Role::kEditor);
  Response r =
      call(editor, "POST", zone_path("acme.example.", "/secure"), R"({"policy":"default"})");
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = body(r);
  EXPECT_EQ(j["policy"], "default");
  EXPECT_FALSE(j["keys"].empty());
  EXPECT_FALSE(j["ds"].empty());
  {
    auto txn = root->store().begin_read();
    auto z = root->store().find_zone(txn, Name::from_text("acme.example."));
    VerifyReport v = root->dnssec().verifier().verify(txn, *z);
    EXPECT_TRUE(v.ok()) << (v.problems.empty() ? "" : v.problems.front());
    EXPECT_GT(v.signatures, 0u);
  }
  // Audited with the token as the actor.
  bool by_token = false;
  for (const auto& e : audit_entries("zone-secured"))
    by_token |= e.actor == editor.actor() && e.zone == "acme.example.";
  EXPECT_TRUE(by_token);
  // Securing it again is a conflict.
  EXPECT_EQ(call(editor, "POST", zone_path("acme.example.", "/secure")).status, 409);
}

TEST_F(SignetApiTest, TheDnssecStateShowsKeysDsCdsAndTheParentView) {
  auto editor = token("acme", Role::kEditor);
  Json unsigned_state = body(call(editor, "GET", zone_path("acme.example.", "/dnssec")));
  EXPECT_EQ(unsigned_state, (Json{{"zone", "acme.example."}, {"secured", false}}));
  ASSERT_EQ(call(editor, "POST", zone_path("acme.example.", "/secure")).status, 200);
  Response r = call(token("acme", Role::kViewer), "GET", zone_path("acme.example.", "/dnssec"));
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = body(r);
  EXPECT_TRUE(j["secured"].get<bool>());
  EXPECT_EQ(j["policy"], "default");
  EXPECT_NE(j["earliest_expiry"], "-");
  ASSERT_FALSE(j["keys"].empty());
  for (const auto& k : j["keys"]) {
    EXPECT_TRUE(k.contains("state"));
    EXPECT_TRUE(k.contains("next_event"));
  }
  EXPECT_EQ(j["ds"].size(), 1u);
  EXPECT_TRUE(j["parent"].contains("checked"));
  EXPECT_TRUE(j["cds_records"].is_array());
  EXPECT_TRUE(j["cdnskey_records"].is_array());
}

TEST_F(SignetApiTest, AViewerCannotWriteAndItsRefusedWriteChangesNothing) {
  auto viewer = token("acme", Role::kViewer);
  size_t before = audit_entries("zone-secured").size();
  EXPECT_EQ(call(viewer, "POST", zone_path("acme.example.", "/secure")).status, 403);
  EXPECT_FALSE(secured("acme.example."));
  EXPECT_EQ(audit_entries("zone-secured").size(), before);
  ASSERT_EQ(
      call(token("acme", Role::kEditor), "POST", zone_path("acme.example.", "/secure")).status,
      200);
  EXPECT_EQ(call(viewer, "POST", zone_path("acme.example.", "/unsecure")).status, 403);
  EXPECT_EQ(
      call(viewer, "POST", zone_path("acme.example.", "/rollover"), R"({"kind":"csk"})").status,
      403);
  EXPECT_EQ(
      call(viewer, "PUT", zone_path("acme.example.", "/policy"), R"({"policy":"ksk-zsk"})").status,
      403);
  EXPECT_TRUE(secured("acme.example."));
}

TEST_F(SignetApiTest, UnsecuringServesTheZoneUnsigned) {
  auto editor = token("acme", Role::kEditor);
  EXPECT_EQ(call(editor, "POST", zone_path("acme.example.", "/unsecure")).status, 409);
  ASSERT_EQ(call(editor, "POST", zone_path("acme.example.", "/secure")).status, 200);
  Response r = call(editor, "POST", zone_path("acme.example.", "/unsecure"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(secured("acme.example."));
}

TEST_F(SignetApiTest, MalformedInputIs422NamingTheField) {
  auto editor = token("acme", Role::kEditor);
  Response bad_json = call(editor, "POST", zone_path("acme.example.", "/secure"), "{nope");
  EXPECT_EQ(bad_json.status, 422);
  EXPECT_EQ(body(bad_json)["error"].get<std::string>().rfind("body:", 0), 0u);
  Response bad_type =
      call(editor, "POST", zone_path("acme.example.", "/secure"), R"({"policy":7})");
  EXPECT_EQ(bad_type.status, 422);
  EXPECT_EQ(body(bad_type)["error"].get<std::string>().rfind("policy:", 0), 0u);
  Response unknown =
      call(editor, "POST", zone_path("acme.example.", "/secure"), R"({"policy":"nonesuch"})");
  EXPECT_EQ(unknown.status, 422);
  EXPECT_FALSE(secured("acme.example."));
  ASSERT_EQ(call(editor, "POST", zone_path("acme.example.", "/secure")).status, 200);
  Response kind = call(editor, "POST", zone_path("acme.example.", "/rollover"), R"({"kind":"x"})");
  EXPECT_EQ(kind.status, 422);
  EXPECT_EQ(body(kind)["error"].get<std::string>().rfind("kind:", 0), 0u);
  EXPECT_EQ(call(editor, "POST", zone_path("acme.example.", "/rollover"), "{}").status, 422);
}

TEST_F(SignetApiTest, ARolloverStartsAndManualStepsWaitForAnApprover) {
  auto editor = token("acme", Role::kEditor);
  auto approver = token("acme", Role::kApprover);
  ASSERT_EQ(
      call(editor, "POST", zone_path("acme.example.", "/secure"), R"({"policy":"careful"})").status,
      200);
  Response r = call(editor, "POST", zone_path("acme.example.", "/rollover"), R"({"kind":"zsk"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(body(r)["awaiting_approval"].get<bool>()) << r.body;
  // The request and the step it proposed at once are the token's.
  for (const char* kind : {"rollover-requested", "rollover-proposed"}) {
    auto entries = audit_entries(kind);
    ASSERT_EQ(entries.size(), 1u) << kind;
    EXPECT_EQ(entries[0].actor, editor.actor()) << kind;
  }
  // A second request while one is pending is a conflict.
  EXPECT_EQ(
      call(editor, "POST", zone_path("acme.example.", "/rollover"), R"({"kind":"zsk"})").status,
      409);

  Json pending =
      body(call(token("acme", Role::kViewer), "GET", zone_path("acme.example.", "/pending")));
  ASSERT_EQ(pending["pending"].size(), 1u) << pending;
  std::string step = pending["pending"][0]["step"];
  EXPECT_FALSE(pending["pending"][0]["actions"].empty());
  std::string approve = zone_path("acme.example.", "/pending/" + step + "/approve");

  // An editor may not approve; a stale step id is refused; neither changes anything.
  EXPECT_EQ(call(editor, "POST", approve).status, 403);
  EXPECT_EQ(call(approver, "POST", zone_path("acme.example.", "/pending/0123456789abcdef/approve"))
                .status,
            409);
  EXPECT_TRUE(audit_entries("rollover-approved").empty());

  Response ok = call(approver, "POST", approve);
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto approved = audit_entries("rollover-approved");
  ASSERT_EQ(approved.size(), 1u);
  EXPECT_EQ(approved[0].actor, approver.actor());
  // The approved step is applied: the new ZSK exists, and the zone still verifies.
  Json state = body(call(editor, "GET", zone_path("acme.example.", "/dnssec")));
  EXPECT_EQ(state["keys"].size(), 3u) << state;
  auto txn = root->store().begin_read();
  auto z = root->store().find_zone(txn, Name::from_text("acme.example."));
  EXPECT_TRUE(root->dnssec().verifier().verify(txn, *z).ok());
  // Nothing is left to approve.
  EXPECT_EQ(call(approver, "POST", approve).status, 409);
}

// ------------------------------------------------------------------ policies

TEST_F(SignetApiTest, ATenantSeesBuiltInGlobalAndItsOwnPoliciesOnly) {
  Json acme = body(call(token("acme", Role::kViewer), "GET", "/api/v1/signet/policies"));
  Json globex = body(call(token("globex", Role::kViewer), "GET", "/api/v1/signet/policies"));
  auto names = [](const Json& list) {
    std::set<std::string> out;
    for (const auto& p : list)
      out.insert(p["name"].get<std::string>());
    return out;
  };
  EXPECT_TRUE(names(acme).count("default"));
  EXPECT_TRUE(names(acme).count("careful"));
  EXPECT_FALSE(names(acme).count("globex-own"));
  EXPECT_TRUE(names(globex).count("globex-own"));
  for (const auto& p : globex) {
    if (p["name"] == "globex-own") {
      EXPECT_EQ(p["source"], "tenant globex");
    }
    EXPECT_TRUE(p["yaml"].is_string());
  }
}

TEST_F(SignetApiTest, AZoneGetsOnlyAPolicyItsTenantMayUse) {
  auto editor = token("acme", Role::kEditor);
  std::string path = zone_path("acme.example.", "/policy");
  EXPECT_EQ(call(editor, "PUT", path, R"({"policy":"ksk-zsk"})").status, 409);  // not secured
  ASSERT_EQ(call(editor, "POST", zone_path("acme.example.", "/secure")).status, 200);
  Response foreign = call(editor, "PUT", path, R"({"policy":"globex-own"})");
  EXPECT_EQ(foreign.status, 422) << foreign.body;
  EXPECT_EQ(call(editor, "PUT", path, "{}").status, 422);
  Response ok = call(editor, "PUT", path, R"({"policy":"ksk-zsk"})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(body(ok)["policy"], "ksk-zsk");
  EXPECT_EQ(body(ok)["before"], "default");
  bool by_token = false;
  for (const auto& e : audit_entries("policy-assigned"))
    by_token |= e.actor == editor.actor();
  EXPECT_TRUE(by_token);
  Response inherit = call(editor, "PUT", path, R"({"policy":null})");
  ASSERT_EQ(inherit.status, 200) << inherit.body;
  EXPECT_EQ(body(inherit)["policy"], "default");
  EXPECT_TRUE(body(inherit)["inherited"].get<bool>());
}

// ------------------------------------------------------------------ health, metrics, audit

TEST_F(SignetApiTest, HealthCoversTheTenantsZonesOrAllForAnOperator) {
  ASSERT_EQ(
      call(token("acme", Role::kEditor), "POST", zone_path("acme.example.", "/secure")).status,
      200);
  Json acme = body(call(token("acme", Role::kViewer), "GET", "/api/v1/signet/health"));
  std::set<std::string> zones;
  for (const auto& z : acme["zones"])
    zones.insert(z["zone"].get<std::string>());
  EXPECT_EQ(zones, (std::set<std::string>{"acme.example.", "shop.acme-two.example."}));
  EXPECT_FALSE(acme["store"].contains("map_bytes"));
  Json all = body(call(token(std::nullopt, Role::kOperator), "GET", "/api/v1/signet/health"));
  EXPECT_EQ(all["zones"].size(), 3u);
  EXPECT_TRUE(all["store"].contains("map_bytes"));

  Response one = call(token("acme", Role::kViewer), "GET", zone_path("acme.example.", "/health"));
  ASSERT_EQ(one.status, 200) << one.body;
  Json z = body(one);
  EXPECT_EQ(z["zone"], "acme.example.");
  EXPECT_TRUE(z["signed"].get<bool>());
  std::set<std::string> statuses{"ok", "warning", "critical"};
  EXPECT_TRUE(statuses.count(z["status"].get<std::string>()));
}

TEST_F(SignetApiTest, MetricsNeedAnOperatorTokenOrAnAllowedAddress) {
  Response r = call(token(std::nullopt, Role::kOperator), "GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type.rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_NE(r.body.find("# TYPE signet_zones gauge"), std::string::npos);
  EXPECT_NE(r.body.find("zone=\"globex.example.\""), std::string::npos);
  EXPECT_EQ(call(token("acme", Role::kApprover), "GET", "/metrics").status, 403);
  // No token: the HTTP binding let the address in (signet-api-metrics-allow).
  EXPECT_EQ(call(std::nullopt, "GET", "/metrics").status, 200);
}

TEST_F(SignetApiTest, ATenantReadsOnlyItsOwnAuditEntriesPageByPage) {
  auto acme_editor = token("acme", Role::kEditor);
  auto globex_editor = token("globex", Role::kEditor);
  ASSERT_EQ(call(acme_editor, "POST", zone_path("acme.example.", "/secure")).status, 200);
  ASSERT_EQ(call(globex_editor, "POST", zone_path("globex.example.", "/secure")).status, 200);
  auto acme_viewer = token("acme", Role::kViewer);

  std::vector<Json> seen;
  std::string cursor = "0";
  for (int pages = 0; pages < 100; ++pages) {
    Response r =
        call(acme_viewer, "GET", "/api/v1/signet/audit", "", {{"limit", "2"}, {"cursor", cursor}});
    ASSERT_EQ(r.status, 200) << r.body;
    Json j = body(r);
    EXPECT_LE(j["entries"].size(), 2u);
    for (const auto& e : j["entries"])
      seen.push_back(e);
    if (j["next_cursor"].is_null())
      break;
    cursor = j["next_cursor"];
  }
  ASSERT_FALSE(seen.empty());
  uint64_t last = 0;
  for (const auto& e : seen) {
    EXPECT_EQ(e["tenant"], "acme") << e;
    EXPECT_GT(e["seq"].get<uint64_t>(), last);
    last = e["seq"].get<uint64_t>();
  }
  Json one_zone =
      body(call(acme_viewer, "GET", "/api/v1/signet/audit", "", {{"zone", "acme.example."}}));
  for (const auto& e : one_zone["entries"])
    EXPECT_EQ(e["zone"], "acme.example.");
  // Another tenant's zone gives nothing, as an absent one does.
  Json foreign =
      body(call(acme_viewer, "GET", "/api/v1/signet/audit", "", {{"zone", "globex.example."}}));
  EXPECT_TRUE(foreign["entries"].empty());
  Json future = body(
      call(acme_viewer, "GET", "/api/v1/signet/audit", "", {{"since", "2999-01-01T00:00:00Z"}}));
  EXPECT_TRUE(future["entries"].empty());
  EXPECT_EQ(call(acme_viewer, "GET", "/api/v1/signet/audit", "", {{"limit", "0"}}).status, 422);
  EXPECT_EQ(call(acme_viewer, "GET", "/api/v1/signet/audit", "", {{"since", "yesterday"}}).status,
            422);
  // The operator sees both tenants.
  std::set<std::string> tenants;
  Json all = body(call(token(std::nullopt, Role::kOperator), "GET", "/api/v1/signet/audit", "",
                       {{"limit", "1000"}}));
  for (const auto& e : all["entries"])
    tenants.insert(e["tenant"].get<std::string>());
  EXPECT_TRUE(tenants.count("acme") && tenants.count("globex"));
}

// ------------------------------------------------------------------ isolation

// Every zone route, with a token of each tenant role of another tenant: the same answer as for
// a zone that does not exist, and nothing changes.
TEST_F(SignetApiTest, AnotherTenantsZoneIsAnsweredExactlyAsAnAbsentOne) {
  ASSERT_EQ(call(token("globex", Role::kEditor), "POST", zone_path("globex.example.", "/secure"),
                 R"({"policy":"careful"})")
                .status,
            200);
  std::vector<TokenIdentity> tokens;
  for (Role role : {Role::kViewer, Role::kEditor, Role::kApprover})
    tokens.push_back(token("acme", role));
  size_t audit_before = 0;
  {
    auto txn = root->store().begin_read();
    root->audit().for_each(txn, [&](const AuditEntry&) { ++audit_before; });
  }
  struct Call {
    std::string method, tail, body;
  };
  std::vector<Call> calls = {
      {"POST", "/secure", ""},
      {"POST", "/unsecure", ""},
      {"GET", "/dnssec", ""},
      {"POST", "/rollover", R"({"kind":"zsk"})"},
      {"GET", "/pending", ""},
      {"POST", "/pending/0123456789abcdef/approve", ""},
      {"PUT", "/policy", R"({"policy":"default"})"},
      {"GET", "/health", ""},
      {"GET", "/monitor", ""},
  };
  size_t zone_routes = 0;
  for (const auto& r : router.routes())
    zone_routes += r.pattern.find("{zone}") != std::string::npos;
  ASSERT_EQ(calls.size(), zone_routes) << "a zone route is missing from this table";
  for (const auto& who : tokens) {
    for (const auto& c : calls) {
      Response foreign = call(who, c.method, zone_path("globex.example.", c.tail), c.body);
      Response absent = call(who, c.method, zone_path("nosuch.example.", c.tail), c.body);
      EXPECT_EQ(foreign.status, 404) << c.method << " " << c.tail << " " << foreign.body;
      EXPECT_EQ(absent.status, 404) << c.method << " " << c.tail;
      std::string text = body(foreign)["error"];
      text.replace(text.find("globex.example."), 15, "nosuch.example.");
      EXPECT_EQ(text, body(absent)["error"]) << c.method << " " << c.tail;
    }
  }
  size_t audit_after = 0;
  auto txn = root->store().begin_read();
  root->audit().for_each(txn, [&](const AuditEntry&) { ++audit_after; });
  EXPECT_EQ(audit_after, audit_before);
  EXPECT_TRUE(secured("globex.example."));
}

TEST_F(SignetApiTest, AnOperatorTokenReachesEveryTenantsZone) {
  auto op = token(std::nullopt, Role::kOperator);
  EXPECT_EQ(call(op, "POST", zone_path("globex.example.", "/secure")).status, 200);
  EXPECT_EQ(call(op, "GET", zone_path("acme.example.", "/dnssec")).status, 200);
}

}  // namespace
