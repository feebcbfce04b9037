// SPDX-License-Identifier: GPL-2.0-or-later
//
// Nothing a test starts asks anyone off the machine:
//
//  * pdns_server as tests/support configures it makes no security poll (security-poll-suffix is
//    empty); the same server with a suffix does poll, so the log check can see one;
//  * Unbound as tests/support configures it sends what its stubs do not cover to a root stub on
//    loopback, not to the Internet's root servers;
//  * under scripts/test the suite runs in a network namespace of its own, where nothing but
//    loopback is routed.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/tools.hh"
#include "tests/support/unbound.hh"

using namespace signet::test;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// What pdns logs whenever it polls (4.7's secpoll-auth.cc: "Failed to retrieve security status
// update", "Polled security status of version", "Not validating response for security status").
bool logs_security_poll(const std::string& log) {
  return contains(log, "security status");
}

// A UDP socket on 127.0.0.1 and a free port; closed when the object goes away.
class UdpListener {
 public:
  UdpListener() {
    for (int attempt = 0; attempt < 10 && port_ == 0; ++attempt) {
      fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      int port = free_port();
      sa.sin_port = htons(static_cast<uint16_t>(port));
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0)
        port_ = port;
      else
        ::close(fd_);
    }
    if (port_ == 0)
      throw std::runtime_error("no free UDP port on 127.0.0.1");
  }
  ~UdpListener() { ::close(fd_); }
  int port() const { return port_; }
  // The next datagram (empty when none came within `timeout`).
  std::string receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1)
      return "";
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// The question name of a DNS query, as text ("www.example.org."), or "" when malformed.
std::string qname_of(const std::string& msg) {
  std::string out;
  for (size_t p = 12; p < msg.size();) {
    auto len = static_cast<uint8_t>(msg[p]);
    if (len == 0)
      return out.empty() ? "." : out;
    if (len > 63 || p + 1 + len > msg.size())
      return "";
    out += msg.substr(p + 1, len) + ".";
    p += 1 + len;
  }
  return "";
}

}  // namespace

TEST(NothingLeavesTheMachine, TestPdnsServersMakeNoSecurityPoll) {
  // Both servers resolve through a closed loopback port: even a poll stays on this machine.
  std::string resolver = "127.0.0.1:" + std::to_string(free_port());

  // The control: with a suffix, pdns polls at startup and logs it.
  TempDir polling_dir;
  PdnsServerOptions polling_options;
  polling_options.settings = {{"resolver", resolver},
                              {"security-poll-suffix", "secpoll.signet.test."}};
  PdnsServer polling(polling_dir.path(), polling_options);
  polling.start();
  auto started = std::chrono::steady_clock::now();
  while (!logs_security_poll(polling.log()) && std::chrono::steady_clock::now() - started < 20s)
    std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(logs_security_poll(polling.log())) << polling.log();
  auto poll_delay = std::chrono::steady_clock::now() - started;
  polling.stop();

  // What every test gets: security-poll-suffix= and no poll, however long we wait for one.
  TempDir quiet_dir;
  PdnsServerOptions quiet_options;
  quiet_options.settings = {{"resolver", resolver}};
  PdnsServer quiet(quiet_dir.path(), quiet_options);
  EXPECT_EQ(quiet.settings().at("security-poll-suffix"), "");
  // An empty value removes other settings; this one stays.
  TempDir other_dir;
  PdnsServerOptions removing;
  removing.settings = {{"security-poll-suffix", ""}};
  EXPECT_EQ(PdnsServer(other_dir.path(), removing).settings().count("security-poll-suffix"), 1u);
  EXPECT_TRUE(contains(read_file(quiet_dir.file("pdns.conf")), "\nsecurity-poll-suffix=\n"));
  quiet.start();
  std::this_thread::sleep_for(std::max<std::chrono::steady_clock::duration>(2 * poll_delay, 1s));
  EXPECT_TRUE(quiet.running());
  EXPECT_FALSE(logs_security_poll(quiet.log())) << quiet.log();
}

TEST(NothingLeavesTheMachine, TestUnboundAsksALoopbackRootForNamesOutsideItsStubs) {
  SIGNET_REQUIRE_TOOLS("unbound", "dig");
  UdpListener root;
  TempDir dir;
  UnboundOptions options;
  options.trust_anchor =
      "example.com. DS 12345 13 2 "
      "0000000000000000000000000000000000000000000000000000000000000000";
  options.root_port = root.port();
  Unbound unbound(dir.file("unbound"), options);
  Process dig({find_tool("dig"), "@127.0.0.1", "-p", std::to_string(unbound.port()),
               "www.example.org", "A", "+time=10", "+tries=1"},
              dir.file("dig.out"));
  // With qname minimisation Unbound may ask for "org." first; either way it asks the root stub.
  std::string query = root.receive(10s);
  ASSERT_FALSE(query.empty()) << "Unbound asked nothing on 127.0.0.1:" << root.port()
                              << "; its log:\n"
                              << unbound.log();
  std::string qname = qname_of(query);
  EXPECT_TRUE(qname == "www.example.org." || qname == "example.org." || qname == "org." ||
              qname == ".")
      << qname;
  EXPECT_TRUE(contains(read_file(dir.file("unbound/unbound.conf")),
                       "stub-addr: 127.0.0.1@" + std::to_string(root.port())));
}

// scripts/test exports SIGNET_TEST_NETNS=1 when it runs the suite in its own network namespace:
// then no address beyond loopback has a route, so a stray query fails at once instead of leaving.
TEST(NothingLeavesTheMachine, UnderScriptsTestNothingButLoopbackIsRouted) {
  const char* netns = std::getenv("SIGNET_TEST_NETNS");
  if (!netns || std::string(netns) != "1")
    GTEST_SKIP() << "not run by scripts/test in a network namespace";
  // connect() on a UDP socket only looks up the route: no packet is sent.
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(53);
  ::inet_pton(AF_INET, "192.0.2.1", &sa.sin_addr);  // TEST-NET-1 (RFC 5737)
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  int err = errno;
  ::close(fd);
  EXPECT_EQ(rc, -1);
  EXPECT_EQ(err, ENETUNREACH) << std::strerror(err);

  fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
  if (fd >= 0) {
    sockaddr_in6 sa6{};
    sa6.sin6_family = AF_INET6;
    sa6.sin6_port = htons(53);
    ::inet_pton(AF_INET6, "2001:db8::1", &sa6.sin6_addr);  // documentation prefix (RFC 3849)
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&sa6), sizeof(sa6));
    err = errno;
    ::close(fd);
    EXPECT_EQ(rc, -1);
    EXPECT_EQ(err, ENETUNREACH) << std::strerror(err);
  }
}
