// SPDX-License-Identifier: GPL-2.0-or-later
// Test support for the drills: the threads that run beside them.
//
//   QueryLoop  asks a validating resolver, again and again, a fixed set of questions, counting
//              the answers that are not secure (SERVFAIL, a wrong RCODE, no AD);
//   Registry   plays a parent's operator: whenever a child's CDS (asked of the child's primary)
//              differs from the DS at the parent, it replaces the parent's DS RRset with it
//              (signetutil replace-rrset on the parent's Site), as a parent that follows RFC 7344
//              CDS does.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "signer/dns_client.hh"
#include "signer/name.hh"
#include "signer/rdata_text.hh"
#include "signer/rrtype.hh"
#include "tests/support/dns_ask.hh"
#include "tests/support/drill_site.hh"

namespace signet::test {

struct DrillQuery {
  std::string name;
  uint16_t type;
  int rcode;  // the RCODE a secure answer has (0, or 3 for NXDOMAIN)
};

class QueryLoop {
 public:
  QueryLoop(int port, std::vector<DrillQuery> queries) : port_(port), queries_(std::move(queries)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~QueryLoop() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable())
      thread_.join();
  }
  size_t total() const { return total_; }
  std::string failures() {
    std::lock_guard<std::mutex> l(mu_);
    return failures_;
  }
  size_t failure_count() const { return bad_; }

 private:
  void loop() {
    using namespace std::chrono_literals;
    while (!stop_) {
      for (const auto& q : queries_) {
        DnsAnswer o = dns_ask(port_, q.name, q.type);
        ++total_;
        if (!o.answered || o.rcode != q.rcode || !o.ad) {
          ++bad_;
          std::lock_guard<std::mutex> l(mu_);
          if (failures_.size() < 4000) {
            auto t = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
            failures_ +=
                std::to_string(t) + " " + q.name + " " + rrtype_to_text(q.type) + ": " +
                (o.answered ? "rcode " + std::to_string(o.rcode) + (o.ad ? " AD" : " no AD")
                            : std::string("no answer")) +
                "\n";
          }
        }
      }
      std::this_thread::sleep_for(100ms);
    }
  }
  int port_;
  std::vector<DrillQuery> queries_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> total_{0}, bad_{0};
  std::mutex mu_;
  std::string failures_;
  std::thread thread_;
};

// The parent's operator: follows each child's CDS (RFC 7344 §4) into the parent's DS RRset.
class Registry {
 public:
  Registry(Site& parent, std::string parent_apex, int child_port, std::vector<std::string> children)
      : parent_(parent),
        parent_apex_(std::move(parent_apex)),
        child_port_(child_port),
        children_(std::move(children)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~Registry() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable())
      thread_.join();
  }
  void pause(bool p) { paused_ = p; }
  size_t updates() const { return updates_; }
  std::string log() {
    std::lock_guard<std::mutex> l(mu_);
    return log_;
  }

 private:
  void loop() {
    using namespace std::chrono_literals;
    DnsServer child{"127.0.0.1", static_cast<uint16_t>(child_port_)};
    std::map<std::string, std::vector<std::string>> published;
    while (!stop_) {
      std::this_thread::sleep_for(300ms);
      if (paused_)
        continue;
      for (const auto& apex : children_)
        follow(child, apex, published[apex]);
    }
  }
  void follow(const DnsServer& child, const std::string& apex,
              std::vector<std::string>& published) {
    std::vector<std::string> cds;
    try {
      for (const auto& r : dns_query(child, Name::from_text(apex), rrtype::CDS, 2000).answer) {
        if (r.type == rrtype::CDS)
          cds.push_back(rdata_to_text(rrtype::DS, r.rdata));
      }
    } catch (const std::exception&) {
      return;
    }
    std::sort(cds.begin(), cds.end());
    if (cds.empty() || cds == published)
      return;
    std::vector<std::string> args = {"replace-rrset", parent_apex_, apex, "DS", "2"};
    args.insert(args.end(), cds.begin(), cds.end());
    RunResult r = parent_.util(args);
    std::lock_guard<std::mutex> l(mu_);
    if (r.status == 0) {
      published = cds;
      ++updates_;
      log_ += apex + ": parent DS <- CDS:";
      for (const auto& c : cds)
        log_ += " [" + c + "]";
      log_ += "\n";
    } else {
      log_ += apex + ": replace-rrset failed: " + r.err + "\n";
    }
  }
  Site& parent_;
  std::string parent_apex_;
  int child_port_;
  std::vector<std::string> children_;
  std::atomic<bool> stop_{false}, paused_{false};
  std::atomic<size_t> updates_{0};
  std::mutex mu_;
  std::string log_;
  std::thread thread_;
};

// A string field of a JSON text ("" when absent): enough for rollover-status --json.
inline std::string json_field(const std::string& json, const std::string& key) {
  auto p = json.find("\"" + key + "\":\"");
  if (p == std::string::npos)
    return "";
  p += key.size() + 4;
  return json.substr(p, json.find('"', p) - p);
}

// Waits until `zone`'s rollover-status says no rollover is in progress and none is requested.
// Returns whether it did within `timeout`; `status` gets the last rollover-status --json.
inline bool wait_rollover_idle(Site& site, const std::string& zone, std::chrono::seconds timeout,
                               std::string& status) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    status = site.util({"rollover-status", zone}, true).out;
    if (json_field(status, "rollover") == "none" && json_field(status, "request").empty())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return false;
}

}  // namespace signet::test
