// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: the reference for compatibility tests — a config directory with pdns' own gsqlite3
// backend (an empty database made from pdns' schema), pdnsutil on it, and a pdns_server that may be
// started on it. pdns' answer caches are off, so every answer reflects the database.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/temp_dir.hh"

namespace signet::test {

// Where pdns-backend-sqlite3 installs its schema.
extern const char* const kGsqlite3Schema;

class GsqliteDir {
 public:
  // `settings` go to pdns.conf on top of launch=gsqlite3, the database and no caches. Needs
  // python3 (to create the database) and the schema file: check with SIGNET_REQUIRE_TOOLS first.
  explicit GsqliteDir(std::map<std::string, std::string> settings = {});

  RunResult pdnsutil(std::vector<std::string> args);
  // Run and expect exit 0; return stdout.
  std::string pdnsutil_ok(const std::vector<std::string>& args);
  std::string database() const { return dir.file("pdns.sqlite3"); }

  TempDir dir;
  std::unique_ptr<PdnsServer> server;
};

}  // namespace signet::test
