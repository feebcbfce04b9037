// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/portfolio.hh"

#include "signer/error.hh"
#include "tests/support/store_fixture.hh"

using namespace signet;
using signet::test::StoreTest;

TEST_F(StoreTest, DuplicateTenantIsAConflict) {
  auto txn = store->begin_write();
  portfolio->create_tenant(txn, "acme");
  EXPECT_THROW(portfolio->create_tenant(txn, "acme"), Conflict);
  EXPECT_THROW(portfolio->create_tenant(txn, "bad name"), InputError);
  EXPECT_THROW(portfolio->create_tenant(txn, "-dash"), InputError);
}

TEST_F(StoreTest, TenantOwningZonesCannotBeDeleted) {
  make_zone("acme", "example.com.");
  auto txn = store->begin_write();
  EXPECT_THROW(portfolio->delete_tenant(txn, "acme"), Conflict);
  portfolio->delete_zone(txn, n("example.com."));
  EXPECT_NO_THROW(portfolio->delete_tenant(txn, "acme"));
  EXPECT_THROW(portfolio->delete_tenant(txn, "acme"), NotFound);
}

TEST_F(StoreTest, DuplicateZoneIsAConflictNamingItsOwner) {
  make_zone("acme", "example.com.");
  auto txn = store->begin_write();
  portfolio->create_tenant(txn, "globex");
  try {
    portfolio->create_zone_with_soa(txn, "globex", n("example.com."), {});
    FAIL();
  } catch (const Conflict& e) {
    EXPECT_NE(std::string(e.what()).find("already exists (tenant 'acme')"), std::string::npos);
  }
}

TEST_F(StoreTest, UnknownTenantIsNotFound) {
  auto txn = store->begin_write();
  EXPECT_THROW(portfolio->create_zone_with_soa(txn, "nobody", n("example.com."), {}), NotFound);
}

TEST_F(StoreTest, ATenantCannotNestAZoneInsideAnotherTenantsZone) {
  make_zone("acme", "example.com.");
  auto txn = store->begin_write();
  portfolio->create_tenant(txn, "globex");
  EXPECT_THROW(portfolio->create_zone_with_soa(txn, "globex", n("shop.example.com."), {}),
               Conflict);
  EXPECT_THROW(portfolio->create_zone_with_soa(txn, "globex", n("com."), {}), Conflict);
  EXPECT_NO_THROW(portfolio->create_zone_with_soa(txn, "acme", n("shop.example.com."), {}));
}

TEST_F(StoreTest, ScopedPortfolioCannotTouchAnotherTenantsZone) {
  make_zone("acme", "example.com.");
  make_zone("globex", "globex.test.");
  portfolio->set_scope("globex");
  auto txn = store->begin_write();
  EXPECT_THROW(portfolio->zone(txn, n("example.com.")), Conflict);
  EXPECT_THROW(portfolio->delete_zone(txn, n("example.com.")), Conflict);
  EXPECT_THROW(portfolio->edit_zone(
                   txn, n("example.com."), [](ZoneWriter&) {}, true),
               Conflict);
  EXPECT_THROW(portfolio->zones(txn, std::string_view("acme")), Conflict);
  EXPECT_EQ(portfolio->zones(txn, std::nullopt).size(), 1u);
  EXPECT_EQ(portfolio->tenants(txn).size(), 1u);
}

TEST_F(StoreTest, ReplaceZoneOfAnotherTenantIsRefusedAndUnchanged) {
  make_zone("acme", "example.com.");
  auto txn = store->begin_write();
  portfolio->create_tenant(txn, "globex");
  EXPECT_THROW(portfolio->replace_zone(txn, "globex", n("example.com."), [](ZoneWriter&) {}),
               Conflict);
}

TEST_F(StoreTest, FailedReplaceKeepsTheOldContent) {
  make_zone("acme", "example.com.");
  {
    auto txn = store->begin_write();
    EXPECT_THROW(portfolio->replace_zone(txn, "acme", n("example.com."),
                                         [&](ZoneWriter& w) {
                                           w.add(n("example.com."), rrtype::SOA, 60,
                                                 rd(rrtype::SOA, "a. b. 9 1 1 1 1"));
                                           w.add(n("x.example.org."), rrtype::A, 60,
                                                 rd(rrtype::A, "192.0.2.1"));
                                         }),
                 InputError);
    // the caller never commits after an exception
  }
  EXPECT_EQ(rdata_texts("example.com.", "example.com.", rrtype::NS),
            (std::vector<std::string>{"ns1.example.com."}));
}

TEST_F(StoreTest, ReplaceZoneWithoutSoaIsRefused) {
  auto txn = store->begin_write();
  portfolio->create_tenant(txn, "acme");
  EXPECT_THROW(portfolio->replace_zone(txn, "acme", n("example.com."),
                                       [&](ZoneWriter& w) {
                                         w.add(n("www.example.com."), rrtype::A, 60,
                                               rd(rrtype::A, "192.0.2.1"));
                                       }),
               Conflict);
}

TEST_F(StoreTest, IncreaseSerialAddsOne) {
  make_zone("acme", "example.com.");
  auto txn = store->begin_write();
  uint32_t before = portfolio->zone(txn, n("example.com.")).serial;
  EXPECT_EQ(portfolio->increase_serial(txn, n("example.com.")), before + 1);
}
