// SPDX-License-Identifier: GPL-2.0-or-later
// A fresh store in a temporary directory, with a fake clock and helpers to read it back.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "keystore/portfolio.hh"
#include "keystore/store.hh"
#include "signer/clock.hh"
#include "signer/rdata_text.hh"
#include "signer/rrtype.hh"
#include "tests/support/temp_dir.hh"

namespace signet::test {

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : clock(1700000000) { reopen(); }

  void reopen() {
    portfolio.reset();
    store.reset();
    store = std::make_unique<Store>(StoreOptions{dir.path(), uint64_t(1) << 30});
    portfolio = std::make_unique<Portfolio>(*store, clock);
  }

  static std::vector<uint8_t> rd(uint16_t type, const std::string& text) {
    return rdata_from_text(type, text, Name());
  }
  static Name n(const std::string& text) { return Name::from_text(text); }

  // "TYPE flags" of every row at `owner` in zone `apex`, e.g. {"A auth", "NS -"}.
  std::set<std::string> rows(const std::string& apex, const std::string& owner) {
    auto txn = store->begin_read();
    auto z = store->find_zone(txn, n(apex));
    EXPECT_TRUE(z.has_value());
    std::set<std::string> out;
    std::string prefix = codec::name_prefix(z->id, n(owner).relative_to(z->name));
    lmdb::Cursor c(txn, store->dbi().rrsets);
    for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
      auto parts = codec::split_rrset_key(c.key_bytes());
      auto v = codec::decode_rrset(c.value());
      std::string t = parts.type == 0 ? "ENT" : rrtype_to_text(parts.type);
      out.insert(t + (v.auth() ? " auth" : " -"));
    }
    return out;
  }

  std::vector<std::string> rdata_texts(const std::string& apex, const std::string& owner,
                                       uint16_t type) {
    auto txn = store->begin_read();
    auto z = store->find_zone(txn, n(apex));
    std::vector<std::string> out;
    auto v = store->get_rrset(txn, z->id, n(owner).relative_to(z->name), type);
    if (!v)
      return out;
    auto it = v->rdatas();
    std::span<const uint8_t> r;
    while (it.next(r))
      out.push_back(rdata_to_text(type, r));
    return out;
  }

  // Creates tenant + zone with SOA and one NS, committed.
  void make_zone(const std::string& tenant, const std::string& apex) {
    auto txn = store->begin_write();
    if (!store->find_tenant(txn, tenant))
      portfolio->create_tenant(txn, tenant);
    portfolio->create_zone_with_soa(txn, tenant, n(apex), {n("ns1." + apex)});
    txn.commit();
  }

  void edit(const std::string& apex, const std::function<void(ZoneWriter&)>& fn,
            bool bump = false) {
    auto txn = store->begin_write();
    portfolio->edit_zone(txn, n(apex), fn, bump);
    txn.commit();
  }

  TempDir dir;
  FakeClock clock;
  std::unique_ptr<Store> store;
  std::unique_ptr<Portfolio> portfolio;
};

}  // namespace signet::test
