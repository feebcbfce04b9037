// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/support/dns_tools.hh"

#include <sstream>

#include "tests/support/process.hh"
#include "tests/support/tools.hh"

namespace signet::test {

std::string nsupdate(int port, const std::string& zone, const std::string& key,
                     const std::vector<std::string>& lines) {
  std::string script = "server 127.0.0.1 " + std::to_string(port) + "\nzone " + zone + "\n";
  for (const auto& l : lines)
    script += l + "\n";
  script += "send\n";
  std::vector<std::string> argv = {find_tool("nsupdate"), "-t", "10"};
  if (!key.empty()) {
    argv.push_back("-y");
    argv.push_back(key);
  }
  RunResult r = run(argv, script, 60);
  if (r.status == 0)
    return "NOERROR";
  std::string all = r.out + r.err;
  size_t p = all.find("update failed: ");
  if (p == std::string::npos)
    return "(nsupdate: " + all + ")";
  std::string rc = all.substr(p + 15);
  return rc.substr(0, rc.find_first_of("\r\n"));
}

Validated dig_validated(int port, const std::string& name, const std::string& type) {
  RunResult r = run({find_tool("dig"), "@127.0.0.1", "-p", std::to_string(port), "+dnssec",
                     "+tries=2", "+timeout=5", "+nocookie", name, type},
                    "", 60);
  Validated v;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.find("->>HEADER<<-") != std::string::npos) {
      size_t s = line.find("status: ") + 8;
      v.rcode = line.substr(s, line.find(',', s) - s);
    } else if (line.rfind(";; flags:", 0) == 0) {
      std::string flags = line.substr(9, line.find(';', 9) - 9);
      v.ad = (" " + flags + " ").find(" ad ") != std::string::npos;
    } else if (!line.empty() && line[0] != ';') {
      std::istringstream w(line);
      std::string owner, ttl, cls, t, rdata;
      w >> owner >> ttl >> cls >> t;
      std::getline(w, rdata);
      if (t == type)
        v.answers.push_back(rdata.substr(rdata.find_first_not_of(" \t")));
    }
  }
  return v;
}

}  // namespace signet::test
