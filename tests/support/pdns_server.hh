// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: a real pdns_server on 127.0.0.1 and a free port, with Signet (launch=signet, the
// module from the build directory) or with pdns' own bind backend, always stopped when the object
// goes away.
//
// The constructor only writes DIR/pdns.conf, so signetutil and pdnsutil (--config-dir DIR) can fill
// the store before start(); start() runs pdns_server --config-dir=DIR and returns once it answers a
// DNS query. The log is DIR/pdns.log.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "tests/support/process.hh"

namespace signet::test {

inline constexpr const char* kEmptySetting = "\x01empty";

struct PdnsServerOptions {
  // "signet" (module-dir = the build directory, signet-path = DIR/store) or "bind"
  // (bind-config = `named_conf`), or "other" (launch= and the rest come from `settings`).
  std::string backend = "signet";
  std::string named_conf;  // bind only: path of a named.conf
  // Signet only: keep pdns' zone cache (zone-cache-refresh-interval=300, pdns' default). Turn it
  // off when zones are created behind the running server's back (signetutil, pdnsutil).
  bool zone_cache = true;
  // The HTTP API: webserver=yes api=yes on 127.0.0.1 and a free port, allowed from 127.0.0.0/8.
  bool api = false;
  std::string api_key = "secret";
  // Any other pdns.conf setting; these override the defaults above (an empty value removes one;
  // kEmptySetting writes "key=", e.g. only-notify= so that pdns sends NOTIFY to also-notify
  // addresses only, never resolving NS names through the system resolver).
  // security-poll-suffix is always written, empty unless set here: no test polls by accident.
  std::map<std::string, std::string> settings;
};

class PdnsServer {
 public:
  // `dir` must exist; pdns.conf, the socket, the log (and Signet's store) live in it.
  PdnsServer(std::string dir, PdnsServerOptions options = {});
  ~PdnsServer();
  PdnsServer(const PdnsServer&) = delete;
  PdnsServer& operator=(const PdnsServer&) = delete;

  // Starts pdns_server and waits (up to 30 s) until it answers a query; throws with the log if it
  // exits or never answers. A port taken in the meantime is retried with another one.
  void start();
  void stop();
  bool running();

  const std::string& dir() const { return dir_; }
  int port() const { return port_; }
  int web_port() const { return web_port_; }
  std::string store_path() const { return dir_ + "/store"; }
  std::string log_path() const { return dir_ + "/pdns.log"; }
  std::string log() const;
  // http://127.0.0.1:<web_port><path>
  std::string api_url(const std::string& path) const;
  const PdnsServerOptions& options() const { return options_; }

  // The complete settings written to pdns.conf.
  std::map<std::string, std::string> settings() const;

 private:
  void write_config();
  bool answers_query();

  std::string dir_;
  PdnsServerOptions options_;
  int port_ = 0;
  int web_port_ = 0;
  std::unique_ptr<Process> process_;
};

// The first lines of every pdns.conf a test writes by hand (for signetutil or pdnsutil): the
// settings that keep pdns and the key manager from asking anyone off the machine (no security
// poll; signet-resolver at 127.0.0.1:9, where nothing answers — a later signet-resolver line
// overrides it; signet-monitor-interval=0: signetd's validation monitor off). PdnsServer writes
// them itself.
extern const char* const kOfflinePdnsConf;

// The pdns_server binary (PDNS_SERVER in the environment, else /usr/sbin/pdns_server).
std::string pdns_server_path();
// The pdnsutil binary (PDNSUTIL in the environment, else pdnsutil from PATH).
std::string pdnsutil_path();

}  // namespace signet::test
