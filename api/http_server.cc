// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/http_server.hh"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "signer/error.hh"

namespace signet::api {

void log_to_stderr(const std::string& line) {
  std::string out = line + "\n";
  // One write(2): lines of concurrent requests never interleave.
  [[maybe_unused]] ssize_t n = ::write(2, out.data(), out.size());
}

namespace {

// A client's text for the log: control characters (a percent-decoded "%0A" in a path would start
// a forged log line) become "\xNN".
std::string loggable(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

Response unauthorized() {
  return Response::error(401, "Unauthorized");
}

// A refusal for an unknown or revoked token returns before the secret is hashed; this spends the
// same keyed hash so that such refusals take as long as one for a wrong secret (the id is not a
// secret, but whether it exists should not be learnt from the clock either).
void spend_a_token_hash(std::string_view token) {
  static const std::array<uint8_t, crypto_generichash_KEYBYTES> key{};
  std::array<uint8_t, 32> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const uint8_t*>(token.data()),
                     token.size(), key.data(), key.size());
}

std::string current_exception_text() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace

// ------------------------------------------------------------------ Gate

Gate::Gate(const Router& router, Authenticate authenticate, unsigned rate,
           std::vector<Netmask> metrics_allow, LogSink log, RateLimiter::Clock clock)
    : router_(router),
      authenticate_(std::move(authenticate)),
      limiter_(rate, 0, std::move(clock)),
      metrics_allow_(std::move(metrics_allow)),
      log_(std::move(log)) {}

std::optional<Response> Gate::admit(const Route& route, Request& request,
                                    const std::optional<std::string>& api_key) {
  if (route.auth == Auth::kNone)
    return std::nullopt;
  // /metrics from an allowed address needs no token (Prometheus scrapers carry none).
  if (route.auth == Auth::kMetrics && !api_key && any_contains(metrics_allow_, request.remote_addr))
    return std::nullopt;
  try {
    // A missing header is checked like an empty token: the same path as every other refusal.
    request.who = authenticate_(api_key.value_or(""));
  } catch (const TokenRejected& e) {
    if (e.reason() == TokenRejected::Reason::kUnknown ||
        e.reason() == TokenRejected::Reason::kRevoked)
      spend_a_token_hash(api_key.value_or(""));
    return unauthorized();
  }
  if (route.auth == Auth::kMetrics && !request.who->is_operator())
    return Response::error(403, "Forbidden");
  return std::nullopt;
}

Response Gate::run(const Route& route, Request& request) {
  try {
    return route.handler(request);
  } catch (...) {
    Response r = Router::from_current_exception();
    if (r.status == 500)
      log_("signetd: " + loggable(request.method) + " " + loggable(request.path) +
           ": internal error: " + loggable(current_exception_text()));
    return r;
  }
}

Response Gate::handle(Request& request, const std::optional<std::string>& api_key) {
  bool method_mismatch = false;
  const Route* route = router_.match(request.method, request.path, request.params, method_mismatch);
  if (!route)
    return method_mismatch ? Response::error(405, "Method Not Allowed")
                           : Response::error(404, "Not Found");
  try {
    if (auto refused = admit(*route, request, api_key))
      return *refused;
  } catch (...) {
    // The store or the master key failed us: not the client's fault, and not its business.
    log_("signetd: " + loggable(request.method) + " " + loggable(request.path) +
         ": authentication failed: " + loggable(current_exception_text()));
    return Response::error(500, "internal error");
  }
  if (request.who) {
    auto verdict = limiter_.take(request.who->token_id);
    if (!verdict.allowed) {
      Response r = Response::error(429, "Too Many Requests");
      r.headers.emplace_back("Retry-After", std::to_string(verdict.retry_after_s));
      return r;
    }
  }
  return run(*route, request);
}

// ------------------------------------------------------------------ HttpServer

namespace {

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0)
    return "unknown error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

// The TLS context: the certificate chain and key of the settings, TLS 1.2 at least.
std::unique_ptr<httplib::Server> make_tls_server(const Config& config) {
  std::string error;
  auto server = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (SSL_CTX_use_certificate_chain_file(&ctx, config.api_tls_cert.c_str()) != 1) {
      error = "setting signet-api-tls-cert: cannot load '" + config.api_tls_cert +
              "': " + openssl_error();
      return false;
    }
    if (SSL_CTX_use_PrivateKey_file(&ctx, config.api_tls_key.c_str(), SSL_FILETYPE_PEM) != 1) {
      error = "setting signet-api-tls-key: cannot load '" + config.api_tls_key +
              "': " + openssl_error();
      return false;
    }
    if (SSL_CTX_check_private_key(&ctx) != 1) {
      error = "setting signet-api-tls-key: '" + config.api_tls_key +
              "' does not match the certificate of signet-api-tls-cert";
      return false;
    }
    return true;
  });
  if (!server->is_valid())
    throw InputError(error.empty() ? "cannot set up TLS: " + openssl_error() : error);
  return server;
}

Request to_request(const httplib::Request& in) {
  Request r;
  r.method = in.method;
  r.path = in.path;  // httplib percent-decodes it (not '+': that is a space only in queries)
  for (const auto& [k, v] : in.params)
    r.query.emplace(k, v);
  r.remote_addr = in.remote_addr;
  return r;
}

void to_httplib(const Response& from, httplib::Response& to) {
  to.status = from.status;
  for (const auto& [k, v] : from.headers)
    to.set_header(k, v);
  if (!from.body.empty() || !from.content_type.empty())
    to.set_content(from.body, from.content_type.empty() ? "application/json" : from.content_type);
}

// What reading a body came to.
struct Body {
  int refused = 0;  // 0, or the status that refuses the request (413, 415, 400)
  std::string text;
};

// Reads the body through httplib's reader, keeping at most `max` octets: past that the rest is
// read and dropped (so the connection stays in step) and the request refused with 413. httplib
// itself refuses a Content-Length above its payload limit (the same `max`) without storing it;
// this also bounds chunked and compressed bodies, which that limit does not.
Body read_body(const httplib::Request& req, httplib::Response& res,
               const httplib::ContentReader& reader, uint64_t max) {
  Body b;
  bool too_big = false;
  auto keep = [&](const char* data, size_t n) {
    if (too_big || b.text.size() + n > max) {
      too_big = true;
      std::string().swap(b.text);
      return true;
    }
    b.text.append(data, n);
    return true;
  };
  bool ok;
  if (req.is_multipart_form_data()) {
    // No route takes form uploads; read them off the connection and refuse.
    ok = reader([](const httplib::MultipartFormData&) { return true; }, keep);
    b.refused = 415;
  } else {
    ok = reader(keep);
  }
  if (!ok)
    b.refused = res.status == 413 ? 413 : 400;
  else if (too_big)
    b.refused = 413;
  if (b.refused)
    b.text.clear();
  return b;
}

// The reason phrase of the statuses httplib and the body reader answer with themselves.
std::string_view status_text(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 500:
      return "internal error";
    default:
      return status < 500 ? "Bad Request" : "internal error";
  }
}

}  // namespace

HttpServer::HttpServer(Gate& gate, const Config& config, LogSink log)
    : gate_(gate), config_(config), log_(std::move(log)), url_(config.api_url()) {
  if (config_.api_tls())
    server_ = make_tls_server(config_);
  else
    server_ = std::make_unique<httplib::Server>();
  unsigned threads = config_.api_threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_payload_max_length(config_.api_max_body);
  // httplib's default sets SO_REUSEPORT, which lets a second process bind the same port and take
  // a share of the connections (and their tokens): a port in use must be an error instead.
  server_->set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  install_handlers();
}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::install_handlers() {
  // One handler for every method and path: the Router decides, not httplib's regexes.
  auto serve = [this](const httplib::Request& req, httplib::Response& res,
                      const httplib::ContentReader* reader) {
    auto start = std::chrono::steady_clock::now();
    Request request = to_request(req);
    Response response;
    Body body;
    if (reader)
      body = read_body(req, res, *reader, config_.api_max_body);
    if (body.refused) {
      response = Response::error(body.refused, status_text(body.refused));
    } else {
      request.body = std::move(body.text);
      std::optional<std::string> key;
      if (req.has_header("X-API-Key"))
        key = req.get_header_value("X-API-Key");
      response = gate_.handle(request, key);
    }
    to_httplib(response, res);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    log_("signetd: " + req.remote_addr + " " + loggable(request.method) + " " +
         loggable(request.path) + " " + std::to_string(response.status) +
         " token=" + (request.who ? std::to_string(request.who->token_id) : std::string("-")) +
         " " + std::to_string(ms) + "ms");
  };
  auto plain = [serve](const httplib::Request& req, httplib::Response& res) {
    serve(req, res, nullptr);
  };
  auto with_body = [serve](const httplib::Request& req, httplib::Response& res,
                           const httplib::ContentReader& reader) { serve(req, res, &reader); };
  const std::string any = ".*";
  server_->Get(any, plain);
  server_->Options(any, plain);
  server_->Post(any, with_body);
  server_->Put(any, with_body);
  server_->Patch(any, with_body);
  server_->Delete(any, with_body);
  server_->Delete(any, plain);
  // httplib's own refusals (a malformed request line, a URI too long, an unknown method) get the
  // API's error shape too.
  server_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty())
      to_httplib(Response::error(res.status, status_text(res.status)), res);
  });
  server_->set_exception_handler(
      [this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what;
        try {
          std::rethrow_exception(ep);
        } catch (...) {
          what = current_exception_text();
        }
        log_("signetd: " + loggable(req.method) + " " + loggable(req.path) +
             ": internal error: " + loggable(what));
        to_httplib(Response::error(500, "internal error"), res);
      });
}

void HttpServer::bind() {
  if (!server_->bind_to_port(config_.api_host, config_.api_port))
    throw Error("setting signet-api-address: cannot listen on " + url_ + ": " +
                std::string(std::strerror(errno)));
}

bool HttpServer::serve() {
  return server_->listen_after_bind();
}

void HttpServer::stop() {
  if (server_)
    server_->stop();
}

}  // namespace signet::api
