// SPDX-License-Identifier: GPL-2.0-or-later
//
// Presigned zones: a zone of kind secondary whose primary signs it, served by Signet exactly as
// signed there (keystore/secondary_zones.hh is the unsigned case, which Signet signs itself).
//
//  * The operator marks the zone (`signetutil create-secondary ... --presigned`, or pdns'
//    `pdnsutil set-presigned` / the API's "presigned" on a secondary zone Signet does not sign).
//    An unmarked secondary zone whose primary sends signatures is refused (ZoneWriter).
//  * pdns serves every Signet zone in PRESIGNED mode (keystore/signing.hh): it answers with our
//    RRsets and our stored RRSIGs and builds NSEC/NSEC3 records itself from our chain rows. A
//    presigned zone fits that as it is: the primary's RRSIGs are stored where Signet keeps its
//    own (rrsigs, one row per owner, covered type and signing key), its DNSKEY, CDS and CDNSKEY
//    are ordinary RRsets, and the chain rows are built from the transferred data with the
//    primary's NSEC3 parameters. pdns drops NSEC and NSEC3 records from an AXFR
//    (slavecommunicator.cc processRecordForZS) and tells the backend the parameters instead
//    (setNSEC3PARAM, in the transfer's transaction); their signatures do arrive, under the
//    records' owners (the hash label for NSEC3), which is where pdns asks for them.
//  * So the records pdns synthesizes must be the primary's, byte for byte: the same names in the
//    chain and the same bitmaps (RFC 4034 §4.1.2, RFC 5155 §3.2.1). A transfer is stored only if
//    every link of the chain built here has the primary's signature: a chain the primary built
//    otherwise (other parameters, other names) is refused, never served unverifiable.
//  * Signet never re-signs a presigned zone, never bumps its serial (the SOA is signed) and
//    refuses edits to it outside a transfer: the primary's signatures would no longer cover it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "keystore/audit.hh"
#include "keystore/codec.hh"
#include "keystore/signing.hh"
#include "keystore/store.hh"
#include "signer/name.hh"
#include "signer/nsec3.hh"

namespace signet {

// Set on a secondary zone whose primary signs it: "1".
inline constexpr const char* kPresignedMeta = "SIGNET-PRESIGNED";
// The primary's NSEC3 parameters as pdns writes NSEC3PARAM metadata ("1 0 10 ab"; the flags
// carry opt-out); absent: the primary denies with NSEC.
inline constexpr const char* kPresignedNsec3Meta = "SIGNET-PRESIGNED-NSEC3PARAM";

// Whether `zone_id` is marked presigned.
bool is_presigned(const Store& store, const lmdb::Txn& txn, uint32_t zone_id);
// The primary's denial as a signing state the serving side reads (chain generation: the denial
// octet); nullopt unless the zone is marked presigned.
std::optional<codec::DnssecRecord> presigned_view(const Store& store, const lmdb::Txn& txn,
                                                  uint32_t zone_id);

class PresignedZones {
 public:
  PresignedZones(Store& store, AuditLog* audit) : store_(store), audit_(audit) {}

  // Marks a secondary zone presigned (audited). Throws Conflict for a zone of another kind or
  // one Signet signs (secured, or to be secured at its first transfer: `signet_signs`).
  void mark(lmdb::WriteTxn& txn, const ZoneRecord& zone, bool signet_signs);
  // Unmarks it (audited): the primary's signatures and the chain go; the data stays, served
  // unsigned, and the next signed transfer is refused.
  void unmark(lmdb::WriteTxn& txn, const ZoneRecord& zone);

  // The primary's denial parameters, as pdns reports them during a transfer: NSEC3 with
  // `params`, or NSEC (nullopt).
  void set_denial(lmdb::WriteTxn& txn, uint32_t zone_id, const std::optional<Nsec3Params>& params);

 private:
  void record(lmdb::WriteTxn& txn, const ZoneRecord& zone, const char* what);
  Store& store_;
  AuditLog* audit_;
};

// One transfer into a presigned zone, beside the ZoneWriter that stores its RRsets: takes the
// primary's RRSIGs as pdns feeds them and, once the writer has finished, replaces the zone's
// signatures and chain in the same transaction.
class PresignedTransfer {
 public:
  PresignedTransfer(Store& store, lmdb::WriteTxn& txn, const ZoneRecord& zone)
      : store_(store), txn_(txn), zone_(zone) {}

  // One RRSIG record of the transfer. Throws InputError for one outside the zone or malformed.
  void add_signature(const Name& owner, uint32_t ttl, std::span<const uint8_t> rdata);

  struct Stats {
    size_t signatures = 0;
    size_t links = 0;
    uint32_t earliest_expiration = 0;  // RFC 1982 earliest, 0 when none
    bool expired = false;              // some signature had expired at `now`
  };
  // Stores the signatures and builds the chain (after ZoneWriter::finish). Throws InputError,
  // naming the zone and the name, when the primary sent no signatures or its chain is not the
  // one pdns will serve (see the top of this file).
  Stats finish(const BitmapRules& rules, uint64_t now);

 private:
  struct Sig {
    std::vector<uint8_t> rel;  // owner relative to the apex, lower case
    uint16_t covered;
    uint32_t key_id;  // 0xff000000 | algorithm << 16 | key tag: never a Signet key id
    uint32_t ttl;
    std::vector<uint8_t> rdata;
  };
  void build_chain(const codec::DnssecRecord& view, const BitmapRules& rules, Stats& st);

  Store& store_;
  lmdb::WriteTxn& txn_;
  const ZoneRecord& zone_;
  std::vector<Sig> sigs_;
};

}  // namespace signet
