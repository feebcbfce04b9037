// SPDX-License-Identifier: GPL-2.0-or-later
//
// Concurrent writers under query load. One pdns_server (Signet; example.com secured under a
// policy with timings of seconds; HTTP API on; DNS UPDATE allowed from loopback; its refresher and
// key manager running every second) and, all at once, for SIGNET_SOAK_SECONDS (default 30):
//
//   signetutil   replace-rrset su, add-record / delete-rrset sux
//   pdnsutil     replace-rrset pu
//   HTTP API     PATCH api (REPLACE)
//   nsupdate     RFC 2136: delete and add nsu in one update
//   key manager  signetutil rollover-tick, and `signetutil rollover example.com zsk` now and then
//   pdns_server  its refresher (signatures live 60 s and are re-signed with 40 s left) and its key
//                manager (a ZSK lives 20 s), writing the same store
//
// Each writer has names of its own, so none conflicts with another by design: every write must
// succeed. Meanwhile dnsperf asks pdns directly (SERVFAIL counted from its RCODE summary), and a
// query loop asks a validating Unbound (trusting only the zone's DS, stub zone to pdns) and checks
// every answer: no SERVFAIL, AD set, and the data one the writers actually wrote; the same loop
// asks pdns for the SOA and checks the serial never goes backwards (RFC 1982). At the end every
// writer made progress, its last write is in the store and served, verify-zone and audit-verify
// pass.
//
// A longer run by hand: SIGNET_SOAK_SECONDS=600 build/tests/integration/concurrency_tests
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <sstream>
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

const char* const kZone = "example.com.";
// A second secured zone nobody edits: the refresher re-signs it every 10-15 s.
const char* const kQuietZone = "example.net.";
const uint16_t kA = 1, kSoa = 6, kDnskey = 48;
const int kRcodeNxdomain = 3, kRcodeServfail = 2;

// Timings of seconds. A ZSK rollover takes 7 s. Signatures live a day and 30 s: the refresher
// re-signs them when 10-15 s old (a day and 15 s left); a query meeting one with less than a day
// left gets one made inline (backend/signet_backend.cc), which the refresher keeps from happening.
const char* kPolicy =
    "policies:\n"
    "  - name: busy\n"
    "    keys: ksk-zsk\n"
    "    dnskey-ttl: 2s\n"
    "    propagation-delay: 1s\n"
    "    ds-ttl: 2s\n"
    "    registration-delay: 0s\n"
    "    max-zone-ttl: 3s\n"
    "    rollover-jitter: 0s\n"
    "    rrsig-validity: 86430s\n"
    "    rrsig-refresh: 86415s\n"
    "    rrsig-jitter: 5s\n"
    "    cds: none\n"
    "    parent-nameservers: [\"127.0.0.1:9\"]\n";

// Every writer's names exist from the start (10.K.255.255), except sux.
const char* kZoneFile =
    "$ORIGIN example.com.\n$TTL 3\n"
    "@ SOA ns1 hostmaster 1 60 60 600 2\n"
    "@ NS ns1\nns1 A 127.0.0.1\nwww A 192.0.2.80\n"
    "su A 10.1.255.255\npu A 10.2.255.255\napi A 10.3.255.255\nnsu A 10.4.255.255\n";
const char* kQuietZoneFile =
    "$ORIGIN example.net.\n$TTL 3\n"
    "@ SOA ns1 hostmaster 1 60 60 600 2\n"
    "@ NS ns1\nns1 A 127.0.0.1\nwww A 192.0.2.81\nmail A 192.0.2.25\n@ MX 10 mail\n";

// The address writer `k` writes in its step `i`.
std::string value(int k, long i) {
  return "10." + std::to_string(k) + "." + std::to_string((i >> 8) & 127) + "." +
         std::to_string(i & 255);
}

// A loop running one kind of write until stopped, counting what succeeded.
class Writer {
 public:
  // `step(i)` makes write number i; returns "" on success, else what went wrong.
  Writer(std::string name, std::chrono::milliseconds pause, std::function<std::string(long)> step)
      : name_(std::move(name)), pause_(pause), step_(std::move(step)) {}
  ~Writer() { stop(); }

  void start() {
    thread_ = std::thread([this] {
      for (long i = 0; !stop_; ++i) {
        std::string err = step_(i);
        if (err.empty()) {
          ++ok_;
          last_ok_ = i;
        } else {
          ++failed_;
          std::lock_guard<std::mutex> l(mu_);
          if (errors_.size() < 4000)
            errors_ += "step " + std::to_string(i) + ": " + err + "\n";
        }
        std::this_thread::sleep_for(pause_);
      }
    });
  }
  void stop() {
    stop_ = true;
    if (thread_.joinable())
      thread_.join();
  }
  const std::string& name() const { return name_; }
  long ok() const { return ok_; }
  long failed() const { return failed_; }
  long last_ok() const { return last_ok_; }  // -1: none
  std::string errors() {
    std::lock_guard<std::mutex> l(mu_);
    return errors_;
  }

 private:
  std::string name_;
  std::chrono::milliseconds pause_;
  std::function<std::string(long)> step_;
  std::atomic<bool> stop_{false};
  std::atomic<long> ok_{0}, failed_{0}, last_ok_{-1};
  std::mutex mu_;
  std::string errors_;
  std::thread thread_;
};

// "" when `r` exited 0, else its exit status and output.
std::string outcome(const std::string& what, const RunResult& r) {
  if (r.status == 0)
    return "";
  return what + " exited " + std::to_string(r.status) + ": " + r.err + r.out;
}

// What the validating resolver must say about one name.
struct Check {
  std::string name;
  uint16_t type;
  int rcode;              // expected RCODE; -1: NOERROR or NXDOMAIN (a name that comes and goes)
  std::string a_prefix;   // for A: every address starts with this ("" for other types)
  std::string a_exactly;  // for A: the one address ("" when it changes)
};

// The query loop: asks Unbound each Check in turn and pdns for the SOA, counting every deviation.
class QueryLoop {
 public:
  QueryLoop(int unbound_port, int pdns_port, std::vector<Check> checks)
      : unbound_(unbound_port), pdns_(pdns_port), checks_(std::move(checks)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~QueryLoop() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable())
      thread_.join();
  }
  long total = 0, servfail = 0, no_ad = 0, wrong = 0, unanswered = 0, serial_backwards = 0;
  long soa_queries = 0;
  std::string report;  // the first few deviations

 private:
  void note(const std::string& what) {
    if (report.size() < 8000)
      report += what + "\n";
  }
  std::string problem(const Check& c, const DnsAnswer& a) {
    if (!a.answered)
      return (++unanswered, "no answer");
    if (a.rcode == kRcodeServfail)
      return (++servfail, "SERVFAIL");
    if (!a.ad)
      return (++no_ad, "no AD (rcode " + std::to_string(a.rcode) + ")");
    bool rcode_ok = c.rcode >= 0 ? a.rcode == c.rcode : (a.rcode == 0 || a.rcode == kRcodeNxdomain);
    if (!rcode_ok)
      return (++wrong, "rcode " + std::to_string(a.rcode));
    if (c.type == kA && a.rcode == 0) {
      auto addresses = a.rdatas(kA);
      if (addresses.empty())
        return (++wrong, "no A record");
      for (const auto& rd : addresses) {
        std::string ip = ipv4_text(rd);
        if (ip.rfind(c.a_prefix, 0) != 0 || (!c.a_exactly.empty() && ip != c.a_exactly))
          return (++wrong, "A " + ip + " was never written");
      }
    }
    if (c.type == kDnskey && a.rdatas(kDnskey).size() < 2)
      return (++wrong, "fewer than two DNSKEYs");
    return "";
  }
  void loop() {
    uint32_t last_serial = 0;
    bool have_serial = false;
    while (!stop_) {
      for (const auto& c : checks_) {
        DnsAnswer a = dns_ask(unbound_, c.name, c.type);
        ++total;
        std::string p = problem(c, a);
        if (!p.empty())
          note(std::to_string(total) + ": " + c.name + " type " + std::to_string(c.type) + ": " +
               p);
      }
      // pdns itself: the serial only goes forward (RFC 1982 comparison).
      DnsAnswer soa = dns_ask(pdns_, kZone, kSoa);
      auto rd = soa.rdatas(kSoa);
      if (soa.answered && rd.size() == 1 && rd[0].size() >= 20) {
        ++soa_queries;
        const uint8_t* s = rd[0].data() + rd[0].size() - 20;
        uint32_t serial = uint32_t(s[0]) << 24 | uint32_t(s[1]) << 16 | uint32_t(s[2]) << 8 | s[3];
        if (have_serial && static_cast<int32_t>(serial - last_serial) < 0) {
          ++serial_backwards;
          note("SOA serial went back from " + std::to_string(last_serial) + " to " +
               std::to_string(serial));
        }
        last_serial = serial;
        have_serial = true;
      }
      std::this_thread::sleep_for(20ms);
    }
  }
  int unbound_, pdns_;
  std::vector<Check> checks_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// dnsperf's "Response codes:" line as RCODE name -> count, and its lost queries.
struct DnsperfResult {
  std::map<std::string, long> rcodes;
  long lost = -1;
  std::string text;
};
DnsperfResult parse_dnsperf(const std::string& out) {
  DnsperfResult r;
  r.text = out;
  std::smatch m;
  if (std::regex_search(out, m, std::regex(R"(Queries lost:\s+(\d+))")))
    r.lost = std::stol(m[1]);
  auto p = out.find("Response codes:");
  if (p != std::string::npos) {
    std::string line = out.substr(p, out.find('\n', p) - p);
    std::regex code(R"(([A-Z]+) (\d+) \()");
    for (std::sregex_iterator it(line.begin(), line.end(), code), end; it != end; ++it)
      r.rcodes[(*it)[1]] = std::stol((*it)[2]);
  }
  return r;
}

// Audit entries written by pdns_server itself, by kind.
std::map<std::string, long> server_audit_kinds(const std::string& audit_log) {
  std::map<std::string, long> kinds;
  std::istringstream in(audit_log);
  for (std::string l; std::getline(in, l);) {
    std::istringstream f(l);
    std::string seq, time, actor, kind;
    std::getline(f, seq, '\t');
    std::getline(f, time, '\t');
    std::getline(f, actor, '\t');
    std::getline(f, kind, '\t');
    if (actor == "pdns_server")
      ++kinds[kind];
  }
  return kinds;
}

class ConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SIGNET_REQUIRE_TOOLS("unbound", "dig", "dnsperf", "nsupdate", "curl", "pdnsutil");
    PdnsServerOptions o;
    o.zone_cache = false;
    o.api = true;
    o.settings = {
        {"signet-master-key-file", dir.file("master.key")},
        {"signet-refresh-interval", "1"},
        {"signet-resolver", "127.0.0.1:9"},
        {"dnsupdate", "yes"},
        {"allow-dnsupdate-from", "127.0.0.0/8"},
        {"zone-metadata-cache-ttl", "0"},
        {"query-cache-ttl", "0"},
        {"negquery-cache-ttl", "0"},
        {"cache-ttl", "0"},
        {"dnssec-key-cache-ttl", "0"},
        {"loglevel", "6"},
    };
    server = std::make_unique<PdnsServer>(dir.path(), o);
    ok({"generate-master-key"});
    ok({"create-tenant", "acme"});
    write_file(dir.file("policy.yaml"), kPolicy);
    ok({"policy", "import", dir.file("policy.yaml")});
    for (const auto& [zone, text] : {std::pair{kZone, kZoneFile}, {kQuietZone, kQuietZoneFile}}) {
      write_file(dir.file(zone), text);
      ok({"load-zone", "acme", zone, dir.file(zone)});
      ok({"secure-zone", zone, "busy"});
    }
    server->start();
    unbound = std::make_unique<Unbound>(
        dir.file("unbound"), UnboundOptions{std::string(kZone) + " DS " + ds(kZone),
                                            {{kZone, server->port()}, {kQuietZone, server->port()}},
                                            {"trust-anchor: \"" + std::string(kQuietZone) + " DS " +
                                             ds(kQuietZone) + "\""}});
  }

  // "<tag> <alg> <digest type> <hex>" of the zone's first DS.
  std::string ds(const std::string& zone) {
    std::string out = ok({"export-ds", zone});
    out = out.substr(0, out.find('\n'));
    return out.substr(out.find("\tDS\t") + 4);
  }

  RunResult util(const std::vector<std::string>& args) {
    return run(signetutil_argv(dir.path(), args), "", 120);
  }
  std::string ok(const std::vector<std::string>& args) {
    RunResult r = util(args);
    std::string cmd;
    for (const auto& a : args)
      cmd += " " + a;
    EXPECT_EQ(r.status, 0) << "signetutil" << cmd << ": " << r.err << r.out;
    return r.out;
  }

  // The addresses pdns serves for `name`, "NXDOMAIN" when it has none.
  std::string served(const std::string& name) {
    DnsAnswer a = dns_ask(server->port(), name, kA);
    if (a.rcode == kRcodeNxdomain)
      return "NXDOMAIN";
    std::string out;
    for (const auto& rd : a.rdatas(kA))
      out += (out.empty() ? "" : " ") + ipv4_text(rd);
    return out;
  }
  // The addresses in the store for `name` (list-zone), "NXDOMAIN" when it has none.
  std::string stored(const std::string& listing, const std::string& name) {
    std::string out;
    std::istringstream in(listing);
    for (std::string l; std::getline(in, l);) {
      std::istringstream f(l);
      std::string owner, ttl, cls, type, rdata;
      f >> owner >> ttl >> cls >> type >> rdata;
      if (owner == name && type == "A")
        out += (out.empty() ? "" : " ") + rdata;
    }
    return out.empty() ? "NXDOMAIN" : out;
  }

  TempDir dir;
  std::unique_ptr<PdnsServer> server;
  std::unique_ptr<Unbound> unbound;
};

TEST_F(ConcurrencyTest,
       EveryWriterAtOnceUnderQueryLoadGivesNoServfailNoBogusAnswerAndLosesNothing) {
  const long seconds = soak_seconds(30);
  const std::string config = dir.path();
  const std::string port = std::to_string(server->port());
  const std::string before_audit = ok({"audit-log"});

  // ---- the writers
  std::atomic<bool> sux_present{false};
  std::vector<std::unique_ptr<Writer>> writers;
  writers.push_back(std::make_unique<Writer>("signetutil", 150ms, [&](long i) {
    RunResult r;
    if (i % 3 == 0)
      r = util({"replace-rrset", kZone, "su", "A", "3", value(1, i)});
    else if (i % 3 == 1)
      r = util({"add-record", kZone, "sux", "A", "3", value(1, i)});
    else
      r = util({"delete-rrset", kZone, "sux", "A"});
    if (r.status == 0 && i % 3 != 0)
      sux_present = i % 3 == 1;
    return outcome("signetutil", r);
  }));
  writers.push_back(std::make_unique<Writer>("pdnsutil", 150ms, [&](long i) {
    return outcome("pdnsutil", run({pdnsutil_path(), "--config-dir", config, "replace-rrset", kZone,
                                    "pu", "A", "3", value(2, i)},
                                   "", 120));
  }));
  writers.push_back(std::make_unique<Writer>("HTTP API", 150ms, [&](long i) {
    std::string body = R"({"rrsets": [{"name": "api.example.com.", "type": "A", "ttl": 3,)"
                       R"( "changetype": "REPLACE", "records": [{"content": ")" +
                       value(3, i) + R"(", "disabled": false}]}]})";
    RunResult r = run({"curl", "-sS", "--max-time", "60", "-X", "PATCH", "-H",
                       "X-API-Key: " + server->options().api_key, "-H",
                       "Content-Type: application/json", "-w", "\n%{http_code}", "--data-binary",
                       body, server->api_url("/api/v1/servers/localhost/zones/example.com.")},
                      "", 120);
    if (r.status == 0 && r.out.size() >= 3 && r.out.substr(r.out.size() - 3) == "204")
      return std::string();
    return "PATCH: curl exit " + std::to_string(r.status) + ": " + r.out + r.err;
  }));
  writers.push_back(std::make_unique<Writer>("nsupdate", 150ms, [&](long i) {
    std::string update = "server 127.0.0.1 " + port +
                         "\nzone example.com\n"
                         "update delete nsu.example.com A\n"
                         "update add nsu.example.com 3 A " +
                         value(4, i) + "\nsend\n";
    return outcome("nsupdate", run({"nsupdate", "-t", "30"}, update, 120));
  }));
  writers.push_back(std::make_unique<Writer>("key manager (signetutil)", 3000ms, [&](long i) {
    // A tick every ~3 s, and a ZSK rollover asked for every ~20 s (pdns_server's key manager
    // moves it on too, in steps of a few seconds). A request while one is pending is refused:
    // that is expected, not a failure.
    if (i % 7 == 0) {
      RunResult r = util({"rollover", kZone, "zsk"});
      if (r.err.find("already has a pending request") == std::string::npos &&
          !outcome("rollover zsk", r).empty())
        return outcome("rollover zsk", r);
    }
    return outcome("rollover-tick", util({"rollover-tick"}));
  }));

  // ---- the readers
  std::string queries = dir.file("queries");
  write_file(queries,
             "www.example.com A\nexample.com SOA\nexample.com DNSKEY\nnothere.example.com A\n"
             "su.example.com A\nsux.example.com A\npu.example.com A\napi.example.com A\n"
             "nsu.example.com A\nhost.nothere.example.com TXT\n");
  DnsperfResult perf;
  std::thread dnsperf([&] {
    RunResult r = run({find_tool("dnsperf"), "-s", "127.0.0.1", "-p", port, "-d", queries, "-l",
                       std::to_string(seconds), "-Q", "200", "-c", "2", "-D", "-t", "10"},
                      "", static_cast<int>(seconds) + 120);
    perf = parse_dnsperf(r.out + r.err);
  });
  QueryLoop loop(unbound->port(), server->port(),
                 {{"www.example.com.", kA, 0, "192.0.2.80", "192.0.2.80"},
                  {"www.example.net.", kA, 0, "192.0.2.81", "192.0.2.81"},
                  {"example.net.", kDnskey, 0, "", ""},
                  {"example.com.", kDnskey, 0, "", ""},
                  {"example.com.", kSoa, 0, "", ""},
                  {"nothere.example.com.", kA, kRcodeNxdomain, "", ""},
                  {"su.example.com.", kA, 0, "10.1.", ""},
                  {"sux.example.com.", kA, -1, "10.1.", ""},
                  {"pu.example.com.", kA, 0, "10.2.", ""},
                  {"api.example.com.", kA, 0, "10.3.", ""},
                  {"nsu.example.com.", kA, 0, "10.4.", ""}});

  for (auto& w : writers)
    w->start();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  for (auto& w : writers)
    w->stop();
  dnsperf.join();
  loop.stop();

  // ---- every writer made progress, and nothing failed
  for (auto& w : writers) {
    std::cout << "[  WRITER  ] " << w->name() << ": " << w->ok() << " writes, " << w->failed()
              << " failed" << std::endl;
    EXPECT_GE(w->ok(), 3) << w->name() << " made no progress:\n" << w->errors();
    EXPECT_EQ(w->failed(), 0) << w->name() << ":\n" << w->errors();
  }
  const std::string audit = ok({"audit-log"});
  auto by_server = server_audit_kinds(audit), by_server_before = server_audit_kinds(before_audit);
  std::cout << "[  SERVER  ] refresher: "
            << by_server["signatures-refreshed"] - by_server_before["signatures-refreshed"]
            << " passes; key manager: "
            << by_server["key-activated"] - by_server_before["key-activated"] << " keys activated, "
            << by_server["key-removed"] - by_server_before["key-removed"] << " removed"
            << std::endl;
  if (seconds >= 20) {
    EXPECT_GT(by_server["signatures-refreshed"], by_server_before["signatures-refreshed"])
        << "pdns_server's refresher wrote nothing";
    EXPECT_GT(by_server["key-published"] + by_server["key-activated"] + by_server["key-retired"] +
                  by_server["key-removed"],
              by_server_before["key-published"] + by_server_before["key-activated"] +
                  by_server_before["key-retired"] + by_server_before["key-removed"])
        << "pdns_server's key manager moved no key";
  }

  // ---- the answers
  std::cout << "[  QUERIES ] unbound: " << loop.total << " answers, " << loop.servfail
            << " SERVFAIL, " << loop.no_ad << " without AD, " << loop.wrong << " wrong, "
            << loop.unanswered << " unanswered; pdns SOA: " << loop.soa_queries << " answers, "
            << loop.serial_backwards << " serials going back" << std::endl;
  std::string why = loop.report + "\nunbound's validation failures:\n";
  {
    std::istringstream in(unbound->log());
    for (std::string l; std::getline(in, l);)
      if (l.find("validation failure") != std::string::npos && why.size() < 20000)
        why += l + "\n";
  }
  EXPECT_GT(loop.total, 50);
  EXPECT_EQ(loop.servfail, 0) << why;
  EXPECT_EQ(loop.no_ad, 0) << why;
  EXPECT_EQ(loop.wrong, 0) << why;
  EXPECT_EQ(loop.unanswered, 0) << why;
  EXPECT_EQ(loop.serial_backwards, 0) << why;
  std::cout << "[  DNSPERF ] ";
  for (const auto& [rcode, n] : perf.rcodes)
    std::cout << rcode << " " << n << " ";
  std::cout << "lost " << perf.lost << std::endl;
  EXPECT_GT(perf.rcodes["NOERROR"], 100) << perf.text;
  EXPECT_EQ(perf.rcodes.count("SERVFAIL"), 0u) << perf.text;
  EXPECT_EQ(perf.lost, 0) << perf.text;

  // ---- the store: intact, signed, every writer's last write in it and served
  for (const char* zone : {kZone, kQuietZone}) {
    RunResult verify = util({"verify-zone", zone});
    EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
  }
  RunResult chain = util({"audit-verify"});
  EXPECT_EQ(chain.status, 0) << chain.out << chain.err;
  const std::string listing = ok({"list-zone", kZone});
  auto last = [&](int k) { return value(k, writers[k - 1]->last_ok()); };
  long su_last = writers[0]->last_ok() - writers[0]->last_ok() % 3;  // its last replace-rrset
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"su.example.com.", value(1, su_last)}, {"sux.example.com.", sux_present ? "" : "NXDOMAIN"},
      {"pu.example.com.", last(2)},           {"api.example.com.", last(3)},
      {"nsu.example.com.", last(4)},
  };
  for (const auto& [name, want] : expected) {
    std::string in_store = stored(listing, name), on_wire = served(name);
    if (want.empty()) {  // sux: present, with some address of writer 1
      EXPECT_EQ(in_store.rfind("10.1.", 0), 0u) << name << ": " << in_store;
    } else {
      EXPECT_EQ(in_store, want) << name << " in the store";
    }
    EXPECT_EQ(on_wire, in_store) << name << " as pdns serves it";
  }
  EXPECT_TRUE(server->running()) << server->log();
}

}  // namespace
