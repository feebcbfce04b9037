// SPDX-License-Identifier: GPL-2.0-or-later
//
// Chunked whole-zone work (keystore/resign.hh) against a real store and a fake clock: a re-sign
// after a key change and every kind of denial change, with our own verification of the zone
// after every committed chunk, an edit between chunks, keys kept published until the re-sign
// completes, and a run stopped half-way (as a killed process) then resumed.
#include "keystore/resign.hh"

#include <map>
#include <set>

#include "keystore/dnssec.hh"
#include "keystore/refresher.hh"
#include "keystore/signing.hh"
#include "keystore/zone_ds.hh"
#include "signer/error.hh"
#include "signer/nsec3.hh"
#include "signer/rrsig.hh"
#include "tests/support/dnssec_fixture.hh"

using namespace signet;
using signet::test::DnssecStoreTest;

namespace {

constexpr int kNames = 150;

// Small chunks, so that a zone of a few hundred RRsets takes dozens of transactions.
ChunkLimits small_chunks() {
  ChunkLimits l;
  l.batch = 40;
  l.chunk_items = 16;
  return l;
}

struct Stop : std::runtime_error {
  Stop() : std::runtime_error("stopped as if killed") {}
};

class ResignTest : public DnssecStoreTest {
 protected:
  void SetUp() override {
    DnssecStoreTest::SetUp();
    make_zone("acme", "example.com.");
    edit("example.com.", [&](ZoneWriter& w) {
      for (int i = 0; i < kNames; ++i) {
        std::string h = "h" + std::to_string(i) + ".example.com.";
        w.add(n(h), rrtype::A, 300, rd(rrtype::A, "192.0.2." + std::to_string(i % 250)));
        if (i % 10 == 0)
          w.add(n("x." + h), rrtype::TXT, 300, rd(rrtype::TXT, "\"deep\""));
      }
      w.add(n("sub.example.com."), rrtype::NS, 300, rd(rrtype::NS, "ns.sub.example.com."));
      w.add(n("ns.sub.example.com."), rrtype::A, 300, rd(rrtype::A, "192.0.2.53"));
      w.add(n("insecure.example.com."), rrtype::NS, 300, rd(rrtype::NS, "ns.elsewhere.net."));
    });
  }

  void secure(const std::string& policy) {
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    dnssec->signing().secure(txn, z, *builtin_policy(policy), 2);
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

  void expect_valid(const std::string& when) {
    auto txn = store->begin_read();
    VerifyReport r = dnssec->verifier().verify(txn, zone());
    std::string p;
    for (const auto& x : r.problems)
      p += x + "\n";
    EXPECT_TRUE(r.ok()) << when << ":\n" << p;
  }

  // Runs the zone's pending work, verifying the zone after every chunk; `also` runs there too.
  // Returns the phases seen, one entry per chunk.
  std::vector<std::string> complete(const std::function<void(const ChunkProgress&)>& also = {}) {
    std::vector<std::string> phases;
    ChunkHook hook = [&](const ChunkProgress& p) {
      phases.push_back(p.phase);
      expect_valid("after chunk " + std::to_string(p.chunks) + " (" + p.phase + ")");
      if (also)
        also(p);
    };
    dnssec->signing().complete(zone().id, 2, hook, small_chunks());
    return phases;
  }

  // Key ids of every stored RRSIG of the zone, with how many each made.
  std::map<uint32_t, size_t> signatures_by_key(uint16_t covered = 0) {
    auto txn = store->begin_read();
    std::map<uint32_t, size_t> out;
    std::string prefix = codec::zone_prefix(zone().id);
    lmdb::Cursor c(txn, store->dbi().rrsigs);
    for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
      auto k = codec::split_rrsig_key(c.key_bytes());
      if (!covered || k.covered == covered)
        ++out[k.key_id];
    }
    return out;
  }
  size_t signatures_covering(uint16_t covered) {
    size_t n = 0;
    for (const auto& [id, count] : signatures_by_key(covered))
      n += count;
    return n;
  }
  // Rows of every chain generation of the zone, by generation.
  std::map<uint8_t, size_t> chain_rows() {
    auto txn = store->begin_read();
    std::map<uint8_t, size_t> out;
    std::string prefix = codec::zone_prefix(zone().id);
    lmdb::Cursor c(txn, store->dbi().chain);
    for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix))
      ++out[c.key_bytes()[4]];
    return out;
  }
  std::set<uint16_t> dnskey_tags() {
    std::set<uint16_t> out;
    auto txn = store->begin_read();
    if (auto v = store->get_rrset(txn, zone().id, {}, rrtype::DNSKEY)) {
      auto it = v->rdatas();
      std::span<const uint8_t> r;
      while (it.next(r))
        out.insert(key_tag(r));
    }
    return out;
  }
  std::vector<codec::KeyRecord> keys() {
    auto txn = store->begin_read();
    return dnssec->keys().list(txn, zone().id);
  }
  codec::KeyRecord key_with_role(KeyRole role) {
    for (const auto& k : keys()) {
      if (k.role == static_cast<uint8_t>(role))
        return k;
    }
    throw Error("no such key");
  }

  // A new ZSK active now; the old one stops signing now (removed at `old_remove`, 0: later).
  codec::KeyRecord change_zsk(uint64_t old_remove = 0) {
    clock.advance(10);
    uint64_t now = clock.now();
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    codec::KeyRecord old = key_with_role(KeyRole::kZsk);
    old.inactive = now;
    old.remove = old_remove;
    dnssec->keys().put(txn, old);
    codec::KeyRecord fresh = dnssec->keys().generate(
        txn, z, KeyRole::kZsk, static_cast<Algorithm>(old.algorithm), 2048, now, now);
    dnssec->signing().begin_resign(txn, z);
    txn.commit();
    return fresh;
  }

  void begin_denial(std::optional<Nsec3Params> p) {
    clock.advance(10);
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    ASSERT_TRUE(dnssec->signing().begin_denial(txn, z, p));
    txn.commit();
  }
};

TEST_F(ResignTest, ChunkedReSignAfterAZskChangeIsValidAtEveryChunkAndEndsWithTheNewKeyOnly) {
  secure("ksk-zsk");
  codec::KeyRecord old = key_with_role(KeyRole::kZsk);
  codec::KeyRecord fresh = change_zsk();
  size_t mixed = 0;
  auto phases = complete([&](const ChunkProgress&) {
    auto by = signatures_by_key();
    mixed += by.count(old.id) && by.count(fresh.id);
  });
  EXPECT_GT(phases.size(), 10u) << "the re-sign should take many transactions";
  EXPECT_GT(mixed, 5u) << "between chunks, old and new signatures coexist";
  auto by = signatures_by_key();
  EXPECT_EQ(by.count(old.id), 0u);
  EXPECT_GT(by[fresh.id], size_t(kNames));
  EXPECT_FALSE(state().has_pending_work());
  auto txn = store->begin_read();
  auto signers = dnssec->state().rollover(txn, zone().id).signers;
  std::sort(signers.begin(), signers.end());
  std::vector<uint32_t> want = {key_with_role(KeyRole::kKsk).id, fresh.id};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(signers, want);
}

TEST_F(ResignTest, AnEditBetweenChunksEndsUpSignedWithTheNewKey) {
  secure("ksk-zsk");
  codec::KeyRecord old = key_with_role(KeyRole::kZsk);
  codec::KeyRecord fresh = change_zsk();
  bool edited = false;
  complete([&](const ChunkProgress& p) {
    if (edited || p.chunks != 2)
      return;
    edited = true;
    // A name far ahead of the re-sign (prepared in a later snapshot) and one already prepared.
    edit("example.com.", [&](ZoneWriter& w) {
      w.replace(n("h99.example.com."), rrtype::A, 300, {rd(rrtype::A, "198.51.100.99")});
      w.replace(n("h1.example.com."), rrtype::A, 300, {rd(rrtype::A, "198.51.100.1")});
      w.add(n("new.example.com."), rrtype::TXT, 300, rd(rrtype::TXT, "\"new\""));
    });
  });
  ASSERT_TRUE(edited);
  expect_valid("after the re-sign");
  EXPECT_EQ(signatures_by_key().count(old.id), 0u);
  EXPECT_EQ(rdata_texts("example.com.", "h99.example.com.", rrtype::A),
            std::vector<std::string>{"198.51.100.99"});
}

TEST_F(ResignTest, ASignerPastItsRemoveTimeStaysPublishedUntilTheReSignCompletes) {
  secure("ksk-zsk");
  codec::KeyRecord old = key_with_role(KeyRole::kZsk);
  // The old ZSK's remove time is already past when the re-sign starts (a re-sign resumed late).
  codec::KeyRecord fresh = change_zsk(/*old_remove=*/clock.now() + 5);
  clock.advance(20);
  {
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    dnssec->signing().publish_keys(txn, z, *builtin_policy("ksk-zsk"), clock.now());
    txn.commit();
  }
  EXPECT_TRUE(dnskey_tags().count(old.tag)) << "removed while it may be an RRset's only signer";
  size_t boundaries = 0;
  complete([&](const ChunkProgress& p) {
    if (p.phase == "done")
      return;
    ++boundaries;
    EXPECT_TRUE(dnskey_tags().count(old.tag)) << "after chunk " << p.chunks;
  });
  EXPECT_GT(boundaries, 5u);
  EXPECT_FALSE(dnskey_tags().count(old.tag)) << "kept after the re-sign completed";
  EXPECT_TRUE(dnskey_tags().count(fresh.tag));
  expect_valid("after the re-sign");
}

TEST_F(ResignTest, ANewAlgorithmIsPublishedOnlyOnceEveryRRsetIsSignedWithIt) {
  secure("ksk-zsk");  // ECDSA P-256 (13)
  clock.advance(10);
  uint64_t now = clock.now();
  codec::KeyRecord ed;
  {
    // An algorithm rollover's new keys, published as soon as active (a planner that would not
    // wait): the DNSKEY RRset must still wait for the complete signing.
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    dnssec->keys().generate(txn, z, KeyRole::kKsk, Algorithm::kEd25519, 0, now, now);
    ed = dnssec->keys().generate(txn, z, KeyRole::kZsk, Algorithm::kEd25519, 0, now, now);
    dnssec->signing().begin_resign(txn, z);
    txn.commit();
  }
  EXPECT_FALSE(dnskey_tags().count(ed.tag));
  complete([&](const ChunkProgress& p) {
    if (p.phase != "done") {
      EXPECT_FALSE(dnskey_tags().count(ed.tag)) << "published after chunk " << p.chunks;
    }
  });
  EXPECT_TRUE(dnskey_tags().count(ed.tag));
  expect_valid("both algorithms");
}

TEST_F(ResignTest, NsecToNsec3ServesTheOldChainUntilOneSwitch) {
  secure("default-nsec");
  size_t nsec_sigs = signatures_covering(rrtype::NSEC);
  ASSERT_GT(nsec_sigs, size_t(kNames));
  begin_denial(nsec3_params_from_text("1 0 0 -"));
  bool switched = false;
  auto phases = complete([&](const ChunkProgress& p) {
    codec::DnssecRecord st = state();
    if (p.phase == "switch")
      switched = true;
    if (!switched) {
      EXPECT_EQ(st.denial, codec::Denial::kNsec) << "switched early, at chunk " << p.chunks;
      EXPECT_EQ(signatures_covering(rrtype::NSEC), nsec_sigs);
    } else {
      EXPECT_EQ(st.denial, codec::Denial::kNsec3);
    }
  });
  EXPECT_EQ(std::count(phases.begin(), phases.end(), "switch"), 1);
  EXPECT_GT(std::count(phases.begin(), phases.end(), "chain signatures"), 3);
  EXPECT_GT(std::count(phases.begin(), phases.end(), "garbage"), 3);
  EXPECT_EQ(signatures_covering(rrtype::NSEC), 0u) << "the old chain's signatures are collected";
  EXPECT_EQ(chain_rows().size(), 1u) << "one chain generation is left";
  EXPECT_FALSE(state().has_pending_work());
  expect_valid("NSEC3");
}

TEST_F(ResignTest, Nsec3SaltChangeKeepsTheLiveChainAndItsSignaturesUntilTheSwitch) {
  secure("default");  // NSEC3 1 0 0 -
  size_t live = signatures_covering(rrtype::NSEC3);
  begin_denial(nsec3_params_from_text("1 0 0 aabbccdd"));
  bool switched = false;
  complete([&](const ChunkProgress& p) {
    switched |= p.phase == "switch";
    if (!switched) {
      EXPECT_TRUE(state().salt.empty());
      EXPECT_GE(signatures_covering(rrtype::NSEC3), live);
    }
  });
  codec::DnssecRecord st = state();
  EXPECT_EQ(st.salt, (std::vector<uint8_t>{0xaa, 0xbb, 0xcc, 0xdd}));
  EXPECT_EQ(chain_rows().size(), 1u);
  // Exactly the live chain's signatures are left: one per record and zone-signing key.
  EXPECT_EQ(signatures_covering(rrtype::NSEC3), chain_rows().begin()->second);
  expect_valid("new salt");
}

TEST_F(ResignTest, Nsec3FlagsOnlyChangeGoesThroughAnotherSaltAndNeverOverwritesLiveSignatures) {
  secure("default");  // NSEC3 1 0 0 -
  begin_denial(nsec3_params_from_text("1 1 0 -"));
  {
    codec::DnssecRecord st = state();
    EXPECT_EQ(st.pending_flags, 1);
    EXPECT_FALSE(st.pending_salt.empty()) << "the same salt would hash to the live owners";
    EXPECT_TRUE(st.then_nsec3);
  }
  auto phases = complete();
  EXPECT_EQ(std::count(phases.begin(), phases.end(), "switch"), 2);
  codec::DnssecRecord st = state();
  EXPECT_EQ(st.nsec3_flags, 1);
  EXPECT_TRUE(st.salt.empty());
  EXPECT_FALSE(st.has_pending_work());
  EXPECT_EQ(chain_rows().size(), 1u);
  expect_valid("opt-out");
}

TEST_F(ResignTest, NsecBackToNsecAndAnEditDuringTheBuildIsInBothChains) {
  secure("default");
  begin_denial(std::nullopt);
  bool edited = false;
  complete([&](const ChunkProgress& p) {
    if (edited || p.phase != "chain")
      return;
    edited = true;
    edit("example.com.", [&](ZoneWriter& w) {
      w.add(n("zz-new.example.com."), rrtype::A, 300, rd(rrtype::A, "192.0.2.1"));
      w.remove(n("h7.example.com."), rrtype::A);
    });
  });
  ASSERT_TRUE(edited);
  EXPECT_EQ(state().denial, codec::Denial::kNsec);
  expect_valid("NSEC after an edit during the build");
}

TEST_F(ResignTest, AStoppedReSignLeavesAValidZoneAndTheNextRunFinishesIt) {
  secure("ksk-zsk");
  codec::KeyRecord old = key_with_role(KeyRole::kZsk);
  change_zsk();
  int n = 0;
  ChunkHook stop = [&](const ChunkProgress&) {
    if (++n == 4)
      throw Stop();
  };
  EXPECT_THROW(dnssec->signing().complete(zone().id, 2, stop, small_chunks()), Stop);
  expect_valid("stopped after 4 chunks");
  EXPECT_TRUE(state().resign_inception) << "the work stays recorded";
  EXPECT_GT(signatures_by_key()[old.id], 0u);
  // Another process's refresher resumes it once the lease has passed, not before.
  Refresher refresher(*store, *dnssec, clock, nullptr);
  refresher.run_once();
  EXPECT_TRUE(state().resign_inception) << "resumed while the lease holds";
  clock.advance(kWorkLease + 1);
  refresher.run_once();
  EXPECT_FALSE(state().has_pending_work());
  EXPECT_EQ(signatures_by_key().count(old.id), 0u);
  expect_valid("resumed");
}

TEST_F(ResignTest, AStoppedChainBuildKeepsTheOldChainAndTheNextRunSwitches) {
  secure("default");
  begin_denial(nsec3_params_from_text("1 0 5 cafe"));
  for (const char* at : {"chain", "chain signatures", "garbage"}) {
    ChunkHook stop = [&](const ChunkProgress& p) {
      if (p.phase == at)
        throw Stop();
    };
    try {
      dnssec->signing().complete(zone().id, 2, stop, small_chunks());
    } catch (const Stop&) {
    }
    expect_valid(std::string("stopped in ") + at);
    codec::DnssecRecord st = state();
    EXPECT_EQ(st.nsec3_iterations, std::string(at) == "garbage" ? 5 : 0) << at;
  }
  complete();
  EXPECT_FALSE(state().has_pending_work());
  EXPECT_EQ(chain_rows().size(), 1u);
  expect_valid("resumed");
}

TEST_F(ResignTest, ASecondDenialChangeAbandonsTheUnfinishedOne) {
  secure("default");
  begin_denial(nsec3_params_from_text("1 0 0 aa"));
  ChunkHook stop = [&](const ChunkProgress& p) {
    if (p.phase == "chain signatures")
      throw Stop();
  };
  EXPECT_THROW(dnssec->signing().complete(zone().id, 2, stop, small_chunks()), Stop);
  begin_denial(std::nullopt);
  EXPECT_TRUE(state().gc_gen) << "the abandoned chain is garbage";
  complete();
  EXPECT_EQ(state().denial, codec::Denial::kNsec);
  EXPECT_EQ(chain_rows().size(), 1u);
  EXPECT_EQ(signatures_covering(rrtype::NSEC3), 0u);
  expect_valid("NSEC");
}

TEST_F(ResignTest, OlderDnssecValuesDecodeWithTheDenialOctetAsTheirGeneration) {
  codec::DnssecRecord d;
  d.denial = codec::Denial::kNsec;
  std::string v = codec::encode_dnssec(d);
  // What a store written before chained generations holds: the value up to earliest_expiry.
  std::string old = v.substr(0, v.size() - (1 + 1 + 1 + 1 + 2 + 1 + 1 + 1 + 8 + 8 + 1 + 1 + 1));
  codec::DnssecRecord back = codec::decode_dnssec(codec::as_bytes(old));
  EXPECT_EQ(back.live_gen(), 1);
  EXPECT_FALSE(back.has_pending_work());
  d.chain_gen = 7;
  d.pending_gen = 9;
  d.pending_salt = {1, 2};
  d.gc_gen = 3;
  d.resign_inception = 42;
  d.then_nsec3 = true;
  d.then_salt = {5};
  d.refresh_open = true;
  back = codec::decode_dnssec(codec::as_bytes(codec::encode_dnssec(d)));
  EXPECT_EQ(back.live_gen(), 7);
  EXPECT_EQ(back.pending_gen, 9);
  EXPECT_EQ(back.pending_salt, (std::vector<uint8_t>{1, 2}));
  EXPECT_EQ(back.gc_gen, 3);
  EXPECT_EQ(back.resign_inception, 42u);
  EXPECT_TRUE(back.then_nsec3);
  EXPECT_EQ(back.then_salt, std::vector<uint8_t>{5});
  EXPECT_TRUE(back.refresh_open);
  // A value written before refresh_open: absent means no refresh left open.
  std::string v2 = codec::encode_dnssec(d);
  EXPECT_FALSE(codec::decode_dnssec(codec::as_bytes(v2.substr(0, v2.size() - 1))).refresh_open);
}

}  // namespace
