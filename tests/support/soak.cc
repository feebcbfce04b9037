// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/support/soak.hh"

#include <cerrno>
#include <cstdlib>
#include <random>
#include <stdexcept>

namespace signet::test {

namespace {

// Reads the unsigned integer in `name` into `out`; false when the variable is unset or empty.
bool env_unsigned(const char* name, unsigned long long& out) {
  const char* v = std::getenv(name);
  if (!v || !*v)
    return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtoull(v, &end, 10);
  if (*end != '\0' || errno != 0 || *v == '-')
    throw std::invalid_argument(std::string(name) + "='" + v + "' is not a number");
  return true;
}

}  // namespace

long env_count(const char* name, long fallback) {
  unsigned long long v = 0;
  if (!env_unsigned(name, v))
    return fallback;
  if (v == 0 || v > 1000000)
    throw std::invalid_argument(std::string(name) + " must be between 1 and 1000000");
  return static_cast<long>(v);
}

long soak_iterations(long ci_default) {
  return env_count("SIGNET_SOAK_ITERATIONS", ci_default);
}

long soak_seconds(long ci_default) {
  return env_count("SIGNET_SOAK_SECONDS", ci_default);
}

uint64_t kill_seed() {
  unsigned long long v = 0;
  if (env_unsigned("SIGNET_KILL_SEED", v))
    return v;
  std::random_device rd;
  return (uint64_t(rd()) << 32) ^ rd();
}

}  // namespace signet::test
