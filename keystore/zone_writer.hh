// SPDX-License-Identifier: GPL-2.0-or-later
//
// ZoneWriter: the only code that writes the rrsets database. It batches changes to one zone inside
// a caller-owned write transaction and, in finish(), checks and restores the zone's invariants:
//
//   * every record is at or below the apex; the SOA is at the apex, alone in its RRset, and present
//     whenever the zone holds any data;
//   * a CNAME has no other data beside it (RFC 1034 §3.6.2, RFC 2181 §10.1);
//   * an RRset's RRs are in canonical order without duplicates (RFC 4034 §6.3, RFC 2181 §5);
//   * every ancestor of a name that holds data exists: an empty non-terminal row (type 0) is added
//     or removed as names come and go (RFC 8020 — an ENT must not answer NXDOMAIN);
//   * each RRset's auth flag says whether it is authoritative: data at a delegation (other than DS)
//     or below one is not (RFC 1034 §4.2.1, glue and occluded data).
//
// If finish() throws, the caller's transaction is left to abort and nothing is changed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "keystore/audit.hh"
#include "keystore/store.hh"
#include "keystore/tenant_boundary.hh"

namespace signet {

class ZoneWriter;

// What a finished batch changed, for whoever keeps derived data (signatures) in step.
struct ZoneEdit {
  std::vector<Name> names;     // owners whose RRsets were written
  std::vector<Name> subtrees;  // names whose NS RRset changed: auth changed below them
  bool replaced = false;       // the whole zone was replaced (clear())
  bool soa_changed = false;    // the SOA was written or its serial bumped
};

// Called by ZoneWriter::finish() inside the same transaction. The DNSSEC service implements it:
// a write to a secured zone re-signs what changed before the transaction commits.
class ZoneEditHook {
 public:
  virtual ~ZoneEditHook() = default;
  virtual void after_edit(lmdb::WriteTxn& txn, ZoneRecord& zone, ZoneWriter& writer,
                          const ZoneEdit& edit) = 0;
  // True when the zone's DNSKEY, CDS and CDNSKEY RRsets are Signet's, not operator data.
  virtual bool manages_keys(const lmdb::Txn& txn, const ZoneRecord& zone) = 0;
  // Called by Portfolio::move_zone in the same transaction, once `zone` names its new tenant: what
  // is bound to the old tenant (sealed keys) must follow the zone.
  virtual void after_move(lmdb::WriteTxn& txn, const ZoneRecord& zone, uint32_t from_tenant_id) {}
};

// Where a record came from, for error messages: "zone.txt:12". Empty for command line input.
struct Where {
  std::string file;
  uint64_t line = 0;
  bool empty() const { return file.empty(); }
  // " (file:line)" or "".
  std::string suffix() const;
};

class ZoneWriter {
 public:
  ZoneWriter(Store& store, lmdb::WriteTxn& txn, ZoneRecord& zone, uint64_t now);

  // Deletes every RRset of the zone; a full replacement (load-zone, AXFR-in) follows.
  void clear();
  // Adds one RR. Within one writer the first TTL of an RRset wins (a differing one is a warning,
  // RFC 2181 §5.2); merged into an RRset already stored, the new TTL applies to the whole RRset.
  // Throws InputError for a record outside the zone, a meta type or malformed RDATA. Records of
  // types only the signer produces (RRSIG, NSEC, NSEC3, NSEC3PARAM) are skipped with a warning.
  void add(const Name& owner, uint16_t type, uint32_t ttl, std::span<const uint8_t> rdata,
           const Where& where = {});
  // Replaces the RRset owner/type; an empty list deletes it.
  void replace(const Name& owner, uint16_t type, uint32_t ttl,
               std::vector<std::vector<uint8_t>> rdatas, const Where& where = {});
  // Deletes the RRset owner/type.
  void remove(const Name& owner, uint16_t type);
  // The types of the RRsets at `owner` that an edit may replace or remove (pending changes written
  // first): not the empty non-terminal row, the signer's own types or the keys Signet manages.
  std::vector<uint16_t> editable_types_at(const Name& owner);
  // Ask finish() to increase the SOA serial by one (RFC 1982) unless the SOA itself was written.
  void request_serial_bump() { bump_serial_ = true; }
  // The batch is a zone transfer from the zone's primary (keystore/secondary_zones.hh): records
  // only a signer makes (RRSIG, NSEC, NSEC3, NSEC3PARAM, DNSKEY) are refused, not skipped, and
  // the SOA's serial is kept as the zone's upstream serial while the zone's own serial moves
  // forward from where it was (the primary's when that is ahead, else ours + 1).
  // `presigned` (keystore/presigned_zones.hh): the primary signs the zone; DNSKEY, CDS and
  // CDNSKEY are its data, RRSIGs go to a PresignedTransfer, NSEC, NSEC3 and NSEC3PARAM are
  // skipped (pdns synthesizes them), and the serial is the primary's, exactly: the SOA is signed.
  void set_transfer_in(bool presigned = false) {
    transfer_in_ = true;
    presigned_ = presigned;
  }
  // Lets finish() hand the edit to `hook` (the DNSSEC service).
  void set_hook(ZoneEditHook* hook) { hook_ = hook; }
  // finish() records the change ("zone-changed"/"zone-replaced") in `audit`.
  void set_audit(AuditLog* audit) { audit_ = audit; }
  // For the signer only: write the DNSKEY, CDS and CDNSKEY RRsets of a secured zone.
  void allow_managed_keys() { managed_keys_allowed_ = true; }
  // Increases the serial now, after finish(); returns the new serial. Used by the signer when a
  // re-sign changes what AXFR returns and the edit itself left the serial alone.
  uint32_t bump_serial_now();
  bool soa_changed() const { return soa_written_ || serial_bumped_; }
  // Treat the zone as changed even if no RRset was written (increase-serial).
  void force_change() { changed_ = true; }

  // Writes the pending RRset changes now so that reads in the same transaction see them; the
  // invariants are still only checked and restored by finish().
  void apply_pending() { flush(); }

  // Applies the batch and restores the invariants listed above. Call once, then commit.
  void finish();

  const std::vector<std::string>& warnings() const { return warnings_; }
  size_t records_added() const { return records_added_; }
  bool changed() const { return changed_; }

 private:
  enum class Mode { kMerge, kReplace, kDelete };
  struct Pending {
    Name owner;
    uint16_t type = 0;
    uint32_t ttl = 0;
    Mode mode = Mode::kMerge;
    std::vector<std::vector<uint8_t>> rdatas;
    Where where;
  };
  struct Touch {
    Name owner;
    Where where;
    bool ns_changed = false;
  };

  std::span<const uint8_t> relative(const Name& owner) const {
    return owner.relative_to(zone_.name);
  }
  void check_owner(const Name& owner, uint16_t type, const Where& where) const;
  // Refuses data at or below another tenant's zone cut (keystore/tenant_boundary.hh).
  void check_boundary(const Name& owner, const Where& where);
  Pending& pending_for(const Name& owner, uint16_t type, const Where& where);
  void touch(const Name& owner, uint16_t type, const Where& where);
  void flush();
  void fix_names();
  void fix_ents(const Touch& t);
  void fix_auth_of_name(std::span<const uint8_t> rel);
  void fix_auth_range(const std::string& prefix, bool below_cut);
  bool below_cut(std::span<const uint8_t> rel);
  bool has_type(std::span<const uint8_t> rel, uint16_t type);
  bool has_rows(std::span<const uint8_t> rel);
  bool has_descendants(std::span<const uint8_t> rel);
  void put_ent(std::span<const uint8_t> rel);
  void check_cname(const Touch& t);
  void check_soa_and_serial();
  bool managed(uint16_t type);

  Store& store_;
  lmdb::WriteTxn& txn_;
  ZoneRecord& zone_;
  uint64_t now_;
  bool cleared_ = false;
  bool bump_serial_ = false;
  bool soa_written_ = false;
  bool changed_ = false;
  bool finished_ = false;
  bool serial_bumped_ = false;
  bool transfer_in_ = false;
  bool presigned_ = false;
  ZoneEditHook* hook_ = nullptr;
  AuditLog* audit_ = nullptr;
  uint32_t serial_before_ = 0;
  bool had_soa_ = false;  // the zone had its SOA (serial_before_) when the writer was made
  std::vector<std::string> changed_rrsets_;  // "owner TYPE", for the audit entry
  bool managed_keys_allowed_ = false;
  int managed_keys_ = -1;  // -1 unknown, else whether the hook manages this zone's keys
  size_t records_added_ = 0;
  std::map<std::string, Pending> pending_;  // by rrset key: canonical order
  std::map<std::string, Touch> touched_;    // by name prefix: ancestors before descendants
  std::vector<std::string> warnings_;
  std::vector<Name> ent_changes_;  // ancestors whose ENT row this batch added or removed
  std::optional<TenantBoundary> boundary_;
};

}  // namespace signet
