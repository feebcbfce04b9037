// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: outside programs the tests run (validators, resolvers, dig, python3...).
//
// A test that needs one starts with SIGNET_REQUIRE_TOOLS("dig", "delv"). On a developer's machine
// without them it is skipped; with SIGNET_REQUIRE_TOOLS=1 in the environment (.ci/run sets it) it
// fails instead, naming the missing program, so CI cannot pass a validator test it never ran.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace signet::test {

// The absolute path of an installed program (PATH, then the sbin directories), or "".
std::string find_tool(const std::string& name);

// The programs of `names` that are not installed, comma-separated ("" when all are).
std::string missing_tools(std::initializer_list<const char*> names);

// Whether a missing program fails the test (SIGNET_REQUIRE_TOOLS set to anything but "" or "0").
bool tools_required();

}  // namespace signet::test

// Skips the current test (or fails it under SIGNET_REQUIRE_TOOLS=1) when one of the named programs
// is not installed. Use it in a TEST body or in SetUp(): like GTEST_SKIP and FAIL it returns from
// the enclosing function, and gtest runs no test body after a skip or failure in SetUp().
#define SIGNET_REQUIRE_TOOLS(...)                                                            \
  do {                                                                                       \
    const std::string signet_missing_tools_ = ::signet::test::missing_tools({__VA_ARGS__});  \
    if (!signet_missing_tools_.empty()) {                                                    \
      if (::signet::test::tools_required())                                                  \
        GTEST_FAIL() << signet_missing_tools_                                                \
                     << " not installed and SIGNET_REQUIRE_TOOLS is set (scripts/setup "     \
                        "installs it)";                                                      \
      else                                                                                   \
        GTEST_SKIP() << signet_missing_tools_                                                \
                     << " not installed (scripts/setup installs it; SIGNET_REQUIRE_TOOLS=1 " \
                        "makes this a failure)";                                             \
    }                                                                                        \
  } while (0)
