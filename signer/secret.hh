// SPDX-License-Identifier: GPL-2.0-or-later
//
// Secret bytes (private keys, data keys, the master key): wiped when they go away, never copied by
// accident, never printed.
#pragma once

#include <sodium.h>

#include <cstdint>
#include <span>
#include <vector>

namespace signet {

class Secret {
 public:
  Secret() = default;
  explicit Secret(size_t n) : bytes_(n) {}
  Secret(const uint8_t* data, size_t n) : bytes_(data, data + n) {}
  ~Secret() { wipe(); }
  Secret(Secret&& o) noexcept : bytes_(std::move(o.bytes_)) {}
  Secret& operator=(Secret&& o) noexcept {
    if (this != &o) {
      wipe();
      bytes_ = std::move(o.bytes_);
    }
    return *this;
  }
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret clone() const { return Secret(bytes_.data(), bytes_.size()); }

  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  std::span<const uint8_t> bytes() const { return bytes_; }
  void resize(size_t n) {
    // Grow by copying into a fresh buffer so the old one can be wiped.
    Secret bigger(n);
    std::copy(bytes_.begin(), bytes_.begin() + std::min(n, bytes_.size()), bigger.bytes_.begin());
    *this = std::move(bigger);
  }

 private:
  void wipe() {
    if (!bytes_.empty())
      sodium_memzero(bytes_.data(), bytes_.size());
  }
  std::vector<uint8_t> bytes_;
};

}  // namespace signet
