// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/dnssec.hh"

#include <sys/stat.h>

#include <fstream>

#include "keystore/keyring.hh"
#include "keystore/signing.hh"
#include "signer/error.hh"
#include "signer/rrsig.hh"
#include "tests/support/dnssec_fixture.hh"

using namespace signet;
using signet::test::DnssecStoreTest;

namespace {

class DnssecTest : public DnssecStoreTest {
 protected:
  void SetUp() override {
    DnssecStoreTest::SetUp();
    make_zone("acme", "example.com.");
    edit("example.com.", [&](ZoneWriter& w) {
      w.add(n("www.example.com."), rrtype::A, 300, rd(rrtype::A, "192.0.2.80"));
      w.add(n("a.b.ent.example.com."), rrtype::TXT, 300, rd(rrtype::TXT, "\"deep\""));
      w.add(n("*.wild.example.com."), rrtype::A, 300, rd(rrtype::A, "192.0.2.90"));
      w.add(n("sub.example.com."), rrtype::NS, 300, rd(rrtype::NS, "ns.sub.example.com."));
      w.add(n("ns.sub.example.com."), rrtype::A, 300, rd(rrtype::A, "192.0.2.53"));
    });
  }

  void secure(const std::string& policy = "default") {
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    dnssec->signing().secure(txn, z, *builtin_policy(policy), 2);
    txn.commit();
  }

  VerifyReport verify() {
    auto txn = store->begin_read();
    return dnssec->verifier().verify(txn, portfolio->zone(txn, n("example.com.")));
  }

  uint32_t serial() {
    auto txn = store->begin_read();
    return portfolio->zone(txn, n("example.com.")).serial;
  }

  // Chain owners (relative, text) in chain order.
  std::vector<std::string> chain_owners() {
    auto txn = store->begin_read();
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    auto st = dnssec->state().find(txn, z.id);
    std::vector<std::string> out;
    std::string prefix = codec::chain_prefix(z.id, st->live_gen());
    lmdb::Cursor c(txn, store->dbi().chain);
    for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
      auto link = codec::decode_link(c.value());
      out.push_back(Name::concat(link.owner, Name()).to_text());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string problems(const VerifyReport& r) {
    std::string s;
    for (const auto& p : r.problems)
      s += p + "\n";
    return s;
  }
};

}  // namespace

TEST_F(DnssecTest, SecuringSignsEveryAuthoritativeRRsetAndTheChain) {
  uint32_t before = serial();
  secure();
  VerifyReport r = verify();
  EXPECT_TRUE(r.ok()) << problems(r);
  EXPECT_GT(r.rrsets, 5u);
  EXPECT_GT(r.links, 5u);
  EXPECT_EQ(serial(), before + 1);  // AXFR changed, so the serial did (RFC 1982)
  EXPECT_EQ(rows("example.com.", "example.com.").count("DNSKEY auth"), 1u);
  EXPECT_EQ(rows("example.com.", "example.com.").count("CDS auth"), 1u);
}

// The NSEC3 chain holds what pdns' synthesis covers: ENTs and the delegation yes, glue no.
TEST_F(DnssecTest, ANewKeyWhoseTagTheZoneAlreadyHasIsMadeAgain) {
  PrivateKey taken = PrivateKey::generate(Algorithm::kEcdsaP256Sha256, 0);
  PrivateKey fresh = PrivateKey::generate(Algorithm::kEcdsaP256Sha256, 0);
  int made = 0;
  dnssec->keys().set_generator([&](Algorithm, unsigned) { return ++made == 1 ? taken : fresh; });
  auto txn = store->begin_write();
  ZoneRecord z = portfolio->zone(txn, n("example.com."));
  auto first = dnssec->keys().add(txn, z, taken, KeyRole::kZsk, clock.now());
  // The generator hands out `taken` again first: same role, same tag — made again.
  auto second = dnssec->keys().generate(txn, z, KeyRole::kZsk, Algorithm::kEcdsaP256Sha256, 0,
                                        clock.now(), clock.now());
  EXPECT_EQ(made, 2);
  EXPECT_NE(second.tag, first.tag);
  EXPECT_EQ(second.tag, Keyring::tag_of(KeyRole::kZsk, fresh));
  EXPECT_EQ(dnssec->keys().list(txn, z.id).size(), 2u);
  // An imported key with a tag in use is still refused: the operator chose that key.
  EXPECT_THROW(dnssec->keys().add(txn, z, taken, KeyRole::kZsk, clock.now()), Conflict);
}

TEST_F(DnssecTest, Nsec3ChainCoversEntsAndDelegationsButNotGlue) {
  secure();
  EXPECT_EQ(chain_owners(), (std::vector<std::string>{"*.wild.", ".", "a.b.ent.", "b.ent.", "ent.",
                                                      "sub.", "wild.", "www."}));
}

TEST_F(DnssecTest, NsecChainLeavesOutEmptyNonTerminals) {
  secure("default-nsec");
  EXPECT_EQ(chain_owners(), (std::vector<std::string>{"*.wild.", ".", "a.b.ent.", "sub.", "www."}));
  EXPECT_TRUE(verify().ok());
}

class DnssecPolicyTest : public DnssecTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(DnssecPolicyTest, EveryAlgorithmAndKeyLayoutVerifies) {
  secure(GetParam());
  VerifyReport r = verify();
  EXPECT_TRUE(r.ok()) << GetParam() << ":\n" << problems(r);
  edit("example.com.", [&](ZoneWriter& w) {
    w.add(n("x.example.com."), rrtype::A, 60, rd(rrtype::A, "192.0.2.1"));
  });
  r = verify();
  EXPECT_TRUE(r.ok()) << GetParam() << " after an edit:\n" << problems(r);
}

INSTANTIATE_TEST_SUITE_P(Policies, DnssecPolicyTest,
                         ::testing::Values("ksk-zsk", "ecdsap384sha384", "ed25519", "ed448",
                                           "rsasha256"));

TEST_F(DnssecTest, AnEditIsSignedInTheSameTransactionAndBumpsTheSerial) {
  secure();
  uint32_t s0 = serial();
  edit("example.com.", [&](ZoneWriter& w) {
    w.add(n("new.deep.example.com."), rrtype::A, 60, rd(rrtype::A, "192.0.2.7"));
  });
  EXPECT_EQ(serial(), s0 + 1);
  VerifyReport r = verify();  // includes the NSEC3PARAM signature, which apex re-signing keeps
  EXPECT_TRUE(r.ok()) << problems(r);
  auto owners = chain_owners();
  EXPECT_NE(std::find(owners.begin(), owners.end(), "deep."), owners.end());  // the new ENT
  edit("example.com.", [&](ZoneWriter& w) { w.remove(n("new.deep.example.com."), rrtype::A); });
  owners = chain_owners();
  EXPECT_EQ(std::find(owners.begin(), owners.end(), "deep."), owners.end());
  EXPECT_TRUE(verify().ok());
}

// Found by fuzz_pdns_write: the NSEC3PARAM TTL is the SOA MINIMUM, so raising the MINIMUM above
// the SOA TTL (which leaves the negative TTL as it was) must still sign NSEC3PARAM again.
TEST_F(DnssecTest, AnSoaEditRaisingOnlyTheMinimumSignsNsec3paramWithTheNewTtl) {
  secure();
  edit("example.com.", [&](ZoneWriter& w) {
    w.replace(n("example.com."), rrtype::SOA, 3600,
              {make_soa_rdata(n("ns1.example.com."), n("hostmaster.example.com."), serial(), 10800,
                              3600, 604800, 0x7fffffff)});
  });
  VerifyReport r = verify();
  EXPECT_TRUE(r.ok()) << problems(r);
}

TEST_F(DnssecTest, ANewDelegationLeavesGlueAndNsUnsignedAndTheChainRight) {
  secure();
  edit("example.com.", [&](ZoneWriter& w) {
    w.add(n("www.example.com."), rrtype::NS, 60, rd(rrtype::NS, "ns.www.example.com."));
    w.add(n("ns.www.example.com."), rrtype::A, 60, rd(rrtype::A, "192.0.2.8"));
  });
  VerifyReport r = verify();
  EXPECT_TRUE(r.ok()) << problems(r);
  EXPECT_EQ(rows("example.com.", "www.example.com."), (std::set<std::string>{"A -", "NS -"}));
}

TEST_F(DnssecTest, SwitchingBetweenNsecAndNsec3KeepsTheZoneValid) {
  secure();
  {
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    dnssec->signing().set_denial(txn, z, std::nullopt);
    txn.commit();
  }
  EXPECT_TRUE(verify().ok());
  EXPECT_EQ(chain_owners().size(), 5u);
  {
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    dnssec->signing().set_denial(txn, z, nsec3_params_from_text("1 0 0 aabbccdd"));
    txn.commit();
  }
  VerifyReport r = verify();
  EXPECT_TRUE(r.ok()) << problems(r);
  // No chain records of the other kind are left behind.
  auto txn = store->begin_read();
  ZoneRecord z = portfolio->zone(txn, n("example.com."));
  lmdb::Cursor c(txn, store->dbi().chain);
  EXPECT_FALSE(
      c.seek_prefix(codec::chain_prefix(z.id, static_cast<uint8_t>(codec::Denial::kNsec))));
}

TEST_F(DnssecTest, OperatorsCannotEditTheManagedKeyRecords) {
  secure();
  EXPECT_THROW(
      edit("example.com.", [&](ZoneWriter& w) { w.remove(n("example.com."), rrtype::DNSKEY); }),
      InputError);
  EXPECT_THROW(edit("example.com.",
                    [&](ZoneWriter& w) {
                      w.replace(n("example.com."), rrtype::CDS, 60, {rd(rrtype::CDS, "0 0 0 00")});
                    }),
               InputError);
}

TEST_F(DnssecTest, RefreshResignsSignaturesNearingExpiryAndNothingElse) {
  secure();
  {
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    EXPECT_EQ(dnssec->signing().refresh(txn, z, SIZE_MAX).signatures, 0u);  // everything is fresh
  }
  uint32_t s0 = serial();
  clock.advance(11 * 86400);  // 14 d validity, refresh with 4 d left (minus up to 12 h jitter)
  {
    auto txn = store->begin_read();
    EXPECT_EQ(dnssec->state().due(txn, clock.now(), 10).size(), 1u);
  }
  {
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    EXPECT_GT(dnssec->signing().refresh(txn, z, SIZE_MAX).signatures, 5u);
    txn.commit();
  }
  EXPECT_EQ(serial(), s0 + 1);
  auto txn = store->begin_read();
  uint32_t earliest =
      dnssec->signing().earliest_expiration(txn, portfolio->zone(txn, n("example.com.")).id);
  EXPECT_GT(earliest, clock.now() + 10 * 86400);
  EXPECT_TRUE(dnssec->state().due(txn, clock.now(), 10).empty());
  EXPECT_TRUE(dnssec->verifier().verify(txn, portfolio->zone(txn, n("example.com."))).ok());
}

// A refresh in parts (the refresher's short transactions) whose process dies after a part that
// signed everything due, before the last part: the next run signs nothing, and still bumps the
// serial, so secondaries transfer the new signatures.
TEST_F(DnssecTest, ARefreshKilledBeforeItsLastPartStillEndsWithANewSerial) {
  secure();
  uint32_t s0 = serial();
  clock.advance(11 * 86400);
  {
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    EXPECT_GT(dnssec->signing().refresh(txn, z, SIZE_MAX, /*finish=*/false).signatures, 5u);
    txn.commit();  // then killed: the last part never runs
  }
  EXPECT_EQ(serial(), s0);
  {
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    EXPECT_EQ(dnssec->signing().refresh(txn, z, SIZE_MAX, /*finish=*/false).signatures, 0u);
    dnssec->signing().refresh(txn, z, SIZE_MAX, /*finish=*/true, 0);
    txn.commit();
  }
  EXPECT_EQ(serial(), s0 + 1);
  {
    // Finished: the next refresh with nothing to do leaves the serial alone.
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    dnssec->signing().refresh(txn, z, SIZE_MAX);
    txn.commit();
  }
  EXPECT_EQ(serial(), s0 + 1);
  auto txn = store->begin_read();
  EXPECT_TRUE(dnssec->verifier().verify(txn, portfolio->zone(txn, n("example.com."))).ok());
}

// Expirations spread per RRset so a portfolio never renews all at once.
TEST_F(DnssecTest, ExpirationsCarryAPerRRsetJitter) {
  SigningPolicy p = *builtin_policy("default");
  std::set<uint32_t> seen;
  for (const char* owner : {"a", "b", "c", "d", "e", "f", "g", "h"}) {
    Name nm = Name::from_text(owner, nullptr);
    uint32_t e = signature_expiration(p, 7, nm.relative_to(Name()), rrtype::A, 1000000);
    EXPECT_LE(e, 1000000u + p.validity);
    EXPECT_GE(e, 1000000u + p.validity - p.jitter);
    seen.insert(e);
  }
  EXPECT_GT(seen.size(), 4u);
  EXPECT_NE(signature_expiration(p, 7, {}, rrtype::SOA, 1000000),
            signature_expiration(p, 8, {}, rrtype::SOA, 1000000));
}

TEST_F(DnssecTest, ASealedKeyDoesNotOpenForAnotherZone) {
  secure();
  make_zone("acme", "example.net.");
  auto txn = store->begin_write();
  ZoneRecord com = portfolio->zone(txn, n("example.com."));
  ZoneRecord net = portfolio->zone(txn, n("example.net."));
  auto keys = dnssec->keys().list(txn, com.id);
  ASSERT_EQ(keys.size(), 1u);
  Keyring ring(*store, *master);
  EXPECT_NO_THROW(ring.open_key(txn, com, keys[0]));
  codec::KeyRecord moved = keys[0];
  moved.zone_id = net.id;  // the same blob, claimed by another zone
  EXPECT_THROW(ring.open_key(txn, net, moved), CorruptionError);
  codec::KeyRecord renumbered = keys[0];
  renumbered.id += 1;
  EXPECT_THROW(ring.open_key(txn, com, renumbered), CorruptionError);
}

TEST_F(DnssecTest, PrivateKeysAreNotStoredInTheClear) {
  secure();
  auto txn = store->begin_read();
  ZoneRecord z = portfolio->zone(txn, n("example.com."));
  auto k = dnssec->keys().list(txn, z.id).at(0);
  PrivateKey pk = Keyring(*store, *master).open_key(txn, z, k);
  Secret der = pk.to_der();
  std::string sealed(k.sealed.begin(), k.sealed.end());
  std::string clear(reinterpret_cast<const char*>(der.data()), der.size());
  EXPECT_EQ(sealed.find(clear.substr(clear.size() - 32)), std::string::npos);
}

TEST_F(DnssecTest, MasterKeyFileReadableByOthersIsRefused) {
  ::chmod(dir.file("master.key").c_str(), 0644);
  try {
    MasterKey::load(dir.file("master.key"));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("mode 0644"), std::string::npos) << e.what();
  }
  EXPECT_THROW(MasterKey::generate_file(dir.file("master.key")), InputError);  // never overwrites
  EXPECT_THROW(MasterKey::load(dir.file("missing.key")), InputError);
}

TEST_F(DnssecTest, AKeySetThatTheParentsDsNoLongerCoversIsRefused) {
  secure();
  auto txn = store->begin_write();
  ZoneRecord z = portfolio->zone(txn, n("example.com."));
  Keyring ring(*store, *master);
  auto k = dnssec->keys().list(txn, z.id).at(0);
  k.ds_seen = clock.now();
  ring.put_key(txn, k);
  // A new CSK alone would leave the DNSKEY RRset unsigned by the key the DS points to.
  k.inactive = clock.now();
  ring.put_key(txn, k);
  clock.advance(1);
  PrivateKey fresh = PrivateKey::generate(Algorithm::kEcdsaP256Sha256);
  EXPECT_THROW(dnssec->signing().import_key(txn, z, fresh, KeyRole::kCsk), Conflict);
}

TEST_F(DnssecTest, AKeyWhosePrivatePartDoesNotMatchItsDnskeySignsNothing) {
  secure();
  auto txn = store->begin_write();
  ZoneRecord z = portfolio->zone(txn, n("example.com."));
  auto k = dnssec->keys().list(txn, z.id).at(0);
  k.public_key[5] ^= 0x55;  // the DNSKEY now describes another key
  Keyring(*store, *master).put_key(txn, k);
  Dnssec fresh_cache(*store, clock, [this]() -> const MasterKey& { return *master; });
  EXPECT_THROW(fresh_cache.signing().sign(txn, z, 1), Error);
}

TEST_F(DnssecTest, TheKeyCacheOpensAKeyOnceUntilItIsErased) {
  secure();
  auto txn = store->begin_read();
  ZoneRecord z = portfolio->zone(txn, n("example.com."));
  auto k = dnssec->keys().list(txn, z.id).at(0);
  int opened = 0;
  PrivateKey key = PrivateKey::generate(Algorithm::kEcdsaP256Sha256);
  k.public_key = key.public_key();  // the opener below stands for the real one
  KeyCache cache([&](const lmdb::Txn&, const ZoneRecord&, const codec::KeyRecord&) {
    ++opened;
    return key;
  });
  cache.get_or_open(txn, z, k);
  cache.get_or_open(txn, z, k);
  EXPECT_EQ(opened, 1);
  cache.erase(z.id, k.id + 1);  // another key: this one stays
  cache.get_or_open(txn, z, k);
  EXPECT_EQ(opened, 1);
  cache.erase(z.id, k.id);
  EXPECT_EQ(cache.get_or_open(txn, z, k).public_key(), key.public_key());
  EXPECT_EQ(opened, 2);
}

TEST_F(DnssecTest, OnlyTheExactDsOfAKeyMatchesIt) {
  secure();
  auto txn = store->begin_read();
  ZoneRecord z = portfolio->zone(txn, n("example.com."));
  auto k = dnssec->keys().list(txn, z.id).at(0);
  CanonicalName apex(z.name);
  auto ds = ds_rdata(apex, dnskey_of(k), DigestType::kSha256);
  EXPECT_TRUE(ds_matches_key(apex, k, ds));
  EXPECT_TRUE(ds_matches_key(apex, k, ds_rdata(apex, dnskey_of(k), DigestType::kSha384)));
  auto other_digest = ds;
  other_digest.back() ^= 1;  // same tag and algorithm, not our key
  EXPECT_FALSE(ds_matches_key(apex, k, other_digest));
  auto unknown_digest = ds;
  unknown_digest[3] = 99;  // a digest type we do not compute proves nothing
  EXPECT_FALSE(ds_matches_key(apex, k, unknown_digest));
  EXPECT_FALSE(ds_matches_key(apex, k, std::vector<uint8_t>(ds.begin(), ds.begin() + 4)));
}

TEST_F(DnssecTest, MovingASecuredZoneResealsItsKeysUnderTheNewTenantsDataKey) {
  secure();
  {
    auto txn = store->begin_write();
    portfolio->create_tenant(txn, "initech");  // no data key yet: the move makes one
    portfolio->move_zone(txn, n("example.com."), "initech", false);
    txn.commit();
  }
  auto txn = store->begin_read();
  ZoneRecord z = portfolio->zone(txn, n("example.com."));
  Keyring ring(*store, *master);
  auto keys = ring.keys(txn, z.id);
  ASSERT_FALSE(keys.empty());
  uint32_t acme = store->find_tenant(txn, "acme")->id;
  for (const auto& k : keys) {
    // Opens as the new tenant's key...
    EXPECT_NO_THROW(ring.open_key(txn, z, k)) << k.tag;
    // ...and no longer as the old tenant's.
    ZoneRecord as_before = z;
    as_before.tenant_id = acme;
    EXPECT_THROW(ring.open_key(txn, as_before, k), CorruptionError) << k.tag;
  }
  txn.reset();
  // A fresh service (nothing cached) signs the moved zone, and it verifies.
  dnssec =
      std::make_unique<Dnssec>(*store, clock, [this]() -> const MasterKey& { return *master; });
  portfolio->set_edit_hook(&dnssec->signing());
  {
    auto w = store->begin_write();
    ZoneRecord zw = portfolio->zone(w, n("example.com."));
    dnssec->signing().sign(w, zw, 1);
    w.commit();
  }
  EXPECT_TRUE(verify().ok()) << problems(verify());
}

TEST_F(DnssecTest, MovingASecuredZoneWithoutTheMasterKeyChangesNothing) {
  secure();
  dnssec = std::make_unique<Dnssec>(*store, clock, []() -> const MasterKey& {
    throw InputError("master key file '/nonexistent' is missing");
  });
  portfolio->set_edit_hook(&dnssec->signing());
  {
    auto txn = store->begin_write();
    portfolio->create_tenant(txn, "initech");
    txn.commit();
  }
  {
    auto txn = store->begin_write();
    EXPECT_THROW(portfolio->move_zone(txn, n("example.com."), "initech", false), InputError);
  }
  auto txn = store->begin_read();
  EXPECT_EQ(portfolio->tenant_name(txn, portfolio->zone(txn, n("example.com.")).tenant_id), "acme");
}

// Key ids come from a counter in the store, so a transaction that aborts hands its ids out again.
// The per-process cache of unsealed keys must not give the key of an aborted transaction to the
// new key with the same id: the zone would be signed with a key its DNSKEY does not describe.
TEST_F(DnssecTest, AKeyCachedInAnAbortedTransactionIsNotUsedForItsSuccessor) {
  {
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    dnssec->signing().secure(txn, z, *builtin_policy("default"), 1);
    // not committed: aborts, the key ids go back
  }
  secure();
  VerifyReport r = verify();
  EXPECT_TRUE(r.ok()) << problems(r);
}

// The cache of unsealed keys is bounded (signet-key-cache-size): the least recently used key
// goes first, and a zone still signs afterwards (its keys are opened again).
TEST_F(DnssecTest, TheKeyCacheKeepsAtMostItsCapacityAndEvictedKeysOpenAgain) {
  dnssec->keys().cache().set_capacity(1);
  secure("ksk-zsk");  // two keys: one evicts the other
  auto stats = dnssec->keys().cache().stats();
  EXPECT_LE(stats.size, 1u);
  EXPECT_GT(stats.evictions, 0u);
  {
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    dnssec->signing().sign(txn, z, 1);
    txn.commit();
  }
  EXPECT_TRUE(verify().ok()) << problems(verify());
  dnssec->keys().cache().set_capacity(0);  // no caching at all: still signs
  {
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n("example.com."));
    dnssec->signing().sign(txn, z, 1);
    txn.commit();
  }
  EXPECT_EQ(dnssec->keys().cache().stats().size, 0u);
  EXPECT_TRUE(verify().ok()) << problems(verify());
}

TEST(ChainLinkBitmap, AliasIsLeftOutOfTheBitmapWhenPdnsExpandsAliases) {
  // pdns' emitNSEC3 with expand-alias=yes skips an ALIAS row of a PRESIGNED zone (and adds no A or
  // AAAA for it); with expand-alias=no it is an ordinary authoritative type.
  codec::DnssecRecord state;
  state.denial = codec::Denial::kNsec3;
  const std::vector<uint8_t> rel = {5, 'a', 'l', 'i', 'a', 's'};
  const uint8_t auth = codec::kAuth;
  std::vector<NameRow> alias_and_txt = {{rrtype::TXT, auth}, {rrtype::ALIAS, auth}};
  std::vector<NameRow> only_alias = {{rrtype::ALIAS, auth}};
  auto types = [&](const std::vector<NameRow>& rows, bool expand) {
    auto link = chain_link_for(state, rel, rows, BitmapRules{.expand_alias = expand});
    EXPECT_TRUE(link.has_value());
    return link ? link->types : std::vector<uint16_t>{};
  };
  EXPECT_EQ(types(alias_and_txt, false),
            (std::vector<uint16_t>{rrtype::TXT, rrtype::RRSIG, rrtype::ALIAS}));
  EXPECT_EQ(types(alias_and_txt, true), (std::vector<uint16_t>{rrtype::TXT, rrtype::RRSIG}));
  // pdns sets RRSIG from the name's RRSIG rows (the ALIAS RRset is signed), even with nothing else.
  EXPECT_EQ(types(only_alias, true), (std::vector<uint16_t>{rrtype::RRSIG}));
  std::vector<NameRow> glue_alias = {{rrtype::ALIAS, 0}};  // below a cut: not signed, no RRSIG
  EXPECT_FALSE(chain_link_for(state, rel, glue_alias, BitmapRules{.expand_alias = true}));
  state.denial = codec::Denial::kNsec;
  EXPECT_EQ(types(only_alias, true), (std::vector<uint16_t>{rrtype::RRSIG, rrtype::NSEC}));
}
