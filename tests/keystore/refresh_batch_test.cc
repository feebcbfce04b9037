// SPDX-License-Identifier: GPL-2.0-or-later
//
// Refresh batching (policy rrsig-refresh-batch, keystore/signing.hh refresh_batch): a due refresh
// also renews what would come due within the batch, edits join the zone's next batch, and a batch
// of 0 is the refresh of before. Then the simulation of issue 8 item 9: 30 days of refresher passes
// every 5 minutes over one 10,000-RRset zone and over 1,000 small zones, with and without batching,
// counting the serial changes signature refresh causes and the smallest expiry margin ever stored.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <numeric>

#include "keystore/dnssec.hh"
#include "keystore/refresher.hh"
#include "keystore/signing.hh"
#include "signer/rrsig.hh"
#include "tests/support/dnssec_fixture.hh"

using namespace signet;
using signet::test::DnssecStoreTest;

namespace {

constexpr uint32_t kDay = 86400;

// A policy for these tests: Ed25519 (fast), CSK, NSEC3, 14 d validity, 4 d refresh, 12 h jitter.
SigningPolicy policy_with_batch(std::optional<uint32_t> batch, const std::string& name = "p") {
  SigningPolicy p = *builtin_policy("ed25519");
  p.name = name;
  p.refresh_batch = batch;
  return p;
}

// The 32-bit RRSIG time `t` as an absolute time near `now` (RFC 1982 window).
uint64_t absolute(uint32_t t, uint64_t now) {
  return static_cast<uint64_t>(static_cast<int64_t>(now) +
                               static_cast<int32_t>(t - static_cast<uint32_t>(now)));
}

// Every stored signature of a zone: its key in the rrsigs database and its expiration (absolute).
std::map<std::string, uint64_t> expirations(Store& store, const lmdb::Txn& txn, uint32_t zone_id,
                                            uint64_t now) {
  std::map<std::string, uint64_t> out;
  std::string prefix = codec::zone_prefix(zone_id);
  lmdb::Cursor c(txn, store.dbi().rrsigs);
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    auto view = parse_rrsig(codec::decode_rrsig_value(c.value()).rdata);
    EXPECT_TRUE(view.has_value());
    if (view)
      out.emplace(std::string(c.key()), absolute(view->fields.expiration, now));
  }
  return out;
}

// The earliest expiration (absolute) of a zone's stored signatures: what the simulation watches.
uint64_t earliest_stored(Store& store, const lmdb::Txn& txn, uint32_t zone_id, uint64_t now) {
  uint64_t m = UINT64_MAX;
  std::string prefix = codec::zone_prefix(zone_id);
  lmdb::Cursor c(txn, store.dbi().rrsigs);
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    auto e = rrsig_expiration(codec::decode_rrsig_value(c.value()).rdata);
    EXPECT_TRUE(e.has_value());
    if (e)
      m = std::min(m, absolute(*e, now));
  }
  return m;
}

bool is_chain(const std::string& rrsig_key) {
  uint16_t t = codec::split_rrsig_key(codec::as_bytes(rrsig_key)).covered;
  return t == rrtype::NSEC3 || t == rrtype::NSEC || t == rrtype::NSEC3PARAM;
}

bool at_apex(const std::string& rrsig_key) {
  return codec::split_rrsig_key(codec::as_bytes(rrsig_key)).namekey.empty();
}

class RefreshBatchTest : public DnssecStoreTest {
 protected:
  void SetUp() override {
    DnssecStoreTest::SetUp();
    dnssec->policies().set_parser(
        [this](const std::string& name, const std::string&) { return policies.at(name); });
    make_zone("acme", "example.com.");
    edit("example.com.", [&](ZoneWriter& w) {
      for (int i = 0; i < 40; ++i) {
        w.add(n("h" + std::to_string(i) + ".example.com."), rrtype::A, 300,
              rd(rrtype::A, "192.0.2." + std::to_string(i + 1)));
      }
    });
  }

  void secure(const SigningPolicy& p) {
    policies[p.name] = p;
    auto txn = store->begin_write();
    dnssec->policy_store().put(txn, kGlobalPolicyOwner, p, "(test)");
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    dnssec->signing().secure(txn, z, p, 1);
    txn.commit();
  }

  ZoneRecord zone() {
    auto txn = store->begin_read();
    return portfolio->zone(txn, n("example.com."));
  }
  codec::DnssecRecord state() {
    auto txn = store->begin_read();
    return *dnssec->state().find(txn, zone().id);
  }
  std::map<std::string, uint64_t> sigs() {
    auto txn = store->begin_read();
    return expirations(*store, txn, zone().id, clock.now());
  }
  // The refresh window in force (the default SOA's EXPIRE widens the policy's 4 d).
  uint32_t window(const SigningPolicy& p) {
    auto txn = store->begin_read();
    return PolicyResolver::refresh_window(p, zone_soa(*store, txn, zone().id).expire);
  }
  SignStats refresh() {
    auto txn = store->begin_write();
    ZoneRecord z = zone();
    SignStats s = dnssec->signing().refresh(txn, z, SIZE_MAX);
    txn.commit();
    return s;
  }
  // The time at which the signatures expiring before `cut` (but not all) have entered the window.
  uint64_t time_when_some_are_due(const SigningPolicy& p, uint64_t cut) { return cut - window(p); }

  std::map<std::string, SigningPolicy> policies;
};

}  // namespace

// ------------------------------------------------------------------ the batch itself

TEST_F(RefreshBatchTest, TheBatchInForceIsThePolicysCutToTheRoomTheTimingsLeave) {
  SigningPolicy p = policy_with_batch(std::nullopt);
  EXPECT_EQ(refresh_batch(p, 4 * kDay), kDefaultRefreshBatch);  // 14d - 12h - 4d - 1h: room enough
  p.refresh_batch = 3 * kDay;
  EXPECT_EQ(refresh_batch(p, 4 * kDay), 3 * kDay);
  EXPECT_EQ(refresh_batch(p, 12 * kDay), 35 * 3600u);  // a widened window leaves less
  EXPECT_EQ(refresh_batch(p, 14 * kDay), 0u);
  p.refresh_batch = 0;
  EXPECT_EQ(refresh_batch(p, 4 * kDay), 0u);
}

// Before batching existed a refresh renewed what had reached its refresh point and nothing else,
// with the per-RRset jitter: a batch of 0 does exactly that.
TEST_F(RefreshBatchTest, ABatchOfZeroRenewsOnlyWhatReachedItsRefreshPoint) {
  SigningPolicy p = policy_with_batch(0);
  secure(p);
  auto before = sigs();
  std::vector<uint64_t> ends;
  for (const auto& [k, e] : before)
    ends.push_back(e);
  std::sort(ends.begin(), ends.end());
  // Half of the signatures have reached their refresh point.
  clock.set(time_when_some_are_due(p, ends[ends.size() / 2]));
  uint64_t due_by = clock.now() + window(p);
  ASSERT_GT(ends.back(), due_by + 3600);
  SignStats s = refresh();
  EXPECT_GT(s.signatures, 0u);
  auto after = sigs();
  size_t renewed = 0, kept = 0;
  for (const auto& [k, e] : before) {
    if (is_chain(k) || at_apex(k))
      continue;  // the chain goes as a whole, the apex is re-signed with the serial
    ASSERT_TRUE(after.count(k));
    if (e <= due_by) {
      ++renewed;
      auto rel = codec::split_rrsig_key(codec::as_bytes(k));
      uint8_t labels[Name::kMaxWire];
      size_t len = codec::decode_namekey(rel.namekey, labels);
      EXPECT_EQ(after[k], absolute(signature_expiration(p, zone().id, {labels, len}, rel.covered,
                                                        clock.now()),
                                   clock.now()));
    } else {
      ++kept;
      EXPECT_EQ(after[k], e) << "renewed before its refresh point";
    }
  }
  EXPECT_GT(renewed, 5u);
  EXPECT_GT(kept, 5u);
}

TEST_F(RefreshBatchTest, ADueRefreshAlsoRenewsWhatComesDueWithinTheBatch) {
  SigningPolicy p = policy_with_batch(2 * 3600);  // narrower than the jitter: the hard case
  p.jitter = 2 * kDay;
  secure(p);
  auto before = sigs();
  uint64_t earliest = std::min_element(before.begin(), before.end(), [](auto& a, auto& b) {
                        return a.second < b.second;
                      })->second;
  EXPECT_EQ(state().next_refresh, earliest - window(p));
  clock.set(state().next_refresh);
  uint64_t batch_by = clock.now() + window(p) + 2 * 3600;
  refresh();
  auto after = sigs();
  for (const auto& [k, e] : before) {
    if (e <= batch_by)
      EXPECT_NE(after[k], e) << "left out of the batch";
    else
      EXPECT_EQ(after[k], e) << "renewed beyond the batch";
  }
  // The next refresh is at least a batch later.
  EXPECT_GT(state().next_refresh, clock.now() + 2 * 3600);
}

TEST_F(RefreshBatchTest, TheBatchNeverStartsARefreshOfItsOwn) {
  SigningPolicy p = policy_with_batch(kDay);
  secure(p);
  uint32_t serial = zone().serial;
  auto before = sigs();
  // A day before the zone is due: everything is within the batch, nothing reached its point.
  clock.set(state().next_refresh - kDay + 60);
  EXPECT_EQ(refresh().signatures, 0u);
  EXPECT_EQ(sigs(), before);
  EXPECT_EQ(zone().serial, serial);
}

// With a batch at least as wide as the jitter, one refresh renews the whole zone, and so does each
// one after it: the serial changes for signatures once per refresh cycle.
TEST_F(RefreshBatchTest, OneBatchRenewsTheWholeZoneCycleAfterCycle) {
  SigningPolicy p = policy_with_batch(std::nullopt);
  secure(p);
  for (int cycle = 0; cycle < 3; ++cycle) {
    auto before = sigs();
    clock.set(state().next_refresh);
    EXPECT_GT(refresh().signatures, 0u);
    for (const auto& [k, e] : sigs())
      EXPECT_GT(e, before.at(k)) << "cycle " << cycle;
  }
}

// A batch narrower than the jitter keeps a zone's signatures within one batch of each other and
// spreads zones over the whole jitter.
TEST_F(RefreshBatchTest, ANarrowBatchKeepsAZoneTogetherAndSpreadsThePortfolio) {
  SigningPolicy p = policy_with_batch(3600);
  std::set<uint32_t> zone_offsets;
  for (uint32_t zone_id = 1; zone_id <= 50; ++zone_id) {
    uint32_t lo = UINT32_MAX, hi = 0;
    for (int i = 0; i < 50; ++i) {
      Name nm = Name::from_text("h" + std::to_string(i), nullptr);
      uint32_t e = signature_expiration(p, zone_id, nm.relative_to(Name()), rrtype::A, 1000000);
      EXPECT_GE(e, 1000000u + p.validity - p.jitter);
      lo = std::min(lo, e);
      hi = std::max(hi, e);
    }
    EXPECT_LE(hi - lo, 3600u);
    zone_offsets.insert(hi / 3600);
  }
  EXPECT_GT(zone_offsets.size(), 5u);
  // A batch of 0, or one as wide as the jitter: the per-RRset jitter of before.
  for (std::optional<uint32_t> b :
       {std::optional<uint32_t>(0), std::optional<uint32_t>(kDay), std::optional<uint32_t>()}) {
    SigningPolicy q = policy_with_batch(b);
    std::set<uint32_t> seen;
    for (int i = 0; i < 8; ++i) {
      Name nm = Name::from_text("h" + std::to_string(i), nullptr);
      seen.insert(signature_expiration(q, 7, nm.relative_to(Name()), rrtype::A, 1000000));
    }
    EXPECT_GT(seen.size(), 4u);
  }
}

// ------------------------------------------------------------------ edits

// An edit re-signs what it changed; its signatures expire inside the zone's next batch, so the
// next refresh renews them with the rest instead of their coming due on a day of their own.
TEST_F(RefreshBatchTest, EditsJoinTheZonesNextBatch) {
  SigningPolicy p = policy_with_batch(kDay);
  secure(p);
  codec::DnssecRecord st = state();
  uint64_t earliest = absolute(st.earliest_expiry, clock.now());
  for (uint64_t at : {clock.now() + 3600, st.next_refresh - 2 * kDay, st.next_refresh - 600}) {
    clock.set(at);
    edit("example.com.", [&](ZoneWriter& w) {
      w.replace(n("h3.example.com."), rrtype::A, 300, {rd(rrtype::A, "198.51.100.3")});
    });
    for (const auto& [k, e] : sigs()) {
      EXPECT_GE(e, earliest);
      EXPECT_LE(e, earliest + kDay);
    }
    EXPECT_EQ(state().next_refresh, st.next_refresh);  // the schedule stands
  }
  // One refresh renews everything, the edited signatures with the rest.
  clock.set(st.next_refresh);
  refresh();
  for (const auto& [k, e] : sigs())
    EXPECT_GT(e, clock.now() + p.validity - p.jitter - 1);
}

TEST_F(RefreshBatchTest, WithoutABatchEditsKeepExpirationsOfTheirOwn) {
  SigningPolicy p = policy_with_batch(0);
  secure(p);
  clock.advance(2 * kDay);
  edit("example.com.", [&](ZoneWriter& w) {
    w.replace(n("h3.example.com."), rrtype::A, 300, {rd(rrtype::A, "198.51.100.3")});
  });
  Name h3 = Name::from_text("h3", nullptr);
  std::string key =
      codec::rrsig_key(zone().id, h3.relative_to(Name()), rrtype::A,
                       codec::split_rrsig_key(codec::as_bytes(sigs().begin()->first)).key_id);
  EXPECT_EQ(sigs().at(key), absolute(signature_expiration(p, zone().id, h3.relative_to(Name()),
                                                          rrtype::A, clock.now()),
                                     clock.now()));
}

// An edit's signature may expire before the zone's earliest (its RRset's jitter is larger than
// any the zone had): the zone's refresh moves earlier with it, so nothing is renewed after its
// refresh point. (Batching aligns edits with the batch instead; this is the case without.)
TEST_F(RefreshBatchTest, AnEditThatMakesTheEarliestSignatureMovesTheRefreshEarlier) {
  SigningPolicy p = policy_with_batch(0);
  policies[p.name] = p;
  make_zone("acme", "small.test.");  // a few signatures: its earliest is far from the jitter's end
  auto small = [&] {
    auto txn = store->begin_read();
    return portfolio->zone(txn, n("small.test."));
  };
  {
    auto txn = store->begin_write();
    dnssec->policy_store().put(txn, kGlobalPolicyOwner, p, "(test)");
    ZoneRecord z = small();
    dnssec->signing().secure(txn, z, p, 1);
    txn.commit();
  }
  auto state_of_small = [&] {
    auto txn = store->begin_read();
    return *dnssec->state().find(txn, small().id);
  };
  codec::DnssecRecord st = state_of_small();
  uint64_t earliest = absolute(st.earliest_expiry, clock.now());
  uint32_t w = static_cast<uint32_t>(earliest - st.next_refresh);
  // An owner whose jitter is larger than any the zone has, added a minute later.
  clock.advance(60);
  std::string owner;
  for (int i = 0; i < 1000 && owner.empty(); ++i) {
    Name nm = Name::from_text("x" + std::to_string(i), nullptr);
    if (absolute(
            signature_expiration(p, small().id, nm.relative_to(Name()), rrtype::A, clock.now()),
            clock.now()) < earliest - 600)
      owner = "x" + std::to_string(i);
  }
  ASSERT_FALSE(owner.empty());
  edit("small.test.", [&](ZoneWriter& wr) {
    wr.add(n(owner + ".small.test."), rrtype::A, 300, rd(rrtype::A, "198.51.100.9"));
  });
  uint64_t now_earliest = UINT64_MAX;
  {
    auto txn = store->begin_read();
    for (const auto& [k, e] : expirations(*store, txn, small().id, clock.now()))
      now_earliest = std::min(now_earliest, e);
  }
  ASSERT_LT(now_earliest, earliest);
  EXPECT_EQ(state_of_small().next_refresh, now_earliest - w);
  EXPECT_EQ(absolute(state_of_small().earliest_expiry, clock.now()), now_earliest);
}

// ------------------------------------------------------------------ the simulation

namespace {

// A directory on tmpfs when there is one (30 days of refresher passes commit many small write
// transactions; their fsyncs are not what this measures), else the usual temporary directory.
class SimDir {
 public:
  SimDir() {
    std::error_code ec;
    std::string base =
        std::filesystem::is_directory("/dev/shm", ec) && access("/dev/shm", W_OK) == 0
            ? "/dev/shm"
            : std::filesystem::temp_directory_path().string();
    std::string tmpl = base + "/signet-churn-XXXXXX";
    if (!mkdtemp(tmpl.data()))
      throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~SimDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

constexpr uint64_t kStart = 1700000000;
constexpr int kDays = 30;
constexpr uint64_t kPass = 300;  // a refresher pass every 5 minutes

// One run of the simulation over a copy of a secured store.
struct SimResult {
  std::string label;
  uint32_t window = 0;  // the effective refresh window
  // Serial changes caused by signature refresh, per zone and day.
  std::vector<std::array<uint32_t, kDays>> per_zone_day;
  int64_t min_margin = INT64_MAX;  // the smallest expiration - now ever stored, seen at a pass
  size_t refreshed_zones = 0;      // refresh transactions the refresher ran
  double seconds = 0;

  double mean_per_zone_day() const {
    uint64_t total = 0;
    for (const auto& z : per_zone_day)
      total += std::accumulate(z.begin(), z.end(), 0u);
    return double(total) / (double(per_zone_day.size()) * kDays);
  }
  uint32_t max_per_zone_day() const {
    uint32_t m = 0;
    for (const auto& z : per_zone_day)
      m = std::max(m, *std::max_element(z.begin(), z.end()));
    return m;
  }
  std::string report() const {
    // Zone-days by count, and per zone over the 30 days.
    const uint32_t bounds[] = {0, 1, 2, 5, 20, 100};
    std::array<uint64_t, 6> hist{};
    std::vector<uint32_t> totals;
    for (const auto& z : per_zone_day) {
      for (uint32_t c : z) {
        size_t b = 0;
        while (b + 1 < std::size(bounds) && c >= bounds[b + 1])
          ++b;
        ++hist[b];
      }
      totals.push_back(std::accumulate(z.begin(), z.end(), 0u));
    }
    std::sort(totals.begin(), totals.end());
    char buf[1024];
    std::snprintf(buf, sizeof buf,
                  "%-34s zones %zu: serial changes by signature refresh per zone per day: mean "
                  "%.3f, max %u; zone-days with 0: %llu, 1: %llu, 2-4: %llu, 5-19: %llu, 20-99: "
                  "%llu, 100+: %llu; per zone in %d days: min %u, median %u, max %u; refresh "
                  "transactions %zu; smallest margin %.2f h (refresh point %.2f h); %.1f s\n",
                  label.c_str(), per_zone_day.size(), mean_per_zone_day(), max_per_zone_day(),
                  (unsigned long long)hist[0], (unsigned long long)hist[1],
                  (unsigned long long)hist[2], (unsigned long long)hist[3],
                  (unsigned long long)hist[4], (unsigned long long)hist[5], kDays, totals.front(),
                  totals[totals.size() / 2], totals.back(), refreshed_zones, min_margin / 3600.0,
                  window / 3600.0, seconds);
    return buf;
  }
};

// A store of secured zones built once (at kStart) and copied for each run.
class ChurnSimulation {
 public:
  using Build = std::function<void(Portfolio&, lmdb::WriteTxn&, std::vector<Name>&)>;
  // `build` adds the zones' data (unsigned); each zone is then secured under policy "sim".
  explicit ChurnSimulation(const Build& build) {
    MasterKey::generate_file(dir_.file("master.key"));
    master_ = std::make_unique<MasterKey>(MasterKey::load(dir_.file("master.key")));
    FakeClock clock(kStart);
    std::filesystem::create_directory(dir_.file("secured"));
    Store store(StoreOptions{dir_.file("secured"), uint64_t(8) << 30});
    Portfolio portfolio(store, clock);
    {
      auto txn = store.begin_write();
      portfolio.create_tenant(txn, "t");
      build(portfolio, txn, zones_);
      txn.commit();
    }
    Dnssec dnssec(store, clock, [this]() -> const MasterKey& { return *master_; });
    SigningPolicy p = policy_with_batch(std::nullopt, "sim");
    dnssec.policies().set_parser([&](const std::string&, const std::string&) { return p; });
    auto txn = store.begin_write();
    dnssec.policy_store().put(txn, kGlobalPolicyOwner, p, "(test)");
    for (const Name& apex : zones_) {
      ZoneRecord z = portfolio.zone(txn, apex);
      dnssec.signing().secure(txn, z, p, 2);
    }
    txn.commit();
  }

  // 30 days of refresher passes under policy "sim" with rrsig-refresh-batch `batch`; `edit` is
  // called once a simulated hour (between passes) to change some zone's data.
  SimResult run(const std::string& label, std::optional<uint32_t> batch,
                const std::function<void(Portfolio&, lmdb::WriteTxn&, uint64_t hour)>& edit) {
    auto t0 = std::chrono::steady_clock::now();
    std::string path = dir_.file("run-" + std::to_string(runs_++));
    std::filesystem::copy(dir_.file("secured"), path);
    FakeClock clock(kStart);
    Store store(StoreOptions{path, uint64_t(8) << 30});
    Portfolio portfolio(store, clock);
    Dnssec dnssec(store, clock, [this]() -> const MasterKey& { return *master_; });
    SigningPolicy p = policy_with_batch(batch, "sim");
    dnssec.policies().set_parser([&](const std::string&, const std::string&) { return p; });
    portfolio.set_edit_hook(&dnssec.signing());
    std::vector<std::string> failures;
    Refresher refresher(store, dnssec, clock, [&](bool warning, const std::string& m) {
      if (warning)
        failures.push_back(m);
    });

    SimResult r;
    r.label = label;
    r.per_zone_day.assign(zones_.size(), {});
    std::map<uint32_t, size_t> index;  // zone id -> position
    std::vector<uint64_t> zone_min(zones_.size());
    auto rescan = [&](const lmdb::Txn& txn, size_t i, uint32_t id) {
      zone_min[i] = earliest_stored(store, txn, id, clock.now());
    };
    {
      auto txn = store.begin_read();
      for (size_t i = 0; i < zones_.size(); ++i) {
        ZoneRecord z = portfolio.zone(txn, zones_[i]);
        index[z.id] = i;
        rescan(txn, i, z.id);
      }
      r.window = PolicyResolver::refresh_window(
          p, zone_soa(store, txn, portfolio.zone(txn, zones_[0]).id).expire);
    }
    uint64_t earliest = *std::min_element(zone_min.begin(), zone_min.end());
    for (uint64_t t = kStart + kPass; t < kStart + uint64_t(kDays) * kDay; t += kPass) {
      clock.set(t);
      // Just before the pass is when stored signatures are closest to expiry.
      r.min_margin =
          std::min(r.min_margin, static_cast<int64_t>(earliest) - static_cast<int64_t>(t));
      std::vector<std::pair<uint32_t, uint32_t>> due;  // zone id, serial before
      {
        auto txn = store.begin_read();
        for (uint32_t id : dnssec.state().due(txn, t, SIZE_MAX))
          due.emplace_back(id, store.zone_by_id(txn, id)->serial);
      }
      if (!due.empty()) {
        r.refreshed_zones += refresher.run_once(SIZE_MAX);
        auto txn = store.begin_read();
        for (auto [id, serial] : due) {
          if (store.zone_by_id(txn, id)->serial == serial)
            continue;
          size_t i = index.at(id);
          ++r.per_zone_day[i][(t - kStart) / kDay];
          rescan(txn, i, id);
        }
        earliest = *std::min_element(zone_min.begin(), zone_min.end());
      }
      if ((t - kStart) % 3600 == 0 && edit) {
        clock.set(t + kPass / 2);
        auto txn = store.begin_write();
        edit(portfolio, txn, (t - kStart) / 3600);
        txn.commit();
        // Only the edited zone changed.
        auto rtxn = store.begin_read();
        ZoneRecord z = portfolio.zone(rtxn, edited_);
        rescan(rtxn, index.at(z.id), z.id);
        earliest = *std::min_element(zone_min.begin(), zone_min.end());
      }
    }
    EXPECT_TRUE(failures.empty()) << failures.front();
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::filesystem::remove_all(path);
    return r;
  }

  // The zone the last edit changed (set by the edit callback).
  void edited(const Name& apex) { edited_ = apex; }

 private:
  SimDir dir_;
  std::unique_ptr<MasterKey> master_;
  std::vector<Name> zones_;
  Name edited_;
  int runs_ = 0;
};

std::vector<uint8_t> a_rdata(uint32_t v) {
  return rdata_from_text(rrtype::A,
                         "10." + std::to_string((v >> 16) & 255) + "." +
                             std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255),
                         Name());
}

void print_and_check(const SimResult& off, const SimResult& on) {
  std::printf("%s%s", off.report().c_str(), on.report().c_str());
  std::fflush(stdout);
  // About once per batch (a day) at most, averaged over the 30 days.
  EXPECT_LE(on.mean_per_zone_day(), 1.5);
  // Refreshes of a zone are more than a batch apart: never two on one day.
  EXPECT_LE(on.max_per_zone_day(), 1u);
  // Never closer to expiry than the refresh point allows, but for the pass interval.
  EXPECT_GE(on.min_margin, static_cast<int64_t>(on.window) - static_cast<int64_t>(kPass));
  EXPECT_GE(off.min_margin, static_cast<int64_t>(off.window) - static_cast<int64_t>(kPass));
  EXPECT_LT(on.mean_per_zone_day(), off.mean_per_zone_day());
}

}  // namespace

// (a) One zone of 10,000 RRsets, edited once an hour (one RRset each time).
TEST(RefreshChurn, ALargeZoneChangesItsSerialForSignaturesAtMostOncePerBatch) {
  Name apex = Name::from_text("big.test.");
  ChurnSimulation sim([&](Portfolio& portfolio, lmdb::WriteTxn& txn, std::vector<Name>& zones) {
    portfolio.create_zone_with_soa(txn, "t", apex, {Name::from_text("ns1.big.test.")});
    portfolio.edit_zone(
        txn, apex,
        [&](ZoneWriter& w) {
          for (uint32_t i = 0; i < 10000; ++i)
            w.add(Name::from_text("h" + std::to_string(i) + ".big.test."), rrtype::A, 300,
                  a_rdata(i));
        },
        false);
    zones.push_back(apex);
  });
  auto edit = [&](Portfolio& portfolio, lmdb::WriteTxn& txn, uint64_t hour) {
    sim.edited(apex);
    uint32_t i = static_cast<uint32_t>(hour * 7919 % 10000);
    portfolio.edit_zone(
        txn, apex,
        [&](ZoneWriter& w) {
          w.replace(Name::from_text("h" + std::to_string(i) + ".big.test."), rrtype::A, 300,
                    {a_rdata(100000 + static_cast<uint32_t>(hour))});
        },
        true);
  };
  SimResult off = sim.run("10,000 RRsets, rrsig-refresh-batch 0", 0, edit);
  SimResult on = sim.run("10,000 RRsets, rrsig-refresh-batch 1d", std::nullopt, edit);
  print_and_check(off, on);
}

// (b) 1,000 zones of a few RRsets each, one of them edited once an hour.
TEST(RefreshChurn, AThousandSmallZonesChangeTheirSerialsForSignaturesAtMostOncePerBatch) {
  std::vector<Name> apexes;
  for (int i = 0; i < 1000; ++i)
    apexes.push_back(Name::from_text("z" + std::to_string(i) + ".test."));
  ChurnSimulation sim([&](Portfolio& portfolio, lmdb::WriteTxn& txn, std::vector<Name>& zones) {
    for (const Name& apex : apexes) {
      std::string a = apex.to_text();
      portfolio.create_zone_with_soa(txn, "t", apex, {Name::from_text("ns1." + a)});
      portfolio.edit_zone(
          txn, apex,
          [&](ZoneWriter& w) {
            w.add(Name::from_text("ns1." + a), rrtype::A, 300, a_rdata(1));
            w.add(Name::from_text("www." + a), rrtype::A, 300, a_rdata(2));
            w.add(Name::from_text("mail." + a), rrtype::A, 300, a_rdata(3));
            w.add(apex, rrtype::MX, 300, rdata_from_text(rrtype::MX, "10 mail." + a, Name()));
            w.add(apex, rrtype::TXT, 300,
                  rdata_from_text(rrtype::TXT, "\"v=spf1 mx -all\"", Name()));
          },
          false);
      zones.push_back(apex);
    }
  });
  auto edit = [&](Portfolio& portfolio, lmdb::WriteTxn& txn, uint64_t hour) {
    const Name& apex = apexes[hour * 37 % apexes.size()];
    sim.edited(apex);
    portfolio.edit_zone(
        txn, apex,
        [&](ZoneWriter& w) {
          w.replace(Name::from_text("www." + apex.to_text()), rrtype::A, 300,
                    {a_rdata(100000 + static_cast<uint32_t>(hour))});
        },
        true);
  };
  SimResult off = sim.run("1,000 small zones, rrsig-refresh-batch 0", 0, edit);
  SimResult on = sim.run("1,000 small zones, rrsig-refresh-batch 1d", std::nullopt, edit);
  print_and_check(off, on);
}
