// SPDX-License-Identifier: GPL-2.0-or-later
//
// kill -9 at random points. Each test prepares one store and keeps a pristine copy of it; then,
// iteration after iteration, it puts the pristine copy back, starts the operation as a real
// process (signetutil load-zone, sign-zone, set-nsec3 / unset-nsec3, rollover-tick, or a
// pdns_server whose background refresher re-signs), SIGKILLs it after a random delay (it may have
// finished first: both outcomes are counted) and checks what an operator relies on:
//
//   * the store opens, and every zone is exactly as before the operation or exactly as after it
//     (list-zone; show-zone --json: serial, denial, every key with its role and state), the two
//     states taken from runs that were not killed. Load-zone is one transaction, so the whole
//     store is one or the other; the refresher commits zone by zone (and a zone's refresh in
//     parts that change no serial), so each zone is;
//   * whole-zone work (sign-zone, set-nsec3 / unset-nsec3, the re-sign a rollover tick starts;
//     keystore/resign.hh) runs in short transactions after a first one that records it: killed
//     in between, the zone is "in progress" — show-zone lists the work as pending, and the zone
//     is as before or as after but for a serial that moved forward (the re-sign bumps it when it
//     starts and when it ends; a new chain is switched to in one transaction, so until then the
//     old one is served, complete);
//   * every signature verifies (verify-zone) and the audit chain is intact (audit-verify);
//   * no key is lost, and the keys still sign: the interrupted operation, run again, completes and
//     leaves exactly the state of a run that was never interrupted.
//
// The delays and choices come from one seeded PRNG per test; the seed is printed first. CI runs
// 10 iterations per operation (5 tests, 50 kills). A longer run by hand, and a replay:
//
//   SIGNET_SOAK_ITERATIONS=200 build/tests/integration/kill_tests
//   SIGNET_KILL_SEED=<seed> build/tests/integration/kill_tests --gtest_filter='*SignZone*'
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/soak.hh"
#include "tests/support/temp_dir.hh"

using namespace signet::test;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

const long kIterations = 10;  // per test, in CI (SIGNET_SOAK_ITERATIONS overrides)

// One zone as an operator sees it.
struct ZoneState {
  bool exists = false;
  std::string data;     // list-zone
  std::string dnssec;   // show-zone --json without the earliest expiry and pending work
  std::string pending;  // the whole-zone work show-zone lists as pending ("" none)
  long serial = -1;
  bool operator==(const ZoneState& o) const {
    return exists == o.exists && data == o.data && dnssec == o.dnssec && pending == o.pending;
  }
};

// The state with its serial (in the SOA of list-zone and in show-zone) left out.
ZoneState without_serial(ZoneState z) {
  z.data = std::regex_replace(z.data, std::regex(R"((\tSOA\t\S+ \S+ )\d+)"), "$1<serial>");
  z.dnssec = std::regex_replace(z.dnssec, std::regex(R"("serial":\d+)"), "\"serial\":0");
  z.pending.clear();
  return z;
}
using StoreState = std::map<std::string, ZoneState>;  // by zone name

// The first line where two texts differ, from each (for failure messages).
std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream ia(a), ib(b);
  std::string la, lb;
  for (int line = 1;; ++line) {
    bool more_a = static_cast<bool>(std::getline(ia, la));
    bool more_b = static_cast<bool>(std::getline(ib, lb));
    if (!more_a && !more_b)
      return "(identical)";
    if (!more_a || !more_b || la != lb) {
      return "line " + std::to_string(line) + ": '" + (more_a ? la : "(end)") + "' vs '" +
             (more_b ? lb : "(end)") + "'";
    }
  }
}

std::string compare(const ZoneState& now, const ZoneState& expected) {
  if (now.exists != expected.exists)
    return now.exists ? "exists, expected absent" : "absent, expected present";
  if (now.data != expected.data)
    return "data differs at " + first_difference(now.data, expected.data);
  if (now.dnssec != expected.dnssec)
    return "DNSSEC state differs: " + now.dnssec + " vs " + expected.dnssec;
  return "same";
}

std::set<std::string> key_tags(const std::string& show_zone_json) {
  std::set<std::string> tags;
  static const std::regex tag(R"("tag":(\d+))");
  for (std::sregex_iterator it(show_zone_json.begin(), show_zone_json.end(), tag), end; it != end;
       ++it)
    tags.insert((*it)[1]);
  return tags;
}

// A master file for `zone`: SOA (EXPIRE one week, so the default signature validity covers it),
// NS, and `hosts` names with an A record (in 10.`net`.0.0/16) and, with `txt`, a TXT record.
std::string zone_text(const std::string& zone, int hosts, int net, bool txt = false) {
  std::ostringstream z;
  z << "$ORIGIN " << zone << ".\n$TTL 300\n"
    << "@ SOA ns1 hostmaster 2024010101 7200 3600 604800 300\n@ NS ns1\nns1 A 192.0.2.1\n";
  for (int i = 0; i < hosts; ++i) {
    z << "host" << i << " A 10." << net << "." << (i >> 8) << "." << (i & 255) << "\n";
    if (txt)
      z << "host" << i << " TXT \"record " << i << " of " << net << "\"\n";
  }
  return z.str();
}

// Timings of minutes, as in keyman_cli_test.cc: a ZSK rollover's new key is ready 120 s after
// it is published, and the old one is removed minutes after the new one is active.
const char* kQuickPolicy =
    "policies:\n"
    "  - name: quick\n"
    "    keys: ksk-zsk\n"
    "    ksk-lifetime: 30d\n"
    "    zsk-lifetime: 7d\n"
    "    dnskey-ttl: 60\n"
    "    propagation-delay: 60\n"
    "    ds-ttl: 120\n"
    "    max-zone-ttl: 300\n"
    "    rollover-jitter: 0\n"
    "    cds: rollover\n"
    "    parent-nameservers: [\"127.0.0.1:9\"]\n";

// What one kill left behind.
enum class Outcome { kCompleted, kBefore, kAfter, kPartial, kInProgress };

class KillTest : public ::testing::Test {
 protected:
  // The operation under test: signetutil `args`, or (args empty) a pdns_server on the store.
  struct Operation {
    Operation(std::string label, std::vector<std::string> args,
              std::vector<std::string> resume = {}, std::vector<std::string> resume_work = {})
        : label(std::move(label)),
          args(std::move(args)),
          resume(std::move(resume)),
          resume_work(std::move(resume_work)) {
      if (this->resume.empty())
        this->resume = this->args;
      if (this->resume_work.empty())
        this->resume_work = this->resume;
    }
    std::string label;
    std::vector<std::string> args;
    // What completes an interrupted run: the same command (for the refresher: `refresh`).
    std::vector<std::string> resume;
    // What completes whole-zone work left in progress (`refresh ZONE` takes it over).
    std::vector<std::string> resume_work;
    StoreState after;
    double seconds = 0;  // how long a run takes when not killed (kept up to date)
  };
  // One transaction for the whole operation, or one per zone (the refresher).
  enum class Atomicity { kStore, kZone };

  KillTest() : seed_(kill_seed()), rng_(seed_) {
    PdnsServerOptions o;
    o.settings = {{"signet-master-key-file", dir_.file("master.key")},
                  {"signet-refresh-interval", "1"},
                  {"signet-resolver", "127.0.0.1:9"},
                  {"loglevel", "6"}};
    // Writes DIR/pdns.conf, which signetutil reads too; the server is started by hand below.
    server_ = std::make_unique<PdnsServer>(dir_.path(), o);
    std::cout << "[  SEED    ] " << seed_ << " (replay with SIGNET_KILL_SEED=" << seed_ << ")"
              << std::endl;
    RecordProperty("kill_seed", std::to_string(seed_));
  }

  // ---- signetutil on the store, on the test's clock

  RunResult cli(const std::vector<std::string>& args) {
    return run(signetutil_argv(dir_.path(), args, clock_offset_()), "", 300);
  }
  std::string ok(const std::vector<std::string>& args) {
    RunResult r = cli(args);
    std::string cmd;
    for (const auto& a : args)
      cmd += " " + a;
    EXPECT_EQ(r.status, 0) << "signetutil" << cmd << ": " << r.err << r.out;
    return r.out;
  }
  std::string file(const std::string& name, const std::string& content) {
    write_file(dir_.file(name), content);
    return dir_.file(name);
  }
  // Creates tenant acme (and the master key) and loads `zone` with `hosts` names.
  void load(const std::string& zone, int hosts, int net, bool txt = false) {
    if (!std::filesystem::exists(dir_.file("master.key"))) {
      ok({"generate-master-key"});
      ok({"create-tenant", "acme"});
    }
    ok({"load-zone", "acme", zone, file(zone + ".zone", zone_text(zone, hosts, net, txt))});
  }

  // ---- the store: pristine copy and snapshots

  std::string store() const { return server_->store_path(); }
  void keep_pristine() {
    std::filesystem::create_directories(dir_.file("pristine"));
    for (const char* f : {"/data.mdb", "/lock.mdb"})
      std::filesystem::copy_file(store() + f, dir_.file("pristine") + f,
                                 std::filesystem::copy_options::overwrite_existing);
  }
  void restore_pristine() {
    if (on_restore_)
      on_restore_();
    for (const char* f : {"/data.mdb", "/lock.mdb"})
      std::filesystem::copy_file(dir_.file("pristine") + f, store() + f,
                                 std::filesystem::copy_options::overwrite_existing);
  }

  // The state of every zone of the test. Fails the test when the store does not open.
  StoreState snapshot() {
    StoreState s;
    RunResult zones = cli({"list-zones"});
    EXPECT_EQ(zones.status, 0) << "the store does not open: " << zones.err;
    for (const auto& z : zones_) {
      ZoneState& st = s[z];
      st.exists = zones.out.find(z + ".\t") != std::string::npos;
      if (!st.exists)
        continue;
      st.data = ok({"list-zone", z});
      std::string json = ok({"--json", "show-zone", z});
      std::smatch m;
      if (std::regex_search(json, m, std::regex(R"("serial":(\d+))")))
        st.serial = std::stol(m[1]);
      if (std::regex_search(json, m, std::regex(R"(,"pending":\[[^\]]*\])"))) {
        st.pending = m[0];
        json = m.prefix().str() + m.suffix().str();
      }
      if (json.find("\"secured\":true") != std::string::npos)
        st.dnssec = std::regex_replace(json, std::regex(R"("earliest_expiration":"[^"]*",?)"), "");
    }
    return s;
  }

  // verify-zone for every secured zone, audit-verify for the store.
  void expect_verified(const std::string& when) {
    for (const auto& z : secured_) {
      RunResult r = cli({"verify-zone", z});
      EXPECT_EQ(r.status, 0) << when << ": verify-zone " << z << ":\n" << r.out << r.err;
    }
    RunResult audit = cli({"audit-verify"});
    EXPECT_EQ(audit.status, 0) << when << ": audit-verify:\n" << audit.out << audit.err;
  }

  // ---- one run of the operation

  std::unique_ptr<Process> start(const Operation& op, const std::string& log) {
    std::filesystem::remove(log);
    if (!op.args.empty())
      return std::make_unique<Process>(signetutil_argv(dir_.path(), op.args, clock_offset_()), log);
    return std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/env",
                                 "SIGNET_CLOCK_OFFSET=" + std::to_string(clock_offset_()),
                                 pdns_server_path(), "--config-dir=" + dir_.path()},
        log);
  }

  // For the refresher: how many zones pdns_server reports refreshed in its log.
  size_t refreshed_zones(const std::string& log) {
    std::string text = read_file(log);
    size_t n = 0;
    for (size_t p = 0; (p = text.find("] refreshed ", p)) != std::string::npos; ++p)
      ++n;
    return n;
  }

  // Waits until `p` exits or `until`; true when it exited. For pdns_server (which does not exit),
  // "done" is every secured zone reported refreshed.
  bool wait_done(Process& p, const Operation& op, const std::string& log,
                 Steady::time_point until) {
    while (Steady::now() < until) {
      if (!p.running())
        return true;
      if (op.args.empty() && refreshed_zones(log) >= secured_.size())
        return true;
      std::this_thread::sleep_for(2ms);
    }
    return false;
  }

  // Runs `op` on a pristine store to its end: its duration and the state it leaves.
  void learn(Operation& op, const StoreState& before) {
    restore_pristine();
    std::string log = dir_.file("learn.log");
    auto t0 = Steady::now();
    auto p = start(op, log);
    bool done = wait_done(*p, op, log, t0 + 300s);
    op.seconds = std::chrono::duration<double>(Steady::now() - t0).count();
    if (op.args.empty())
      p->signal(SIGKILL);
    int rc = p->wait();
    ASSERT_TRUE(done && (op.args.empty() || rc == 0))
        << op.label << " did not complete (exit " << rc << "):\n"
        << read_file(log);
    op.after = snapshot();
    expect_verified(op.label + ", not killed");
    ASSERT_FALSE(op.after == before) << op.label << " changed nothing";
    std::cout << "[  REF     ] " << op.label << ": " << op.seconds << " s when not killed"
              << std::endl;
  }

  // The state check after a kill: before, after, (per zone) a mix, or whole-zone work in
  // progress (pending, and as before or after but for a serial that only moved forward);
  // anything else fails.
  Outcome classify(const StoreState& now, const StoreState& before, const Operation& op,
                   Atomicity atomicity, const std::string& when) {
    bool in_progress = false;
    for (const auto& z : zones_) {
      const ZoneState& n = now.at(z);
      bool b = n == before.at(z), a = n == op.after.at(z);
      if (!n.pending.empty()) {
        in_progress = true;
        b = without_serial(n) == without_serial(before.at(z));
        a = without_serial(n) == without_serial(op.after.at(z));
        EXPECT_GE(n.serial, before.at(z).serial) << when << ": zone " << z << "'s serial went back";
      }
      EXPECT_TRUE(a || b) << when << ": zone " << z << " is neither as before ("
                          << compare(without_serial(n), without_serial(before.at(z)))
                          << ") nor as after ("
                          << compare(without_serial(n), without_serial(op.after.at(z))) << ")";
      // No key is lost: every key of before is there, unless the operation removes it.
      std::set<std::string> kept = key_tags(n.dnssec), wanted = key_tags(op.after.at(z).dnssec);
      for (const auto& tag : key_tags(before.at(z).dnssec))
        EXPECT_TRUE(kept.count(tag) || !wanted.count(tag))
            << when << ": key " << tag << " of zone " << z << " is lost";
    }
    if (in_progress)
      return Outcome::kInProgress;
    if (now == before)
      return Outcome::kBefore;
    if (now == op.after)
      return Outcome::kAfter;
    EXPECT_EQ(atomicity, Atomicity::kZone)
        << when << ": the store is partly before and partly after one transaction";
    return Outcome::kPartial;
  }

  // The kill loop: `iterations` times, a random operation killed after a random delay.
  void kill_loop(std::vector<Operation> ops, Atomicity atomicity, long iterations) {
    const StoreState before = snapshot();
    expect_verified("pristine store");
    keep_pristine();
    for (auto& op : ops) {
      learn(op, before);
      if (HasFatalFailure())
        return;
    }
    std::map<Outcome, int> tally;
    for (long i = 1; i <= iterations && !HasFatalFailure(); ++i) {
      restore_pristine();
      Operation& op = ops[std::uniform_int_distribution<size_t>(0, ops.size() - 1)(rng_)];
      // Up to a little past the expected end, so some runs finish before the signal.
      double delay = std::uniform_real_distribution<double>(0.0, 1.1 * op.seconds)(rng_);
      std::string log = dir_.file("kill.log");
      auto t0 = Steady::now();
      auto p = start(op, log);
      bool done = wait_done(
          *p, op, log,
          t0 + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(delay)));
      double elapsed = std::chrono::duration<double>(Steady::now() - t0).count();
      if (!done || op.args.empty())
        p->signal(SIGKILL);
      int rc = p->wait();
      std::ostringstream when;
      when << "iteration " << i << " (" << op.label << ", kill at " << delay << " s)";
      // The signal may land after the exit (a zombie ignores it): the exit status decides.
      const bool completed = !op.args.empty() && rc == 0;
      if (completed) {
        op.seconds = 0.5 * op.seconds + 0.5 * elapsed;  // keep the delays in range
      } else {
        // Killed by us: a signetutil that failed, or a pdns_server that stopped by itself, is not.
        EXPECT_EQ(rc, 128 + SIGKILL) << when.str() << ": exited by itself:\n" << read_file(log);
      }
      StoreState now = snapshot();
      Outcome outcome = classify(now, before, op, atomicity, when.str());
      if (completed) {
        EXPECT_EQ(outcome, Outcome::kAfter) << when.str() << ": exited 0 but the store is not "
                                            << "as after the operation";
        outcome = Outcome::kCompleted;
      }
      ++tally[outcome];
      expect_verified(when.str());
      const char* names[] = {"completed before the kill", "killed: as before", "killed: as after",
                             "killed: some zones after", "killed: whole-zone work in progress"};
      std::cout << "[  KILL    ] " << when.str() << ": " << names[static_cast<int>(outcome)]
                << std::endl;
      if (outcome != Outcome::kCompleted && outcome != Outcome::kAfter) {
        // Run again, it completes: the store is writable and the keys open and sign. Work in
        // progress is finished (a re-sign bumps the serial again: only that may differ).
        RunResult r = cli(outcome == Outcome::kInProgress ? op.resume_work : op.resume);
        EXPECT_EQ(r.status, 0) << when.str() << ": running it again failed: " << r.err;
        StoreState resumed = snapshot();
        for (const auto& z : zones_) {
          bool progressed = !now.at(z).pending.empty();
          EXPECT_TRUE(resumed.at(z).pending.empty())
              << when.str() << ": zone " << z << " still has work pending after a resume";
          EXPECT_TRUE(progressed ? without_serial(resumed.at(z)) == without_serial(op.after.at(z))
                                 : resumed.at(z) == op.after.at(z))
              << when.str() << ": run again, zone " << z << " is not as after an uninterrupted "
              << "run: "
              << (progressed
                      ? compare(without_serial(resumed.at(z)), without_serial(op.after.at(z)))
                      : compare(resumed.at(z), op.after.at(z)));
          if (progressed) {
            EXPECT_GT(resumed.at(z).serial, before.at(z).serial) << when.str();
          }
        }
        expect_verified(when.str() + ", resumed");
      }
    }
    std::cout << "[  TALLY   ] " << tally[Outcome::kCompleted] << " completed, "
              << tally[Outcome::kBefore] << " killed before the commit, " << tally[Outcome::kAfter]
              << " killed after it, " << tally[Outcome::kPartial]
              << " killed with some zones done, " << tally[Outcome::kInProgress]
              << " killed with whole-zone work in progress (seed " << seed_ << ")" << std::endl;
    // Every key the store holds now still opens and signs, and the result verifies.
    for (const auto& z : secured_)
      ok({"sign-zone", z});
    expect_verified("signed again after the last iteration");
    // Timing varies; at least one kill must have landed inside the operation.
    EXPECT_GT(tally[Outcome::kBefore] + tally[Outcome::kPartial] + tally[Outcome::kInProgress], 0)
        << "every run finished before its kill: the operation is too quick to interrupt";
  }

  TempDir dir_;
  std::unique_ptr<PdnsServer> server_;
  const uint64_t seed_;
  std::mt19937_64 rng_;
  std::function<long()> clock_offset_ = [] { return 0L; };
  std::function<void()> on_restore_;  // called as each iteration restores the pristine store
  std::vector<std::string> zones_;    // every zone the test checks
  std::vector<std::string> secured_;  // those that are signed
};

TEST_F(KillTest, KilledLoadZoneLeavesEveryZoneAsBeforeOrAsAfter) {
  load("bulk.test", 10, 1);
  load("signed.test", 2000, 2);
  ok({"secure-zone", "signed.test"});
  zones_ = {"bulk.test", "signed.test", "fresh.test"};
  secured_ = {"signed.test"};
  std::string big = file("big.zone", zone_text("bulk.test", 20000, 3, /*txt=*/true));
  std::string fresh = file("fresh.zone", zone_text("fresh.test", 30000, 4));
  std::string resign = file("resign.zone", zone_text("signed.test", 2000, 5));
  std::vector<Operation> ops = {
      // 40,000 records replace 10.
      {"load-zone bulk.test (40k records)", {"load-zone", "acme", "bulk.test", big}},
      // A new zone.
      {"load-zone fresh.test (new, 30k records)", {"load-zone", "acme", "fresh.test", fresh}},
      // Every address of a secured zone changes: the load re-signs in its transaction.
      {"load-zone signed.test (secured, all changed)",
       {"load-zone", "acme", "signed.test", resign}},
  };
  kill_loop(ops, Atomicity::kStore, soak_iterations(kIterations));
}

TEST_F(KillTest, KilledSignZoneLeavesTheZoneAsBeforeAsAfterOrValidAndResumable) {
  load("plain.test", 10, 1);
  load("signed.test", 3000, 2);
  ok({"secure-zone", "signed.test"});
  zones_ = {"plain.test", "signed.test"};
  secured_ = {"signed.test"};
  std::vector<Operation> ops = {{"sign-zone signed.test", {"sign-zone", "signed.test"}}};
  kill_loop(ops, Atomicity::kStore, soak_iterations(kIterations));
}

TEST_F(KillTest, KilledSetNsec3ServesTheOldChainOrTheNewOneAndIsResumable) {
  load("plain.test", 10, 1);
  load("signed.test", 3000, 2);
  ok({"secure-zone", "signed.test"});
  zones_ = {"plain.test", "signed.test"};
  secured_ = {"signed.test"};
  std::vector<Operation> ops = {
      {"set-nsec3 signed.test (new salt)", {"set-nsec3", "signed.test", "1 0 0 aabbccdd"}},
      {"unset-nsec3 signed.test (NSEC3 to NSEC)", {"unset-nsec3", "signed.test"}},
  };
  kill_loop(ops, Atomicity::kStore, soak_iterations(kIterations));
}

TEST_F(KillTest, KilledRolloverTickLeavesTheRolloverStepUndoneOrDone) {
  load("signed.test", 3000, 2);
  ok({"policy", "import", file("policies.yaml", kQuickPolicy)});
  ok({"secure-zone", "signed.test", "quick"});
  ok({"rollover", "signed.test", "zsk"});
  // Every iteration lives 180 s after the rollover started: the new ZSK is ready, the tick
  // activates it and re-signs the zone with it; nothing else is due for minutes. The clock is
  // pinned per iteration, not per process: within one iteration it runs on with real time, so a
  // process never sees an earlier time than one before it (a tick that activated the key at
  // second N+1 and a later look at second N would call the key only "ready").
  const long at = static_cast<long>(std::time(nullptr)) + 180;
  auto offset = std::make_shared<long>(180);
  clock_offset_ = [offset] { return *offset; };
  on_restore_ = [offset, at] { *offset = at - static_cast<long>(std::time(nullptr)); };
  zones_ = {"signed.test"};
  secured_ = {"signed.test"};
  // A tick killed during the re-sign it started leaves the step done and the re-sign pending;
  // the zone is not due again for minutes: `refresh ZONE` finishes the re-sign.
  std::vector<Operation> ops = {{"rollover-tick (ZSK activation)",
                                 {"rollover-tick"},
                                 {"rollover-tick"},
                                 {"refresh", "signed.test"}}};
  kill_loop(ops, Atomicity::kStore, soak_iterations(kIterations));
  // The step is done in full: a new active ZSK, the old one retired.
  std::string json = ok({"--json", "show-zone", "signed.test"});
  EXPECT_NE(json.find("\"role\":\"zsk\",\"state\":\"retired\""), std::string::npos) << json;
}

TEST_F(KillTest, KilledPdnsServerWhileItsRefresherResignsLeavesEachZoneAsBeforeOrAsAfter) {
  for (const char* z : {"a.test", "b.test", "c.test", "d.test"}) {
    load(z, 800, 2);
    ok({"secure-zone", z});
    zones_.push_back(z);
  }
  secured_ = zones_;
  // 12 days on: every signature is due for re-signing (less than the refresh window left) and
  // none has expired yet.
  clock_offset_ = [] { return 12L * 86400; };
  std::vector<Operation> ops = {{"pdns_server refresher (4 zones)", {}, {"refresh"}}};
  kill_loop(ops, Atomicity::kZone, soak_iterations(kIterations));
}

}  // namespace
