// SPDX-License-Identifier: GPL-2.0-or-later
//
// When the validation monitor checks which zone. Two bounds on its load:
//
//   * Spreading: each zone is checked once per `interval` seconds, and N zones are spread evenly
//     over the interval (zone i of N first at now + i·interval/N), so a million zones are a steady
//     trickle, never a burst at the top of the interval. A zone keeps its slot: its next check
//     is its last due time plus the interval.
//   * Ceiling: a token bucket of `qps` tokens per second (holding at most one second's worth)
//     pays for every query; a zone costs `cost` queries (3 per resolver, plus the parent's
//     servers). A zone the bucket cannot pay for stays due and goes first once it can: when the
//     ceiling is lower than N·cost/interval, checks fall behind, the ceiling holds.
//
// Pure logic on a Clock (seconds), so tests drive it with a FakeClock. Not thread-safe: one
// monitor thread owns it.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "signer/clock.hh"

namespace signet {

// `rate` tokens per second, at most `rate` held (one second's worth; at least one query's worth).
class TokenBucket {
 public:
  TokenBucket(double rate, const Clock& clock);
  // Takes `n` tokens when the bucket holds them.
  bool try_take(double n);
  double available();

 private:
  void refill();
  double rate_, capacity_, tokens_;
  uint64_t last_;
  const Clock& clock_;
};

class MonitorSchedule {
 public:
  MonitorSchedule(const Clock& clock, uint64_t interval, unsigned qps);

  // The zones to check (ids). Zones kept keep their slots; new ones are spread evenly over the
  // interval from now, in between; zones not listed are dropped.
  void set_zones(const std::vector<uint32_t>& zones);
  // The zones due now that the bucket pays for, `cost` queries each, oldest due first; each is
  // scheduled again one interval after its due time (or from now, when it fell behind by more).
  std::vector<uint32_t> take_due(unsigned cost);
  // When the next zone is due (0: no zones).
  uint64_t next_due() const;
  size_t size() const { return next_.size(); }
  uint64_t interval() const { return interval_; }

 private:
  const Clock& clock_;
  uint64_t interval_;
  TokenBucket bucket_;
  std::map<uint32_t, uint64_t> next_;              // zone -> due time
  std::set<std::pair<uint64_t, uint32_t>> queue_;  // (due, zone)
};

}  // namespace signet
