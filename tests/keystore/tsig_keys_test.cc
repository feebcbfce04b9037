// SPDX-License-Identifier: GPL-2.0-or-later
//
// TSIG keys in the store (keystore/tsig_keys.hh): sealed at rest (a whole data.mdb scan finds no
// secret), bound to owner and name, audited without the secret, one owner per name, and the one
// metadata rule written as the attacks it stops: a tenant naming another tenant's key in its
// zone's TSIG-ALLOW-DNSUPDATE / TSIG-ALLOW-AXFR / AXFR-MASTER-TSIG, a zone moved with such a name,
// a key deleted under a zone that still names it.
#include "keystore/tsig_keys.hh"

#include <sodium.h>

#include <fstream>
#include <sstream>

#include "keystore/policy_store.hh"
#include "tests/support/store_fixture.hh"

using namespace signet;
using signet::test::StoreTest;

namespace {

class TsigKeysTest : public StoreTest {
 protected:
  void SetUp() override {
    MasterKey::generate_file(dir.file("master.key"));
    master = std::make_unique<MasterKey>(MasterKey::load(dir.file("master.key")));
    audit = std::make_unique<AuditLog>(*store, clock, "tester");
    portfolio->set_audit(audit.get());
    keys = std::make_unique<TsigKeys>(
        *store, clock, [this]() -> const MasterKey& { return *master; }, audit.get());
    make_zone("acme", "acme.example.");
    make_zone("globex", "globex.example.");
    acme = tenant_id("acme");
    globex = tenant_id("globex");
  }

  uint32_t tenant_id(const std::string& name) {
    auto txn = store->begin_read();
    return store->find_tenant(txn, name)->id;
  }

  // Creates a key and returns its base64 secret (tests hold it in a std::string; Signet never
  // does).
  std::string create(uint32_t owner, const std::string& name,
                     TsigAlgorithm alg = kDefaultTsigAlgorithm) {
    auto txn = store->begin_write();
    CreatedTsigKey k = keys->create(txn, owner, n(name), alg);
    txn.commit();
    return std::string(reinterpret_cast<const char*>(k.secret_base64.data()),
                       k.secret_base64.size());
  }

  std::string secret_of(const std::string& name) {
    auto txn = store->begin_read();
    auto k = keys->find(txn, n(name));
    EXPECT_TRUE(k.has_value());
    Secret s = keys->open_base64(txn, *k);
    return std::string(reinterpret_cast<const char*>(s.data()), s.size());
  }

  void set_meta(const std::string& zone, const std::string& kind,
                const std::vector<std::string>& values) {
    auto txn = store->begin_write();
    store->set_meta(txn, store->find_zone(txn, n(zone))->id, kind, values);
    txn.commit();
  }

  std::vector<std::string> meta(const std::string& zone, const std::string& kind) {
    auto txn = store->begin_read();
    return store->get_meta(txn, store->find_zone(txn, n(zone))->id, kind);
  }

  void remove(const std::string& name) {
    auto txn = store->begin_write();
    keys->remove(txn, n(name));
    txn.commit();
  }

  std::vector<AuditEntry> audit_entries() {
    auto txn = store->begin_read();
    std::vector<AuditEntry> out;
    audit->for_each(txn, [&](const AuditEntry& e) { out.push_back(e); });
    return out;
  }

  std::string data_mdb() {
    keys.reset();
    portfolio.reset();
    store.reset();  // closed: everything is on disk
    std::ifstream in(dir.file("data.mdb"), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  static std::string raw(const std::string& b64) {
    std::string out(b64.size(), '\0');
    size_t len = 0;
    EXPECT_EQ(sodium_base642bin(reinterpret_cast<uint8_t*>(out.data()), out.size(), b64.data(),
                                b64.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL),
              0);
    out.resize(len);
    return out;
  }

  std::unique_ptr<MasterKey> master;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<TsigKeys> keys;
  uint32_t acme = 0, globex = 0;
};

// A message that tells the metadata rule refused; it names the key and the zone.
template <typename Fn>
std::string refusal(Fn fn) {
  try {
    fn();
  } catch (const ScopeError& e) {
    return e.what();
  } catch (const Error& e) {
    return std::string("(other error) ") + e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_F(TsigKeysTest, ACreatedKeyHasARandomSecretOfTheHmacLengthThatOpensAgain) {
  std::string a = create(acme, "acme-key.");
  std::string b = create(acme, "acme-key2.", TsigAlgorithm::kHmacSha512);
  EXPECT_EQ(raw(a).size(), 32u);
  EXPECT_EQ(raw(b).size(), 64u);
  EXPECT_NE(a, b);
  EXPECT_EQ(secret_of("acme-key."), a);
  EXPECT_EQ(secret_of("ACME-Key"), a);  // names are DNS names: case-insensitive, dot optional
  auto txn = store->begin_read();
  auto k = keys->find(txn, n("acme-key."));
  EXPECT_EQ(k->owner, acme);
  EXPECT_EQ(static_cast<TsigAlgorithm>(k->algorithm), TsigAlgorithm::kHmacSha256);
  EXPECT_EQ(k->created, clock.now());
}

TEST_F(TsigKeysTest, NoSecretIsInTheStoreFileNotEvenAfterReplacingAndDeleting) {
  std::string tenant_secret = create(acme, "acme-key.");
  std::string global_secret = create(kGlobalTsigOwner, "ops-key.");
  {
    auto txn = store->begin_write();
    keys->import(txn, kGlobalTsigOwner, n("imported."), TsigAlgorithm::kHmacSha256,
                 "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXh4eHg=");
    keys->import(txn, kGlobalTsigOwner, n("imported."), TsigAlgorithm::kHmacSha256,
                 "YW5vdGhlci1zZWNyZXQtYW5vdGhlci1zZWNyZXQteHg=");
    txn.commit();
  }
  std::string deleted = create(globex, "gone.");
  remove("gone.");
  std::string file = data_mdb();
  // The control: the scan sees the rows (the spelling of a key's name is kept in its value).
  ASSERT_NE(file.find("\x08"
                      "acme-key"),
            std::string::npos);
  for (const std::string& s : {tenant_secret, global_secret, deleted,
                               std::string("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXh4eHg="),
                               std::string("YW5vdGhlci1zZWNyZXQtYW5vdGhlci1zZWNyZXQteHg=")}) {
    EXPECT_EQ(file.find(s), std::string::npos) << "base64 secret in data.mdb";
    EXPECT_EQ(file.find(raw(s)), std::string::npos) << "raw secret in data.mdb";
  }
  EXPECT_EQ(file.find("secret-secret-secret"), std::string::npos);
}

TEST_F(TsigKeysTest, ASealedSecretMovedToAnotherOwnerOrNameDoesNotOpen) {
  create(acme, "acme-key.");
  create(globex, "globex-key.");
  auto txn = store->begin_write();
  auto a = *keys->find(txn, n("acme-key."));
  // A row edited to globex (or renamed) keeps a blob bound to acme and its name.
  auto moved = a;
  moved.owner = globex;
  EXPECT_THROW(keys->open_base64(txn, moved), CorruptionError);
  auto renamed = a;
  renamed.name = n("globex-key.");
  EXPECT_THROW(keys->open_base64(txn, renamed), CorruptionError);
  auto global = a;
  global.owner = kGlobalTsigOwner;
  EXPECT_THROW(keys->open_base64(txn, global), CorruptionError);
}

TEST_F(TsigKeysTest, ANameHasOneOwnerWhateverItsSpelling) {
  create(acme, "shared.");
  EXPECT_THROW(create(globex, "SHARED"), Conflict);
  EXPECT_THROW(create(kGlobalTsigOwner, "shared."), Conflict);
  auto txn = store->begin_write();
  // pdnsutil import-tsig-key (global) does not take over a tenant's key either.
  EXPECT_THROW(
      keys->import(txn, kGlobalTsigOwner, n("shared."), TsigAlgorithm::kHmacSha256, "c2VjcmV0"),
      Conflict);
  EXPECT_THROW(keys->create(txn, 999, n("orphan."), kDefaultTsigAlgorithm), NotFound);
}

TEST_F(TsigKeysTest, ImportReplacesAGlobalKeyAndRefusesWhatIsNotBase64) {
  auto txn = store->begin_write();
  keys->import(txn, kGlobalTsigOwner, n("k."), TsigAlgorithm::kHmacSha1, "c2VjcmV0");
  keys->import(txn, kGlobalTsigOwner, n("k."), TsigAlgorithm::kHmacSha512, "b3RoZXI=");
  EXPECT_THROW(
      keys->import(txn, kGlobalTsigOwner, n("bad."), TsigAlgorithm::kHmacSha256, "not base64!"),
      InputError);
  EXPECT_THROW(keys->import(txn, kGlobalTsigOwner, n("bad."), TsigAlgorithm::kHmacSha256, ""),
               InputError);
  txn.commit();
  EXPECT_EQ(secret_of("k."), "b3RoZXI=");
  auto r = store->begin_read();
  EXPECT_EQ(static_cast<TsigAlgorithm>(keys->find(r, n("k."))->algorithm),
            TsigAlgorithm::kHmacSha512);
  EXPECT_FALSE(keys->find(r, n("bad.")).has_value());
}

TEST_F(TsigKeysTest, CreationAndDeletionAreAuditedWithAFingerprintNeverTheSecret) {
  std::string secret = create(acme, "acme-key.");
  remove("acme-key.");
  auto entries = audit_entries();
  ASSERT_GE(entries.size(), 2u);
  const AuditEntry& made = entries[entries.size() - 2];
  const AuditEntry& gone = entries.back();
  EXPECT_EQ(made.kind, "tsig-key-created");
  EXPECT_EQ(made.tenant, "acme");
  EXPECT_NE(made.detail.find(tsig_secret_fingerprint(codec::as_bytes(secret))), std::string::npos)
      << made.detail;
  EXPECT_NE(made.detail.find("acme-key."), std::string::npos);
  EXPECT_EQ(gone.kind, "tsig-key-deleted");
  for (const auto& e : entries) {
    EXPECT_EQ(e.detail.find(secret), std::string::npos);
    EXPECT_EQ(e.detail.find(raw(secret)), std::string::npos);
  }
}

TEST_F(TsigKeysTest, AlgorithmsAreNamedAsPdnsNamesThem) {
  EXPECT_EQ(tsig_algorithm_from_name("hmac-sha256"), TsigAlgorithm::kHmacSha256);
  EXPECT_EQ(tsig_algorithm_from_name("HMAC-SHA512."), TsigAlgorithm::kHmacSha512);
  EXPECT_EQ(tsig_algorithm_from_name("hmac-md5.sig-alg.reg.int."), TsigAlgorithm::kHmacMd5);
  EXPECT_EQ(tsig_algorithm_from_name("hmac-sha384"), TsigAlgorithm::kHmacSha384);
  EXPECT_EQ(tsig_algorithm_from_name("hmac-sha1"), TsigAlgorithm::kHmacSha1);
  EXPECT_FALSE(tsig_algorithm_from_name("gss-tsig").has_value());
  EXPECT_FALSE(tsig_algorithm_from_name("sha256").has_value());
  EXPECT_EQ(tsig_algorithm_name(TsigAlgorithm::kHmacMd5), "hmac-md5");
}

// ------------------------------------------------------------------ the metadata rule as attacks

TEST_F(TsigKeysTest, AZoneMayNameItsOwnTenantsKeysAndGlobalOnes) {
  create(acme, "acme-key.");
  create(kGlobalTsigOwner, "ops-key.");
  set_meta("acme.example.", "TSIG-ALLOW-DNSUPDATE", {"acme-key.", "ops-key"});
  set_meta("acme.example.", "TSIG-ALLOW-AXFR", {"ACME-KEY."});
  set_meta("acme.example.", "AXFR-MASTER-TSIG", {"ops-key."});
  EXPECT_EQ(meta("acme.example.", "TSIG-ALLOW-DNSUPDATE"),
            (std::vector<std::string>{"acme-key.", "ops-key"}));
}

TEST_F(TsigKeysTest, AttackNamingAnotherTenantsKeyInEveryKindIsRefusedAndChangesNothing) {
  create(acme, "acme-key.");
  create(globex, "globex-key.");
  set_meta("globex.example.", "TSIG-ALLOW-DNSUPDATE", {"globex-key."});
  for (const char* kind :
       {"TSIG-ALLOW-DNSUPDATE", "TSIG-ALLOW-AXFR", "AXFR-MASTER-TSIG", "tsig-allow-dnsupdate"}) {
    SCOPED_TRACE(kind);
    std::string why = refusal([&] { set_meta("globex.example.", kind, {"acme-key."}); });
    EXPECT_NE(why.find("acme-key."), std::string::npos) << why;
    EXPECT_NE(why.find("globex.example."), std::string::npos) << why;
    EXPECT_EQ(why.rfind("(", 0), std::string::npos) << why;
    // Hidden among its own key, it is refused too; the whole write changes nothing.
    why = refusal([&] { set_meta("globex.example.", kind, {"globex-key.", "ACME-key"}); });
    EXPECT_NE(why.find("ACME-key"), std::string::npos) << why;
  }
  EXPECT_EQ(meta("globex.example.", "TSIG-ALLOW-DNSUPDATE"),
            std::vector<std::string>{"globex-key."});
  EXPECT_TRUE(meta("globex.example.", "TSIG-ALLOW-AXFR").empty());
}

TEST_F(TsigKeysTest, AttackNamingAKeyBeforeItExistsIsRefusedWithTheSameWords) {
  // Naming a key ahead of time would let its later creator (another tenant) update the zone; and
  // the words do not tell a missing key from another tenant's.
  create(acme, "acme-key.");
  std::string missing =
      refusal([&] { set_meta("globex.example.", "TSIG-ALLOW-AXFR", {"later."}); });
  std::string foreign =
      refusal([&] { set_meta("globex.example.", "TSIG-ALLOW-AXFR", {"acme-key."}); });
  EXPECT_NE(missing.rfind("(", 0), 0u) << missing;
  auto strip = [](std::string s, const std::string& name) {
    s.replace(s.find(name), name.size(), "K");
    return s;
  };
  EXPECT_EQ(strip(missing, "later."), strip(foreign, "acme-key."));
  EXPECT_THROW(set_meta("globex.example.", "TSIG-ALLOW-AXFR", {"bad..name"}), InputError);
  // Other kinds are not key names: untouched by the rule.
  set_meta("globex.example.", "ALSO-NOTIFY", {"192.0.2.1"});
}

TEST_F(TsigKeysTest, AttackMovingAZoneThatNamesItsTenantsKeyIsRefused) {
  create(acme, "acme-key.");
  create(kGlobalTsigOwner, "ops-key.");
  set_meta("acme.example.", "TSIG-ALLOW-DNSUPDATE", {"acme-key."});
  {
    auto txn = store->begin_write();
    EXPECT_THROW(portfolio->move_zone(txn, n("acme.example."), "globex", false), Conflict);
  }
  set_meta("acme.example.", "TSIG-ALLOW-DNSUPDATE", {"ops-key."});
  auto txn = store->begin_write();
  portfolio->move_zone(txn, n("acme.example."), "globex", false);
  txn.commit();
  // Now globex's: acme's key can no longer be named there.
  EXPECT_THROW(set_meta("acme.example.", "TSIG-ALLOW-DNSUPDATE", {"acme-key."}), ScopeError);
}

TEST_F(TsigKeysTest, DeletingAKeyAZoneStillNamesIsRefusedNamingTheZone) {
  create(acme, "acme-key.");
  set_meta("acme.example.", "TSIG-ALLOW-AXFR", {"Acme-Key"});
  try {
    remove("acme-key.");
    ADD_FAILURE() << "deleted";
  } catch (const Conflict& e) {
    EXPECT_NE(std::string(e.what()).find("acme.example."), std::string::npos) << e.what();
  }
  set_meta("acme.example.", "TSIG-ALLOW-AXFR", {});
  remove("acme-key.");
  auto txn = store->begin_read();
  EXPECT_FALSE(keys->find(txn, n("acme-key.")).has_value());
}

TEST_F(TsigKeysTest, DeletingATenantDeletesItsKeysAndFreesTheirNames) {
  create(acme, "acme-key.");
  create(globex, "globex-key.");
  {
    auto txn = store->begin_write();
    // Still owning zones: refused, its keys stay.
    EXPECT_THROW(portfolio->delete_tenant(txn, "acme"), Conflict);
  }
  {
    auto txn = store->begin_write();
    portfolio->delete_zone(txn, n("acme.example."));
    portfolio->delete_tenant(txn, "acme");
    txn.commit();
  }
  auto txn = store->begin_read();
  EXPECT_FALSE(keys->find(txn, n("acme-key.")).has_value());
  EXPECT_TRUE(keys->find(txn, n("globex-key.")).has_value());
  bool audited = false;
  audit->for_each(txn, [&](const AuditEntry& e) {
    audited |= e.kind == "tsig-key-deleted" && e.tenant == "acme";
  });
  EXPECT_TRUE(audited);
}

TEST(TsigKeyCodec, ARowRoundTripsAndATruncatedOneIsCorruption) {
  codec::TsigKeyRecord k;
  k.name = Name::from_text("Key.Example.");
  k.owner = 7;
  k.algorithm = 4;
  k.created = 1700000000;
  k.sealed = {1, 2, 3};
  std::string v = codec::encode_tsig_key(k);
  auto d = codec::decode_tsig_key(codec::as_bytes(v));
  EXPECT_EQ(d.name.to_text(), "Key.Example.");
  EXPECT_EQ(d.owner, 7u);
  EXPECT_EQ(d.algorithm, 4);
  EXPECT_EQ(d.created, 1700000000u);
  EXPECT_EQ(d.sealed, k.sealed);
  EXPECT_THROW(codec::decode_tsig_key(codec::as_bytes(v.substr(0, v.size() - 1))), CorruptionError);
  EXPECT_EQ(codec::tsig_key_key(Name::from_text("KEY.example")),
            codec::tsig_key_key(Name::from_text("key.Example.")));
}
