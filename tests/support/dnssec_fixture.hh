// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: a fresh store with the DNSSEC units wired as a process wires them — a master key,
// the Dnssec service on the fake clock, and the portfolio's writers re-signing through it.
#pragma once

#include <memory>

#include "keystore/dnssec.hh"
#include "keystore/keyring.hh"
#include "tests/support/store_fixture.hh"

namespace signet::test {

class DnssecStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    MasterKey::generate_file(dir.file("master.key"));
    master = std::make_unique<MasterKey>(MasterKey::load(dir.file("master.key")));
    dnssec =
        std::make_unique<Dnssec>(*store, clock, [this]() -> const MasterKey& { return *master; });
    portfolio->set_edit_hook(&dnssec->signing());
  }

  std::unique_ptr<MasterKey> master;
  std::unique_ptr<Dnssec> dnssec;
};

}  // namespace signet::test
