// SPDX-License-Identifier: GPL-2.0-or-later
// The sizes of the fault tests come from the environment: a bad value is an error, not a default.
#include "tests/support/soak.hh"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

using signet::test::env_count;

namespace {

const char* const kVar = "SIGNET_TEST_SOAK_COUNT_FOR_SOAK_TEST";

TEST(SoakSizes, UnsetOrEmptyGivesTheDefaultAndANumberOverridesIt) {
  ::unsetenv(kVar);
  EXPECT_EQ(env_count(kVar, 10), 10);
  ::setenv(kVar, "", 1);
  EXPECT_EQ(env_count(kVar, 10), 10);
  ::setenv(kVar, "250", 1);
  EXPECT_EQ(env_count(kVar, 10), 250);
  ::unsetenv(kVar);
}

TEST(SoakSizes, AnythingButAPositiveNumberIsRefused) {
  for (const char* bad : {"0", "-3", "ten", "5s", "99999999999"}) {
    ::setenv(kVar, bad, 1);
    EXPECT_THROW(env_count(kVar, 10), std::invalid_argument) << bad;
  }
  ::unsetenv(kVar);
}

}  // namespace
