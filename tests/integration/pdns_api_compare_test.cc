// SPDX-License-Identifier: GPL-2.0-or-later
//
// Signet's PowerDNS API v1 (api/pdns_api.cc, through Router::dispatch) beside pdns_server's own
// API (webserver=yes api=yes) on a gsqlite3 copy of the same zone: the JSON keys and shapes of the
// server object, the zone list, a zone with its RRsets, cryptokeys and search-data, and the status
// codes and error bodies a client sees, must be pdns'. pdns is asked over real HTTP with
// cpp-httplib; Signet's routes are called in-process (signetd's HTTP binding is tested on its own).
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>

#include "api/pdns_api.hh"
#include "conf/composition_root.hh"
#include "conf/zonefile.hh"
#include "keystore/keyring.hh"
#include "tests/support/gsqlite_dir.hh"
#include "tests/support/process.hh"
#include "tests/support/signet_dir.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/tools.hh"

using namespace signet;
using namespace signet::api;
using signet::test::GsqliteDir;
using signet::test::PdnsServer;
using signet::test::PdnsServerOptions;

namespace {

const std::string kServer = "/api/v1/servers/localhost";
const std::string kZones = kServer + "/zones";

struct Answer {
  int status = 0;
  std::string body;
  Json json() const { return body.empty() ? Json() : Json::parse(body); }
};

std::set<std::string> keys_of(const Json& object) {
  std::set<std::string> out;
  for (auto it = object.begin(); it != object.end(); ++it)
    out.insert(it.key());
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// "name TYPE ttl content content" (lower case, the SOA without its serial) of every RRset but those
// only one side keeps as records (pdns signs gsqlite3 zones live; Signet stores the DNSKEY, CDS and
// CDNSKEY RRsets it publishes).
std::set<std::string> rrset_lines(const Json& zone) {
  std::set<std::string> out;
  for (const auto& r : zone["rrsets"]) {
    std::string type = r["type"];
    if (type == "DNSKEY" || type == "CDS" || type == "CDNSKEY" || type == "NSEC3PARAM")
      continue;
    std::vector<std::string> contents;
    for (const auto& rec : r["records"])
      contents.push_back(lower(rec["content"]));
    if (type == "SOA" && contents.size() == 1) {
      // Signet raises the serial on every change (securing included); pdns only under SOA-EDIT-API.
      std::istringstream in(contents[0]);
      std::string mname, rname, serial, rest;
      in >> mname >> rname >> serial;
      std::getline(in, rest);
      contents[0] = mname + " " + rname + " (serial)" + rest;
    }
    std::sort(contents.begin(), contents.end());
    std::string line = lower(r["name"].get<std::string>()) + " " + type + " " +
                       std::to_string(r["ttl"].get<uint32_t>());
    for (const auto& c : contents)
      line += " " + c;
    out.insert(line);
  }
  return out;
}

class PdnsApiCompareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SIGNET_REQUIRE_TOOLS("python3", "pdnsutil");
    std::string zone = test::source_dir() + "/tests/data/rich.zone";
    // pdns' side: gsqlite3 with DNSSEC, the zone secured, its API on.
    gsql = std::make_unique<GsqliteDir>(
        std::map<std::string, std::string>{{"gsqlite3-dnssec", "yes"}});
    PdnsServerOptions o = gsql->server->options();
    o.api = true;
    o.api_key = "secret";
    gsql->server = std::make_unique<PdnsServer>(gsql->dir.path(), o);
    gsql->pdnsutil_ok({"load-zone", "example.com", zone});
    gsql->pdnsutil_ok({"set-account", "example.com", "acme"});
    gsql->pdnsutil_ok({"secure-zone", "example.com"});
    gsql->pdnsutil_ok({"rectify-zone", "example.com"});
    gsql->server->start();
    client = std::make_unique<httplib::Client>("127.0.0.1", gsql->server->web_port());
    client->set_default_headers({{"X-API-Key", "secret"}, {"Accept", "application/json"}});
    client->set_read_timeout(30, 0);

    // Signet's side: the same zone in tenant acme, secured.
    MasterKey::generate_file(dir.file("master.key"));
    Config config;
    config.path = dir.file("store");
    config.map_size_mb = 1024;
    config.default_tenant = "default";
    config.master_key_file = dir.file("master.key");
    root = std::make_unique<CompositionRoot>(config);
    service = std::make_unique<Service>(*root);
    add_pdns_routes(router, *service);
    auto txn = root->store().begin_write();
    Portfolio p(root->store(), root->clock());
    p.set_edit_hook(&root->dnssec().signing());
    p.create_tenant(txn, "acme");
    Name apex = Name::from_text("example.com.");
    ZoneChange c = p.replace_zone(txn, "acme", apex, [&](ZoneWriter& w) {
      read_zone_file(zone, apex, [&](const ZoneFileRecord& r) {
        w.add(r.owner, r.type, r.ttl, r.rdata, r.where);
      });
    });
    auto policy = root->dnssec().policies().named(txn, 0, "default");
    root->dnssec().signing().secure(txn, c.zone, *policy, 1, false);
    txn.commit();
    {
      auto w = root->store().begin_write();
      Tokens::Request r;
      r.tenant_id = root->store().find_tenant(w, "acme")->id;
      r.role = Role::kEditor;
      IssuedToken t = root->tokens().create(w, r);
      w.commit();
      who = root->tokens().authenticate(
          std::string_view(reinterpret_cast<const char*>(t.text.data()), t.text.size()));
    }
  }

  Answer theirs(const std::string& method, const std::string& path, const std::string& body = "") {
    auto send = [&]() {
      if (method == "GET")
        return client->Get(path);
      if (method == "POST")
        return client->Post(path, body, "application/json");
      if (method == "PATCH")
        return client->Patch(path, body, "application/json");
      if (method == "PUT")
        return client->Put(path, body, "application/json");
      return client->Delete(path);
    };
    httplib::Result r = send();
    EXPECT_TRUE(r) << method << " " << path << ": " << httplib::to_string(r.error());
    return r ? Answer{r->status, r->body} : Answer{};
  }

  Answer ours(const std::string& method, const std::string& target, const std::string& body = "") {
    Request q;
    q.method = method;
    size_t qm = target.find('?');
    q.path = target.substr(0, qm);
    if (qm != std::string::npos) {
      std::string rest = target.substr(qm + 1);
      for (size_t start = 0; start <= rest.size();) {
        size_t amp = std::min(rest.find('&', start), rest.size());
        std::string pair = rest.substr(start, amp - start);
        size_t eq = pair.find('=');
        q.query.emplace(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
        start = amp + 1;
      }
    }
    q.body = body;
    q.who = who;
    Response r = router.dispatch(q);
    return Answer{r.status, r.body};
  }

  std::unique_ptr<GsqliteDir> gsql;
  std::unique_ptr<httplib::Client> client;
  test::TempDir dir;
  std::unique_ptr<CompositionRoot> root;
  std::unique_ptr<Service> service;
  Router router;
  TokenIdentity who;
};

TEST_F(PdnsApiCompareTest, TheServerObjectHasPdnsKeys) {
  Answer t = theirs("GET", kServer), o = ours("GET", kServer);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(o.status, 200);
  EXPECT_EQ(keys_of(o.json()), keys_of(t.json()));
  for (const char* k : {"type", "id", "url", "daemon_type", "zones_url", "config_url"})
    EXPECT_EQ(o.json()[k], t.json()[k]) << k;
}

TEST_F(PdnsApiCompareTest, ZoneListAndZoneHaveTheSameKeysAndData) {
  Answer t = theirs("GET", kZones), o = ours("GET", kZones);
  ASSERT_EQ(t.status, 200) << t.body;
  ASSERT_EQ(o.status, 200) << o.body;
  ASSERT_EQ(t.json().size(), 1u);
  ASSERT_EQ(o.json().size(), 1u);
  Json tz = t.json()[0], oz = o.json()[0];
  EXPECT_EQ(keys_of(oz), keys_of(tz)) << o.body << "\n" << t.body;
  for (const char* k : {"id", "url", "name", "kind", "account", "dnssec", "masters"})
    EXPECT_EQ(oz[k], tz[k]) << k;

  t = theirs("GET", kZones + "/example.com.");
  o = ours("GET", kZones + "/example.com.");
  ASSERT_EQ(t.status, 200) << t.body;
  ASSERT_EQ(o.status, 200) << o.body;
  EXPECT_EQ(keys_of(o.json()), keys_of(t.json()));
  EXPECT_EQ(keys_of(o.json()["rrsets"][0]), keys_of(t.json()["rrsets"][0]));
  EXPECT_EQ(keys_of(o.json()["rrsets"][0]["records"][0]),
            keys_of(t.json()["rrsets"][0]["records"][0]));
  EXPECT_EQ(rrset_lines(o.json()), rrset_lines(t.json()));

  t = theirs("GET", kZones + "/example.com.?rrsets=false");
  o = ours("GET", kZones + "/example.com.?rrsets=false");
  EXPECT_EQ(keys_of(o.json()), keys_of(t.json()));
}

TEST_F(PdnsApiCompareTest, ErrorsHaveThePdnsStatusAndBody) {
  // An absent zone, on each route: the same status and body as pdns.
  for (auto [method, suffix] : std::vector<std::pair<std::string, std::string>>{
           {"GET", ""}, {"DELETE", ""}, {"GET", "/export"}, {"GET", "/cryptokeys"}}) {
    Answer t = theirs(method, kZones + "/absent.example." + suffix);
    Answer o = ours(method, kZones + "/absent.example." + suffix);
    EXPECT_EQ(o.status, t.status) << method << suffix << ": " << t.body;
    EXPECT_EQ(o.json(), t.json()) << method << suffix;  // json11 puts a space after ':'
  }
  std::string create = R"({"name": "example.com.", "kind": "Native"})";
  Answer t = theirs("POST", kZones, create), o = ours("POST", kZones, create);
  EXPECT_EQ(o.status, t.status) << t.body;
  EXPECT_EQ(o.json(), t.json());

  // Bad input: the same status, and an {"error": text} body (Signet's text names the field).
  for (const char* rrset : {
           R"({"name": "x.example.com.", "type": "A", "ttl": 60, "changetype": "REPLACE",
               "records": [{"content": "192.0.2.300", "disabled": false}]})",
           R"({"name": "x.example.com.", "type": "NS", "ttl": 60, "changetype": "REPLACE",
               "records": [{"content": "ns1.example.net", "disabled": false}]})",
           R"({"name": "x.example.com.", "type": "A", "changetype": "UPSERT"})",
           R"({"name": "x.example.com.", "type": "BOGUS", "changetype": "DELETE"})",
           R"({"name": "x.example.org.", "type": "A", "ttl": 60, "changetype": "REPLACE",
               "records": [{"content": "192.0.2.1", "disabled": false}]})",
       }) {
    std::string body = std::string(R"({"rrsets": [)") + rrset + "]}";
    Answer t = theirs("PATCH", kZones + "/example.com.", body);
    Answer o = ours("PATCH", kZones + "/example.com.", body);
    EXPECT_EQ(t.status, 422) << rrset << ": " << t.body;
    EXPECT_EQ(o.status, t.status) << rrset << ": " << o.body;
    EXPECT_EQ(keys_of(o.json()), keys_of(t.json())) << o.body << "\n" << t.body;
  }
}

TEST_F(PdnsApiCompareTest, PatchAndRectifyAnswerAsPdns) {
  std::string body = R"({"rrsets": [{"name": "new.example.com.", "type": "TXT", "ttl": 60,
      "changetype": "REPLACE", "records": [{"content": "\"hello\"", "disabled": false}]}]})";
  Answer t = theirs("PATCH", kZones + "/example.com.", body);
  Answer o = ours("PATCH", kZones + "/example.com.", body);
  EXPECT_EQ(t.status, 204) << t.body;
  EXPECT_EQ(o.status, t.status) << o.body;
  EXPECT_EQ(o.body, t.body);
  EXPECT_EQ(rrset_lines(ours("GET", kZones + "/example.com.").json()),
            rrset_lines(theirs("GET", kZones + "/example.com.").json()));
}

TEST_F(PdnsApiCompareTest, CryptokeysAndSearchHaveTheSameShapes) {
  Answer t = theirs("GET", kZones + "/example.com./cryptokeys");
  Answer o = ours("GET", kZones + "/example.com./cryptokeys");
  ASSERT_EQ(t.status, 200) << t.body;
  ASSERT_EQ(o.status, 200) << o.body;
  auto with_ds = [](const Json& keys) {
    for (const auto& k : keys) {
      if (k.contains("ds"))
        return k;
    }
    return Json();
  };
  EXPECT_EQ(keys_of(with_ds(o.json())), keys_of(with_ds(t.json())));
  EXPECT_EQ(with_ds(o.json())["ds"].size(), with_ds(t.json())["ds"].size());

  for (const char* q : {"www.example.com", "192.0.2.8?", "*example.com*"}) {
    std::string path = kServer + "/search-data?q=" + std::string(q) + "&max=1000";
    Answer ts = theirs("GET", path), os = ours("GET", path);
    ASSERT_EQ(ts.status, 200) << ts.body;
    ASSERT_EQ(os.status, 200) << os.body;
    auto lines = [](const Json& list) {
      std::set<std::string> out;
      for (const auto& o : list) {
        std::string type = o.value("type", "");
        // The SOA differs in its serial only (checked without it above).
        if (type == "DNSKEY" || type == "CDS" || type == "CDNSKEY" || type == "NSEC3PARAM" ||
            type == "SOA")
          continue;
        Json copy = o;
        // Signet keeps an owner's spelling (pdns' SQL backends lower-case it).
        copy["name"] = lower(copy["name"]);
        if (copy.contains("content"))
          copy["content"] = lower(copy["content"]);
        out.insert(copy.dump());
      }
      return out;
    };
    std::set<std::string> o_lines = lines(os.json()), t_lines = lines(ts.json());
    std::string only;
    for (const auto& l : o_lines)
      only += t_lines.count(l) ? "" : "\n  only Signet: " + l;
    for (const auto& l : t_lines)
      only += o_lines.count(l) ? "" : "\n  only pdns: " + l;
    EXPECT_TRUE(only.empty()) << q << only;
  }
}

}  // namespace
