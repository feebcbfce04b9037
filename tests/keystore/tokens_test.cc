// SPDX-License-Identifier: GPL-2.0-or-later
//
// API tokens (keystore/tokens.hh): who a token is, what its role allows, and the attacks it must
// withstand — another tenant's id, a guessed or tampered secret, an expired or revoked token, an
// edited row, a store read by someone without the master key.
#include "keystore/tokens.hh"

#include <sodium.h>

#include <fstream>
#include <sstream>

#include "signer/encoding.hh"
#include "tests/support/store_fixture.hh"

using namespace signet;
using signet::test::StoreTest;
using Reason = TokenRejected::Reason;

namespace {

class TokensTest : public StoreTest {
 protected:
  void SetUp() override {
    MasterKey::generate_file(dir.file("master.key"));
    master = std::make_unique<MasterKey>(MasterKey::load(dir.file("master.key")));
    audit = std::make_unique<AuditLog>(*store, clock, "tester");
    portfolio->set_audit(audit.get());
    tokens = make_tokens(*master);
    make_zone("acme", "acme.example.");
    make_zone("globex", "globex.example.");
  }

  std::unique_ptr<Tokens> make_tokens(const MasterKey& key) {
    return std::make_unique<Tokens>(
        *store, clock, [&key]() -> const MasterKey& { return key; }, audit.get());
  }

  uint32_t tenant_id(const std::string& name) {
    auto txn = store->begin_read();
    return store->find_tenant(txn, name)->id;
  }

  // Creates a token and returns its text (tests hold it in a std::string; Signet never does).
  std::string create(std::optional<std::string> tenant, Role role, uint64_t expires = 0,
                     const std::string& comment = "") {
    auto txn = store->begin_write();
    Tokens::Request r;
    if (tenant)
      r.tenant_id = store->find_tenant(txn, *tenant)->id;
    r.role = role;
    r.expires = expires;
    r.comment = comment;
    IssuedToken t = tokens->create(txn, r);
    txn.commit();
    return std::string(reinterpret_cast<const char*>(t.text.data()), t.text.size());
  }

  // The reason `token` is rejected; fails the test when it authenticates.
  Reason rejection(const std::string& token, Tokens* with = nullptr) {
    try {
      (with ? with : tokens.get())->authenticate(token);
    } catch (const TokenRejected& e) {
      if (token.size() > 6) {
        EXPECT_EQ(std::string(e.what()).find(token.substr(6)), std::string::npos)
            << "message shows the token";
      }
      return e.reason();
    }
    ADD_FAILURE() << "token authenticated";
    return Reason::kUnknown;
  }

  std::optional<TokenRecord> row(uint32_t id) {
    auto txn = store->begin_read();
    return tokens->find(txn, id);
  }

  void put_row(const TokenRecord& r) {
    auto txn = store->begin_write();
    txn.put(store->dbi().tokens, codec::u32_key(r.id), codec::encode_token(r));
    txn.commit();
  }

  std::vector<AuditEntry> entries() {
    std::vector<AuditEntry> out;
    auto txn = store->begin_read();
    audit->for_each(txn, [&](const AuditEntry& e) { out.push_back(e); });
    return out;
  }

  // The 32 secret octets of a token's text.
  static std::string secret_of(const std::string& token) {
    std::string b64 = token.substr(token.find('_', 4) + 1);
    std::string out(32, '\0');
    size_t len = 0;
    EXPECT_EQ(sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                                b64.data(), b64.size(), nullptr, &len, nullptr,
                                sodium_base64_VARIANT_URLSAFE_NO_PADDING),
              0);
    EXPECT_EQ(len, 32u);
    return out;
  }

  static bool same_secret(const std::string& a, const std::string& b) {
    auto raw = [](const std::string& t) {
      std::string b64 = t.substr(t.find('_', 4) + 1), out(32, '\0');
      size_t len = 0;
      if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(),
                            b64.size(), nullptr, &len, nullptr,
                            sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return std::string("undecodable ") + t;
      return out;
    };
    return raw(a) == raw(b);
  }

  std::unique_ptr<MasterKey> master;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<Tokens> tokens;
};

}  // namespace

// ------------------------------------------------------------------ roles

TEST(RoleTest, EachRoleAllowsExactlyItsActions) {
  using A = Action;
  const A all[] = {A::kRead,          A::kEditZones,      A::kApproveRollover,
                   A::kManageTenants, A::kManagePolicies, A::kManageTokens};
  auto allowed = [&](Role r) {
    std::vector<A> out;
    for (A a : all)
      if (role_allows(r, a))
        out.push_back(a);
    return out;
  };
  EXPECT_EQ(allowed(Role::kViewer), std::vector<A>({A::kRead}));
  EXPECT_EQ(allowed(Role::kEditor), std::vector<A>({A::kRead, A::kEditZones}));
  EXPECT_EQ(allowed(Role::kApprover),
            std::vector<A>({A::kRead, A::kEditZones, A::kApproveRollover}));
  EXPECT_EQ(allowed(Role::kOperator), std::vector<A>(std::begin(all), std::end(all)));
}

TEST(RoleTest, NamesRoundTripAndUnknownNamesAreRefused) {
  for (Role r : {Role::kViewer, Role::kEditor, Role::kApprover, Role::kOperator})
    EXPECT_EQ(role_from_name(role_name(r)), r);
  EXPECT_FALSE(role_from_name("admin"));
  EXPECT_FALSE(role_from_name("Viewer"));
  EXPECT_FALSE(role_from_name(""));
}

TEST(RoleTest, AnIdentityActsOnlyOnTheTenantItCovers) {
  TokenIdentity editor{7, 3, Role::kEditor};
  EXPECT_TRUE(editor.allows(Action::kEditZones, 3));
  EXPECT_FALSE(editor.allows(Action::kEditZones, 4));
  EXPECT_FALSE(editor.allows(Action::kRead, 4));
  EXPECT_FALSE(editor.allows(Action::kManageTokens, 3));
  EXPECT_EQ(editor.actor(), "token:7");
  TokenIdentity op{8, std::nullopt, Role::kOperator};
  EXPECT_TRUE(op.is_operator());
  EXPECT_TRUE(op.allows(Action::kManageTenants, 3));
  EXPECT_TRUE(op.allows(Action::kEditZones, 4));
}

// ------------------------------------------------------------------ create and authenticate

TEST_F(TokensTest, ANewTokenAuthenticatesAsItsTenantAndRole) {
  std::string t = create("acme", Role::kEditor);
  ASSERT_EQ(t.rfind("sgt_1_", 0), 0u) << t;
  EXPECT_EQ(t.size(), 6u + 43u);  // 32 octets in unpadded base64url
  TokenIdentity id = tokens->authenticate(t);
  EXPECT_EQ(id.token_id, 1u);
  EXPECT_EQ(id.tenant_id, tenant_id("acme"));
  EXPECT_EQ(id.role, Role::kEditor);
  EXPECT_TRUE(id.covers(tenant_id("acme")));
  EXPECT_FALSE(id.covers(tenant_id("globex")));
}

TEST_F(TokensTest, AnOperatorTokenCoversEveryTenant) {
  std::string t = create(std::nullopt, Role::kOperator);
  TokenIdentity id = tokens->authenticate(t);
  EXPECT_TRUE(id.is_operator());
  EXPECT_EQ(id.role, Role::kOperator);
  EXPECT_TRUE(id.allows(Action::kManageTokens, tenant_id("acme")));
  EXPECT_TRUE(id.allows(Action::kEditZones, tenant_id("globex")));
}

TEST_F(TokensTest, TwoTokensNeverShareASecret) {
  std::string a = create("acme", Role::kViewer), b = create("acme", Role::kViewer);
  EXPECT_NE(secret_of(a), secret_of(b));
}

TEST_F(TokensTest, RolesAndTenantsThatDoNotFitAreRefused) {
  auto txn = store->begin_write();
  Tokens::Request r;
  r.tenant_id = tenant_id("acme");
  r.role = Role::kOperator;  // the operator role is every tenant's
  EXPECT_THROW(tokens->create(txn, r), InputError);
  r.tenant_id.reset();
  r.role = Role::kEditor;  // a token without a tenant is an operator token
  EXPECT_THROW(tokens->create(txn, r), InputError);
  r.tenant_id = 999;
  EXPECT_THROW(tokens->create(txn, r), NotFound);
  r.tenant_id = tenant_id("acme");
  r.expires = clock.now();
  EXPECT_THROW(tokens->create(txn, r), InputError);
}

// ------------------------------------------------------------------ attacks

TEST_F(TokensTest, ATokenOfOneTenantNeverAuthenticatesAsAnother) {
  std::string a = create("acme", Role::kEditor);
  std::string b = create("globex", Role::kViewer);
  EXPECT_EQ(tokens->authenticate(a).tenant_id, tenant_id("acme"));
  EXPECT_EQ(tokens->authenticate(b).tenant_id, tenant_id("globex"));
  // acme's secret presented under globex's id, and the other way round.
  std::string a_secret = a.substr(a.find('_', 4) + 1), b_secret = b.substr(b.find('_', 4) + 1);
  EXPECT_EQ(rejection("sgt_2_" + a_secret), Reason::kWrongSecret);
  EXPECT_EQ(rejection("sgt_1_" + b_secret), Reason::kWrongSecret);
}

TEST_F(TokensTest, ATamperedOrGuessedSecretFails) {
  std::string t = create("acme", Role::kEditor);
  // Every character of the secret changed, one at a time.
  for (size_t i = 6; i < t.size(); ++i) {
    std::string bad = t;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    if (i == t.size() - 1 && same_secret(bad, t))
      continue;  // the last character carries 4 unused bits (when libsodium lets them be set)
    Reason r = rejection(bad);
    EXPECT_TRUE(r == Reason::kWrongSecret || r == Reason::kMalformed) << i;
  }
  unsigned char guess[32];
  randombytes_buf(guess, sizeof(guess));
  char b64[64];
  sodium_bin2base64(b64, sizeof(b64), guess, sizeof(guess),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  EXPECT_EQ(rejection(std::string("sgt_1_") + b64), Reason::kWrongSecret);
  EXPECT_EQ(rejection("sgt_1_" + std::string(43, 'A')), Reason::kWrongSecret);
  EXPECT_EQ(rejection("sgt_99_" + t.substr(6)), Reason::kUnknown);
  // Malformed: no prefix, no id, id 0, a short or long secret, padding, whitespace, empty.
  for (const std::string& bad :
       {t.substr(4), "sgt__" + t.substr(6), "sgt_0_" + t.substr(6), "sgt_x_" + t.substr(6),
        t.substr(0, t.size() - 1), t + "A", t + "=", t + " ", " " + t, std::string(),
        "sgt_99999999999_" + t.substr(6), "SGT_1_" + t.substr(6)}) {
    EXPECT_EQ(rejection(bad), Reason::kMalformed) << bad;
  }
  EXPECT_EQ(tokens->authenticate(t).token_id, 1u);  // none of that harmed the real one
}

TEST_F(TokensTest, AnExpiredTokenFails) {
  std::string t = create("acme", Role::kViewer, clock.now() + 3600);
  EXPECT_NO_THROW(tokens->authenticate(t));
  clock.advance(3599);
  EXPECT_NO_THROW(tokens->authenticate(t));
  clock.advance(1);
  EXPECT_EQ(rejection(t), Reason::kExpired);
}

TEST_F(TokensTest, ARevokedTokenFailsAndStaysRevoked) {
  std::string t = create("acme", Role::kEditor);
  std::string other = create("acme", Role::kViewer);
  {
    auto txn = store->begin_write();
    tokens->revoke(txn, 1);
    EXPECT_THROW(tokens->revoke(txn, 1), Conflict);
    EXPECT_THROW(tokens->revoke(txn, 42), NotFound);
    txn.commit();
  }
  EXPECT_EQ(rejection(t), Reason::kRevoked);
  // Its hash is gone: even a row edited back to "not revoked" matches nothing.
  TokenRecord r = *row(1);
  EXPECT_EQ(r.hash, (std::array<uint8_t, 32>{}));
  r.revoked = 0;
  put_row(r);
  EXPECT_EQ(rejection(t), Reason::kWrongSecret);
  EXPECT_EQ(tokens->authenticate(other).token_id, 2u);
}

TEST_F(TokensTest, ARowEditedToAnotherTenantOrAHigherRoleFailsToVerify) {
  std::string t = create("acme", Role::kViewer);
  TokenRecord original = *row(1);
  TokenRecord r = original;
  r.role = static_cast<uint8_t>(Role::kEditor);
  put_row(r);
  EXPECT_EQ(rejection(t), Reason::kWrongSecret);
  r = original;
  r.tenant_id = tenant_id("globex");
  put_row(r);
  EXPECT_EQ(rejection(t), Reason::kWrongSecret);
  r = original;
  r.tenant_id = 0;
  r.role = static_cast<uint8_t>(Role::kOperator);
  put_row(r);
  EXPECT_EQ(rejection(t), Reason::kWrongSecret);
  put_row(original);
  EXPECT_EQ(tokens->authenticate(t).role, Role::kViewer);
}

TEST_F(TokensTest, AnotherMasterKeyAcceptsNoToken) {
  std::string t = create("acme", Role::kEditor);
  MasterKey::generate_file(dir.file("other.key"));
  MasterKey other = MasterKey::load(dir.file("other.key"));
  auto foreign = make_tokens(other);
  EXPECT_EQ(rejection(t, foreign.get()), Reason::kWrongSecret);
}

TEST_F(TokensTest, DeletingATenantRevokesItsTokens) {
  {
    auto txn = store->begin_write();
    portfolio->create_tenant(txn, "initech");
    txn.commit();
  }
  std::string t = create("initech", Role::kEditor);
  std::string keep = create("acme", Role::kEditor);
  std::string op = create(std::nullopt, Role::kOperator);
  uint32_t initech = tenant_id("initech");
  {
    auto txn = store->begin_write();
    portfolio->delete_tenant(txn, "initech");
    txn.commit();
  }
  EXPECT_EQ(rejection(t), Reason::kRevoked);
  EXPECT_NO_THROW(tokens->authenticate(keep));
  EXPECT_NO_THROW(tokens->authenticate(op));
  auto txn = store->begin_read();
  EXPECT_TRUE(tokens->list(txn, initech).empty());
  auto e = entries();
  ASSERT_GE(e.size(), 2u);
  EXPECT_EQ(e[e.size() - 2].kind, "token-revoked");
  EXPECT_EQ(e[e.size() - 2].tenant, "initech");
  EXPECT_EQ(e.back().kind, "tenant-deleted");
}

TEST_F(TokensTest, ATokenWhoseTenantVanishedBehindItsBackFails) {
  {
    auto txn = store->begin_write();
    portfolio->create_tenant(txn, "initech");
    txn.commit();
  }
  std::string t = create("initech", Role::kEditor);
  {
    // As a Signet that knew nothing of tokens deleted it: the store alone, tokens left behind.
    auto txn = store->begin_write();
    store->delete_tenant(txn, *store->find_tenant(txn, "initech"));
    txn.commit();
  }
  EXPECT_EQ(rejection(t), Reason::kRevoked);
}

// ------------------------------------------------------------------ last used, list, audit

TEST_F(TokensTest, LastUsedIsWrittenAtMostOnceAMinute) {
  std::string t = create("acme", Role::kViewer);
  EXPECT_EQ(row(1)->last_used, 0u);
  uint64_t start = clock.now();
  tokens->authenticate(t);
  EXPECT_EQ(row(1)->last_used, start);
  clock.advance(Tokens::kLastUsedGranularity - 1);
  tokens->authenticate(t);
  EXPECT_EQ(row(1)->last_used, start);
  clock.advance(1);
  tokens->authenticate(t);
  EXPECT_EQ(row(1)->last_used, start + Tokens::kLastUsedGranularity);
  // A failed attempt writes nothing.
  clock.advance(3600);
  rejection("sgt_1_" + std::string(43, 'A'));
  EXPECT_EQ(row(1)->last_used, start + Tokens::kLastUsedGranularity);
}

TEST_F(TokensTest, ListShowsLiveTokensOfOneTenantOrAll) {
  create("acme", Role::kViewer, 0, "ci");
  create("globex", Role::kEditor);
  create(std::nullopt, Role::kOperator);
  create("acme", Role::kApprover);
  {
    auto txn = store->begin_write();
    tokens->revoke(txn, 4);
    txn.commit();
  }
  auto txn = store->begin_read();
  auto ids = [](const std::vector<TokenRecord>& v) {
    std::vector<uint32_t> out;
    for (const auto& t : v)
      out.push_back(t.id);
    return out;
  };
  EXPECT_EQ(ids(tokens->list(txn, std::nullopt)), std::vector<uint32_t>({1, 2, 3}));
  EXPECT_EQ(ids(tokens->list(txn, tenant_id("acme"))), std::vector<uint32_t>({1}));
  EXPECT_EQ(ids(tokens->list(txn, 0)), std::vector<uint32_t>({3}));
  EXPECT_EQ(tokens->list(txn, tenant_id("acme"))[0].comment, "ci");
}

TEST_F(TokensTest, CreateAndRevokeAreAuditedByIdNeverBySecret) {
  std::string t = create("acme", Role::kEditor, 0, "deploy bot");
  {
    auto txn = store->begin_write();
    tokens->revoke(txn, 1);
    txn.commit();
  }
  auto e = entries();
  ASSERT_GE(e.size(), 2u);
  const AuditEntry& made = e[e.size() - 2];
  const AuditEntry& revoked = e.back();
  EXPECT_EQ(made.kind, "token-created");
  EXPECT_EQ(made.tenant, "acme");
  EXPECT_EQ(made.actor, "tester");
  EXPECT_EQ(Json::parse(made.detail)["token"], 1);
  EXPECT_EQ(Json::parse(made.detail)["role"], "editor");
  EXPECT_EQ(Json::parse(made.detail)["comment"], "deploy bot");
  EXPECT_EQ(revoked.kind, "token-revoked");
  EXPECT_EQ(Json::parse(revoked.detail)["token"], 1);
  std::string b64 = t.substr(6);
  for (const auto& x : e) {
    for (const std::string* f : {&x.detail, &x.actor, &x.kind, &x.tenant, &x.zone}) {
      EXPECT_EQ(f->find(b64), std::string::npos);
      EXPECT_EQ(f->find(secret_of(t)), std::string::npos);
    }
  }
}

// The whole data.mdb (live and freed pages) after tokens were made, used and revoked holds no
// token's secret in any form, nor the key its hashes are made with, while it does hold the
// hashes (the control: the scan finds what is there).
TEST_F(TokensTest, TheStoreNeverHoldsASecretOrTheHashKey) {
  std::vector<std::string> texts;
  for (int i = 0; i < 3; ++i) {
    texts.push_back(create("acme", Role::kEditor, 0, "scan"));
    texts.push_back(create(std::nullopt, Role::kOperator));
  }
  for (const auto& t : texts)
    tokens->authenticate(t);
  clock.advance(120);
  for (const auto& t : texts)
    tokens->authenticate(t);
  std::vector<std::string> hashes;
  {
    auto txn = store->begin_write();
    tokens->revoke(txn, 1);
    txn.commit();
    auto rtxn = store->begin_read();
    for (const auto& t : tokens->list(rtxn, std::nullopt))
      hashes.emplace_back(reinterpret_cast<const char*>(t.hash.data()), t.hash.size());
  }
  unsigned char hash_key[32];
  crypto_kdf_derive_from_key(hash_key, sizeof(hash_key), 1, "sgtoken_", master->key().data());
  tokens.reset();
  portfolio.reset();
  store.reset();
  std::ifstream in(dir.file("data.mdb"), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string file = ss.str();
  ASSERT_GT(file.size(), 4096u);
  ASSERT_EQ(hashes.size(), 5u);
  for (const auto& h : hashes)
    EXPECT_NE(file.find(h), std::string::npos) << "control: a stored hash is not found";
  for (const auto& t : texts) {
    std::string secret = secret_of(t);
    EXPECT_EQ(file.find(t.substr(t.find('_', 4) + 1)), std::string::npos) << "base64 secret";
    EXPECT_EQ(file.find(secret), std::string::npos) << "raw secret";
    EXPECT_EQ(file.find(secret.substr(0, 16)), std::string::npos) << "half a secret";
    EXPECT_EQ(file.find(secret.substr(16)), std::string::npos) << "half a secret";
  }
  EXPECT_EQ(file.find(std::string(reinterpret_cast<const char*>(hash_key), 32)), std::string::npos);
  EXPECT_EQ(file.find(std::string(reinterpret_cast<const char*>(master->key().data()), 32)),
            std::string::npos);
}

// ------------------------------------------------------------------ codec

TEST(TokenCodecTest, RoundTripsAndRefusesTruncatedValues) {
  TokenRecord t;
  t.id = 9;
  t.tenant_id = 3;
  t.role = static_cast<uint8_t>(Role::kApprover);
  t.created = 1700000000;
  t.expires = 1800000000;
  t.last_used = 1700000100;
  t.hash.fill(0xab);
  t.comment = "ci pipeline";
  std::string v = codec::encode_token(t);
  TokenRecord back = codec::decode_token(9, codec::as_bytes(v));
  EXPECT_EQ(back.tenant_id, 3u);
  EXPECT_EQ(back.role, t.role);
  EXPECT_EQ(back.created, t.created);
  EXPECT_EQ(back.expires, t.expires);
  EXPECT_EQ(back.last_used, t.last_used);
  EXPECT_EQ(back.revoked, 0u);
  EXPECT_EQ(back.hash, t.hash);
  EXPECT_EQ(back.comment, t.comment);
  for (size_t n = 0; n < v.size(); ++n)
    EXPECT_THROW(codec::decode_token(9, codec::as_bytes(std::string_view(v).substr(0, n))),
                 CorruptionError)
        << n;
  v[0] = 2;
  EXPECT_THROW(codec::decode_token(9, codec::as_bytes(v)), CorruptionError);
}
