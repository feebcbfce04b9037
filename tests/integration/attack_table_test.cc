// SPDX-License-Identifier: GPL-2.0-or-later
//
// The attack table (issue 9 item 7): a running signetd beside pdns_server on one store, over HTTP
// and over HTTPS. Two tenants, acme (the victim, A) and globex (the attacker, B), each with a
// secured and an unsecured zone, tokens of every role for each, an operator token, a revoked and
// an expired token.
//
// The rows come from the Router signetd builds (add_pdns_routes + add_signet_routes): every route
// x every B token, aimed at A's zones ({zone} and the other captures filled with A's values). A
// route the table has no row for fails the test, so a future route cannot escape it. A zone-scoped
// route answers B exactly as it answers for a zone that does not exist (status and body); a route
// that is not zone-scoped answers with its own status and never names A's zones. After the whole
// table, A's zones are byte-for-byte what they were (AXFR through pdns_server) and the audit log
// has no entry by a B token on A's zones.
//
// Further rows: creating a zone inside or above A's zone with B's token is refused; records
// outside B's zone are refused; "account": "acme" in B's POST makes a zone of B; a viewer's write
// is 403; no token or a wrong token is the same 401 everywhere; 413, 422 (the field named) and 429
// change nothing; no body names a file, a stack trace or a token secret.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/pdns_api.hh"
#include "api/router.hh"
#include "api/service.hh"
#include "api/signet_api.hh"
#include "conf/composition_root.hh"
#include "conf/config.hh"
#include "evidence/archive.hh"
#include "tests/support/process.hh"
#include "tests/support/signet_dir.hh"
#include "tests/support/signetd.hh"
#include "tests/support/tools.hh"

using signet::test::find_tool;
using signet::test::PdnsServerOptions;
using signet::test::run;
using signet::test::RunResult;
using signet::test::Signetd;
using signet::test::SignetDir;
using signet::test::SignetdOptions;
using signet::test::SignetdReply;
using signet::test::signetutil_argv;
using signet::test::TempDir;
using signet::test::write_file;

namespace {

const std::string kUnauthorized = R"({"error":"Unauthorized"})";
const std::string kAbsent = "absent-zone.example.";

std::string zone_text(const std::string& apex) {
  return "$ORIGIN " + apex +
         "\n$TTL 300\n"
         "@ SOA ns1 hostmaster 1 3600 600 86400 300\n"
         "@ NS ns1\n"
         "ns1 A 192.0.2.1\n"
         "www A 192.0.2.10\n"
         "txt TXT \"victim data\"\n";
}

struct RouteRow {
  std::string method, pattern;
  signet::api::Auth auth;
};

// The routes of the Router signetd builds, read from a CompositionRoot on the test's store.
std::vector<RouteRow> real_routes(const std::string& dir) {
  signet::CompositionRoot root(signet::load_config(dir));
  signet::api::Service service(root);
  signet::api::Router router;
  signet::api::add_pdns_routes(router, service);
  signet::api::add_signet_routes(router, service);
  std::vector<RouteRow> rows;
  for (const auto& r : router.routes())
    rows.push_back({r.method, r.pattern, r.auth});
  return rows;
}

// A plausible body for each write, so that a refusal is about the zone and not the input.
std::string body_for(const std::string& method, const std::string& pattern,
                     const std::string& zone) {
  auto ends = [&](const std::string& s) {
    return pattern.size() >= s.size() &&
           pattern.compare(pattern.size() - s.size(), s.size(), s) == 0;
  };
  if (method == "PATCH")
    return R"({"rrsets": [{"name": "evil.)" + zone +
           R"(", "type": "A", "ttl": 300, "changetype": "REPLACE", "records": [{"content": "198.51.100.66", "disabled": false}]}]})";
  if (method == "PUT" && ends("/policy"))
    return R"({"policy": "default"})";
  if (method == "PUT" && ends("{zone}"))
    return R"({"kind": "Native"})";
  if (method == "POST" && ends("/zones"))
    return "";  // filled per row
  if (method == "POST" && ends("/rollover"))
    return R"({"kind": "zsk"})";
  if (method == "POST" || method == "PUT")
    return "{}";
  return "";
}

// Fills every capture: {zone} with `zone`, others with values of A's zone.
std::string fill(std::string pattern, const std::string& zone) {
  static const std::regex capture(R"(\{([a-z_]+)\})");
  std::string out;
  std::smatch m;
  while (std::regex_search(pattern, m, capture)) {
    out += m.prefix().str();
    std::string name = m[1].str();
    if (name == "zone")
      out += zone;
    else
      out += "1";  // key ids and step ids are small integers
    pattern = m.suffix().str();
  }
  return out + pattern;
}

bool leaks(const std::string& body, const std::vector<std::string>& secrets) {
  for (const char* s : {"/tmp/", "/work/", "/home/", "/usr/", ".cc:", ".hh:", ".cc\"", "what()",
                        "terminate called", "std::", "Traceback", "mdb_", "lmdb"})
    if (body.find(s) != std::string::npos)
      return true;
  for (const auto& s : secrets)
    if (!s.empty() && body.find(s) != std::string::npos)
      return true;
  return false;
}

std::string id_of(const std::string& token) {
  return token.substr(4, token.find('_', 4) - 4);
}
std::string secret_of(const std::string& token) {
  return token.substr(token.find('_', 4) + 1);
}

// One store, pdns_server and signetd per transport, shared by the tests of that transport.
struct Env {
  explicit Env(bool tls) {
    PdnsServerOptions o;
    o.zone_cache = false;
    o.settings["signet-master-key-file"] = keydir.file("master.key");
    // A burst of 100, then 50 a second: room for the table, a burst the limit test can exceed.
    o.settings["signet-api-rate"] = "50";
    o.settings["signet-api-max-body"] = "64K";
    d = std::make_unique<SignetDir>(o);
    d->signetutil_ok({"generate-master-key"});
    for (const auto& [tenant, apex] :
         {std::pair<std::string, std::string>{"acme", "acme"}, {"globex", "globex"}}) {
      d->signetutil_ok({"create-tenant", tenant});
      for (const std::string& zone : {apex + ".example.", apex + "-plain.example."}) {
        std::string file = d->dir.file(zone + "zone");
        write_file(file, zone_text(zone));
        d->signetutil_ok({"load-zone", tenant, zone, file});
      }
      d->signetutil_ok({"secure-zone", apex + ".example."});
    }
    for (const char* role : {"viewer", "editor", "approver"}) {
      a_tokens.push_back(token({"acme", role}));
      b_tokens.push_back(token({"globex", role}));
    }
    op = token({"--operator"});
    d->signetutil_ok({"evidence-key"});  // GET /api/v1/signet/evidence signs with it
    revoked = token({"globex", "editor"});
    d->signetutil_ok({"token", "revoke", id_of(revoked)});
    expired = token({"globex", "editor", "--expires", "1h"}, -7200);
    routes = real_routes(d->dir.path());
    d->server->start();
    // The tenants' webhook URLs in the table name loopback ports where nothing listens.
    api = std::make_unique<Signetd>(
        d->dir.path(),
        SignetdOptions{.tls = tls,
                       .settings = {{"signet-alert-tenant-webhook-allow", "127.0.0.0/8"}}});
    api->start();
  }

  std::string token(std::vector<std::string> args, long clock_offset = 0) {
    args.insert(args.begin(), {"token", "create"});
    RunResult r = run(signetutil_argv(d->dir.path(), args, clock_offset), "", 60);
    EXPECT_EQ(r.status, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }

  TempDir keydir;
  std::unique_ptr<SignetDir> d;
  std::unique_ptr<Signetd> api;
  std::vector<std::string> a_tokens, b_tokens;  // viewer, editor, approver
  std::string op, revoked, expired;
  std::vector<RouteRow> routes;
};

class AttackTable : public ::testing::TestWithParam<bool> {
 protected:
  static void TearDownTestSuite() { envs().clear(); }
  static std::map<bool, std::unique_ptr<Env>>& envs() {
    static std::map<bool, std::unique_ptr<Env>> e;
    return e;
  }

  void SetUp() override {
    auto& e = envs()[GetParam()];
    if (!e)
      e = std::make_unique<Env>(GetParam());
    env = e.get();
    d = e->d.get();
    api = e->api.get();
    a_tokens = e->a_tokens;
    b_tokens = e->b_tokens;
    op = e->op;
    revoked = e->revoked;
    expired = e->expired;
    routes = e->routes;
  }

  std::vector<std::string> secrets() const {
    std::vector<std::string> s;
    for (const auto& t : a_tokens)
      s.push_back(secret_of(t));
    for (const auto& t : b_tokens)
      s.push_back(secret_of(t));
    s.push_back(secret_of(op));
    return s;
  }

  // The zone as pdns_server transfers it (AXFR), every record in order.
  std::string axfr(const std::string& zone) {
    RunResult r = run({find_tool("dig"), "@127.0.0.1", "-p", std::to_string(d->server->port()),
                       "+tries=1", "+timeout=5", "+nocookie", "+nocmd", "+nostats", zone, "AXFR"},
                      "", 60);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.find("Transfer failed"), std::string::npos) << r.out;
    return r.out;
  }

  SignetdReply call(const std::string& method, const std::string& path,
                    const std::optional<std::string>& key, const std::string& body = "") {
    SignetdReply r = api->request(method, path, key, body);
    EXPECT_FALSE(leaks(r.body, secrets())) << method << " " << path << ": " << r.body;
    return r;
  }

  std::string zones() { return d->signetutil_ok({"list-zones"}); }

  Env* env = nullptr;
  SignetDir* d = nullptr;
  Signetd* api = nullptr;
  std::vector<std::string> a_tokens, b_tokens;  // viewer, editor, approver
  std::string op, revoked, expired;
  std::vector<RouteRow> routes;
  const std::vector<std::string> a_zones = {"acme.example.", "acme-plain.example."};
};

std::string scheme_name(const ::testing::TestParamInfo<bool>& info) {
  return info.param ? "https" : "http";
}

}  // namespace

TEST_P(AttackTable, TenantBCannotSeeOrTouchTenantAByAnyRoute) {
  SIGNET_REQUIRE_TOOLS("dig");
  std::map<std::string, std::string> before;
  for (const auto& z : a_zones)
    before[z] = axfr(z);
  std::string zones_before = zones();
  ASSERT_GT(routes.size(), 20u);

  int rows = 0;
  for (const auto& route : routes) {
    bool zone_scoped = route.pattern.find("{zone}") != std::string::npos;
    bool has_captures = route.pattern.find('{') != std::string::npos;
    // Every capture the table knows how to fill; a new kind of capture needs a row here.
    ASSERT_TRUE(std::regex_match(route.pattern, std::regex(R"(([^{}]|\{(zone|key_id|step)\})*)")))
        << "no row for route " << route.method << " " << route.pattern;
    ASSERT_TRUE(!has_captures || zone_scoped)
        << "no row for route " << route.method << " " << route.pattern;
    std::string where = route.method + " " + route.pattern;
    if (zone_scoped) {
      for (const auto& b : b_tokens) {
        for (const auto& z : a_zones) {
          std::string body = body_for(route.method, route.pattern, z);
          SignetdReply absent = call(route.method, fill(route.pattern, kAbsent), b,
                                     body_for(route.method, route.pattern, kAbsent));
          SignetdReply r = call(route.method, fill(route.pattern, z), b, body);
          ++rows;
          EXPECT_TRUE(r.status == 404 || r.status == 403)
              << where << " " << z << ": " << r.status << " " << r.body;
          EXPECT_EQ(r.status, absent.status) << where << " " << z << ": " << r.body;
          // The body names the zone asked for, as pdns' does: compare with the name swapped.
          std::string expected = absent.body;
          std::string absent_bare = kAbsent.substr(0, kAbsent.size() - 1);
          std::string z_bare = z.substr(0, z.size() - 1);
          for (size_t p; (p = expected.find(absent_bare)) != std::string::npos;)
            expected.replace(p, absent_bare.size(), z_bare);
          EXPECT_EQ(r.body, expected) << where << " " << z;
        }
      }
    } else {
      std::string body =
          route.method == "POST"
              ? R"({"name": "sub.acme.example.", "kind": "Native", "nameservers": []})"
              : "";
      for (const auto& b : b_tokens) {
        SignetdReply r = call(route.method, route.pattern, b, body);
        ++rows;
        if (route.method == "GET") {  // search-data without ?q= is a 422, as pdns answers
          EXPECT_TRUE(r.status == 200 || r.status == 403 || r.status == 422)
              << where << ": " << r.status;
        } else {
          EXPECT_TRUE(r.status == 403 || r.status == 409 || r.status == 422)
              << where << ": " << r.status << " " << r.body;
        }
        if (route.pattern != "/api/v1/signet/openapi.json") {
          EXPECT_EQ(r.body.find("acme"), std::string::npos) << where << ": " << r.body;
        }
      }
    }
    // No token, a wrong one, a revoked and an expired one: the same 401 everywhere (the
    // OpenAPI document is public).
    if (route.auth != signet::api::Auth::kNone) {
      std::string wrong = b_tokens[1];
      wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
      for (const std::optional<std::string>& key :
           {std::optional<std::string>(), std::optional<std::string>(wrong),
            std::optional<std::string>(revoked), std::optional<std::string>(expired)}) {
        SignetdReply r = call(route.method, fill(route.pattern, a_zones[0]), key,
                              body_for(route.method, route.pattern, a_zones[0]));
        EXPECT_EQ(r.status, 401) << where;
        EXPECT_EQ(r.body, kUnauthorized) << where;
      }
    }
  }
  EXPECT_GT(rows, 100);

  // Search for A's names finds nothing for B.
  for (const auto& b : b_tokens) {
    SignetdReply r = call("GET", "/api/v1/servers/localhost/search-data?q=*acme*&max=100", b);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json(), signet::Json::array()) << r.body;
  }

  // A's data is byte-for-byte unchanged, and no B token wrote anything about A's zones.
  for (const auto& z : a_zones)
    EXPECT_EQ(axfr(z), before[z]) << z;
  EXPECT_EQ(zones(), zones_before);
  std::vector<std::string> b_actors;
  for (const auto& b : b_tokens)
    b_actors.push_back("token:" + id_of(b));
  std::string cursor = "0";
  int audited = 0;
  for (int page = 0; page < 100 && !cursor.empty(); ++page) {
    SignetdReply r = call("GET", "/api/v1/signet/audit?limit=500&cursor=" + cursor, op);
    ASSERT_EQ(r.status, 200) << r.body;
    signet::Json j = r.json();
    for (const auto& e : j["entries"]) {
      ++audited;
      std::string actor = e["actor"].get<std::string>();
      std::string zone = e["zone"].get<std::string>();
      bool by_b = std::find(b_actors.begin(), b_actors.end(), actor) != b_actors.end();
      if (by_b) {
        EXPECT_EQ(zone.find("acme"), std::string::npos) << e.dump();
        EXPECT_NE(e["tenant"], "acme") << e.dump();
      }
    }
    cursor = j["next_cursor"].is_null() ? "" : j["next_cursor"].get<std::string>();
  }
  EXPECT_GT(audited, 0);
}

// The evidence route is not zone-scoped in its path: B's packs (every role) are B's alone — no
// file of them names A or A's zones; A's zone asked for by ?zone= answers exactly as an absent
// one; ?tenant=acme is refused.
TEST_P(AttackTable, EvidencePacksOfBHoldNothingOfA) {
  for (const auto& b : b_tokens) {
    SignetdReply r = call("GET", "/api/v1/signet/evidence", b);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("Content-Type"), "application/gzip");
    auto files = signet::evidence::read_tar_gz(r.body);
    EXPECT_EQ(files.size(), 5u);
    for (const auto& f : files) {
      EXPECT_EQ(f.content.find("acme"), std::string::npos) << f.name;
      EXPECT_FALSE(leaks(f.content, secrets())) << f.name;
    }
    for (const auto& z : a_zones) {
      SignetdReply absent = call("GET", "/api/v1/signet/evidence?zone=" + kAbsent, b);
      SignetdReply theirs = call("GET", "/api/v1/signet/evidence?zone=" + z, b);
      EXPECT_EQ(theirs.status, 404) << theirs.body;
      EXPECT_EQ(theirs.status, absent.status);
      std::string expected = absent.body;
      std::string absent_bare = kAbsent.substr(0, kAbsent.size() - 1);
      std::string z_bare = z.substr(0, z.size() - 1);
      for (size_t p; (p = expected.find(absent_bare)) != std::string::npos;)
        expected.replace(p, absent_bare.size(), z_bare);
      EXPECT_EQ(theirs.body, expected) << z;
    }
    EXPECT_EQ(call("GET", "/api/v1/signet/evidence?tenant=acme", b).status, 403);
  }
}

// A tenant's alert webhook (issue 10 item 2): B naming A (?tenant=acme) gets exactly what naming
// a tenant that does not exist gets, with every role, for reading, setting and deleting; A's
// webhook stays as A set it, and no B token's audit entry is about A.
TEST_P(AttackTable, TenantBCannotReadSetOrDeleteTenantAsAlertWebhook) {
  const std::string path = "/api/v1/signet/alerts/webhook";
  const std::string a_body = R"({"url": "http://127.0.0.1:9/acme-hook"})";
  SignetdReply set = call("PUT", path, a_tokens[1], a_body);
  ASSERT_EQ(set.status, 200) << set.body;
  std::string a_view = call("GET", path, a_tokens[0]).body;
  EXPECT_NE(a_view.find("\"configured\":true"), std::string::npos) << a_view;
  const std::string b_body = R"({"url": "http://127.0.0.1:10/globex-hook"})";
  for (const auto& b : b_tokens) {
    for (const char* method : {"GET", "PUT", "DELETE"}) {
      std::string body = std::string(method) == "PUT" ? b_body : "";
      SignetdReply absent = call(method, path + "?tenant=nosuch-tenant", b, body);
      SignetdReply r = call(method, path + "?tenant=acme", b, body);
      EXPECT_EQ(r.status, 404) << method << ": " << r.body;
      EXPECT_EQ(r.status, absent.status) << method;
      std::string expected = absent.body;
      for (size_t p; (p = expected.find("nosuch-tenant")) != std::string::npos;)
        expected.replace(p, 13, "acme");
      EXPECT_EQ(r.body, expected) << method;
    }
  }
  // B's own webhook is its own.
  ASSERT_EQ(call("PUT", path, b_tokens[1], b_body).status, 200);
  SignetdReply b_view = call("GET", path, b_tokens[0]);
  EXPECT_NE(b_view.body.find("127.0.0.1:10"), std::string::npos) << b_view.body;
  EXPECT_EQ(b_view.body.find("acme"), std::string::npos) << b_view.body;
  EXPECT_EQ(call("GET", path, a_tokens[0]).body, a_view);
  // Only A's token changed A's webhook.
  SignetdReply log = call("GET", "/api/v1/signet/audit?limit=1000", op);
  ASSERT_EQ(log.status, 200);
  int a_sets = 0;
  signet::Json entries = log.json()["entries"];
  for (const auto& e : entries) {
    if (e["kind"].get<std::string>().rfind("alert-webhook", 0) == 0 && e["tenant"] == "acme") {
      EXPECT_EQ(e["actor"], "token:" + id_of(a_tokens[1])) << e.dump();
      ++a_sets;
    }
  }
  EXPECT_GE(a_sets, 1);
  EXPECT_EQ(call("DELETE", path, b_tokens[1]).status, 204);
  EXPECT_EQ(call("DELETE", path, a_tokens[1]).status, 204);
}

TEST_P(AttackTable, ZonesInsideOrAboveAZoneOfAnotherTenantAreRefused) {
  const std::string& b = b_tokens[1];
  std::string before = zones();
  for (const char* name :
       {"sub.acme.example.", "deep.sub.acme.example.", "acme.example.", "example."}) {
    std::string body = std::string(R"({"name": ")") + name +
                       R"(", "kind": "Native", "nameservers": ["ns1.globex.example."]})";
    SignetdReply r = call("POST", "/api/v1/servers/localhost/zones", b, body);
    EXPECT_GE(r.status, 400) << name << ": " << r.body;
    EXPECT_NE(r.status, 500) << name << ": " << r.body;
  }
  EXPECT_EQ(zones(), before);
  // Records of B's own zone outside it (at or below A's apex) are refused.
  for (const char* owner : {"acme.example.", "www.acme.example.", "x.acme-plain.example."}) {
    std::string patch =
        std::string(R"({"rrsets": [{"name": ")") + owner +
        R"(", "type": "A", "ttl": 300, "changetype": "REPLACE", "records": [{"content": "198.51.100.1", "disabled": false}]}]})";
    SignetdReply r = call("PATCH", "/api/v1/servers/localhost/zones/globex.example.", b, patch);
    EXPECT_EQ(r.status, 422) << owner << ": " << r.body;
  }
  EXPECT_EQ(d->dig("www.acme.example", "A"), std::vector<std::string>{"192.0.2.10"});
}

TEST_P(AttackTable, AZoneCreatedByBWithAccountAcmeBelongsToB) {
  SignetdReply r = call("POST", "/api/v1/servers/localhost/zones", b_tokens[1],
                        R"({"name": "claimed.example.", "kind": "Native", "account": "acme",
                            "nameservers": ["ns1.claimed.example."]})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["account"], "globex") << r.body;
  EXPECT_EQ(call("GET", "/api/v1/servers/localhost/zones/claimed.example.", a_tokens[0]).status,
            404);
  EXPECT_EQ(call("GET", "/api/v1/servers/localhost/zones/claimed.example.", b_tokens[0]).status,
            200);
  std::string listing = d->signetutil_ok({"list-zones", "globex"});
  EXPECT_NE(listing.find("claimed.example"), std::string::npos) << listing;
}

TEST_P(AttackTable, ViewerWritesAre403AndChangeNothing) {
  std::string before = axfr("globex.example.");
  std::string zones_before = zones();
  const std::string& viewer = b_tokens[0];
  std::string z = "/api/v1/servers/localhost/zones/globex.example.";
  std::vector<std::pair<std::string, std::string>> writes = {
      {"PATCH " + z, body_for("PATCH", "{zone}", "globex.example.")},
      {"PUT " + z, R"({"kind": "Native"})"},
      {"DELETE " + z, ""},
      {"POST /api/v1/servers/localhost/zones",
       R"({"name": "v.example.", "kind": "Native", "nameservers": []})"},
      {"POST /api/v1/signet/zones/globex-plain.example./secure", "{}"},
      {"POST /api/v1/signet/zones/globex.example./unsecure", "{}"},
      {"POST /api/v1/signet/zones/globex.example./rollover", R"({"kind": "zsk"})"},
      {"PUT /api/v1/signet/zones/globex.example./policy", R"({"policy": "default"})"}};
  for (const auto& [what, body] : writes) {
    std::string method = what.substr(0, what.find(' '));
    SignetdReply r = call(method, what.substr(what.find(' ') + 1), viewer, body);
    EXPECT_EQ(r.status, 403) << what << ": " << r.body;
  }
  EXPECT_EQ(axfr("globex.example."), before);
  EXPECT_EQ(zones(), zones_before);
}

TEST_P(AttackTable, LimitsAndMalformedInputChangeNothing) {
  std::string before = axfr("acme.example.");
  std::string editor = a_tokens[1];
  std::string z = "/api/v1/servers/localhost/zones/acme.example.";
  // 413: over signet-api-max-body.
  std::string big =
      R"({"rrsets": [{"name": "big.acme.example.", "type": "TXT", "ttl": 300, "changetype": "REPLACE", "records": [{"content": "\")" +
      std::string(70 * 1024, 'x') + R"(\"", "disabled": false}]}]})";
  SignetdReply r = call("PATCH", z, editor, big);
  EXPECT_EQ(r.status, 413) << r.body;
  // 422: not JSON; a bad changetype, named; bad record content, named.
  r = call("PATCH", z, editor, "{not json");
  EXPECT_EQ(r.status, 422) << r.body;
  r = call(
      "PATCH", z, editor,
      R"({"rrsets": [{"name": "x.acme.example.", "type": "A", "ttl": 300, "changetype": "BOGUS", "records": []}]})");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("changetype"), std::string::npos) << r.body;
  r = call(
      "PATCH", z, editor,
      R"({"rrsets": [{"name": "x.acme.example.", "type": "A", "ttl": 300, "changetype": "REPLACE", "records": [{"content": "not-an-address", "disabled": false}]}]})");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("content"), std::string::npos) << r.body;
  EXPECT_EQ(axfr("acme.example."), before);
  // 429: a burst over signet-api-rate (50/s, a burst of 100), then writes sent at once: each
  // limited write changes nothing, each admitted one is served by pdns_server.
  editor = env->token({"acme", "editor"});
  int drained = 0;
  for (int i = 0; i < 3000 && drained == 0; ++i) {
    SignetdReply g = api->request("GET", "/api/v1/servers/localhost", editor);
    if (g.status == 429)
      ++drained;
    else
      ASSERT_EQ(g.status, 200) << g.body;
  }
  ASSERT_EQ(drained, 1) << "no 429 in 3000 requests";
  std::vector<int> statuses(8);
  std::vector<std::thread> writers;
  for (size_t i = 0; i < statuses.size(); ++i)
    writers.emplace_back([&, i] {
      std::string owner = "burst" + std::to_string(i) + ".acme.example.";
      std::string body =
          R"({"rrsets": [{"name": ")" + owner +
          R"(", "type": "A", "ttl": 300, "changetype": "REPLACE", "records": [{"content": "198.51.100.7", "disabled": false}]}]})";
      statuses[i] = api->request("PATCH", z, editor, body).status;
    });
  for (auto& t : writers)
    t.join();
  int limited = 0;
  for (size_t i = 0; i < statuses.size(); ++i) {
    std::string owner = "burst" + std::to_string(i) + ".acme.example";
    EXPECT_TRUE(statuses[i] == 429 || statuses[i] == 204) << statuses[i];
    limited += statuses[i] == 429;
    EXPECT_EQ(d->dig(owner, "A").empty(), statuses[i] == 429) << owner << " " << statuses[i];
  }
  EXPECT_GT(limited, 0);
}

INSTANTIATE_TEST_SUITE_P(Transports, AttackTable, ::testing::Bool(), scheme_name);
