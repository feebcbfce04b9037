// SPDX-License-Identifier: GPL-2.0-or-later
//
// Secret bytes (private keys, data keys, the master key, the text of key files): kept out of
// swap and core dumps, wiped when they go away, never copied by accident, never printed.
//
// Where secrets live — two heaps, because a pdns_server may hold 10,000 unsealed keys:
//
//  * Guarded (the default): each Secret is its own libsodium sodium_malloc() region. libsodium
//    1.0.18 (src/libsodium/sodium/utils.c, _sodium_malloc) maps the data right-aligned against a
//    PROT_NONE guard page (an overrun faults at once), puts a canary in front (an underrun aborts
//    in sodium_free), and calls sodium_mlock() on it, which does madvise(MADV_DONTDUMP) and then
//    mlock(); sodium_free() wipes (sodium_munlock zeroes), unmaps. It costs four pages of address
//    space, four kernel mappings and one locked page per Secret, whatever its size — right for
//    the few or short-lived secrets: the master key, tenant data keys while a key is opened, DER
//    and parser buffers. It is wrong for thousands of long-lived ones: measured here (Linux,
//    4 KiB pages, vm.max_map_count 65530, RLIMIT_MEMLOCK 8 MiB): a process not running as root
//    gets its 2,048th guarded Secret locked and no more (libsodium ignores the failing mlock), and
//    past ~16,370 Secrets mprotect can no longer split mappings, so the guard pages silently go
//    (libsodium ignores that too).
//
//  * The key heap (SecretHeap::kKeyHeap): OpenSSL's secure heap (CRYPTO_secure_malloc_init),
//    one mapping for the whole process between two guard pages, mlock'd (mlock2 MLOCK_ONFAULT:
//    pages are locked as they are used) and MADV_DONTDUMP, carved by a buddy allocator in 16-byte
//    steps, wiped by CRYPTO_secure_clear_free. Once it exists OpenSSL puts the private parts of
//    every key it decodes or generates there (BN_secure_new: RSA d, p, q, CRT values; EC scalars;
//    EdDSA seeds), and PrivateKey puts its libsodium Ed25519 secret key there. Measured per
//    unsealed key (OpenSSL 3.0.19, libsodium 1.0.18): RSA-2048 896 bytes, RSA-4096 1,792, P-256
//    32, P-384 64, Ed25519 96 (32 + libsodium's 64), Ed448 64; a signing thread's own copy of an
//    RSA or ECDSA key about as much again while it lives. The default 32 MiB
//    (key_heap_bytes_for(10000)) holds 10,000 RSA-4096 keys (17.1 MiB) with 14.9 MiB to spare,
//    37,449 RSA-2048 keys, or a million P-256 keys.
//
//    It is locked only within RLIMIT_MEMLOCK (or with CAP_IPC_LOCK, as root): Debian's
//    pdns.service runs pdns_server as User=pdns under the default 8 MiB limit, so the default
//    32 MiB heap is then not locked — still guarded and kept out of core dumps, but swappable;
//    key_heap_warning() says so for the log, and LimitMEMLOCK= above the heap size fixes it.
//    Capacity wins over locking because a full heap refuses keys: decoding another key then
//    fails with an Error saying so (never a silent fallback to ordinary memory). The bounded key
//    cache keeps it from filling: whoever reads signet-key-cache-size sets the heap up with
//    init_key_heap(key_heap_bytes_for(size)) before the first key is made.
//
// Running out: a guarded Secret throws Error when sodium_malloc fails, which only happens when
// mmap does (libsodium ignores failing mlock and mprotect) — the process is out of address space
// or mappings, and ordinary memory is no place to put the secret instead.
//
// sodium_mprotect_noaccess() is not used: the master key is read by every thread that opens a
// key, and toggling page protection per use is neither cheap nor safe across threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace signet {

enum class SecretHeap : uint8_t {
  kGuarded,  // its own sodium_malloc region (guard pages, canary)
  kKeyHeap,  // the process's key heap (OpenSSL's secure heap)
};

class Secret {
 public:
  Secret() = default;
  // n zero bytes. Throws Error when no guarded memory or no room in the key heap is left.
  explicit Secret(size_t n, SecretHeap heap = SecretHeap::kGuarded);
  Secret(const uint8_t* data, size_t n, SecretHeap heap = SecretHeap::kGuarded);
  ~Secret() { release(); }
  // A moved-from Secret is empty.
  Secret(Secret&& o) noexcept : data_(o.data_), size_(o.size_), heap_(o.heap_) {
    o.data_ = nullptr;
    o.size_ = 0;
  }
  Secret& operator=(Secret&& o) noexcept;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  // A copy in the same heap (the one way to copy a Secret: explicitly).
  Secret clone() const { return Secret(data_, size_, heap_); }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  SecretHeap heap() const { return heap_; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  std::span<uint8_t> writable_bytes() { return {data_, size_}; }
  // Moves the bytes into a new allocation of n bytes (zero-filled beyond the old size) and wipes
  // and frees the old one: a guarded region cannot grow in place.
  void resize(size_t n);

 private:
  void release() noexcept;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  SecretHeap heap_ = SecretHeap::kGuarded;
};

// Reads everything from `fd` (at most `limit` bytes) into a guarded Secret, so that the text of a
// key file never sits in an ordinary buffer. `name` is the file, for the InputError when reading
// fails or the file is larger than `limit`.
Secret read_secret(int fd, const std::string& name, size_t limit);

// ---------------------------------------------------------------- the key heap

struct KeyHeapStatus {
  bool ready = false;   // set up
  size_t size = 0;      // bytes (0 when set up by someone else in the process)
  size_t used = 0;      // bytes in use now
  bool locked = false;  // mlock'd (within RLIMIT_MEMLOCK or with CAP_IPC_LOCK)
};

// Bytes of key heap for `keys` cached unsealed keys of any algorithm: 2 KiB each (an RSA-4096
// key takes 1,792) plus 4 MiB for keys in flight (signers' copies, keys being opened), rounded up
// to a power of two as OpenSSL requires; at most 1 GiB. key_heap_bytes_for(10000) is 32 MiB.
size_t key_heap_bytes_for(size_t keys);
constexpr size_t kDefaultCachedKeys = 10000;

// Sets up the key heap with `bytes` (rounded up to a power of two) unless it exists already —
// then nothing changes: the first call in a process decides, and the first key made sets it up
// with key_heap_bytes_for(kDefaultCachedKeys) if nothing called this before. Thread-safe.
KeyHeapStatus init_key_heap(size_t bytes);
KeyHeapStatus key_heap_status();
// init_key_heap(key_heap_bytes_for(kDefaultCachedKeys)) unless it is set up. Cheap after the first.
void ensure_key_heap();
// Whether `bytes` more fit (false when the free space is smaller, or no chunk of that size can be
// had). OpenSSL's decoders drop the error a full secure heap queues, so a key that fails to decode
// asks this to tell a full heap from damaged bytes. True when there is no key heap.
bool key_heap_has_room(size_t bytes);
// "no room for another private key in the key heap (...)": the Error when it is full.
std::string key_heap_full_message();
// For the log when the key heap is set up: "" when it is locked, else why not and what to raise.
std::string key_heap_warning();

}  // namespace signet
