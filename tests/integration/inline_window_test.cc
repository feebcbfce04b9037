// SPDX-License-Identifier: GPL-2.0-or-later
//
// The query path signs inline only when the refresher has fallen behind (backend/signet_backend.cc
// inline_window): with a refresh window shorter than a day (rrsig-validity 7d, rrsig-refresh 12h),
// answers between a day and the refresh point before expiry carry the stored signatures, and no
// query wakes the refresher.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/signet_dir.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/tools.hh"

using namespace signet::test;

namespace {

// SOA EXPIRE 10 h: the refresh window stays the policy's 12 h (not widened for the SOA).
const char* kZone =
    "$ORIGIN short.test.\n$TTL 300\n"
    "@ SOA ns1 hostmaster 1 3600 600 36000 300\n"
    "@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.80\n";

const char* kPolicy =
    "policies:\n"
    "  - name: short\n"
    "    algorithm: ed25519\n"
    "    rrsig-validity: 7d\n"
    "    rrsig-refresh: 12h\n"
    "    rrsig-jitter: 1h\n"
    "    max-zone-ttl: 1h\n"
    "    cds: none\n"
    "    parent-nameservers: [\"127.0.0.1:9\"]\n";

// "TYPE-COVERED ... SIGNATURE" of every RRSIG line in `text` (dig or list-zone output) owned by
// `owner`, whitespace removed (dig splits long base64).
std::vector<std::string> rrsigs_of(const std::string& text, const std::string& owner) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string name, ttl, cls, type, rest, word;
    if (!(f >> name >> ttl >> cls >> type) || name != owner || type != "RRSIG")
      continue;
    while (f >> word)
      rest += word;
    out.push_back(rest);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(InlineWindow, AShortRefreshWindowServesTheStoredSignaturesAndNeverWakesTheRefresher) {
  SIGNET_REQUIRE_TOOLS("dig");
  PdnsServerOptions o;
  o.zone_cache = false;
  TempDir keydir;
  o.settings = {{"signet-refresh-interval", "1"},
                {"signet-master-key-file", keydir.file("master.key")},
                {"zone-metadata-cache-ttl", "0"}};
  SignetDir s(o);
  write_file(s.dir.file("short.zone"), kZone);
  write_file(s.dir.file("policies.yaml"), kPolicy);
  s.signetutil_ok({"generate-master-key"});
  s.signetutil_ok({"policy", "check", s.dir.file("policies.yaml")});
  s.signetutil_ok({"policy", "import", s.dir.file("policies.yaml")});
  s.signetutil_ok({"create-tenant", "acme"});
  s.signetutil_ok({"load-zone", "acme", "short.test", s.dir.file("short.zone")});
  s.signetutil_ok({"secure-zone", "short.test", "short"});
  std::string stored = s.signetutil_ok({"list-zone", "--dnssec", "short.test"});

  // pdns lives 6 d 6 h on: the signatures (7 d, less up to 1 h of jitter) have 17-18 h left, less
  // than a day but more than the 12 h refresh window. Nothing is due.
  setenv("SIGNET_CLOCK_OFFSET", std::to_string(6 * 86400 + 6 * 3600).c_str(), 1);
  s.server->start();
  unsetenv("SIGNET_CLOCK_OFFSET");
  // Let the key manager's first look at the zone (and anything else a start writes) pass.
  std::this_thread::sleep_for(std::chrono::seconds(3));

  auto snapshot = [&] {
    return std::make_tuple(read_file(s.server->store_path() + "/data.mdb"),
                           s.signetutil_ok({"list-zones"}),
                           s.signetutil_ok({"audit-log", "short.test"}));
  };
  auto before = snapshot();
  auto ask = [&](const std::string& name, const std::string& type) {
    RunResult r =
        run({"dig", "@127.0.0.1", "-p", std::to_string(s.server->port()), "+dnssec", "+norec",
             "+nocookie", "+tries=3", "+timeout=3", "+noall", "+answer", name, type},
            "", 60);
    EXPECT_EQ(r.status, 0) << r.err;
    return r.out;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  int rounds = 0;
  while (std::chrono::steady_clock::now() < deadline || rounds < 3) {
    ++rounds;
    std::string www = ask("www.short.test", "A");
    std::string apex = ask("short.test", "SOA") + ask("short.test", "NS");
    auto served = rrsigs_of(www, "www.short.test.");
    ASSERT_EQ(served.size(), 1u) << www;
    EXPECT_EQ(served, rrsigs_of(stored, "www.short.test.")) << "not the stored signature";
    auto apex_served = rrsigs_of(apex, "short.test.");
    ASSERT_EQ(apex_served.size(), 2u) << apex;
    for (const auto& sig : apex_served) {
      auto all = rrsigs_of(stored, "short.test.");
      EXPECT_NE(std::find(all.begin(), all.end(), sig), all.end()) << "made inline: " << sig;
    }
  }
  // No query woke the refresher: the store is untouched (no serial, no audit entry, not a byte).
  auto after = snapshot();
  EXPECT_EQ(std::get<1>(after), std::get<1>(before));
  EXPECT_EQ(std::get<2>(after), std::get<2>(before));
  EXPECT_TRUE(std::get<0>(after) == std::get<0>(before)) << "the store was written to";
  EXPECT_EQ(s.server->log().find("made inline"), std::string::npos) << s.server->log();
}
