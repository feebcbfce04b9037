// SPDX-License-Identifier: GPL-2.0-or-later
//
// Backups of the store and their restore (signetutil backup / restore).
//
// A backup is LMDB's own copy with compaction (mdb_env_copyfd2, MDB_CP_COMPACT): one read
// transaction walks the B-trees and writes them, free pages left out, as a new data.mdb. A read
// transaction is a snapshot of the last committed write and never blocks writers, so the copy is
// consistent while pdns_server, signetd and signetutil go on serving and writing. It is written to
// a temporary file next to the target, fsynced, and only then renamed to the target's name: a
// crash leaves no file, or a whole one, under that name.
//
// A restore trusts nothing of the file until it has checked it: it copies the file into a staging
// directory inside the target directory (same file system, so the final rename is atomic), and
// checks the copy there — the schema is this build's, the audit chain verifies, and every sealed
// secret (tenants' data keys, zone keys, TSIG keys, policies' TSIG secrets, webhook URLs, the
// evidence key) opens with the master key this process is configured with. Only then is the copy
// renamed to DIR/data.mdb; on any failure the staging directory goes and DIR is left as it was.
#pragma once

#include <cstdint>
#include <string>

#include "keystore/audit.hh"
#include "keystore/keyring.hh"
#include "keystore/store.hh"
#include "signer/clock.hh"

namespace signet {

struct BackupResult {
  uint64_t bytes = 0;        // the backup file
  uint64_t store_bytes = 0;  // the pages the live store uses (what compaction started from)
  double seconds = 0;
};

// Copies the store of `env` to `file` as described above (mode 0600: the file holds sealed keys
// and the audit log). Throws InputError when `file` exists and `overwrite` is false (decided
// atomically at the final step too, so a file appearing meanwhile is not overwritten either),
// StoreError when the copy or a file operation fails (the temporary file is removed).
BackupResult backup_store(lmdb::Env& env, const std::string& file, bool overwrite);

// What a restore checked.
struct StoreCheck {
  uint32_t schema = 0;
  uint64_t tenants = 0;
  uint64_t zones = 0;
  uint64_t keys = 0;           // zone keys
  uint64_t tenant_keys = 0;    // tenants' data keys
  uint64_t other_secrets = 0;  // TSIG keys, policies' TSIG secrets, webhook URLs, evidence key
  AuditVerdict audit;          // entries and head
};

// Checks an opened store: the audit chain verifies, and every sealed secret opens with `master`.
// Throws CorruptionError naming the first thing that fails ("key 12345 (id 7) of zone
// example.com. does not unseal with the master key: ...").
StoreCheck check_store(Store& store, const MasterKey& master, const Clock& clock);

struct RestoreOptions {
  std::string file;         // the backup
  std::string dir;          // the store directory to restore into (made, 0700, when absent)
  bool overwrite = false;   // replace DIR/data.mdb (refused while a process has it open)
  bool check_only = false;  // check `file` only: staged next to it, nothing placed
  uint64_t map_size = 0;    // bytes, to open the staged copy with
};

// Stages, checks and places a backup as described above. Throws InputError when `file` is not a
// Signet store of this build's schema or DIR already holds a store (without `overwrite`),
// CorruptionError when a check fails, StoreError when the store in DIR is open by a process or
// a file operation fails. Nothing is left in DIR on failure (DIR itself is removed when this
// made it).
StoreCheck restore_store(const RestoreOptions& options, const MasterKey& master,
                         const Clock& clock);

}  // namespace signet
