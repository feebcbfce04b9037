// SPDX-License-Identifier: GPL-2.0-or-later
//
// The audit log: append-only, every entry hash-chained to the previous one, written in the same
// LMDB transaction as the change it records (so there is never a change without its entry, nor an
// entry for a change that was rolled back).
//
//   audit   key: seq:u64                value: entry
//     entry := 0x01 time:u64 tenant_id:u32 zone_id:u32 kind_len:u8 kind actor_len:u8 actor
//              tenant_len:u8 tenant zone_len:u8 zone:wire detail_len:u32 detail prev:32 hash:32
//     hash  := SHA-256(prev | seq | every field above, as encoded)
//   sys "audit-head" := seq:u64 hash:32   -- the newest entry
//
// audit-verify recomputes every hash and link: an edited entry no longer matches its hash, a
// deleted one breaks the chain (its successor's prev, or the sequence), and a dropped tail no
// longer matches the head. The head hash printed by audit-verify can be recorded outside the
// store (a ticket, a log server) to prove later that nothing was rewritten wholesale.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "keystore/store.hh"
#include "signer/clock.hh"
#include "signer/json.hh"

namespace signet {

struct AuditEntry {
  uint64_t seq = 0;
  uint64_t time = 0;
  uint32_t tenant_id = 0;
  uint32_t zone_id = 0;
  std::string kind;    // "zone-created", "key-activated", "ds-observed"...
  std::string actor;   // who: "signetutil:alice", "pdns_server", "api"
  std::string tenant;  // names at the time of the event (ids outlive renames and deletions)
  std::string zone;
  std::string detail;  // JSON object (as stored: the hash chain covers these octets)
  std::array<uint8_t, 32> prev{};
  std::array<uint8_t, 32> hash{};
};

struct AuditVerdict {
  uint64_t entries = 0;
  std::vector<std::string> problems;
  std::array<uint8_t, 32> head{};
  bool ok() const { return problems.empty(); }
};

// The newest entry at the time of `txn`: its seq and hash (seq 0: the log is empty).
struct AuditHead {
  uint64_t seq = 0;
  std::array<uint8_t, 32> hash{};
};

class AuditLog {
 public:
  AuditLog(Store& store, const Clock& clock, std::string actor)
      : store_(store), clock_(clock), actor_(std::move(actor)) {}

  // Appends in the caller's transaction. `detail` is a JSON object: what changed, before/after.
  void append(lmdb::WriteTxn& txn, std::string_view kind, uint32_t tenant_id, uint32_t zone_id,
              std::string_view tenant, std::string_view zone, const Json& detail = Json::object());

  // Entries in order, optionally only those of one tenant and/or zone (by name, as recorded).
  void for_each(const lmdb::Txn& txn, const std::function<void(const AuditEntry&)>& fn) const;
  AuditVerdict verify(const lmdb::Txn& txn) const;
  AuditHead head(const lmdb::Txn& txn) const;

  // Who entries appended now name: the innermost ActorScope of the calling thread, else the
  // process's actor.
  const std::string& actor() const;
  void set_actor(std::string actor) { actor_ = std::move(actor); }

  // While it lives, entries appended on this thread (through any AuditLog) name `actor`: signetd
  // serves each request on one thread, so its writes, and the work it runs after their commit,
  // are the token's, whatever other threads do meanwhile.
  class ActorScope {
   public:
    explicit ActorScope(std::string actor);
    ~ActorScope();
    ActorScope(const ActorScope&) = delete;
    ActorScope& operator=(const ActorScope&) = delete;

   private:
    std::string actor_;
    const std::string* outer_;
  };

 private:
  Store& store_;
  const Clock& clock_;
  std::string actor_;
};

// The hash an entry must carry, recomputed from its fields (seq, prev and the body fields,
// encoded as the log stores them): what audit-verify checks, exposed for verifiers of entries
// taken out of the store (evidence packs, evidence/audit_excerpt.hh).
std::array<uint8_t, 32> audit_entry_hash(const AuditEntry& e);

// Who is acting, for the audit log: "signetutil:<login>" or the program name.
std::string process_actor();

// An entry as signetutil audit-log --json and signetd's /audit show it: seq, time (ISO 8601
// UTC), actor, kind, tenant, zone and the detail (the stored JSON object; any other stored text
// as a string).
Json audit_entry_json(const AuditEntry& e);

}  // namespace signet
