// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetd's per-token rate limit (signet-api-rate): a token bucket per key (the token id). A
// bucket holds up to `burst` requests and refills at `rate` per second; a request takes one. An
// empty bucket refuses (429) and tells how long until the next request would be allowed
// (Retry-After). The clock is passed in, so tests drive it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace signet::api {

class RateLimiter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // rate 0: no limit. burst 0: twice the rate.
  explicit RateLimiter(unsigned rate, unsigned burst = 0, Clock clock = nullptr);

  struct Verdict {
    bool allowed = true;
    unsigned retry_after_s = 0;  // when refused: whole seconds until one request fits, at least 1
  };
  // Takes one request from `key`'s bucket.
  Verdict take(uint64_t key);

  // Buckets idle long enough to be full again are forgotten (called now and then by take), so
  // the table does not grow with every token ever seen.
  size_t tracked() const;

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last;
  };
  void forget_full_buckets(std::chrono::steady_clock::time_point now);

  double rate_;
  double burst_;
  Clock clock_;
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Bucket> buckets_;
  uint64_t takes_ = 0;
};

}  // namespace signet::api
