// SPDX-License-Identifier: GPL-2.0-or-later
//
// The gate of api/http_server.hh without HTTP: which requests reach a handler, and the one 401.
#include <gtest/gtest.h>

#include "api/http_server.hh"
#include "signer/error.hh"

using namespace signet;
using namespace signet::api;
using namespace std::chrono_literals;

namespace {

// Tokens as the fake authenticator knows them: "op" (operator 1), "viewer" (tenant 7, token 2);
// every other text is refused with a reason of its own.
TokenIdentity fake_authenticate(std::string_view token) {
  using R = TokenRejected::Reason;
  if (token == "op")
    return TokenIdentity{1, std::nullopt, Role::kOperator};
  if (token == "viewer")
    return TokenIdentity{2, 7u, Role::kViewer};
  if (token == "revoked")
    throw TokenRejected(R::kRevoked, "token 3 is revoked");
  if (token == "expired")
    throw TokenRejected(R::kExpired, "token 4 has expired");
  if (token == "wrong")
    throw TokenRejected(R::kWrongSecret, "token 2: wrong secret");
  if (token == "unknown")
    throw TokenRejected(R::kUnknown, "token 99 does not exist");
  if (token == "broken")
    throw StoreError("/var/lib/signet: mdb_txn_begin: Input/output error");
  throw TokenRejected(R::kMalformed, "malformed token");
}

class GateTest : public ::testing::Test {
 protected:
  GateTest() {
    router.add({"GET", "/zones", Auth::kToken, [this](Request& q) {
                  ++calls;
                  return Response::json(200, Json{{"token", q.identity().token_id}});
                }});
    router.add({"GET", "/metrics", Auth::kMetrics,
                [](Request&) { return Response::text(200, "up 1\n", "text/plain"); }});
    router.add({"GET", "/open", Auth::kNone, [](Request&) { return Response::empty(204); }});
    router.add({"GET", "/fail/{what}", Auth::kNone,
                [](Request&) -> Response { throw std::runtime_error("two\nlines"); }});
    router.add({"GET", "/boom", Auth::kToken,
                [](Request&) -> Response { throw std::runtime_error("/etc/secret: oops"); }});
  }
  Response get(const std::string& path, std::optional<std::string> key,
               const std::string& from = "192.0.2.1") {
    Request q;
    q.method = "GET";
    q.path = path;
    q.remote_addr = from;
    return gate.handle(q, key);
  }

  Router router;
  int calls = 0;
  std::vector<std::string> logged;
  std::chrono::steady_clock::time_point now{};
  Gate gate{router,
            fake_authenticate,
            5,
            {Netmask::parse("127.0.0.0/8")},
            [this](const std::string& l) { logged.push_back(l); },
            [this] { return now; }};
};

}  // namespace

TEST_F(GateTest, EveryRefusedTokenGetsTheSame401) {
  for (std::optional<std::string> key :
       {std::optional<std::string>(), std::optional<std::string>(""),
        std::optional<std::string>("revoked"), std::optional<std::string>("expired"),
        std::optional<std::string>("wrong"), std::optional<std::string>("unknown"),
        std::optional<std::string>("garbage")}) {
    Response r = get("/zones", key);
    EXPECT_EQ(r.status, 401) << key.value_or("(none)");
    EXPECT_EQ(r.body, R"({"error":"Unauthorized"})") << key.value_or("(none)");
    EXPECT_EQ(r.content_type, "application/json");
  }
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(logged.empty()) << "refusals are not reasons to log: " << logged.front();
  Response ok = get("/zones", "viewer");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(Json::parse(ok.body)["token"], 2);
}

TEST_F(GateTest, UnknownPathsAndMethodsAreRefusedBeforeAuthentication) {
  EXPECT_EQ(get("/nothing", std::nullopt).status, 404);
  Request q;
  q.method = "DELETE";
  q.path = "/zones";
  EXPECT_EQ(gate.handle(q, std::nullopt).status, 405);
  EXPECT_EQ(get("/open", std::nullopt).status, 204);
}

TEST_F(GateTest, MetricsTakeAnOperatorTokenOrAnAllowedAddress) {
  EXPECT_EQ(get("/metrics", std::nullopt).status, 401);
  EXPECT_EQ(get("/metrics", "viewer").status, 403);
  EXPECT_EQ(get("/metrics", "op").status, 200);
  EXPECT_EQ(get("/metrics", std::nullopt, "127.0.0.1").status, 200);
  EXPECT_EQ(get("/metrics", std::nullopt, "::ffff:127.0.0.2").status, 200);
  // An allowed address does not open the other routes.
  EXPECT_EQ(get("/zones", std::nullopt, "127.0.0.1").status, 401);
}

TEST_F(GateTest, ATokenOverItsRateGets429WithRetryAfter) {
  int ok = 0, limited = 0;
  Response last;
  for (int i = 0; i < 15; ++i) {
    last = get("/zones", "viewer");
    (last.status == 200 ? ok : limited)++;
  }
  EXPECT_EQ(ok, 10);  // burst: twice the rate of 5/s
  EXPECT_EQ(limited, 5);
  EXPECT_EQ(last.status, 429);
  ASSERT_EQ(last.headers.size(), 1u);
  EXPECT_EQ(last.headers[0], (std::pair<std::string, std::string>("Retry-After", "1")));
  EXPECT_EQ(get("/zones", "op").status, 200);  // another token, another bucket
  now += 1s;
  EXPECT_EQ(get("/zones", "viewer").status, 200);
}

TEST_F(GateTest, AnUnexpectedFailureIsLoggedButNotTold) {
  Response r = get("/boom", "viewer");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"error":"internal error"})");
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("oops"), std::string::npos);
  // A store failing during authentication is ours, not an authentication failure.
  Response s = get("/zones", "broken");
  EXPECT_EQ(s.status, 500);
  EXPECT_EQ(s.body.find("mdb"), std::string::npos);
  EXPECT_EQ(logged.size(), 2u);
}

TEST_F(GateTest, ClientTextCannotForgeLogLines) {
  Response r = get("/fail/a\nsignetd: forged", std::nullopt);
  EXPECT_EQ(r.status, 500);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0].find('\n'), std::string::npos) << logged[0];
  EXPECT_NE(logged[0].find("/fail/a\\x0asignetd"), std::string::npos) << logged[0];
  EXPECT_NE(logged[0].find("two\\x0alines"), std::string::npos) << logged[0];
}
