// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/support/pdns_server.hh"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace signet::test {

namespace {

// Sends one UDP query for ". SOA" (RD clear) and waits briefly for any answer: pdns_server only
// answers (even REFUSED) once its backends are up.
bool udp_answers(int port) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0)
    return false;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  static const uint8_t query[] = {0x53, 0x47, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x01};
  bool ok = false;
  if (::sendto(fd, query, sizeof(query), 0, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) ==
      static_cast<ssize_t>(sizeof(query))) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) == 1) {
      uint8_t buf[512];
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      ok = n >= 12 && buf[0] == 0x53 && buf[1] == 0x47;
    }
  }
  ::close(fd);
  return ok;
}

bool tcp_accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return false;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
  ::close(fd);
  return ok;
}

// A free port not yet handed to another server of this process (two servers built one after the
// other must not pick the same port before either has bound it).
int pick_port() {
  static std::mutex mu;
  static std::set<int> handed_out;
  std::lock_guard<std::mutex> lock(mu);
  for (;;) {
    int port = free_port();
    if (handed_out.insert(port).second)
      return port;
  }
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

std::string pdns_server_path() {
  return env_or("PDNS_SERVER", "/usr/sbin/pdns_server");
}

std::string pdnsutil_path() {
  return env_or("PDNSUTIL", "pdnsutil");
}

PdnsServer::PdnsServer(std::string dir, PdnsServerOptions options)
    : dir_(std::move(dir)), options_(std::move(options)) {
  if (options_.backend != "signet" && options_.backend != "bind" && options_.backend != "other")
    throw std::invalid_argument("PdnsServer: backend must be signet, bind or other");
  if (options_.backend == "bind" && options_.named_conf.empty())
    throw std::invalid_argument("PdnsServer: the bind backend needs a named.conf");
  port_ = pick_port();
  if (options_.api)
    web_port_ = pick_port();
  write_config();
}

PdnsServer::~PdnsServer() {
  stop();
}

std::map<std::string, std::string> PdnsServer::settings() const {
  std::map<std::string, std::string> s = {
      {"daemon", "no"},
      {"guardian", "no"},
      {"socket-dir", dir_},
      {"local-address", "127.0.0.1"},
      {"local-port", std::to_string(port_)},
      {"disable-syslog", "yes"},
      {"zone-cache-refresh-interval", options_.zone_cache ? "300" : "0"},
  };
  if (options_.backend == "signet") {
    s["launch"] = "signet";
    s["module-dir"] = module_dir();
    s["signet-path"] = store_path();
    // The key manager's parent discovery (zones whose policy names no parent-nameservers) asks
    // this resolver, where nothing answers, never /etc/resolv.conf's: no test query leaves the
    // machine. A test with a fake resolver sets its own.
    s["signet-resolver"] = "127.0.0.1:9";
    // signetd's validation monitor stays off unless a test turns it on (with its own loopback
    // resolvers): a background write would race tests that count audit entries.
    s["signet-monitor-interval"] = "0";
    // With no signet-monitor-resolvers the monitor asks its embedded validator, which would
    // recurse from the internet's root: its root is a closed loopback port instead.
    s["signet-monitor-stubs"] = ".=127.0.0.1:9";
  } else if (options_.backend == "bind") {
    s["launch"] = "bind";
    s["bind-config"] = options_.named_conf;
  }
  if (options_.api) {
    s["webserver"] = "yes";
    s["api"] = "yes";
    s["api-key"] = options_.api_key;
    s["webserver-address"] = "127.0.0.1";
    s["webserver-port"] = std::to_string(web_port_);
    s["webserver-allow-from"] = "127.0.0.0/8";
  }
  for (const auto& [k, v] : options_.settings) {
    if (v.empty())
      s.erase(k);
    else
      s[k] = v;
  }
  // pdns polls "auth-<version>.security-status.secpoll.powerdns.com" through the system resolver
  // at startup and then hourly unless the suffix is empty. A test may set a suffix (to see a poll
  // happen), never remove the setting.
  s.emplace("security-poll-suffix", "");
  return s;
}

const char* const kOfflinePdnsConf =
    "# nothing leaves the machine: no security poll, parent discovery at a closed loopback port\n"
    "security-poll-suffix=\n"
    "signet-resolver=127.0.0.1:9\n"
    "signet-monitor-interval=0\n"
    "signet-monitor-stubs=.=127.0.0.1:9\n";

void PdnsServer::write_config() {
  std::ostringstream conf;
  conf << "# written by tests/support/pdns_server.cc\n";
  for (const auto& [k, v] : settings())
    conf << k << "=" << (v == kEmptySetting ? "" : v) << "\n";
  write_file(dir_ + "/pdns.conf", conf.str());
}

std::string PdnsServer::log() const {
  return read_file(log_path());
}

std::string PdnsServer::api_url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(web_port_) + path;
}

bool PdnsServer::running() {
  return process_ && process_->running();
}

bool PdnsServer::answers_query() {
  if (!udp_answers(port_))
    return false;
  return !options_.api || tcp_accepts(web_port_);
}

void PdnsServer::start() {
  if (process_)
    throw std::logic_error("PdnsServer: already started");
  for (int attempt = 0;; ++attempt) {
    size_t log_offset = log().size();
    process_ = std::make_unique<Process>(
        std::vector<std::string>{pdns_server_path(), "--config-dir=" + dir_}, log_path());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool web_failed = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!process_->running())
        break;
      if (answers_query())
        return;
      // pdns keeps running without its webserver when the HTTP port cannot be bound.
      if (options_.api &&
          log().find("Listening on HTTP socket failed", log_offset) != std::string::npos) {
        web_failed = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    bool exited = !process_->running();
    process_.reset();
    std::string tail = log().substr(log_offset);
    bool port_taken = web_failed || tail.find("Unable to bind") != std::string::npos ||
                      tail.find("in use") != std::string::npos;
    if ((exited || web_failed) && port_taken && attempt < 3) {
      // Someone took the port between free_port() and pdns' bind: try other ones.
      port_ = pick_port();
      if (options_.api)
        web_port_ = pick_port();
      write_config();
      continue;
    }
    throw std::runtime_error(std::string("pdns_server (") + options_.backend + ") " +
                             (exited       ? "exited"
                              : web_failed ? "could not listen for HTTP"
                                           : "did not answer within 30 s") +
                             "; its log:\n" + tail);
  }
}

void PdnsServer::stop() {
  process_.reset();  // Process' destructor: SIGTERM, SIGKILL after 5 s, reaped
}

}  // namespace signet::test
