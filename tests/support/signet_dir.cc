// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/support/signet_dir.hh"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

namespace signet::test {

namespace {

std::vector<std::string> non_empty_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty())
      out.push_back(line);
  }
  return out;
}

std::string joined(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args)
    out += " " + a;
  return out;
}

}  // namespace

std::map<std::string, std::string> no_caches() {
  return {{"cache-ttl", "0"}, {"query-cache-ttl", "0"}, {"negquery-cache-ttl", "0"}};
}

YAML::Node HttpReply::json() const {
  try {
    return YAML::Load(body);
  } catch (const std::exception&) {
    return YAML::Node();
  }
}

SignetDir::SignetDir(PdnsServerOptions options) {
  options.backend = "signet";
  for (const auto& [k, v] : no_caches())
    options.settings.emplace(k, v);
  server = std::make_unique<PdnsServer>(dir.path(), options);
}

RunResult SignetDir::pdnsutil(std::vector<std::string> args) {
  args.insert(args.begin(), {pdnsutil_path(), "--config-dir", dir.path()});
  return run(args, "", 60);
}

RunResult SignetDir::signetutil(std::vector<std::string> args) {
  args.insert(args.begin(), {signetutil_path(), "--config-dir", dir.path()});
  return run(args, "", 60);
}

std::string SignetDir::pdnsutil_ok(const std::vector<std::string>& args) {
  RunResult r = pdnsutil(args);
  EXPECT_EQ(r.status, 0) << "pdnsutil" << joined(args) << "\nstdout: " << r.out
                         << "\nstderr: " << r.err;
  return r.out;
}

std::string SignetDir::signetutil_ok(const std::vector<std::string>& args) {
  RunResult r = signetutil(args);
  EXPECT_EQ(r.status, 0) << "signetutil" << joined(args) << "\nstderr: " << r.err;
  return r.out;
}

std::vector<std::string> SignetDir::dig(const std::string& name, const std::string& type) {
  RunResult r = run({"dig", "@127.0.0.1", "-p", std::to_string(server->port()), "+norec",
                     "+nocookie", "+tries=3", "+timeout=3", "+short", name, type},
                    "", 60);
  auto v = non_empty_lines(r.out);
  std::sort(v.begin(), v.end());
  return v;
}

std::string SignetDir::rcode(const std::string& name, const std::string& type) {
  RunResult r = run({"dig", "@127.0.0.1", "-p", std::to_string(server->port()), "+norec",
                     "+nocookie", "+tries=3", "+timeout=3", name, type},
                    "", 60);
  size_t p = r.out.find("status: ");
  if (p == std::string::npos)
    return "(no answer)";
  return r.out.substr(p + 8, r.out.find(',', p) - p - 8);
}

HttpReply SignetDir::http(const std::string& method, const std::string& path,
                          const std::string& body) {
  std::vector<std::string> argv = {"curl",
                                   "-sS",
                                   "--max-time",
                                   "30",
                                   "-X",
                                   method,
                                   "-H",
                                   "X-API-Key: " + server->options().api_key,
                                   "-H",
                                   "Content-Type: application/json",
                                   "-w",
                                   "\n%{http_code}",
                                   server->api_url(path)};
  if (!body.empty()) {
    argv.push_back("--data-binary");
    argv.push_back(body);
  }
  RunResult r = run(argv, "", 60);
  HttpReply h;
  size_t nl = r.out.rfind('\n');
  if (nl != std::string::npos) {
    h.body = r.out.substr(0, nl);
    h.status = std::atoi(r.out.c_str() + nl + 1);
  }
  return h;
}

}  // namespace signet::test
