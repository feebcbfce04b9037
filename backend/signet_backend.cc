// SPDX-License-Identifier: GPL-2.0-or-later
#include "backend/signet_backend.hh"

#include <algorithm>
#include <map>

#include "pdns/webserver.hh"  // ApiException: the HTTP API answers 422 with our message

#include "signer/error.hh"
#include "signer/nsec3.hh"
#include "signer/rrsig.hh"
#include "signer/rrtype.hh"

namespace signet {

using namespace pdns_adapter;

namespace {

// Error translation at the pdns boundary (see signer/error.hh for the policy). A store failure
// becomes DBException (pdns answers SERVFAIL and carries on); an operator error becomes
// ApiException, which the HTTP API reports as 422 with our message and pdnsutil prints.
[[noreturn]] void rethrow_for_pdns() {
  try {
    throw;
  } catch (const StoreError& e) {
    throw DBException(std::string("signet: ") + e.what());
  } catch (const Error& e) {
    throw ApiException(e.what());
  }
}

constexpr size_t kMaxCachedZones = 4096;
// Stored signatures expiring within this window are replaced by inline ones on the query path
// (less when the zone's refresh window is short: SignetBackend::inline_window).
constexpr uint32_t kInlineSignWindow = 86400;
// How long a zone's inline window is used before its signing schedule is read again (as long as
// pdns' own zone-metadata-cache-ttl default).
constexpr uint64_t kInlineWindowRecheck = 60;

}  // namespace

SignetBackend::SignetBackend(std::shared_ptr<CompositionRoot> ctx, const std::string& suffix)
    : ctx_(std::move(ctx)), store_(ctx_->store()), portfolio_(ctx_->store(), ctx_->clock()) {
  // Writes to secured zones are re-signed in the same transaction.
  portfolio_.set_edit_hook(&ctx_->dnssec().signing());
  portfolio_.set_audit(&ctx_->audit());
  setArgPrefix("signet" + suffix);
  // Empty non-terminal rows carry no data; pdns still wants a content object for them.
  ent_content_ = std::make_shared<UnknownRecordContent>("\\# 0");
  prefix_.reserve(codec::kMaxKey);
  key_.reserve(codec::kMaxKey);
}

SignetBackend::~SignetBackend() {
  // An open transaction aborts with its owner (pdnsutil returns without abortTransaction on
  // errors); unregister it first.
  if (wtxn_)
    reset_transaction();
}

// ------------------------------------------------------------------ read transactions

const lmdb::Txn& SignetBackend::read_txn() {
  if (wtxn_) {
    // Reads inside a transaction see what it fed so far (pdns' API reads the SOA it just fed).
    if (writer_)
      writer_->apply_pending();
    return *wtxn_;
  }
  if (!rtxn_) {
    rtxn_ = std::make_unique<lmdb::ReadTxn>(store_.env());
    r_.rrsets = lmdb::Cursor(*rtxn_, store_.dbi().rrsets);
    r_.rrsigs = lmdb::Cursor(*rtxn_, store_.dbi().rrsigs);
    r_.chain = lmdb::Cursor(*rtxn_, store_.dbi().chain);
  } else if (!rtxn_->active()) {
    rtxn_->renew();
    r_.rrsets.renew(*rtxn_);
    r_.rrsigs.renew(*rtxn_);
    r_.chain.renew(*rtxn_);
  }
  return *rtxn_;
}

SignetBackend::Cursors& SignetBackend::cursors() {
  return wtxn_ ? w_ : r_;
}

SignetBackend::AuxRead::AuxRead(SignetBackend& b) : b_(b), iterating_(b.mode_ != Mode::kIdle) {
  txn_ = &b.read_txn();
}

SignetBackend::AuxRead::~AuxRead() {
  if (!iterating_ && b_.rtxn_ && !b_.wtxn_)
    b_.rtxn_->reset();
}

void SignetBackend::end_read() {
  mode_ = Mode::kIdle;
  // Release the snapshot between queries so old pages can be reused by writers.
  if (rtxn_ && !wtxn_)
    rtxn_->reset();
}

const SignetBackend::ZoneEntry* SignetBackend::zone_entry(uint32_t id) {
  auto it = zones_.find(id);
  if (it != zones_.end())
    return &it->second;
  auto z = store_.zone_by_id(read_txn(), id);
  if (!z)
    return nullptr;
  if (zones_.size() >= kMaxCachedZones)
    zones_.clear();
  ZoneEntry e;
  e.id = id;
  e.apex = z->name;
  e.apex_dns = to_dnsname(z->name);
  return &zones_.emplace(id, std::move(e)).first->second;
}

const SignetBackend::ZoneEntry* SignetBackend::zone_entry_for(const DNSName& qname, bool exact) {
  const lmdb::Txn& txn = read_txn();
  auto wire = wire_of(qname);
  size_t off = 0;
  while (off < wire.size()) {
    // zone_names key of the suffix at `off`: namekey + 0x00 (see keystore/store.cc)
    key_.clear();
    codec::append_namekey(key_, wire.subspan(off, wire.size() - off - 1));
    key_.push_back('\0');
    if (auto id = txn.find(store_.dbi().zone_names, key_))
      return zone_entry(codec::load_u32(id->data()));
    if (exact || wire[off] == 0)
      break;
    off += 1 + wire[off];
  }
  return nullptr;
}

// ------------------------------------------------------------------ lookup / list / get

void SignetBackend::lookup(const QType& qtype, const DNSName& qdomain, int zoneId, DNSPacket* pkt) {
  try {
    mode_ = Mode::kIdle;
    upstream_serial_.reset();
    const lmdb::Txn& txn = read_txn();
    zone_ = zoneId >= 0 ? zone_entry(static_cast<uint32_t>(zoneId))
                        : zone_entry_for(qdomain, qtype.getCode() == QType::SOA);
    if (!zone_ || !qdomain.isPartOf(zone_->apex_dns)) {
      end_read();
      return;
    }
    if (!pkt && zoneId >= 0)
      note_freshness_lookup(txn, qtype.getCode(), qdomain);
    auto wire = wire_of(qdomain);
    auto rel = wire.first(wire.size() - zone_->apex.wire_size());
    prefix_.clear();
    codec::put_u32(prefix_, zone_->id);
    codec::append_namekey(prefix_, rel);
    prefix_.push_back('\0');
    owner_ = qdomain;
    owner_from_key_ = false;
    then_sigs_ = false;

    const uint16_t code = qtype.getCode();
    if (code == QType::ANY || code == QType::RRSIG) {
      // ANY: every RRset of the name (one prefix seek); RRSIG: every signature of the name, which
      // pdns filters by covered type (dbdnsseckeeper.cc getPreRRSIGs).
      // With consistent-backends (the default) pdns asks *every* lookup as ANY and filters the
      // answer itself, so ANY must carry the name's RRSIGs too (as a presigned bind zone does).
      bool sigs = code == QType::RRSIG;
      cursor_ = sigs ? &cursors().rrsigs : &cursors().rrsets;
      if (cursor_->seek_prefix(prefix_)) {
        mode_ = sigs ? Mode::kSigs : Mode::kScan;
        then_sigs_ = !sigs;
        load_row();
      } else if (!sigs && start_sigs()) {
        load_row();
      } else {
        end_read();
      }
      return;
    }
    key_.assign(prefix_);
    codec::put_u16(key_, code);
    auto v = txn.find(store_.dbi().rrsets, key_);
    if (!v) {
      end_read();
      return;
    }
    mode_ = Mode::kRRset;
    type_ = code;
    rrset_ = codec::decode_rrset(*v);
    rdata_it_ = rrset_.rdatas();
    ent_pending_ = false;
  } catch (...) {
    mode_ = Mode::kIdle;
    rethrow_for_pdns();
  }
}

bool SignetBackend::list(const DNSName& target, int domain_id, bool) {
  try {
    mode_ = Mode::kIdle;
    upstream_serial_.reset();
    read_txn();
    zone_ = domain_id >= 0 ? zone_entry(static_cast<uint32_t>(domain_id))
                           : zone_entry_for(target, true);
    if (!zone_ || !(zone_->apex_dns == target)) {
      end_read();
      return false;
    }
    // The zone's RRsets, then (for a secured zone, AXFR in PRESIGNED mode) its RRSIGs.
    prefix_ = codec::zone_prefix(zone_->id);
    owner_from_key_ = true;
    then_sigs_ = true;
    cursor_ = &cursors().rrsets;
    if (cursor_->seek_prefix(prefix_)) {
      mode_ = Mode::kScan;
      load_row();
    } else if (start_sigs()) {
      load_row();
    } else {
      end_read();
    }
    return true;
  } catch (...) {
    mode_ = Mode::kIdle;
    rethrow_for_pdns();
  }
}

// pdns 4.7 checks a secondary zone's freshness (slavecommunicator.cc) by comparing the primary's
// serial with the SOA it gets from lookup(SOA, apex, id, nullptr), an ANY lookup with
// consistent-backends. Signet serves its own serial, usually ahead of the primary's once it has
// re-signed; compared with that, every change at the primary would look old. So that one lookup
// (no packet: no client asks it) answers the primary's serial, marked so that pdns' query cache
// does not keep it (UeberBackend::addCache skips answers with a scope mask); getSOA, AXFR,
// NOTIFY and every client keep Signet's.
void SignetBackend::note_freshness_lookup(const lmdb::Txn& txn, uint16_t qtype,
                                          const DNSName& qdomain) {
  if ((qtype != QType::SOA && qtype != QType::ANY) || !(qdomain == zone_->apex_dns))
    return;
  auto z = store_.zone_by_id(txn, zone_->id);
  if (z && z->kind == ZoneKind::kSecondary && (z->flags & codec::kZoneUpstreamSerial))
    upstream_serial_ = z->upstream_serial;
}

bool SignetBackend::start_sigs() {
  then_sigs_ = false;
  cursor_ = &cursors().rrsigs;
  if (!cursor_->seek_prefix(prefix_))
    return false;
  mode_ = Mode::kSigs;
  return true;
}

void SignetBackend::load_row() {
  auto kb = cursor_->key_bytes();
  if (mode_ == Mode::kSigs) {
    // rrsigs key: zone_id namekey 0x00 covered:u16 key_id:u32
    auto v = codec::decode_rrsig_value(cursor_->value());
    type_ = QType::RRSIG;
    sig_ttl_ = v.ttl;
    sig_rdata_ = v.rdata;
    sig_pending_ = true;
    // A signature about to expire means the refresher fell behind: serve a fresh one made now
    // (so answers stay valid) and ask the refresher to store fresh ones.
    if (auto expiration = rrsig_expiration(sig_rdata_)) {
      uint64_t now = ctx_->clock().now();
      if (!time_before(static_cast<uint32_t>(now) + inline_window(now), *expiration))
        sign_inline(kb);
    }
    if (owner_from_key_)
      set_owner_from_labels(codec::split_rrsig_key(kb).namekey, {});
    return;
  }
  type_ = codec::rrset_key_type(kb);
  rrset_ = codec::decode_rrset(cursor_->value());
  rdata_it_ = rrset_.rdatas();
  ent_pending_ = type_ == rrtype::kEnt;
  if (owner_from_key_) {
    // The owner comes from the key (lower case) unless the RRset kept its original spelling.
    set_owner_from_labels(codec::split_rrset_key(kb).namekey, rrset_.owner_case);
  }
}

uint32_t SignetBackend::inline_window(uint64_t now) {
  const ZoneEntry& z = *zone_;
  if (now < z.inline_until)
    return z.inline_window;
  // The refresher renews a signature when its zone's refresh window (the policy's, widened for the
  // SOA EXPIRE) is left: the query path steps in only when it is half gone, and never earlier than
  // a day before expiry. With a window of a day or less (rrsig-refresh 12h), a fixed day would sign
  // every answer inline from a day before expiry until the refresher's turn, and wake it for
  // nothing. The window is what the schedule says: earliest expiry - next refresh.
  uint32_t w = kInlineSignWindow;
  if (auto st = ctx_->dnssec().state().find(read_txn(), z.id);
      st && st->next_refresh && st->earliest_expiry) {
    // The 32-bit expiration as an absolute time near now (RFC 1982 window).
    int64_t until = static_cast<int32_t>(st->earliest_expiry - static_cast<uint32_t>(now));
    int64_t earliest = static_cast<int64_t>(now) + until;
    if (earliest > static_cast<int64_t>(st->next_refresh)) {
      w = static_cast<uint32_t>(
          std::min<int64_t>(w, (earliest - static_cast<int64_t>(st->next_refresh)) / 2));
    }
  }
  z.inline_window = w;
  z.inline_until = now + kInlineWindowRecheck;
  return w;
}

void SignetBackend::sign_inline(std::span<const uint8_t> key) {
  try {
    auto parts = codec::split_rrsig_key(key);
    uint8_t labels[Name::kMaxWire];
    size_t n = codec::decode_namekey(parts.namekey, labels);
    auto fresh = ctx_->dnssec().signing().sign_now(read_txn(), zone_->id, {labels, n},
                                                   parts.covered, parts.key_id);
    if (!fresh)
      return;
    inline_sig_ = std::move(*fresh);
    sig_rdata_ = inline_sig_;
    if (warned_zones_.insert(zone_->id).second) {
      g_log
          << Logger::Warning << "[signet] zone '" << zone_->apex.to_text()
          << "': served signatures made inline because stored ones are about to expire; refreshing"
          << endl;
    }
    ctx_->wake_refresher(zone_->id);
  } catch (const std::exception& e) {
    // Keep serving the stored signature; the refresher reports its own failures.
    g_log << Logger::Error << "[signet] inline signing in zone '" << zone_->apex.to_text()
          << "' failed: " << e.what() << endl;
  }
}

void SignetBackend::set_owner_from_labels(std::span<const uint8_t> namekey,
                                          std::span<const uint8_t> owner_case) {
  uint8_t wire[Name::kMaxWire * 2];
  size_t n;
  if (!owner_case.empty()) {
    n = owner_case.size();
    std::memcpy(wire, owner_case.data(), n);
  } else {
    n = codec::decode_namekey(namekey, wire);
  }
  std::memcpy(wire + n, zone_->apex.data(), zone_->apex.wire_size());
  owner_ = to_dnsname(std::span<const uint8_t>(wire, n + zone_->apex.wire_size()));
}

bool SignetBackend::next_row() {
  if (!cursor_->next() || !cursor_->key_has_prefix(prefix_))
    return false;
  load_row();
  return true;
}

bool SignetBackend::get(DNSZoneRecord& zr) {
  try {
    while (mode_ != Mode::kIdle) {
      if (mode_ == Mode::kSigs) {
        if (sig_pending_) {
          sig_pending_ = false;
          zr.dr.d_name = owner_;
          zr.dr.d_type = QType::RRSIG;
          zr.dr.d_class = QClass::IN;
          zr.dr.d_ttl = sig_ttl_;
          zr.dr.d_place = DNSResourceRecord::ANSWER;
          zr.dr.d_content = content_from_wire(QType::RRSIG, sig_rdata_, content_scratch_);
          zr.dr.d_clen = static_cast<uint16_t>(sig_rdata_.size());
          zr.scopeMask = 0;
          zr.auth = true;
          zr.disabled = false;
          zr.domain_id = static_cast<int>(zone_->id);
          return true;
        }
        if (next_row())
          continue;
        break;
      }
      std::span<const uint8_t> rdata;
      if (ent_pending_ || rdata_it_.next(rdata)) {
        zr.dr.d_name = owner_;
        zr.dr.d_type = type_;
        zr.dr.d_class = QClass::IN;
        zr.dr.d_ttl = rrset_.ttl;
        zr.dr.d_place = DNSResourceRecord::ANSWER;
        zr.scopeMask = 0;
        if (upstream_serial_ && type_ == QType::SOA) {
          soa_scratch_ = codec::with_soa_serial(rdata, *upstream_serial_);
          rdata = soa_scratch_;
          zr.scopeMask = 32;  // never cached: clients must not see this serial
        }
        zr.dr.d_content =
            ent_pending_ ? ent_content_ : content_from_wire(type_, rdata, content_scratch_);
        zr.dr.d_clen = static_cast<uint16_t>(rdata.size());
        zr.auth = rrset_.auth();
        zr.disabled = false;
        zr.domain_id = static_cast<int>(zone_->id);
        ent_pending_ = false;
        return true;
      }
      if (mode_ == Mode::kScan && next_row())
        continue;
      if (mode_ == Mode::kScan && then_sigs_ && start_sigs()) {
        load_row();
        continue;
      }
      break;
    }
    end_read();
    return false;
  } catch (...) {
    end_read();
    rethrow_for_pdns();
  }
}

bool SignetBackend::get(DNSResourceRecord& rr) {
  DNSZoneRecord zr;
  if (!get(zr))
    return false;
  rr.qname = zr.dr.d_name;
  rr.qtype = zr.dr.d_type;
  rr.qclass = QClass::IN;
  rr.ttl = zr.dr.d_ttl;
  rr.content = zr.dr.d_type == QType::ENT ? "" : zr.dr.d_content->getZoneRepresentation(true);
  rr.domain_id = zr.domain_id;
  rr.auth = zr.auth;
  rr.disabled = false;
  return true;
}

bool SignetBackend::getSOA(const DNSName& name, SOAData& sd) {
  try {
    AuxRead aux(*this);
    const lmdb::Txn& txn = aux.txn();
    const ZoneEntry* z = zone_entry_for(name, true);
    bool found = false;
    if (z) {
      if (auto soa = store_.get_rrset(txn, z->id, {}, rrtype::SOA)) {
        std::span<const uint8_t> rdata;
        auto it = soa->rdatas();
        if (it.next(rdata)) {
          fill_soa(sd, rdata);
          sd.qname = z->apex_dns;
          sd.ttl = soa->ttl;
          sd.db = this;
          sd.domain_id = static_cast<int>(z->id);
          found = true;
        }
      }
    }
    return found;
  } catch (...) {
    rethrow_for_pdns();
  }
}

bool SignetBackend::getAuth(const DNSName& target, SOAData* sd) {
  try {
    AuxRead aux(*this);
    const ZoneEntry* z = zone_entry_for(target, false);
    if (!z)
      return false;
    return getSOA(z->apex_dns, *sd);
  } catch (...) {
    rethrow_for_pdns();
  }
}

bool SignetBackend::getBeforeAndAfterNamesAbsolute(uint32_t id, const DNSName& qname,
                                                   DNSName& unhashed, DNSName& before,
                                                   DNSName& after) {
  try {
    AuxRead aux(*this);
    const lmdb::Txn& txn = aux.txn();
    const ZoneEntry* z = zone_entry(id);
    auto st = z ? serving_state(txn, id) : std::nullopt;
    if (!st) {
      return false;
    }
    bool nsec3 = st->denial == codec::Denial::kNsec3;
    std::string prefix = codec::chain_prefix(id, st->live_gen());
    key_.assign(prefix);
    auto q = wire_of(qname);
    if (nsec3) {
      // qname is the base32hex hash as a one-label name.
      if (q.empty() || q[0] == 0) {
        return false;
      }
      auto hash =
          from_base32hex(std::string_view(reinterpret_cast<const char*>(q.data()) + 1, q[0]));
      if (!hash || hash->size() != 20) {
        return false;
      }
      key_.append(reinterpret_cast<const char*>(hash->data()), hash->size());
    } else {
      // qname is relative to the zone and lower case (DNSBackend::getBeforeAndAfterNames).
      codec::append_namekey(key_, q.first(q.size() - 1));
    }
    // before: the greatest link <= qname; after: the smallest link > qname; both cyclic.
    lmdb::Cursor& c = cursors().chain;
    auto in_chain = [&] { return c.key_has_prefix(prefix); };
    auto first = [&] { return c.seek_prefix(prefix); };
    auto last = [&] {
      std::string end = prefix;
      end.back() = static_cast<char>(end.back() + 1);
      return (c.seek(end) ? c.prev() : c.last()) && in_chain();
    };
    std::string before_key, after_key;
    codec::ChainLink before_link, after_link;
    bool at = c.seek(key_) && in_chain();
    if (at && c.key() == key_) {
      before_key.assign(c.key());
      before_link = codec::decode_link(c.value());
      if (!(c.next() && in_chain()) && !first())
        throw CorruptionError("empty chain");
    } else {
      if (!at && !first()) {
        return false;  // no chain
      }
      // c is at the first link > qname (or wrapped to the first link).
      std::string save(c.key());
      bool has_prev = at && c.prev() && in_chain();
      if (!has_prev && !last())
        throw CorruptionError("empty chain");
      before_key.assign(c.key());
      before_link = codec::decode_link(c.value());
      c.seek(save);
    }
    after_key.assign(c.key());
    after_link = codec::decode_link(c.value());
    auto name_of = [&](const std::string& key, const codec::ChainLink& link) {
      if (!nsec3)
        return to_dnsname(Name::concat(link.owner, Name()));
      std::string label = base32hex(codec::chain_key_hash(codec::as_bytes(key)));
      uint8_t wire[64];
      wire[0] = static_cast<uint8_t>(label.size());
      std::memcpy(wire + 1, label.data(), label.size());
      wire[1 + label.size()] = 0;
      return to_dnsname(std::span<const uint8_t>(wire, label.size() + 2));
    };
    before = name_of(before_key, before_link);
    after = name_of(after_key, after_link);
    unhashed = to_dnsname(Name::concat(before_link.owner, z->apex));
    return true;
  } catch (...) {
    rethrow_for_pdns();
  }
}

// ------------------------------------------------------------------ zones and metadata

namespace {

void fill_domain_info(DomainInfo& di, const ZoneRecord& z, const std::string& account,
                      DNSBackend* backend) {
  di.zone = to_dnsname(z.name);
  di.id = z.id;
  di.account = account;
  di.kind = to_pdns_kind(z.kind);
  di.serial = z.serial;
  di.notified_serial = z.notified_serial;
  di.backend = backend;
  di.last_check = z.last_check;
  di.options = z.catalog_options;
  di.catalog.clear();
}

// pdns sends NOTIFY for the zones getUpdatedMasters returns: primary zones, secondary zones, and
// every zone listed in a catalog, whatever its kind. Every serial Signet gives them must reach
// their secondaries: a native zone made through an API that knows no kinds is served to a
// catalog's secondaries (keystore/catalogs.hh), and a secondary zone Signet signs gets new
// serials at every re-sign, not only at transfers (pdns itself re-notifies after a transfer in
// only with secondary-do-renotify, and never after Signet re-signs).
bool needs_notify(const ZoneRecord& z) {
  if (!(z.flags & codec::kZoneHasSoa) || z.serial == z.notified_serial)
    return false;
  return z.kind == ZoneKind::kPrimary || z.kind == ZoneKind::kSecondary || z.catalog_id != 0;
}

// A catalog lists a member once it can be served: a secondary zone before its first transfer
// would only make the secondaries fail to transfer it and back off.
bool listed_in_catalog(const ZoneRecord& z) {
  return z.catalog_id != 0 && (z.flags & codec::kZoneHasSoa);
}

// One member's part of its catalog's hash: what pdns' own backends add (CatalogInfo::updateHash),
// and the groups, which pdns 4.7 leaves out, so a changed group also raises the serial.
void hash_member(CatalogHashMap& hashes, const ZoneRecord& z, const DNSName& catalog) {
  DomainInfo di;
  di.id = z.id;
  di.zone = to_dnsname(z.name);
  di.catalog = catalog;
  CatalogInfo ci;
  try {
    ci.fromJson(z.catalog_options, CatalogInfo::CatalogType::Producer);
  } catch (const std::exception& e) {
    // Checked when stored (Catalogs::check_options); hash what there is.
    g_log << Logger::Warning << "[signet] zone '" << di.zone << "': catalog options: " << e.what()
          << endl;
  }
  ci.updateHash(hashes, di);
  for (const auto& group : ci.d_group)
    hashes[catalog].process("group\0" + group);
}

// The names of catalog zones by id, looked up once per listing; empty for an id that is no
// producer catalog (any more).
class CatalogNames {
 public:
  CatalogNames(const Store& store, const lmdb::Txn& txn) : store_(store), txn_(txn) {}
  const DNSName& of(uint32_t id) {
    auto it = names_.find(id);
    if (it == names_.end()) {
      auto z = id ? store_.zone_by_id(txn_, id) : std::nullopt;
      bool producer = z && z->kind == ZoneKind::kProducer;
      it = names_.emplace(id, producer ? to_dnsname(z->name) : DNSName()).first;
    }
    return it->second;
  }

 private:
  const Store& store_;
  const lmdb::Txn& txn_;
  std::unordered_map<uint32_t, DNSName> names_;
};

}  // namespace

bool SignetBackend::getDomainInfo(const DNSName& domain, DomainInfo& di, bool) {
  try {
    flush_notified();  // what this backend was told shows in what it tells
    AuxRead aux(*this);
    const lmdb::Txn& txn = aux.txn();
    auto z = store_.find_zone(txn, to_name(domain));
    bool found = false;
    if (z) {
      fill_domain_info(di, *z, portfolio_.tenant_name(txn, z->tenant_id), this);
      di.catalog = CatalogNames(store_, txn).of(z->catalog_id);
      di.masters.clear();
      for (const auto& m : secondaries().primaries(txn, *z))
        di.masters.emplace_back(m, 53);
      // pdns asks this before it queues a freshness check for a NOTIFY (packethandler.cc):
      // a client's answer at the apex cached under the check's key would carry Signet's serial
      // into it (see note_freshness_lookup).
      if (z->kind == ZoneKind::kSecondary)
        purge_cached_answers(di.zone);
      found = true;
    }
    return found;
  } catch (...) {
    rethrow_for_pdns();
  }
}

void SignetBackend::getAllDomains(vector<DomainInfo>* domains, bool, bool include_disabled) {
  try {
    flush_notified();
    domains->clear();
    AuxRead aux(*this);
    const lmdb::Txn& txn = aux.txn();
    std::unordered_map<uint32_t, std::string> tenants;
    CatalogNames catalogs(store_, txn);
    store_.for_each_zone(txn, [&](const ZoneRecord& z) {
      if (!(z.flags & codec::kZoneHasSoa) && !include_disabled)
        return;
      auto it = tenants.find(z.tenant_id);
      if (it == tenants.end())
        it = tenants.emplace(z.tenant_id, portfolio_.tenant_name(txn, z.tenant_id)).first;
      DomainInfo di;
      fill_domain_info(di, z, it->second, this);
      di.catalog = catalogs.of(z.catalog_id);
      domains->push_back(std::move(di));
    });
  } catch (...) {
    rethrow_for_pdns();
  }
}

namespace {
bool is_signing_meta(const std::string& kind) {
  return kind == "PRESIGNED" || kind == "NSEC3PARAM" || kind == "NSEC3NARROW";
}
}  // namespace

bool SignetBackend::dnssec_metadata(const lmdb::Txn& txn, uint32_t zone_id, const std::string& kind,
                                    std::vector<std::string>& out) {
  if (!is_signing_meta(kind))
    return false;
  out.clear();
  auto st = serving_state(txn, zone_id);
  if (!st)
    return true;
  if (kind == "PRESIGNED") {
    // pdns serves our signatures and asks us for them (PRESIGNED mode): it never signs itself.
    out.push_back("1");
  } else if (kind == "NSEC3PARAM" && st->denial == codec::Denial::kNsec3) {
    Nsec3Params p;
    p.flags = st->nsec3_flags;
    p.iterations = st->nsec3_iterations;
    p.salt = st->salt;
    out.push_back(nsec3_params_text(p));
  }
  return true;
}

std::optional<codec::DnssecRecord> SignetBackend::serving_state(const lmdb::Txn& txn,
                                                                uint32_t zone_id) {
  auto st = ctx_->dnssec().state().find(txn, zone_id);
  return st ? st : presigned_view(store_, txn, zone_id);
}

// pdns writes these on a secondary zone in two ways. During a transfer (in its transaction,
// before the records; slavecommunicator.cc) they say what the primary sent: for a zone Signet
// signs, its own signing state stands and pdns' clearing of them is ignored, while setting them
// means the primary sent NSEC or NSEC3, which is refused; for a presigned zone they are the
// primary's denial parameters. Outside a transfer, PRESIGNED is the operator's: pdnsutil
// set-presigned / unset-presigned, the API's "presigned".
void SignetBackend::secondary_signing_meta(lmdb::WriteTxn& txn, ZoneRecord& z,
                                           const std::string& kind,
                                           const std::vector<std::string>& meta) {
  const std::string zone = "zone '" + z.name.to_text() + "'";
  const bool marked = is_presigned(store_, txn, z.id);
  const bool set = !meta.empty() && !(kind == "PRESIGNED" && meta.front() == "0");
  if (!transfer_in_) {
    if (kind != "PRESIGNED") {
      throw InputError(zone + ": " + kind +
                       (marked ? " comes from its primary (the zone is presigned)"
                               : " is managed by Signet (signetutil secure-zone, set-nsec3)"));
    }
    if (set && !marked) {
      bool signs = ctx_->dnssec().state().find(txn, z.id) ||
                   !store_.get_meta(txn, z.id, kSignOnTransferMeta).empty();
      presigned().mark(txn, z, signs);
    } else if (!set && marked) {
      presigned().unmark(txn, z);
    }
    return;
  }
  if (!marked) {
    if (!set)
      return;
    throw InputError(zone +
                     ": the primary sends a signed zone (NSEC or NSEC3 records); Signet signs "
                     "the zones it receives: have the primary send the zone unsigned, or mark "
                     "the zone presigned (signetutil create-secondary --presigned, pdnsutil "
                     "set-presigned) to serve the primary's signatures");
  }
  if (kind == "PRESIGNED") {
    if (!set) {
      throw InputError(zone +
                       " is marked presigned but its primary sends it unsigned (no NSEC or "
                       "NSEC3); sign it there, or unmark it (pdnsutil unset-presigned)");
    }
  } else if (kind == "NSEC3PARAM") {
    presigned().set_denial(
        txn, z.id,
        set ? std::optional<Nsec3Params>(nsec3_params_from_text(meta.front())) : std::nullopt);
  } else if (set) {
    throw InputError(zone + ": narrow NSEC3 (NSEC3NARROW) is not supported");
  }
}

bool SignetBackend::getDomainMetadata(const DNSName& name, const std::string& kind,
                                      std::vector<std::string>& meta) {
  try {
    AuxRead aux(*this);
    const lmdb::Txn& txn = aux.txn();
    auto z = store_.find_zone(txn, to_name(name));
    if (z && !dnssec_metadata(txn, z->id, kind, meta)) {
      // pdns asks for this one before it applies a DNS UPDATE (keystore/tsig_keys.hh).
      meta = kind == "TSIG-ALLOW-DNSUPDATE" ? dnsupdate_keys(store_, txn, *z)
                                            : catalogs().effective_meta(txn, *z, kind);
    }
    return z.has_value();
  } catch (...) {
    rethrow_for_pdns();
  }
}

bool SignetBackend::getAllDomainMetadata(const DNSName& name,
                                         std::map<std::string, std::vector<std::string>>& meta) {
  try {
    AuxRead aux(*this);
    const lmdb::Txn& txn = aux.txn();
    auto z = store_.find_zone(txn, to_name(name));
    if (z) {
      meta = store_.all_meta(txn, z->id);
      meta.erase(kPrimariesMeta);  // internal (keystore/secondary_zones.hh)
      meta.erase(kSignOnTransferMeta);
      meta.erase(kPresignedMeta);  // keystore/presigned_zones.hh: PRESIGNED says it
      meta.erase(kPresignedNsec3Meta);
      for (const char* kind : {"PRESIGNED", "NSEC3PARAM", "NSEC3NARROW"}) {
        std::vector<std::string> v;
        dnssec_metadata(txn, z->id, kind, v);
        if (v.empty())
          meta.erase(kind);
        else
          meta[kind] = v;
      }
    }
    return z.has_value();
  } catch (...) {
    rethrow_for_pdns();
  }
}

bool SignetBackend::setDomainMetadata(const DNSName& name, const std::string& kind,
                                      const std::vector<std::string>& meta) {
  try {
    return with_zone_write(name, [&](lmdb::WriteTxn& txn, ZoneRecord& z) {
      if (is_signing_meta(kind)) {
        if (z.kind == ZoneKind::kSecondary)
          return secondary_signing_meta(txn, z, kind, meta);
        throw InputError("zone '" + name.toString() + "': " + kind +
                         " is managed by Signet (signetutil secure-zone, set-nsec3, unset-nsec3)");
      }
      store_.set_meta(txn, z.id, kind, meta);
      // pdns' own bookkeeping of a catalog's members (mastercommunicator.cc), not a change of
      // anyone's: the catalog-changed entries of its members say what changed.
      if (kind == "CATALOG-HASH")
        return;
      ctx_->audit().append(txn, "metadata-changed", z.tenant_id, z.id,
                           portfolio_.tenant_name(txn, z.tenant_id), z.name.to_text(),
                           Json{{"kind", kind}, {"values", meta}});
    });
  } catch (...) {
    rethrow_for_pdns();
  }
}

// getUpdatedMasters and setNotified run in pdns' communicator thread, which ends pdns_server
// (_exit) on any exception (communicator.cc). A store that cannot be read or written right now
// (full, out of reader slots) must cost a NOTIFY, not the server: log it and carry on; the zone
// stays "not notified" and the next pass tries again.
void SignetBackend::getUpdatedMasters(vector<DomainInfo>& domains,
                                      std::unordered_set<DNSName>& catalogs,
                                      CatalogHashMap& catalogHashes) {
  try {
    flush_notified();
    AuxRead aux(*this);
    const lmdb::Txn& txn = aux.txn();
    // One pass. The members are hashed per catalog (pdns raises a catalog's serial when its hash
    // changes, mastercommunicator.cc getUpdatedProducers), in zone id order; a member may come
    // before its catalog, so a catalog's digest starts with whichever comes first.
    CatalogNames names(store_, txn);
    auto digest = [&](const DNSName& catalog) {
      auto [it, added] = catalogHashes.try_emplace(catalog);
      if (added)
        it->second.process("\0");
    };
    store_.for_each_zone(txn, [&](const ZoneRecord& z) {
      if (z.kind == ZoneKind::kProducer) {
        DNSName name = to_dnsname(z.name);
        digest(name);
        catalogs.insert(std::move(name));
        return;
      }
      if (listed_in_catalog(z)) {
        const DNSName& catalog = names.of(z.catalog_id);
        if (!catalog.empty()) {
          digest(catalog);
          hash_member(catalogHashes, z, catalog);
        }
      }
      if (!needs_notify(z))
        return;
      DomainInfo di;
      fill_domain_info(di, z, "", this);
      domains.push_back(std::move(di));
    });
  } catch (const std::exception& e) {
    g_log << Logger::Error << "[signet] cannot list zones to notify: " << e.what() << endl;
  }
}

// ------------------------------------------------------------------ zones that arrive by transfer

void SignetBackend::getUnfreshSlaveInfos(vector<DomainInfo>* domains) {
  // The communicator thread: a store error costs this pass, never the server.
  try {
    std::vector<UnfreshZone> due;
    {
      AuxRead aux(*this);
      due = secondaries().unfresh(aux.txn(), ctx_->clock().now());
    }
    for (const UnfreshZone& u : due) {
      DomainInfo di;
      fill_domain_info(di, u.zone, "", this);
      // The primary's serial (what pdns asks IXFR from and compares), not Signet's.
      if (u.zone.flags & codec::kZoneUpstreamSerial)
        di.serial = u.zone.upstream_serial;
      for (const auto& m : u.primaries) {
        try {
          di.masters.emplace_back(m, 53);
        } catch (const PDNSException& e) {
          g_log << Logger::Warning << "[signet] zone '" << di.zone << "': primary '" << m
                << "': " << e.reason << endl;
        }
      }
      if (di.masters.empty())
        continue;
      // A client's answer at the apex cached under the same key would carry Signet's serial
      // into the freshness check that follows (see note_freshness_lookup).
      purge_cached_answers(di.zone);
      domains->push_back(std::move(di));
    }
  } catch (const std::exception& e) {
    g_log << Logger::Error << "[signet] cannot list secondary zones to check: " << e.what() << endl;
  }
}

void SignetBackend::set_checked(uint32_t domain_id, uint64_t when, const char* what) {
  try {
    with_write([&](lmdb::WriteTxn& txn) { secondaries().set_checked(txn, domain_id, when); });
  } catch (const std::exception& e) {
    g_log << Logger::Error << "[signet] cannot record zone #" << domain_id << " as " << what << ": "
          << e.what() << endl;
  }
}

void SignetBackend::setFresh(uint32_t domain_id) {
  set_checked(domain_id, ctx_->clock().now(), "fresh");
}

void SignetBackend::setStale(uint32_t domain_id) {
  set_checked(domain_id, 0, "stale");
}

// pdns calls this once per zone right after getUpdatedMasters (mastercommunicator.cc): on a
// first start, or after a policy change re-signed a portfolio, that is one per zone of 100,000.
// A write transaction each (one fsync each) held the communicator for minutes, and every NOTIFY
// behind them. So they are kept here and written in one transaction at the start of the next
// pass (flush_notified), before the zones are scanned again. A process that stops before that
// NOTIFYs those zones once more at its next start: harmless.
void SignetBackend::setNotified(uint32_t id, uint32_t serial) {
  notified_[id] = serial;  // the latest serial of a zone wins
}

void SignetBackend::flush_notified() {
  if (notified_.empty())
    return;
  try {
    with_write([&](lmdb::WriteTxn& txn) {
      for (const auto& [id, serial] : notified_) {
        auto z = store_.zone_by_id(txn, id);
        if (!z || z->notified_serial == serial)
          continue;
        z->notified_serial = serial;
        store_.put_zone(txn, *z);
      }
    });
    notified_.clear();
  } catch (const std::exception& e) {
    // Kept for the next pass (a full store, say); meanwhile the zones may be NOTIFYed once more.
    const auto& [id, serial] = *notified_.begin();
    std::string others = notified_.size() > 1
                             ? ", nor " + std::to_string(notified_.size() - 1) + " other zone(s)"
                             : "";
    g_log << Logger::Error << "[signet] cannot record that zone #" << id << " was notified (serial "
          << serial << ")" << others << ": " << e.what() << endl;
  }
}

// ------------------------------------------------------------------ TSIG keys

bool SignetBackend::getTSIGKey(const DNSName& name, DNSName& algorithm, string& content) {
  try {
    AuxRead aux(*this);
    const lmdb::Txn& txn = aux.txn();
    auto key = ctx_->tsig_keys().find(txn, to_name(name));
    if (!key)
      return false;
    auto alg = static_cast<TsigAlgorithm>(key->algorithm);
    if (!algorithm.empty() && tsig_algorithm_from_name(algorithm.toStringNoDot()) != alg)
      return false;
    Secret secret = ctx_->tsig_keys().open_base64(txn, *key);
    algorithm = DNSName(std::string(tsig_algorithm_name(alg)));
    // pdns takes the secret as a std::string: this copy is the one that leaves guarded memory.
    content.assign(reinterpret_cast<const char*>(secret.data()), secret.size());
    return true;
  } catch (...) {
    rethrow_for_pdns();
  }
}

bool SignetBackend::getTSIGKeys(std::vector<struct TSIGKey>& keys) {
  try {
    AuxRead aux(*this);
    for (const auto& k : ctx_->tsig_keys().list(aux.txn(), std::nullopt)) {
      TSIGKey t;
      t.name = DNSName(k.name.to_text());
      t.algorithm =
          DNSName(std::string(tsig_algorithm_name(static_cast<TsigAlgorithm>(k.algorithm))));
      keys.push_back(std::move(t));
    }
    return true;
  } catch (...) {
    rethrow_for_pdns();
  }
}

bool SignetBackend::setTSIGKey(const DNSName& name, const DNSName& algorithm,
                               const string& content) {
  try {
    auto alg = tsig_algorithm_from_name(algorithm.toStringNoDot());
    if (!alg) {
      throw InputError("TSIG key '" + name.toString() + "': unknown algorithm '" +
                       algorithm.toStringNoDot() +
                       "' (hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, "
                       "hmac-sha512)");
    }
    with_write([&](lmdb::WriteTxn& txn) {
      ctx_->tsig_keys().import(txn, kGlobalTsigOwner, to_name(name), *alg, content);
    });
    return true;
  } catch (...) {
    rethrow_for_pdns();
  }
}

bool SignetBackend::deleteTSIGKey(const DNSName& name) {
  try {
    bool found = false;
    with_write([&](lmdb::WriteTxn& txn) {
      if (!ctx_->tsig_keys().find(txn, to_name(name)))
        return;
      ctx_->tsig_keys().remove(txn, to_name(name));
      found = true;
    });
    return found;
  } catch (...) {
    rethrow_for_pdns();
  }
}

// ------------------------------------------------------------------ write side

void SignetBackend::with_write(const std::function<void(lmdb::WriteTxn&)>& fn) {
  if (wtxn_) {
    fn(*wtxn_);
    return;
  }
  if (lmdb::WriteTxn* joined = ctx_->thread_write_txn()) {
    fn(*joined);
    return;
  }
  lmdb::WriteTxn txn(store_.env());
  ctx_->set_thread_write_txn(&txn);
  try {
    fn(txn);
    txn.commit();
  } catch (...) {
    ctx_->set_thread_write_txn(nullptr);
    throw;
  }
  ctx_->set_thread_write_txn(nullptr);
}

bool SignetBackend::with_zone_write(const DNSName& domain,
                                    const std::function<void(lmdb::WriteTxn&, ZoneRecord&)>& fn) {
  bool found = false;
  with_write([&](lmdb::WriteTxn& txn) {
    auto z = store_.find_zone(txn, to_name(domain));
    if (!z)
      return;
    fn(txn, *z);
    found = true;
  });
  return found;
}

std::string SignetBackend::tenant_for_account(const std::string& account) const {
  return account.empty() ? ctx_->config().default_tenant : account;
}

bool SignetBackend::createDomain(const DNSName& domain, const DomainInfo::DomainKind kind,
                                 const vector<ComboAddress>& masters, const string& account) {
  try {
    if (kind == DomainInfo::Consumer) {
      throw InputError(
          "zone '" + domain.toString() +
          "': Signet does not consume catalog zones (it produces them: kind producer)");
    }
    with_write([&](lmdb::WriteTxn& txn) {
      std::string tenant = tenant_for_account(account);
      portfolio_.tenant_or_create(txn, tenant, ctx_->config().auto_create_tenants);
      ZoneRecord z = portfolio_.create_zone(txn, tenant, to_name(domain), from_pdns_kind(kind));
      if (!masters.empty()) {
        std::vector<std::string> m;
        for (const auto& a : masters)
          m.push_back(a.toStringWithPortExcept(53));
        store_.set_meta(txn, z.id, kPrimariesMeta, m);
      }
    });
    g_log << Logger::Info << "[signet] created zone '" << domain << "' for tenant '"
          << tenant_for_account(account) << "'" << endl;
    return true;
  } catch (...) {
    rethrow_for_pdns();
  }
}

bool SignetBackend::deleteDomain(const DNSName& domain) {
  try {
    Name apex = to_name(domain);
    with_write([&](lmdb::WriteTxn& txn) { portfolio_.delete_zone(txn, apex); });
    // A transaction opened for this zone must not write it back at commit.
    if (writer_ && wzone_.name.equals(apex))
      writer_.reset();
    zones_.clear();
    g_log << Logger::Info << "[signet] deleted zone '" << domain << "'" << endl;
    return true;
  } catch (...) {
    rethrow_for_pdns();
  }
}

bool SignetBackend::startTransaction(const DNSName& domain, int domain_id) {
  try {
    if (wtxn_)
      throw DBException("signet: a transaction is already open on this backend");
    if (ctx_->thread_write_txn()) {
      throw DBException(
          "signet: this thread already has a transaction open through another backend");
    }
    wtxn_ = std::make_unique<lmdb::WriteTxn>(store_.env());
    auto z = store_.find_zone(*wtxn_, to_name(domain));
    if (!z) {
      wtxn_.reset();
      return false;
    }
    ctx_->set_thread_write_txn(wtxn_.get());
    w_.rrsets = lmdb::Cursor(*wtxn_, store_.dbi().rrsets);
    w_.rrsigs = lmdb::Cursor(*wtxn_, store_.dbi().rrsigs);
    w_.chain = lmdb::Cursor(*wtxn_, store_.dbi().chain);
    wzone_ = *z;
    writer_ = std::make_unique<ZoneWriter>(store_, *wtxn_, wzone_, ctx_->clock().now());
    writer_->set_hook(&ctx_->dnssec().signing());
    writer_->set_audit(&ctx_->audit());
    // pdns' contract: with a zone id, the transaction replaces the whole zone (AXFR-in,
    // pdnsutil load-zone, API zone creation); with -1 it edits.
    if (domain_id >= 0) {
      writer_->clear();
      // A secondary zone's data comes from its primary: a transfer (keystore/secondary_zones.hh).
      transfer_in_ = wzone_.kind == ZoneKind::kSecondary;
      if (transfer_in_ && is_presigned(store_, *wtxn_, wzone_.id)) {
        writer_->set_transfer_in(/*presigned=*/true);
        presigned_in_ = std::make_unique<PresignedTransfer>(store_, *wtxn_, wzone_);
      } else if (transfer_in_) {
        writer_->set_transfer_in();
      }
    }
    return true;
  } catch (...) {
    reset_transaction();
    rethrow_for_pdns();
  }
}

void SignetBackend::reset_transaction() {
  mode_ = Mode::kIdle;
  writer_.reset();
  presigned_in_.reset();
  transfer_in_ = false;
  w_ = Cursors();
  if (wtxn_) {
    if (ctx_->thread_write_txn() == wtxn_.get())
      ctx_->set_thread_write_txn(nullptr);
    wtxn_.reset();  // aborts unless committed
  }
  cursor_ = nullptr;
}

bool SignetBackend::commitTransaction() {
  if (!wtxn_)
    throw DBException("signet: commit without an open transaction");
  try {
    if (writer_) {
      writer_->finish();
      for (const auto& w : writer_->warnings()) {
        g_log << Logger::Warning << "[signet] zone '" << wzone_.name.to_text() << "': " << w
              << endl;
      }
      if (presigned_in_) {
        auto st = presigned_in_->finish(ctx_->dnssec().signing().rules(), ctx_->clock().now());
        g_log << (st.expired ? Logger::Warning : Logger::Info) << "[signet] zone '"
              << wzone_.name.to_text() << "': presigned, " << st.signatures
              << " signatures of its primary, " << st.links << " chain links"
              << (st.expired ? "; some of its signatures have expired: validators will fail it"
                             : "")
              << endl;
      }
      if (transfer_in_ && secondaries().secure_on_first_transfer(*wtxn_, wzone_, ctx_->dnssec())) {
        g_log << Logger::Notice << "[signet] zone '" << wzone_.name.to_text()
              << "': secured at its first transfer" << endl;
      }
    }
    writer_.reset();
    w_ = Cursors();
    wtxn_->commit();
    reset_transaction();
    zones_.clear();
    return true;
  } catch (...) {
    reset_transaction();
    rethrow_for_pdns();
  }
}

bool SignetBackend::abortTransaction() {
  reset_transaction();
  return true;
}

bool SignetBackend::feedRecord(const DNSResourceRecord& rr, const DNSName&, bool) {
  if (!writer_)
    throw DBException("signet: feedRecord without an open transaction");
  try {
    if (rr.disabled) {
      throw InputError("record " + rr.qname.toString() + " " + rr.qtype.toString() +
                       ": disabled records are not supported by signet");
    }
    uint16_t type = rr.qtype.getCode();
    if (type == QType::ENT)
      return true;  // we keep empty non-terminals ourselves
    std::vector<uint8_t> rdata;
    try {
      rdata = content_to_wire(type, rr.content, rr.qname);
    } catch (const PDNSException& e) {
      throw InputError("record " + rr.qname.toString() + " " + rr.qtype.toString() + ": " +
                       e.reason);
    } catch (const std::exception& e) {
      throw InputError("record " + rr.qname.toString() + " " + rr.qtype.toString() + ": " +
                       e.what());
    }
    if (presigned_in_ && type == QType::RRSIG)
      presigned_in_->add_signature(to_name(rr.qname), rr.ttl, rdata);
    else
      writer_->add(to_name(rr.qname), type, rr.ttl, rdata);
    return true;
  } catch (...) {
    rethrow_for_pdns();
  }
}

bool SignetBackend::replaceRRSet(uint32_t domain_id, const DNSName& qname, const QType& qt,
                                 const vector<DNSResourceRecord>& rrset) {
  try {
    const uint16_t type = qt.getCode();
    // The new RRsets by type. For type ANY pdns passes what the name keeps, of any types: "delete
    // all RRsets from a name" (RFC 2136 §2.5.3) keeps the apex SOA and NS (§3.4.2.3), as pdns'
    // SQL backends do by deleting the whole name and inserting those records again.
    struct NewRRset {
      uint32_t ttl = 0;
      std::vector<std::vector<uint8_t>> rdatas;
    };
    std::map<uint16_t, NewRRset> sets;
    if (type != QType::ANY)
      sets[type];
    for (const auto& rr : rrset) {
      if (rr.disabled)
        throw InputError("disabled records are not supported by signet");
      uint16_t t = type == QType::ANY ? rr.qtype.getCode() : type;
      if (t == QType::ANY)
        throw InputError("record " + qname.toString() + ": type ANY cannot be stored");
      NewRRset& set = sets[t];
      if (set.rdatas.empty())
        set.ttl = rr.ttl;
      set.rdatas.push_back(content_to_wire(t, rr.content, qname));
    }
    Name owner = to_name(qname);
    auto apply = [&](ZoneWriter& w) {
      if (type == QType::ANY) {
        for (uint16_t stored : w.editable_types_at(owner)) {
          if (!sets.count(stored))
            w.remove(owner, stored);
        }
      }
      for (auto& [t, set] : sets)
        w.replace(owner, t, set.ttl, std::move(set.rdatas));
    };
    if (writer_ && wzone_.id == domain_id) {
      apply(*writer_);
      writer_->apply_pending();  // later lookups in this transaction see the new RRset
      return true;
    }
    with_write([&](lmdb::WriteTxn& txn) {
      auto z = store_.zone_by_id(txn, domain_id);
      if (!z)
        throw NotFound("zone id " + std::to_string(domain_id) + " does not exist");
      ZoneWriter w(store_, txn, *z, ctx_->clock().now());
      w.set_hook(&ctx_->dnssec().signing());
      w.set_audit(&ctx_->audit());
      apply(w);
      w.finish();
    });
    return true;
  } catch (...) {
    rethrow_for_pdns();
  }
}

bool SignetBackend::setAccount(const DNSName& domain, const string& account) {
  try {
    with_write([&](lmdb::WriteTxn& txn) {
      portfolio_.move_zone(txn, to_name(domain), tenant_for_account(account),
                           ctx_->config().auto_create_tenants);
    });
    return true;
  } catch (...) {
    rethrow_for_pdns();
  }
}

bool SignetBackend::setKind(const DNSName& domain, const DomainInfo::DomainKind kind) {
  try {
    if (kind == DomainInfo::Consumer) {
      throw InputError(
          "zone '" + domain.toString() +
          "': Signet does not consume catalog zones (it produces them: kind producer)");
    }
    return with_zone_write(domain, [&](lmdb::WriteTxn& txn, ZoneRecord& z) {
      z.kind = from_pdns_kind(kind);
      if (is_catalog_kind(z.kind) && z.catalog_id != 0)
        catalogs().set_catalog(txn, z, std::nullopt);  // a catalog is no member
      store_.put_zone(txn, z);
    });
  } catch (...) {
    rethrow_for_pdns();
  }
}

bool SignetBackend::setMasters(const DNSName& domain, const vector<ComboAddress>& masters) {
  try {
    return with_zone_write(domain, [&](lmdb::WriteTxn& txn, ZoneRecord& z) {
      std::vector<std::string> m;
      for (const auto& a : masters)
        m.push_back(a.toStringWithPortExcept(53));
      store_.set_meta(txn, z.id, kPrimariesMeta, m);
    });
  } catch (...) {
    rethrow_for_pdns();
  }
}

// ------------------------------------------------------------------ catalog zones

bool SignetBackend::getCatalogMembers(const DNSName& catalog, vector<CatalogInfo>& members,
                                      CatalogInfo::CatalogType type) {
  try {
    members.clear();
    if (type != CatalogInfo::CatalogType::Producer)
      return false;  // Signet does not consume catalogs (setKind refuses the kind)
    AuxRead aux(*this);
    const lmdb::Txn& txn = aux.txn();
    auto cat = store_.find_zone(txn, to_name(catalog));
    if (!cat || cat->kind != ZoneKind::kProducer)
      return false;
    for (const ZoneRecord& z : catalogs().members(txn, *cat)) {
      if (!listed_in_catalog(z))
        continue;
      CatalogInfo ci;
      ci.d_id = z.id;
      ci.d_zone = to_dnsname(z.name);
      ci.fromJson(z.catalog_options, type);
      members.push_back(std::move(ci));
    }
    return true;
  } catch (...) {
    rethrow_for_pdns();
  }
}

bool SignetBackend::setCatalog(const DNSName& domain, const DNSName& catalog) {
  try {
    return with_zone_write(domain, [&](lmdb::WriteTxn& txn, ZoneRecord& z) {
      std::optional<ZoneRecord> cat;
      if (!catalog.empty()) {
        cat = store_.find_zone(txn, to_name(catalog));
        if (!cat)
          throw NotFound("catalog zone '" + catalog.toString() + "' does not exist");
      }
      catalogs().set_catalog(txn, z, cat);
    });
  } catch (...) {
    rethrow_for_pdns();
  }
}

bool SignetBackend::setOptions(const DNSName& domain, const string& options) {
  try {
    return with_zone_write(domain, [&](lmdb::WriteTxn& txn, ZoneRecord& z) {
      catalogs().set_options(txn, z, options);
    });
  } catch (...) {
    rethrow_for_pdns();
  }
}

void SignetBackend::alsoNotifies(const DNSName& domain, set<string>* ips) {
  // Runs in the communicator thread, like getUpdatedMasters: a store error costs the
  // also-notify, never the server.
  try {
    AuxRead aux(*this);
    const lmdb::Txn& txn = aux.txn();
    if (auto z = store_.find_zone(txn, to_name(domain))) {
      for (auto& ip : catalogs().effective_meta(txn, *z, "ALSO-NOTIFY"))
        ips->insert(std::move(ip));
    }
  } catch (const std::exception& e) {
    g_log << Logger::Error << "[signet] cannot read ALSO-NOTIFY of '" << domain << "': " << e.what()
          << endl;
  }
}

}  // namespace signet
