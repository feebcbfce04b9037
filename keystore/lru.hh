// SPDX-License-Identifier: GPL-2.0-or-later
//
// A bounded map that forgets its least recently used entry when full: the cache of unsealed
// private keys (signet-key-cache-size) uses it, so that a process serving many zones keeps at
// most that many keys in memory — and in the key heap, which is sized from the same number
// (signer/secret.hh). Thread-safe: one mutex, held only for map operations; values are made and
// destroyed outside it (opening a key decrypts and self-tests it; freeing one wipes it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace signet {

template <typename K, typename V>
class LruMap {
 public:
  // capacity 0: nothing is kept (every get misses).
  explicit LruMap(size_t capacity) : capacity_(capacity) {}
  LruMap(const LruMap&) = delete;
  LruMap& operator=(const LruMap&) = delete;

  // The value, now the most recently used; nullopt when absent.
  std::optional<V> get(const K& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) {
      ++misses_;
      return std::nullopt;
    }
    ++hits_;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
  }

  // Inserts or replaces; evicts the least recently used entries beyond the capacity.
  void put(const K& key, V value) {
    std::vector<V> gone;  // destroyed after the lock is released
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (capacity_ == 0) {
        gone.push_back(std::move(value));
      } else if (auto it = index_.find(key); it != index_.end()) {
        gone.push_back(std::exchange(it->second->second, std::move(value)));
        order_.splice(order_.begin(), order_, it->second);
      } else {
        order_.emplace_front(key, std::move(value));
        index_.emplace(key, order_.begin());
        evict_over(capacity_, gone);
      }
    }
  }

  // The cached value, or make() (called without the lock held) cached and returned. When two
  // threads miss at once both make a value; the first one cached is kept and returned to both.
  template <typename Make>
  V get_or_put(const K& key, Make&& make) {
    if (auto v = get(key))
      return std::move(*v);
    V made = make();
    std::vector<V> gone;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (capacity_ == 0)
        return made;
      if (auto it = index_.find(key); it != index_.end()) {
        order_.splice(order_.begin(), order_, it->second);
        gone.push_back(std::move(made));
        return it->second->second;
      }
      order_.emplace_front(key, made);
      index_.emplace(key, order_.begin());
      evict_over(capacity_, gone);
    }
    return made;
  }

  // Whether it was there.
  bool erase(const K& key) {
    std::optional<V> gone;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end())
      return false;
    gone.emplace(std::move(it->second->second));
    order_.erase(it->second);
    index_.erase(it);
    return true;
  }

  // Removes every entry whose key satisfies `pred` (e.g. all keys of a deleted zone); how many.
  template <typename Pred>
  size_t erase_if(Pred&& pred) {
    std::vector<V> gone;
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = order_.begin(); it != order_.end();) {
      if (pred(it->first)) {
        gone.push_back(std::move(it->second));
        index_.erase(it->first);
        it = order_.erase(it);
      } else {
        ++it;
      }
    }
    return gone.size();
  }

  void clear() {
    erase_if([](const K&) { return true; });
  }

  // A smaller capacity evicts at once.
  void set_capacity(size_t capacity) {
    std::vector<V> gone;
    std::lock_guard<std::mutex> lock(mu_);
    capacity_ = capacity;
    evict_over(capacity_, gone);
  }

  struct Stats {
    size_t size = 0, capacity = 0;
    uint64_t hits = 0, misses = 0, evictions = 0;
  };
  Stats stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return Stats{index_.size(), capacity_, hits_, misses_, evictions_};
  }
  size_t size() const { return stats().size; }

 private:
  using Entry = std::pair<K, V>;
  using Iter = typename std::list<Entry>::iterator;

  void evict_over(size_t capacity, std::vector<V>& gone) {
    while (index_.size() > capacity) {
      Entry& last = order_.back();
      index_.erase(last.first);
      gone.push_back(std::move(last.second));
      order_.pop_back();
      ++evictions_;
    }
  }

  mutable std::mutex mu_;
  size_t capacity_;
  std::list<Entry> order_;  // most recently used first
  std::map<K, Iter> index_;
  uint64_t hits_ = 0, misses_ = 0, evictions_ = 0;
};

}  // namespace signet
