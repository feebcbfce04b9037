// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/audit.hh"

#include <atomic>
#include <thread>

#include "tests/support/store_fixture.hh"

using namespace signet;
using signet::test::StoreTest;

namespace {

class AuditTest : public StoreTest {
 protected:
  void SetUp() override {
    audit = std::make_unique<AuditLog>(*store, clock, "tester");
    portfolio->set_audit(audit.get());
    make_zone("acme", "example.com.");  // tenant-created, zone-created (with its SOA and NS)
    edit("example.com.", [&](ZoneWriter& w) {
      w.add(n("www.example.com."), rrtype::A, 60, rd(rrtype::A, "192.0.2.1"));
    });
  }
  AuditVerdict verify() {
    auto txn = store->begin_read();
    return audit->verify(txn);
  }
  std::vector<AuditEntry> entries() {
    std::vector<AuditEntry> out;
    auto txn = store->begin_read();
    audit->for_each(txn, [&](const AuditEntry& e) { out.push_back(e); });
    return out;
  }
  std::string key(uint64_t seq) {
    std::string k;
    codec::put_u64(k, seq);
    return k;
  }
  std::unique_ptr<AuditLog> audit;
};

}  // namespace

TEST_F(AuditTest, ChangesAreRecordedWithActorTenantAndZone) {
  auto e = entries();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].kind, "tenant-created");
  EXPECT_EQ(e[1].kind, "zone-created");
  EXPECT_EQ(e[1].zone, "example.com.");
  EXPECT_EQ(e[2].kind, "zone-changed");
  EXPECT_EQ(e[2].actor, "tester");
  EXPECT_EQ(e[2].tenant, "acme");
  EXPECT_NE(e[2].detail.find("www.example.com. A added"), std::string::npos) << e[2].detail;
  EXPECT_TRUE(verify().ok());
}

TEST_F(AuditTest, ARolledBackChangeLeavesNoEntry) {
  {
    auto txn = store->begin_write();
    portfolio->create_tenant(txn, "ghost");
  }  // aborted
  EXPECT_EQ(entries().size(), 3u);
}

TEST_F(AuditTest, AnEditedEntryIsDetected) {
  auto txn = store->begin_write();
  auto v = txn.find(store->dbi().audit, key(2));
  std::string value(reinterpret_cast<const char*>(v->data()), v->size());
  value[10] ^= 1;  // flip a bit of the recorded tenant id
  txn.put(store->dbi().audit, key(2), value);
  txn.commit();
  AuditVerdict r = verify();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.problems[0].find("entry 2 was edited"), std::string::npos) << r.problems[0];
}

TEST_F(AuditTest, ADeletedEntryIsDetected) {
  auto txn = store->begin_write();
  txn.del(store->dbi().audit, key(2));
  txn.commit();
  AuditVerdict r = verify();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.problems[0].find("missing"), std::string::npos) << r.problems[0];
}

TEST_F(AuditTest, ATruncatedTailIsDetected) {
  auto txn = store->begin_write();
  txn.del(store->dbi().audit, key(3));
  txn.commit();
  AuditVerdict r = verify();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.problems[0].find("newest entries were removed"), std::string::npos) << r.problems[0];
}

// signetd serves requests on several threads at once: each thread's writes name its own token,
// never the one another thread is serving at the same moment.
TEST_F(AuditTest, AnActorScopeNamesTheActorOfItsOwnThreadOnly) {
  std::atomic<bool> inside{false}, done{false};
  std::string seen_by_other;
  std::thread other([&] {
    AuditLog::ActorScope scope("token:2");
    while (!inside.load())
      std::this_thread::yield();
    seen_by_other = audit->actor();
    done = true;
  });
  {
    AuditLog::ActorScope scope("token:1");
    inside = true;
    while (!done.load())
      std::this_thread::yield();
    EXPECT_EQ(audit->actor(), "token:1");
    {
      AuditLog::ActorScope inner("token:3");
      EXPECT_EQ(audit->actor(), "token:3");
    }
    EXPECT_EQ(audit->actor(), "token:1");
  }
  other.join();
  EXPECT_EQ(seen_by_other, "token:2");
  EXPECT_EQ(audit->actor(), "tester");
}
