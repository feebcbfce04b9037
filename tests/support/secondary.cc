// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/support/secondary.hh"

#include <signal.h>

#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "signer/dns_client.hh"
#include "signer/rrtype.hh"
#include "tests/support/tools.hh"

namespace signet::test {

namespace {

// SOA RDATA (RFC 1035 §3.3.13), names uncompressed as libknot hands them over: the serial.
std::optional<uint32_t> soa_serial(const std::vector<uint8_t>& rd) {
  size_t p = 0;
  for (int name = 0; name < 2; ++name) {
    while (p < rd.size() && rd[p] != 0)
      p += rd[p] + 1;
    ++p;
  }
  if (p + 4 > rd.size())
    return std::nullopt;
  return (uint32_t(rd[p]) << 24) | (uint32_t(rd[p + 1]) << 16) | (uint32_t(rd[p + 2]) << 8) |
         rd[p + 3];
}

// RFC 1982: a >= b in serial number arithmetic.
bool serial_at_least(uint32_t a, uint32_t b) {
  return a == b || static_cast<int32_t>(a - b) > 0;
}

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

}  // namespace

Secondary::Secondary(Kind kind, std::string dir, SecondaryOptions options)
    : kind_(kind), dir_(std::move(dir)), options_(std::move(options)) {
  std::filesystem::create_directories(dir_ + "/db");
  std::filesystem::create_directories(dir_ + "/zones");
  start();
}

Secondary::~Secondary() {
  process_.reset();
}

std::string Secondary::knot_config() const {
  const std::string d = dir_;
  std::ostringstream c;
  c << "server:\n    listen: 127.0.0.1@" << port_ << "\n    rundir: " << d << "\n"
    << "log:\n  - target: stdout\n    any: info\n"
    // Knot stops at its first catalog if the catalog database's directory does not exist.
    << "database:\n    storage: " << d << "/db\n";
  bool key = !options_.key_name.empty();
  if (key) {
    c << "key:\n  - id: " << options_.key_name
      << "\n    algorithm: hmac-sha256\n    secret: " << options_.key_secret << "\n";
  }
  c << "remote:\n  - id: primary\n    address: 127.0.0.1@" << options_.primary_port << "\n";
  if (key)
    c << "    key: " << options_.key_name << "\n";
  // NOTIFY from the primary's address, signed with the key when there is one (pdns signs it
  // with the zone's TSIG-ALLOW-AXFR key, send-signed-notify): an unsigned one is refused.
  c << "acl:\n  - id: notify\n    address: 127.0.0.0/8\n";
  if (key)
    c << "    key: " << options_.key_name << "\n";
  c << "    action: notify\n";
  std::string acl = "notify";
  c << "template:\n  - id: default\n    storage: " << d << "/zones\n    master: primary\n"
    << "    acl: " << acl << "\n    semantic-checks: on\n";
  c << "zone:\n";
  if (!options_.catalog.empty()) {
    c << "  - domain: " << options_.catalog
      << "\n    catalog-role: interpret\n    catalog-template: default\n";
  }
  for (const auto& z : options_.zones)
    c << "  - domain: " << z << "\n";
  return c.str();
}

std::string Secondary::bind_config() const {
  const std::string d = dir_;
  std::ostringstream c;
  std::string key = options_.key_name.empty() ? "" : " key " + quoted(options_.key_name);
  std::string primary = "127.0.0.1 port " + std::to_string(options_.primary_port) + key + ";";
  c << "options {\n  directory " << quoted(d) << ";\n  pid-file " << quoted(d + "/named.pid")
    << ";\n  session-keyfile " << quoted(d + "/session.key") << ";\n  listen-on port " << port_
    << " { 127.0.0.1; };\n  listen-on-v6 { none; };\n  recursion no;\n"
    << "  dnssec-validation no;\n  allow-new-zones yes;\n  notify explicit;\n";
  if (!options_.catalog.empty()) {
    c << "  catalog-zones {\n    zone " << quoted(options_.catalog) << " default-primaries { "
      << primary << " } in-memory yes;\n  };\n";
  }
  c << "};\ncontrols { };\n";
  if (!options_.key_name.empty()) {
    c << "key " << quoted(options_.key_name) << " { algorithm hmac-sha256; secret "
      << quoted(options_.key_secret) << "; };\n";
  }
  c << "logging {\n  channel out { stderr; severity info; print-time yes; };\n"
    << "  category default { out; };\n  category xfer-in { out; };\n"
    << "  category xfer-out { out; };\n  category notify { out; };\n};\n";
  std::vector<std::string> secondaries = options_.zones;
  if (!options_.catalog.empty())
    secondaries.insert(secondaries.begin(), options_.catalog);
  for (const auto& z : secondaries) {
    c << "zone " << quoted(z) << " { type secondary; primaries { " << primary << " }; file "
      << quoted(d + "/zones/" + z + "db") << "; };\n";
  }
  for (const auto& [z, file] : options_.primary_zones) {
    c << "zone " << quoted(z) << " { type primary; file " << quoted(file) << ";\n"
      << "  also-notify { 127.0.0.1 port " << options_.notify_port << "; };\n"
      << "  allow-transfer { " << (key.empty() ? "127.0.0.1;" : key.substr(1) + ";") << " };\n};\n";
  }
  return c.str();
}

void Secondary::start() {
  std::string knotd = find_tool("knotd"), named = find_tool("named");
  if ((kind_ == kKnot && knotd.empty()) || (kind_ == kBind && named.empty()))
    throw std::runtime_error("knotd and named are needed (scripts/setup installs knot, bind9)");
  for (int attempt = 0; attempt < 4; ++attempt) {
    port_ = free_port();
    std::string conf = dir_ + (kind_ == kKnot ? "/knot.conf" : "/named.conf");
    write_file(conf, kind_ == kKnot ? knot_config() : bind_config());
    size_t offset = log().size();
    std::vector<std::string> argv = kind_ == kKnot
                                        ? std::vector<std::string>{knotd, "-c", conf}
                                        : std::vector<std::string>{named, "-g", "-c", conf};
    process_ = std::make_unique<Process>(argv, log_file());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline && process_->running()) {
      // Any answer at all (REFUSED for a zone it does not serve): it listens.
      try {
        dns_query(DnsServer{"127.0.0.1", static_cast<uint16_t>(port_)},
                  Name::from_text("probe.invalid."), rrtype::SOA, 300);
        return;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    bool exited = !process_->running();
    process_.reset();
    std::string tail = log().substr(std::min(offset, log().size()));
    if (exited && (tail.find("address in use") != std::string::npos ||
                   tail.find("Address already in use") != std::string::npos ||
                   tail.find("failed to bind") != std::string::npos))
      continue;
    throw std::runtime_error(std::string(name()) + " did not start; its log:\n" + tail);
  }
  throw std::runtime_error(std::string(name()) + ": no free port after 4 attempts");
}

std::string Secondary::log() const {
  return std::filesystem::exists(log_file()) ? read_file(log_file()) : "";
}

std::optional<uint32_t> Secondary::serial(const std::string& zone) const {
  try {
    DnsResponse r = dns_query(DnsServer{"127.0.0.1", static_cast<uint16_t>(port_)},
                              Name::from_text(zone), rrtype::SOA, 1000);
    if (r.rcode != 0 || !r.aa)
      return std::nullopt;
    for (const auto& rec : r.answer) {
      if (rec.type == rrtype::SOA)
        return soa_serial(rec.rdata);
    }
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

bool Secondary::wait_serial(const std::string& zone, uint32_t at_least,
                            std::chrono::seconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    auto s = serial(zone);
    if (s && serial_at_least(*s, at_least))
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

bool Secondary::wait_gone(const std::string& zone, std::chrono::seconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    if (!serial(zone))
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

size_t Secondary::transfers(const std::string& zone) const {
  // knot:  "[a.example.] AXFR, incoming, remote 127.0.0.1@5300, finished, ..."
  // named: "transfer of 'a.example/IN' from 127.0.0.1#5300: Transfer completed: ..."
  std::string bare = zone.size() > 1 && zone.back() == '.' ? zone.substr(0, zone.size() - 1) : zone;
  std::string who = kind_ == kKnot ? "[" + bare + ".] " : "transfer of '" + bare + "/IN'";
  size_t n = 0;
  std::istringstream in(log());
  for (std::string l; std::getline(in, l);) {
    if (l.find(who) == std::string::npos)
      continue;
    if (kind_ == kKnot ? (l.find("XFR, incoming") != std::string::npos &&
                          l.find("finished") != std::string::npos)
                       : l.find("Transfer completed") != std::string::npos)
      ++n;
  }
  return n;
}

void Secondary::reload() {
  if (process_)
    process_->signal(SIGHUP);
}

}  // namespace signet::test
