// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/zone_writer.hh"

#include "signer/error.hh"
#include "tests/support/store_fixture.hh"

using namespace signet;
using signet::test::StoreTest;

class ZoneWriterTest : public StoreTest {
 protected:
  void SetUp() override { make_zone("acme", "example.com."); }
};

TEST_F(ZoneWriterTest, AddingADeepNameCreatesEmptyNonTerminals) {
  edit("example.com.", [&](ZoneWriter& w) {
    w.add(n("a.b.c.example.com."), rrtype::A, 300, rd(rrtype::A, "192.0.2.1"));
  });
  EXPECT_EQ(rows("example.com.", "b.c.example.com."), (std::set<std::string>{"ENT auth"}));
  EXPECT_EQ(rows("example.com.", "c.example.com."), (std::set<std::string>{"ENT auth"}));
  EXPECT_EQ(rows("example.com.", "a.b.c.example.com."), (std::set<std::string>{"A auth"}));
}

TEST_F(ZoneWriterTest, DeletingTheLastDescendantRemovesEmptyNonTerminals) {
  edit("example.com.", [&](ZoneWriter& w) {
    w.add(n("a.b.c.example.com."), rrtype::A, 300, rd(rrtype::A, "192.0.2.1"));
    w.add(n("x.c.example.com."), rrtype::A, 300, rd(rrtype::A, "192.0.2.2"));
  });
  edit("example.com.", [&](ZoneWriter& w) { w.remove(n("a.b.c.example.com."), rrtype::A); });
  EXPECT_TRUE(rows("example.com.", "b.c.example.com.").empty());
  EXPECT_EQ(rows("example.com.", "c.example.com."), (std::set<std::string>{"ENT auth"}));
  edit("example.com.", [&](ZoneWriter& w) { w.remove(n("x.c.example.com."), rrtype::A); });
  EXPECT_TRUE(rows("example.com.", "c.example.com.").empty());
}

TEST_F(ZoneWriterTest, ANameLosingItsDataButKeepingChildrenBecomesAnEnt) {
  edit("example.com.", [&](ZoneWriter& w) {
    w.add(n("b.example.com."), rrtype::TXT, 300, rd(rrtype::TXT, "\"x\""));
    w.add(n("a.b.example.com."), rrtype::A, 300, rd(rrtype::A, "192.0.2.1"));
  });
  EXPECT_EQ(rows("example.com.", "b.example.com."), (std::set<std::string>{"TXT auth"}));
  edit("example.com.", [&](ZoneWriter& w) { w.remove(n("b.example.com."), rrtype::TXT); });
  EXPECT_EQ(rows("example.com.", "b.example.com."), (std::set<std::string>{"ENT auth"}));
}

TEST_F(ZoneWriterTest, DelegationMakesNsAndGlueNonAuthButKeepsDsAuth) {
  edit("example.com.", [&](ZoneWriter& w) {
    w.add(n("sub.example.com."), rrtype::A, 300, rd(rrtype::A, "192.0.2.9"));
    w.add(n("ns.sub.example.com."), rrtype::A, 300, rd(rrtype::A, "192.0.2.1"));
    w.add(n("deep.x.sub.example.com."), rrtype::A, 300, rd(rrtype::A, "192.0.2.2"));
  });
  EXPECT_EQ(rows("example.com.", "ns.sub.example.com."), (std::set<std::string>{"A auth"}));
  edit("example.com.", [&](ZoneWriter& w) {
    w.add(n("sub.example.com."), rrtype::NS, 300, rd(rrtype::NS, "ns.sub.example.com."));
    w.add(n("sub.example.com."), rrtype::DS, 300,
          rd(rrtype::DS,
             "12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"));
  });
  EXPECT_EQ(rows("example.com.", "sub.example.com."),
            (std::set<std::string>{"A -", "NS -", "DS auth"}));
  EXPECT_EQ(rows("example.com.", "ns.sub.example.com."), (std::set<std::string>{"A -"}));
  EXPECT_EQ(rows("example.com.", "x.sub.example.com."), (std::set<std::string>{"ENT -"}));
  EXPECT_EQ(rows("example.com.", "deep.x.sub.example.com."), (std::set<std::string>{"A -"}));
  // Removing the delegation makes everything below authoritative again.
  edit("example.com.", [&](ZoneWriter& w) { w.remove(n("sub.example.com."), rrtype::NS); });
  EXPECT_EQ(rows("example.com.", "sub.example.com."), (std::set<std::string>{"A auth", "DS auth"}));
  EXPECT_EQ(rows("example.com.", "deep.x.sub.example.com."), (std::set<std::string>{"A auth"}));
  EXPECT_EQ(rows("example.com.", "x.sub.example.com."), (std::set<std::string>{"ENT auth"}));
}

TEST_F(ZoneWriterTest, GlueAddedUnderAnExistingDelegationIsNonAuth) {
  edit("example.com.", [&](ZoneWriter& w) {
    w.add(n("sub.example.com."), rrtype::NS, 300, rd(rrtype::NS, "ns.sub.example.com."));
  });
  edit("example.com.", [&](ZoneWriter& w) {
    w.add(n("ns.a.sub.example.com."), rrtype::A, 300, rd(rrtype::A, "192.0.2.1"));
  });
  EXPECT_EQ(rows("example.com.", "ns.a.sub.example.com."), (std::set<std::string>{"A -"}));
  EXPECT_EQ(rows("example.com.", "a.sub.example.com."), (std::set<std::string>{"ENT -"}));
}

TEST_F(ZoneWriterTest, CnameBesideOtherDataIsRefusedAndNothingChanges) {
  edit("example.com.", [&](ZoneWriter& w) {
    w.add(n("www.example.com."), rrtype::A, 300, rd(rrtype::A, "192.0.2.1"));
  });
  EXPECT_THROW(edit("example.com.",
                    [&](ZoneWriter& w) {
                      w.add(n("www.example.com."), rrtype::CNAME, 300,
                            rd(rrtype::CNAME, "other.example."));
                    }),
               Conflict);
  EXPECT_EQ(rows("example.com.", "www.example.com."), (std::set<std::string>{"A auth"}));
  // Replacing the A by a CNAME in one batch is fine: the check sees the final state.
  edit("example.com.", [&](ZoneWriter& w) {
    w.add(n("www.example.com."), rrtype::CNAME, 300, rd(rrtype::CNAME, "other.example."));
    w.remove(n("www.example.com."), rrtype::A);
  });
  EXPECT_EQ(rows("example.com.", "www.example.com."), (std::set<std::string>{"CNAME auth"}));
}

TEST_F(ZoneWriterTest, RecordOutsideTheZoneIsRefused) {
  try {
    edit("example.com.", [&](ZoneWriter& w) {
      w.add(n("www.example.net."), rrtype::A, 300, rd(rrtype::A, "192.0.2.1"), Where{"z.txt", 4});
    });
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("outside zone 'example.com.'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("(z.txt:4)"), std::string::npos);
  }
}

TEST_F(ZoneWriterTest, RRsetIsCanonicallyOrderedAndDeduplicated) {
  edit("example.com.", [&](ZoneWriter& w) {
    w.add(n("example.com."), rrtype::NS, 300, rd(rrtype::NS, "NS2.example.com."));
    w.add(n("example.com."), rrtype::NS, 300, rd(rrtype::NS, "ns1.EXAMPLE.com."));  // duplicate
    w.add(n("example.com."), rrtype::NS, 300, rd(rrtype::NS, "a.example.com."));
  });
  EXPECT_EQ(rdata_texts("example.com.", "example.com.", rrtype::NS),
            (std::vector<std::string>{"a.example.com.", "ns1.example.com.", "NS2.example.com."}));
}

TEST_F(ZoneWriterTest, TheSoaCannotBeRemovedOrDoubled) {
  EXPECT_THROW(
      edit("example.com.", [&](ZoneWriter& w) { w.remove(n("example.com."), rrtype::SOA); }),
      Conflict);
  EXPECT_THROW(edit("example.com.",
                    [&](ZoneWriter& w) {
                      w.add(n("example.com."), rrtype::SOA, 300,
                            rd(rrtype::SOA, "a. b. 1 2 3 4 5"));
                    }),
               Conflict);
  EXPECT_THROW(edit("example.com.",
                    [&](ZoneWriter& w) {
                      w.add(n("www.example.com."), rrtype::SOA, 300,
                            rd(rrtype::SOA, "a. b. 1 2 3 4 5"));
                    }),
               InputError);
}

TEST_F(ZoneWriterTest, EditsBumpTheSerialUnlessTheSoaWasWritten) {
  auto serial = [&] {
    auto txn = store->begin_read();
    return store->find_zone(txn, n("example.com."))->serial;
  };
  uint32_t s0 = serial();
  edit(
      "example.com.",
      [&](ZoneWriter& w) { w.add(n("x.example.com."), rrtype::A, 60, rd(rrtype::A, "192.0.2.7")); },
      true);
  EXPECT_EQ(serial(), s0 + 1);
  edit(
      "example.com.",
      [&](ZoneWriter& w) {
        w.replace(n("example.com."), rrtype::SOA, 60,
                  {rd(rrtype::SOA, "a. b. " + std::to_string(s0 + 77) + " 2 3 4 5")});
      },
      true);
  EXPECT_EQ(serial(), s0 + 77);
}

TEST_F(ZoneWriterTest, ASoaWrittenWithAnOlderSerialStillMovesTheSerialForward) {
  auto serial = [&] {
    auto txn = store->begin_read();
    return store->find_zone(txn, n("example.com."))->serial;
  };
  auto write_soa = [&](uint32_t s) {
    auto txn = store->begin_write();
    ZoneChange c = portfolio->edit_zone(
        txn, n("example.com."),
        [&](ZoneWriter& w) {
          w.replace(n("example.com."), rrtype::SOA, 60,
                    {rd(rrtype::SOA, "a. b. " + std::to_string(s) + " 2 3 4 5")});
        },
        false);
    txn.commit();
    return c.warnings;
  };
  write_soa(2026120105);
  // A zone file (or API client) from before: 2026120101 is behind 2026120105.
  auto warnings = write_soa(2026120101);
  EXPECT_EQ(serial(), 2026120106u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("behind"), std::string::npos) << warnings[0];
  // RFC 1982: a serial may wrap, in steps of less than 2^31: 4000000000 is after 2026120106,
  // and 5 after 4000000000; both are taken as written.
  EXPECT_TRUE(write_soa(4000000000u).empty());
  EXPECT_TRUE(write_soa(5).empty());
  EXPECT_EQ(serial(), 5u);
}

TEST_F(ZoneWriterTest, SignerGeneratedTypesAreSkippedWithAWarning) {
  auto txn = store->begin_write();
  auto z = store->find_zone(txn, n("example.com."));
  ZoneWriter w(*store, txn, *z, 1);
  w.add(n("example.com."), rrtype::NSEC3PARAM, 0, rd(rrtype::NSEC3PARAM, "1 0 0 -"));
  w.finish();
  txn.commit();
  ASSERT_EQ(w.warnings().size(), 1u);
  EXPECT_TRUE(rows("example.com.", "example.com.").count("NSEC3PARAM auth") == 0);
}

TEST_F(ZoneWriterTest, EditableTypesAtANameAreItsDataWithoutTheEntRow) {
  // What pdns' "delete all RRsets at a name" (RFC 2136 §2.5.3) removes through replaceRRSet(ANY).
  edit("example.com.", [&](ZoneWriter& w) {
    w.add(n("b.example.com."), rrtype::TXT, 300, rd(rrtype::TXT, "\"x\""));
    w.add(n("b.example.com."), rrtype::A, 300, rd(rrtype::A, "192.0.2.1"));
    w.add(n("a.c.example.com."), rrtype::A, 300, rd(rrtype::A, "192.0.2.2"));
  });
  edit("example.com.", [&](ZoneWriter& w) {
    EXPECT_EQ(w.editable_types_at(n("b.example.com.")),
              (std::vector<uint16_t>{rrtype::A, rrtype::TXT}));
    EXPECT_TRUE(w.editable_types_at(n("c.example.com.")).empty());  // an ENT
    EXPECT_TRUE(w.editable_types_at(n("nope.example.com.")).empty());
    EXPECT_TRUE(w.editable_types_at(n("example.net.")).empty());
    // Pending changes count: a name written in this batch shows its new types.
    w.add(n("b.example.com."), rrtype::MX, 300, rd(rrtype::MX, "10 mail.example.com."));
    w.remove(n("b.example.com."), rrtype::A);
    EXPECT_EQ(w.editable_types_at(n("b.example.com.")),
              (std::vector<uint16_t>{rrtype::MX, rrtype::TXT}));
  });
}
