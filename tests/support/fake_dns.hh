// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: a tiny DNS responder on 127.0.0.1 (UDP and TCP on one free port) whose answers a
// test scripts message by message — including forged ones (wrong ID, wrong question, from another
// port) — and which counts what it was asked. Messages are built by hand, without compression.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "signer/dns_client.hh"
#include "signer/name.hh"

namespace signet::test {

struct DnsRequest {
  std::vector<uint8_t> wire;
  uint16_t id = 0;
  uint8_t opcode = 0;
  bool rd = false;
  bool tcp = false;
  Name qname;
  uint16_t qtype = 0, qclass = 0;
};

struct DnsReply {
  std::vector<uint8_t> wire;
  bool from_other_port = false;  // UDP only: sent from another socket (a forgery)
};

// A response to `req`, edited field by field before wire().
class ReplyBuilder {
 public:
  explicit ReplyBuilder(const DnsRequest& req);
  ReplyBuilder& id(uint16_t v) {
    id_ = v;
    return *this;
  }
  ReplyBuilder& question(const Name& n, uint16_t type) {
    qname_ = n;
    qtype_ = type;
    return *this;
  }
  ReplyBuilder& rcode(int v) {
    rcode_ = v;
    return *this;
  }
  ReplyBuilder& aa(bool v = true) {
    aa_ = v;
    return *this;
  }
  ReplyBuilder& tc(bool v = true) {
    tc_ = v;
    return *this;
  }
  ReplyBuilder& answer(const Name& owner, uint16_t type, uint32_t ttl, std::vector<uint8_t> rdata);
  ReplyBuilder& authority(const Name& owner, uint16_t type, uint32_t ttl,
                          std::vector<uint8_t> rdata);
  ReplyBuilder& additional(const Name& owner, uint16_t type, uint32_t ttl,
                           std::vector<uint8_t> rdata);
  std::vector<uint8_t> wire() const;
  operator DnsReply() const { return DnsReply{wire(), false}; }

 private:
  struct Rr {
    Name owner;
    uint16_t type;
    uint32_t ttl;
    std::vector<uint8_t> rdata;
  };
  uint16_t id_;
  uint8_t opcode_;
  bool rd_;
  Name qname_;
  uint16_t qtype_, qclass_;
  int rcode_ = 0;
  bool aa_ = false, tc_ = false;
  std::vector<Rr> an_, ns_, ar_;
};

// RDATA helpers.
std::vector<uint8_t> a_rdata(const std::string& ipv4);
std::vector<uint8_t> aaaa_rdata(const std::string& ipv6);
std::vector<uint8_t> name_rdata(const Name& n);  // NS, CNAME
std::vector<uint8_t> soa_rdata(const Name& mname, uint32_t minimum);

class FakeDnsServer {
 public:
  // Called on the server's thread for every request; the replies are sent in order (over TCP only
  // the first). None: silence.
  using Handler = std::function<std::vector<DnsReply>(const DnsRequest&)>;
  explicit FakeDnsServer(Handler handler);
  ~FakeDnsServer();
  FakeDnsServer(const FakeDnsServer&) = delete;
  FakeDnsServer& operator=(const FakeDnsServer&) = delete;

  DnsServer address() const { return DnsServer{"127.0.0.1", port_}; }
  size_t queries() const;
  size_t queries_for(const Name& qname, uint16_t qtype) const;

 private:
  void run();
  void handle(const std::vector<uint8_t>& wire, bool tcp,
              const std::function<void(const DnsReply&)>& send);

  Handler handler_;
  int udp_ = -1, tcp_ = -1, other_ = -1, wake_[2] = {-1, -1};
  uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, uint16_t>, size_t> counts_;
  size_t total_ = 0;
  std::thread thread_;
};

}  // namespace signet::test
