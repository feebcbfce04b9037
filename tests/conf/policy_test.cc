// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/policy.hh"

#include <gtest/gtest.h>

#include <algorithm>

#include "keystore/policy_store.hh"
#include "signer/error.hh"

using namespace signet;

namespace {
const char* kGood = R"(policies:
  - name: standard
    algorithm: ecdsap256sha256
    keys: ksk-zsk
    ksk-lifetime: 365d
    zsk-lifetime: 90d
    dnskey-ttl: 1h
    propagation-delay: 1h
    ds-ttl: 1d
    max-zone-ttl: 1d
    denial: nsec3
    nsec3-iterations: 0
    nsec3-salt: "-"
    cds: rollover
    parent-nameservers: [192.0.2.53, "192.0.2.54:5353"]
    ds-submission: hook
    ds-hook: /usr/local/bin/submit-ds
    approval: manual
  - name: fast
    algorithm: 15
    keys: csk
    csk-lifetime: 2h
    dnskey-ttl: 5s
    propagation-delay: 2s
    ds-ttl: 5s
    max-zone-ttl: 10s
    rrsig-validity: 1d
    rrsig-refresh: 6h
    rrsig-jitter: 1h
)";

std::string error_of(const std::string& yaml) {
  try {
    parse_policies(yaml, "p.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Policy, ParsesNamedPoliciesWithDurations) {
  auto ps = parse_policies(kGood, "p.yaml");
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].name, "standard");
  EXPECT_FALSE(ps[0].csk);
  EXPECT_EQ(ps[0].ksk_lifetime, 365u * 86400);
  EXPECT_EQ(ps[0].zsk_lifetime, 90u * 86400);
  EXPECT_EQ(ps[0].cds, CdsMode::kRollover);
  EXPECT_EQ(ps[0].parent_nameservers.size(), 2u);
  EXPECT_TRUE(ps[0].manual_approval);
  EXPECT_EQ(ps[1].algorithm, Algorithm::kEd25519);
  EXPECT_EQ(ps[1].csk_lifetime, 7200u);
}

TEST(Policy, CanonicalYamlReadsBackTheSame) {
  for (const auto& p : parse_policies(kGood, "p.yaml")) {
    std::string y = "policies:\n" + policy_to_yaml(p);
    auto back = parse_policies(y, "round-trip");
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(policy_to_yaml(back[0]), policy_to_yaml(p));
  }
}

TEST(Policy, UnknownKeysAreRefusedWithTheirLine) {
  std::string e = error_of("policies:\n  - name: x\n    algorithm: 13\n    zsk-lifetim: 90d\n");
  EXPECT_NE(e.find("p.yaml:4: unknown key 'zsk-lifetim'"), std::string::npos) << e;
}

TEST(Policy, BadValuesAreRefusedWithTheirLine) {
  EXPECT_NE(error_of("policies:\n  - name: x\n    algorithm: dsa\n").find("p.yaml:3:"),
            std::string::npos);
  EXPECT_NE(
      error_of("policies:\n  - name: x\n    dnskey-ttl: soon\n").find("p.yaml:3: 'dnskey-ttl'"),
      std::string::npos);
  EXPECT_NE(error_of("policies:\n  - name: x\n    cds: sometimes\n")
                .find("not one of none, rollover, always, delete"),
            std::string::npos);
  EXPECT_NE(error_of("policies:\n  - name: x\n  - name: x\n").find("defined twice"),
            std::string::npos);
  EXPECT_NE(error_of("policies: [\n").find("p.yaml:"), std::string::npos);
}

TEST(Policy, ALifetimeShorterThanItsRolloverIsRefused) {
  std::string e = error_of(
      "policies:\n  - name: tight\n    keys: ksk-zsk\n    zsk-lifetime: 1d\n    max-zone-ttl: 1d\n"
      "    propagation-delay: 1h\n    dnskey-ttl: 1h\n");
  EXPECT_NE(
      e.find(
          "p.yaml:2: policy 'tight': zsk-lifetime (1d) is shorter than the ZSK rollover it needs"),
      std::string::npos)
      << e;
  e = error_of(
      "policies:\n  - name: tight\n    keys: ksk-zsk\n    ksk-lifetime: 1d\n    ds-ttl: 2d\n");
  EXPECT_NE(e.find("ksk-lifetime (1d) is shorter than the KSK rollover it needs"),
            std::string::npos)
      << e;
}

TEST(Policy, SignatureTimingsMustLeaveRoomToRefresh) {
  std::string e =
      error_of("policies:\n  - name: x\n    rrsig-validity: 4d\n    rrsig-refresh: 4d\n");
  EXPECT_NE(e.find("rrsig-validity (4d) must exceed rrsig-refresh + rrsig-jitter"),
            std::string::npos)
      << e;
  e = error_of("policies:\n  - name: x\n    rrsig-refresh: 1h\n    max-zone-ttl: 1d\n");
  EXPECT_NE(e.find("signatures would expire in caches"), std::string::npos) << e;
}

TEST(Policy, SubmissionMethodsNeedTheirSettings) {
  EXPECT_NE(error_of("policies:\n  - name: x\n    ds-submission: hook\n").find("needs ds-hook"),
            std::string::npos);
  EXPECT_NE(
      error_of("policies:\n  - name: x\n    ds-submission: push\n").find("needs ds-push.server"),
      std::string::npos);
}

TEST(Policy, DsHookTimeoutDefaultsToAMinuteAndRoundTrips) {
  auto ps = parse_policies(kGood, "p.yaml");
  EXPECT_EQ(ps[0].ds_hook_timeout, 60u);
  EXPECT_NE(policy_to_yaml(ps[0]).find("  ds-hook-timeout: 1m\n"), std::string::npos);
  // A policy without a hook does not grow the key (stored policies stay byte for byte the same).
  EXPECT_EQ(policy_to_yaml(ps[1]).find("ds-hook-timeout"), std::string::npos);
  auto set = parse_policies(
      "policies:\n  - name: h\n    ds-submission: hook\n    ds-hook: /bin/true\n"
      "    ds-hook-timeout: 90s\n",
      "p.yaml");
  EXPECT_EQ(set[0].ds_hook_timeout, 90u);
  std::string y = policy_to_yaml(set[0]);
  EXPECT_NE(y.find("  ds-hook-timeout: 90s\n"), std::string::npos) << y;
  EXPECT_EQ(parse_policies("policies:\n" + y, "again")[0].ds_hook_timeout, 90u);
}

TEST(Policy, ABadDsHookTimeoutIsRefusedWithItsLine) {
  std::string e = error_of(
      "policies:\n  - name: h\n    ds-submission: hook\n    ds-hook: /bin/true\n"
      "    ds-hook-timeout: soon\n");
  EXPECT_NE(e.find("p.yaml:5: 'ds-hook-timeout': 'soon' is not a duration"), std::string::npos)
      << e;
  e = error_of("policies:\n  - name: h\n    ds-hook-timeout: 0\n");
  EXPECT_NE(e.find("p.yaml:2: policy 'h': ds-hook-timeout (0s) must be 1s..1h"), std::string::npos)
      << e;
  e = error_of("policies:\n  - name: h\n    ds-hook-timeout: 2h\n");
  EXPECT_NE(e.find("ds-hook-timeout (2h) must be 1s..1h"), std::string::npos) << e;
}

TEST(Policy, RefreshBatchIsReadAndWrittenBackOnlyWhenSet) {
  auto ps = parse_policies(kGood, "p.yaml");
  EXPECT_FALSE(ps[0].refresh_batch.has_value());  // the default (1 day, cut to the room left)
  // A policy without the key does not grow it (stored policies stay byte for byte the same).
  EXPECT_EQ(policy_to_yaml(ps[0]).find("rrsig-refresh-batch"), std::string::npos);
  for (const char* batch : {"2d", "0"}) {
    auto set = parse_policies(
        std::string("policies:\n  - name: b\n    rrsig-refresh-batch: ") + batch + "\n", "p.yaml");
    ASSERT_TRUE(set[0].refresh_batch.has_value());
    EXPECT_EQ(*set[0].refresh_batch, std::string(batch) == "0" ? 0u : 2u * 86400);
    std::string y = policy_to_yaml(set[0]);
    EXPECT_NE(y.find(std::string("  rrsig-refresh-batch: ") +
                     (std::string(batch) == "0" ? "0s" : "2d") + "\n"),
              std::string::npos)
        << y;
    auto back = parse_policies("policies:\n" + y, "round-trip");
    EXPECT_EQ(back[0].refresh_batch, set[0].refresh_batch);
  }
}

// Room for the batch: the signatures a refresh makes must not fall into its own batch.
TEST(Policy, ARefreshBatchWithoutRoomIsRefusedWithItsLine) {
  std::string e = error_of(
      "policies:\n  - name: short\n    rrsig-validity: 7d\n    rrsig-refresh: 12h\n"
      "    max-zone-ttl: 1h\n    rrsig-refresh-batch: 6d\n");
  EXPECT_NE(e.find("p.yaml:2: policy 'short': rrsig-refresh-batch (6d) leaves no room: "
                   "rrsig-refresh + rrsig-refresh-batch + rrsig-jitter + 1h (169h) must not "
                   "exceed rrsig-validity (1w)"),
            std::string::npos)
      << e;
  EXPECT_EQ(error_of("policies:\n  - name: short\n    rrsig-validity: 7d\n    rrsig-refresh: 12h\n"
                     "    max-zone-ttl: 1h\n    rrsig-refresh-batch: 143h\n"),
            "");
  EXPECT_NE(error_of("policies:\n  - name: x\n    rrsig-refresh-batch: soon\n")
                .find("p.yaml:3: 'rrsig-refresh-batch'"),
            std::string::npos);
  // Without the key, or with a batch of 0, timings accepted before stay accepted, however tight.
  const char* tight =
      "policies:\n  - name: tight\n    rrsig-validity: 86430s\n    rrsig-refresh: 86415s\n"
      "    rrsig-jitter: 5s\n    max-zone-ttl: 3s\n    propagation-delay: 1s\n";
  EXPECT_EQ(error_of(tight), "");
  EXPECT_EQ(error_of(std::string(tight) + "    rrsig-refresh-batch: 0\n"), "");
}

namespace {
const std::string kSecret = "c2lnbmV0LWNvbmYtdGVzdC1zZWNyZXQ=";
std::string pushing() {
  return "policies:\n  - name: pushed\n    ds-submission: push\n"
         "    ds-push: {server: \"192.0.2.53\", tsig-name: ds-update., tsig-secret: \"" +
         kSecret + "\"}\n";
}
}  // namespace

// A tenant's file (signetutil --tenant T policy import) cannot set what runs a program or uses
// the operator's credentials and network; the refusal names the key and its file:line. The store
// enforces the same rule (keystore/policy_store.hh): both agree on the keys.
TEST(Policy, ATenantsFileCannotSetKeysThatRunProgramsOrUseTheOperatorsCredentials) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"ds-hook", "    ds-submission: hook\n    ds-hook: /tmp/evil\n"},
      {"ds-push",
       "    ds-push: {server: \"10.0.0.1\", tsig-name: k., tsig-secret: \"c2VjcmV0\"}\n"},
      {"parent-nameservers", "    parent-nameservers: [\"10.0.0.1\"]\n"},
  };
  for (const auto& [key, lines] : cases) {
    std::string yaml = "policies:\n  - name: x\n    keys: csk\n" + lines;
    std::string error;
    try {
      parse_policies(yaml, "t.yaml", PolicyAuthor::kTenant);
    } catch (const ScopeError& e) {
      error = e.what();
    }
    int line = key == "ds-hook" ? 5 : 4;
    EXPECT_NE(error.find("t.yaml:" + std::to_string(line) + ": policy 'x' sets '" + key + "'"),
              std::string::npos)
        << key << ": " << error;
    // The operator may; and the store's rule names the same key.
    auto ps = parse_policies(yaml, "t.yaml", PolicyAuthor::kOperator);
    EXPECT_EQ(operator_only_key(ps[0]), key);
  }
  EXPECT_EQ(parse_policies(kGood, "p.yaml", PolicyAuthor::kOperator).size(), 2u);
  EXPECT_EQ(
      parse_policies("policies:\n  - name: fine\n    keys: csk\n", "t.yaml", PolicyAuthor::kTenant)
          .size(),
      1u);
}

// What is written as YAML — the stored form, the audit log's before/after, policy show — never
// holds the TSIG secret.
TEST(Policy, NoYamlWrittenHoldsTheTsigSecret) {
  auto p = parse_policies(pushing(), "p.yaml")[0];
  EXPECT_EQ(p.ds_push.tsig_secret, kSecret);
  std::string stored = policy_to_yaml(p);
  EXPECT_EQ(stored, policy_to_yaml(p, TsigSecretForm::kOmitted));
  EXPECT_EQ(stored.find(kSecret), std::string::npos) << stored;
  EXPECT_EQ(stored.find("tsig-secret"), std::string::npos) << stored;
  EXPECT_NE(stored.find("tsig-name: \"ds-update.\""), std::string::npos) << stored;
  std::string shown = policy_to_yaml(p, TsigSecretForm::kRedacted);
  EXPECT_EQ(shown.find(kSecret), std::string::npos) << shown;
  EXPECT_NE(shown.find("tsig-secret: \"<redacted>\""), std::string::npos) << shown;
}

// The stored form reads back as the same policy, without its secret (sealed apart); as a file it
// would lack the secret a push needs.
TEST(Policy, StoredYamlReadsBackWithoutTheSecret) {
  auto p = parse_policies(pushing(), "p.yaml")[0];
  std::string stored = policy_to_yaml(p);
  SigningPolicy back = parse_stored_policy("pushed", stored);
  EXPECT_TRUE(back.ds_push.tsig_secret.empty());
  EXPECT_EQ(back.ds_push.server, "192.0.2.53");
  EXPECT_EQ(policy_to_yaml(back), stored);
  EXPECT_NE(
      error_of("policies:\n" + stored).find("needs ds-push.server, tsig-name and tsig-secret"),
      std::string::npos);
  EXPECT_THROW(parse_stored_policy("other-name", stored), CorruptionError);
  EXPECT_THROW(parse_stored_policy("pushed", "- name: pushed\n  bogus: 1\n"), CorruptionError);
}

// A policy stored before schema 3 has the secret in its YAML: it is read, to be sealed when the
// policy is imported again.
TEST(Policy, AStoredPolicyFromSchema2StillHasItsSecret) {
  std::string legacy =
      "- name: old\n  ds-submission: push\n  ds-push: {server: \"192.0.2.1\", tsig-name: "
      "\"k.\", tsig-algorithm: \"hmac-sha256\", tsig-secret: \"" +
      kSecret + "\"}\n";
  EXPECT_EQ(parse_stored_policy("old", legacy).ds_push.tsig_secret, kSecret);
}

// `policy show` output fed back to `policy import` would make "<redacted>" the secret.
TEST(Policy, TheRedactedPlaceholderIsNotASecret) {
  auto p = parse_policies(pushing(), "p.yaml")[0];
  std::string e = error_of("policies:\n" + policy_to_yaml(p, TsigSecretForm::kRedacted));
  std::string yaml = "policies:\n" + policy_to_yaml(p, TsigSecretForm::kRedacted);
  int line =
      1 + static_cast<int>(std::count(yaml.begin(), yaml.begin() + yaml.find("ds-push"), '\n'));
  EXPECT_NE(e.find("p.yaml:" + std::to_string(line) + ": 'ds-push.tsig-secret' is <redacted>"),
            std::string::npos)
      << e;
}

TEST(Policy, DurationsParseWithTheirUnitsAndRefuseAnythingElse) {
  EXPECT_EQ(parse_duration("30"), 30u);
  EXPECT_EQ(parse_duration("30s"), 30u);
  EXPECT_EQ(parse_duration("5m"), 300u);
  EXPECT_EQ(parse_duration("2h"), 7200u);
  EXPECT_EQ(parse_duration("30d"), 30u * 86400);
  EXPECT_EQ(parse_duration("2w"), 14u * 86400);
  EXPECT_EQ(parse_duration("4294967295"), 4294967295u);
  for (const char* bad : {"", "d", "-1d", "1.5d", "1y", " 1d", "1d ", "99999999999", "7102w"})
    EXPECT_FALSE(parse_duration(bad)) << bad;
}
