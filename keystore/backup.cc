// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/backup.hh"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>

#include "keystore/alert_store.hh"
#include "keystore/evidence_key.hh"
#include "keystore/policy_store.hh"
#include "keystore/tsig_keys.hh"
#include "signer/error.hh"
#include "signer/fd.hh"

namespace signet {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail_errno(const std::string& what, const std::string& path) {
  throw StoreError(what + " '" + path + "': " + std::strerror(errno));
}

void fsync_path(const std::string& path, int flags) {
  Fd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (fd.fd < 0 || ::fsync(fd.fd) != 0)
    fail_errno("cannot sync", path);
}

// A rename or link is durable once the directory holding it is synced (fsync(2)).
void sync_parent(const std::string& path) {
  fs::path parent = fs::absolute(path).parent_path();
  fsync_path(parent.string(), O_RDONLY | O_DIRECTORY);
}

// A file or directory removed when it goes, unless released.
class Removed {
 public:
  explicit Removed(std::string path) : path_(std::move(path)) {}
  ~Removed() {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
    }
  }
  Removed(const Removed&) = delete;
  Removed& operator=(const Removed&) = delete;
  const std::string& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  std::string path_;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Moves the finished temporary file `tmp` to `file`. Without `overwrite`, link(2) places it: it
// fails with EEXIST instead of replacing a file that appeared since the first check.
void place_file(const std::string& tmp, const std::string& file, bool overwrite) {
  if (overwrite) {
    if (::rename(tmp.c_str(), file.c_str()) != 0)
      fail_errno("cannot rename the backup to", file);
    return;
  }
  if (::link(tmp.c_str(), file.c_str()) != 0) {
    if (errno == EEXIST)
      throw InputError("'" + file + "' exists; backup --force replaces it");
    fail_errno("cannot link the backup to", file);
  }
  ::unlink(tmp.c_str());
}

}  // namespace

BackupResult backup_store(lmdb::Env& env, const std::string& file, bool overwrite) {
  std::error_code ec;
  if (fs::is_directory(file, ec))
    throw InputError("'" + file + "' is a directory; name the backup file");
  if (!overwrite && fs::exists(file, ec))
    throw InputError("'" + file + "' exists; backup --force replaces it");
  auto start = std::chrono::steady_clock::now();
  std::string tmp_path = file + ".tmp-XXXXXX";
  int raw = ::mkostemp(tmp_path.data(), O_CLOEXEC);  // mode 0600: sealed keys, the audit log
  if (raw < 0)
    fail_errno("cannot create a temporary file next to", file);
  Removed tmp(tmp_path);
  BackupResult r;
  {
    Fd fd(raw);
    env.copy_compact(fd.fd);
    if (::fsync(fd.fd) != 0)
      fail_errno("cannot sync", tmp_path);
    struct stat st;
    if (::fstat(fd.fd, &st) != 0)
      fail_errno("cannot stat", tmp_path);
    r.bytes = uint64_t(st.st_size);
  }
  place_file(tmp_path, file, overwrite);
  tmp.release();
  sync_parent(file);
  r.store_bytes = env.usage().used_bytes;
  r.seconds = seconds_since(start);
  return r;
}

// ------------------------------------------------------------------ checks

namespace {

// Runs `open`, a use of one of the store's existing openers; a failure names `what`.
template <typename Open>
void must_unseal(const std::string& what, Open&& open) {
  try {
    open();
  } catch (const Error& e) {
    throw CorruptionError(what + " does not unseal with the master key: " + e.what());
  }
}

void check_zone_keys(Store& store, const lmdb::Txn& txn, const Keyring& ring, StoreCheck& c) {
  std::map<uint32_t, Secret> tenant_keys;  // one AEAD per tenant, not per key
  store.for_each_zone(txn, [&](const ZoneRecord& zone) {
    ++c.zones;
    for (const auto& key : ring.keys(txn, zone.id)) {
      must_unseal(
          "key " + std::to_string(key.tag) + " (id " + std::to_string(key.id) + ") of zone " +
              zone.name.to_text(),
          [&] {
            auto it = tenant_keys.find(zone.tenant_id);
            if (it == tenant_keys.end())
              it = tenant_keys.emplace(zone.tenant_id, ring.tenant_key(txn, zone.tenant_id)).first;
            ring.open_key(it->second, zone, key);
          });
      ++c.keys;
    }
  });
}

void check_tenant_secrets(Store& store, const lmdb::Txn& txn, const Keyring& ring,
                          const MasterKey& master, StoreCheck& c) {
  AlertStore alerts(store, [&]() -> const MasterKey& { return master; });
  for (const auto& t : store.list_tenants(txn)) {
    ++c.tenants;
    if (!t.sealed_data_key.empty()) {
      must_unseal("the data key of tenant '" + t.name + "'", [&] { ring.tenant_key(txn, t.id); });
      ++c.tenant_keys;
    }
    must_unseal("the alert webhook URL of tenant '" + t.name + "'", [&] {
      if (alerts.webhook(txn, t.id))
        ++c.other_secrets;
    });
  }
}

void check_operator_secrets(Store& store, const lmdb::Txn& txn, const MasterKey& master,
                            const Clock& clock, StoreCheck& c) {
  auto provider = [&]() -> const MasterKey& { return master; };
  TsigKeys tsig(store, clock, provider);
  for (const auto& k : tsig.list(txn, std::nullopt)) {
    must_unseal("TSIG key '" + k.name.to_text() + "'", [&] { tsig.open_base64(txn, k); });
    ++c.other_secrets;
  }
  PolicyStore policies(store, provider);
  for (const auto& p : policies.all(txn)) {
    must_unseal("the TSIG secret of policy '" + p.name + "'", [&] {
      if (policies.open_secret(txn, p))
        ++c.other_secrets;
    });
  }
  try {
    evidence_sign(store, txn, master, "signet restore check", nullptr);
    ++c.other_secrets;
  } catch (const NotFound&) {
    // no evidence key made yet
  } catch (const Error& e) {
    throw CorruptionError(std::string("the evidence key does not unseal with the master key: ") +
                          e.what());
  }
}

}  // namespace

StoreCheck check_store(Store& store, const MasterKey& master, const Clock& clock) {
  StoreCheck c;
  auto txn = store.begin_read();
  c.schema = store.schema_version(txn);
  c.audit = AuditLog(store, clock, process_actor()).verify(txn);
  if (!c.audit.ok()) {
    std::string more = c.audit.problems.size() > 1
                           ? " (and " + std::to_string(c.audit.problems.size() - 1) + " more)"
                           : "";
    throw CorruptionError("the audit log does not verify: " + c.audit.problems.front() + more);
  }
  Keyring ring(store, master);
  check_zone_keys(store, txn, ring, c);
  check_tenant_secrets(store, txn, ring, master, c);
  check_operator_secrets(store, txn, master, clock, c);
  return c;
}

// ------------------------------------------------------------------ restore

namespace {

// Copies `from` to `to` (a new file, mode 0600) and syncs it.
void copy_synced(const std::string& from, const std::string& to) {
  Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd < 0)
    fail_errno("cannot read", from);
  Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (out.fd < 0)
    fail_errno("cannot create", to);
  std::vector<char> buf(1 << 20);
  while (true) {
    ssize_t n = ::read(in.fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      fail_errno("cannot read", from);
    if (n == 0)
      break;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out.fd, buf.data() + done, size_t(n - done));
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        fail_errno("cannot write", to);
      done += w;
    }
  }
  if (::fsync(out.fd) != 0)
    fail_errno("cannot sync", to);
}

// The schema version stored in the LMDB environment of `dir`, read without opening it as a Store
// (which would migrate an older one); nullopt when it has no Signet "sys" database.
std::optional<uint32_t> stored_schema(const std::string& dir, uint64_t map_size) {
  lmdb::Env env({dir, map_size, 32});
  lmdb::ReadTxn txn(env);
  MDB_dbi sys;
  int rc = mdb_dbi_open(txn.get(), "sys", 0, &sys);
  if (rc == MDB_NOTFOUND)
    return std::nullopt;
  lmdb::check(rc, "open sys");
  auto v = txn.find(sys, "schema");
  if (!v || v->size() != 4)
    return std::nullopt;
  return codec::load_u32(v->data());
}

void check_schema(const std::string& file, const std::string& staged_dir, uint64_t map_size) {
  std::optional<uint32_t> schema;
  try {
    schema = stored_schema(staged_dir, map_size);
  } catch (const StoreError& e) {
    throw InputError("'" + file + "' is not a Signet store: " + e.what());
  }
  if (!schema)
    throw InputError("'" + file + "' is an LMDB file but not a Signet store (no schema)");
  if (*schema != codec::kSchemaVersion) {
    throw InputError("'" + file + "' has schema " + std::to_string(*schema) +
                     "; this Signet expects " + std::to_string(codec::kSchemaVersion) +
                     " (restore it with the Signet version that made it)");
  }
}

// Holds LMDB's lock file of a store directory exclusively, or throws while a process has the
// store open. LMDB (mdb_env_setup_locks) has every process that opens an environment hold an
// fcntl read lock on lock.mdb; the first one, holding it exclusively, initialises the lock file.
// Held, this lock keeps any opener waiting until the new data.mdb is in place.
class StoreLock {
 public:
  explicit StoreLock(const std::string& dir) : path_(dir + "/lock.mdb") {
    fd_.fd = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd_.fd < 0) {
      if (errno == ENOENT)
        return;  // never opened: nothing to hold
      fail_errno("cannot open", path_);
    }
    // The byte LMDB locks (mdb_env_excl_lock): exclusively, or shared by every opener.
    struct flock lk {};
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    lk.l_start = 0;
    lk.l_len = 1;
    if (::fcntl(fd_.fd, F_SETLK, &lk) != 0) {
      throw StoreError("the store in '" + dir +
                       "' is open by another process (pdns_server, signetd, signetutil): stop "
                       "them before restoring over it");
    }
  }
  // The lock file describes the old data.mdb (its last transaction id, by which readers pick a
  // meta page). The next opener that gets the lock exclusively initialises it again anyway; one
  // that waited on our lock shares it instead, and finding it empty fails to open rather than
  // trust stale state.
  void reset() {
    if (fd_.fd >= 0 && ::ftruncate(fd_.fd, 0) != 0)
      fail_errno("cannot reset", path_);
  }

 private:
  std::string path_;
  Fd fd_;  // closing it releases the lock
};

// Run by root (an operator's shell), the restored file would be root's and pdns_server, running
// as the pdns user, could not open it: it gets the owner of the directory it goes into.
void give_to_dir_owner(const std::string& staged, const std::string& dir) {
  if (::geteuid() != 0)
    return;
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0)
    fail_errno("cannot stat", dir);
  if (::chown(staged.c_str(), st.st_uid, st.st_gid) != 0)
    fail_errno("cannot give the restored store the owner of", dir);
}

void place_store(const std::string& staged, const std::string& dir) {
  give_to_dir_owner(staged, dir);
  StoreLock lock(dir);
  std::string target = dir + "/data.mdb";
  if (::rename(staged.c_str(), target.c_str()) != 0)
    fail_errno("cannot rename the restored store to", target);
  fsync_path(dir, O_RDONLY | O_DIRECTORY);
  lock.reset();
}

// Makes DIR (0700) when absent; returns whether it did.
bool prepare_dir(const std::string& dir, bool overwrite) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    if (::mkdir(dir.c_str(), 0700) != 0)
      fail_errno("cannot create", dir);
    return true;
  }
  if (!fs::is_directory(dir, ec))
    throw InputError("'" + dir + "' is not a directory");
  if (!overwrite && fs::exists(dir + "/data.mdb", ec)) {
    throw InputError("'" + dir +
                     "' already holds a store (data.mdb); restore --force replaces it once "
                     "pdns_server and signetd are stopped");
  }
  StoreLock in_use_probe(dir);  // fail now rather than after copying and checking a large file
  return false;
}

std::string make_staging(const std::string& parent, const char* prefix) {
  std::string tmpl = parent + "/" + prefix + "XXXXXX";
  if (!::mkdtemp(tmpl.data()))
    fail_errno("cannot create a staging directory in", parent);
  return tmpl;
}

}  // namespace

StoreCheck restore_store(const RestoreOptions& o, const MasterKey& master, const Clock& clock) {
  std::error_code ec;
  if (!fs::is_regular_file(o.file, ec))
    throw InputError("'" + o.file + "' is not a file");
  std::unique_ptr<Removed> made_dir;
  std::string parent;
  if (o.check_only) {
    parent = fs::absolute(o.file).parent_path().string();
  } else {
    if (prepare_dir(o.dir, o.overwrite))
      made_dir = std::make_unique<Removed>(o.dir);
    parent = o.dir;
  }
  Removed staging(make_staging(parent, o.check_only ? ".signet-check-" : ".signet-restore-"));
  std::string staged = staging.path() + "/data.mdb";
  copy_synced(o.file, staged);
  check_schema(o.file, staging.path(), o.map_size);
  StoreCheck result;
  {
    Store store(StoreOptions{staging.path(), o.map_size});
    result = check_store(store, master, clock);
  }
  if (!o.check_only) {
    place_store(staged, o.dir);
    if (made_dir)
      made_dir->release();
  }
  return result;
}

}  // namespace signet
