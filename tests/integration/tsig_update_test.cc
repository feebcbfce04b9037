// SPDX-License-Identifier: GPL-2.0-or-later
//
// DNS UPDATE (RFC 2136) and AXFR with TSIG (RFC 8945) keys that live in the Signet store, through
// a real pdns_server (dnsupdate=yes, updates allowed from 127.0.0.0/8; AXFR allowed by address
// from nowhere, so only a TSIG key grants it). Two tenants, acme and globex, each with a secured
// zone and a key of its own (signetutil tsig create):
//
//  * nsupdate -y with acme's key adds and deletes records in acme's zone, and a validating Unbound
//    (trusting only the zone's DS) answers the change with AD set;
//  * the same key on globex's zone is refused (NOTAUTH/REFUSED) and the zone is unchanged;
//  * acme's key cannot be named in globex's TSIG-ALLOW-DNSUPDATE (pdnsutil set-meta: refused),
//    and without that metadata globex's zone still takes globex's keys only;
//  * pdnsutil import-tsig-key makes a global key; a TSIG-signed AXFR (dig -y) of a zone whose
//    TSIG-ALLOW-AXFR names it succeeds, while an unsigned one, a wrong secret and a valid key the
//    zone does not name are refused.
// Everything listens on 127.0.0.1 and free ports; every process is stopped when its test ends.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/dns_tools.hh"
#include "tests/support/signet_dir.hh"
#include "tests/support/tools.hh"
#include "tests/support/unbound.hh"

using signet::test::dig_validated;
using signet::test::find_tool;
using signet::test::nsupdate;
using signet::test::PdnsServerOptions;
using signet::test::run;
using signet::test::RunResult;
using signet::test::SignetDir;
using signet::test::TempDir;
using signet::test::Unbound;
using signet::test::Validated;
using signet::test::write_file;

namespace {

std::string zone_text(const std::string& apex) {
  return "$ORIGIN " + apex +
         "\n"
         "$TTL 300\n"
         "@ SOA ns1 hostmaster 1 3600 600 86400 300\n"
         "@ NS ns1\n"
         "ns1 A 192.0.2.1\n"
         "www A 192.0.2.10\n";
}

// dig AXFR; the records, or empty when the transfer failed.
std::vector<std::string> axfr(int port, const std::string& zone, const std::string& key = "") {
  std::vector<std::string> argv = {find_tool("dig"), "@127.0.0.1", "-p",       std::to_string(port),
                                   "+tries=1",       "+timeout=5", "+nocookie"};
  if (!key.empty()) {
    argv.push_back("-y");
    argv.push_back(key);
  }
  argv.push_back(zone);
  argv.push_back("AXFR");
  RunResult r = run(argv, "", 60);
  std::vector<std::string> records;
  if (r.out.find("Transfer failed") != std::string::npos ||
      r.out.find("tsig verify failure") != std::string::npos)
    return records;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != ';')
      records.push_back(line);
  }
  return records;
}

class TsigUpdate : public ::testing::Test {
 protected:
  void SetUp() override {
    PdnsServerOptions o;
    o.zone_cache = false;
    o.settings = {{"dnsupdate", "yes"},
                  {"allow-dnsupdate-from", "127.0.0.0/8"},
                  // AXFR by address from nowhere on this machine: only a TSIG key grants it.
                  {"allow-axfr-ips", "192.0.2.255/32"},
                  {"signet-master-key-file", keydir.file("master.key")}};
    signet = std::make_unique<SignetDir>(o);
    signet->signetutil_ok({"generate-master-key"});
    for (const auto& [tenant, zone] : {std::pair<std::string, std::string>{"acme", "acme.example."},
                                       {"globex", "globex.example."}}) {
      std::string file = signet->dir.file(tenant + ".zone");
      write_file(file, zone_text(zone));
      signet->signetutil_ok({"create-tenant", tenant});
      signet->signetutil_ok({"load-zone", tenant, zone, file});
      signet->signetutil_ok({"secure-zone", zone});
    }
    acme_secret = create_key({"acme", "acme-key"});
    globex_secret = create_key({"globex", "globex-key"});
    signet->pdnsutil_ok({"set-meta", "acme.example", "TSIG-ALLOW-DNSUPDATE", "acme-key"});
    signet->pdnsutil_ok({"set-meta", "globex.example", "TSIG-ALLOW-DNSUPDATE", "globex-key"});
    signet->server->start();
  }

  // signetutil tsig create ...: stdout is the secret alone.
  std::string create_key(std::vector<std::string> args) {
    args.insert(args.begin(), {"tsig", "create"});
    std::string out = signet->signetutil_ok(args);
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    out = out.substr(0, out.find('\n'));
    EXPECT_EQ(out.find(' '), std::string::npos) << out;
    return out;
  }

  std::string zone_listing(const std::string& zone) {
    return signet->signetutil_ok({"list-zone", "--dnssec", zone});
  }

  std::string ds(const std::string& zone) {
    std::string out = signet->signetutil_ok({"export-ds", zone});
    out = out.substr(0, out.find('\n'));
    return out.substr(out.find("\tDS\t") + 4);
  }

  TempDir keydir;
  std::unique_ptr<SignetDir> signet;
  std::string acme_secret, globex_secret;
};

}  // namespace

TEST_F(TsigUpdate, ATenantsKeyEditsItsSecuredZoneAndTheNextAnswerValidates) {
  SIGNET_REQUIRE_TOOLS("nsupdate", "dig", "unbound");
  const std::string key = "hmac-sha256:acme-key:" + acme_secret;
  TempDir unbound_dir;
  Unbound unbound(
      unbound_dir.path(),
      {"acme.example. DS " + ds("acme.example."), {{"acme.example.", signet->server->port()}}, {}});

  EXPECT_EQ(nsupdate(signet->server->port(), "acme.example.", key,
                     {"update add new.acme.example. 300 A 192.0.2.77",
                      "update add www.acme.example. 300 A 192.0.2.11"}),
            "NOERROR")
      << signet->server->log();
  Validated added = dig_validated(unbound.port(), "new.acme.example.", "A");
  EXPECT_EQ(added.rcode, "NOERROR") << unbound.log();
  EXPECT_TRUE(added.ad) << unbound.log();
  EXPECT_EQ(added.answers, std::vector<std::string>{"192.0.2.77"});

  EXPECT_EQ(nsupdate(signet->server->port(), "acme.example.", key,
                     {"update delete new.acme.example. A",
                      "update delete www.acme.example. A 192.0.2.10"}),
            "NOERROR")
      << signet->server->log();
  unbound.restart();  // the deletion must be seen, not the cached answer
  Validated gone = dig_validated(unbound.port(), "new.acme.example.", "A");
  EXPECT_EQ(gone.rcode, "NXDOMAIN");
  EXPECT_TRUE(gone.ad) << unbound.log();
  Validated www = dig_validated(unbound.port(), "www.acme.example.", "A");
  EXPECT_TRUE(www.ad);
  EXPECT_EQ(www.answers, std::vector<std::string>{"192.0.2.11"});
  RunResult v = signet->signetutil({"verify-zone", "acme.example."});
  EXPECT_EQ(v.status, 0) << v.out << v.err;
}

TEST_F(TsigUpdate, TheSameKeyOnAnotherTenantsZoneIsRefusedAndChangesNothing) {
  SIGNET_REQUIRE_TOOLS("nsupdate", "dig");
  const std::string before = zone_listing("globex.example.");
  const std::vector<std::string> attack = {"update add evil.globex.example. 300 A 192.0.2.66",
                                           "update delete www.globex.example. A"};
  std::string rcode = nsupdate(signet->server->port(), "globex.example.",
                               "hmac-sha256:acme-key:" + acme_secret, attack);
  EXPECT_TRUE(rcode == "NOTAUTH" || rcode == "REFUSED") << rcode;
  // Unsigned (only the address would allow it) and with a wrong secret: refused as well.
  rcode = nsupdate(signet->server->port(), "globex.example.", "", attack);
  EXPECT_TRUE(rcode == "NOTAUTH" || rcode == "REFUSED") << rcode;
  rcode = nsupdate(signet->server->port(), "globex.example.",
                   "hmac-sha256:globex-key:" + acme_secret, attack);
  EXPECT_TRUE(rcode == "NOTAUTH" || rcode == "REFUSED" || rcode.rfind("(nsupdate", 0) == 0)
      << rcode;
  EXPECT_EQ(zone_listing("globex.example."), before);
  EXPECT_EQ(signet->dig("evil.globex.example.", "A"), std::vector<std::string>{});
  EXPECT_EQ(signet->dig("www.globex.example.", "A"), std::vector<std::string>{"192.0.2.10"});
  // globex's own key still works: the refusals were about the key, not the zone.
  EXPECT_EQ(
      nsupdate(signet->server->port(), "globex.example.", "hmac-sha256:globex-key:" + globex_secret,
               {"update add ok.globex.example. 300 A 192.0.2.88"}),
      "NOERROR")
      << signet->server->log();
}

// A zone whose TSIG-ALLOW-DNSUPDATE is not set takes its tenant's keys only (keystore/tsig_keys.hh
// dnsupdate_keys): pdns alone would take any valid key, another tenant's too, or none at all, from
// an address allow-dnsupdate-from admits.
TEST_F(TsigUpdate, WithoutMetadataAZoneStillTakesOnlyItsOwnTenantsKeys) {
  SIGNET_REQUIRE_TOOLS("nsupdate", "dig");
  signet->pdnsutil_ok({"set-meta", "globex.example", "TSIG-ALLOW-DNSUPDATE"});
  const std::string before = zone_listing("globex.example.");
  const std::vector<std::string> attack = {"update add evil.globex.example. 300 A 192.0.2.66"};
  std::string rcode = nsupdate(signet->server->port(), "globex.example.",
                               "hmac-sha256:acme-key:" + acme_secret, attack);
  EXPECT_TRUE(rcode == "NOTAUTH" || rcode == "REFUSED") << rcode;
  rcode = nsupdate(signet->server->port(), "globex.example.", "", attack);
  EXPECT_TRUE(rcode == "NOTAUTH" || rcode == "REFUSED") << rcode;
  EXPECT_EQ(zone_listing("globex.example."), before);
  EXPECT_EQ(
      nsupdate(signet->server->port(), "globex.example.", "hmac-sha256:globex-key:" + globex_secret,
               {"update add ok.globex.example. 300 A 192.0.2.88"}),
      "NOERROR")
      << signet->server->log();
  EXPECT_EQ(signet->dig("ok.globex.example.", "A"), std::vector<std::string>{"192.0.2.88"});
}

TEST_F(TsigUpdate, AnotherTenantsKeyCannotBeNamedInAZonesMetadata) {
  for (const char* kind : {"TSIG-ALLOW-DNSUPDATE", "TSIG-ALLOW-AXFR"}) {
    RunResult r = signet->pdnsutil({"set-meta", "globex.example", kind, "acme-key"});
    EXPECT_NE(r.status, 0) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("acme-key"), std::string::npos) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("globex.example"), std::string::npos) << r.out << r.err;
  }
  std::string meta = signet->pdnsutil_ok({"get-meta", "globex.example", "TSIG-ALLOW-DNSUPDATE"});
  EXPECT_NE(meta.find("globex-key"), std::string::npos) << meta;
  EXPECT_EQ(meta.find("acme-key"), std::string::npos) << meta;
  // A key a zone names cannot be deleted under it.
  RunResult del = signet->signetutil({"tsig", "delete", "acme-key"});
  EXPECT_NE(del.status, 0);
  EXPECT_NE(del.err.find("acme.example."), std::string::npos) << del.err;
  // Scoped to globex, acme's key is neither listed nor deletable, and no global key is made.
  std::string listed = signet->signetutil_ok({"--tenant", "globex", "tsig", "list"});
  EXPECT_EQ(listed.find("acme-key"), std::string::npos) << listed;
  EXPECT_NE(listed.find("globex-key"), std::string::npos) << listed;
  EXPECT_NE(signet->signetutil({"--tenant", "globex", "tsig", "delete", "acme-key"}).status, 0);
  EXPECT_NE(signet->signetutil({"--tenant", "globex", "tsig", "create", "--operator", "x"}).status,
            0);
  EXPECT_NE(signet->signetutil({"--tenant", "globex", "tsig", "create", "acme", "y"}).status, 0);
  // Never the secret in a listing.
  std::string all = signet->signetutil_ok({"tsig", "list", "--json"});
  EXPECT_EQ(all.find(acme_secret), std::string::npos);
  EXPECT_EQ(all.find(globex_secret), std::string::npos);
  std::string pdns_list = signet->pdnsutil_ok({"list-tsig-keys"});
  EXPECT_EQ(pdns_list.find(acme_secret), std::string::npos) << pdns_list;
}

TEST_F(TsigUpdate, AnImportedKeySignsAnAxfrThatNothingElseGets) {
  SIGNET_REQUIRE_TOOLS("dig");
  const std::string secret = "c2lnbmV0LXRlc3QteGZyLWtleS0zMi1vY3RldHMtISE=";
  std::string out = signet->pdnsutil_ok({"import-tsig-key", "xfr-key", "hmac-sha256", secret});
  EXPECT_NE(out.find("Imported TSIG key"), std::string::npos) << out;
  std::string listed = signet->signetutil_ok({"tsig", "list"});
  EXPECT_NE(listed.find("xfr-key.\t*\thmac-sha256"), std::string::npos) << listed;
  signet->pdnsutil_ok({"set-meta", "acme.example", "TSIG-ALLOW-AXFR", "xfr-key"});
  const int port = signet->server->port();

  auto signed_xfr = axfr(port, "acme.example.", "hmac-sha256:xfr-key:" + secret);
  ASSERT_GE(signed_xfr.size(), 3u) << signet->server->log();
  bool has_www = false;
  for (const auto& r : signed_xfr)
    has_www |= r.rfind("www.acme.example.", 0) == 0;
  EXPECT_TRUE(has_www);
  EXPECT_TRUE(axfr(port, "acme.example.").empty()) << "unsigned AXFR allowed";
  EXPECT_TRUE(axfr(port, "acme.example.", "hmac-sha256:xfr-key:" + globex_secret).empty())
      << "wrong secret allowed";
  EXPECT_TRUE(axfr(port, "acme.example.", "hmac-sha256:acme-key:" + acme_secret).empty())
      << "a key the zone does not name allowed";
  EXPECT_TRUE(axfr(port, "acme.example.", "hmac-sha512:xfr-key:" + secret).empty())
      << "another algorithm allowed";
  // The global key is the operator's: no tenant's zone names it unless the operator lets it, and
  // pdnsutil can delete it once no zone does.
  signet->pdnsutil_ok({"set-meta", "acme.example", "TSIG-ALLOW-AXFR"});
  signet->pdnsutil_ok({"delete-tsig-key", "xfr-key"});
  EXPECT_TRUE(axfr(port, "acme.example.", "hmac-sha256:xfr-key:" + secret).empty());
}
