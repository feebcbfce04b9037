// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/support/signetd.hh"

#include <httplib.h>
#include <strings.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace signet::test {

std::string signetd_path() {
  return build_dir() + "/signetd";
}

std::string signetd_probe_path() {
  return build_dir() + "/tests/signetd_probe";
}

std::string SignetdReply::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (strcasecmp(k.c_str(), name.c_str()) == 0)
      return v;
  }
  return "";
}

Json SignetdReply::json() const {
  return Json::parse(body, nullptr, false);
}

Signetd::Signetd(std::string dir, SignetdOptions options)
    : dir_(std::move(dir)), options_(std::move(options)) {
  if (options_.tls && !std::filesystem::exists(cert_path())) {
    // A fresh self-signed pair for 127.0.0.1 (the address the client asks for and checks).
    RunResult r = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                       "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                       "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout",
                       dir_ + "/signetd-key.pem", "-out", cert_path()},
                      "", 60);
    if (r.status != 0)
      throw std::runtime_error("openssl req failed: " + r.err);
  }
}

Signetd::~Signetd() {
  process_.reset();
}

std::string Signetd::url() const {
  return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

std::string Signetd::log() const {
  return std::filesystem::exists(log_path()) ? read_file(log_path()) : "";
}

void Signetd::write_config() {
  std::string conf = read_file(dir_ + "/pdns.conf");
  conf += "\n# signetd (tests/support/signetd.cc)\nsignet-api-address=127.0.0.1:" +
          std::to_string(port_) + "\n";
  if (options_.tls) {
    conf += "signet-api-tls-cert=" + cert_path() + "\n";
    conf += "signet-api-tls-key=" + dir_ + "/signetd-key.pem\n";
  }
  for (const auto& [k, v] : options_.settings)
    conf += k + "=" + v + "\n";
  write_file(dir_ + "/pdns-signetd.conf", conf);
}

void Signetd::start() {
  if (process_)
    throw std::logic_error("Signetd: already started");
  for (int attempt = 0;; ++attempt) {
    port_ = free_port();
    write_config();
    size_t offset = log().size();
    std::vector<std::string> argv{options_.probe ? signetd_probe_path() : signetd_path(),
                                  "--config-dir", dir_, "--config-name", "signetd"};
    if (options_.clock_offset != 0)
      argv.insert(argv.begin(),
                  {"/usr/bin/env", "SIGNET_CLOCK_OFFSET=" + std::to_string(options_.clock_offset)});
    process_ = std::make_unique<Process>(argv, log_path());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline && process_->running()) {
      if (log().find("signetd: listening on", offset) != std::string::npos)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    bool exited = !process_->running();
    process_.reset();
    std::string tail = log().substr(offset);
    if (exited && tail.find("cannot listen") != std::string::npos && attempt < 3)
      continue;  // someone took the port between free_port() and our bind
    throw std::runtime_error(std::string("signetd ") +
                             (exited ? "exited" : "did not listen within 30 s") + "; its log:\n" +
                             tail);
  }
}

int Signetd::stop() {
  if (!process_)
    return -1;
  process_->signal(SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (process_->running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  int status = process_->running() ? -1 : process_->wait();
  process_.reset();
  return status;
}

bool Signetd::running() {
  return process_ && process_->running();
}

void Signetd::kill9() {
  if (!process_)
    return;
  process_->signal(SIGKILL);
  process_->wait();
  process_.reset();
}

SignetdReply Signetd::request(const std::string& method, const std::string& path,
                              const std::optional<std::string>& token, const std::string& body,
                              const std::multimap<std::string, std::string>& headers) const {
  httplib::Client client(url());
  client.set_connection_timeout(10);
  client.set_read_timeout(60);
  client.set_write_timeout(60);
  if (options_.tls) {
    client.set_ca_cert_path(cert_path());
    client.enable_server_certificate_verification(true);
  }
  httplib::Request req;
  req.method = method;
  req.path = path;
  for (const auto& [k, v] : headers)
    req.headers.emplace(k, v);
  if (token)
    req.headers.emplace("X-API-Key", *token);
  if (!body.empty()) {
    req.body = body;
    if (!req.has_header("Content-Type"))
      req.headers.emplace("Content-Type", "application/json");
  }
  SignetdReply reply;
  auto result = client.send(req);
  if (!result) {
    reply.body = "(no response: " + httplib::to_string(result.error()) + ")";
    return reply;
  }
  reply.status = result->status;
  reply.body = result->body;
  for (const auto& [k, v] : result->headers)
    reply.headers.emplace(k, v);
  return reply;
}

}  // namespace signet::test
