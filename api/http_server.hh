// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetd's HTTP binding (cpp-httplib): HTTP or HTTPS on signet-api-address, and the gate every
// request passes before its handler runs.
//
// For every request, in this order:
//   1. the body is read, at most signet-api-max-body octets (more: 413; the excess is read and
//      dropped so that the connection stays usable, never kept in memory);
//   2. the route is found (none: 404; only with another method: 405);
//   3. the route's Auth is checked: X-API-Key must name a valid token (Tokens::authenticate). Every
//      refusal — header missing, token malformed, unknown, revoked, expired, of a deleted tenant,
//      wrong secret — gives the same 401 {"error": "Unauthorized"}; the reason goes nowhere, not
//      even to the log. Auth::kMetrics also admits the addresses of signet-api-metrics-allow, and
//      refuses (403) a token that is not an operator's;
//   4. the token's bucket (signet-api-rate per second, bursts of twice that) must not be empty
//      (429 with Retry-After);
//   5. the handler runs; its exceptions become responses as api/router.hh maps them. An
//      unexpected one is a 500 {"error": "internal error"}, its text logged, never sent.
// One line per request goes to the log: method, path, status, token id, milliseconds (never the
// key, never the query string).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/rate_limit.hh"
#include "api/router.hh"
#include "conf/config.hh"
#include "conf/netmask.hh"

namespace httplib {
class Server;
}

namespace signet::api {

using LogSink = std::function<void(const std::string& line)>;
// Writes one line to stderr (one write, so that lines of concurrent requests do not mix).
void log_to_stderr(const std::string& line);

// Steps 2 to 5 above, without HTTP (tests call it directly).
class Gate {
 public:
  // Checks a presented token (CompositionRoot::tokens().authenticate); throws TokenRejected.
  using Authenticate = std::function<TokenIdentity(std::string_view token)>;

  Gate(const Router& router, Authenticate authenticate, unsigned rate,
       std::vector<Netmask> metrics_allow, LogSink log = log_to_stderr,
       RateLimiter::Clock clock = nullptr);

  // `api_key`: the X-API-Key header, nullopt when absent. Fills request.params and request.who.
  Response handle(Request& request, const std::optional<std::string>& api_key);

 private:
  // Response when the route refuses the request (401, 403), nullopt when admitted.
  std::optional<Response> admit(const Route& route, Request& request,
                                const std::optional<std::string>& api_key);
  Response run(const Route& route, Request& request);

  const Router& router_;
  Authenticate authenticate_;
  RateLimiter limiter_;
  std::vector<Netmask> metrics_allow_;
  LogSink log_;
};

class HttpServer {
 public:
  // HTTPS when the config names a certificate and key (config_from saw to it that both or
  // neither are set). Throws InputError naming the setting when they cannot be loaded.
  HttpServer(Gate& gate, const Config& config, LogSink log = log_to_stderr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds signet-api-address; throws Error naming it when that fails.
  void bind();
  // Serves until stop() (from another thread); returns false when serving failed.
  bool serve();
  void stop();
  // "http://127.0.0.1:8082", "https://[::1]:8443".
  std::string url() const { return url_; }

 private:
  void install_handlers();

  Gate& gate_;
  Config config_;
  LogSink log_;
  std::string url_;
  std::unique_ptr<httplib::Server> server_;
};

}  // namespace signet::api
