// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: a real secondary behind a hidden primary on loopback: Knot (knotd) or BIND
// (named), on 127.0.0.1 and a free port, consuming one catalog zone (RFC 9432) from the primary
// over TSIG-signed transfers, or serving a fixed list of zones; always stopped when the object
// goes away.
//
//   Secondary knot(Secondary::kKnot, dir, {.primary_port = p, .key_name = "xfr.", .key_secret =
//                  secret, .catalog = "catalog.invalid."});
//   knot.wait_serial("a.example.", 2026120202, 10s);   // what it serves
//   knot.transfers("a.example.")                        // incoming transfers so far (its log)
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.hh"

namespace signet::test {

struct SecondaryOptions {
  int primary_port = 0;            // the primary on 127.0.0.1
  std::string key_name;            // TSIG key for transfers ("" = none)
  std::string key_secret;          // base64, hmac-sha256
  std::string catalog;             // the catalog zone to consume ("" = none)
  std::vector<std::string> zones;  // zones to serve as a secondary besides the catalog's members
  // Zones it serves as a primary itself (BIND only): name and master-file path. The zone is
  // NOTIFYed to `notify_port` on 127.0.0.1, and transfers of it are allowed with the key.
  std::vector<std::pair<std::string, std::string>> primary_zones;
  int notify_port = 0;
};

class Secondary {
 public:
  enum Kind { kKnot, kBind };
  Secondary(Kind kind, std::string dir, SecondaryOptions options);
  ~Secondary();
  Secondary(const Secondary&) = delete;
  Secondary& operator=(const Secondary&) = delete;

  int port() const { return port_; }
  const char* name() const { return kind_ == kKnot ? "knot" : "bind"; }
  std::string log() const;
  // The SOA serial it serves for `zone`, nullopt when it does not serve it (REFUSED, SERVFAIL,
  // no answer).
  std::optional<uint32_t> serial(const std::string& zone) const;
  // Waits until it serves `zone` with a serial at least `at_least` (RFC 1982) or not at all
  // (`gone`); false on timeout.
  bool wait_serial(const std::string& zone, uint32_t at_least, std::chrono::seconds timeout) const;
  bool wait_gone(const std::string& zone, std::chrono::seconds timeout) const;
  // Completed incoming zone transfers of `zone` (AXFR and IXFR), from its log.
  size_t transfers(const std::string& zone) const;
  // Reloads its zone files (BIND primary zones, after a test edits one): rndc is not set up, so
  // SIGHUP.
  void reload();

 private:
  void start();
  std::string knot_config() const;
  std::string bind_config() const;
  std::string log_file() const { return dir_ + "/" + name() + ".log"; }

  Kind kind_;
  std::string dir_;
  SecondaryOptions options_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace signet::test
