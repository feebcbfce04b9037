// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/store.hh"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keystore/health.hh"
#include "signer/error.hh"
#include "tests/support/store_fixture.hh"

using namespace signet;
using signet::test::StoreTest;

TEST_F(StoreTest, NewStoreHasCurrentSchema) {
  auto txn = store->begin_read();
  EXPECT_EQ(store->schema_version(txn), codec::kSchemaVersion);
}

TEST_F(StoreTest, RefusesAStoreFromTheFuture) {
  {
    auto txn = store->begin_write();
    txn.put(store->dbi().sys, "schema", codec::u32_key(codec::kSchemaVersion + 1));
    txn.commit();
  }
  portfolio.reset();
  store.reset();
  EXPECT_THROW(Store(StoreOptions{dir.path(), uint64_t(1) << 30}), StoreError);
}

TEST_F(StoreTest, TenantsAndZonesSurviveReopen) {
  make_zone("acme", "example.com.");
  reopen();
  auto txn = store->begin_read();
  auto t = store->find_tenant(txn, "acme");
  ASSERT_TRUE(t);
  auto z = store->find_zone(txn, n("EXAMPLE.com."));
  ASSERT_TRUE(z);
  EXPECT_EQ(z->tenant_id, t->id);
  EXPECT_GT(z->serial, 0u);
  EXPECT_TRUE(store->tenant_has_zones(txn, t->id));
}

TEST_F(StoreTest, EnclosingZoneIsTheClosestApex) {
  make_zone("acme", "example.com.");
  make_zone("acme", "sub.example.com.");
  auto txn = store->begin_read();
  EXPECT_TRUE(store->find_enclosing_zone(txn, n("a.b.sub.example.com."))
                  ->name.equals(n("sub.example.com.")));
  EXPECT_TRUE(
      store->find_enclosing_zone(txn, n("www.example.com."))->name.equals(n("example.com.")));
  EXPECT_FALSE(store->find_enclosing_zone(txn, n("example.net.")));
  std::vector<std::string> below;
  auto collect = [&](const ZoneRecord& z) {
    below.push_back(z.name.to_text());
    return true;
  };
  store->for_each_zone_below(txn, n("example.com."), collect);
  EXPECT_EQ(below, std::vector<std::string>{"sub.example.com."});
  below.clear();
  store->for_each_zone_below(txn, n("sub.example.com."), collect);
  EXPECT_TRUE(below.empty());
}

TEST_F(StoreTest, DeletingAZoneRemovesAllItsRows) {
  make_zone("acme", "example.com.");
  make_zone("acme", "example.net.");
  {
    auto txn = store->begin_write();
    store->set_meta(txn, store->find_zone(txn, n("example.com."))->id, "ALLOW-AXFR-FROM",
                    {"127.0.0.1"});
    portfolio->delete_zone(txn, n("example.com."));
    txn.commit();
  }
  auto txn = store->begin_read();
  EXPECT_FALSE(store->find_zone(txn, n("example.com.")));
  size_t rows = 0;
  lmdb::Cursor c(txn, store->dbi().rrsets);
  for (bool ok = c.first(); ok; ok = c.next())
    ++rows;
  EXPECT_EQ(rows, 2u);  // example.net.'s SOA and NS
  lmdb::Cursor m(txn, store->dbi().meta);
  EXPECT_FALSE(m.first());
}

TEST_F(StoreTest, MetadataKeepsOrderAndReplaces) {
  make_zone("acme", "example.com.");
  auto txn = store->begin_write();
  uint32_t id = store->find_zone(txn, n("example.com."))->id;
  store->set_meta(txn, id, "ALSO-NOTIFY", {"192.0.2.1", "192.0.2.2"});
  store->set_meta(txn, id, "ALSO", {"x"});
  EXPECT_EQ(store->get_meta(txn, id, "ALSO-NOTIFY"),
            (std::vector<std::string>{"192.0.2.1", "192.0.2.2"}));
  store->set_meta(txn, id, "ALSO-NOTIFY", {"192.0.2.3"});
  EXPECT_EQ(store->get_meta(txn, id, "ALSO-NOTIFY"), (std::vector<std::string>{"192.0.2.3"}));
  auto all = store->all_meta(txn, id);
  EXPECT_EQ(all.size(), 2u);
  EXPECT_EQ(all["ALSO"], (std::vector<std::string>{"x"}));
}

TEST_F(StoreTest, AbortedWriteLeavesNothing) {
  {
    auto txn = store->begin_write();
    portfolio->create_tenant(txn, "ghost");
    // no commit: the destructor aborts
  }
  auto txn = store->begin_read();
  EXPECT_FALSE(store->find_tenant(txn, "ghost"));
}

TEST_F(StoreTest, ReadersSeeOnlyCommittedTransactions) {
  make_zone("acme", "example.com.");
  auto reader = store->begin_read();
  {
    auto txn = store->begin_write();
    portfolio->delete_zone(txn, n("example.com."));
    // The open reader still sees the zone while the writer has not committed, and after.
    EXPECT_TRUE(store->find_zone(reader, n("example.com.")));
    txn.commit();
  }
  EXPECT_TRUE(store->find_zone(reader, n("example.com.")));
  reader.renew();
  EXPECT_FALSE(store->find_zone(reader, n("example.com.")));
}

// Every reader slot taken: a clear error naming the cause, not LMDB's code.
TEST_F(StoreTest, ReaderSlotExhaustionIsAClearError) {
  std::vector<std::unique_ptr<lmdb::ReadTxn>> readers;
  try {
    for (unsigned i = 0; i <= lmdb::Env::kMaxReaders; ++i)
      readers.push_back(std::make_unique<lmdb::ReadTxn>(store->env()));
    FAIL() << "more read transactions than reader slots";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("every reader slot of the store is taken"),
              std::string::npos)
        << e.what();
  }
  readers.clear();
  EXPECT_NO_THROW(store->begin_read());
}

// A process killed while it held a read transaction leaves its slot taken; a running process
// frees it when it needs it (and once a minute anyway), not only at its next start.
TEST_F(StoreTest, SlotsOfKilledReadersAreReclaimedWhileRunning) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // A separate environment of the same store, as another process would open it.
    Store other(StoreOptions{dir.path(), uint64_t(1) << 30});
    lmdb::ReadTxn held(other.env());
    char c = 1;
    ssize_t n = write(ready[1], &c, 1);
    (void)n;
    pause();
    _exit(0);
  }
  char c;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  close(ready[0]);
  close(ready[1]);
  // All slots but the dead process's: the next reader only fits once that slot is reclaimed.
  std::vector<std::unique_ptr<lmdb::ReadTxn>> readers;
  for (unsigned i = 0; i + 1 < lmdb::Env::kMaxReaders; ++i)
    readers.push_back(std::make_unique<lmdb::ReadTxn>(store->env()));
  EXPECT_NO_THROW(readers.push_back(std::make_unique<lmdb::ReadTxn>(store->env())));
}

// Pages freed by a deleted zone are reusable: the high-water mark stays, but what a write can
// still take grows by them, so a store is not reported full because it once was.
TEST_F(StoreTest, FreedPagesCountAsAvailableSpace) {
  for (int i = 0; i < 20; ++i)
    make_zone("acme", "z" + std::to_string(i) + ".example.");
  lmdb::Env::Usage before;
  {
    auto txn = store->begin_read();
    before = store->env().usage(txn);
  }
  {
    auto txn = store->begin_write();
    for (int i = 0; i < 20; ++i)
      portfolio->delete_zone(txn, n("z" + std::to_string(i) + ".example."));
    txn.commit();
  }
  // One more commit lets LMDB record the previous transaction's pages as free.
  make_zone("acme", "late.example.");
  auto txn = store->begin_read();
  lmdb::Env::Usage after = store->env().usage(txn);
  EXPECT_GT(after.free_bytes, 0u);
  EXPECT_GE(after.used_bytes, before.used_bytes);
  EXPECT_EQ(after.available_bytes(), after.map_bytes - after.used_bytes + after.free_bytes);
}

TEST(StoreHealth, AFullStoreIsCriticalAndAFillingOneAWarning) {
  constexpr uint64_t kMiB = 1024 * 1024;
  auto at = [](uint64_t used, uint64_t free) {
    return assess_store(lmdb::Env::Usage{used, 100 * kMiB, free});
  };
  EXPECT_EQ(at(10 * kMiB, 0).status, HealthStatus::kOk);
  EXPECT_TRUE(at(10 * kMiB, 0).reason.empty());
  EXPECT_EQ(at(85 * kMiB, 0).status, HealthStatus::kWarning);
  StoreHealth full = at(97 * kMiB, 0);
  EXPECT_EQ(full.status, HealthStatus::kCritical);
  EXPECT_EQ(full.reason.rfind("store full: 3 MiB of 100 MiB available", 0), 0u) << full.reason;
  // Freed pages below the high-water mark count as room.
  EXPECT_EQ(at(97 * kMiB, 50 * kMiB).status, HealthStatus::kOk);
  // A tiny map is critical once less than 1 MiB is left, whatever the fraction.
  EXPECT_EQ(assess_store(lmdb::Env::Usage{3 * kMiB / 2, 2 * kMiB, 0}).status,
            HealthStatus::kCritical);
}
