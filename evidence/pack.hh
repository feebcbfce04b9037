// SPDX-License-Identifier: GPL-2.0-or-later
//
// Evidence packs: what happened to a set of zones over a period, in a form an auditor checks
// offline (README "Evidence packs"). The units:
//
//   build_evidence_model   store -> model, in the caller's one read transaction
//   evidence_json_text     the model as evidence.json (schema: docs/evidence.schema.json)
//   evidence_html          the same content as a self-contained HTML report (evidence/html.hh)
//   audit_excerpt          the audit entries with their hash links (evidence/audit_excerpt.hh)
//   seal_files / check_manifest   MANIFEST and its signature (evidence/manifest.hh)
//   write_tar_gz / read_tar_gz    the archive (evidence/archive.hh)
//
// make_evidence_pack puts them together; verify_evidence_pack is evidence-verify, and needs no
// store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/composition_root.hh"
#include "evidence/archive.hh"
#include "evidence/manifest.hh"
#include "signer/json.hh"

namespace signet::evidence {

// What a pack covers, resolved by the caller (signetutil's scope, or the token in signetd).
struct EvidenceScope {
  // One tenant: its zones and only its own audit entries. nullopt: the operator's view (every
  // tenant's entries, and the global ones).
  std::optional<TenantRecord> tenant;
  std::vector<ZoneRecord> zones;  // the zones of the pack (each of `tenant`'s when set)
  bool zones_named = false;       // the zones were named (entries of other zones are left out)
  uint64_t from = 0;              // period, seconds since the epoch, both ends included
  uint64_t to = 0;
  std::string actor;  // who asked for the pack
  // Also the audit entries of the global policies the zones follow (operator packs; a tenant's
  // pack holds its own entries only).
  bool global_policy_history = false;
};

struct EvidenceModel {
  Json doc;                 // evidence.json
  std::string audit_jsonl;  // audit.jsonl
};

EvidenceModel build_evidence_model(CompositionRoot& root, const lmdb::Txn& txn,
                                   const EvidenceScope& scope);
std::string evidence_json_text(const EvidenceModel& m);

// The whole pack (tar.gz bytes) from `txn` (the one the scope was resolved in), signed with the
// store's evidence key: NotFound when there is none.
std::string make_evidence_pack(CompositionRoot& root, const lmdb::Txn& txn,
                               const EvidenceScope& scope);

// The scope for `tenant` (nullopt: every tenant) and `zones` (empty: all of the tenant's, or
// every zone), in `txn`. Throws NotFound naming a zone that does not exist or, with a tenant, is
// not that tenant's (the same message either way).
EvidenceScope resolve_scope(Store& store, const lmdb::Txn& txn,
                            const std::optional<std::string>& tenant,
                            const std::vector<Name>& zones);

// A date for --from/--to and ?from=/&to=: "2026-12-01", "2026-12-01T10:00:00Z" or seconds since
// the epoch. `end_of_day`: a bare date means its last second (for "to"). Throws InputError.
uint64_t parse_evidence_time(std::string_view text, bool end_of_day);

struct PackVerdict {
  std::vector<std::string> problems;  // what was altered, each naming a file or an audit entry
  std::optional<PublicKey> signer;
  bool key_given = false;
  size_t files = 0, audit_entries = 0, audit_omitted = 0;
  bool ok() const { return problems.empty(); }
};
// evidence-verify: the signature (against `key`, else the key MANIFEST names), every file's
// hash, no file missing or extra, and the audit excerpt's hashes and links. Never throws on a
// damaged pack: an unreadable archive is a problem too.
PackVerdict verify_evidence_pack(std::string_view targz, const std::optional<PublicKey>& key);

}  // namespace signet::evidence
