// SPDX-License-Identifier: GPL-2.0-or-later
//
// The LMDB faults an operator meets, handled by LMDB's rules (keystore/lmdb.hh):
//
//  * another process grows the store past the map pdns_server started with: pdns must remap
//    without pulling pages from under its live readers, and keep answering throughout;
//  * the store is full (a tiny signet-map-size): every write fails with a clear error and
//    changes nothing, and pdns_server keeps serving — including its communicator thread, which
//    pdns ends the whole server on when a backend call throws.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "keystore/portfolio.hh"
#include "keystore/store.hh"
#include "signer/clock.hh"
#include "signer/dns_client.hh"
#include "signer/rrtype.hh"
#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/signet_dir.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/tools.hh"

using namespace signet;
using signet::test::kOfflinePdnsConf;
using signet::test::PdnsServerOptions;
using signet::test::run;
using signet::test::RunResult;
using signet::test::SignetDir;
using signet::test::signetutil_path;
using signet::test::TempDir;
using signet::test::write_file;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A zone file with `records` TXT records of ~100 octets each under `apex`.
std::string big_zone(const TempDir& dir, const std::string& name, const std::string& apex,
                     size_t records) {
  std::string path = dir.file(name);
  std::ofstream out(path);
  out << "$ORIGIN " << apex << ".\n$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
      << "@ NS ns1\nns1 A 192.0.2.1\n";
  std::string filler(90, 'x');
  for (size_t i = 0; i < records; ++i)
    out << "r" << i << " TXT \"" << filler << i << "\"\n";
  return path;
}

// Asks pdns for `name` A over and over from a thread; counts answers that are not NOERROR with
// the expected address (SERVFAIL, timeouts, wrong data).
class QueryLoop {
 public:
  QueryLoop(int port, std::string name, std::string address)
      : port_(port), name_(std::move(name)), address_(std::move(address)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~QueryLoop() { stop(); }
  void stop() {
    stopping_ = true;
    if (thread_.joinable())
      thread_.join();
  }
  size_t answered() const { return answered_; }
  size_t failed() const { return failed_; }
  std::string first_failure() const { return first_failure_; }

 private:
  void loop() {
    DnsServer server{"127.0.0.1", static_cast<uint16_t>(port_)};
    Name qname = Name::from_text(name_);
    while (!stopping_) {
      std::string problem;
      try {
        DnsResponse r = dns_query(server, qname, rrtype::A, 2000);
        if (r.rcode != 0)
          problem = "RCODE " + std::to_string(r.rcode);
        else if (r.answer.size() != 1 || r.answer[0].rdata.size() != 4)
          problem = "no A record in the answer";
      } catch (const std::exception& e) {
        problem = e.what();
      }
      if (problem.empty()) {
        ++answered_;
      } else {
        if (failed_++ == 0)
          first_failure_ = problem;
      }
    }
  }

  int port_;
  std::string name_, address_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> answered_{0}, failed_{0};
  std::string first_failure_;
  std::thread thread_;
};

}  // namespace

// pdns_server maps 4 MiB; a second configuration of the same store maps 256 MiB and loads tens of
// MiB into it while pdns answers a query loop. pdns must adopt the grown map (LMDB reports
// MDB_MAP_RESIZED) only once no transaction of its own is open, answer every query meanwhile, and
// serve the new data afterwards.
TEST(StoreFaults, PdnsKeepsAnsweringWhileAnotherProcessGrowsTheStorePastItsMap) {
  PdnsServerOptions o;
  o.zone_cache = false;
  o.settings = {{"signet-map-size", "4"}};
  SignetDir s(o);
  s.signetutil_ok({"create-tenant", "acme"});
  s.signetutil_ok({"create-zone", "acme", "serve.test", "ns1.serve.test."});
  s.signetutil_ok({"add-record", "serve.test", "www", "A", "300", "192.0.2.80"});
  s.server->start();

  // The same store, a larger map: what an operator gets by raising signet-map-size for
  // signetutil while pdns_server still runs with the old value.
  TempDir big;
  write_file(big.file("pdns.conf"), std::string(kOfflinePdnsConf) + "launch=signet\nsignet-path=" +
                                        s.server->store_path() + "\nsignet-map-size=256\n");
  std::string zone = big_zone(big, "big.zone", "big.test", 120000);

  QueryLoop loop(s.server->port(), "www.serve.test.", "192.0.2.80");
  RunResult r =
      run({signetutil_path(), "--config-dir", big.path(), "load-zone", "acme", "big.test", zone},
          "", 300);
  ASSERT_EQ(r.status, 0) << r.err;
  uint64_t size = std::filesystem::file_size(s.server->store_path() + "/data.mdb");
  EXPECT_GT(size, uint64_t(8) << 20) << "the store did not grow past pdns' 4 MiB map";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  loop.stop();

  EXPECT_GT(loop.answered(), 10u);
  EXPECT_EQ(loop.failed(), 0u) << "first failure: " << loop.first_failure() << "\n"
                               << s.server->log();
  // The grown part is served: pdns remapped.
  EXPECT_EQ(s.dig("r119999.big.test", "TXT").size(), 1u) << s.server->log();
  EXPECT_TRUE(s.server->running());
}

// A 2 MiB store filled to the brim: loads and edits through signetutil, pdnsutil and the HTTP
// API fail with "the store is full" and change nothing, and pdns keeps answering.
TEST(StoreFaults, AFullStoreRefusesWritesCleanlyAndPdnsKeepsServing) {
  PdnsServerOptions o;
  o.zone_cache = false;
  o.api = true;
  o.settings = {{"signet-map-size", "2"}};
  SignetDir s(o);
  s.signetutil_ok({"create-tenant", "acme"});
  s.signetutil_ok({"create-zone", "acme", "serve.test", "ns1.serve.test."});
  s.signetutil_ok({"add-record", "serve.test", "www", "A", "300", "192.0.2.80"});

  // Fill: zones of decreasing size until not even a one-record edit fits.
  TempDir files;
  size_t n = 4000, zones = 0;
  int small_failures = 0;
  for (int i = 0; i < 400 && small_failures < 3; ++i) {
    RunResult r;
    if (n > 1) {
      std::string apex = "fill" + std::to_string(zones) + ".test";
      r = run({signetutil_path(), "--config-dir", s.dir.path(), "load-zone", "acme", apex,
               big_zone(files, "f.zone", apex, n)},
              "", 120);
      if (r.status == 0)
        ++zones;
      else
        n /= 2;
    } else {
      r = s.signetutil(
          {"add-record", "serve.test", "f" + std::to_string(i), "A", "300", "192.0.2.1"});
      small_failures = r.status == 0 ? 0 : small_failures + 1;
    }
    if (r.status != 0) {
      EXPECT_EQ(r.status, 1);
      EXPECT_TRUE(contains(r.err, "the store is full")) << r.err;
    }
  }
  ASSERT_EQ(small_failures, 3) << "could not fill the store";
  // Health says so before any zone's signatures suffer from it.
  RunResult health = s.signetutil({"health"});
  EXPECT_EQ(health.status, 2) << health.out << health.err;
  EXPECT_TRUE(contains(health.out, "# store: critical: store full: ")) << health.out;
  std::string metrics = s.signetutil_ok({"metrics"});
  EXPECT_TRUE(contains(metrics, "\nsignet_store_status 2\n")) << metrics;
  std::string zones_before = s.signetutil_ok({"list-zones"});
  std::string serve_before = s.signetutil_ok({"list-zone", "serve.test"});

  s.server->start();
  RunResult r =
      s.signetutil({"load-zone", "acme", "late.test", big_zone(files, "l.zone", "late.test", 50)});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "the store is full")) << r.err;
  r = s.pdnsutil({"load-zone", "late.test", big_zone(files, "l.zone", "late.test", 50)});
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.out + r.err, "the store is full")) << r.out << r.err;
  auto h = s.http(
      "PATCH", "/api/v1/servers/localhost/zones/serve.test.",
      R"({"rrsets": [{"name": "api.serve.test.", "type": "TXT", "ttl": 300,
                      "changetype": "REPLACE", "records": [)" +
          [] {
            std::string recs;
            for (int i = 0; i < 200; ++i)
              recs += std::string(i ? "," : "") + R"({"content": "\")" + std::string(200, 'y') +
                      std::to_string(i) + R"(\"", "disabled": false})";
            return recs;
          }() +
          "]}]}");
  // pdns answers a store failure with 500 and keeps the reason for its log.
  EXPECT_EQ(h.status, 500) << h.body;
  EXPECT_TRUE(contains(s.server->log(), "the store is full")) << s.server->log();
  EXPECT_EQ(s.signetutil_ok({"list-zones"}), zones_before);
  EXPECT_EQ(s.signetutil_ok({"list-zone", "serve.test"}), serve_before);
  EXPECT_TRUE(s.server->running()) << s.server->log();
  EXPECT_EQ(s.dig("www.serve.test", "A"), std::vector<std::string>{"192.0.2.80"});
}

// Every writer inside pdns_server meets a full store at once (the SIGNET_FAULT=store-full seam
// fails every commit as MDB_MAP_FULL): the communicator recording a NOTIFY, the HTTP API, DNS
// UPDATE, the background refresher and the key manager. Each operation fails and is reported;
// pdns_server stays up and keeps serving signed answers.
TEST(StoreFaults, EveryWriterInPdnsServerSurvivesAFullStore) {
  SIGNET_REQUIRE_TOOLS("nsupdate", "dig");
  PdnsServerOptions o;
  o.zone_cache = false;
  o.api = true;
  TempDir keydir;
  o.settings = {{"xfr-cycle-interval", "1"},
                {"primary", "yes"},
                {"dnsupdate", "yes"},
                {"allow-dnsupdate-from", "127.0.0.0/8"},
                {"signet-refresh-interval", "1"},
                {"signet-master-key-file", keydir.file("master.key")},
                {"zone-metadata-cache-ttl", "0"}};
  SignetDir s(o);
  s.signetutil_ok({"generate-master-key"});
  s.signetutil_ok({"create-tenant", "acme"});
  s.signetutil_ok({"create-zone", "acme", "serve.test", "ns1.serve.test."});
  s.signetutil_ok({"add-record", "serve.test", "www", "A", "300", "192.0.2.80"});
  s.signetutil_ok({"secure-zone", "serve.test"});
  // A primary zone never notified: the communicator will want to record its NOTIFY.
  s.pdnsutil_ok({"set-kind", "serve.test", "primary"});

  // pdns lives 11 days on: the refresher finds the signatures due, the key manager its tick.
  setenv("SIGNET_FAULT", "store-full", 1);
  setenv("SIGNET_CLOCK_OFFSET", std::to_string(11 * 86400).c_str(), 1);
  s.server->start();
  unsetenv("SIGNET_FAULT");
  unsetenv("SIGNET_CLOCK_OFFSET");

  auto log_has = [&](const std::string& needle) {
    for (int i = 0; i < 100 && !contains(s.server->log(), needle); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return contains(s.server->log(), needle);
  };
  EXPECT_TRUE(log_has("cannot record that zone")) << s.server->log();
  EXPECT_TRUE(log_has("refreshing zone #")) << s.server->log();
  EXPECT_TRUE(log_has("key manager")) << s.server->log();

  auto h = s.http("PATCH", "/api/v1/servers/localhost/zones/serve.test.",
                  R"({"rrsets": [{"name": "api.serve.test.", "type": "A", "ttl": 300,
                      "changetype": "REPLACE", "records": [{"content": "192.0.2.3",
                      "disabled": false}]}]})");
  EXPECT_EQ(h.status, 500) << h.body;
  RunResult u = run({signet::test::find_tool("nsupdate")},
                    "server 127.0.0.1 " + std::to_string(s.server->port()) +
                        "\nzone serve.test\nupdate add up.serve.test. 300 A 192.0.2.9\nsend\n",
                    60);
  EXPECT_NE(u.status, 0) << u.out << u.err;

  EXPECT_TRUE(s.server->running()) << s.server->log();
  RunResult d = run({"dig", "@127.0.0.1", "-p", std::to_string(s.server->port()), "+dnssec",
                     "+norec", "www.serve.test", "A"},
                    "", 30);
  EXPECT_TRUE(contains(d.out, "status: NOERROR")) << d.out;
  EXPECT_TRUE(contains(d.out, "RRSIG")) << d.out;
  EXPECT_EQ(s.signetutil_ok({"list-zone", "serve.test"}).find("192.0.2.9"), std::string::npos);
}

// The remap itself, in this process: a reader holds a snapshot (and pointers into the map) while
// another process grows the store past our map. A new transaction must wait for that reader to
// end before the map moves (LMDB: mdb_env_set_mapsize only with no transaction active), and the
// old reader's bytes must stay readable until then.
TEST(StoreFaults, ARemapWaitsUntilThisProcessHasNoOpenTransaction) {
  TempDir dir;
  std::string store_path = dir.file("store");
  Store store(StoreOptions{store_path, uint64_t(4) << 20});
  {
    SystemClock clock;
    Portfolio portfolio(store, clock);
    auto txn = store.begin_write();
    portfolio.create_tenant(txn, "acme");
    portfolio.create_zone_with_soa(txn, "acme", Name::from_text("serve.test."),
                                   {Name::from_text("ns1.serve.test.")});
    txn.commit();
  }
  auto reader = std::make_unique<lmdb::ReadTxn>(store.env());
  auto soa = store.get_rrset(*reader, store.find_zone(*reader, Name::from_text("serve.test."))->id,
                             {}, rrtype::SOA);
  ASSERT_TRUE(soa.has_value());
  std::vector<uint8_t> soa_bytes(soa->rdata_area.begin(), soa->rdata_area.end());

  // Another process (signetutil with a 256 MiB map) writes far past our 4 MiB.
  write_file(dir.file("pdns.conf"), std::string(kOfflinePdnsConf) + "launch=signet\nsignet-path=" +
                                        store_path + "\nsignet-map-size=256\n");
  RunResult r = run({signetutil_path(), "--config-dir", dir.path(), "load-zone", "acme", "big.test",
                     big_zone(dir, "big.zone", "big.test", 60000)},
                    "", 300);
  ASSERT_EQ(r.status, 0) << r.err;

  std::atomic<bool> began{false};
  std::thread other([&] {
    auto txn = store.begin_read();  // sees MDB_MAP_RESIZED: must wait for `reader`
    began = true;
    EXPECT_TRUE(store.find_zone(txn, Name::from_text("big.test.")).has_value());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(began.load()) << "a transaction began (remapped) while a reader was open";
  // The open reader's pages are still where they were.
  EXPECT_EQ(std::vector<uint8_t>(soa->rdata_area.begin(), soa->rdata_area.end()), soa_bytes);
  reader.reset();
  other.join();
  EXPECT_TRUE(began.load());
  EXPECT_GT(store.env().map_size(), uint64_t(4) << 20);
}
