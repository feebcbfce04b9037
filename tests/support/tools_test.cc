// SPDX-License-Identifier: GPL-2.0-or-later
// SIGNET_REQUIRE_TOOLS: a missing program skips a test on a developer's machine and fails it in CI.
#include "tests/support/tools.hh"

#include <gtest/gtest-spi.h>

#include <cstdlib>
#include <optional>
#include <string>

using signet::test::find_tool;
using signet::test::missing_tools;
using signet::test::tools_required;

namespace {

// Sets SIGNET_REQUIRE_TOOLS for one scope (nullopt: unset) and puts the caller's value back.
class RequireToolsEnv {
 public:
  explicit RequireToolsEnv(std::optional<std::string> value) {
    if (const char* v = std::getenv("SIGNET_REQUIRE_TOOLS"))
      saved_ = v;
    if (value)
      ::setenv("SIGNET_REQUIRE_TOOLS", value->c_str(), 1);
    else
      ::unsetenv("SIGNET_REQUIRE_TOOLS");
  }
  ~RequireToolsEnv() {
    if (saved_)
      ::setenv("SIGNET_REQUIRE_TOOLS", saved_->c_str(), 1);
    else
      ::unsetenv("SIGNET_REQUIRE_TOOLS");
  }

 private:
  std::optional<std::string> saved_;
};

const char* const kNoSuchTool = "signet-no-such-tool-4f2a";

// The body of a test that needs one program that is not installed, and one that is.
void needs_missing_tool() {
  SIGNET_REQUIRE_TOOLS("sh", kNoSuchTool);
}
void needs_sh() {
  SIGNET_REQUIRE_TOOLS("sh");
}

// What gtest records while `fn` runs, kept here instead of counting for the current test.
struct Recorded {
  explicit Recorded(void (*fn)()) {
    testing::ScopedFakeTestPartResultReporter reporter(
        testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    fn();
  }
  int size() const { return results.size(); }
  const testing::TestPartResult& only() const { return results.GetTestPartResult(0); }
  testing::TestPartResultArray results;
};

}  // namespace

TEST(RequireTools, FindToolFindsInstalledProgramsOnly) {
  EXPECT_FALSE(find_tool("sh").empty());
  EXPECT_TRUE(find_tool(kNoSuchTool).empty());
  EXPECT_EQ(missing_tools({"sh", kNoSuchTool, "env"}), kNoSuchTool);
  EXPECT_EQ(missing_tools({"sh", "env"}), "");
}

TEST(RequireTools, AMissingToolSkipsTheTestWithoutTheFlag) {
  RequireToolsEnv env(std::nullopt);
  EXPECT_FALSE(tools_required());
  Recorded r(needs_missing_tool);
  ASSERT_EQ(r.size(), 1);
  EXPECT_TRUE(r.only().skipped());
  EXPECT_NE(std::string(r.only().message()).find(kNoSuchTool), std::string::npos);
}

TEST(RequireTools, AMissingToolFailsTheTestUnderTheFlag) {
  RequireToolsEnv env(std::string("1"));
  EXPECT_TRUE(tools_required());
  Recorded r(needs_missing_tool);
  ASSERT_EQ(r.size(), 1);
  EXPECT_TRUE(r.only().fatally_failed());
  EXPECT_NE(std::string(r.only().message()).find(kNoSuchTool), std::string::npos)
      << r.only().message();
}

TEST(RequireTools, ZeroOrEmptyFlagMeansNotRequired) {
  for (const char* off : {"0", ""}) {
    RequireToolsEnv env(std::string{off});
    EXPECT_FALSE(tools_required()) << "SIGNET_REQUIRE_TOOLS='" << off << "'";
    Recorded r(needs_missing_tool);
    ASSERT_EQ(r.size(), 1);
    EXPECT_TRUE(r.only().skipped());
  }
}

TEST(RequireTools, InstalledToolsPassUnderTheFlag) {
  RequireToolsEnv env(std::string("1"));
  EXPECT_EQ(Recorded(needs_sh).size(), 0);
}
