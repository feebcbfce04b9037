// SPDX-License-Identifier: GPL-2.0-or-later
//
// SignetBackend: the DNSBackend pdns talks to. One instance per pdns thread (pdns' rule); all of
// them share one CompositionRoot (store, config, clock). The read side answers from LMDB snapshots
// with wire-format data and a reused read transaction and cursor; the write side maps pdns'
// transaction calls onto one LMDB write transaction and a ZoneWriter.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "backend/pdns_adapter.hh"
#include "conf/composition_root.hh"
#include "keystore/catalogs.hh"
#include "keystore/portfolio.hh"
#include "keystore/presigned_zones.hh"
#include "keystore/secondary_zones.hh"
#include "keystore/zone_writer.hh"

namespace signet {

class SignetBackend final : public DNSBackend {
 public:
  SignetBackend(std::shared_ptr<CompositionRoot> ctx, const std::string& suffix);
  ~SignetBackend() override;

  // ------------------------------------------------------------ query side
  void lookup(const QType& qtype, const DNSName& qdomain, int zoneId = -1,
              DNSPacket* pkt = nullptr) override;
  bool get(DNSZoneRecord& zr) override;
  bool get(DNSResourceRecord& rr) override;
  bool list(const DNSName& target, int domain_id, bool include_disabled = false) override;
  bool getSOA(const DNSName& name, SOAData& sd) override;
  bool getAuth(const DNSName& target, SOAData* sd) override;
  bool doesDNSSEC() override { return true; }
  // The NSEC3 neighbours of a hash, or the NSEC neighbours of a relative name: one seek in the
  // chain Signet keeps (pdns builds NSEC/NSEC3 records from these and our rows).
  bool getBeforeAndAfterNamesAbsolute(uint32_t id, const DNSName& qname, DNSName& unhashed,
                                      DNSName& before, DNSName& after) override;

  // ------------------------------------------------------------ zones and metadata
  bool getDomainInfo(const DNSName& domain, DomainInfo& di, bool getSerial = true) override;
  void getAllDomains(vector<DomainInfo>* domains, bool getSerial, bool include_disabled) override;
  bool getDomainMetadata(const DNSName& name, const std::string& kind,
                         std::vector<std::string>& meta) override;
  bool getAllDomainMetadata(const DNSName& name,
                            std::map<std::string, std::vector<std::string>>& meta) override;
  bool setDomainMetadata(const DNSName& name, const std::string& kind,
                         const std::vector<std::string>& meta) override;
  // ------------------------------------------------------------ TSIG keys (keystore/tsig_keys.hh)
  // The secret, in base64, for pdns to check a request's TSIG with; false when there is no such
  // key, or it has another algorithm than a non-empty `algorithm`.
  bool getTSIGKey(const DNSName& name, DNSName& algorithm, string& content) override;
  // Names and algorithms only: the one reader of the secrets is getTSIGKey (pdnsutil
  // list-tsig-keys would print them all; signetutil tsig list is the listing).
  bool getTSIGKeys(std::vector<struct TSIGKey>& keys) override;
  // pdnsutil import-tsig-key / generate-tsig-key, pdns' API: a global (operator's) key.
  bool setTSIGKey(const DNSName& name, const DNSName& algorithm, const string& content) override;
  bool deleteTSIGKey(const DNSName& name) override;

  // ------------------------------------------------------------ zones that arrive by transfer
  // keystore/secondary_zones.hh: the secondary zones due for an SOA check, and its outcome.
  void getUnfreshSlaveInfos(vector<DomainInfo>* domains) override;
  void setFresh(uint32_t domain_id) override;
  void setStale(uint32_t domain_id) override;

  void getUpdatedMasters(vector<DomainInfo>& domains, std::unordered_set<DNSName>& catalogs,
                         CatalogHashMap& catalogHashes) override;
  // Kept until the next getUpdatedMasters, which writes them in one transaction.
  void setNotified(uint32_t id, uint32_t serial) override;
  // ALSO-NOTIFY of the zone, and of its catalog (keystore/catalogs.hh).
  void alsoNotifies(const DNSName& domain, set<string>* ips) override;

  // ------------------------------------------------------------ catalog zones (RFC 9432)
  // Producer only: the members pdns writes into the catalog's AXFR. keystore/catalogs.hh has the
  // rules (who may join which catalog; default catalogs).
  bool getCatalogMembers(const DNSName& catalog, vector<CatalogInfo>& members,
                         CatalogInfo::CatalogType type) override;
  bool setCatalog(const DNSName& domain, const DNSName& catalog) override;
  bool setOptions(const DNSName& domain, const string& options) override;

  // Signet keeps ordering, auth flags and empty non-terminals itself, on every write.
  bool updateDNSSECOrderNameAndAuth(uint32_t, const DNSName&, const DNSName&, bool,
                                    const uint16_t) override {
    return true;
  }
  bool updateEmptyNonTerminals(uint32_t, set<DNSName>&, set<DNSName>&, bool) override {
    return true;
  }
  bool feedEnts(int, map<DNSName, bool>&) override { return true; }
  bool feedEnts3(int, const DNSName&, map<DNSName, bool>&, const NSEC3PARAMRecordContent&,
                 bool) override {
    return true;
  }

  // ------------------------------------------------------------ write side
  bool createDomain(const DNSName& domain, const DomainInfo::DomainKind kind,
                    const vector<ComboAddress>& masters, const string& account) override;
  bool deleteDomain(const DNSName& domain) override;
  bool startTransaction(const DNSName& domain, int domain_id = -1) override;
  bool commitTransaction() override;
  bool abortTransaction() override;
  bool inTransaction() override { return wtxn_ != nullptr; }
  // In a transfer of a secondary zone, records of a signed zone are refused (ZoneWriter).
  bool feedRecord(const DNSResourceRecord& rr, const DNSName& ordername,
                  bool ordernameIsNSEC3 = false) override;
  bool replaceRRSet(uint32_t domain_id, const DNSName& qname, const QType& qt,
                    const vector<DNSResourceRecord>& rrset) override;
  bool setAccount(const DNSName& domain, const string& account) override;
  bool setKind(const DNSName& domain, const DomainInfo::DomainKind kind) override;
  bool setMasters(const DNSName& domain, const vector<ComboAddress>& masters) override;

 private:
  // What a lookup needs to know about a zone; zone ids are never reused, so this never goes
  // stale (a deleted zone simply has no rows any more).
  struct ZoneEntry {
    uint32_t id = 0;
    Name apex;
    DNSName apex_dns;
    // Stored signatures with less validity left than this are replaced by inline ones; a cache of
    // the zone's signing schedule (inline_window()), read again once it is `inline_until`.
    mutable uint32_t inline_window = 0;
    mutable uint64_t inline_until = 0;
  };
  enum class Mode { kIdle, kRRset, kScan, kSigs };
  // The cursors of one transaction; reused (renewed) between queries: no allocation once warm.
  struct Cursors {
    lmdb::Cursor rrsets, rrsigs, chain;
  };

  // A read on behalf of anything but lookup()/list(): pdns calls such methods on this same backend
  // in the middle of iterating a lookup (emitNSEC3 asks isPresigned() for every apex row), so they
  // must leave an iteration in progress alone and only release the snapshot when none is.
  class AuxRead {
   public:
    explicit AuxRead(SignetBackend& b);
    ~AuxRead();
    const lmdb::Txn& txn() const { return *txn_; }

   private:
    SignetBackend& b_;
    bool iterating_;
    const lmdb::Txn* txn_ = nullptr;
  };
  const lmdb::Txn& read_txn();
  Cursors& cursors();
  bool start_sigs();
  void sign_inline(std::span<const uint8_t> rrsig_key);
  // How close to expiry a stored signature of the current zone may come before the query path
  // signs inline: only when the refresher has fallen behind (see the definition).
  uint32_t inline_window(uint64_t now);
  void set_owner_from_labels(std::span<const uint8_t> namekey, std::span<const uint8_t> owner_case);
  void end_read();
  const ZoneEntry* zone_entry(uint32_t id);
  const ZoneEntry* zone_entry_for(const DNSName& qname, bool exact);
  bool next_row();
  void load_row();
  // Runs `fn` inside this thread's write transaction (joining one already open), committing it
  // if this call opened it.
  void with_write(const std::function<void(lmdb::WriteTxn&)>& fn);
  // with_write for the zone at `domain`: false (nothing done) when there is none, as pdns' calls
  // that change a zone answer.
  bool with_zone_write(const DNSName& domain,
                       const std::function<void(lmdb::WriteTxn&, ZoneRecord&)>& fn);
  std::string tenant_for_account(const std::string& account) const;
  // PRESIGNED, NSEC3PARAM and NSEC3NARROW come from the zone's signing state, not from storage.
  bool dnssec_metadata(const lmdb::Txn& txn, uint32_t zone_id, const std::string& kind,
                       std::vector<std::string>& out);
  // The signing state pdns serves the zone by: Signet's, or its primary's for a presigned zone.
  std::optional<codec::DnssecRecord> serving_state(const lmdb::Txn& txn, uint32_t zone_id);
  // setDomainMetadata of PRESIGNED, NSEC3PARAM, NSEC3NARROW on a secondary zone.
  void secondary_signing_meta(lmdb::WriteTxn& txn, ZoneRecord& z, const std::string& kind,
                              const std::vector<std::string>& meta);
  void reset_transaction();
  // Sets upstream_serial_ for pdns' freshness check of a secondary zone (see lookup()).
  void note_freshness_lookup(const lmdb::Txn& txn, uint16_t qtype, const DNSName& qdomain);
  void set_checked(uint32_t domain_id, uint64_t when, const char* what);
  void flush_notified();
  SecondaryZones secondaries() { return SecondaryZones(store_, &ctx_->audit()); }
  Catalogs catalogs() { return Catalogs(store_, &ctx_->audit()); }
  PresignedZones presigned() { return PresignedZones(store_, &ctx_->audit()); }

  std::shared_ptr<CompositionRoot> ctx_;
  Store& store_;
  Portfolio portfolio_;

  // query state (reused between queries: no allocation once warm)
  std::unique_ptr<lmdb::ReadTxn> rtxn_;
  Cursors r_;  // on rtxn_
  Cursors w_;  // on wtxn_
  lmdb::Cursor* cursor_ = nullptr;
  std::unordered_map<uint32_t, ZoneEntry> zones_;
  Mode mode_ = Mode::kIdle;
  const ZoneEntry* zone_ = nullptr;
  std::string prefix_;  // key prefix of the current scan
  std::string key_;     // scratch key
  codec::RRsetView rrset_;
  codec::RRsetView::Iterator rdata_it_{{}};
  uint16_t type_ = 0;
  DNSName owner_;  // owner of the records being returned
  bool owner_from_key_ = false;
  bool ent_pending_ = false;  // an empty non-terminal row yields one record
  bool then_sigs_ = false;    // list(): continue with the RRSIGs after the RRsets
  bool sig_pending_ = false;  // the current rrsigs row has not been returned yet
  uint32_t sig_ttl_ = 0;
  std::span<const uint8_t> sig_rdata_;
  std::vector<uint8_t> inline_sig_;
  std::set<uint32_t> warned_zones_;
  std::shared_ptr<DNSRecordContent> ent_content_;
  std::string content_scratch_;
  // pdns' freshness check of a secondary zone is answered with the primary's serial (keystore/
  // secondary_zones.hh); nullopt for every other lookup.
  std::optional<uint32_t> upstream_serial_;
  std::vector<uint8_t> soa_scratch_;

  // write state
  std::unique_ptr<lmdb::WriteTxn> wtxn_;
  ZoneRecord wzone_;
  std::unique_ptr<ZoneWriter> writer_;
  bool transfer_in_ = false;  // the open transaction is a transfer of a secondary zone
  std::unique_ptr<PresignedTransfer> presigned_in_;  // ... of a presigned one: its signatures
  std::map<uint32_t, uint32_t> notified_;            // zone id -> serial: see setNotified
};

}  // namespace signet
