// SPDX-License-Identifier: GPL-2.0-or-later
//
// A file descriptor owned by one object: closed when it goes (or on reset).
#pragma once

#include <unistd.h>

namespace signet {

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  void reset() {
    if (fd >= 0)
      ::close(fd);
    fd = -1;
  }
};

}  // namespace signet
