// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetd's routing, independent of HTTP: a request as the handlers see it, the response they
// give, and the table that maps (method, path pattern) to a handler. The HTTP binding
// (api/http_server.hh) turns cpp-httplib's requests into these, authenticates the token, applies
// the limits (body size, rate) and calls Router::dispatch; tests may call dispatch directly.
//
// Errors have one shape everywhere, as pdns' API gives them: a JSON object {"error": "..."} with
// the status code. Handlers throw; dispatch maps:
//   HttpError(status)         -> that status
//   InputError                -> 422 (malformed JSON, record content; the message names the field)
//   NotFound                  -> 404
//   Conflict                  -> 409
//   TokenRejected             -> 401 (always the same body: the reason is never told)
//   anything else             -> 500 "internal error" (logged by the caller, never sent: no
//                                paths, no exception text)
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keystore/tokens.hh"
#include "signer/json.hh"

namespace signet::api {

struct Request {
  std::string method;                             // "GET", "POST", "PUT", "PATCH", "DELETE"
  std::string path;                               // percent-decoded, without the query string
  std::map<std::string, std::string> params;      // path captures by name ("{zone}" -> "zone")
  std::multimap<std::string, std::string> query;  // query string parameters
  std::string body;
  std::string remote_addr;
  // The authenticated token; nullopt only for routes registered with Auth::kNone (and for
  // Auth::kMetrics when the remote address is in signet-api-metrics-allow).
  std::optional<TokenIdentity> who;

  // The first value of query parameter `name`, if present.
  std::optional<std::string> query_value(std::string_view name) const;
  // `who`, or throws HttpError(401) (for handlers of authenticated routes).
  const TokenIdentity& identity() const;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;

  static Response json(int status, const Json& value);
  // {"error": message}, as pdns answers errors.
  static Response error(int status, std::string_view message);
  // No body (204 No Content and the like).
  static Response empty(int status = 204);
  static Response text(int status, std::string body, std::string content_type);
};

// A handler's way to answer with a given status and {"error": message}.
class HttpError : public std::exception {
 public:
  HttpError(int status, std::string message) : status_(status), message_(std::move(message)) {}
  int status() const { return status_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  int status_;
  std::string message_;
};

enum class Auth {
  kNone,     // anyone (the OpenAPI document)
  kToken,    // a valid X-API-Key
  kMetrics,  // an operator token, or a remote address in signet-api-metrics-allow
};

using Handler = std::function<Response(Request&)>;

struct Route {
  std::string method;
  // Literal segments and "{name}" captures, one capture per segment:
  // "/api/v1/servers/localhost/zones/{zone}/export".
  std::string pattern;
  Auth auth = Auth::kToken;
  Handler handler;
};

class Router {
 public:
  void add(Route route);
  // The route for `method` and `path`, its captures filled into `params`; nullptr when no
  // pattern matches (404) or only with another method (`method_mismatch` set: 405).
  const Route* match(std::string_view method, std::string_view path,
                     std::map<std::string, std::string>& params, bool& method_mismatch) const;
  // Runs the handler of the matching route (the caller has filled `who` as its auth requires)
  // and maps its exceptions to responses as described at the top of this file.
  Response dispatch(Request& request) const;
  // Maps an exception thrown by a handler (current exception) to a response.
  static Response from_current_exception();
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace signet::api
