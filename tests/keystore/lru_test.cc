// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/lru.hh"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using signet::LruMap;

using Key = std::pair<uint32_t, uint32_t>;  // (zone id, key id), as the key cache uses it

TEST(LruMap, KeepsAtMostItsCapacityAndDropsTheLeastRecentlyUsed) {
  LruMap<Key, std::string> lru(2);
  lru.put({1, 1}, "a");
  lru.put({1, 2}, "b");
  EXPECT_EQ(lru.get({1, 1}), "a");  // (1,1) is now the most recent
  lru.put({2, 1}, "c");             // evicts (1,2)
  EXPECT_EQ(lru.size(), 2u);
  EXPECT_EQ(lru.get({1, 2}), std::nullopt);
  EXPECT_EQ(lru.get({1, 1}), "a");
  EXPECT_EQ(lru.get({2, 1}), "c");
  auto st = lru.stats();
  EXPECT_EQ(st.evictions, 1u);
  EXPECT_EQ(st.hits, 3u);
  EXPECT_EQ(st.misses, 1u);
  EXPECT_EQ(st.capacity, 2u);
}

TEST(LruMap, PutReplacesAndRefreshes) {
  LruMap<Key, std::string> lru(2);
  lru.put({1, 1}, "a");
  lru.put({1, 2}, "b");
  lru.put({1, 1}, "A");  // replaced, and now the most recent
  lru.put({1, 3}, "c");  // evicts (1,2)
  EXPECT_EQ(lru.get({1, 1}), "A");
  EXPECT_EQ(lru.get({1, 2}), std::nullopt);
  EXPECT_EQ(lru.stats().evictions, 1u);
}

TEST(LruMap, CapacityZeroKeepsNothing) {
  LruMap<Key, std::string> lru(0);
  lru.put({1, 1}, "a");
  EXPECT_EQ(lru.get({1, 1}), std::nullopt);
  int made = 0;
  EXPECT_EQ(lru.get_or_put({1, 1}, [&] { return std::to_string(++made); }), "1");
  EXPECT_EQ(lru.get_or_put({1, 1}, [&] { return std::to_string(++made); }), "2");
  EXPECT_EQ(lru.size(), 0u);
}

TEST(LruMap, GetOrPutMakesOnlyOnAMiss) {
  LruMap<Key, std::string> lru(4);
  int made = 0;
  auto make = [&] { return "v" + std::to_string(++made); };
  EXPECT_EQ(lru.get_or_put({7, 1}, make), "v1");
  EXPECT_EQ(lru.get_or_put({7, 1}, make), "v1");
  EXPECT_EQ(made, 1);
}

TEST(LruMap, EraseAndEraseIf) {
  LruMap<Key, int> lru(10);
  for (uint32_t z = 1; z <= 3; ++z)
    for (uint32_t k = 1; k <= 2; ++k)
      lru.put({z, k}, static_cast<int>(z * 10 + k));
  EXPECT_TRUE(lru.erase({1, 1}));
  EXPECT_FALSE(lru.erase({1, 1}));
  // Every key of zone 2, as when a zone is deleted.
  EXPECT_EQ(lru.erase_if([](const Key& k) { return k.first == 2; }), 2u);
  EXPECT_EQ(lru.size(), 3u);
  EXPECT_EQ(lru.get({2, 1}), std::nullopt);
  EXPECT_EQ(lru.get({3, 2}), 32);
  lru.clear();
  EXPECT_EQ(lru.size(), 0u);
  EXPECT_EQ(lru.stats().evictions, 0u) << "erasing is not evicting";
}

TEST(LruMap, ShrinkingEvictsAtOnce) {
  LruMap<Key, int> lru(5);
  for (uint32_t k = 1; k <= 5; ++k)
    lru.put({1, k}, static_cast<int>(k));
  lru.set_capacity(2);
  EXPECT_EQ(lru.size(), 2u);
  EXPECT_EQ(lru.get({1, 5}), 5);
  EXPECT_EQ(lru.get({1, 4}), 4);
  EXPECT_EQ(lru.get({1, 3}), std::nullopt);
  EXPECT_EQ(lru.stats().evictions, 3u);
}

// Evicted values are released (the last reference to an unsealed key goes, and with it the key).
TEST(LruMap, EvictedValuesAreReleased) {
  LruMap<Key, std::shared_ptr<int>> lru(1);
  auto first = std::make_shared<int>(1);
  std::weak_ptr<int> watch = first;
  lru.put({1, 1}, std::move(first));
  lru.put({1, 2}, std::make_shared<int>(2));
  EXPECT_TRUE(watch.expired());
}

TEST(LruMap, ManyThreadsNeverExceedTheCapacity) {
  LruMap<Key, std::shared_ptr<int>> lru(64);
  std::atomic<bool> over{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (uint32_t i = 0; i < 20000; ++i) {
        Key k{static_cast<uint32_t>(t), i % 200};
        auto v = lru.get_or_put(k, [&] { return std::make_shared<int>(static_cast<int>(i)); });
        if (!v)
          over = true;
        if (i % 97 == 0)
          lru.erase(k);
        if (lru.size() > 64)
          over = true;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_FALSE(over);
  auto st = lru.stats();
  EXPECT_LE(st.size, 64u);
  EXPECT_GT(st.evictions, 0u);
  EXPECT_EQ(st.hits + st.misses, 4u * 20000);
}
