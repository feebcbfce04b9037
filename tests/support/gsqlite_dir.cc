// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/support/gsqlite_dir.hh"

#include <gtest/gtest.h>

#include "tests/support/signet_dir.hh"
#include "tests/support/tools.hh"

namespace signet::test {

const char* const kGsqlite3Schema = "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql";

GsqliteDir::GsqliteDir(std::map<std::string, std::string> settings) {
  RunResult schema = run({find_tool("python3"), "-c",
                          "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
                          "c.executescript(open(sys.argv[2]).read()); c.commit()",
                          database(), kGsqlite3Schema},
                         "", 60);
  EXPECT_EQ(schema.status, 0) << "creating " << database() << ": " << schema.err;
  PdnsServerOptions o;
  o.backend = "other";
  o.settings = {{"launch", "gsqlite3"}, {"gsqlite3-database", database()}};
  for (const auto& [k, v] : no_caches())
    o.settings[k] = v;
  for (const auto& [k, v] : settings)
    o.settings[k] = v;
  server = std::make_unique<PdnsServer>(dir.path(), o);
}

RunResult GsqliteDir::pdnsutil(std::vector<std::string> args) {
  args.insert(args.begin(), {pdnsutil_path(), "--config-dir", dir.path()});
  return run(args, "", 60);
}

std::string GsqliteDir::pdnsutil_ok(const std::vector<std::string>& args) {
  RunResult r = pdnsutil(args);
  std::string cmd;
  for (const auto& a : args)
    cmd += " " + a;
  EXPECT_EQ(r.status, 0) << "pdnsutil" << cmd << "\nstdout: " << r.out << "\nstderr: " << r.err;
  return r.out;
}

}  // namespace signet::test
