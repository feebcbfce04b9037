// SPDX-License-Identifier: GPL-2.0-or-later
// Test support for the drills (rollover_drill_test, incident_drill_test): one "site", a store
// and the pdns_server+Signet serving it, whose answers always reflect the store as it is now
// (no pdns caches: the key manager, signetd and the tests change the store behind pdns' back).
//
//   Site parent;  parent.ok({"create-tenant", "registry"});  parent.server.start();
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/temp_dir.hh"

namespace signet::test {

// `extra` settings are added to (or override) the drill's.
inline PdnsServerOptions drill_server_options(
    const TempDir& dir, const std::map<std::string, std::string>& extra = {}) {
  PdnsServerOptions o;
  o.zone_cache = false;
  o.settings = {
      {"signet-master-key-file", dir.file("master.key")},
      {"signet-refresh-interval", "1"},
      {"zone-metadata-cache-ttl", "0"},
      {"query-cache-ttl", "0"},
      {"negquery-cache-ttl", "0"},
      {"cache-ttl", "0"},
      {"dnssec-key-cache-ttl", "0"},
  };
  for (const auto& [k, v] : extra)
    o.settings[k] = v;
  return o;
}

struct Site {
  explicit Site(const std::map<std::string, std::string>& extra = {})
      : server(dir.path(), drill_server_options(dir, extra)) {}
  TempDir dir;
  PdnsServer server;

  // signetutil --config-dir DIR [--json] ARGS...
  RunResult util(std::vector<std::string> args, bool json = false) {
    args.insert(args.begin(), {signetutil_path(), "--config-dir", dir.path()});
    if (json)
      args.insert(args.begin() + 3, "--json");
    return run(args, "", 120);
  }
  // The same, expected to exit 0; its stdout.
  std::string ok(const std::vector<std::string>& args, bool json = false) {
    RunResult r = util(args, json);
    std::string cmd;
    for (const auto& a : args)
      cmd += " " + a;
    EXPECT_EQ(r.status, 0) << "signetutil" << cmd << ":\n" << r.err << r.out;
    return r.out;
  }
  // The RDATA of the zone's DS records as export-ds prints them ("tag alg type digest"), first
  // first.
  std::vector<std::string> ds_rdata(const std::string& zone) {
    std::vector<std::string> out;
    std::string text = ok({"export-ds", zone});
    for (size_t p = 0; p < text.size();) {
      size_t e = text.find('\n', p);
      std::string l = text.substr(p, e == std::string::npos ? std::string::npos : e - p);
      if (auto t = l.find("\tDS\t"); t != std::string::npos)
        out.push_back(l.substr(t + 4));
      p = e == std::string::npos ? text.size() : e + 1;
    }
    return out;
  }
};

// The drills' parent: tenant "registry" serving `apex` from `zone_text` (a master file), secured.
inline void make_secured_parent(Site& parent, const std::string& apex,
                                const std::string& zone_text) {
  parent.ok({"generate-master-key"});
  parent.ok({"create-tenant", "registry"});
  write_file(parent.dir.file("parent.zone"), zone_text);
  parent.ok({"load-zone", "registry", apex, parent.dir.file("parent.zone")});
  parent.ok({"secure-zone", apex});
}

// "APEX DS tag alg type digest": the trust anchor of a resolver that trusts the site's `apex`.
inline std::string ds_trust_anchor(Site& site, const std::string& apex) {
  return apex + " DS " + site.ds_rdata(apex).at(0);
}

}  // namespace signet::test
