// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: a key manager on a fresh store with a fake clock — the DNSSEC units, an audit log,
// stored policies resolved from a table, and a log of what the key manager said — for tests that
// secure many zones and tick them in-process.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "keystore/audit.hh"
#include "keystore/dnssec.hh"
#include "keystore/health.hh"
#include "keystore/keyman.hh"
#include "keystore/keyring.hh"
#include "tests/support/dnssec_fixture.hh"

namespace signet::test {

class KeyManagerFixture : public DnssecStoreTest {
 protected:
  void SetUp() override {
    DnssecStoreTest::SetUp();
    audit = std::make_unique<AuditLog>(*store, clock, "test");
    dnssec->events().set_audit(audit.get());
    dnssec->policies().set_parser(
        [this](const std::string& name, const std::string&) { return policies.at(name); });
    keyman = std::make_unique<KeyManager>(*store, *dnssec, clock,
                                          [this](bool warning, const std::string& m) {
                                            std::lock_guard lock(log_mu);
                                            log.push_back((warning ? "warning: " : "") + m);
                                            if (on_log)
                                              on_log(m);
                                          });
  }

  void add_policy(const SigningPolicy& p) {
    policies[p.name] = p;
    auto txn = store->begin_write();
    dnssec->policy_store().put(txn, kGlobalPolicyOwner, p, "(test)");
    txn.commit();
  }

  ZoneRecord zone(const std::string& apex) {
    auto txn = store->begin_read();
    return portfolio->zone(txn, n(apex));
  }

  // Creates (tenant "acme") and secures `apex` with `policy` (added first).
  void secure(const std::string& apex, const SigningPolicy& policy) {
    if (!policies.count(policy.name))
      add_policy(policy);
    make_zone("acme", apex);
    auto txn = store->begin_write();
    ZoneRecord z = portfolio->zone(txn, n(apex));
    dnssec->signing().secure(txn, z, policy, 1);
    txn.commit();
  }

  codec::RolloverRecord rollover(const std::string& apex) {
    auto txn = store->begin_read();
    return dnssec->state().rollover(txn, zone(apex).id);
  }
  ZoneKeyStatus status(const std::string& apex) {
    auto txn = store->begin_read();
    return keyman->status(txn, zone(apex));
  }
  ZoneHealth health(const std::string& apex) {
    auto txn = store->begin_read();
    return assess_zone(*keyman, *dnssec, *store, txn, zone(apex), "acme", clock.now());
  }
  // The DS records the zone wants at its parent (SHA-256).
  std::vector<std::vector<uint8_t>> wanted_ds(const std::string& apex) {
    auto txn = store->begin_read();
    return dnssec->ds().wanted(txn, zone(apex), DigestType::kSha256);
  }

  // Audit entries of `kind` (of zone `apex` when given).
  std::vector<AuditEntry> audited(const std::string& kind, const std::string& apex = "") {
    auto txn = store->begin_read();
    std::vector<AuditEntry> out;
    audit->for_each(txn, [&](const AuditEntry& e) {
      if (e.kind == kind && (apex.empty() || e.zone == n(apex).to_text()))
        out.push_back(e);
    });
    return out;
  }

  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<KeyManager> keyman;
  std::map<std::string, SigningPolicy> policies;
  std::mutex log_mu;
  std::vector<std::string> log;
  std::function<void(const std::string&)> on_log;  // called with every message, under log_mu
};

}  // namespace signet::test
