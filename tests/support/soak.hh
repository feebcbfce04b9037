// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: how long the fault and soak tests run. CI runs a bounded slice (the defaults each
// test passes); a longer run by hand sets the environment:
//
//   SIGNET_SOAK_ITERATIONS=N  iterations of each kill loop (tests/integration/kill_test.cc)
//   SIGNET_SOAK_SECONDS=N     how long the concurrent writers run (concurrency_test.cc)
//   SIGNET_KILL_SEED=N        replays the kill points and choices of an earlier run (printed)
#pragma once

#include <cstdint>
#include <string>

namespace signet::test {

// The positive integer in environment variable `name`, else `fallback`. A value that is not one
// throws std::invalid_argument naming the variable.
long env_count(const char* name, long fallback);

// SIGNET_SOAK_ITERATIONS, else `ci_default`.
long soak_iterations(long ci_default);
// SIGNET_SOAK_SECONDS, else `ci_default`.
long soak_seconds(long ci_default);
// SIGNET_KILL_SEED, else a fresh random seed. The caller prints it so a run can be replayed.
uint64_t kill_seed();

}  // namespace signet::test
