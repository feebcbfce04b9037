// SPDX-License-Identifier: GPL-2.0-or-later
//
// Signet as a hidden primary (issue 11): real secondaries take its signed zones through a
// catalog zone (RFC 9432) over TSIG-signed transfers, and real validators see them secure.
//
//   parent    pdns_server + Signet serving example. (secured; the resolvers' trust anchor), with
//             delegations to cli.example. and api.example.; a "registry" thread copies each
//             child's CDS into the parent's DS (RFC 7344), as a parent that follows CDS does;
//   primary   pdns_server + Signet (primary=yes): the hidden signer. Its shared catalog
//             catalog.invalid. is the default every new zone joins; the catalog's TSIG-ALLOW-AXFR
//             (a global key) and ALSO-NOTIFY (the secondaries) apply to every member;
//   knot      knotd consuming the catalog (catalog-role: interpret);
//   bind      named consuming the catalog (catalog-zones);
//   resolvers one validating Unbound per secondary, trusting example.'s DS, sent to that
//             secondary for the children;
//   upstream  (bump-in-the-wire tests) named as an unsigned primary whose zone the primary
//             transfers in, signs, and hands on to the secondaries.
// Nothing but the parent and the primary's AXFR/NOTIFY traffic reaches the primary: the
// resolvers ask the secondaries only.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "signer/rrtype.hh"
#include "tests/support/dns_ask.hh"
#include "tests/support/drill_loops.hh"
#include "tests/support/drill_site.hh"
#include "tests/support/secondary.hh"
#include "tests/support/signetd.hh"
#include "tests/support/tools.hh"
#include "tests/support/unbound.hh"

using namespace signet;
using namespace signet::test;
using namespace std::chrono_literals;

namespace {

const char* const kParent = "example.";
const char* const kCatalog = "catalog.invalid.";
const char* const kKey = "xfr.signet.";

// Timings of seconds. The propagation delay covers NOTIFY (pdns looks for changed serials every
// second, xfr-cycle-interval=1) and the secondaries' transfer.
const char* const kPolicy =
    "policies:\n"
    "  - name: fast\n"
    "    algorithm: ecdsap256sha256\n"
    "    keys: ksk-zsk\n"
    "    dnskey-ttl: 2s\n"
    "    propagation-delay: 4s\n"
    "    ds-ttl: 2s\n"
    "    registration-delay: 0s\n"
    "    max-zone-ttl: 3s\n"
    "    rollover-jitter: 0s\n"
    "    cds: always\n"
    "    parent-nameservers: [\"127.0.0.1:PARENT_PORT\"]\n"
    "    parent-check-interval: 1s\n";

std::map<std::string, std::string> primary_settings() {
  return {{"primary", "yes"},
          // Zones that arrive by transfer (the bump-in-the-wire tests): pdns refreshes them and
          // takes NOTIFY for them only as a secondary.
          {"secondary", "yes"},
          {"xfr-cycle-interval", "1"},
          // NOTIFY goes to ALSO-NOTIFY addresses only: pdns would resolve the NS names of the
          // zones through the system resolver, off this machine.
          {"only-notify", kEmptySetting},
          // Transfers by address from nowhere on this machine: only the TSIG key grants one.
          {"allow-axfr-ips", "192.0.2.255/32"}};
}

std::string dig_out(int port, std::vector<std::string> args) {
  std::vector<std::string> argv = {find_tool("dig"),     "@127.0.0.1", "-p",
                                   std::to_string(port), "+tries=1",   "+timeout=3"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, "", 30).out;
}

class Secondaries : public ::testing::Test {
 protected:
  void SetUp() override {
    SIGNET_REQUIRE_TOOLS("knotd", "named", "unbound", "dig");
    // The parent, with the delegations the children will get DS records under.
    make_secured_parent(parent, kParent,
                        "$ORIGIN example.\n$TTL 3\n"
                        "@ SOA ns.example. hostmaster.example. 1 60 60 600 2\n"
                        "@ NS ns\nns A 127.0.0.1\n"
                        "cli NS ns.cli\nns.cli A 127.0.0.1\n"
                        "api NS ns.api\nns.api A 127.0.0.1\n"
                        "bump NS ns.bump\nns.bump A 127.0.0.1\n");
    parent.server.start();

    // The hidden primary: a shared default catalog with the transfer key.
    primary.ok({"generate-master-key"});
    primary.ok({"create-tenant", "acme"});
    std::string policy = kPolicy;
    policy.replace(policy.find("PARENT_PORT"), 11, std::to_string(parent.server.port()));
    write_file(primary.dir.file("fast.yaml"), policy);
    primary.ok({"policy", "import", primary.dir.file("fast.yaml")});
    primary.ok({"catalog", "create", kCatalog});
    secret = primary.ok({"tsig", "create", "--operator", kKey});
    secret = secret.substr(0, secret.find('\n'));
    primary.server.start();

    SecondaryOptions so{.primary_port = primary.server.port(),
                        .key_name = kKey,
                        .key_secret = secret,
                        .catalog = kCatalog};
    knot = std::make_unique<Secondary>(Secondary::kKnot, primary.dir.file("knot"), so);
    bind = std::make_unique<Secondary>(Secondary::kBind, primary.dir.file("bind"), so);
    pdnsutil({"set-meta", kCatalog, "TSIG-ALLOW-AXFR", kKey});
    pdnsutil({"set-meta", kCatalog, "ALSO-NOTIFY", "127.0.0.1:" + std::to_string(knot->port()),
              "127.0.0.1:" + std::to_string(bind->port())});

    std::string anchor = ds_trust_anchor(parent, kParent);
    for (Secondary* s : {knot.get(), bind.get()}) {
      resolvers.push_back(
          std::make_unique<Unbound>(primary.dir.file(std::string("unbound-") + s->name()),
                                    UnboundOptions{anchor,
                                                   {{kParent, parent.server.port()},
                                                    {"cli.example.", s->port()},
                                                    {"api.example.", s->port()},
                                                    {"bump.example.", s->port()}},
                                                   {}}));
    }
    registry = std::make_unique<Registry>(
        parent, kParent, primary.server.port(),
        std::vector<std::string>{"cli.example.", "api.example.", "bump.example."});
  }

  void pdnsutil(std::vector<std::string> args) {
    args.insert(args.begin(), {find_tool("pdnsutil"), "--config-dir", primary.dir.path()});
    RunResult r = run(args, "", 60);
    ASSERT_EQ(r.status, 0) << r.err << r.out;
  }

  // The serial the primary serves for `zone`.
  uint32_t primary_serial(const std::string& zone) {
    std::string soa = dig_out(primary.server.port(), {"+short", zone, "SOA"});
    std::istringstream in(soa);
    std::string mname, rname;
    uint32_t serial = 0;
    in >> mname >> rname >> serial;
    return serial;
  }

  // Waits until both secondaries serve `zone` at the primary's serial, then until both
  // resolvers answer `name`/A with `address`, validated. Returns the seconds that took.
  double wait_everywhere(const std::string& zone, const std::string& name,
                         const std::string& address, std::chrono::seconds timeout = 30s) {
    auto start = std::chrono::steady_clock::now();
    uint32_t serial = primary_serial(zone);
    for (Secondary* s : {knot.get(), bind.get()}) {
      EXPECT_TRUE(s->wait_serial(zone, serial, timeout))
          << s->name() << " does not serve " << zone << " at serial " << serial << "; its log:\n"
          << s->log();
    }
    for (auto& u : resolvers) {
      auto deadline = std::chrono::steady_clock::now() + timeout;
      DnsAnswer a;
      bool ok = false;
      while (!ok && std::chrono::steady_clock::now() < deadline) {
        a = dns_ask(u->port(), name, rrtype::A);
        ok = a.answered && a.rcode == 0 && a.ad && a.rdatas(rrtype::A).size() == 1 &&
             ipv4_text(a.rdatas(rrtype::A)[0]) == address;
        if (!ok)
          std::this_thread::sleep_for(200ms);
      }
      EXPECT_TRUE(ok) << name << " through " << u->port() << ": rcode " << a.rcode
                      << (a.ad ? " AD" : " no AD") << "\nregistry:\n"
                      << registry->log() << "\nunbound:\n"
                      << validation_failures(*u);
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  // A zone made with signetutil, secured with the fast policy.
  void create_cli_zone() {
    primary.ok({"create-zone", "acme", "cli.example.", "ns.cli.example."});
    primary.ok({"add-record", "cli.example.", "www", "A", "3", "192.0.2.80"});
    primary.ok({"add-record", "cli.example.", "ns", "A", "3", "127.0.0.1"});
    primary.ok({"secure-zone", "cli.example.", "fast"});
  }

  // An unsigned primary outside Signet (named) serving `zone` from `file`, NOTIFYing the
  // primary and letting it transfer with the key.
  std::unique_ptr<Secondary> start_upstream(const std::string& zone, const std::string& file) {
    SecondaryOptions o{.key_name = kKey,
                       .key_secret = secret,
                       .primary_zones = {{zone, file}},
                       .notify_port = primary.server.port()};
    return std::make_unique<Secondary>(Secondary::kBind, primary.dir.file("upstream"), o);
  }

  static std::string validation_failures(Unbound& u) {
    std::string reasons;
    std::istringstream in(u.log());
    for (std::string l; std::getline(in, l);)
      if (l.find("validation failure") != std::string::npos && reasons.size() < 20000)
        reasons += l + "\n";
    return reasons;
  }

  Site parent;
  Site primary{primary_settings()};
  std::string secret;
  std::unique_ptr<Secondary> knot, bind;
  std::vector<std::unique_ptr<Unbound>> resolvers;
  std::unique_ptr<Registry> registry;
};

TEST_F(Secondaries, NewZonesReachKnotAndBindValidatedEditsFollowAndDeletedZonesLeave) {
  // ---- a zone made with signetutil
  create_cli_zone();
  double cli_seconds = wait_everywhere("cli.example.", "www.cli.example.", "192.0.2.80");
  EXPECT_LT(cli_seconds, 20.0);

  // ---- a zone made through signetd's API by the tenant's own token
  std::string token = primary.ok({"token", "create", "acme", "editor"});
  token = token.substr(0, token.find('\n'));
  Signetd api(primary.dir.path());
  api.start();
  SignetdReply r =
      api.request("POST", "/api/v1/servers/localhost/zones", token,
                  R"({"name": "api.example.", "kind": "Native", "nameservers": ["ns.api.example."],
          "rrsets": [{"name": "www.api.example.", "type": "A", "ttl": 3, "changetype": "REPLACE",
                      "records": [{"content": "192.0.2.81", "disabled": false}]},
                     {"name": "ns.api.example.", "type": "A", "ttl": 3, "changetype": "REPLACE",
                      "records": [{"content": "127.0.0.1", "disabled": false}]}]})");
  ASSERT_EQ(r.status, 201) << r.body;
  r = api.request("POST", "/api/v1/signet/zones/api.example./secure", token,
                  R"({"policy": "fast"})");
  ASSERT_EQ(r.status, 200) << r.body;
  double api_seconds = wait_everywhere("api.example.", "www.api.example.", "192.0.2.81");
  EXPECT_LT(api_seconds, 20.0);
  // Both joined the default catalog without a second step.
  std::string members = primary.ok({"catalog", "members", kCatalog});
  EXPECT_NE(members.find("cli.example."), std::string::npos) << members;
  EXPECT_NE(members.find("api.example."), std::string::npos) << members;

  // ---- an edit shows up, validated, through both: made with signetutil, and through the API
  // (a native zone: its new serials are NOTIFYed because it is in a catalog)
  primary.ok({"add-record", "cli.example.", "new", "A", "3", "192.0.2.99"});
  double edit_seconds = wait_everywhere("cli.example.", "new.cli.example.", "192.0.2.99");
  EXPECT_LT(edit_seconds, 15.0);
  r = api.request("PATCH", "/api/v1/servers/localhost/zones/api.example.", token,
                  R"({"rrsets": [{"name": "new.api.example.", "type": "A", "ttl": 3,
                                  "changetype": "REPLACE",
                                  "records": [{"content": "192.0.2.98", "disabled": false}]}]})");
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_LT(wait_everywhere("api.example.", "new.api.example.", "192.0.2.98"), 15.0);
  r = api.request("GET", "/api/v1/servers/localhost/zones/api.example.", token);
  EXPECT_EQ(r.json().value("catalog", ""), kCatalog) << r.body;

  // ---- a deleted zone leaves the catalog, and both secondaries drop it
  primary.ok({"delete-zone", "api.example."});
  for (Secondary* s : {knot.get(), bind.get()})
    EXPECT_TRUE(s->wait_gone("api.example.", 30s)) << s->name() << " still serves api.example.";
  EXPECT_TRUE(knot->serial("cli.example.").has_value());
  EXPECT_TRUE(bind->serial("cli.example.").has_value());
  std::cout << "[ figures ] to both secondaries, validated: signetutil zone " << cli_seconds
            << " s, API zone " << api_seconds << " s, edit " << edit_seconds << " s\n";
}

TEST_F(Secondaries, ZskAndKskRolloversOnThePrimaryKeepEveryAnswerThroughBothSecondariesSecure) {
  create_cli_zone();
  wait_everywhere("cli.example.", "www.cli.example.", "192.0.2.80");
  const std::vector<DrillQuery> questions = {{"www.cli.example.", rrtype::A, 0},
                                             {"nothere.cli.example.", rrtype::A, 3},
                                             {"cli.example.", rrtype::DNSKEY, 0}};
  QueryLoop via_knot(resolvers[0]->port(), questions);
  QueryLoop via_bind(resolvers[1]->port(), questions);
  size_t knot_before = knot->transfers("cli.example.");
  std::this_thread::sleep_for(3s);
  for (const char* kind : {"zsk", "ksk"}) {
    primary.ok({"rollover", "cli.example.", kind});
    std::string status;
    EXPECT_TRUE(wait_rollover_idle(primary, "cli.example.", 120s, status))
        << kind << " rollover did not finish: " << status << "\nregistry:\n"
        << registry->log();
    std::this_thread::sleep_for(4s);  // answers cached during the last step expire
  }
  via_knot.stop();
  via_bind.stop();
  for (auto* q : {&via_knot, &via_bind}) {
    EXPECT_GT(q->total(), 100u);
    EXPECT_EQ(q->failure_count(), 0u)
        << q->failure_count() << " of " << q->total() << " answers were SERVFAIL or lacked AD:\n"
        << q->failures() << "\nregistry:\n"
        << registry->log() << "\nunbound (knot):\n"
        << validation_failures(*resolvers[0]) << "\nunbound (bind):\n"
        << validation_failures(*resolvers[1]);
  }
  // The secondaries followed every step: both serve the primary's serial.
  uint32_t serial = primary_serial("cli.example.");
  EXPECT_TRUE(knot->wait_serial("cli.example.", serial, 10s));
  EXPECT_TRUE(bind->wait_serial("cli.example.", serial, 10s));
  std::cout << "[ figures ] transfers of cli.example. by knot during the two rollovers: "
            << knot->transfers("cli.example.") - knot_before << "\n";
}

// Issue 11 item 3, end to end: signature refresh (batched, rrsig-refresh-batch 1d by default)
// must not make secondaries transfer a zone more than once a day. Ten zones under the default
// policy (validity 14 d, refresh 4 d before expiry widened by the SOA EXPIRE); signetutil refresh
// runs every two simulated hours for twelve days (SIGNET_CLOCK_OFFSET), pdns NOTIFYs each new
// serial, and Knot's and BIND's own logs count the transfers.
TEST_F(Secondaries, SignatureRefreshMakesEachSecondaryTransferAZoneAtMostOncePerSimulatedDay) {
  const int kZones = 10, kDays = 12, kStepHours = 2;
  std::vector<std::string> zones;
  for (int i = 0; i < kZones; ++i) {
    std::string z = "churn" + std::to_string(i) + ".example.";
    primary.ok({"create-zone", "acme", z, "ns1." + z});
    for (int r = 0; r < 20; ++r)
      primary.ok({"add-record", z, "host" + std::to_string(r), "A", "300", "192.0.2.1"});
    primary.ok({"secure-zone", z});
    zones.push_back(z);
  }
  auto caught_up = [&] {
    for (const auto& z : zones) {
      uint32_t serial = primary_serial(z);
      for (Secondary* s : {knot.get(), bind.get()})
        ASSERT_TRUE(s->wait_serial(z, serial, 30s)) << s->name() << " " << z << "\n" << s->log();
    }
  };
  caught_up();
  std::map<std::string, std::map<std::string, size_t>> before;  // secondary -> zone -> count
  for (Secondary* s : {knot.get(), bind.get()})
    for (const auto& z : zones)
      before[s->name()][z] = s->transfers(z);
  size_t worst = 0, total = 0, refreshes = 0;
  std::string per_day;
  for (int day = 0; day < kDays; ++day) {
    for (int h = 0; h < 24; h += kStepHours) {
      long offset = (long(day) * 24 + h) * 3600;
      RunResult r = run(signetutil_argv(primary.dir.path(), {"refresh"}, offset), "", 120);
      ASSERT_EQ(r.status, 0) << r.err;
      if (auto at = r.out.find("refresh: "); at != std::string::npos)
        refreshes += std::stoul(r.out.substr(at + 9));
    }
    caught_up();
    per_day += "day " + std::to_string(day + 1) + ":";
    for (Secondary* s : {knot.get(), bind.get()}) {
      size_t day_total = 0;
      for (const auto& z : zones) {
        size_t now = s->transfers(z), n = now - before[s->name()][z];
        before[s->name()][z] = now;
        worst = std::max(worst, n);
        day_total += n;
        total += n;
        EXPECT_LE(n, 1u) << s->name() << " transferred " << z << " " << n << " times on day "
                         << day + 1;
      }
      per_day += std::string(" ") + s->name() + " " + std::to_string(day_total);
    }
    per_day += "\n";
  }
  std::cout << "[ figures ] transfers caused by signature refresh, " << kZones
            << " zones, both secondaries, per simulated day:\n"
            << per_day << "[ figures ] most transfers of one zone in one day: " << worst
            << "; in all: " << total << " in " << kDays << " days (" << refreshes
            << " zone refreshes)\n";
  // The refresh did happen in these days (validity 14 d): every zone was re-signed once.
  EXPECT_GE(total, size_t(2 * kZones)) << per_day;
}

// The attack: anyone who can reach the hidden primary asks it for a zone.
TEST_F(Secondaries, AMembersTransferNeedsTheCatalogsKey) {
  create_cli_zone();
  ASSERT_TRUE(knot->wait_serial("cli.example.", primary_serial("cli.example."), 30s));
  int port = primary.server.port();
  std::string plain = dig_out(port, {"cli.example.", "AXFR"});
  EXPECT_EQ(plain.find("DNSKEY"), std::string::npos) << plain;
  std::string wrong = dig_out(port, {"-y",
                                     std::string("hmac-sha256:") + kKey + ":" +
                                         "c2lnbmV0LXRlc3Qtd3Jvbmctc2VjcmV0LXNpZ25ldC10ZXN0LQ==",
                                     "cli.example.", "AXFR"});
  EXPECT_EQ(wrong.find("DNSKEY"), std::string::npos) << wrong;
  // A key of the tenant itself that the zone (and its catalog) does not name.
  std::string other = primary.ok({"tsig", "create", "acme", "acme-key."});
  other = other.substr(0, other.find('\n'));
  std::string unnamed =
      dig_out(port, {"-y", "hmac-sha256:acme-key.:" + other, "cli.example.", "AXFR"});
  EXPECT_EQ(unnamed.find("DNSKEY"), std::string::npos) << unnamed;
  std::string good = dig_out(
      port, {"-y", std::string("hmac-sha256:") + kKey + ":" + secret, "cli.example.", "AXFR"});
  EXPECT_NE(good.find("DNSKEY"), std::string::npos) << good;
  // The catalog itself is guarded the same way.
  EXPECT_EQ(dig_out(port, {kCatalog, "AXFR"}).find("PTR"), std::string::npos);
}

// Issue 11 items 4 and 5: Signet as a bump-in-the-wire signer. The zone lives in named, unsigned;
// pdns+Signet transfers it in (TSIG), signs it in the transaction that stores it, and hands it
// on through the catalog; an edit at named reaches Knot and BIND signed. Signet's serial is made
// to run ahead of named's first, so the edit is only seen if pdns compares named's serial with
// named's (keystore/secondary_zones.hh), not with Signet's.
TEST_F(Secondaries, BumpInTheWireAnUnsignedBindZoneReachesTheSecondariesSignedAndSoDoItsEdits) {
  const std::string file = primary.dir.file("bump.example.db");
  auto zone_text = [](int serial, const std::string& address) {
    return "$ORIGIN bump.example.\n$TTL 3\n@ SOA ns.bump.example. hostmaster.bump.example. " +
           std::to_string(serial) + " 3600 60 86400 3\n@ NS ns\nns A 127.0.0.1\nwww A " + address +
           "\n";
  };
  write_file(file, zone_text(2026120201, "192.0.2.90"));
  auto upstream = start_upstream("bump.example.", file);
  std::string from = "127.0.0.1:" + std::to_string(upstream->port());
  std::string made =
      primary.ok({"create-secondary", "acme", "bump.example.", from, "--policy", "fast"});
  EXPECT_NE(made.find("signed at its first transfer with policy fast"), std::string::npos) << made;
  pdnsutil({"set-meta", "bump.example.", "AXFR-MASTER-TSIG", kKey});
  double first = wait_everywhere("bump.example.", "www.bump.example.", "192.0.2.90", 60s);
  EXPECT_EQ(knot->serial("bump.example."), primary_serial("bump.example."));

  // Signet's serial runs ahead of named's (as re-signs make it) ...
  for (int i = 0; i < 3; ++i)
    primary.ok({"increase-serial", "bump.example."});
  uint32_t ahead = primary_serial("bump.example.");
  ASSERT_GT(ahead, 2026120202u);
  // ... then named's zone changes, with serial + 1: behind Signet's.
  write_file(file, zone_text(2026120202, "192.0.2.91"));
  upstream->reload();
  double edit = wait_everywhere("bump.example.", "www.bump.example.", "192.0.2.91", 60s);
  EXPECT_GT(primary_serial("bump.example."), ahead);  // forward, for the secondaries
  std::string shown = primary.ok({"show-zone", "bump.example."});
  EXPECT_NE(shown.find("primary serial\t2026120202"), std::string::npos) << shown;
  std::cout << "[ figures ] bump-in-the-wire: named -> Signet -> Knot and BIND, validated: first "
            << first << " s; an edit at named " << edit
            << " s (named waits notify-delay, 5 s, before it NOTIFYs)\n";
  // The zone is signed by Signet with its own keys: the AXFR Knot got carries its DNSKEY.
  std::string axfr = dig_out(knot->port(), {"bump.example.", "DNSKEY", "+short"});
  EXPECT_FALSE(axfr.empty());
}

// Issue 11 item 4, the presigned case: a zone its primary signs (here dnssec-signzone, NSEC3, with
// an empty non-terminal) and that is marked presigned is served with the primary's signatures:
// pdns+Signet stores them beside the data and builds the chain pdns synthesizes the NSEC3
// records from, and Knot takes it through the catalog. A resolver trusting the primary's key
// (Signet has none for this zone) validates answers, NXDOMAIN and NODATA through Knot and
// through pdns itself; a change re-signed at the primary reaches Knot, validated.
TEST_F(Secondaries, APresignedZoneIsServedWithItsPrimarysSignaturesAndValidatesThroughKnot) {
  SIGNET_REQUIRE_TOOLS("dnssec-keygen", "dnssec-signzone");
  const std::string zone = "presigned.example.";
  const std::string dir = primary.dir.file("presigned-upstream");
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/presigned.example.db";
  RunResult key = run(
      {find_tool("dnssec-keygen"), "-K", dir, "-a", "ECDSAP256SHA256", "-f", "KSK", zone}, "", 60);
  ASSERT_EQ(key.status, 0) << key.err;
  auto sign = [&](int serial, const std::string& extra) {
    write_file(file,
               "$ORIGIN presigned.example.\n$TTL 300\n@ SOA ns.presigned.example. "
               "h.presigned.example. " +
                   std::to_string(serial) +
                   " 3600 60 86400 300\n@ NS ns\nns A 127.0.0.1\nwww A 192.0.2.70\n"
                   "x.deep A 192.0.2.71\n" +
                   extra);
    RunResult r = run({find_tool("dnssec-signzone"), "-K", dir, "-d", dir, "-S", "-z", "-3", "abcd",
                       "-H", "0", "-o", zone, "-f", file + ".signed", file},
                      "", 60);
    ASSERT_EQ(r.status, 0) << r.err;
  };
  sign(2026120201, "");
  auto upstream = start_upstream(zone, file + ".signed");
  std::string made = primary.ok({"create-secondary", "acme", zone,
                                 "127.0.0.1:" + std::to_string(upstream->port()), "--presigned"});
  EXPECT_NE(made.find("presigned"), std::string::npos) << made;
  pdnsutil({"set-meta", zone, "AXFR-MASTER-TSIG", kKey});
  ASSERT_TRUE(knot->wait_serial(zone, 2026120201, 60s)) << "pdns:\n"
                                                        << primary.server.log() << "\nknot:\n"
                                                        << knot->log();
  EXPECT_EQ(primary_serial(zone), 2026120201u);  // the primary's SOA, as it signed it

  std::string ds = read_file(dir + "/dsset-" + zone);
  std::string anchor = ds.substr(0, ds.find('\n'));
  auto resolver = [&](const std::string& name, int port) {
    return std::make_unique<Unbound>(primary.dir.file(name),
                                     UnboundOptions{anchor, {{zone, port}}, {}});
  };
  auto via_knot = resolver("unbound-presigned-knot", knot->port());
  auto via_pdns = resolver("unbound-presigned-pdns", primary.server.port());
  auto expect_secure = [&](Unbound& u, const std::string& name, uint16_t type, int rcode,
                           size_t answers) {
    DnsAnswer a = dns_ask(u.port(), name, type);
    EXPECT_TRUE(a.answered && a.rcode == rcode && a.ad && a.rdatas(type).size() == answers)
        << name << " through " << u.port() << ": rcode " << a.rcode << (a.ad ? " AD" : " no AD")
        << "\n"
        << validation_failures(u);
  };
  for (Unbound* u : {via_knot.get(), via_pdns.get()}) {
    expect_secure(*u, "www.presigned.example.", rrtype::A, 0, 1);
    expect_secure(*u, "nowhere.presigned.example.", rrtype::A, 3, 0);  // NXDOMAIN, proven
    expect_secure(*u, "www.presigned.example.", rrtype::TXT, 0, 0);    // NODATA
    expect_secure(*u, "deep.presigned.example.", rrtype::A, 0, 0);     // an empty non-terminal
  }
  std::string shown = primary.ok({"show-zone", zone});
  EXPECT_NE(shown.find("presigned\tby its primary, NSEC3 1 0 0 abcd"), std::string::npos) << shown;
  // Signet signs nothing here (it has no key for the zone), and nobody but the primary edits it.
  RunResult secure = primary.util({"secure-zone", zone, "fast"});
  EXPECT_NE(secure.status, 0);
  EXPECT_NE(secure.err.find("presigned"), std::string::npos) << secure.err;
  RunResult edit = primary.util({"add-record", zone, "evil", "A", "300", "192.0.2.66"});
  EXPECT_NE(edit.status, 0);
  EXPECT_NE(edit.err.find("presigned"), std::string::npos) << edit.err;

  // The primary changes the zone and signs it again.
  sign(2026120202, "new A 192.0.2.72\n");
  upstream->reload();
  ASSERT_TRUE(knot->wait_serial(zone, 2026120202, 60s)) << primary.server.log();
  via_knot->restart();
  expect_secure(*via_knot, "new.presigned.example.", rrtype::A, 0, 1);
  expect_secure(*via_knot, "nowhere.presigned.example.", rrtype::A, 3, 0);
}

// A primary that sends a signed zone is refused with the reason in pdns' log, and nothing of it
// is served, unless the zone is marked presigned.
TEST_F(Secondaries, APrimarySendingASignedZoneIsRefusedWithTheReasonUnlessTheZoneIsPresigned) {
  SIGNET_REQUIRE_TOOLS("dnssec-keygen", "dnssec-signzone");
  const std::string dir = primary.dir.file("signed-upstream");
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/signed.example.db";
  write_file(file,
             "$ORIGIN signed.example.\n$TTL 300\n@ SOA ns.signed.example. h.signed.example. 1 "
             "3600 60 86400 300\n@ NS ns\nns A 127.0.0.1\nwww A 192.0.2.70\n");
  RunResult key = run({find_tool("dnssec-keygen"), "-K", dir, "-a", "ECDSAP256SHA256", "-f", "KSK",
                       "signed.example."},
                      "", 60);
  ASSERT_EQ(key.status, 0) << key.err;
  RunResult sign = run({find_tool("dnssec-signzone"), "-K", dir, "-d", dir, "-S", "-z", "-o",
                        "signed.example.", "-f", file + ".signed", file},
                       "", 60);
  ASSERT_EQ(sign.status, 0) << sign.err;
  auto upstream = start_upstream("signed.example.", file + ".signed");
  primary.ok({"create-secondary", "acme", "signed.example.",
              "127.0.0.1:" + std::to_string(upstream->port()), "--unsigned"});
  pdnsutil({"set-meta", "signed.example.", "AXFR-MASTER-TSIG", kKey});
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline &&
         primary.server.log().find("the primary sends a signed zone") == std::string::npos)
    std::this_thread::sleep_for(200ms);
  std::string log = primary.server.log();
  EXPECT_NE(log.find("the primary sends a signed zone"), std::string::npos) << log;
  std::string soa = dig_out(primary.server.port(), {"+short", "signed.example.", "SOA"});
  EXPECT_TRUE(soa.empty()) << soa;

  // Marked presigned the way pdns marks zones (pdnsutil set-presigned), it is taken at the next
  // attempt and served with the primary's signatures (NSEC here), validated.
  pdnsutil({"set-presigned", "signed.example."});
  deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline && soa.empty()) {
    std::this_thread::sleep_for(500ms);
    soa = dig_out(primary.server.port(), {"+short", "signed.example.", "SOA"});
  }
  ASSERT_FALSE(soa.empty()) << primary.server.log();
  std::string ds = read_file(dir + "/dsset-signed.example.");
  Unbound u(primary.dir.file("unbound-signed"),
            UnboundOptions{
                ds.substr(0, ds.find('\n')), {{"signed.example.", primary.server.port()}}, {}});
  DnsAnswer a = dns_ask(u.port(), "www.signed.example.", rrtype::A);
  EXPECT_TRUE(a.rcode == 0 && a.ad && a.rdatas(rrtype::A).size() == 1) << validation_failures(u);
  a = dns_ask(u.port(), "nowhere.signed.example.", rrtype::A);
  EXPECT_TRUE(a.rcode == 3 && a.ad) << validation_failures(u);
}

}  // namespace
