// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/support/tools.hh"

#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <vector>

namespace signet::test {

std::string find_tool(const std::string& name) {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream ss(path);
    for (std::string d; std::getline(ss, d, ':');)
      if (!d.empty())
        dirs.push_back(d);
  }
  for (const char* d : {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin"})
    dirs.push_back(d);
  for (const auto& d : dirs) {
    std::string p = d + "/" + name;
    if (::access(p.c_str(), X_OK) == 0)
      return p;
  }
  return "";
}

std::string missing_tools(std::initializer_list<const char*> names) {
  std::string out;
  for (const char* name : names) {
    if (find_tool(name).empty())
      out += (out.empty() ? "" : ", ") + std::string(name);
  }
  return out;
}

bool tools_required() {
  const char* v = std::getenv("SIGNET_REQUIRE_TOOLS");
  return v && *v && std::string(v) != "0";
}

}  // namespace signet::test
