// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/rate_limit.hh"

#include <algorithm>
#include <cmath>

namespace signet::api {

RateLimiter::RateLimiter(unsigned rate, unsigned burst, Clock clock)
    : rate_(rate),
      burst_(burst ? burst : 2.0 * rate),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })) {}

RateLimiter::Verdict RateLimiter::take(uint64_t key) {
  if (rate_ <= 0)
    return {};
  auto now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  if (++takes_ % 1024 == 0)
    forget_full_buckets(now);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh) {
    double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst_, b.tokens + std::max(0.0, elapsed) * rate_);
    b.last = std::max(b.last, now);
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  double wait = (1.0 - b.tokens) / rate_;
  return {false, static_cast<unsigned>(std::max(1.0, std::ceil(wait)))};
}

void RateLimiter::forget_full_buckets(std::chrono::steady_clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    double elapsed = std::chrono::duration<double>(now - it->second.last).count();
    if (it->second.tokens + elapsed * rate_ >= burst_)
      it = buckets_.erase(it);
    else
      ++it;
  }
}

size_t RateLimiter::tracked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buckets_.size();
}

}  // namespace signet::api
