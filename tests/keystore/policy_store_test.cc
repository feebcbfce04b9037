// SPDX-License-Identifier: GPL-2.0-or-later
//
// Policies have an owner (keystore/policy_store.hh), each rule written as the attack it stops: a
// tenant's policy cannot run a program or use the operator's credentials, cannot change what
// another tenant's zones follow, and a policy's TSIG secret never reaches the store in clear nor
// opens anywhere but for its own policy. Also: the schema 2 store's policies become global.
#include "keystore/policy_store.hh"

#include <sodium.h>

#include <fstream>
#include <sstream>

#include "keystore/dnssec.hh"
#include "signer/encoding.hh"
#include "signer/error.hh"
#include "tests/support/store_fixture.hh"

using namespace signet;
using signet::test::StoreTest;

namespace {

// A TSIG secret as an operator writes it (base64), and the bytes it stands for.
const std::string kSecret = "c2lnbmV0LXBvbGljeS1zdG9yZS10ZXN0LXNlY3JldA==";
const std::string kSecretBytes = "signet-policy-store-test-secret";

std::string text_of(const Secret& s) {
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

SigningPolicy plain(const std::string& name) {
  SigningPolicy p;
  p.name = name;
  return p;
}

SigningPolicy pushing(const std::string& name) {
  SigningPolicy p = plain(name);
  p.ds_submission = SigningPolicy::DsSubmission::kPush;
  p.ds_push.server = "192.0.2.53";
  p.ds_push.tsig_name = "ds-update.";
  p.ds_push.tsig_secret = kSecret;
  return p;
}

class PolicyStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    MasterKey::generate_file(dir.file("master.key"));
    master = std::make_unique<MasterKey>(MasterKey::load(dir.file("master.key")));
    policies =
        std::make_unique<PolicyStore>(*store, [this]() -> const MasterKey& { return *master; });
    make_zone("acme", "acme.example.");
    make_zone("globex", "globex.example.");
    auto txn = store->begin_read();
    acme = store->find_tenant(txn, "acme")->id;
    globex = store->find_tenant(txn, "globex")->id;
  }

  void put(uint32_t owner, const SigningPolicy& p, const std::string& yaml) {
    auto txn = store->begin_write();
    policies->put(txn, owner, p, yaml);
    txn.commit();
  }

  std::string yaml_of(uint32_t viewer, const std::string& name) {
    auto txn = store->begin_read();
    auto p = policies->visible(txn, viewer, name);
    return p ? p->record.yaml : "(none)";
  }

  std::string data_mdb() {
    policies.reset();
    portfolio.reset();
    store.reset();  // closed: everything is on disk
    std::ifstream in(dir.file("data.mdb"), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::unique_ptr<MasterKey> master;
  std::unique_ptr<PolicyStore> policies;
  uint32_t acme = 0, globex = 0;
};

}  // namespace

TEST_F(PolicyStoreTest, ATenantsPolicyCannotRunAProgramOrUseTheOperatorsCredentials) {
  SigningPolicy hook = plain("hooked");
  hook.ds_submission = SigningPolicy::DsSubmission::kHook;
  hook.ds_hook = "/tmp/evil";
  SigningPolicy push = pushing("pushed");
  SigningPolicy push_unsigned = plain("pushed-unsigned");
  push_unsigned.ds_push.server = "192.0.2.66";
  SigningPolicy probes = plain("probes");
  probes.parent_nameservers = {"10.0.0.1"};
  for (const auto& [p, key] :
       std::vector<std::pair<SigningPolicy, std::string>>{{hook, "ds-hook"},
                                                          {push, "ds-push"},
                                                          {push_unsigned, "ds-push"},
                                                          {probes, "parent-nameservers"}}) {
    EXPECT_EQ(operator_only_key(p), key) << p.name;
    auto txn = store->begin_write();
    try {
      policies->put(txn, acme, p, "(yaml)");
      ADD_FAILURE() << p.name << " was stored as acme's";
    } catch (const ScopeError& e) {
      EXPECT_NE(std::string(e.what()).find("'" + key + "'"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(policies->find(txn, acme, p.name)) << p.name;
  }
  // The operator's global policies may.
  put(kGlobalPolicyOwner, hook, "(hook)");
  put(kGlobalPolicyOwner, probes, "(probes)");
  EXPECT_EQ(yaml_of(acme, "hooked"), "(hook)");
  EXPECT_FALSE(operator_only_key(plain("x")));
}

TEST_F(PolicyStoreTest, ATenantCannotChangeOrShadowAGlobalPolicyOrAnotherTenants) {
  put(kGlobalPolicyOwner, plain("standard"), "(global)");
  put(globex, plain("own"), "(globex's)");
  // acme writes under both names: refused, a usage error naming whose it is not; nothing changes.
  for (const auto& [name, whose] : std::vector<std::pair<std::string, std::string>>{
           {"standard", "a global policy (the operator's)"}, {"own", "another tenant's policy"}}) {
    auto txn = store->begin_write();
    try {
      policies->put(txn, acme, plain(name), "(acme's)");
      ADD_FAILURE() << name << " was stored as acme's";
    } catch (const ScopeError& e) {
      EXPECT_EQ(std::string(e.what()), "policy '" + name + "' is " + whose +
                                           ": tenant 'acme' cannot change it; import yours under "
                                           "another name");
      // Another tenant's name is not disclosed.
      EXPECT_EQ(std::string(e.what()).find("globex"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(policies->find(txn, acme, name)) << name;
  }
  EXPECT_EQ(yaml_of(acme, "standard"), "(global)");
  EXPECT_EQ(yaml_of(globex, "standard"), "(global)");
  EXPECT_EQ(yaml_of(kGlobalPolicyOwner, "standard"), "(global)");
  EXPECT_EQ(yaml_of(globex, "own"), "(globex's)");
  // globex's policy is invisible to acme and to the global view.
  EXPECT_EQ(yaml_of(acme, "own"), "(none)");
  EXPECT_EQ(yaml_of(kGlobalPolicyOwner, "own"), "(none)");
  // The operator does not take a tenant's name either (its zones would stop seeing the global one).
  {
    auto txn = store->begin_write();
    EXPECT_THROW(policies->put(txn, kGlobalPolicyOwner, plain("own"), "(global own)"), Conflict);
  }
  // Its own names a tenant writes as often as it likes.
  put(acme, plain("mine"), "(acme's 1)");
  put(acme, plain("mine"), "(acme's 2)");
  put(kGlobalPolicyOwner, plain("standard"), "(global 2)");
  EXPECT_EQ(yaml_of(acme, "mine"), "(acme's 2)");
  EXPECT_EQ(yaml_of(acme, "standard"), "(global 2)");
  auto txn = store->begin_read();
  auto mine = policies->owned_by(txn, acme);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].name, "mine");
  EXPECT_EQ(policies->all(txn).size(), 3u);
}

TEST_F(PolicyStoreTest, ADeletedTenantsPoliciesGoWithIt) {
  put(acme, plain("mine"), "(acme's)");
  put(globex, plain("theirs"), "(globex's)");
  put(kGlobalPolicyOwner, plain("standard"), "(global)");
  {
    auto txn = store->begin_write();
    store->delete_zone(txn, *store->find_zone(txn, n("acme.example.")));
    store->delete_tenant(txn, *store->find_tenant(txn, "acme"));
    txn.commit();
  }
  auto txn = store->begin_read();
  EXPECT_FALSE(policies->find(txn, acme, "mine"));
  EXPECT_TRUE(policies->find(txn, globex, "theirs"));
  EXPECT_TRUE(policies->find(txn, kGlobalPolicyOwner, "standard"));
  EXPECT_EQ(policies->all(txn).size(), 2u);
}

TEST_F(PolicyStoreTest, BuiltInPoliciesAreReadOnly) {
  for (const auto& name : builtin_policy_names()) {
    auto txn = store->begin_write();
    EXPECT_THROW(policies->put(txn, kGlobalPolicyOwner, plain(name), "(y)"), Conflict) << name;
    EXPECT_THROW(policies->put(txn, acme, plain(name), "(y)"), Conflict) << name;
  }
}

TEST_F(PolicyStoreTest, TheTsigSecretIsSealedAndOpensOnlyForItsOwnPolicy) {
  put(kGlobalPolicyOwner, pushing("pushed"), "(no secret here)");
  {
    auto w = store->begin_write();
    Keyring(*store, *master).tenant_key(w, acme);  // acme has a data key to try
    w.commit();
  }
  auto txn = store->begin_read();
  auto stored = policies->find(txn, kGlobalPolicyOwner, "pushed");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->record.yaml, "(no secret here)");
  ASSERT_FALSE(stored->record.sealed_secret.empty());
  auto secret = policies->open_secret(txn, *stored);
  ASSERT_TRUE(secret);
  EXPECT_EQ(text_of(*secret), kSecret);
  // The sealed blob copied to another policy name or owner does not open.
  StoredPolicy renamed = *stored;
  renamed.name = "other";
  EXPECT_THROW(policies->open_secret(txn, renamed), CorruptionError);
  StoredPolicy moved = *stored;
  moved.owner = acme;
  EXPECT_THROW(policies->open_secret(txn, moved), CorruptionError);
  // Nor under another master key.
  MasterKey::generate_file(dir.file("other.key"));
  MasterKey other = MasterKey::load(dir.file("other.key"));
  PolicyStore elsewhere(*store, [&]() -> const MasterKey& { return other; });
  EXPECT_THROW(elsewhere.open_secret(txn, *stored), CorruptionError);
  // A policy without a secret has none to open.
  EXPECT_FALSE(policies->open_secret(txn, StoredPolicy{0, "plain", {}}));
}

TEST_F(PolicyStoreTest, ATenantsSecretIsSealedUnderItsOwnDataKey) {
  // (A tenant's policy cannot set ds-push; should one ever carry a secret, it is the tenant's.)
  Keyring ring(*store, *master);
  std::vector<uint8_t> sealed;
  {
    auto txn = store->begin_write();
    sealed = ring.seal_policy_secret(txn, acme, "p", codec::as_bytes(kSecret));
    txn.commit();
  }
  auto txn = store->begin_read();
  EXPECT_EQ(text_of(ring.open_policy_secret(txn, acme, "p", sealed)), kSecret);
  EXPECT_THROW(ring.open_policy_secret(txn, globex, "p", sealed), std::exception);
  EXPECT_THROW(ring.open_policy_secret(txn, kGlobalPolicyOwner, "p", sealed), CorruptionError);
  // Sealed under acme's data key, not the master key.
  Secret dk = ring.tenant_key(txn, acme);
  std::string ad = "signet/policy/1";
  codec::put_u32(ad, acme);
  ad += "p";
  auto opened = Keyring::open(dk, codec::as_bytes(ad), sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(text_of(*opened), kSecret);
}

TEST_F(PolicyStoreTest, AYamlThatCarriesTheSecretIsNeverStored) {
  auto txn = store->begin_write();
  EXPECT_THROW(policies->put(txn, kGlobalPolicyOwner, pushing("leaky"),
                             "ds-push: {tsig-secret: \"" + kSecret + "\"}"),
               InputError);
  EXPECT_FALSE(policies->find(txn, kGlobalPolicyOwner, "leaky"));
}

TEST_F(PolicyStoreTest, TheStoreFileNeverHoldsTheTsigSecret) {
  put(kGlobalPolicyOwner, pushing("pushed"), "(yaml)");
  // Replaced, and replaced again: freed pages count too.
  SigningPolicy changed = pushing("pushed");
  changed.ds_push.server = "192.0.2.54";
  put(kGlobalPolicyOwner, changed, "(yaml 2)");
  put(kGlobalPolicyOwner, pushing("pushed"), "(yaml 3)");
  std::string file = data_mdb();
  ASSERT_NE(file.find("(yaml 3)"), std::string::npos);  // the control: the scan sees the store
  EXPECT_EQ(file.find(kSecret), std::string::npos);
  EXPECT_EQ(file.find(kSecretBytes), std::string::npos);
}

TEST(TsigSecretFingerprint, IsTheFirstSixteenHexDigitsOfItsSha256) {
  // SHA-256("abc") = ba7816bf8f01cfea 414140de5dae2223... (FIPS 180-2, appendix B.1)
  EXPECT_EQ(tsig_secret_fingerprint(codec::as_bytes("abc")), "ba7816bf8f01cfea");
  EXPECT_NE(tsig_secret_fingerprint(codec::as_bytes("abd")), "ba7816bf8f01cfea");
}

TEST_F(StoreTest, ASchema2StoreOpensWithItsPoliciesGlobal) {
  const std::string legacy =
      "- name: legacy\n  ds-push: {server: \"192.0.2.1\", tsig-name: \"k.\", tsig-secret: "
      "\"c2VjcmV0\"}\n";
  {
    // The schema 2 layout: policies keyed by name, the YAML text as value.
    auto txn = store->begin_write();
    txn.put(store->dbi().sys, "schema", codec::u32_key(2));
    txn.put(store->dbi().policies, "legacy", legacy);
    txn.put(store->dbi().policies, "standard", "- name: standard\n");
    txn.commit();
  }
  reopen();
  auto txn = store->begin_read();
  EXPECT_EQ(store->schema_version(txn), 3u);
  PolicyStore policies(*store, []() -> const MasterKey& { throw Error("no master key needed"); });
  auto all = policies.all(txn);
  ASSERT_EQ(all.size(), 2u);
  for (const auto& p : all)
    EXPECT_EQ(p.owner, kGlobalPolicyOwner) << p.name;
  auto l = policies.find(txn, kGlobalPolicyOwner, "legacy");
  ASSERT_TRUE(l);
  // Kept as it was (the secret in it is read until the policy is imported again, which seals it).
  EXPECT_EQ(l->record.yaml, legacy);
  EXPECT_TRUE(l->record.sealed_secret.empty());
  EXPECT_EQ(policies.find(txn, kGlobalPolicyOwner, "standard")->record.yaml, "- name: standard\n");
  // Nothing is left under the old keys; a tenant sees them as the global ones.
  EXPECT_FALSE(txn.find(store->dbi().policies, "legacy"));
  EXPECT_TRUE(policies.visible(txn, 7, "standard"));
}
