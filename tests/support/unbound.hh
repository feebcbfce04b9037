// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: a validating Unbound on 127.0.0.1 and a free port, trusting one anchor and sent to
// our pdns_servers by stub zones; everything else goes to a stub root on loopback, so it never
// asks anyone off the machine. Stopped when the object goes away.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/process.hh"
#include "tests/support/tools.hh"

namespace signet::test {

struct UnboundOptions {
  std::string trust_anchor;                        // "zone. DS 12345 13 2 ..."
  std::vector<std::pair<std::string, int>> stubs;  // zone, port of the pdns_server serving it
  std::vector<std::string> extra;                  // more "server:" lines
  // Where a query for anything outside the stubs goes: 127.0.0.1 on this port (9, discard:
  // nothing answers there, and no test server picks a port below 20000).
  int root_port = 9;
};

class Unbound {
 public:
  // Starts unbound -d (retrying on another port if one is taken meanwhile); throws with its log
  // when it does not answer within 20 s.
  Unbound(const std::string& dir, UnboundOptions options);
  ~Unbound();
  Unbound(const Unbound&) = delete;
  Unbound& operator=(const Unbound&) = delete;

  int port() const { return port_; }
  std::string log() const;
  // Empties the cache (unbound-control is not set up: a restart does it).
  void restart();
  // Restarts with `extra` in place of the options' extra "server:" lines (val-override-date:
  // validating at another time, say), on the same port when it is still free: a resolver
  // configured elsewhere by address stays the same resolver.
  void restart_with(std::vector<std::string> extra);

 private:
  void start(int port = 0);
  std::string config() const;

  std::string dir_;
  UnboundOptions options_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
  int generation_ = 0;  // instances started, for the identity telling them apart
  std::string identity() const;
};

}  // namespace signet::test
