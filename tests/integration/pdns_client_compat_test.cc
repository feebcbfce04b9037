// SPDX-License-Identifier: GPL-2.0-or-later
//
// Compatibility proof (issue 9 item 8): stock DNS tooling manages a tenant's secured zone through
// signetd (HTTPS, self-signed pair) and pdns_server, and every answer is checked at pdns_server
// (dig) and through a validating Unbound that trusts only the zone's DS (AD set):
//
//  * Debian's lexicon (its powerdns provider, X-API-Key, as a tenant's editor token) creates,
//    lists and deletes a TXT record; the zone is a primary (kind Master), so lexicon also calls
//    PUT /zones/{zone}/notify after each change;
//  * lexicon with another tenant's token on the same zone fails and changes nothing;
//  * nsupdate -y with the tenant's TSIG key (signetutil tsig create) edits the same zone.
//
// The tools are required: a missing one fails the test. lexicon runs with its proxies pointed at
// a closed loopback port (and no proxy for 127.0.0.1), so nothing it might try leaves the
// machine; its public suffix list is Debian's file.
#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/dns_tools.hh"
#include "tests/support/process.hh"
#include "tests/support/signet_dir.hh"
#include "tests/support/signetd.hh"
#include "tests/support/tools.hh"
#include "tests/support/unbound.hh"

using signet::test::dig_validated;
using signet::test::find_tool;
using signet::test::nsupdate;
using signet::test::PdnsServerOptions;
using signet::test::run;
using signet::test::RunResult;
using signet::test::Signetd;
using signet::test::SignetDir;
using signet::test::SignetdOptions;
using signet::test::signetutil_argv;
using signet::test::TempDir;
using signet::test::Unbound;
using signet::test::Validated;
using signet::test::write_file;

namespace {

// Names under a real public suffix (RFC 2606's example.com and example.net), so that lexicon's
// domain extraction finds the zone itself.
const std::string kZone = "example.com";
const std::string kOther = "example.net";

std::string zone_text(const std::string& apex) {
  return "$ORIGIN " + apex +
         ".\n$TTL 300\n"
         "@ SOA ns1 hostmaster 1 3600 600 86400 300\n"
         "@ NS ns1\n"
         "ns1 A 192.0.2.1\n"
         "www A 192.0.2.10\n";
}

class PdnsClientCompat : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"lexicon", "dig", "nsupdate", "unbound"})
      ASSERT_FALSE(find_tool(tool).empty()) << tool << " is not installed (scripts/setup)";
    PdnsServerOptions o;
    o.zone_cache = false;
    o.settings = {{"dnsupdate", "yes"},
                  {"allow-dnsupdate-from", "127.0.0.0/8"},
                  {"signet-master-key-file", keydir.file("master.key")}};
    d = std::make_unique<SignetDir>(o);
    d->signetutil_ok({"generate-master-key"});
    for (const auto& [tenant, zone] :
         {std::pair<std::string, std::string>{"acme", kZone}, {"globex", kOther}}) {
      std::string file = d->dir.file(tenant + ".zone");
      write_file(file, zone_text(zone));
      d->signetutil_ok({"create-tenant", tenant});
      d->signetutil_ok({"load-zone", tenant, zone + ".", file});
      d->signetutil_ok({"secure-zone", zone + "."});
    }
    acme_editor = token({"acme", "editor"});
    globex_editor = token({"globex", "editor"});
    std::string secret = d->signetutil_ok({"tsig", "create", "acme", "acme-key"});
    acme_key = "hmac-sha256:acme-key:" + secret.substr(0, secret.find('\n'));
    d->pdnsutil_ok({"set-meta", kZone, "TSIG-ALLOW-DNSUPDATE", "acme-key"});
    // Without TSIG-ALLOW-DNSUPDATE pdns admits an update by address alone
    // (allow-dnsupdate-from): the other tenant's zone names its own key.
    d->signetutil_ok({"tsig", "create", "globex", "globex-key"});
    d->pdnsutil_ok({"set-meta", kOther, "TSIG-ALLOW-DNSUPDATE", "globex-key"});
    d->server->start();
    api = std::make_unique<Signetd>(d->dir.path(), SignetdOptions{.tls = true});
    api->start();
    std::string ds = d->signetutil_ok({"export-ds", kZone + "."});
    ds = ds.substr(0, ds.find('\n'));
    ds = ds.substr(ds.find("\tDS\t") + 4);
    unbound = std::make_unique<Unbound>(
        unbound_dir.path(),
        signet::test::UnboundOptions{kZone + ". DS " + ds, {{kZone + ".", d->server->port()}}, {}});
  }

  std::string token(std::vector<std::string> args) {
    args.insert(args.begin(), {"token", "create"});
    RunResult r = run(signetutil_argv(d->dir.path(), args), "", 60);
    EXPECT_EQ(r.status, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }

  RunResult lexicon(const std::string& token, std::vector<std::string> action) {
    std::vector<std::string> argv = {"/usr/bin/env",
                                     "REQUESTS_CA_BUNDLE=" + api->cert_path(),
                                     "HOME=" + d->dir.path(),
                                     "https_proxy=http://127.0.0.1:9",
                                     "http_proxy=http://127.0.0.1:9",
                                     "HTTPS_PROXY=http://127.0.0.1:9",
                                     "HTTP_PROXY=http://127.0.0.1:9",
                                     "no_proxy=127.0.0.1",
                                     "NO_PROXY=127.0.0.1",
                                     find_tool("lexicon"),
                                     "powerdns",
                                     "--auth-token",
                                     token,
                                     "--pdns-server",
                                     api->url()};
    argv.insert(argv.end(), action.begin(), action.end());
    return run(argv, "", 120);
  }

  std::vector<std::string> txt(const std::string& name) { return d->dig(name, "TXT"); }

  std::string axfr(const std::string& zone) {
    RunResult r = run({find_tool("dig"), "@127.0.0.1", "-p", std::to_string(d->server->port()),
                       "+tries=1", "+timeout=5", "+nocookie", "+nocmd", "+nostats", zone, "AXFR"},
                      "", 60);
    EXPECT_EQ(r.out.find("Transfer failed"), std::string::npos) << r.out;
    return r.out;
  }

  TempDir keydir, unbound_dir;
  std::unique_ptr<SignetDir> d;
  std::unique_ptr<Signetd> api;
  std::unique_ptr<Unbound> unbound;
  std::string acme_editor, globex_editor, acme_key;
};

}  // namespace

TEST_F(PdnsClientCompat, LexiconAndNsupdateManageATenantsSecuredZone) {
  // A primary zone: lexicon notifies its secondaries after every change.
  auto kind = api->request("PUT", "/api/v1/servers/localhost/zones/" + kZone + ".", acme_editor,
                           R"({"kind": "Master"})");
  ASSERT_EQ(kind.status, 204) << kind.body;

  RunResult created =
      lexicon(acme_editor, {"create", kZone, "TXT", "--name", "x", "--content", "hello"});
  ASSERT_EQ(created.status, 0) << created.out << created.err << api->log();
  EXPECT_EQ(txt("x." + kZone), std::vector<std::string>{"\"hello\""});
  Validated v = dig_validated(unbound->port(), "x." + kZone + ".", "TXT");
  EXPECT_EQ(v.rcode, "NOERROR") << unbound->log();
  EXPECT_TRUE(v.ad) << unbound->log();
  EXPECT_EQ(v.answers, std::vector<std::string>{"\"hello\""});
  // (lexicon names the zone without its final dot there.)
  EXPECT_NE(api->log().find("PUT /api/v1/servers/localhost/zones/" + kZone + "/notify 200"),
            std::string::npos)
      << api->log();

  RunResult listed = lexicon(acme_editor, {"list", kZone, "TXT"});
  ASSERT_EQ(listed.status, 0) << listed.out << listed.err;
  EXPECT_NE(listed.out.find("hello"), std::string::npos) << listed.out;

  // Another tenant's editor token: lexicon fails, the zone is unchanged.
  std::string before = axfr(kZone);
  RunResult foreign =
      lexicon(globex_editor, {"create", kZone, "TXT", "--name", "evil", "--content", "owned"});
  EXPECT_NE(foreign.status, 0) << foreign.out;
  RunResult foreign_delete =
      lexicon(globex_editor, {"delete", kZone, "TXT", "--name", "x", "--content", "hello"});
  EXPECT_NE(foreign_delete.status, 0) << foreign_delete.out;
  EXPECT_EQ(axfr(kZone), before);
  EXPECT_TRUE(txt("evil." + kZone).empty());

  RunResult deleted =
      lexicon(acme_editor, {"delete", kZone, "TXT", "--name", "x", "--content", "hello"});
  ASSERT_EQ(deleted.status, 0) << deleted.out << deleted.err;
  EXPECT_TRUE(txt("x." + kZone).empty());
  unbound->restart();
  Validated gone = dig_validated(unbound->port(), "x." + kZone + ".", "TXT");
  EXPECT_EQ(gone.rcode, "NXDOMAIN") << unbound->log();
  EXPECT_TRUE(gone.ad) << unbound->log();

  // nsupdate with the tenant's TSIG key on the same zone.
  EXPECT_EQ(nsupdate(d->server->port(), kZone + ".", acme_key,
                     {"update add y." + kZone + ". 300 TXT \"via nsupdate\""}),
            "NOERROR")
      << d->server->log();
  EXPECT_EQ(txt("y." + kZone), std::vector<std::string>{"\"via nsupdate\""});
  Validated y = dig_validated(unbound->port(), "y." + kZone + ".", "TXT");
  EXPECT_TRUE(y.ad) << unbound->log();
  EXPECT_EQ(y.answers, std::vector<std::string>{"\"via nsupdate\""});
  // The same key on the other tenant's zone: refused, nothing changed.
  std::string other = axfr(kOther);
  std::string refused = nsupdate(d->server->port(), kOther + ".", acme_key,
                                 {"update add z." + kOther + ". 300 TXT \"owned\""});
  EXPECT_TRUE(refused == "NOTAUTH" || refused == "REFUSED") << refused;
  EXPECT_EQ(axfr(kOther), other);
}
