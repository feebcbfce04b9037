// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/lmdb.hh"

#include <sys/stat.h>

#include <cerrno>
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
  throw StoreError(std::string("lmdb ") + what + ": " + mdb_strerror(rc));
}

Env::Env(const Options& opts) : path_(opts.path), map_size_(opts.map_size) {
  std::error_code ec;
  std::filesystem::create_directories(path_, ec);
  if (ec)
    throw StoreError("cannot create store directory '" + path_ + "': " + ec.message());
  check(mdb_env_create(&env_), "env_create");
  try {
    check(mdb_env_set_maxdbs(env_, opts.max_dbs), "set_maxdbs");
    check(mdb_env_set_mapsize(env_, opts.map_size), "set_mapsize");
    // Many pdns threads each hold a reader; the default of 126 is small for busy servers.
    check(mdb_env_set_maxreaders(env_, 1024), "set_maxreaders");
    // NOTLS: a read transaction belongs to its object, not its thread (pdns may hand backends
    // between threads). NORDAHEAD: lookups are random access, read-ahead only evicts useful pages.
    int rc = mdb_env_open(env_, path_.c_str(), MDB_NOTLS | MDB_NORDAHEAD, 0600);
    if (rc != 0)
      throw StoreError("cannot open store '" + path_ + "': " + mdb_strerror(rc));
    // A killed process leaves its reader slot behind; clear those so they do not pin old pages.
    int dead = 0;
    mdb_reader_check(env_, &dead);
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

namespace {
// Another process may have grown the map; adopt its size and try again (LMDB docs,
// MDB_MAP_RESIZED).
int begin_txn(MDB_env* env, unsigned flags, MDB_txn** txn) {
  int rc = mdb_txn_begin(env, nullptr, flags, txn);
  if (rc == MDB_MAP_RESIZED) {
    mdb_env_set_mapsize(env, 0);
    rc = mdb_txn_begin(env, nullptr, flags, txn);
  }
  return rc;
}
}  // namespace

ReadTxn::ReadTxn(Env& env) : env_(env) {
  check(begin_txn(env_.get(), MDB_RDONLY, &txn_), "begin read transaction");
  active_ = true;
}

ReadTxn::~ReadTxn() {
  if (txn_)
    mdb_txn_abort(txn_);
}

void ReadTxn::commit() {
  int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;
  active_ = false;
  check(rc, "commit read transaction");
}

void ReadTxn::reset() {
  if (active_) {
    mdb_txn_reset(txn_);
    active_ = false;
  }
}

void ReadTxn::renew() {
  if (active_)
    mdb_txn_reset(txn_);
  int rc = mdb_txn_renew(txn_);
  if (rc == MDB_MAP_RESIZED) {
    mdb_env_set_mapsize(env_.get(), 0);
    rc = mdb_txn_renew(txn_);
  }
  check(rc, "renew read transaction");
  active_ = true;
}

WriteTxn::WriteTxn(Env& env) : env_(env) {
  check(begin_txn(env_.get(), 0, &txn_), "begin write transaction");
}

WriteTxn::~WriteTxn() {
  if (txn_)
    mdb_txn_abort(txn_);
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
  int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;
  check(rc, "commit");
}

void WriteTxn::abort() {
  if (txn_)
    mdb_txn_abort(txn_);
  txn_ = nullptr;
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
