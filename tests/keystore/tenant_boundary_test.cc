// SPDX-License-Identifier: GPL-2.0-or-later
//
// The tenant boundary (keystore/tenant_boundary.hh), each rule written as the attack it stops.
// Every refused write must leave the store exactly as it was.
#include "keystore/tenant_boundary.hh"

#include "signer/error.hh"
#include "tests/support/legacy_store.hh"
#include "tests/support/store_fixture.hh"

using namespace signet;
using signet::test::StoreTest;

namespace {

class TenantBoundaryTest : public StoreTest {
 protected:
  // "zone tenant" lines of every zone, sorted: what a refused write must leave unchanged.
  std::vector<std::string> zones() {
    auto txn = store->begin_read();
    std::vector<std::string> out;
    for (const auto& z : portfolio->zones(txn, std::nullopt))
      out.push_back(z.name.to_text() + " " + portfolio->tenant_name(txn, z.tenant_id));
    std::sort(out.begin(), out.end());
    return out;
  }

  // A zone of `tenant` as a store from before the boundary rule could hold it.
  void legacy_zone(const std::string& tenant, const std::string& apex) {
    auto txn = store->begin_write();
    if (!store->find_tenant(txn, tenant))
      portfolio->create_tenant(txn, tenant);
    signet::test::insert_zone_bypassing_the_boundary(*store, txn,
                                                     store->find_tenant(txn, tenant)->id, n(apex));
    txn.commit();
    edit(apex, [&](ZoneWriter& w) {
      w.add(n(apex), rrtype::SOA, 3600,
            rd(rrtype::SOA, "ns1." + apex + " hostmaster." + apex + " 1 3600 600 86400 300"));
    });
  }

  template <class Fn>
  std::string conflict_of(Fn fn) {
    try {
      auto txn = store->begin_write();
      fn(txn);
      txn.commit();
    } catch (const Conflict& e) {
      return e.what();
    }
    return "(no conflict)";
  }

  static bool has(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
  }
};

}  // namespace

// The attack from issue 8: alice claims the parent of bob's zone and could then serve its DS.
TEST_F(TenantBoundaryTest, ATenantCannotCreateTheParentOfAnotherTenantsZone) {
  make_zone("bob", "b.example.com.");
  make_zone("alice", "a.example.com.");
  auto before = zones();
  std::string e = conflict_of([&](lmdb::WriteTxn& txn) {
    portfolio->create_zone_with_soa(txn, "alice", n("example.com."), {n("ns1.example.com.")});
  });
  // Refused although the first zone found below (a.example.com, alice's own) is no conflict.
  EXPECT_TRUE(has(e, "would contain zone 'b.example.com.' of another tenant")) << e;
  EXPECT_EQ(zones(), before);
}

TEST_F(TenantBoundaryTest, EveryDescendantIsCheckedNotJustTheFirst) {
  make_zone("alice", "a.y.example.net.");
  make_zone("alice", "b.y.example.net.");
  make_zone("bob", "z.y.example.net.");
  auto before = zones();
  std::string e = conflict_of(
      [&](lmdb::WriteTxn& txn) { portfolio->create_zone(txn, "alice", n("y.example.net.")); });
  EXPECT_TRUE(has(e, "'z.y.example.net.' of another tenant")) << e;
  e = conflict_of(
      [&](lmdb::WriteTxn& txn) { portfolio->create_zone(txn, "alice", n("example.net.")); });
  EXPECT_TRUE(has(e, "'z.y.example.net.' of another tenant")) << e;
  e = conflict_of([&](lmdb::WriteTxn& txn) { portfolio->create_zone(txn, "alice", n("net.")); });
  EXPECT_TRUE(has(e, "of another tenant")) << e;
  e = conflict_of([&](lmdb::WriteTxn& txn) { portfolio->create_zone(txn, "alice", Name()); });
  EXPECT_TRUE(has(e, "of another tenant")) << e;
  EXPECT_EQ(zones(), before);
}

TEST_F(TenantBoundaryTest, EveryAncestorIsCheckedNotJustTheClosest) {
  // A store from before the rule: bob's example.org holds alice's shop.example.org.
  make_zone("bob", "example.org.");
  legacy_zone("alice", "shop.example.org.");
  auto before = zones();
  // The closest zone above is alice's own; bob's, further up, still refuses it.
  std::string e = conflict_of([&](lmdb::WriteTxn& txn) {
    portfolio->create_zone(txn, "alice", n("deep.shop.example.org."));
  });
  EXPECT_TRUE(has(e, "would be inside zone 'example.org.' of another tenant")) << e;
  EXPECT_EQ(zones(), before);
}

TEST_F(TenantBoundaryTest, ATenantCannotCreateAZoneInsideAnotherTenantsZone) {
  make_zone("bob", "example.com.");
  make_zone("alice", "alice.test.");
  std::string e = conflict_of(
      [&](lmdb::WriteTxn& txn) { portfolio->create_zone(txn, "alice", n("login.example.com.")); });
  EXPECT_TRUE(has(e, "would be inside zone 'example.com.' of another tenant")) << e;
  // Loading a zone file creates the zone: the same rule.
  e = conflict_of([&](lmdb::WriteTxn& txn) {
    portfolio->replace_zone(txn, "alice", n("login.example.com."), [&](ZoneWriter& w) {
      w.add(n("login.example.com."), rrtype::SOA, 3600,
            rd(rrtype::SOA, "ns1.alice.test. h.alice.test. 1 3600 600 86400 300"));
    });
  });
  EXPECT_TRUE(has(e, "would be inside zone 'example.com.' of another tenant")) << e;
  // The tenant's own nesting is fine.
  EXPECT_NO_THROW(make_zone("bob", "shop.example.com."));
}

TEST_F(TenantBoundaryTest, MovingAZoneCannotCrossTheBoundaryEitherWay) {
  make_zone("alice", "example.org.");
  make_zone("alice", "shop.example.org.");
  make_zone("bob", "bob.test.");
  auto before = zones();
  std::string inner = conflict_of([&](lmdb::WriteTxn& txn) {
    portfolio->move_zone(txn, n("shop.example.org."), "bob", false);
  });
  EXPECT_TRUE(has(inner, "would be inside zone 'example.org.' of another tenant")) << inner;
  std::string outer = conflict_of(
      [&](lmdb::WriteTxn& txn) { portfolio->move_zone(txn, n("example.org."), "bob", false); });
  EXPECT_TRUE(has(outer, "would contain zone 'shop.example.org.' of another tenant")) << outer;
  EXPECT_EQ(zones(), before);
  // Unnested zones move freely.
  EXPECT_EQ(conflict_of([&](lmdb::WriteTxn& txn) {
              portfolio->move_zone(txn, n("bob.test."), "alice", false);
            }),
            "(no conflict)");
}

// A store from before the rule: alice's example.com around bob's b.example.com. Alice must not
// be able to write bob's DS (or anything else at or below his apex) into her zone.
TEST_F(TenantBoundaryTest, RecordsAtOrBelowAnotherTenantsZoneCutAreRefused) {
  make_zone("alice", "example.com.");
  legacy_zone("bob", "b.example.com.");
  make_zone("alice", "own.example.com.");
  auto ds =
      rd(rrtype::DS, "12345 13 2 F51E000000000000000000000000000000000000000000000000000000000000");
  auto ns = rd(rrtype::NS, "ns1.evil.test.");
  auto a = rd(rrtype::A, "192.0.2.66");
  std::vector<std::function<void(ZoneWriter&)>> attacks = {
      [&](ZoneWriter& w) { w.add(n("b.example.com."), rrtype::DS, 3600, ds); },
      [&](ZoneWriter& w) { w.add(n("b.example.com."), rrtype::NS, 3600, ns); },
      [&](ZoneWriter& w) { w.add(n("www.b.example.com."), rrtype::A, 3600, a); },
      [&](ZoneWriter& w) { w.replace(n("b.example.com."), rrtype::DS, 3600, {ds}); },
  };
  for (size_t i = 0; i < attacks.size(); ++i) {
    std::string e = conflict_of([&](lmdb::WriteTxn& txn) {
      portfolio->edit_zone(txn, n("example.com."), attacks[i], true);
    });
    EXPECT_TRUE(has(e, "at or below zone 'b.example.com.' of another tenant")) << i << ": " << e;
  }
  // A whole-zone load carrying such a record is refused too, naming the line.
  std::string e = conflict_of([&](lmdb::WriteTxn& txn) {
    portfolio->replace_zone(txn, "alice", n("example.com."), [&](ZoneWriter& w) {
      w.add(n("example.com."), rrtype::SOA, 3600,
            rd(rrtype::SOA, "ns1.example.com. h.example.com. 9 3600 600 86400 300"));
      w.add(n("b.example.com."), rrtype::DS, 3600, ds, Where{"example.com.zone", 7});
    });
  });
  EXPECT_TRUE(has(e, "(example.com.zone:7)")) << e;
  EXPECT_TRUE(rdata_texts("example.com.", "b.example.com.", rrtype::DS).empty());
  EXPECT_TRUE(rows("example.com.", "www.b.example.com.").empty());
  // A DS for the tenant's own child zone, and removals, are fine.
  EXPECT_NO_THROW(edit("example.com.", [&](ZoneWriter& w) {
    w.add(n("own.example.com."), rrtype::DS, 3600, ds);
    w.remove(n("b.example.com."), rrtype::DS);
  }));
}

TEST_F(TenantBoundaryTest, ScopedOperatorCannotCreateAZoneForAnotherTenant) {
  make_zone("bob", "bob.test.");
  make_zone("alice", "alice.test.");
  portfolio->set_scope("alice");
  auto txn = store->begin_write();
  EXPECT_THROW(portfolio->create_zone(txn, "bob", n("new.test.")), Conflict);
  EXPECT_THROW(portfolio->move_zone(txn, n("alice.test."), "bob", false), Conflict);
}
