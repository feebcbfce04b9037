// SPDX-License-Identifier: GPL-2.0-or-later
//
// The parallel signing machinery shared by whole-zone signing in one transaction
// (ZoneSigner::sign_all) and chunked whole-zone work (keystore/resign.hh): items are signed in
// chunks of kChunk on several threads, and the calling thread consumes the finished chunks in
// order (it alone may use an LMDB write transaction).
#pragma once

#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "keystore/signing.hh"
#include "signer/crypto.hh"
#include "signer/error.hh"
#include "signer/rrsig.hh"

namespace signet::sign_pool {

// Per-chunk results (no allocation per signature): the RRSIG RDATA of item i and key k is
// spans[(i - chunk start) * keys + k] within `bytes`.
inline constexpr size_t kChunk = 256;
struct ChunkOut {
  std::string bytes;
  std::vector<std::pair<uint32_t, uint32_t>> spans;
};
inline size_t chunks_of(size_t n) {
  return (n + kChunk - 1) / kChunk;
}

// What one signing thread owns: a signer per key, its signed-data buffer and its sampling state.
struct SignCtx {
  SignCtx(const std::vector<ActiveKey>& keys, uint64_t seed) : rng(seed) {
    signers.reserve(keys.size());
    for (const auto& k : keys)
      signers.emplace_back(k.key);
  }
  std::vector<Signer> signers;
  SignedData sd;
  std::vector<uint8_t> sig;
  std::set<uint32_t> first;  // keys whose first signature was checked
  std::mt19937_64 rng;
  std::vector<std::optional<Verifier>> verifiers;  // per key, made at its first check

  // Checks a signature by key k (the public key parsed once per thread and key).
  bool check(const std::vector<ActiveKey>& keys, size_t k, std::span<const uint8_t> data,
             std::span<const uint8_t> signature) {
    if (verifiers.size() < keys.size())
      verifiers.resize(keys.size());
    if (!verifiers[k]) {
      const auto& r = keys[k].record;
      try {
        verifiers[k].emplace(algorithm_from_number(r.algorithm), r.public_key);
      } catch (const InputError&) {
        return false;
      }
    }
    return verifiers[k]->verify(data, signature);
  }
};

// Runs sign(ctx, chunk) over the chunks of n items on `threads` threads, and write(chunk) for each
// chunk in order on the calling thread as soon as that chunk is signed: LMDB's write transaction
// belongs to the calling thread, and writing while the other threads sign keeps every core busy.
// While the next chunk to write is not ready, the calling thread signs a chunk itself. The first
// exception stops every thread and is rethrown once all have stopped.
// `prelude` runs on the calling thread once the other threads have started signing, before the
// first write.
// `idle` runs on the calling thread whenever the next chunk to write is not signed yet, before it
// signs one itself (the chunked driver commits its write transaction there).
template <class MakeCtx, class Sign, class Write, class Prelude, class Idle>
void sign_and_write(size_t n, unsigned threads, MakeCtx make_ctx, Sign sign, Write write,
                    Prelude prelude, Idle idle) {
  const size_t nchunks = chunks_of(n);
  if (nchunks == 0) {
    prelude();
    return;
  }
  std::unique_ptr<std::atomic<bool>[]> ready(new std::atomic<bool>[nchunks]);
  for (size_t c = 0; c < nchunks; ++c)
    ready[c].store(false, std::memory_order_relaxed);
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::exception_ptr failure;
  std::mutex failure_mu;
  auto fail = [&] {
    std::lock_guard<std::mutex> lock(failure_mu);
    if (!failure)
      failure = std::current_exception();
    stop.store(true);
  };
  auto claim_and_sign = [&](auto& ctx) {
    size_t c = next.fetch_add(1);
    if (c >= nchunks || stop.load(std::memory_order_relaxed))
      return false;
    sign(ctx, c);
    ready[c].store(true, std::memory_order_release);
    return true;
  };
  auto worker = [&](unsigned tid) {
    try {
      auto ctx = make_ctx(tid);
      while (claim_and_sign(ctx)) {
      }
    } catch (...) {
      fail();
    }
  };
  std::vector<std::thread> pool;
  try {
    for (unsigned t = 1; t < threads; ++t)
      pool.emplace_back(worker, t);
    prelude();
    auto ctx = make_ctx(0);
    size_t written = 0;
    while (written < nchunks && !stop.load()) {
      if (ready[written].load(std::memory_order_acquire)) {
        write(written++);
      } else {
        idle();
        if (!claim_and_sign(ctx))
          std::this_thread::yield();  // the last chunks are being signed by other threads
      }
    }
  } catch (...) {
    fail();
  }
  for (auto& t : pool)
    t.join();
  if (failure)
    std::rethrow_exception(failure);
}

}  // namespace signet::sign_pool
