// SPDX-License-Identifier: GPL-2.0-or-later
//
// Where Secret's bytes live. That no secret is left in freed memory cannot be proved from inside;
// what can: guarded Secrets end at a guard page and start behind a canary, every Secret's pages
// are excluded from core dumps (and locked when the limits allow), key-heap Secrets are inside
// OpenSSL's secure heap and are wiped there when freed, moves leave nothing behind.
#include "signer/secret.hh"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>

#include "signer/error.hh"
#include "tests/support/process.hh"
#include "tests/support/temp_dir.hh"

using namespace signet;

namespace {

// The VmFlags of the mapping that holds `p` (/proc/self/smaps): "dd" = MADV_DONTDUMP,
// "lo" = mlock'd. Empty when not found.
std::string vm_flags(const void* p) {
  auto addr = reinterpret_cast<uintptr_t>(p);
  std::ifstream in("/proc/self/smaps");
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    uintptr_t lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2) {
      inside = addr >= lo && addr < hi;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line.substr(8) + " ";
    }
  }
  return "";
}

bool has_flag(const std::string& flags, const char* f) {
  return flags.find(std::string(" ") + f + " ") != std::string::npos;
}

// Whether this process may lock another page: root (CAP_IPC_LOCK) or within RLIMIT_MEMLOCK.
bool may_lock() {
  struct rlimit r;
  return ::geteuid() == 0 || (::getrlimit(RLIMIT_MEMLOCK, &r) == 0 && r.rlim_cur >= (64u << 10));
}

}  // namespace

TEST(Secret, GuardedBytesAreExcludedFromCoreDumpsAndLocked) {
  Secret s(32);
  std::string flags = vm_flags(s.data());
  ASSERT_FALSE(flags.empty());
  EXPECT_TRUE(has_flag(flags, "dd")) << "VmFlags:" << flags;
  if (may_lock())
    EXPECT_TRUE(has_flag(flags, "lo")) << "VmFlags:" << flags;
  EXPECT_FALSE(CRYPTO_secure_allocated(s.data()));
}

TEST(Secret, KeyHeapBytesAreInOpensslsSecureHeap) {
  ensure_key_heap();
  Secret s(64, SecretHeap::kKeyHeap);
  EXPECT_TRUE(CRYPTO_secure_allocated(s.data()));
  std::string flags = vm_flags(s.data());
  EXPECT_TRUE(has_flag(flags, "dd")) << "VmFlags:" << flags;
  if (key_heap_status().locked)
    EXPECT_TRUE(has_flag(flags, "lo")) << "VmFlags:" << flags;
}

TEST(SecretDeathTest, WritingPastTheEndHitsAGuardPage) {
  EXPECT_EXIT(
      {
        Secret s(37);
        volatile uint8_t* p = s.data();
        p[s.size() - 1] = 1;  // the last byte is fine
        p[s.size()] = 1;      // the next one is a PROT_NONE page
      },
      ::testing::KilledBySignal(SIGSEGV), "");
}

TEST(SecretDeathTest, WritingBeforeTheStartIsCaughtWhenFreed) {
  EXPECT_DEATH(
      {
        Secret s(37);
        volatile uint8_t* p = s.data();
        p[-1] ^= 0xff;  // the canary in front
      },
      "");
}

TEST(Secret, NewSecretsAreZeroAndCopiesAreExplicit) {
  Secret s(48);
  for (uint8_t b : s.bytes())
    ASSERT_EQ(b, 0);
  std::memset(s.data(), 0x5a, s.size());
  Secret c = s.clone();
  ASSERT_EQ(c.size(), s.size());
  EXPECT_NE(c.data(), s.data());
  EXPECT_EQ(std::memcmp(c.data(), s.data(), s.size()), 0);
  Secret k(reinterpret_cast<const uint8_t*>("abc"), 3, SecretHeap::kKeyHeap);
  Secret kc = k.clone();
  EXPECT_EQ(kc.heap(), SecretHeap::kKeyHeap);
  EXPECT_TRUE(CRYPTO_secure_allocated(kc.data()));
}

TEST(Secret, MovesLeaveTheSourceEmpty) {
  Secret a(16);
  uint8_t* bytes = a.data();
  Secret b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): that is the point
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(b.data(), bytes);
  Secret c(8);
  c = std::move(b);  // c's own bytes are released (wiped and unmapped)
  EXPECT_EQ(c.data(), bytes);
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(Secret().empty());
  EXPECT_EQ(Secret(0).data(), nullptr);
}

TEST(Secret, FreedKeyHeapBytesAreWiped) {
  ensure_key_heap();
  const uint8_t* where = nullptr;
  size_t used = key_heap_status().used;
  {
    Secret s(256, SecretHeap::kKeyHeap);
    std::memset(s.data(), 0xa5, s.size());
    where = s.data();
    EXPECT_GE(key_heap_status().used, used + 256);
  }
  EXPECT_EQ(key_heap_status().used, used);
  // The arena stays mapped. The freed chunk holds the allocator's list links in its first 16
  // bytes (two pointers, OpenSSL crypto/mem_sec.c SH_LIST) and zeroes after them: no byte of
  // the secret.
  const volatile uint8_t* p = where;
  for (size_t i = 16; i < 256; ++i)
    ASSERT_EQ(p[i], 0) << "byte " << i << " was not wiped";
}

TEST(Secret, ResizeMovesTheBytesToANewRegion) {
  Secret s(reinterpret_cast<const uint8_t*>("secret"), 6);
  const uint8_t* old = s.data();
  s.resize(4096);
  EXPECT_NE(s.data(), old);
  EXPECT_EQ(std::memcmp(s.data(), "secret", 6), 0);
  EXPECT_EQ(s.data()[6], 0);
  s.resize(3);
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(std::memcmp(s.data(), "sec", 3), 0);
}

TEST(Secret, ReadSecretReadsAFileIntoGuardedMemory) {
  test::TempDir dir;
  std::string text(10000, 'k');  // more than the first 4096-byte buffer
  test::write_file(dir.file("f"), text);
  int fd = ::open(dir.file("f").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  Secret s = read_secret(fd, "f", 1 << 20);
  ::close(fd);
  ASSERT_EQ(s.size(), text.size());
  EXPECT_EQ(std::memcmp(s.data(), text.data(), text.size()), 0);
  EXPECT_TRUE(has_flag(vm_flags(s.data()), "dd"));

  fd = ::open(dir.file("f").c_str(), O_RDONLY);
  try {
    read_secret(fd, "the file", 4096);
    ADD_FAILURE() << "read more than the limit";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "the file: larger than 4096 bytes");
  }
  ::close(fd);
}

TEST(KeyHeap, SizeFollowsTheNumberOfCachedKeys) {
  EXPECT_EQ(key_heap_bytes_for(0), size_t(4) << 20);
  EXPECT_EQ(key_heap_bytes_for(10000), size_t(32) << 20);  // the default cache
  EXPECT_EQ(key_heap_bytes_for(100000), size_t(256) << 20);
  EXPECT_EQ(key_heap_bytes_for(1000000), size_t(1) << 30);  // the ceiling
  EXPECT_EQ(key_heap_bytes_for(size_t(-1)), size_t(1) << 30);
}

TEST(KeyHeap, TheFirstSetUpDecidesAndLaterOnesChangeNothing) {
  KeyHeapStatus a = init_key_heap(key_heap_bytes_for(kDefaultCachedKeys));
  KeyHeapStatus b = init_key_heap(size_t(1) << 30);
  EXPECT_TRUE(a.ready);
  EXPECT_EQ(b.size, a.size);
}

TEST(KeyHeap, AWarningSaysWhenItCannotBeLocked) {
  KeyHeapStatus st = init_key_heap(key_heap_bytes_for(kDefaultCachedKeys));
  if (st.locked)
    EXPECT_EQ(key_heap_warning(), "");
  else
    EXPECT_NE(key_heap_warning().find("is not locked in RAM: RLIMIT_MEMLOCK is"), std::string::npos)
        << key_heap_warning();
}
