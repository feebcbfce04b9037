// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/monitor_schedule.hh"

#include <algorithm>

namespace signet {

TokenBucket::TokenBucket(double rate, const Clock& clock)
    : rate_(rate),
      capacity_(std::max(rate, 1.0)),
      tokens_(std::max(rate, 1.0)),
      last_(clock.now()),
      clock_(clock) {}

void TokenBucket::refill() {
  uint64_t now = clock_.now();
  if (now > last_) {
    tokens_ = std::min(capacity_, tokens_ + static_cast<double>(now - last_) * rate_);
    last_ = now;
  }
}

double TokenBucket::available() {
  refill();
  return tokens_;
}

bool TokenBucket::try_take(double n) {
  refill();
  // A zone that costs more than one second's worth still gets through when the bucket is full,
  // and leaves it in debt: the ceiling is kept on average, a check is never starved.
  if (tokens_ < std::min(n, capacity_))
    return false;
  tokens_ -= n;
  return true;
}

MonitorSchedule::MonitorSchedule(const Clock& clock, uint64_t interval, unsigned qps)
    : clock_(clock), interval_(std::max<uint64_t>(interval, 1)), bucket_(qps, clock) {}

void MonitorSchedule::set_zones(const std::vector<uint32_t>& zones) {
  std::set<uint32_t> wanted(zones.begin(), zones.end());
  for (auto it = next_.begin(); it != next_.end();) {
    if (!wanted.count(it->first)) {
      queue_.erase({it->second, it->first});
      it = next_.erase(it);
    } else {
      ++it;
    }
  }
  uint64_t now = clock_.now();
  size_t n = wanted.size(), i = 0;
  for (uint32_t z : wanted) {
    if (!next_.count(z)) {
      // Slot i of n: i·interval/n seconds from now (128-bit free: interval ≤ 2^32, n ≤ 2^32).
      uint64_t due = now + (n ? static_cast<uint64_t>(i) * interval_ / n : 0);
      next_[z] = due;
      queue_.insert({due, z});
    }
    ++i;
  }
}

std::vector<uint32_t> MonitorSchedule::take_due(unsigned cost) {
  std::vector<uint32_t> out;
  uint64_t now = clock_.now();
  while (!queue_.empty() && queue_.begin()->first <= now) {
    if (!bucket_.try_take(cost))
      break;
    auto [due, zone] = *queue_.begin();
    queue_.erase(queue_.begin());
    uint64_t next = due + interval_;
    if (next <= now)
      next = now + interval_;  // fell behind by a whole interval: no catch-up burst
    next_[zone] = next;
    queue_.insert({next, zone});
    out.push_back(zone);
  }
  return out;
}

uint64_t MonitorSchedule::next_due() const {
  return queue_.empty() ? 0 : queue_.begin()->first;
}

}  // namespace signet
