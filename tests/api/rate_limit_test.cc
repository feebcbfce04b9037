// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/rate_limit.hh"

#include <gtest/gtest.h>

using namespace signet::api;
using namespace std::chrono_literals;

namespace {

struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  RateLimiter::Clock fn() {
    return [this] { return now; };
  }
};

int allowed_of(RateLimiter& r, uint64_t key, int n) {
  int ok = 0;
  for (int i = 0; i < n; ++i)
    ok += r.take(key).allowed ? 1 : 0;
  return ok;
}

}  // namespace

TEST(RateLimiter, ABurstOfTwiceTheRateIsAllowedThenRefused) {
  FakeClock clock;
  RateLimiter r(10, 0, clock.fn());
  EXPECT_EQ(allowed_of(r, 1, 25), 20);
  auto v = r.take(1);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.retry_after_s, 1u);
}

TEST(RateLimiter, TheBucketRefillsAtTheRate) {
  FakeClock clock;
  RateLimiter r(10, 0, clock.fn());
  allowed_of(r, 1, 20);
  EXPECT_FALSE(r.take(1).allowed);
  clock.now += 500ms;  // 5 requests' worth
  EXPECT_EQ(allowed_of(r, 1, 10), 5);
  clock.now += 1h;  // never more than the burst
  EXPECT_EQ(allowed_of(r, 1, 100), 20);
}

TEST(RateLimiter, TokensHaveBucketsOfTheirOwn) {
  FakeClock clock;
  RateLimiter r(5, 0, clock.fn());
  EXPECT_EQ(allowed_of(r, 1, 50), 10);
  EXPECT_EQ(allowed_of(r, 2, 50), 10);
  EXPECT_FALSE(r.take(1).allowed);
}

TEST(RateLimiter, RetryAfterSaysWhenOneRequestFits) {
  FakeClock clock;
  RateLimiter r(1, 1, clock.fn());  // one every second, no burst
  EXPECT_TRUE(r.take(7).allowed);
  auto v = r.take(7);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.retry_after_s, 1u);
  clock.now += 999ms;
  EXPECT_FALSE(r.take(7).allowed);
  clock.now += 1ms;
  EXPECT_TRUE(r.take(7).allowed);

  RateLimiter slow(1, 1, clock.fn());
  EXPECT_TRUE(slow.take(1).allowed);
  clock.now += 100ms;
  EXPECT_EQ(slow.take(1).retry_after_s, 1u);  // rounded up, never 0
}

TEST(RateLimiter, RateZeroMeansNoLimit) {
  FakeClock clock;
  RateLimiter r(0, 0, clock.fn());
  EXPECT_EQ(allowed_of(r, 1, 10000), 10000);
  EXPECT_EQ(r.tracked(), 0u);
}

TEST(RateLimiter, IdleFullBucketsAreForgotten) {
  FakeClock clock;
  RateLimiter r(10, 0, clock.fn());
  for (uint64_t k = 0; k < 1000; ++k)
    r.take(k);
  EXPECT_EQ(r.tracked(), 1000u);
  clock.now += 10s;
  for (int i = 0; i < 100; ++i)
    r.take(5000);  // the 1024th take sweeps
  EXPECT_LE(r.tracked(), 1u);
}
