// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: a real signetd on 127.0.0.1 and a free port, over HTTP or HTTPS (with a
// self-signed pair made by openssl for the test), always stopped when the object goes away; and a
// small HTTP client for it (cpp-httplib's).
//
//   SignetDir d;  ... d.server->start();           // pdns_server with launch=signet, if wanted
//   Signetd api(d.dir.path(), {.tls = true});      // reads d.dir/pdns.conf: the same store
//   api.start();
//   auto r = api.request("GET", "/api/v1/servers/localhost", token);
//   r.status, r.header("Retry-After"), r.json()["error"]
//
// signetd reads DIR/pdns-signetd.conf (--config-name signetd): a copy of DIR/pdns.conf made by
// start(), plus the API's address, TLS pair and `settings`. Its log (stdout and stderr) is
// DIR/signetd.log.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "signer/json.hh"
#include "tests/support/process.hh"

namespace signet::test {

struct SignetdOptions {
  bool tls = false;
  // Run signetd_probe (signetd with test routes under /probe/: tests/support/signetd_probe.cc).
  bool probe = false;
  // Other pdns.conf lines for signetd ("signet-api-rate" -> "5"); they follow the copied pdns.conf.
  std::map<std::string, std::string> settings = {};
  // signetd lives this many seconds away from now (SIGNET_CLOCK_OFFSET; 0: the real clock).
  long clock_offset = 0;
};

struct SignetdReply {
  int status = 0;  // 0: no response (the error is in `body`)
  std::multimap<std::string, std::string> headers;
  std::string body;
  // The first value of header `name` (case-insensitive), "" when absent.
  std::string header(const std::string& name) const;
  // The body parsed; a discarded (is_discarded()) value when it is not JSON.
  Json json() const;
};

class Signetd {
 public:
  // `dir` must hold pdns.conf (launch=signet and the store's settings).
  explicit Signetd(std::string dir, SignetdOptions options = {});
  ~Signetd();
  Signetd(const Signetd&) = delete;
  Signetd& operator=(const Signetd&) = delete;

  // Starts signetd and waits (up to 30 s) until it listens; throws with its log if it exits
  // first. A port taken in the meantime is retried with another one.
  void start();
  // SIGTERM; waits for the exit (SIGKILL after 5 s). Returns the exit status.
  int stop();
  bool running();
  void kill9();

  int port() const { return port_; }
  // "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT".
  std::string url() const;
  // The self-signed certificate clients trust (tls only).
  std::string cert_path() const { return dir_ + "/signetd-cert.pem"; }
  std::string log_path() const { return dir_ + "/signetd.log"; }
  std::string log() const;
  pid_t pid() const { return process_ ? process_->pid() : -1; }

  // One request: METHOD PATH with X-API-Key: `token` (none when nullopt) and `body` (as
  // application/json when not empty), over a new connection, certificate checked when TLS.
  SignetdReply request(const std::string& method, const std::string& path,
                       const std::optional<std::string>& token = std::nullopt,
                       const std::string& body = "",
                       const std::multimap<std::string, std::string>& headers = {}) const;

 private:
  void write_config();

  std::string dir_;
  SignetdOptions options_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

// The signetd and signetd_probe binaries of the build directory.
std::string signetd_path();
std::string signetd_probe_path();

}  // namespace signet::test
