// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/router.hh"

#include <gtest/gtest.h>

#include "signer/error.hh"

using namespace signet;
using namespace signet::api;

namespace {

Router sample() {
  Router r;
  r.add({"GET", "/api/v1/servers/localhost/zones/{zone}", Auth::kToken, [](Request& q) {
           return Response::json(200, Json{{"zone", q.params.at("zone")}});
         }});
  r.add({"DELETE", "/api/v1/servers/localhost/zones/{zone}", Auth::kToken,
         [](Request& q) -> Response { throw NotFound("Could not find domain 'x.'"); }});
  r.add({"GET", "/boom", Auth::kNone,
         [](Request&) -> Response { throw std::runtime_error("/secret/path: oops"); }});
  r.add({"GET", "/bad", Auth::kNone,
         [](Request&) -> Response { throw InputError("rrsets[0].type: unknown"); }});
  return r;
}

Response call(const Router& r, const std::string& method, const std::string& path) {
  Request q;
  q.method = method;
  q.path = path;
  return r.dispatch(q);
}

}  // namespace

TEST(Router, ACaptureTakesOneWholeSegment) {
  Router r = sample();
  Response ok = call(r, "GET", "/api/v1/servers/localhost/zones/example.com.");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(Json::parse(ok.body)["zone"], "example.com.");
  EXPECT_EQ(call(r, "GET", "/api/v1/servers/localhost/zones/").status, 404);
  EXPECT_EQ(call(r, "GET", "/api/v1/servers/localhost/zones/a/b").status, 404);
}

TEST(Router, AKnownPathWithAnotherMethodIs405) {
  EXPECT_EQ(call(sample(), "PUT", "/api/v1/servers/localhost/zones/example.com.").status, 405);
}

TEST(Router, ErrorsAreJsonObjectsWithTheStatusTheirKindMeans) {
  Router r = sample();
  Response nf = call(r, "DELETE", "/api/v1/servers/localhost/zones/x.");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(Json::parse(nf.body), (Json{{"error", "Could not find domain 'x.'"}}));
  Response bad = call(r, "GET", "/bad");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(Json::parse(bad.body)["error"], "rrsets[0].type: unknown");
}

TEST(Router, AnUnexpectedFailureTellsNothingOfItsCause) {
  Response r = call(sample(), "GET", "/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret"), std::string::npos) << r.body;
  EXPECT_EQ(Json::parse(r.body)["error"], "internal error");
}
