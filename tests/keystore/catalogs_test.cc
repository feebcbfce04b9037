// SPDX-License-Identifier: GPL-2.0-or-later
// Catalog zones Signet produces (keystore/catalogs.hh): default membership, the tenant rule on
// who may be listed where, and what members inherit from their catalog.
#include "keystore/catalogs.hh"

#include <gtest/gtest.h>

#include "keystore/tsig_keys.hh"
#include "signer/error.hh"
#include "tests/support/store_fixture.hh"

namespace signet::test {
namespace {

class CatalogsTest : public StoreTest {
 protected:
  CatalogsTest() {
    auto txn = store->begin_write();
    portfolio->create_tenant(txn, "alice");
    portfolio->create_tenant(txn, "bob");
    portfolio->create_tenant(txn, "default");
    txn.commit();
  }

  // A producer catalog of `tenant`, `shared` or not, made the default of its tenant (or the
  // global one) when `make_default`.
  ZoneRecord catalog(const std::string& name, const std::string& tenant, bool shared,
                     bool make_default = true) {
    auto txn = store->begin_write();
    Catalogs c(*store, nullptr);
    ZoneRecord z = portfolio->create_zone(txn, tenant, n(name), ZoneKind::kProducer);
    c.make_producer(txn, z, shared, clock.now());
    if (make_default) {
      c.set_default(
          txn, shared ? std::nullopt : std::optional<TenantRecord>(portfolio->tenant(txn, tenant)),
          z);
    }
    txn.commit();
    return z;
  }

  ZoneRecord create(const std::string& tenant, const std::string& name) {
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->create_zone_with_soa(txn, tenant, n(name), {n("ns1.example.net.")});
    txn.commit();
    return zone(name);
  }

  ZoneRecord zone(const std::string& name) {
    auto txn = store->begin_read();
    return *store->find_zone(txn, n(name));
  }

  std::vector<std::string> member_names(const std::string& cat) {
    auto txn = store->begin_read();
    std::vector<std::string> out;
    for (const auto& z : Catalogs(*store, nullptr).members(txn, zone(cat)))
      out.push_back(z.name.to_text());
    return out;
  }
};

TEST_F(CatalogsTest, ANewZoneJoinsItsTenantsDefaultCatalogElseTheGlobalOne) {
  catalog("shared.catalog.", "default", true);
  catalog("alice.catalog.", "alice", false);
  create("alice", "a.example.");
  create("bob", "b.example.");
  EXPECT_EQ(member_names("alice.catalog."), std::vector<std::string>{"a.example."});
  EXPECT_EQ(member_names("shared.catalog."), std::vector<std::string>{"b.example."});
  // The kind stays as made (the backend NOTIFYs every member, whatever its kind).
  EXPECT_EQ(zone("a.example.").kind, ZoneKind::kNative);
}

TEST_F(CatalogsTest, WithNoCatalogANewZoneStaysNativeAndInNone) {
  ZoneRecord z = create("alice", "a.example.");
  EXPECT_EQ(z.catalog_id, 0u);
  EXPECT_EQ(z.kind, ZoneKind::kNative);
}

TEST_F(CatalogsTest, ADeletedZoneLeavesItsCatalog) {
  catalog("shared.catalog.", "default", true);
  create("alice", "a.example.");
  create("alice", "b.example.");
  auto txn = store->begin_write();
  portfolio->delete_zone(txn, n("a.example."));
  txn.commit();
  EXPECT_EQ(member_names("shared.catalog."), std::vector<std::string>{"b.example."});
}

// The attack: bob lists his zone in alice's catalog (or alice lists bob's zone in hers), so
// secondaries alice controls transfer it, or alice learns bob's zone names from her catalog.
TEST_F(CatalogsTest, AZoneCannotBeListedInAnotherTenantsCatalog) {
  ZoneRecord cat = catalog("alice.catalog.", "alice", false);
  ZoneRecord b = create("bob", "b.example.");
  auto txn = store->begin_write();
  Catalogs c(*store, nullptr);
  try {
    c.set_catalog(txn, b, cat);
    FAIL() << "bob's zone was listed in alice's catalog";
  } catch (const Conflict& e) {
    EXPECT_NE(std::string(e.what()).find("may not be listed in catalog 'alice.catalog.'"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(c.members(txn, cat).size(), 0u);
}

TEST_F(CatalogsTest, ATenantCatalogCannotBecomeTheGlobalDefault) {
  ZoneRecord cat = catalog("alice.catalog.", "alice", false, false);
  auto txn = store->begin_write();
  EXPECT_THROW(Catalogs(*store, nullptr).set_default(txn, std::nullopt, cat), Conflict);
  // Nor bob's default.
  EXPECT_THROW(Catalogs(*store, nullptr).set_default(txn, portfolio->tenant(txn, "bob"), cat),
               Conflict);
}

TEST_F(CatalogsTest, AZoneMovedToAnotherTenantLeavesTheOldTenantsCatalog) {
  catalog("alice.catalog.", "alice", false);
  ZoneRecord bobs = catalog("bob.catalog.", "bob", false);
  create("alice", "a.example.");
  auto txn = store->begin_write();
  portfolio->move_zone(txn, n("a.example."), "bob", false);
  txn.commit();
  EXPECT_TRUE(member_names("alice.catalog.").empty());
  EXPECT_EQ(zone("a.example.").catalog_id, bobs.id);  // the new tenant's default
}

TEST_F(CatalogsTest, ADeletedCatalogFreesItsMembersAndIsNoLongerADefault) {
  catalog("shared.catalog.", "default", true);
  create("alice", "a.example.");
  auto txn = store->begin_write();
  portfolio->delete_zone(txn, n("shared.catalog."));
  txn.commit();
  EXPECT_EQ(zone("a.example.").catalog_id, 0u);
  ZoneRecord later = create("alice", "later.example.");
  EXPECT_EQ(later.catalog_id, 0u);
}

TEST_F(CatalogsTest, ACatalogCannotBeAMemberOfACatalog) {
  ZoneRecord shared = catalog("shared.catalog.", "default", true);
  ZoneRecord other = catalog("other.catalog.", "default", true, false);
  EXPECT_EQ(zone("other.catalog.").catalog_id, 0u);  // did not join the default either
  auto txn = store->begin_write();
  EXPECT_THROW(Catalogs(*store, nullptr).set_catalog(txn, other, shared), InputError);
}

TEST_F(CatalogsTest, MemberOptionsAreCheckedFieldByField) {
  EXPECT_NO_THROW(Catalogs::check_options(R"({"producer":{"group":["eu"],"coo":"old.cat."}})"));
  EXPECT_NO_THROW(Catalogs::check_options(""));
  for (const char* bad :
       {R"([1])", R"({"producer":{"group":"eu"}})", R"({"producer":{"unique":"two.labels"}})",
        R"({"producer":{"x":1}})", R"({"other":{}})", "{"}) {
    EXPECT_THROW(Catalogs::check_options(bad), InputError) << bad;
  }
}

TEST_F(CatalogsTest, MembersInheritTheCatalogsAxfrKeysOnlyWhereTheirTenantMayUseThem) {
  ZoneRecord shared = catalog("shared.catalog.", "default", true);
  ZoneRecord a = create("alice", "a.example.");
  auto txn = store->begin_write();
  // Only the owners matter here: the rows go in without secrets.
  codec::TsigKeyRecord global{};
  global.owner = kGlobalTsigOwner;
  global.name = n("xfr-global.");
  global.algorithm = static_cast<uint8_t>(TsigAlgorithm::kHmacSha256);
  txn.put(store->dbi().tsig_keys, codec::tsig_key_key(global.name), codec::encode_tsig_key(global));
  codec::TsigKeyRecord own = global;
  own.owner = portfolio->tenant(txn, "default").id;
  own.name = n("xfr-default-tenant.");
  txn.put(store->dbi().tsig_keys, codec::tsig_key_key(own.name), codec::encode_tsig_key(own));
  store->set_meta(txn, shared.id, "TSIG-ALLOW-AXFR", {"xfr-global.", "xfr-default-tenant."});
  store->set_meta(txn, shared.id, "ALSO-NOTIFY", {"127.0.0.2:5300"});
  txn.commit();
  auto r = store->begin_read();
  Catalogs c(*store, nullptr);
  // alice's zone takes the global key, not the key of the tenant owning the shared catalog.
  EXPECT_EQ(c.effective_meta(r, a, "TSIG-ALLOW-AXFR"), std::vector<std::string>{"xfr-global."});
  EXPECT_EQ(c.effective_meta(r, a, "ALSO-NOTIFY"), std::vector<std::string>{"127.0.0.2:5300"});
  EXPECT_TRUE(c.effective_meta(r, a, "TSIG-ALLOW-DNSUPDATE").empty());
}

}  // namespace
}  // namespace signet::test
