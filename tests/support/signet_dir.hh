// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: a config directory with launch=signet, the tools that work on it (signetutil,
// pdnsutil), and a pdns_server that may be started on it, with its DNS answers (dig) and its
// HTTP API (curl) at hand. pdns' answer caches are off, so every answer reflects the store.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/temp_dir.hh"

namespace signet::test {

// cache-ttl, query-cache-ttl and negquery-cache-ttl = 0.
std::map<std::string, std::string> no_caches();

// One HTTP exchange with pdns' API.
struct HttpReply {
  int status = 0;
  std::string body;
  // The body parsed (JSON is YAML); a null node when it is not JSON.
  YAML::Node json() const;
};

class SignetDir {
 public:
  explicit SignetDir(PdnsServerOptions options = {});

  RunResult pdnsutil(std::vector<std::string> args);
  RunResult signetutil(std::vector<std::string> args);
  // Run and expect exit 0; return stdout.
  std::string pdnsutil_ok(const std::vector<std::string>& args);
  std::string signetutil_ok(const std::vector<std::string>& args);

  // dig +short against the server, sorted.
  std::vector<std::string> dig(const std::string& name, const std::string& type);
  // The RCODE pdns answers (NOERROR, NXDOMAIN...), "(no answer)" when none came.
  std::string rcode(const std::string& name, const std::string& type);
  // METHOD http://127.0.0.1:<api port><path> with the API key and a JSON body.
  HttpReply http(const std::string& method, const std::string& path, const std::string& body = "");

  TempDir dir;
  std::unique_ptr<PdnsServer> server;
};

}  // namespace signet::test
