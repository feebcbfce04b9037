// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetutil backup and restore (keystore/backup.hh).
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "admin/commands.hh"
#include "keystore/backup.hh"
#include "signer/encoding.hh"
#include "signer/error.hh"
#include "signer/json.hh"

namespace signet::admin {

namespace {

struct BackupArgs {
  bool force = false;
  bool check_only = false;
  std::vector<std::string> paths;
};

BackupArgs parse_args(const Args& a, const char* usage, bool check_only_allowed) {
  BackupArgs r;
  for (const auto& arg : a) {
    if (arg == "--force")
      r.force = true;
    else if (arg == "--check-only" && check_only_allowed)
      r.check_only = true;
    else if (arg.rfind("--", 0) == 0)
      throw InputError(std::string("unknown option '") + arg + "'; usage: signetutil " + usage);
    else
      r.paths.push_back(arg);
  }
  return r;
}

// The whole store is copied or replaced: no --tenant scope narrows that.
void refuse_scope(const std::optional<std::string>& scope, const char* command) {
  if (scope) {
    throw ScopeError(std::string(command) +
                     " copies the whole store, every tenant's: not with --tenant");
  }
}

std::string size_text(uint64_t bytes) {
  char buf[32];
  if (bytes < (1 << 20))
    std::snprintf(buf, sizeof buf, "%.1f KiB", double(bytes) / (1 << 10));
  else
    std::snprintf(buf, sizeof buf, "%.1f MiB", double(bytes) / (1 << 20));
  return buf;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

constexpr const char* kBackupUsage = "backup [--force] FILE";
constexpr const char* kRestoreUsage = "restore [--force] FILE DIR | restore --check-only FILE";

// Recorded in the live store, so its audit log says when copies of it were taken and where.
void audit_backup(Cli& cli, const std::string& file, const BackupResult& r) {
  try {
    auto txn = cli.ctx.store().begin_write();
    cli.ctx.audit().append(txn, "store-backed-up", 0, 0, "", "",
                           Json{{"file", file}, {"bytes", r.bytes}});
    txn.commit();
  } catch (const Error& e) {
    // The backup is complete and in place; only its record failed (a full store, say).
    cli.err << "signetutil: warning: the backup is complete but was not audited: " << e.what()
            << "\n";
  }
}

int cmd_backup(Cli& cli, const Args& a) {
  refuse_scope(cli.portfolio.scope(), "backup");
  BackupArgs args = parse_args(a, kBackupUsage, false);
  if (args.paths.size() != 1)
    throw InputError(std::string("usage: signetutil ") + kBackupUsage);
  std::string file = std::filesystem::absolute(args.paths[0]).string();
  BackupResult r = backup_store(cli.ctx.store().env(), file, args.force);
  if (cli.json) {
    cli.out << json_text(Json{{"file", file},
                              {"bytes", r.bytes},
                              {"store_bytes", r.store_bytes},
                              {"seconds", r.seconds}})
            << "\n";
  } else {
    cli.out << "backed up " << cli.ctx.config().path << " to " << file << ": " << size_text(r.bytes)
            << " (compacted from " << size_text(r.store_bytes) << ") in " << seconds_text(r.seconds)
            << "\n";
  }
  // The backup is complete and in place: say so before the audit entry, which waits for the
  // write lock like any write (a long load-zone or batch holds it until it commits).
  cli.out.flush();
  audit_backup(cli, file, r);
  return 0;
}

// main.cc runs restore before it opens the configured store (restore_main): DIR is usually that
// store's directory, which must not be opened, let alone created, by this process.
int cmd_restore_unreachable(Cli&, const Args&) {
  throw Error("restore must run before the store is opened");
}

void print_check(std::ostream& out, const std::string& file, const StoreCheck& c) {
  out << "checked " << file << ": schema " << c.schema << "; " << c.tenants << " tenant(s), "
      << c.zones << " zone(s), " << c.keys << " zone key(s), " << c.tenant_keys
      << " tenant data key(s) and " << c.other_secrets
      << " other secret(s) unseal with the master key; audit log " << c.audit.entries
      << " entries, intact, head " << hex(c.audit.head) << "\n";
}

}  // namespace

int restore_main(const Config& config, const std::optional<std::string>& scope, const Args& a,
                 bool json, std::ostream& out) {
  refuse_scope(scope, "restore");
  BackupArgs args = parse_args(a, kRestoreUsage, true);
  if (args.paths.size() != (args.check_only ? 1u : 2u) || (args.check_only && args.force))
    throw InputError(std::string("usage: signetutil ") + kRestoreUsage);
  RestoreOptions o;
  o.file = args.paths[0];
  o.dir = args.check_only ? "" : args.paths[1];
  o.overwrite = args.force;
  o.check_only = args.check_only;
  o.map_size = config.map_size_mb << 20;
  std::unique_ptr<Clock> clock = clock_from_environment();
  MasterKey master = MasterKey::load(config.master_key_file);
  StoreCheck c = restore_store(o, master, *clock);
  std::string target = o.check_only ? "" : o.dir + "/data.mdb";
  if (json) {
    out << json_text(Json{{"file", o.file},
                          {"restored_to", o.check_only ? Json(nullptr) : Json(target)},
                          {"schema", c.schema},
                          {"tenants", c.tenants},
                          {"zones", c.zones},
                          {"zone_keys", c.keys},
                          {"tenant_keys", c.tenant_keys},
                          {"other_secrets", c.other_secrets},
                          {"audit_entries", c.audit.entries},
                          {"audit_head", hex(c.audit.head)}})
        << "\n";
    return 0;
  }
  print_check(out, o.file, c);
  if (!o.check_only)
    out << "restored to " << target << "\n";
  return 0;
}

const std::vector<Command>& backup_commands() {
  static const std::vector<Command> table = {
      {"backup", kBackupUsage,
       "A consistent copy of the store (LMDB's compacting copy) while pdns_server and writers go "
       "on; written beside FILE, synced, then renamed to it. --force replaces an existing FILE",
       1, 2, cmd_backup, nullptr},
      {"restore", kRestoreUsage,
       "Check a backup (schema, audit chain, every sealed key and secret opens with the master "
       "key) and only then place it as DIR/data.mdb; --force replaces a store no process has "
       "open; --check-only places nothing",
       2, 3, cmd_restore_unreachable, nullptr},
  };
  return table;
}

}  // namespace signet::admin
