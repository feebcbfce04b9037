// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/support/unbound.hh"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace signet::test {

Unbound::Unbound(const std::string& dir, UnboundOptions options)
    : dir_(dir), options_(std::move(options)) {
  std::filesystem::create_directories(dir_);
  start();
}

Unbound::~Unbound() {
  process_.reset();
}

void Unbound::restart() {
  process_.reset();
  start();
}

// The old Unbound serves until the new one answers on the same port (so-reuseport), so that a
// client never finds the port closed: a monitor asking at that moment must not see the resolver
// gone.
void Unbound::restart_with(std::vector<std::string> extra) {
  options_.extra = std::move(extra);
  std::unique_ptr<Process> old = std::move(process_);
  start(port_);
  old.reset();
}

void Unbound::start(int port) {
  std::string unbound = find_tool("unbound"), dig = find_tool("dig");
  if (unbound.empty() || dig.empty())
    throw std::runtime_error("unbound and dig are needed (scripts/setup installs them)");
  for (int attempt = 0; attempt < 4; ++attempt) {
    port_ = attempt == 0 && port ? port : free_port();
    ++generation_;
    write_file(dir_ + "/unbound.conf", config());
    size_t offset = log().size();
    process_ = std::make_unique<Process>(
        std::vector<std::string>{unbound, "-d", "-c", dir_ + "/unbound.conf"},
        dir_ + "/unbound.out");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline && process_->running()) {
      // Unbound answers this itself, without asking anyone; the identity tells this instance
      // from one it replaces.
      RunResult r = run({dig, "@127.0.0.1", "-p", std::to_string(port_), "+time=1", "+tries=1",
                         "id.server", "CH", "TXT"},
                        "", 10);
      if (r.status == 0 && r.out.find(identity()) != std::string::npos)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    bool exited = !process_->running();
    process_.reset();
    std::string tail = log().substr(std::min(offset, log().size()));
    if (exited && tail.find("bind") != std::string::npos)
      continue;  // the port was taken meanwhile: another one
    throw std::runtime_error("unbound did not start; its log:\n" + tail);
  }
  throw std::runtime_error("unbound: no free port after 4 attempts");
}

std::string Unbound::identity() const {
  return "signet-test-unbound-" + std::to_string(generation_);
}

std::string Unbound::log() const {
  std::string s;
  for (const char* f : {"/unbound.out", "/unbound.log"})
    if (std::filesystem::exists(dir_ + f))
      s += read_file(dir_ + f);
  return s;
}

// Nothing leaves the machine: every query Unbound sends has source 127.0.0.1 (the kernel routes
// such a packet nowhere but loopback), the root is a stub on loopback (so Unbound never primes from
// its built-in root hints), and no trust anchor is fetched (no auto-trust-anchor-file).
std::string Unbound::config() const {
  std::ostringstream c;
  c << "server:\n"
    << "  interface: 127.0.0.1\n"
    << "  port: " << port_ << "\n"
    << "  outgoing-interface: 127.0.0.1\n"
    << "  do-ip4: yes\n"
    << "  do-ip6: no\n"
    << "  num-threads: 1\n"
    << "  outgoing-range: 64\n"
    << "  do-daemonize: no\n"
    << "  use-syslog: no\n"
    << "  username: \"\"\n"
    << "  chroot: \"\"\n"
    << "  directory: \"" << dir_ << "\"\n"
    << "  pidfile: \"" << dir_ << "/unbound-" << generation_ << ".pid\"\n"
    << "  so-reuseport: yes\n"
    << "  identity: \"" << identity() << "\"\n"
    << "  logfile: \"" << dir_ << "/unbound.log\"\n"
    << "  access-control: 127.0.0.0/8 allow\n"
    << "  do-not-query-localhost: no\n"
    << "  trust-anchor-signaling: no\n"
    << "  root-key-sentinel: no\n"
    << "  module-config: \"validator iterator\"\n"
    << "  trust-anchor: \"" << options_.trust_anchor << "\"\n"
    << "  val-log-level: 2\n";
  for (const auto& l : options_.extra)
    c << "  " << l << "\n";
  c << "stub-zone:\n"
    << "  name: \".\"\n"
    << "  stub-addr: 127.0.0.1@" << options_.root_port << "\n";
  for (const auto& [zone, port] : options_.stubs) {
    c << "stub-zone:\n"
      << "  name: \"" << zone << "\"\n"
      << "  stub-addr: 127.0.0.1@" << port << "\n";
  }
  return c.str();
}

}  // namespace signet::test
