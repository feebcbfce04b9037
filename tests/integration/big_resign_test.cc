// SPDX-License-Identifier: GPL-2.0-or-later
//
// Whole-zone work never holds LMDB's one writer for long (keystore/resign.hh). A large secured
// zone (SIGNET_BIG_ZONE_RECORDS names; the default, 50000, keeps the test near a minute on two
// cores) is re-signed by `signetutil sign-zone`, then moved to another NSEC3 salt by
// `signetutil set-nsec3`, while two other writers edit a small zone in a loop: `signetutil
// add-record` (a process each time) and the pdns HTTP API (PATCH, on a running pdns_server).
// Every edit is timed, from the start of the command or request to its end; the distribution
// is printed and the longest must stay under a second. Meanwhile a validating Unbound (trusting
// only the big zone's DS) is asked for names and non-names of the big zone through pdns: no
// SERVFAIL, every answer with AD. At the end the big zone verifies. (Not under test.: there
// Unbound, which has a built-in local zone for it, RFC 6761, answered every query without AD.)
//
// The 1M-record run by hand (BENCHMARKS.md):
//   SIGNET_BIG_ZONE_RECORDS=1000000 build/tests/integration/big_resign_tests
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "tests/support/dns_ask.hh"
#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/soak.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/tools.hh"
#include "tests/support/unbound.hh"

using namespace signet::test;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

const char* const kBig = "big.example.com.";
const char* const kSmall = "small.example.net.";
const uint16_t kA = 1, kDnskey = 48;
const int kRcodeNxdomain = 3, kRcodeServfail = 2;

// Durations of the edits of one writer, in milliseconds.
class Timings {
 public:
  void add(double ms) {
    std::lock_guard<std::mutex> l(mu_);
    ms_.push_back(ms);
  }
  size_t count() {
    std::lock_guard<std::mutex> l(mu_);
    return ms_.size();
  }
  double max() {
    std::lock_guard<std::mutex> l(mu_);
    return ms_.empty() ? 0 : *std::max_element(ms_.begin(), ms_.end());
  }
  std::string summary() {
    std::lock_guard<std::mutex> l(mu_);
    if (ms_.empty())
      return "no edits";
    std::vector<double> v = ms_;
    std::sort(v.begin(), v.end());
    auto at = [&](double q) { return v[std::min(v.size() - 1, size_t(q * v.size()))]; };
    char buf[160];
    snprintf(buf, sizeof(buf), "%zu edits: max %.0f ms, p99 %.0f ms, median %.0f ms", v.size(),
             v.back(), at(0.99), at(0.5));
    return buf;
  }

 private:
  std::mutex mu_;
  std::vector<double> ms_;
};

class BigResignTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SIGNET_REQUIRE_TOOLS("unbound", "curl");
    records = env_count("SIGNET_BIG_ZONE_RECORDS", 50000);
    PdnsServerOptions o;
    o.zone_cache = false;
    o.api = true;
    o.settings = {
        {"signet-master-key-file", dir.file("master.key")},
        {"signet-resolver", "127.0.0.1:9"},
        {"query-cache-ttl", "0"},
        {"negquery-cache-ttl", "0"},
        {"cache-ttl", "0"},
        {"zone-metadata-cache-ttl", "0"},
        {"dnssec-key-cache-ttl", "0"},
    };
    server = std::make_unique<PdnsServer>(dir.path(), o);
    ok({"generate-master-key"});
    ok({"create-tenant", "acme"});
    {
      std::ofstream f(dir.file("big.zone"));
      f << "$ORIGIN big.example.com.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 604800 300\n"
        << "@ NS ns1\nns1 A 127.0.0.1\n";
      for (long i = 0; i < records; ++i)
        f << "h" << i << " A 10." << (i >> 16 & 255) << "." << (i >> 8 & 255) << "." << (i & 255)
          << "\n";
    }
    write_file(dir.file("small.zone"),
               "$ORIGIN small.example.net.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 604800 300\n"
               "@ NS ns1\nns1 A 127.0.0.1\napi A 192.0.2.1\n");
    auto t0 = Steady::now();
    ok({"load-zone", "acme", kBig, dir.file("big.zone")});
    ok({"load-zone", "acme", kSmall, dir.file("small.zone")});
    ok({"secure-zone", kBig});
    ok({"secure-zone", kSmall});
    std::cout << "[  SETUP   ] " << records << " records loaded and secured in "
              << seconds_since(t0) << " s" << std::endl;
    server->start();
    std::string ds = ok({"export-ds", kBig});
    ds = ds.substr(0, ds.find('\n'));
    ds = ds.substr(ds.find("\tDS\t") + 4);
    unbound = std::make_unique<Unbound>(
        dir.file("unbound"),
        UnboundOptions{std::string(kBig) + " DS " + ds, {{kBig, server->port()}}, {}});
  }

  static double seconds_since(Steady::time_point t0) {
    return std::chrono::duration<double>(Steady::now() - t0).count();
  }
  RunResult util(const std::vector<std::string>& args, int timeout = 600) {
    return run(signetutil_argv(dir.path(), args), "", timeout);
  }
  std::string ok(const std::vector<std::string>& args) {
    RunResult r = util(args);
    std::string cmd;
    for (const auto& a : args)
      cmd += " " + a;
    EXPECT_EQ(r.status, 0) << "signetutil" << cmd << ": " << r.err << r.out;
    return r.out;
  }

  // Runs `args` (a whole-zone command on the big zone) while the writers edit the small zone and
  // the query loop asks for the big one; reports and checks the edits' waits.
  void while_editing(const std::vector<std::string>& args) {
    std::atomic<bool> done{false};
    Timings cli_edits, api_edits;
    std::atomic<long> failures{0}, total{0}, servfail{0}, no_ad{0}, wrong{0};
    std::string notes;
    std::mutex notes_mu;
    auto note = [&](const std::string& s) {
      std::lock_guard<std::mutex> l(notes_mu);
      if (notes.size() < 4000)
        notes += s + "\n";
    };
    std::thread cli([&] {
      for (long i = 0; !done; ++i) {
        auto t0 = Steady::now();
        RunResult r = util({"add-record", kSmall, "e" + std::to_string(i % 50), "A", "300",
                            "192.0.2." + std::to_string(i % 250)},
                           60);
        cli_edits.add(seconds_since(t0) * 1000);
        if (r.status != 0) {
          ++failures;
          note("add-record: " + r.err);
        }
        std::this_thread::sleep_for(20ms);
      }
    });
    std::thread api([&] {
      for (long i = 0; !done; ++i) {
        std::string body =
            R"({"rrsets": [{"name": "api.small.example.net.", "type": "A", "ttl": 300,)"
            R"( "changetype": "REPLACE", "records": [{"content": "192.0.2.)" +
            std::to_string(i % 250) + R"(", "disabled": false}]}]})";
        auto t0 = Steady::now();
        RunResult r =
            run({"curl", "-sS", "--max-time", "60", "-X", "PATCH", "-H",
                 "X-API-Key: " + server->options().api_key, "-H", "Content-Type: application/json",
                 "-w", "\n%{http_code}", "--data-binary", body,
                 server->api_url("/api/v1/servers/localhost/zones/small.example.net.")},
                "", 120);
        api_edits.add(seconds_since(t0) * 1000);
        if (r.status != 0 || r.out.size() < 3 || r.out.substr(r.out.size() - 3) != "204") {
          ++failures;
          note("PATCH: " + r.out + r.err);
        }
        std::this_thread::sleep_for(20ms);
      }
    });
    std::thread queries([&] {
      for (long i = 0; !done; ++i) {
        long k = (i * 7919) % records;
        std::string name = (i % 3 == 2 ? "nx" : "h") + std::to_string(k) + ".big.example.com.";
        uint16_t type = i % 10 == 9 ? kDnskey : kA;
        if (type == kDnskey)
          name = kBig;
        DnsAnswer a = dns_ask(unbound->port(), name, type);
        ++total;
        if (!a.answered || a.rcode == kRcodeServfail) {
          ++servfail;
          note(name + ": " + (a.answered ? "SERVFAIL" : "no answer"));
        } else if (!a.ad) {
          ++no_ad;
          note(name + ": no AD");
        } else if ((i % 3 == 2) != (a.rcode == kRcodeNxdomain) && type == kA) {
          ++wrong;
          note(name + ": rcode " + std::to_string(a.rcode));
        }
        std::this_thread::sleep_for(10ms);
      }
    });
    auto t0 = Steady::now();
    RunResult r = util(args, 3600);
    double took = seconds_since(t0);
    done = true;
    cli.join();
    api.join();
    queries.join();
    std::string cmd;
    for (const auto& a : args)
      cmd += " " + a;
    EXPECT_EQ(r.status, 0) << "signetutil" << cmd << ": " << r.err << r.out;
    std::cout << "[  WORK    ] signetutil" << cmd << ": " << took << " s\n"
              << r.out << "[  EDITS   ] signetutil add-record: " << cli_edits.summary()
              << "\n[  EDITS   ] HTTP API PATCH: " << api_edits.summary() << "\n[  QUERIES ] "
              << total << " answers through Unbound, " << servfail << " SERVFAIL, " << no_ad
              << " without AD, " << wrong << " wrong" << std::endl;
    EXPECT_GE(cli_edits.count(), 3u);
    EXPECT_GE(api_edits.count(), 3u);
    EXPECT_LT(cli_edits.max(), 1000) << "an edit of another zone waited for the whole-zone work";
    EXPECT_LT(api_edits.max(), 1000) << "an edit of another zone waited for the whole-zone work";
    EXPECT_EQ(failures, 0) << notes;
    EXPECT_GT(total, 10);
    EXPECT_EQ(servfail, 0) << notes;
    EXPECT_EQ(no_ad, 0) << notes;
    EXPECT_EQ(wrong, 0) << notes;
  }

  TempDir dir;
  long records = 0;
  std::unique_ptr<PdnsServer> server;
  std::unique_ptr<Unbound> unbound;
};

TEST_F(BigResignTest, ReSigningAndANewNsec3SaltNeverMakeOtherZonesEditsWaitASecond) {
  while_editing({"sign-zone", kBig});
  while_editing({"set-nsec3", kBig, "1 0 0 ab12"});
  RunResult v = util({"verify-zone", kBig}, 600);
  EXPECT_EQ(v.status, 0) << v.out << v.err;
  EXPECT_NE(ok({"show-zone", kBig}).find("ab12"), std::string::npos);
  RunResult s = util({"verify-zone", kSmall});
  EXPECT_EQ(s.status, 0) << s.out << s.err;
}

}  // namespace
