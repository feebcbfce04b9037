// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetutil token create|list|revoke through the real binary: the token is printed once, alone
// on its stdout line, and is a working token (the core authenticates it); list, the audit log and
// the store never show its secret; --tenant limits every verb to that tenant.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "keystore/tokens.hh"
#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/temp_dir.hh"

using signet::test::kOfflinePdnsConf;
using signet::test::run;
using signet::test::RunResult;
using signet::test::signetutil_path;
using signet::test::TempDir;
using signet::test::write_file;

namespace {

class TokenCli : public ::testing::Test {
 protected:
  TokenCli() {
    write_file(dir.file("pdns.conf"),
               std::string(kOfflinePdnsConf) + "launch=signet\nsignet-path=" + dir.file("store") +
                   "\nsignet-master-key-file=" + dir.file("master.key") + "\n");
    ok({"generate-master-key"});
    ok({"create-tenant", "acme"});
    ok({"create-tenant", "globex"});
  }
  RunResult cli(std::vector<std::string> args) {
    args.insert(args.begin(), {signetutil_path(), "--config-dir", dir.path()});
    return run(args, "", 120);
  }
  std::string ok(std::vector<std::string> args) {
    RunResult r = cli(args);
    std::string cmd;
    for (const auto& a : args)
      cmd += " " + a;
    EXPECT_EQ(r.status, 0) << "signetutil" << cmd << ": " << r.err << r.out;
    return r.out;
  }
  // A new token's text: stdout must be exactly that one line.
  std::string create(std::vector<std::string> args) {
    args.insert(args.begin(), {"token", "create"});
    std::string out = ok(args);
    static const std::regex kLine("sgt_[1-9][0-9]*_[A-Za-z0-9_-]{43}\n");
    EXPECT_TRUE(std::regex_match(out, kLine)) << "stdout: '" << out << "'";
    return out.substr(0, out.size() - 1);
  }
  void expect_status(const std::vector<std::string>& args, int status, const std::string& needle) {
    RunResult r = cli(args);
    EXPECT_EQ(r.status, status) << r.out << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr: " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "stderr: " << r.err;
  }
  static std::string secret_part(const std::string& token) {
    return token.substr(token.find('_', 4) + 1);
  }
  std::string data_mdb() {
    std::ifstream in(dir.file("store") + "/data.mdb", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // Who the core says `token` is, checked against the store with the master key file.
  signet::TokenIdentity who(const std::string& token) {
    signet::Store store(signet::StoreOptions{dir.file("store"), uint64_t(1) << 30});
    signet::SystemClock clock;
    signet::MasterKey key = signet::MasterKey::load(dir.file("master.key"));
    signet::Tokens tokens(store, clock, [&]() -> const signet::MasterKey& { return key; });
    return tokens.authenticate(token);
  }
  uint32_t tenant_id(const std::string& name) {
    signet::Store store(signet::StoreOptions{dir.file("store"), uint64_t(1) << 30});
    auto txn = store.begin_read();
    return store.find_tenant(txn, name)->id;
  }

  TempDir dir;
};

}  // namespace

TEST_F(TokenCli, CreatePrintsAWorkingTokenOnceAndNothingShowsItAgain) {
  RunResult r =
      cli({"token", "create", "acme", "editor", "--expires", "30d", "--comment", "deploy bot"});
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  std::string token = r.out.substr(0, r.out.size() - 1);
  EXPECT_EQ(token.rfind("sgt_1_", 0), 0u) << token;
  EXPECT_NE(r.err.find("created token 1 (tenant acme, editor"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(secret_part(token)), std::string::npos);

  signet::TokenIdentity id = who(token);
  EXPECT_EQ(id.token_id, 1u);
  EXPECT_EQ(id.tenant_id, tenant_id("acme"));
  EXPECT_EQ(id.role, signet::Role::kEditor);

  std::string list = ok({"token", "list"});
  EXPECT_NE(list.find("\n1\tacme\teditor\t"), std::string::npos) << list;
  EXPECT_NE(list.find("deploy bot"), std::string::npos) << list;
  YAML::Node json = YAML::Load(ok({"--json", "token", "list"}));
  ASSERT_TRUE(json.IsSequence());
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["id"].as<int>(), 1);
  EXPECT_EQ(json[0]["tenant"].as<std::string>(), "acme");
  EXPECT_EQ(json[0]["role"].as<std::string>(), "editor");
  EXPECT_FALSE(json[0]["expires"].IsNull());
  EXPECT_FALSE(json[0]["last_used"].IsNull());  // who() used it
  std::string audit = ok({"--json", "audit-log"});
  EXPECT_NE(audit.find("token-created"), std::string::npos) << audit;
  for (const std::string& shown : {list, audit, ok({"--json", "token", "list"})}) {
    EXPECT_EQ(shown.find(secret_part(token)), std::string::npos) << shown;
  }
  EXPECT_EQ(data_mdb().find(secret_part(token)), std::string::npos);
}

TEST_F(TokenCli, OperatorTokensCoverEveryTenant) {
  std::string op = create({"--operator", "--comment", "ops"});
  signet::TokenIdentity id = who(op);
  EXPECT_TRUE(id.is_operator());
  EXPECT_TRUE(id.allows(signet::Action::kManageTokens, tenant_id("globex")));
  EXPECT_NE(ok({"token", "list"}).find("\n1\t*\toperator\t"), std::string::npos);
  expect_status({"token", "create", "acme", "operator"}, 1, "--operator");
  expect_status({"token", "create", "acme", "admin"}, 1, "unknown role 'admin'");
  expect_status({"token", "create", "acme", "viewer", "--expires", "soon"}, 1, "bad --expires");
  expect_status({"token", "create", "nobody", "viewer"}, 1, "tenant 'nobody' does not exist");
  expect_status({"token", "frobnicate"}, 1, "unknown token command");
}

TEST_F(TokenCli, RevokeEndsATokenAndDeletingATenantRevokesItsTokens) {
  std::string a = create({"acme", "viewer"});
  std::string g = create({"globex", "approver"});
  EXPECT_EQ(ok({"token", "revoke", "1"}), "revoked token 1\n");
  EXPECT_THROW(who(a), signet::TokenRejected);
  EXPECT_EQ(ok({"token", "list"}).find("\tacme\t"), std::string::npos);
  expect_status({"token", "revoke", "1"}, 1, "revoked already");
  expect_status({"token", "revoke", "9"}, 1, "token 9 does not exist");
  expect_status({"token", "revoke", "one"}, 1, "bad token id");

  EXPECT_EQ(who(g).role, signet::Role::kApprover);
  ok({"delete-tenant", "globex"});
  EXPECT_THROW(who(g), signet::TokenRejected);
  std::string audit = ok({"audit-log"});
  EXPECT_NE(audit.find("token-revoked\tglobex"), std::string::npos) << audit;
}

TEST_F(TokenCli, ATenantScopeSeesAndTouchesOnlyItsOwnTokens) {
  create({"acme", "editor"});    // 1
  create({"globex", "viewer"});  // 2
  create({"--operator"});        // 3
  std::string scoped = ok({"--tenant", "acme", "token", "list"});
  EXPECT_NE(scoped.find("\n1\tacme\t"), std::string::npos) << scoped;
  EXPECT_EQ(scoped.find("globex"), std::string::npos) << scoped;
  EXPECT_EQ(scoped.find("operator"), std::string::npos) << scoped;
  expect_status({"--tenant", "acme", "token", "list", "globex"}, 2, "scoped to tenant 'acme'");
  expect_status({"--tenant", "acme", "token", "create", "--operator"}, 2,
                "scoped to tenant 'acme'");
  expect_status({"--tenant", "acme", "token", "create", "globex", "viewer"}, 2,
                "scoped to tenant 'acme'");
  expect_status({"--tenant", "acme", "token", "revoke", "2"}, 2, "scoped to tenant 'acme'");
  expect_status({"--tenant", "acme", "token", "revoke", "3"}, 2, "scoped to tenant 'acme'");
  std::string t = ok({"--tenant", "acme", "token", "create", "acme", "viewer"});  // 4
  ASSERT_EQ(t.rfind("sgt_4_", 0), 0u) << t;
  t.pop_back();
  EXPECT_EQ(who(t).tenant_id, tenant_id("acme"));
  EXPECT_EQ(ok({"--tenant", "acme", "token", "revoke", "4"}), "revoked token 4\n");
  // Nothing of the refused commands happened.
  std::string all = ok({"token", "list"});
  EXPECT_NE(all.find("\n2\tglobex\t"), std::string::npos) << all;
  EXPECT_NE(all.find("\n3\t*\t"), std::string::npos) << all;
}
