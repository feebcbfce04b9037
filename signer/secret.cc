// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/secret.hh"

#include <openssl/crypto.h>
#include <sodium.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "signer/error.hh"

namespace signet {

namespace {

constexpr size_t kMinKeyHeap = size_t(4) << 20;
constexpr size_t kMaxKeyHeap = size_t(1) << 30;

// sodium_malloc() needs sodium_init() (it sets the page size and the canary).
void ensure_sodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok)
    throw Error("libsodium failed to initialise");
}

size_t round_up_pow2(size_t n) {
  size_t p = 1;
  while (p < n)
    p <<= 1;
  return p;
}

std::mutex& heap_mutex() {
  static std::mutex mu;
  return mu;
}
// Guarded by heap_mutex(). Size 0 with the heap set up: someone else in the process set it up.
size_t heap_size = 0;
bool heap_locked = false;

std::string mib(size_t bytes) {
  return std::to_string(bytes >> 20) + " MiB";
}

uint8_t* allocate(size_t n, SecretHeap heap) {
  if (n == 0)
    return nullptr;
  if (heap == SecretHeap::kKeyHeap) {
    ensure_key_heap();
    // Without the file and line arguments OpenSSL queues no error for a full heap.
    auto* p = static_cast<uint8_t*>(CRYPTO_secure_zalloc(n, nullptr, 0));
    if (!p)
      throw Error(key_heap_full_message());
    return p;
  }
  ensure_sodium();
  // sodium_malloc only fails when mmap does (address space or vm.max_map_count exhausted): the
  // process is out of memory, and ordinary memory is no place to put the secret instead.
  auto* p = static_cast<uint8_t*>(sodium_malloc(n));
  if (!p) {
    throw Error("no guarded memory left for a secret of " + std::to_string(n) +
                " bytes (sodium_malloc: " + std::strerror(errno) + ")");
  }
  sodium_memzero(p, n);
  return p;
}

}  // namespace

Secret::Secret(size_t n, SecretHeap heap) : data_(allocate(n, heap)), size_(n), heap_(heap) {}

Secret::Secret(const uint8_t* data, size_t n, SecretHeap heap) : Secret(n, heap) {
  if (n)
    std::memcpy(data_, data, n);
}

Secret& Secret::operator=(Secret&& o) noexcept {
  if (this != &o) {
    release();
    data_ = o.data_;
    size_ = o.size_;
    heap_ = o.heap_;
    o.data_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}

void Secret::release() noexcept {
  if (!data_)
    return;
  if (heap_ == SecretHeap::kKeyHeap)
    CRYPTO_secure_clear_free(data_, size_, nullptr, 0);
  else
    sodium_free(data_);  // zeroes, checks the canary, unmaps
  data_ = nullptr;
  size_ = 0;
}

void Secret::resize(size_t n) {
  Secret other(n, heap_);
  if (n && size_)
    std::memcpy(other.data_, data_, std::min(n, size_));
  *this = std::move(other);
}

Secret read_secret(int fd, const std::string& name, size_t limit) {
  Secret buf(std::min<size_t>(4096, limit));
  size_t len = 0;
  for (;;) {
    if (len == buf.size()) {
      if (buf.size() >= limit)
        throw InputError(name + ": larger than " + std::to_string(limit) + " bytes");
      buf.resize(std::min(limit, buf.size() * 2));
    }
    ssize_t r = ::read(fd, buf.data() + len, buf.size() - len);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      throw InputError(name + ": cannot read: " + std::strerror(errno));
    if (r == 0)
      break;
    len += static_cast<size_t>(r);
  }
  if (len != buf.size()) {
    Secret exact(buf.data(), len);
    return exact;
  }
  return buf;
}

// ---------------------------------------------------------------- the key heap

size_t key_heap_bytes_for(size_t keys) {
  size_t want = kMinKeyHeap;
  if (keys < (kMaxKeyHeap - kMinKeyHeap) / 2048)
    want += keys * 2048;
  else
    want = kMaxKeyHeap;
  return std::min(round_up_pow2(want), kMaxKeyHeap);
}

KeyHeapStatus init_key_heap(size_t bytes) {
  {
    std::lock_guard<std::mutex> lock(heap_mutex());
    if (!CRYPTO_secure_malloc_initialized()) {
      size_t size = std::clamp(round_up_pow2(bytes), kMinKeyHeap, kMaxKeyHeap);
      // 16-byte steps: a P-256 scalar takes 32 bytes, not a larger minimum.
      int rc = CRYPTO_secure_malloc_init(size, 16);
      if (rc == 0)
        throw Error("cannot set up the key heap of " + mib(size) + " (OpenSSL secure heap)");
      heap_size = size;
      heap_locked = rc == 1;  // 2: mapped and guarded, but mlock or madvise failed
    }
  }
  return key_heap_status();
}

KeyHeapStatus key_heap_status() {
  std::lock_guard<std::mutex> lock(heap_mutex());
  KeyHeapStatus st;
  st.ready = CRYPTO_secure_malloc_initialized() == 1;
  st.size = heap_size;
  st.used = CRYPTO_secure_used();
  st.locked = heap_locked;
  return st;
}

void ensure_key_heap() {
  if (!CRYPTO_secure_malloc_initialized())
    init_key_heap(key_heap_bytes_for(kDefaultCachedKeys));
}

bool key_heap_has_room(size_t bytes) {
  KeyHeapStatus st = key_heap_status();
  if (!st.ready)
    return true;
  if (st.size && st.size - std::min(st.used, st.size) < bytes)
    return false;
  void* probe = CRYPTO_secure_malloc(bytes, nullptr, 0);
  CRYPTO_secure_free(probe, nullptr, 0);
  return probe != nullptr;
}

std::string key_heap_full_message() {
  KeyHeapStatus st = key_heap_status();
  return "no room for another private key in the key heap (" +
         (st.size ? std::to_string(st.size >> 20) + " MiB, " : std::string()) +
         std::to_string(st.used) + " bytes in use): lower signet-key-cache-size";
}

std::string key_heap_warning() {
  KeyHeapStatus st = key_heap_status();
  if (!st.ready || st.locked)
    return "";
  struct rlimit r {};
  ::getrlimit(RLIMIT_MEMLOCK, &r);
  std::string limit = r.rlim_cur == RLIM_INFINITY ? std::string("unlimited")
                                                  : std::to_string(r.rlim_cur >> 10) + " KiB";
  return "the key heap (" + (st.size ? mib(st.size) : std::string("set up elsewhere")) +
         ") is not locked in RAM: RLIMIT_MEMLOCK is " + limit +
         " (raise it above the key heap, e.g. LimitMEMLOCK= for pdns.service); private keys stay "
         "guarded and out of core dumps, but may be swapped out";
}

}  // namespace signet
