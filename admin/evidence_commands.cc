// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetutil evidence, evidence-key and evidence-verify (evidence/pack.hh).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "admin/commands.hh"
#include "evidence/pack.hh"
#include "keystore/evidence_key.hh"
#include "signer/encoding.hh"
#include "signer/error.hh"

namespace signet::admin {

namespace {

// Writes `bytes` to `path` through a temporary file renamed into place: a reader never sees half
// a pack.
void write_file_atomically(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    throw InputError("cannot write '" + path + "'");
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      throw InputError("cannot write '" + path + "'");
    }
    done += static_cast<size_t>(n);
  }
  bool ok = ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw InputError("cannot write '" + path + "'");
  }
}

// evidence [--tenant T] [ZONE...] [--from DATE] [--to DATE] -o FILE
int cmd_evidence(Cli& cli, const Args& a) {
  std::optional<std::string> tenant = cli.portfolio.scope();
  std::vector<Name> zones;
  std::optional<std::string> from, to, output;
  for (size_t i = 0; i < a.size(); ++i) {
    auto value = [&](const char* opt) {
      if (i + 1 >= a.size())
        throw InputError(std::string(opt) + " needs a value");
      return a[++i];
    };
    if (a[i] == "--tenant") {
      std::string t = value("--tenant");
      if (tenant && *tenant != t)
        throw ScopeError("scoped to tenant '" + *tenant + "'");
      tenant = t;
    } else if (a[i] == "--from") {
      from = value("--from");
    } else if (a[i] == "--to") {
      to = value("--to");
    } else if (a[i] == "-o" || a[i] == "--output") {
      output = value("-o");
    } else {
      zones.push_back(Name::from_text(a[i]));
    }
  }
  if (!output)
    throw InputError("-o FILE.tar.gz is required");
  auto txn = cli.ctx.store().begin_read();
  evidence::EvidenceScope scope = evidence::resolve_scope(cli.ctx.store(), txn, tenant, zones);
  uint64_t now = cli.ctx.clock().now();
  scope.from = from ? evidence::parse_evidence_time(*from, false) : 0;
  scope.to = to ? evidence::parse_evidence_time(*to, true) : now;
  if (scope.from > scope.to)
    throw InputError("--from is after --to");
  scope.actor = cli.ctx.audit().actor();
  scope.global_policy_history = true;  // signetutil is the operator's
  std::string pack = evidence::make_evidence_pack(cli.ctx, txn, scope);
  write_file_atomically(*output, pack);
  cli.out << "evidence pack: " << *output << " (" << scope.zones.size() << " zone(s), "
          << iso_time(scope.from) << " to " << iso_time(scope.to) << ")\n";
  return 0;
}

// evidence-key [--rotate]
void cmd_evidence_key(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  bool rotate = false;
  for (const auto& arg : a) {
    if (arg != "--rotate")
      throw InputError("usage: evidence-key [--rotate]");
    rotate = true;
  }
  auto r = ensure_evidence_key(cli.ctx.store(), txn, cli.ctx.master_key(), cli.ctx.audit(),
                               cli.ctx.clock().now(), rotate);
  // Only the public key: the private one never leaves the store unsealed.
  cli.out << base64(r.key.public_key) << "\n";
}

int cmd_evidence_verify_unreachable(Cli& cli, const Args& a) {
  return evidence_verify_main(a, cli.out, cli.err);
}

}  // namespace

int evidence_verify_main(const Args& a, std::ostream& out, std::ostream& err) {
  std::optional<std::string> file;
  std::optional<evidence::PublicKey> key;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == "--key" && i + 1 < a.size()) {
      key = evidence::parse_public_key(a[++i]);
      if (!key) {
        err << "signetutil: --key: not a base64 Ed25519 public key\n";
        return 2;
      }
    } else if (!file && a[i].rfind("--", 0) != 0) {
      file = a[i];
    } else {
      err << "usage: signetutil evidence-verify FILE [--key PUBKEY]\n";
      return 2;
    }
  }
  if (!file) {
    err << "usage: signetutil evidence-verify FILE [--key PUBKEY]\n";
    return 2;
  }
  std::ifstream in(*file, std::ios::binary);
  if (!in) {
    err << "signetutil: cannot read '" << *file << "'\n";
    return 1;
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  evidence::PackVerdict v = evidence::verify_evidence_pack(bytes, key);
  for (const auto& p : v.problems)
    out << "problem: " << p << "\n";
  out << "pack: " << v.files << " files, " << v.audit_entries << " audit entries recomputed, "
      << v.audit_omitted << " omitted entries linked by hash\n";
  if (v.signer && v.key_given) {
    out << "signature: checked against the given key " << base64(*v.signer) << "\n";
  } else if (v.signer) {
    out << "signature: checked against the key the pack itself names (" << base64(*v.signer)
        << "): this proves only that the pack is self-consistent, not who made it; pass --key "
           "with the operator's evidence public key\n";
  }
  out << "evidence pack " << *file << ": " << (v.ok() ? "INTACT" : "ALTERED") << "\n";
  return v.ok() ? 0 : 1;
}

const std::vector<Command>& evidence_commands() {
  static const std::vector<Command> table = {
      {"evidence", "evidence [--tenant T] [ZONE...] [--from DATE] [--to DATE] -o FILE.tar.gz",
       "An evidence pack of the zones (default: all of the scope) over the period: policies, key "
       "lifecycle, rollover steps, approvals, DS at the parent, monitor incidents and the audit "
       "excerpt with its hash links, signed with the evidence key (DATE: YYYY-MM-DD, "
       "YYYY-MM-DDTHH:MM:SSZ or seconds)",
       2, SIZE_MAX, cmd_evidence, nullptr},
      {"evidence-key", "evidence-key [--rotate]",
       "Make the operator's Ed25519 evidence key (sealed in the store) unless it exists, and "
       "print its public key (base64); --rotate replaces it",
       0, 1, nullptr, cmd_evidence_key},
      {"evidence-verify", "evidence-verify FILE [--key PUBKEY]",
       "Check an evidence pack without the store: the MANIFEST signature (against PUBKEY, else "
       "only self-consistency), every file's hash, no file missing or extra, the audit hash "
       "links; names what was altered (exit 1)",
       1, 3, cmd_evidence_verify_unreachable, nullptr},
  };
  return table;
}

}  // namespace signet::admin
