// SPDX-License-Identifier: GPL-2.0-or-later
//
// Independent items worked on a few at a time: parent discovery for many zones at once, the
// validation monitor's checks. Each worker takes the next index until none is left; the calling
// thread is one of the workers.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace signet {

// Calls fn(i) for every i < count on up to `concurrency` threads, and returns when all are
// done. `fn` must not throw (each item handles its own failure). `stop`, when given, is asked
// before each item: once it says so, no new item is started.
inline void parallel_for(size_t count, size_t concurrency, const std::function<void(size_t)>& fn,
                         const std::function<bool()>& stop = {}) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < count;) {
      if (stop && stop())
        return;
      fn(i);
    }
  };
  size_t n = std::min(std::max<size_t>(1, concurrency), count);
  std::vector<std::thread> threads;
  for (size_t t = 1; t < n; ++t)
    threads.emplace_back(work);
  work();
  for (auto& t : threads)
    t.join();
}

}  // namespace signet
