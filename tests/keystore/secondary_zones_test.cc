// SPDX-License-Identifier: GPL-2.0-or-later
// Zones that arrive by transfer (keystore/secondary_zones.hh): what pdns is told to check, the
// two serials, signing in the transaction that stores the transfer, a signed upstream refused.
#include "keystore/secondary_zones.hh"

#include "signer/error.hh"
#include "tests/support/dnssec_fixture.hh"

using namespace signet;
using signet::test::DnssecStoreTest;

namespace {

class SecondaryZonesTest : public DnssecStoreTest {
 protected:
  void SetUp() override {
    DnssecStoreTest::SetUp();
    auto txn = store->begin_write();
    portfolio->create_tenant(txn, "acme");
    txn.commit();
  }

  ZoneRecord create(const std::optional<std::string>& policy,
                    std::vector<std::string> primaries = {"192.0.2.1:5300"}) {
    auto txn = store->begin_write();
    ZoneRecord z =
        zones.create(txn, *portfolio, *dnssec, "acme", n("example.net."), primaries, policy);
    txn.commit();
    return z;
  }

  // What pdns' AXFR-in does: a transaction that replaces the zone through a writer in transfer
  // mode, then the first-transfer securing, in that transaction.
  void transfer(uint32_t upstream_serial, const std::string& address = "192.0.2.80",
                uint16_t extra_type = 0) {
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.net."));
    ZoneWriter w(*store, txn, z, clock.now());
    w.set_hook(&dnssec->signing());
    w.clear();
    w.set_transfer_in();
    w.add(n("example.net."), rrtype::SOA, 300,
          rd(rrtype::SOA, "ns.example.net. h.example.net. " + std::to_string(upstream_serial) +
                              " 600 60 86400 300"));
    w.add(n("example.net."), rrtype::NS, 300, rd(rrtype::NS, "ns.example.net."));
    w.add(n("www.example.net."), rrtype::A, 300, rd(rrtype::A, address));
    if (extra_type == rrtype::RRSIG) {
      w.add(n("www.example.net."), rrtype::RRSIG, 300,
            rd(rrtype::RRSIG, "A 13 3 300 20270101000000 20261201000000 1 example.net. AAAA"));
    } else if (extra_type == rrtype::DNSKEY) {
      w.add(n("example.net."), rrtype::DNSKEY, 300,
            rd(rrtype::DNSKEY,
               "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAe"
               "F+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="));
    }
    w.finish();
    zones.secure_on_first_transfer(txn, z, *dnssec);
    txn.commit();
  }

  ZoneRecord zone() {
    auto txn = store->begin_read();
    return portfolio->zone(txn, n("example.net."));
  }

  std::vector<std::string> due(uint64_t at) {
    auto txn = store->begin_read();
    std::vector<std::string> out;
    for (const auto& u : zones.unfresh(txn, at))
      out.push_back(u.zone.name.to_text() + " " + u.primaries.at(0));
    return out;
  }

  void checked(uint64_t when) {
    auto txn = store->begin_write();
    zones.set_checked(txn, zone().id, when);
    txn.commit();
  }

  SecondaryZones zones{*store, nullptr};
};

TEST_F(SecondaryZonesTest, ANewSecondaryIsCheckedAtOnceThenAgainAfterItsSoaRefresh) {
  create(std::nullopt);
  EXPECT_EQ(due(clock.now()), std::vector<std::string>{"example.net. 192.0.2.1:5300"});
  transfer(7);
  checked(clock.now());                         // pdns: setFresh after the transfer
  EXPECT_TRUE(due(clock.now() + 599).empty());  // REFRESH 600
  EXPECT_EQ(due(clock.now() + 600).size(), 1u);
  checked(0);  // setStale: the primary did not answer; check again at the next pass
  EXPECT_EQ(due(clock.now()).size(), 1u);
}

TEST_F(SecondaryZonesTest, SignetsSerialMovesOnPastItsResignsWhileThePrimarysIsKept) {
  create(std::nullopt);
  transfer(100);
  EXPECT_EQ(zone().serial, 100u);  // ahead of nothing: the primary's
  EXPECT_EQ(zone().upstream_serial, 100u);
  EXPECT_TRUE(zone().flags & codec::kZoneUpstreamSerial);
  // Signet's serial runs ahead (re-signs, increase-serial) ...
  {
    auto txn = store->begin_write();
    portfolio->increase_serial(txn, n("example.net."));
    portfolio->increase_serial(txn, n("example.net."));
    txn.commit();
  }
  EXPECT_EQ(zone().serial, 102u);
  // ... then the primary moves to 101: behind Signet's 102, so stored as 103, and pdns' next
  // freshness check compares against 101.
  transfer(101, "192.0.2.81");
  EXPECT_EQ(zone().serial, 103u);
  EXPECT_EQ(zone().upstream_serial, 101u);
  EXPECT_EQ(rdata_texts("example.net.", "www.example.net.", rrtype::A),
            std::vector<std::string>{"192.0.2.81"});
  // A primary far ahead: its serial is taken as it is.
  transfer(5000);
  EXPECT_EQ(zone().serial, 5000u);
}

TEST_F(SecondaryZonesTest,
       AZoneCreatedWithAPolicyIsSignedInTheTransactionThatStoresItsFirstTransfer) {
  create(std::string("default"));
  EXPECT_FALSE(dnssec->state().find(store->begin_read(), zone().id).has_value());
  transfer(1);
  {
    auto txn = store->begin_read();
    ZoneRecord z = portfolio->zone(txn, n("example.net."));
    ASSERT_TRUE(dnssec->state().find(txn, z.id).has_value());
    auto report = dnssec->verifier().verify(txn, z);
    EXPECT_TRUE(report.problems.empty()) << report.problems.front();
    EXPECT_TRUE(store->get_meta(txn, z.id, kSignOnTransferMeta).empty());
  }
  // The next transfer is signed by the edit hook, in its transaction too.
  transfer(2, "192.0.2.99");
  auto again = store->begin_read();
  auto report2 = dnssec->verifier().verify(again, portfolio->zone(again, n("example.net.")));
  EXPECT_TRUE(report2.problems.empty()) << report2.problems.front();
}

TEST_F(SecondaryZonesTest, APrimarySendingASignedZoneIsRefusedAndTheZoneKeepsWhatItHad) {
  create(std::string("default"));
  transfer(1);
  for (uint16_t type : {rrtype::RRSIG, rrtype::DNSKEY}) {
    try {
      transfer(2, "192.0.2.66", type);
      ADD_FAILURE() << "a transfer with " << rrtype_to_text(type) << " was stored";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("the primary sends a signed zone"), std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find("example.net."), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(zone().upstream_serial, 1u);
  EXPECT_EQ(rdata_texts("example.net.", "www.example.net.", rrtype::A),
            std::vector<std::string>{"192.0.2.80"});
}

TEST_F(SecondaryZonesTest, CreationNamesABadPrimaryOrAnUnknownPolicyAndWritesNothing) {
  EXPECT_THROW(create(std::nullopt, {"ns1.example."}), InputError);
  EXPECT_THROW(create(std::nullopt, {}), InputError);
  EXPECT_THROW(create(std::string("no-such-policy")), NotFound);
  auto txn = store->begin_read();
  EXPECT_FALSE(store->find_zone(txn, n("example.net.")).has_value());
}

}  // namespace
