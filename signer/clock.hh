// SPDX-License-Identifier: GPL-2.0-or-later
//
// The one seam through which time enters Signet. Production code gets a SystemClock from the
// CompositionRoot; tests hand in a FakeClock and move it by hand.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>

namespace signet {

// A time as ISO 8601 UTC ("2026-11-22T10:00:00Z").
inline std::string iso8601_utc(uint64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// iso8601_utc, or "-" for 0 (never set).
inline std::string time_text(uint64_t t) {
  return t == 0 ? "-" : iso8601_utc(t);
}

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch.
  virtual uint64_t now() const = 0;
};

class SystemClock final : public Clock {
 public:
  uint64_t now() const override { return static_cast<uint64_t>(::time(nullptr)); }
};

// The system clock shifted by a fixed offset: how integration tests run a whole process "in the
// past" or "in the future" (SIGNET_CLOCK_OFFSET, see conf/composition_root.cc).
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(int64_t offset) : offset_(offset) {}
  uint64_t now() const override {
    return static_cast<uint64_t>(static_cast<int64_t>(::time(nullptr)) + offset_);
  }

 private:
  int64_t offset_;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(uint64_t start = 1700000000) : now_(start) {}
  uint64_t now() const override { return now_; }
  void set(uint64_t t) { now_ = t; }
  void advance(uint64_t seconds) { now_ += seconds; }

 private:
  uint64_t now_;
};

}  // namespace signet
