// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetd beside pdns_server on one store, over HTTP and over HTTPS (issue 9 items 1 and 7):
// every refused token gets the same 401; an oversized body is refused (413) and changes nothing;
// a burst over signet-api-rate gets 429; unknown paths 404, wrong methods 405, unexpected failures
// 500 without their cause; /metrics takes an operator token or an allowed address; and either
// process may be killed (SIGKILL) while the other keeps serving. The gate is exercised through
// signetd_probe's routes (tests/support/signetd_probe.cc): the product's route sets are written
// elsewhere.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/process.hh"
#include "tests/support/signet_dir.hh"
#include "tests/support/signetd.hh"

using signet::test::PdnsServerOptions;
using signet::test::read_file;
using signet::test::run;
using signet::test::RunResult;
using signet::test::Signetd;
using signet::test::SignetDir;
using signet::test::SignetdOptions;
using signet::test::SignetdReply;
using signet::test::signetutil_argv;
using signet::test::TempDir;
using signet::test::write_file;

namespace {

const std::string kUnauthorized = R"({"error":"Unauthorized"})";

class SignetdTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    PdnsServerOptions o;
    o.zone_cache = false;  // zones are made through signetd, behind pdns_server's back
    o.settings["signet-master-key-file"] = keydir.file("master.key");
    // signetd's settings live in the same pdns.conf: pdns_server must accept them.
    o.settings["signet-api-rate"] = "5";
    o.settings["signet-api-max-body"] = "64K";
    o.settings["signet-api-metrics-allow"] = "192.0.2.0/24";
    o.settings["signet-api-threads"] = "4";
    d = std::make_unique<SignetDir>(o);
    d->signetutil_ok({"generate-master-key"});
    d->signetutil_ok({"create-tenant", "acme"});
    d->signetutil_ok({"create-tenant", "globex"});
    d->signetutil_ok({"create-zone", "acme", "example.com", "ns1.example.com."});
    editor = token({"acme", "editor"});
    viewer = token({"acme", "viewer"});
    op = token({"--operator"});
    d->server->start();
    start_signetd();
  }

  void start_signetd(std::map<std::string, std::string> settings = {}) {
    api.reset();
    api = std::make_unique<Signetd>(
        d->dir.path(), SignetdOptions{.tls = GetParam(), .probe = true, .settings = settings});
    api->start();
  }

  std::string token(std::vector<std::string> args, long clock_offset = 0) {
    args.insert(args.begin(), {"token", "create"});
    RunResult r = run(signetutil_argv(d->dir.path(), args, clock_offset), "", 60);
    EXPECT_EQ(r.status, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }
  static std::string id_of(const std::string& token) {
    return token.substr(4, token.find('_', 4) - 4);
  }
  static std::string secret_of(const std::string& token) {
    return token.substr(token.find('_', 4) + 1);
  }

  SignetdReply get(const std::string& path, const std::optional<std::string>& key) {
    return api->request("GET", path, key);
  }

  // A refused request must have left no trace in the store.
  std::string zones() { return d->signetutil_ok({"list-zones"}); }

  TempDir keydir;
  std::unique_ptr<SignetDir> d;
  std::unique_ptr<Signetd> api;
  std::string editor, viewer, op;
};

std::string scheme_name(const ::testing::TestParamInfo<bool>& info) {
  return info.param ? "https" : "http";
}

}  // namespace

TEST_P(SignetdTest, EveryRefusedTokenGetsTheSame401) {
  std::string revoked = token({"acme", "editor"});
  d->signetutil_ok({"token", "revoke", id_of(revoked)});
  // Expires an hour after a clock two hours behind: an hour ago.
  std::string expired = token({"acme", "editor", "--expires", "1h"}, -7200);
  std::string wrong = editor.substr(0, editor.size() - 1) + (editor.back() == 'A' ? "B" : "A");
  std::string unknown = "sgt_999999_" + secret_of(editor);
  struct Case {
    const char* what;
    std::optional<std::string> key;
  };
  std::vector<Case> cases = {{"missing", std::nullopt}, {"empty", ""},
                             {"malformed", "hello"},    {"unknown id", unknown},
                             {"wrong secret", wrong},   {"revoked", revoked},
                             {"expired", expired},      {"operator prefix", "sgt_"}};
  for (const auto& c : cases) {
    SignetdReply r = get("/probe/whoami", c.key);
    EXPECT_EQ(r.status, 401) << c.what;
    EXPECT_EQ(r.body, kUnauthorized) << c.what;
    EXPECT_EQ(r.header("Content-Type"), "application/json") << c.what;
  }
  SignetdReply ok = get("/probe/whoami", viewer);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["role"], "viewer");
  EXPECT_EQ(ok.json()["token"], std::stoi(id_of(viewer)));
  // The log has a line per request, with the token's id, never a secret.
  std::string log = api->log();
  for (const auto& t : {editor, viewer, revoked, expired, wrong})
    EXPECT_EQ(log.find(secret_of(t)), std::string::npos) << log;
  EXPECT_NE(log.find("GET /probe/whoami 401 token=-"), std::string::npos) << log;
  EXPECT_NE(log.find("GET /probe/whoami 200 token=" + id_of(viewer)), std::string::npos) << log;
}

TEST_P(SignetdTest, AnOversizedBodyIs413AndChangesNothing) {
  std::string before = zones();
  std::string big = R"({"name": "big.example.", "pad": ")" + std::string(70 * 1024, 'x') + "\"}";
  SignetdReply r = api->request("POST", "/probe/zones", editor, big);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(r.json()["error"], "Payload Too Large");
  // The same without a length (chunked): bounded too.
  write_file(d->dir.file("big.json"), big);
  std::vector<std::string> curl = {"curl",
                                   "-sS",
                                   "--max-time",
                                   "30",
                                   "-o",
                                   "/dev/null",
                                   "-w",
                                   "%{http_code}",
                                   "-X",
                                   "POST",
                                   "-H",
                                   "X-API-Key: " + editor,
                                   "-H",
                                   "Transfer-Encoding: chunked",
                                   "--data-binary",
                                   "@" + d->dir.file("big.json"),
                                   api->url() + "/probe/zones"};
  if (GetParam())
    curl.insert(curl.begin() + 1, {"--cacert", api->cert_path()});
  RunResult chunked = run(curl, "", 60);
  EXPECT_EQ(chunked.out, "413") << chunked.err;
  EXPECT_EQ(zones(), before);
  EXPECT_TRUE(d->dig("big.example", "SOA").empty());
  // Within the limit the same request goes through, and pdns_server serves what signetd wrote.
  SignetdReply made = api->request("POST", "/probe/zones", editor, R"({"name": "small.example."})");
  EXPECT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(d->dig("small.example", "SOA").size(), 1u);
  // Malformed input is the client's fault, named: 422.
  SignetdReply bad = api->request("POST", "/probe/zones", editor, "{not json");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["error"], "name: a zone name is needed");
  // A viewer may not write: 403, nothing changed.
  std::string now = zones();
  EXPECT_EQ(api->request("POST", "/probe/zones", viewer, R"({"name": "v.example."})").status, 403);
  EXPECT_EQ(zones(), now);
}

TEST_P(SignetdTest, ABurstOverTheRateGets429) {
  int ok = 0, limited = 0;
  std::string retry_after;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100 && limited == 0; ++i) {
    SignetdReply r = get("/probe/whoami", editor);
    if (r.status == 429) {
      ++limited;
      retry_after = r.header("Retry-After");
      EXPECT_EQ(r.json()["error"], "Too Many Requests");
    } else {
      EXPECT_EQ(r.status, 200) << r.body;
      ++ok;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // signet-api-rate=5: a burst of 10, then 5 a second.
  ASSERT_EQ(limited, 1) << ok << " requests in " << seconds << " s were all allowed";
  EXPECT_GE(ok, 10);
  EXPECT_LE(ok, 10 + 5 * seconds + 1);
  EXPECT_GE(std::stoi(retry_after.empty() ? "0" : retry_after), 1);
  // Other tokens have their own allowance.
  EXPECT_EQ(get("/probe/whoami", viewer).status, 200);
}

TEST_P(SignetdTest, UnknownPathsWrongMethodsAndFailuresAnswerInJson) {
  SignetdReply nf = get("/api/v1/nothing/here", editor);
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.body, R"({"error":"Not Found"})");
  SignetdReply wm = api->request("DELETE", "/probe/whoami", editor);
  EXPECT_EQ(wm.status, 405);
  EXPECT_EQ(wm.body, R"({"error":"Method Not Allowed"})");
  SignetdReply boom = get("/probe/boom", editor);
  EXPECT_EQ(boom.status, 500);
  EXPECT_EQ(boom.body, R"({"error":"internal error"})");
  EXPECT_EQ(boom.header("Content-Type"), "application/json");
  // The cause goes to the log (without the token), not to the client.
  EXPECT_NE(api->log().find("probe failure"), std::string::npos);
  EXPECT_EQ(api->log().find(secret_of(editor)), std::string::npos);
}

TEST_P(SignetdTest, MetricsTakeAnOperatorTokenOrAnAllowedAddress) {
  EXPECT_EQ(get("/probe/metrics", std::nullopt).status, 401);
  EXPECT_EQ(get("/probe/metrics", viewer).status, 403);
  EXPECT_EQ(get("/probe/metrics", editor).status, 403);
  SignetdReply r = get("/probe/metrics", op);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "probe_up 1\n");
  // Our address (127.0.0.1) allowed: no token needed; the other routes still want one.
  start_signetd({{"signet-api-metrics-allow", "127.0.0.0/8"}});
  EXPECT_EQ(get("/probe/metrics", std::nullopt).status, 200);
  EXPECT_EQ(get("/probe/whoami", std::nullopt).status, 401);
}

TEST_P(SignetdTest, KillingEitherProcessLeavesTheOtherServing) {
  ASSERT_EQ(d->dig("example.com", "SOA").size(), 1u);
  api->kill9();
  EXPECT_EQ(d->dig("example.com", "SOA").size(), 1u);
  EXPECT_EQ(d->rcode("example.com", "SOA"), "NOERROR");
  start_signetd();
  EXPECT_EQ(get("/probe/whoami", editor).status, 200);

  // pdns_server dies without cleaning up; signetd keeps reading and writing the store.
  std::string pid = read_file(d->dir.file("pdns.pid"));
  ASSERT_FALSE(pid.empty());
  ASSERT_EQ(::kill(std::stoi(pid), SIGKILL), 0);
  for (int i = 0; i < 100 && d->server->running(); ++i)
    usleep(50000);
  EXPECT_FALSE(d->server->running());
  EXPECT_EQ(get("/probe/whoami", editor).status, 200);
  SignetdReply made = api->request("POST", "/probe/zones", editor, R"({"name": "after.example."})");
  EXPECT_EQ(made.status, 201) << made.body;
  d->server->stop();
  d->server->start();
  EXPECT_EQ(d->dig("after.example", "SOA").size(), 1u);
  // A clean stop: SIGTERM, exit 0.
  EXPECT_EQ(api->stop(), 0) << api->log();
  EXPECT_NE(api->log().find("signetd: stopping"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Scheme, SignetdTest, ::testing::Values(false, true), scheme_name);

namespace {

// A listening socket on 127.0.0.1 and a port of the kernel's choice, closed at the end.
class HeldPort {
 public:
  HeldPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sa);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), len) != 0 ||
        ::listen(fd_, 1) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0)
      throw std::runtime_error("cannot hold a port");
    port_ = ntohs(sa.sin_port);
  }
  ~HeldPort() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

RunResult signetd_with(const TempDir& dir, const std::string& extra) {
  write_file(dir.file("pdns.conf"), std::string(signet::test::kOfflinePdnsConf) +
                                        "launch=signet\nsignet-path=" + dir.file("store") +
                                        "\nsignet-master-key-file=" + dir.file("master.key") +
                                        "\n" + extra);
  return run({signet::test::signetd_path(), "--config-dir", dir.path()}, "", 60);
}

void make_pair(const TempDir& dir, const std::string& name) {
  RunResult r = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                     "-keyout", dir.file(name + "-key.pem"), "-out", dir.file(name + "-cert.pem")},
                    "", 60);
  ASSERT_EQ(r.status, 0) << r.err;
}

}  // namespace

TEST(SignetdStart, APortInUseOrABadTlsPairIsRefusedNamingTheSetting) {
  TempDir dir;
  HeldPort held;
  std::string at = "signet-api-address=127.0.0.1:" + std::to_string(held.port()) + "\n";
  RunResult busy = signetd_with(dir, at);
  EXPECT_EQ(busy.status, 1);
  EXPECT_NE(busy.err.find("setting signet-api-address: cannot listen on http://127.0.0.1:" +
                          std::to_string(held.port())),
            std::string::npos)
      << busy.err;

  make_pair(dir, "a");
  make_pair(dir, "b");
  RunResult half = signetd_with(dir, at + "signet-api-tls-cert=" + dir.file("a-cert.pem") + "\n");
  EXPECT_EQ(half.status, 1);
  // The cert line is the last but one: after the offline lines, launch, path, key and address.
  std::string offline(signet::test::kOfflinePdnsConf);
  int cert_line = static_cast<int>(std::count(offline.begin(), offline.end(), '\n')) + 5;
  EXPECT_NE(half.err.find("pdns.conf:" + std::to_string(cert_line) +
                          ": setting signet-api-tls-cert is set but signet-api-tls-key is not"),
            std::string::npos)
      << half.err;
  RunResult missing = signetd_with(dir, at + "signet-api-tls-cert=" + dir.file("none.pem") +
                                            "\nsignet-api-tls-key=" + dir.file("a-key.pem") + "\n");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("setting signet-api-tls-cert: cannot load '" + dir.file("none.pem")),
            std::string::npos)
      << missing.err;
  RunResult mismatch =
      signetd_with(dir, at + "signet-api-tls-cert=" + dir.file("a-cert.pem") +
                            "\nsignet-api-tls-key=" + dir.file("b-key.pem") + "\n");
  EXPECT_EQ(mismatch.status, 1);
  EXPECT_NE(mismatch.err.find("signet-api-tls-key"), std::string::npos) << mismatch.err;
  // Nothing of a key is ever printed.
  for (const auto& r : {busy, half, missing, mismatch})
    EXPECT_EQ(r.err.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(run({signet::test::signetd_path(), "--bogus"}, "", 30).status, 2);
}
