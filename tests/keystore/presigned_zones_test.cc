// SPDX-License-Identifier: GPL-2.0-or-later
// Presigned zones (keystore/presigned_zones.hh): a transfer keeps the primary's signatures and
// builds the chain pdns will serve them with; a chain that is not the primary's, an unsigned
// transfer, edits outside a transfer and Signet's own signing are refused.
#include "keystore/presigned_zones.hh"

#include "keystore/health.hh"
#include "keystore/keyman.hh"
#include "keystore/secondary_zones.hh"
#include "keystore/zone_writer.hh"
#include "signer/error.hh"
#include "signer/rrtype.hh"
#include "tests/support/dnssec_fixture.hh"

using namespace signet;
using signet::test::DnssecStoreTest;

namespace {

const char* const kDnskey =
    "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eK"
    "GQ==";

class PresignedZonesTest : public DnssecStoreTest {
 protected:
  void SetUp() override {
    DnssecStoreTest::SetUp();
    auto txn = store->begin_write();
    portfolio->create_tenant(txn, "acme");
    ZoneRecord z = SecondaryZones(*store, nullptr)
                       .create(txn, *portfolio, *dnssec, "acme", n("example.net."), {"192.0.2.1"},
                               std::nullopt);
    presigned.mark(txn, z, false);
    txn.commit();
  }

  ZoneRecord zone() {
    auto txn = store->begin_read();
    return portfolio->zone(txn, n("example.net."));
  }

  // An RRSIG RDATA by key tag 4711 over `covered` (its signature is not checked here: validators
  // check the real ones, tests/integration/secondaries_test.cc).
  static std::vector<uint8_t> sig(const std::string& covered, unsigned labels) {
    return rd(rrtype::RRSIG, covered + " 13 " + std::to_string(labels) +
                                 " 300 20270101000000 20261201000000 4711 example.net. AAAA");
  }

  // The owner of the NSEC3 record of `name` under 1 0 0 - (RFC 5155 §5).
  static Name hashed(const std::string& name) {
    auto h = nsec3_hash(CanonicalName(n(name)), {}, 0);
    return n(base32hex(h) + ".example.net.");
  }

  // What pdns' AXFR-in does for a presigned zone: in one transaction, the primary's NSEC3
  // parameters if any (setNSEC3PARAM), the records through a writer in presigned transfer mode,
  // its RRSIGs to a PresignedTransfer; `skip` leaves out the link signature of that name.
  // `signed_nsec3`: what the primary's chain signatures cover, when not what pdns reported.
  PresignedTransfer::Stats transfer(bool nsec3, uint32_t serial, const std::string& skip = "",
                                    std::optional<bool> signed_nsec3 = std::nullopt,
                                    const std::string& extra_link = "") {
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.net."));
    presigned.set_denial(txn, z.id,
                         nsec3 ? std::optional<Nsec3Params>(Nsec3Params{}) : std::nullopt);
    ZoneWriter w(*store, txn, z, clock.now());
    w.set_hook(&dnssec->signing());
    w.clear();
    w.set_transfer_in(/*presigned=*/true);
    PresignedTransfer t(*store, txn, z);
    w.add(n("example.net."), rrtype::SOA, 300,
          rd(rrtype::SOA,
             "ns.example.net. h.example.net. " + std::to_string(serial) + " 600 60 86400 300"));
    w.add(n("example.net."), rrtype::NS, 300, rd(rrtype::NS, "ns.example.net."));
    w.add(n("example.net."), rrtype::DNSKEY, 300, rd(rrtype::DNSKEY, kDnskey));
    w.add(n("ns.example.net."), rrtype::A, 300, rd(rrtype::A, "192.0.2.53"));
    w.add(n("www.example.net."), rrtype::A, 300, rd(rrtype::A, "192.0.2.80"));
    // What pdns never feeds (it drops them), and a writer skips if it does.
    w.add(n("www.example.net."), rrtype::NSEC, 300, rd(rrtype::NSEC, "example.net. A RRSIG NSEC"));
    for (const char* type : {"SOA", "NS", "DNSKEY"})
      t.add_signature(n("example.net."), 300, sig(type, 2));
    t.add_signature(n("ns.example.net."), 300, sig("A", 3));
    t.add_signature(n("www.example.net."), 300, sig("A", 3));
    for (const char* name : {"example.net.", "ns.example.net.", "www.example.net."}) {
      if (skip == name)
        continue;
      if (signed_nsec3.value_or(nsec3))
        t.add_signature(hashed(name), 300, sig("NSEC3", 3));
      else
        t.add_signature(n(name), 300, sig("NSEC", n(name).label_count()));
    }
    if (!extra_link.empty())
      t.add_signature(hashed(extra_link), 300, sig("NSEC3", 3));
    if (nsec3)
      t.add_signature(n("example.net."), 300, sig("NSEC3PARAM", 2));
    w.finish();
    auto st = t.finish({}, clock.now());
    txn.commit();
    return st;
  }

  size_t count(MDB_dbi dbi) {
    auto txn = store->begin_read();
    size_t k = 0;
    std::string prefix = codec::zone_prefix(zone().id);
    lmdb::Cursor c(txn, dbi);
    for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix))
      ++k;
    return k;
  }

  PresignedZones presigned{*store, nullptr};
};

TEST_F(PresignedZonesTest, ATransferKeepsThePrimarysSignaturesSerialAndKeysAndBuildsItsNsecChain) {
  auto st = transfer(false, 2026120201);
  EXPECT_EQ(st.signatures, 8u);
  EXPECT_EQ(st.links, 3u);
  EXPECT_EQ(count(store->dbi().rrsigs), 8u);
  EXPECT_EQ(count(store->dbi().chain), 3u);
  // The SOA is the primary's, serial and all: its signature covers it.
  EXPECT_EQ(zone().serial, 2026120201u);
  EXPECT_EQ(zone().upstream_serial, 2026120201u);
  auto txn = store->begin_read();
  EXPECT_TRUE(store->get_rrset(txn, zone().id, {}, rrtype::DNSKEY));
  // Served as pdns' PRESIGNED mode reads it: NSEC, and no signing state of Signet's own.
  auto view = presigned_view(*store, txn, zone().id);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->denial, codec::Denial::kNsec);
  EXPECT_FALSE(dnssec->state().find(txn, zone().id));
}

TEST_F(PresignedZonesTest, AnNsec3TransferBuildsTheChainUnderThePrimarysHashedOwners) {
  auto st = transfer(true, 7);
  EXPECT_EQ(st.links, 3u);
  {
    auto txn = store->begin_read();
    auto view = presigned_view(*store, txn, zone().id);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->denial, codec::Denial::kNsec3);
  }
  // The next transfer replaces the signatures: none left over from the first.
  transfer(true, 8);
  EXPECT_EQ(count(store->dbi().rrsigs), 9u);
}

TEST_F(PresignedZonesTest, AChainThatIsNotThePrimarysIsRefusedNamingTheName) {
  try {
    transfer(true, 7, "www.example.net.");
    FAIL() << "a chain without the primary's signature was stored";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("www.example.net."), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("NSEC3 chain Signet serves (parameters 1 0 0 -)"), std::string::npos)
        << e.what();
  }
  // Another denial than pdns reported: no link has its signature.
  EXPECT_THROW(transfer(false, 7, "", /*signed_nsec3=*/true), InputError);
  // A link more than the chain Signet builds (the primary's has a name this one has not).
  try {
    transfer(true, 7, "", std::nullopt, "gone.example.net.");
    FAIL() << "a chain with a link of its own was stored";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(hashed("gone.example.net.").to_text()), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(count(store->dbi().rrsigs), 0u);
  EXPECT_EQ(count(store->dbi().rrsets), 0u);
}

TEST_F(PresignedZonesTest, AnUnsignedTransferIntoAPresignedZoneIsRefused) {
  auto txn = store->begin_write();
  ZoneRecord z = portfolio->zone(txn, n("example.net."));
  ZoneWriter w(*store, txn, z, clock.now());
  w.clear();
  w.set_transfer_in(true);
  w.add(n("example.net."), rrtype::SOA, 300,
        rd(rrtype::SOA, "ns.example.net. h.example.net. 1 600 60 86400 300"));
  w.finish();
  PresignedTransfer t(*store, txn, z);
  EXPECT_THROW(t.finish({}, clock.now()), InputError);
}

TEST_F(PresignedZonesTest, AnEditOutsideATransferIsRefused) {
  transfer(false, 5);
  auto txn = store->begin_write();
  ZoneRecord z = portfolio->zone(txn, n("example.net."));
  ZoneWriter w(*store, txn, z, clock.now());
  w.add(n("evil.example.net."), rrtype::A, 300, rd(rrtype::A, "192.0.2.66"));
  EXPECT_THROW(w.finish(), Conflict);
}

TEST_F(PresignedZonesTest, SignetDoesNotSignAPresignedZoneNorMarkOneItSigns) {
  transfer(false, 5);
  {
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.net."));
    auto policy = dnssec->policies().named(txn, z.tenant_id, "default");
    ASSERT_TRUE(policy);
    EXPECT_THROW(dnssec->signing().secure(txn, z, *policy), Conflict);
  }
  auto txn = store->begin_write();
  ZoneRecord primary = portfolio->create_zone_with_soa(txn, "acme", n("signed.example."), {});
  EXPECT_THROW(presigned.mark(txn, primary, false), Conflict);  // not a secondary zone
  ZoneRecord z = portfolio->zone(txn, n("example.net."));
  EXPECT_THROW(presigned.mark(txn, z, true), Conflict);  // Signet signs it
  // Unmarked: the primary's signatures and chain go, the data stays.
  presigned.unmark(txn, z);
  txn.commit();
  EXPECT_EQ(count(store->dbi().rrsigs), 0u);
  EXPECT_EQ(count(store->dbi().chain), 0u);
  EXPECT_GT(count(store->dbi().rrsets), 0u);
}

}  // namespace

namespace {

// A primary that stops re-signing is seen before validators fail the zone.
TEST_F(PresignedZonesTest, HealthWarnsWhenThePrimarysSignaturesNearTheirExpiry) {
  transfer(true, 5);
  KeyManager keyman(*store, *dnssec, clock, [](bool, const std::string&) {});
  auto assess = [&] {
    auto txn = store->begin_read();
    return assess_zone(keyman, *dnssec, *store, txn, zone(), "acme", clock.now());
  };
  ZoneHealth h = assess();
  EXPECT_EQ(h.status, HealthStatus::kOk);
  EXPECT_TRUE(h.presigned);
  EXPECT_FALSE(h.secured);
  EXPECT_EQ(h.denial, "NSEC3 1 0 0 -");
  EXPECT_EQ(h.earliest_expiry, 1798761600u);  // 2027-01-01, the test signatures' expiration
  EXPECT_EQ(h.reasons, std::vector<std::string>{"presigned by its primary"});
  clock.set(1798761600 - 2 * 86400);
  EXPECT_EQ(assess().status, HealthStatus::kWarning);
  clock.set(1798761600 - 3600);
  EXPECT_EQ(assess().status, HealthStatus::kCritical);
  clock.set(1798761600 + 1);
  h = assess();
  EXPECT_EQ(h.status, HealthStatus::kCritical);
  EXPECT_NE(h.reasons.front().find("expired"), std::string::npos);
}

}  // namespace
