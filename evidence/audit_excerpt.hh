// SPDX-License-Identifier: GPL-2.0-or-later
//
// The audit excerpt of an evidence pack (audit.jsonl): the entries of the pack's scope and
// period, with what ties them to the chain head at pack time, one JSON object per line, in seq
// order from the first entry of the period to the head:
//
//   {"seq", "time" (seconds), "tenant_id", "zone_id", "kind", "actor", "tenant", "zone",
//    "detail" (the stored octets, as a string), "prev", "hash"}          -- an entry of the scope
//   {"omitted": {"from": S1, "to": S2}, "prev", "hash"}                    -- a run of others
//   {"head": {"seq", "hash"}}                                              -- the last line
//
// (hashes hex). A verifier recomputes each entry's hash from its fields (keystore/audit.hh
// audit_entry_hash: the same encoding the log uses) and checks that each line's prev is the hash
// of the line before, that seqs follow without holes, and that the last line ends at the head.
//
// Omitted runs are entries of other tenants (or zones, or after the period). Of a run the pack
// keeps only its seq range, the prev of its first entry and the hash of its last — nothing of
// their content, not even their kinds or times; they cannot be recomputed from the pack, but an
// omitted entry changed in the store changes its hash, which no longer matches the recorded one
// (a check against the store, audit-verify, shows it), and a run's recorded hash is bound by the
// next entry's own hash. The run's length (how many entries others had meanwhile) is disclosed.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "keystore/audit.hh"

namespace signet::evidence {

// Builds the excerpt from the log in `txn`: every entry from the first one at or after `from` to
// the head, those `in_scope` says in full, the others as omitted runs.
std::string audit_excerpt(const AuditLog& log, const lmdb::Txn& txn, uint64_t from,
                          const std::function<bool(const AuditEntry&)>& in_scope);

struct ExcerptVerdict {
  size_t entries = 0;                 // entries whose hash was recomputed
  size_t omitted = 0;                 // entries in omitted runs
  std::vector<std::string> problems;  // each names the audit.jsonl line and the entry's seq
  bool ok() const { return problems.empty(); }
};
ExcerptVerdict verify_audit_excerpt(const std::string& text);

}  // namespace signet::evidence
