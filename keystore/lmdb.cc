// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/lmdb.hh"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "signer/error.hh"

namespace signet::lmdb {

void check(int rc, const char* what) {
  if (rc == MDB_SUCCESS)
    return;
  if (rc == MDB_MAP_FULL) {
    throw StoreError(std::string("lmdb ") + what +
                     ": the store is full; raise signet-map-size in pdns.conf (it is a limit on a "
                     "sparse file, not an allocation)");
  }
  if (rc == MDB_READERS_FULL) {
    throw StoreError(std::string("lmdb ") + what +
                     ": every reader slot of the store is taken (too many processes and threads "
                     "reading it at once); stale slots of dead processes are reclaimed every "
                     "minute");
  }
  throw StoreError(std::string("lmdb ") + what + ": " + mdb_strerror(rc));
}

namespace {
// How long a remap waits for this process's open transactions to end. Queries hold a read
// transaction for microseconds; a write that holds one longer makes the remap give up and the
// transaction that needed it fail (and be retried by its caller), rather than wait for ever.
constexpr auto kRemapWait = std::chrono::seconds(3);
constexpr int64_t kReaderCheckEvery = 60;  // seconds

int64_t steady_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Env::Env(const Options& opts) : path_(opts.path), map_size_(opts.map_size) {
  if (const char* fault = std::getenv("SIGNET_FAULT"))
    fail_commits_ = std::string_view(fault) == "store-full";
  std::error_code ec;
  std::filesystem::create_directories(path_, ec);
  if (ec)
    throw StoreError("cannot create store directory '" + path_ + "': " + ec.message());
  check(mdb_env_create(&env_), "env_create");
  try {
    check(mdb_env_set_maxdbs(env_, opts.max_dbs), "set_maxdbs");
    check(mdb_env_set_mapsize(env_, opts.map_size), "set_mapsize");
    // Many pdns threads each hold a reader; the default of 126 is small for busy servers.
    check(mdb_env_set_maxreaders(env_, kMaxReaders), "set_maxreaders");
    // NOTLS: a read transaction belongs to its object, not its thread (pdns may hand backends
    // between threads). NORDAHEAD: lookups are random access, read-ahead only evicts useful pages.
    int rc = mdb_env_open(env_, path_.c_str(), MDB_NOTLS | MDB_NORDAHEAD, 0600);
    if (rc != 0)
      throw StoreError("cannot open store '" + path_ + "': " + mdb_strerror(rc));
    // A killed process leaves its reader slot behind; clear those so they do not pin old pages.
    reclaim_stale_readers(true);
    MDB_envinfo info;
    check(mdb_env_info(env_, &info), "env_info");
    map_size_ = info.me_mapsize;  // the file may be larger than asked for: LMDB maps all of it
  } catch (...) {
    mdb_env_close(env_);
    env_ = nullptr;
    throw;
  }
}

Env::~Env() {
  if (env_)
    mdb_env_close(env_);
}

std::optional<Bytes> Txn::find(MDB_dbi dbi, std::string_view key) const {
  MDB_val k = to_val(key);
  MDB_val v;
  int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == MDB_NOTFOUND)
    return std::nullopt;
  check(rc, "get");
  return to_bytes(v);
}

Env::Usage Env::usage() const {
  MDB_envinfo info;
  MDB_stat st;
  check(mdb_env_info(env_, &info), "env_info");
  check(mdb_env_stat(env_, &st), "env_stat");
  return Usage{(uint64_t(info.me_last_pgno) + 1) * st.ms_psize, info.me_mapsize, 0};
}

Env::Usage Env::usage(const Txn& txn) const {
  Usage u = usage();
  MDB_stat st;
  check(mdb_env_stat(env_, &st), "env_stat");
  // LMDB keeps freed pages in its free database (handle 0), one record per freeing
  // transaction: an array of page numbers whose first element is their count.
  MDB_cursor* cur = nullptr;
  check(mdb_cursor_open(txn.get(), 0, &cur), "cursor_open");
  MDB_val k, v;
  uint64_t pages = 0;
  for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (v.mv_size >= sizeof(size_t)) {
      size_t n;
      std::memcpy(&n, v.mv_data, sizeof n);
      pages += n;
    }
  }
  mdb_cursor_close(cur);
  u.free_bytes = pages * st.ms_psize;
  return u;
}

void Env::enter_txn() {
  while (true) {
    open_txns_.fetch_add(1);
    if (!remapping_.load())
      return;
    // A remap waits for this process's transactions to end: step back until it is done.
    leave_txn();
    std::unique_lock<std::mutex> lock(remap_mu_);
    remap_cv_.wait(lock, [this] { return !remapping_.load(); });
  }
}

void Env::leave_txn() {
  if (open_txns_.fetch_sub(1) == 1 && remapping_.load()) {
    std::lock_guard<std::mutex> lock(remap_mu_);
    remap_cv_.notify_all();
  }
}

void Env::adopt_grown_map() {
  std::unique_lock<std::mutex> lock(remap_mu_);
  if (remapping_.load()) {
    // Another thread is remapping: its result is ours.
    remap_cv_.wait(lock, [this] { return !remapping_.load(); });
    return;
  }
  remapping_ = true;
  bool drained = remap_cv_.wait_for(lock, kRemapWait, [this] { return open_txns_.load() == 0; });
  int rc = MDB_SUCCESS;
  if (drained) {
    rc = mdb_env_set_mapsize(env_, 0);  // 0: adopt the size the other process set
    MDB_envinfo info;
    if (rc == MDB_SUCCESS && mdb_env_info(env_, &info) == MDB_SUCCESS)
      map_size_ = info.me_mapsize;
  }
  remapping_ = false;
  remap_cv_.notify_all();
  lock.unlock();
  if (!drained) {
    throw StoreError("store '" + path_ +
                     "' grew beyond this process's map (another process wrote past it) and "
                     "transactions of this process stayed open too long to remap; try again");
  }
  check(rc, "set_mapsize");
}

void Env::copy_compact(int fd) {
  reclaim_stale_readers(false);
  // mdb_env_copyfd2 begins its own read transaction: it goes through the remap gate like ours.
  // A map grown by another process fails that begin (MDB_MAP_RESIZED) before anything is
  // written, so the copy is simply tried again once the map is adopted.
  for (int attempt = 0;; ++attempt) {
    enter_txn();
    int rc = mdb_env_copyfd2(env_, fd, MDB_CP_COMPACT);
    leave_txn();
    if (rc == MDB_MAP_RESIZED && attempt == 0) {
      adopt_grown_map();
      continue;
    }
    check(rc, "copy");
    return;
  }
}

int Env::reclaim_stale_readers(bool now) {
  int64_t t = steady_seconds();
  int64_t last = last_reader_check_.load();
  if (!now && t - last < kReaderCheckEvery)
    return 0;
  if (!last_reader_check_.compare_exchange_strong(last, t) && !now)
    return 0;  // another thread is doing it
  int dead = 0;
  mdb_reader_check(env_, &dead);
  return dead;
}

namespace {
// Starts a transaction through the remap gate: enters it and runs `attempt` (mdb_txn_begin or
// mdb_txn_renew); on MDB_MAP_RESIZED it adopts the grown map (outside the gate) and tries again,
// on MDB_READERS_FULL it reclaims the slots of dead readers and tries again. On failure the gate
// is left and StoreError thrown. (A template, not std::function: renew is on the query path.)
template <typename Attempt>
void start_gated(Env& env, Attempt&& attempt, const char* what) {
  env.reclaim_stale_readers(false);
  env.enter_txn();
  int rc = attempt();
  for (int retry = 0; retry < 2 && (rc == MDB_MAP_RESIZED || rc == MDB_READERS_FULL); ++retry) {
    env.leave_txn();
    if (rc == MDB_MAP_RESIZED)
      env.adopt_grown_map();  // throws with the gate left
    else
      env.reclaim_stale_readers(true);
    env.enter_txn();
    rc = attempt();
  }
  if (rc != MDB_SUCCESS) {
    env.leave_txn();
    check(rc, what);
  }
}
}  // namespace

ReadTxn::ReadTxn(Env& env) : env_(env) {
  start_gated(
      env_, [&] { return mdb_txn_begin(env_.get(), nullptr, MDB_RDONLY, &txn_); },
      "begin read transaction");
  active_ = true;
}

ReadTxn::~ReadTxn() {
  if (txn_)
    mdb_txn_abort(txn_);
  end();
}

void ReadTxn::end() {
  if (active_) {
    active_ = false;
    env_.leave_txn();
  }
}

void ReadTxn::commit() {
  int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;
  end();
  check(rc, "commit read transaction");
}

void ReadTxn::reset() {
  if (active_) {
    mdb_txn_reset(txn_);
    end();
  }
}

void ReadTxn::renew() {
  reset();
  start_gated(
      env_, [&] { return mdb_txn_renew(txn_); }, "renew read transaction");
  active_ = true;
}

WriteTxn::WriteTxn(Env& env) : env_(env) {
  start_gated(
      env_, [&] { return mdb_txn_begin(env_.get(), nullptr, 0, &txn_); },
      "begin write transaction");
}

WriteTxn::~WriteTxn() {
  if (txn_) {
    mdb_txn_abort(txn_);
    end();
  }
}

void WriteTxn::end() {
  env_.leave_txn();
}

void WriteTxn::put(MDB_dbi dbi, std::string_view key, std::string_view value) {
  MDB_val k = to_val(key);
  MDB_val v = to_val(value);
  check(mdb_put(txn_, dbi, &k, &v, 0), "put");
}

bool WriteTxn::del(MDB_dbi dbi, std::string_view key) {
  MDB_val k = to_val(key);
  int rc = mdb_del(txn_, dbi, &k, nullptr);
  if (rc == MDB_NOTFOUND)
    return false;
  check(rc, "del");
  return true;
}

size_t WriteTxn::del_prefix(MDB_dbi dbi, std::string_view prefix) {
  size_t n = 0;
  Cursor c(*this, dbi);
  bool ok = c.seek_prefix(prefix);
  while (ok) {
    c.del();
    ++n;
    // Re-seek rather than trust the cursor position after a delete: simple and always right.
    ok = c.seek_prefix(prefix);
  }
  return n;
}

void WriteTxn::commit() {
  if (env_.fails_commits()) {
    abort();
    check(MDB_MAP_FULL, "commit");
  }
  int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;
  end();
  check(rc, "commit");
}

void WriteTxn::abort() {
  if (txn_) {
    mdb_txn_abort(txn_);
    txn_ = nullptr;
    end();
  }
}

Cursor::Cursor(const Txn& txn, MDB_dbi dbi) {
  check(mdb_cursor_open(txn.get(), dbi, &cur_), "cursor_open");
}

Cursor::~Cursor() {
  if (cur_)
    mdb_cursor_close(cur_);
}

Cursor& Cursor::operator=(Cursor&& o) noexcept {
  if (this != &o) {
    if (cur_)
      mdb_cursor_close(cur_);
    cur_ = o.cur_;
    key_ = o.key_;
    val_ = o.val_;
    o.cur_ = nullptr;
  }
  return *this;
}

void Cursor::renew(const ReadTxn& txn) {
  check(mdb_cursor_renew(txn.get(), cur_), "cursor_renew");
}

bool Cursor::op(MDB_cursor_op o, std::string_view key) {
  if (o == MDB_SET_RANGE || o == MDB_SET_KEY)
    key_ = to_val(key);
  int rc = mdb_cursor_get(cur_, &key_, &val_, o);
  if (rc == MDB_NOTFOUND)
    return false;
  check(rc, "cursor_get");
  return true;
}

bool Cursor::seek(std::string_view key) {
  return op(MDB_SET_RANGE, key);
}

bool Cursor::seek_prefix(std::string_view prefix) {
  return seek(prefix) && key_has_prefix(prefix);
}

bool Cursor::seek_before(std::string_view key) {
  if (seek(key))
    return prev();
  return last();
}

bool Cursor::first() {
  return op(MDB_FIRST);
}
bool Cursor::last() {
  return op(MDB_LAST);
}
bool Cursor::next() {
  return op(MDB_NEXT);
}
bool Cursor::prev() {
  return op(MDB_PREV);
}

void Cursor::del() {
  check(mdb_cursor_del(cur_, 0), "cursor_del");
}

}  // namespace signet::lmdb
