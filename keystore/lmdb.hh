// SPDX-License-Identifier: GPL-2.0-or-later
//
// A thin RAII layer over LMDB. Every transaction and cursor is owned by an object whose destructor
// releases it; a write transaction aborts unless commit() was called, so an exception anywhere in
// a write leaves the store as it was. LMDB gives readers an MVCC snapshot: pdns threads never
// block the writer (signetutil, pdnsutil, the HTTP API) and only ever see whole transactions.
#pragma once

#include <lmdb.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace signet::lmdb {

using Bytes = std::span<const uint8_t>;

inline MDB_val to_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline Bytes to_bytes(const MDB_val& v) {
  return {static_cast<const uint8_t*>(v.mv_data), v.mv_size};
}
inline std::string_view to_view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// Throws StoreError "lmdb <what>: <reason>" for a non-zero LMDB return code.
void check(int rc, const char* what);

class Txn;

class Env {
 public:
  struct Options {
    std::string path;       // a directory; created (0700) when missing
    uint64_t map_size = 0;  // bytes
    unsigned max_dbs = 32;
  };
  explicit Env(const Options& opts);
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  MDB_env* get() const { return env_; }
  const std::string& path() const { return path_; }
  // The size of the map now (grows when another process grew the store past it).
  uint64_t map_size() const { return map_size_.load(); }

  // How full the store is: the pages in use (the high-water mark; LMDB reuses freed pages below
  // it) against the map. Read from the environment, not from a transaction.
  struct Usage {
    uint64_t used_bytes = 0;
    uint64_t map_bytes = 0;
    uint64_t free_bytes = 0;  // freed pages below the high-water mark, reusable by writes
    double fraction() const { return map_bytes ? double(used_bytes) / double(map_bytes) : 0; }
    // What a write can still take: the map above the high-water mark plus the freed pages.
    uint64_t available_bytes() const {
      return (map_bytes > used_bytes ? map_bytes - used_bytes : 0) + free_bytes;
    }
  };
  Usage usage() const;
  // The same, counting the free pages as `txn` sees them (LMDB's freelist, as `mdb_stat -f`).
  Usage usage(const Txn& txn) const;

  // ---- the remap gate (used by the transaction classes below)
  //
  // LMDB: mdb_env_set_mapsize "may only be called if no transactions are active in this
  // process" — remapping under a live reader would pull its pages from under it. When another
  // process grows the store past our map, the next transaction begin reports MDB_MAP_RESIZED;
  // the gate then lets the transactions open in this process finish, holds new ones back,
  // remaps, and lets them go. Every transaction is counted from begin/renew to
  // reset/commit/abort, whatever thread holds it (read transactions are MDB_NOTLS).
  void enter_txn();
  void leave_txn();
  // Adopts the size another process gave the map. Throws StoreError when transactions of this
  // process stay open longer than the remap may wait (one of them may be the caller's own).
  void adopt_grown_map();
  // Frees the reader slots of processes that died holding them (mdb_reader_check); done at
  // most once a minute from transaction begins, and at once when every slot is taken. Returns
  // how many slots were freed.
  int reclaim_stale_readers(bool now);
  static constexpr unsigned kMaxReaders = 1024;

  // Writes a compacted copy of the store (a valid data.mdb: free pages left out, pages renumbered)
  // to `fd`, from one read transaction: a consistent snapshot while other processes write.
  void copy_compact(int fd);

  // Test seam: with SIGNET_FAULT=store-full in the environment (read when the store is opened),
  // every write transaction fails at commit exactly as a full map fails it (MDB_MAP_FULL), so
  // tests can prove that each writer of a process survives a full store.
  bool fails_commits() const { return fail_commits_; }

 private:
  bool fail_commits_ = false;
  MDB_env* env_ = nullptr;
  std::string path_;
  std::atomic<uint64_t> map_size_{0};
  std::atomic<int> open_txns_{0};
  std::atomic<bool> remapping_{false};
  std::mutex remap_mu_;
  std::condition_variable remap_cv_;
  std::atomic<int64_t> last_reader_check_{0};
};

// Base for both transaction kinds: lookups and cursors work on either.
class Txn {
 public:
  virtual ~Txn() = default;
  MDB_txn* get() const { return txn_; }
  std::optional<Bytes> find(MDB_dbi dbi, std::string_view key) const;

 protected:
  Txn() = default;
  MDB_txn* txn_ = nullptr;
};

// A read snapshot. reset()/renew() let a long-lived owner (a pdns backend instance) reuse the
// reader slot without allocating: the query path renews on lookup and resets when done.
class ReadTxn : public Txn {
 public:
  explicit ReadTxn(Env& env);
  ~ReadTxn();
  ReadTxn(const ReadTxn&) = delete;
  ReadTxn& operator=(const ReadTxn&) = delete;

  // Ends the transaction keeping database handles opened in it (LMDB closes handles opened in
  // an aborted transaction, read-only ones included).
  void commit();
  void reset();  // release the snapshot (keeps the handle)
  void renew();  // take a fresh snapshot
  bool active() const { return active_; }

 private:
  void end();  // leaves the remap gate if this transaction is counted there
  Env& env_;
  bool active_ = false;
};

class WriteTxn : public Txn {
 public:
  explicit WriteTxn(Env& env);
  ~WriteTxn();  // aborts unless committed
  WriteTxn(const WriteTxn&) = delete;
  WriteTxn& operator=(const WriteTxn&) = delete;

  void put(MDB_dbi dbi, std::string_view key, std::string_view value);
  void put(MDB_dbi dbi, std::string_view key, Bytes value) {
    put(dbi, key, std::string_view(reinterpret_cast<const char*>(value.data()), value.size()));
  }
  // Returns false when the key was absent.
  bool del(MDB_dbi dbi, std::string_view key);
  // Deletes every key that starts with `prefix`; returns how many.
  size_t del_prefix(MDB_dbi dbi, std::string_view prefix);
  void commit();
  void abort();
  bool open() const { return txn_ != nullptr; }

 private:
  void end();
  Env& env_;
};

class Cursor {
 public:
  Cursor(const Txn& txn, MDB_dbi dbi);
  Cursor() = default;
  ~Cursor();
  Cursor(Cursor&& o) noexcept : cur_(o.cur_), key_(o.key_), val_(o.val_) { o.cur_ = nullptr; }
  Cursor& operator=(Cursor&& o) noexcept;
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  // Rebinds a read-only cursor to a renewed read transaction without allocating.
  void renew(const ReadTxn& txn);

  // Positions at the first key >= `key`.
  bool seek(std::string_view key);
  // Positions at the first key that starts with `prefix`; false when there is none.
  bool seek_prefix(std::string_view prefix);
  // Positions at the last key < `key` (or the last key when none is >= `key`).
  bool seek_before(std::string_view key);
  bool first();
  bool last();
  bool next();
  bool prev();
  // Deletes the current item (write transactions only).
  void del();

  std::string_view key() const { return to_view(key_); }
  Bytes key_bytes() const { return to_bytes(key_); }
  Bytes value() const { return to_bytes(val_); }
  bool key_has_prefix(std::string_view prefix) const {
    return key_.mv_size >= prefix.size() && key().substr(0, prefix.size()) == prefix;
  }

 private:
  bool op(MDB_cursor_op o, std::string_view key = {});
  MDB_cursor* cur_ = nullptr;
  MDB_val key_{0, nullptr};
  MDB_val val_{0, nullptr};
};

}  // namespace signet::lmdb
