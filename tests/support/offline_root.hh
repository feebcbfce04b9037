// SPDX-License-Identifier: GPL-2.0-or-later
//
// For tests that call signetd's routes in-process: a composition root over a new store in a test
// directory, as signetd builds one, that never asks anyone — the resolver and parent discovery
// point at a closed loopback port, with one try of 100 ms.
#pragma once

#include <functional>
#include <memory>

#include "conf/composition_root.hh"
#include "keystore/keyring.hh"
#include "tests/support/temp_dir.hh"

namespace signet::test {

inline std::unique_ptr<CompositionRoot> offline_root(
    const TempDir& dir, std::unique_ptr<Clock> clock = clock_from_environment(),
    const std::function<void(Config&)>& adjust = {}) {
  MasterKey::generate_file(dir.file("master.key"));
  Config c;
  c.path = dir.path();
  c.map_size_mb = 1024;
  c.master_key_file = dir.file("master.key");
  c.signing_threads = 1;
  c.resolvers = {DnsServer{"127.0.0.1", 9}};
  if (adjust)
    adjust(c);
  auto root = std::make_unique<CompositionRoot>(c, std::move(clock));
  ParentFinderOptions quick;
  quick.resolvers = {DnsServer{"127.0.0.1", 9}};
  quick.try_timeout_ms = 100;
  quick.tries = 1;
  root->keyman().set_parent_finder(quick);
  return root;
}

}  // namespace signet::test
