// SPDX-License-Identifier: GPL-2.0-or-later
//
// The one object that owns what a running Signet needs: its configuration, its store and its
// clock. signetutil makes one per invocation; the pdns module makes one per store path and shares
// it between all backend instances of the process (LMDB forbids opening one environment twice in a
// process). Nothing else in Signet is global.
#pragma once

#include <memory>

#include "conf/config.hh"
#include "keystore/store.hh"
#include "signer/clock.hh"

namespace signet {

class Context {
 public:
  // Opens the store named by `config`. Throws StoreError.
  explicit Context(Config config, std::unique_ptr<Clock> clock = std::make_unique<SystemClock>());

  const Config& config() const { return config_; }
  Store& store() { return *store_; }
  const Clock& clock() const { return *clock_; }

 private:
  Config config_;
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<Store> store_;
};

}  // namespace signet
