// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetutil audit-log and audit-verify.
#include <iostream>

#include "admin/commands.hh"
#include "keystore/audit.hh"
#include "signer/clock.hh"
#include "signer/encoding.hh"
#include "signer/error.hh"
#include "signer/json.hh"

namespace signet::admin {

namespace {

// audit-log [--tenant T] [--json] [ZONE]; the global --tenant scope applies too.
int cmd_audit_log(Cli& cli, const Args& a) {
  std::optional<std::string> tenant = cli.portfolio.scope();
  std::optional<Name> zone;
  bool json = cli.json;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == "--tenant" && i + 1 < a.size()) {
      if (tenant && *tenant != a[i + 1])
        throw ScopeError("scoped to tenant '" + *tenant + "'");
      tenant = a[++i];
    } else if (a[i] == "--json") {
      json = true;
    } else {
      zone = Name::from_text(a[i]);
    }
  }
  auto txn = cli.ctx.store().begin_read();
  // By id, not name: a tenant deleted and created again under its old name is another tenant,
  // and must not see the entries of the first.
  std::optional<uint32_t> tenant_id;
  if (tenant)
    tenant_id = cli.portfolio.tenant(txn, *tenant).id;  // must exist (and be visible)
  // The log can be long: the array is written entry by entry, never whole in memory.
  bool first = true;
  if (json)
    cli.out << "[";
  cli.ctx.audit().for_each(txn, [&](const AuditEntry& e) {
    if (tenant_id && e.tenant_id != *tenant_id)
      return;
    if (zone && (e.zone.empty() || !Name::from_text(e.zone).equals(*zone)))
      return;
    if (json) {
      cli.out << (first ? "" : ",") << json_text(audit_entry_json(e));
      first = false;
    } else {
      cli.out << e.seq << "\t" << iso_time(e.time) << "\t" << e.actor << "\t" << e.kind << "\t"
              << (e.tenant.empty() ? "-" : e.tenant) << "\t" << (e.zone.empty() ? "-" : e.zone)
              << "\t" << e.detail << "\n";
    }
  });
  if (json)
    cli.out << "]\n";
  return 0;
}

int cmd_audit_verify(Cli& cli, const Args&) {
  auto txn = cli.ctx.store().begin_read();
  AuditVerdict v = cli.ctx.audit().verify(txn);
  for (const auto& p : v.problems)
    cli.out << "problem: " << p << "\n";
  cli.out << "audit log: " << v.entries << " entries, " << (v.ok() ? "intact" : "TAMPERED")
          << "; head " << hex(v.head) << "\n";
  return v.ok() ? 0 : 1;
}

}  // namespace

std::string iso_time(uint64_t t) {
  return iso8601_utc(t);
}

const std::vector<Command>& audit_commands() {
  static const std::vector<Command> table = {
      {"audit-log", "audit-log [--tenant T] [--json] [ZONE]",
       "Every recorded change (who, when, what, before/after), oldest first", 0, 4, cmd_audit_log,
       nullptr},
      {"audit-verify", "audit-verify",
       "Check the audit log's hash chain: detects edited, deleted or truncated entries; prints the "
       "head hash",
       0, 0, cmd_audit_verify, nullptr},
  };
  return table;
}

}  // namespace signet::admin
