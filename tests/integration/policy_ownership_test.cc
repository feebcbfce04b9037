// SPDX-License-Identifier: GPL-2.0-or-later
//
// Policies have an owner (keystore/policy_store.hh), as an operator meets it in signetutil; each
// test is the attack it stops:
//
//  * an operator limited to one tenant (--tenant) imports a policy that runs a program in
//    pdns_server (ds-hook) or uses the operator's credentials and network (ds-push,
//    parent-nameservers);
//  * it rewrites a policy that another tenant's zones follow (a global one, another tenant's);
//  * it reads or uses another tenant's policy (policy show, list-policies, set-policy,
//    secure-zone);
//  * a TSIG secret is printed (policy show, list-policies, status, health), kept in clear in the
//    store file, or written to the audit log.
//
// The DS push that uses the sealed secret is KeyLifecycleCli.DsPushUpdatesTheParent... in
// keyman_cli_test.cc.
#include <gtest/gtest.h>
#include <sodium.h>

#include <fstream>
#include <sstream>

#include "keystore/store.hh"
#include "signer/encoding.hh"
#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/temp_dir.hh"

using namespace signet::test;

namespace {

std::string zone_text(const std::string& apex) {
  return "$ORIGIN " + apex +
         "\n$TTL 300\n@ SOA ns1 hostmaster 2024010101 7200 3600 1209600 300\n@ NS ns1\n"
         "ns1 A 192.0.2.1\nwww A 192.0.2.80\n";
}

// The operator's global policies: one the tenants' zones may follow, one pushing the DS with a
// TSIG key.
const std::string kSecretBytes = "signet-ownership-test-tsig-secret";
const std::string kSecret =
    signet::base64({reinterpret_cast<const uint8_t*>(kSecretBytes.data()), kSecretBytes.size()});

std::string global_policies(const std::string& secret) {
  return "policies:\n"
         "  - name: standard\n"
         "    keys: ksk-zsk\n"
         "    parent-nameservers: [\"127.0.0.1:9\"]\n"
         "  - name: pushed\n"
         "    keys: csk\n"
         "    parent-nameservers: [\"127.0.0.1:9\"]\n"
         "    ds-submission: push\n"
         "    ds-push: {server: \"127.0.0.1:9\", tsig-name: ds-update., tsig-secret: \"" +
         secret + "\"}\n";
}

// The first 16 hex digits of SHA-256 of the secret's text: what the audit log records instead.
std::string fingerprint(const std::string& secret) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  return signet::hex({h, 8});
}

bool has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class PolicyOwnership : public ::testing::Test {
 protected:
  PolicyOwnership() {
    write_file(dir.file("pdns.conf"),
               std::string(kOfflinePdnsConf) + "launch=signet\nsignet-path=" + dir.file("store") +
                   "\nsignet-master-key-file=" + dir.file("master.key") + "\n");
    ok({"generate-master-key"});
    for (const std::string t : {"acme", "globex"}) {
      ok({"create-tenant", t});
      std::string apex = t + ".example.";
      ok({"load-zone", t, apex, file(t + ".zone", zone_text(apex))});
    }
  }
  RunResult cli(std::vector<std::string> args) {
    args.insert(args.begin(), {signetutil_path(), "--config-dir", dir.path()});
    return run(args, "", 120);
  }
  // Scoped to `tenant` ("" for none).
  RunResult as(const std::string& tenant, std::vector<std::string> args) {
    if (!tenant.empty())
      args.insert(args.begin(), {"--tenant", tenant});
    return cli(args);
  }
  std::string ok(std::vector<std::string> args, const std::string& tenant = "") {
    RunResult r = as(tenant, args);
    std::string cmd;
    for (const auto& a : args)
      cmd += " " + a;
    EXPECT_EQ(r.status, 0) << "signetutil" << (tenant.empty() ? "" : " --tenant " + tenant) << cmd
                           << ": " << r.err << r.out;
    return r.out;
  }
  std::string file(const std::string& name, const std::string& content) {
    write_file(dir.file(name), content);
    return dir.file(name);
  }
  std::string data_mdb() {
    std::ifstream in(dir.file("store") + "/data.mdb", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  TempDir dir;
};

}  // namespace

TEST_F(PolicyOwnership, AScopedOperatorCannotImportAPolicyThatRunsAProgramOrUsesCredentials) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"ds-hook", "    ds-submission: hook\n    ds-hook: /bin/false\n"},
      {"ds-push",
       "    ds-push: {server: \"127.0.0.1:9\", tsig-name: k., tsig-secret: \"" + kSecret + "\"}\n"},
      {"parent-nameservers", "    parent-nameservers: [\"127.0.0.1:9\"]\n"},
  };
  std::string listed = ok({"list-policies"});
  std::string audit = ok({"audit-log"});
  for (const auto& [key, lines] : cases) {
    std::string f = file(key + ".yaml", "policies:\n  - name: sneaky\n    keys: csk\n" + lines);
    int line = key == "ds-hook" ? 5 : 4;
    for (const std::string sub : {"import", "check"}) {
      RunResult r = as("acme", {"policy", sub, f});
      EXPECT_EQ(r.status, 2) << key << " " << sub << ": " << r.err;
      EXPECT_TRUE(
          has(r.err, f + ":" + std::to_string(line) + ": policy 'sneaky' sets '" + key + "'"))
          << r.err;
    }
  }
  // Nothing was stored or audited, under acme or globally.
  EXPECT_EQ(ok({"list-policies"}), listed);
  EXPECT_FALSE(has(ok({"list-policies"}, "acme"), "sneaky"));
  EXPECT_EQ(ok({"audit-log"}), audit);
  // The operator may.
  EXPECT_TRUE(has(ok({"policy", "import", dir.file("ds-hook.yaml")}), "policy sneaky: created"));
}

TEST_F(PolicyOwnership, AScopedOperatorCannotChangeAGlobalPolicyOrAnotherTenants) {
  ok({"policy", "import", file("global.yaml", global_policies(kSecret))});
  ok({"policy", "import",
      file("globex.yaml", "policies:\n  - name: private\n    keys: csk\n    algorithm: 14\n")},
     "globex");
  ok({"secure-zone", "globex.example", "standard"}, "globex");
  const std::string global_standard = ok({"policy", "show", "standard"});
  const std::string globex_private = ok({"policy", "show", "private"}, "globex");
  const std::string globex_status = ok({"rollover-status", "globex.example"});
  const std::string listed = ok({"list-policies"});
  const std::string audit = ok({"audit-log"});
  ASSERT_TRUE(has(globex_status, "policy\tstandard (ECDSAP256SHA256 ksk-zsk")) << globex_status;

  // acme rewrites the global policy its neighbours follow, and globex's own: a usage error that
  // says whose it is not (without naming globex), and nothing changes.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"standard", "a global policy (the operator's)"}, {"private", "another tenant's policy"}};
  for (const auto& [name, whose] : cases) {
    std::string f = file(name + ".yaml",
                         "policies:\n  - name: " + name + "\n    keys: csk\n    algorithm: 15\n");
    RunResult r = as("acme", {"policy", "import", f});
    EXPECT_EQ(r.status, 2) << name << ": " << r.err;
    EXPECT_TRUE(has(r.err, "policy '" + name + "' is " + whose +
                               ": tenant 'acme' cannot change it; import yours under another name"))
        << r.err;
    EXPECT_FALSE(has(r.err, "globex")) << r.err;
    // In a batch, the policies before it are not stored either (one transaction).
    write_file(dir.file("both.yaml"), "policies:\n  - name: harmless\n    keys: csk\n  - name: " +
                                          name + "\n    keys: csk\n");
    EXPECT_EQ(as("acme", {"policy", "import", dir.file("both.yaml")}).status, 2);
  }
  EXPECT_EQ(ok({"policy", "show", "standard"}), global_standard);
  EXPECT_EQ(ok({"policy", "show", "standard"}, "acme"), global_standard);
  EXPECT_EQ(ok({"policy", "show", "private"}, "globex"), globex_private);
  EXPECT_EQ(ok({"rollover-status", "globex.example"}), globex_status);
  EXPECT_EQ(ok({"list-policies"}), listed);
  EXPECT_EQ(ok({"audit-log"}), audit);
  // The unscoped operator does not take globex's name for a global policy either.
  RunResult r = cli({"policy", "import", dir.file("private.yaml")});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(has(r.err, "policy 'private' is tenant 'globex''s own")) << r.err;
  EXPECT_EQ(ok({"policy", "show", "private"}, "globex"), globex_private);
  // A built-in policy belongs to no one.
  r = as("acme", {"policy", "import",
                  file("builtin.yaml", "policies:\n  - name: default\n    keys: csk\n")});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(has(r.err, "policy 'default' is built in")) << r.err;
  EXPECT_EQ(cli({"policy", "import", dir.file("builtin.yaml")}).status, 1);
  EXPECT_EQ(ok({"audit-log"}), audit);
  // Under a name of its own, acme's zones get what acme wants.
  write_file(dir.file("own.yaml"),
             "policies:\n  - name: acme-std\n    keys: csk\n    algorithm: 15\n");
  EXPECT_TRUE(has(ok({"policy", "import", dir.file("own.yaml")}, "acme"),
                  "policy acme-std (tenant acme): created"));
  std::string mine = ok({"policy", "show", "acme-std"}, "acme");
  EXPECT_TRUE(has(mine, "# tenant acme policy")) << mine;
  EXPECT_TRUE(has(mine, "algorithm: ED25519")) << mine;
  ok({"secure-zone", "acme.example", "acme-std"}, "acme");
  EXPECT_TRUE(has(ok({"rollover-status", "acme.example"}), "policy\tacme-std (ED25519 csk"));
}

TEST_F(PolicyOwnership, AScopedOperatorCannotSeeOrUseAnotherTenantsPolicy) {
  ok({"policy", "import",
      file("globex.yaml",
           "policies:\n  - name: secretive\n    keys: ksk-zsk\n    algorithm: 14\n")},
     "globex");
  // Not seen...
  RunResult r = as("acme", {"policy", "show", "secretive"});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.err, "unknown policy 'secretive'")) << r.err;
  EXPECT_FALSE(has(ok({"list-policies"}, "acme"), "secretive"));
  EXPECT_FALSE(has(ok({"--json", "list-policies"}, "acme"), "secretive"));
  // ...nor used, by acme's operator or for acme's zones by anyone.
  EXPECT_EQ(as("acme", {"secure-zone", "acme.example", "secretive"}).status, 1);
  EXPECT_EQ(cli({"secure-zone", "acme.example", "secretive"}).status, 1);
  ok({"secure-zone", "acme.example"}, "acme");
  r = as("acme", {"set-policy", "acme.example", "secretive"});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.err, "unknown policy 'secretive' for tenant 'acme'")) << r.err;
  EXPECT_EQ(cli({"set-policy", "acme.example", "secretive"}).status, 1);
  EXPECT_EQ(as("acme", {"set-policy", "--tenant", "acme", "secretive"}).status, 1);
  EXPECT_EQ(cli({"set-policy", "--tenant", "acme", "secretive"}).status, 1);
  EXPECT_EQ(as("acme", {"set-policy", "--tenant", "globex", "secretive"}).status, 2);
  EXPECT_TRUE(has(ok({"rollover-status", "acme.example"}), "policy\tdefault ("));
  // Its owner uses it; the unscoped operator sees whose it is.
  ok({"secure-zone", "globex.example", "secretive"}, "globex");
  EXPECT_TRUE(has(ok({"list-policies"}), "secretive\ttenant globex\tECDSAP384SHA384 ksk-zsk"));
}

TEST_F(PolicyOwnership, ATenantsOwnPoliciesAreImportedAuditedAndFollowedByItsZones) {
  std::string f = file("mine.yaml", "policies:\n  - name: mine\n    keys: csk\n");
  EXPECT_TRUE(has(ok({"policy", "import", f}, "acme"), "policy mine (tenant acme): created"));
  ok({"set-policy", "--tenant", "acme", "mine"}, "acme");
  ok({"secure-zone", "acme.example"}, "acme");
  EXPECT_TRUE(has(ok({"show-zone", "acme.example"}), "policy mine, the tenant's"));
  write_file(f, "policies:\n  - name: mine\n    keys: csk\n    dnskey-ttl: 2h\n");
  EXPECT_TRUE(has(ok({"policy", "import", f}, "acme"),
                  "policy mine (tenant acme): updated (1 zone(s) follow it)"));
  EXPECT_TRUE(has(ok({"policy", "import", f}, "acme"), "policy mine (tenant acme): unchanged"));
  EXPECT_TRUE(has(ok({"list-policies"}), "mine\ttenant acme\t"));
  std::string audit = ok({"audit-log"}, "acme");
  EXPECT_TRUE(has(audit, "policy-created")) << audit;
  EXPECT_TRUE(has(audit, "policy-changed")) << audit;
  EXPECT_TRUE(has(audit, "dnskey-ttl: 2h")) << audit;
  EXPECT_FALSE(has(ok({"audit-log"}, "globex"), "mine"));
}

TEST_F(PolicyOwnership, TheTsigSecretIsNeverPrintedStoredInClearOrAudited) {
  std::string f = file("global.yaml", global_policies(kSecret));
  std::vector<std::string> outputs;
  outputs.push_back(ok({"policy", "import", f}));
  ok({"secure-zone", "acme.example", "pushed"});
  outputs.push_back(ok({"policy", "show", "pushed"}));
  outputs.push_back(ok({"--json", "policy", "show", "pushed"}));
  outputs.push_back(ok({"policy", "show", "pushed"}, "acme"));
  outputs.push_back(ok({"list-policies"}));
  outputs.push_back(ok({"--json", "list-policies"}));
  outputs.push_back(ok({"rollover-status", "acme.example"}));
  outputs.push_back(ok({"--json", "rollover-status", "acme.example"}));
  outputs.push_back(ok({"show-zone", "acme.example"}));
  outputs.push_back(cli({"health", "--json"}).out);
  // A changed secret: the audit log tells it changed, and from what to what, by fingerprint.
  const std::string secret2 =
      signet::base64({reinterpret_cast<const uint8_t*>("another-tsig-secret-for-the-test"), 32});
  outputs.push_back(ok({"policy", "import", file("global2.yaml", global_policies(secret2))}));
  outputs.push_back(ok({"policy", "import", dir.file("global2.yaml")}));
  EXPECT_TRUE(has(outputs.back(), "policy pushed: unchanged")) << outputs.back();
  std::string audit = ok({"audit-log"});
  outputs.push_back(audit);
  outputs.push_back(ok({"--json", "audit-log"}));

  EXPECT_TRUE(has(outputs[1], "tsig-secret: \"<redacted>\"")) << outputs[1];
  EXPECT_TRUE(has(outputs[2], "<redacted>")) << outputs[2];
  for (const auto& out : outputs) {
    for (const auto& s : {kSecret, kSecretBytes, secret2}) {
      EXPECT_FALSE(has(out, s)) << "the secret is printed:\n" << out;
    }
  }
  EXPECT_TRUE(has(audit, "\"tsig-secret-sha256-prefix\":{\"before\":\"\",\"after\":\"" +
                             fingerprint(kSecret) + "\"}"))
      << audit;
  EXPECT_TRUE(has(audit, "\"tsig-secret-sha256-prefix\":{\"before\":\"" + fingerprint(kSecret) +
                             "\",\"after\":\"" + fingerprint(secret2) + "\"}"))
      << audit;
  // The store file (live and freed pages) holds neither secret, in text or decoded.
  std::string mdb = data_mdb();
  ASSERT_TRUE(has(mdb, "ds-update.")) << "the scan does not see the policies";
  for (const auto& s : {kSecret, kSecretBytes, secret2, std::string("another-tsig-secret-for")})
    EXPECT_FALSE(has(mdb, s)) << s << " is in data.mdb";
}

TEST_F(PolicyOwnership, AStoreFromSchema2KeepsItsPoliciesGlobalAndSealsTheSecretOnReimport) {
  {
    // A schema 2 store: policies keyed by name, the YAML (secret and all) as the value.
    signet::Store store(signet::StoreOptions{dir.file("store"), uint64_t(1) << 30});
    auto txn = store.begin_write();
    txn.put(store.dbi().sys, "schema", signet::codec::u32_key(2));
    txn.put(store.dbi().policies, "old",
            "- name: old\n  keys: csk\n  parent-nameservers: [\"127.0.0.1:9\"]\n"
            "  ds-submission: push\n  ds-push: {server: \"127.0.0.1:9\", tsig-name: \"k.\", "
            "tsig-algorithm: \"hmac-sha256\", tsig-secret: \"" +
                kSecret + "\"}\n");
    txn.commit();
  }
  std::string listed = ok({"list-policies"});
  EXPECT_TRUE(has(listed, "old\tglobal\t")) << listed;
  EXPECT_TRUE(has(listed, "TSIG secret not sealed")) << listed;
  RunResult shown = cli({"policy", "show", "old"});
  EXPECT_EQ(shown.status, 0);
  EXPECT_FALSE(has(shown.out, kSecret)) << shown.out;
  EXPECT_TRUE(has(shown.out, "<redacted>")) << shown.out;
  EXPECT_TRUE(has(shown.err, "import it again")) << shown.err;
  // A tenant's zones see it as a global policy, and follow it.
  EXPECT_TRUE(has(ok({"policy", "show", "old"}, "acme"), "# global policy"));
  ok({"secure-zone", "acme.example", "old"}, "acme");
  const std::string status = ok({"rollover-status", "acme.example"});
  EXPECT_TRUE(has(status, "policy\told (")) << status;
  ok({"rollover-tick"});
  // Imported again, the secret is sealed (the YAML was the same).
  std::string f = file("old.yaml",
                       "policies:\n  - name: old\n    keys: csk\n"
                       "    parent-nameservers: [\"127.0.0.1:9\"]\n    ds-submission: push\n"
                       "    ds-push: {server: \"127.0.0.1:9\", tsig-name: \"k.\", tsig-secret: \"" +
                           kSecret + "\"}\n");
  EXPECT_TRUE(has(ok({"policy", "import", f}),
                  "policy old: updated, its TSIG secret sealed (1 zone(s) follow it)"));
  EXPECT_TRUE(has(ok({"rollover-status", "acme.example"}), "policy\told ("));
  EXPECT_FALSE(has(ok({"list-policies"}), "not sealed"));
  EXPECT_TRUE(has(ok({"policy", "import", f}), "policy old: unchanged"));
  std::string audit = ok({"audit-log"});
  EXPECT_FALSE(has(audit, kSecret)) << audit;
  EXPECT_TRUE(has(audit, fingerprint(kSecret))) << audit;
}
