// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/zone_writer.hh"

#include "keystore/presigned_zones.hh"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "signer/canonical.hh"
#include "signer/error.hh"
#include "signer/rrsig.hh"  // time_before: RFC 1982 arithmetic
#include "signer/rrtype.hh"

namespace signet {

using codec::RRsetView;

std::string Where::suffix() const {
  if (file.empty())
    return "";
  return " (" + file + ":" + std::to_string(line) + ")";
}

namespace {

std::string describe(const Name& owner, uint16_t type) {
  return owner.to_text() + " " + rrtype_to_text(type);
}

// Sorts RDATA by canonical form (RFC 4034 §6.3) and drops duplicates, keeping the first spelling.
std::vector<std::vector<uint8_t>> canonical_set(uint16_t type,
                                                std::vector<std::vector<uint8_t>> in) {
  std::vector<std::vector<uint8_t>> canon(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    canon[i] = in[i];
    canonicalize_rdata(type, canon[i]);
  }
  std::vector<size_t> order(in.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return compare_rdata(canon[a], canon[b]) < 0; });
  std::vector<std::vector<uint8_t>> out;
  out.reserve(in.size());
  const std::vector<uint8_t>* last = nullptr;
  for (size_t i : order) {
    if (last && compare_rdata(*last, canon[i]) == 0)
      continue;
    last = &canon[i];
    out.push_back(std::move(in[i]));
  }
  return out;
}

// The encoded SOA RRset `v` (its one record is `rdata`) with the serial set to `serial`.
std::string soa_rrset_with_serial(const RRsetView& v, std::span<const uint8_t> rdata,
                                  uint32_t serial) {
  return codec::encode_rrset(v.flags, v.ttl, {codec::with_soa_serial(rdata, serial)}, v.owner_case);
}

bool has_upper(std::span<const uint8_t> labels) {
  for (uint8_t c : labels) {
    if (c >= 'A' && c <= 'Z')
      return true;
  }
  return false;
}

}  // namespace

ZoneWriter::ZoneWriter(Store& store, lmdb::WriteTxn& txn, ZoneRecord& zone, uint64_t now)
    : store_(store),
      txn_(txn),
      zone_(zone),
      now_(now),
      serial_before_(zone.serial),
      had_soa_(zone.flags & codec::kZoneHasSoa) {}

void ZoneWriter::check_owner(const Name& owner, uint16_t type, const Where& where) const {
  if (!owner.is_subdomain_of(zone_.name)) {
    throw InputError("record " + describe(owner, type) + " is outside zone '" +
                     zone_.name.to_text() + "'" + where.suffix());
  }
  if (rrtype_is_meta(type)) {
    throw InputError("record " + describe(owner, type) + ": type " + rrtype_to_text(type) +
                     " cannot be stored in a zone" + where.suffix());
  }
  if (type == rrtype::SOA && !owner.equals(zone_.name)) {
    throw InputError("SOA record '" + owner.to_text() + "' is not at the apex of zone '" +
                     zone_.name.to_text() + "'" + where.suffix());
  }
}

void ZoneWriter::check_boundary(const Name& owner, const Where& where) {
  if (owner.equals(zone_.name))
    return;
  if (!boundary_)
    boundary_.emplace(store_, txn_);
  try {
    boundary_->check(zone_.tenant_id, owner, TenantBoundary::Claim::kRecord, &zone_);
  } catch (const Conflict& e) {
    throw Conflict(e.what() + where.suffix());
  }
}

ZoneWriter::Pending& ZoneWriter::pending_for(const Name& owner, uint16_t type, const Where& where) {
  auto [it, inserted] = pending_.try_emplace(codec::rrset_key(zone_.id, relative(owner), type));
  if (inserted) {
    it->second.owner = owner;
    it->second.type = type;
    it->second.where = where;
  }
  return it->second;
}

void ZoneWriter::touch(const Name& owner, uint16_t type, const Where& where) {
  auto rel = relative(owner);
  Touch& t = touched_[codec::name_prefix(zone_.id, rel)];
  t.owner = owner;
  if (t.where.empty())
    t.where = where;
  if (type == rrtype::NS && !rel.empty())
    t.ns_changed = true;
  if (type == rrtype::SOA)
    soa_written_ = true;
}

void ZoneWriter::clear() {
  txn_.del_prefix(store_.dbi().rrsets, codec::zone_prefix(zone_.id));
  pending_.clear();
  touched_.clear();
  cleared_ = true;
  changed_ = true;
  soa_written_ = true;  // the replacement brings its own SOA
}

void ZoneWriter::add(const Name& owner, uint16_t type, uint32_t ttl, std::span<const uint8_t> rdata,
                     const Where& where) {
  check_owner(owner, type, where);
  if (presigned_ && rrtype_is_signer_generated(type)) {
    if (type == rrtype::RRSIG)
      throw Error("RRSIG " + describe(owner, type) + " handed to the writer of a presigned zone");
    return;  // NSEC, NSEC3, NSEC3PARAM: pdns builds them from the chain
  }
  if (transfer_in_ && !presigned_ && (rrtype_is_signer_generated(type) || type == rrtype::DNSKEY)) {
    throw InputError("zone '" + zone_.name.to_text() + "': the primary sends a signed zone (" +
                     describe(owner, type) +
                     "); Signet signs the zones it receives: have the primary send the zone "
                     "unsigned, or mark the zone presigned (signetutil create-secondary "
                     "--presigned, pdnsutil set-presigned) to serve the primary's signatures");
  }
  if (rrtype_is_signer_generated(type) || managed(type)) {
    warnings_.push_back("skipped " + describe(owner, type) +
                        ": Signet produces these records itself" + where.suffix());
    return;
  }
  if (ttl > 0x7fffffffu) {
    throw InputError("record " + describe(owner, type) + ": TTL " + std::to_string(ttl) +
                     " exceeds 2147483647 (RFC 2181 §8)" + where.suffix());
  }
  try {
    validate_rdata(type, rdata);
  } catch (const InputError& e) {
    throw InputError("record " + describe(owner, type) + ": " + e.what() + where.suffix());
  }
  check_boundary(owner, where);
  Pending& p = pending_for(owner, type, where);
  if (p.mode == Mode::kDelete) {
    p.mode = Mode::kReplace;
    p.rdatas.clear();
    p.ttl = ttl;
  } else if (p.rdatas.empty()) {
    p.ttl = ttl;
  } else if (p.ttl != ttl) {
    warnings_.push_back("record " + describe(owner, type) + ": TTL " + std::to_string(ttl) +
                        " differs from its RRset's TTL " + std::to_string(p.ttl) + "; using " +
                        std::to_string(p.ttl) + " (RFC 2181 §5.2)" + where.suffix());
  }
  p.rdatas.emplace_back(rdata.begin(), rdata.end());
  touch(owner, type, where);
  ++records_added_;
}

void ZoneWriter::replace(const Name& owner, uint16_t type, uint32_t ttl,
                         std::vector<std::vector<uint8_t>> rdatas, const Where& where) {
  check_owner(owner, type, where);
  if (rrtype_is_signer_generated(type) || managed(type)) {
    throw InputError("record " + describe(owner, type) + ": Signet produces " +
                     rrtype_to_text(type) + " records itself" + where.suffix());
  }
  if (ttl > 0x7fffffffu) {
    throw InputError("record " + describe(owner, type) + ": TTL " + std::to_string(ttl) +
                     " exceeds 2147483647 (RFC 2181 §8)" + where.suffix());
  }
  for (const auto& r : rdatas) {
    try {
      validate_rdata(type, r);
    } catch (const InputError& e) {
      throw InputError("record " + describe(owner, type) + ": " + e.what() + where.suffix());
    }
  }
  if (!rdatas.empty())
    check_boundary(owner, where);
  Pending& p = pending_for(owner, type, where);
  p.mode = rdatas.empty() ? Mode::kDelete : Mode::kReplace;
  p.ttl = ttl;
  records_added_ += rdatas.size();
  p.rdatas = std::move(rdatas);
  touch(owner, type, where);
}

void ZoneWriter::remove(const Name& owner, uint16_t type) {
  check_owner(owner, type, {});
  if (managed(type)) {
    throw InputError("record " + describe(owner, type) + ": Signet manages the " +
                     rrtype_to_text(type) + " records of this secured zone");
  }
  Pending& p = pending_for(owner, type, {});
  p.mode = Mode::kDelete;
  p.rdatas.clear();
  touch(owner, type, {});
}

std::vector<uint16_t> ZoneWriter::editable_types_at(const Name& owner) {
  std::vector<uint16_t> types;
  if (!owner.is_subdomain_of(zone_.name))
    return types;
  flush();
  std::string prefix = codec::name_prefix(zone_.id, relative(owner));
  lmdb::Cursor c(txn_, store_.dbi().rrsets);
  for (bool ok = c.seek_prefix(prefix); ok && c.key_has_prefix(prefix); ok = c.next()) {
    uint16_t type = codec::rrset_key_type(c.key_bytes());
    if (type != rrtype::kEnt && !rrtype_is_signer_generated(type) && !managed(type))
      types.push_back(type);
  }
  return types;
}

bool ZoneWriter::managed(uint16_t type) {
  if (managed_keys_allowed_ || !hook_)
    return false;
  if (type != rrtype::DNSKEY && type != rrtype::CDS && type != rrtype::CDNSKEY)
    return false;
  if (managed_keys_ < 0)
    managed_keys_ = hook_->manages_keys(txn_, zone_) ? 1 : 0;
  return managed_keys_ == 1;
}

void ZoneWriter::flush() {
  const MDB_dbi dbi = store_.dbi().rrsets;
  for (auto& [key, p] : pending_) {
    if (audit_ && changed_rrsets_.size() < 1000)
      changed_rrsets_.push_back(describe(p.owner, p.type) + (p.mode == Mode::kDelete ? " deleted"
                                                             : p.mode == Mode::kReplace
                                                                 ? " replaced"
                                                                 : " added"));
    if (p.mode == Mode::kDelete) {
      if (txn_.del(dbi, key))
        changed_ = true;
      continue;
    }
    uint32_t ttl = p.ttl;
    std::vector<std::vector<uint8_t>> all = std::move(p.rdatas);
    if (p.mode == Mode::kMerge) {
      if (auto existing = txn_.find(dbi, key)) {
        RRsetView v = codec::decode_rrset(*existing);
        auto it = v.rdatas();
        std::span<const uint8_t> r;
        std::vector<std::vector<uint8_t>> old;
        while (it.next(r))
          old.emplace_back(r.begin(), r.end());
        all.insert(all.begin(), std::make_move_iterator(old.begin()),
                   std::make_move_iterator(old.end()));
      }
    }
    all = canonical_set(p.type, std::move(all));
    if (all.size() > 65535) {
      throw InputError("RRset " + describe(p.owner, p.type) + " has more than 65535 records" +
                       p.where.suffix());
    }
    auto rel = relative(p.owner);
    std::span<const uint8_t> owner_case = has_upper(rel) ? rel : std::span<const uint8_t>();
    txn_.put(dbi, key, codec::encode_rrset(codec::kAuth, ttl, all, owner_case));
    changed_ = true;
  }
  pending_.clear();
}

bool ZoneWriter::has_rows(std::span<const uint8_t> rel) {
  lmdb::Cursor c(txn_, store_.dbi().rrsets);
  return c.seek_prefix(codec::name_prefix(zone_.id, rel));
}

bool ZoneWriter::has_type(std::span<const uint8_t> rel, uint16_t type) {
  return txn_.find(store_.dbi().rrsets, codec::rrset_key(zone_.id, rel, type)).has_value();
}

bool ZoneWriter::has_descendants(std::span<const uint8_t> rel) {
  // Keys of the name itself continue with 0x00 after its namekey; a descendant's continue with a
  // label octet, which is never 0x00 (see the escape in codec.hh).
  std::string prefix = codec::subtree_prefix(zone_.id, rel);
  lmdb::Cursor c(txn_, store_.dbi().rrsets);
  return c.seek(prefix + '\x01') && c.key_has_prefix(prefix);
}

bool ZoneWriter::below_cut(std::span<const uint8_t> rel) {
  Name owner = Name::concat(rel, zone_.name);
  for (Name a = owner.parent(); !a.equals(zone_.name) && !a.is_root(); a = a.parent()) {
    if (has_type(relative(a), rrtype::NS))
      return true;
  }
  return false;
}

void ZoneWriter::put_ent(std::span<const uint8_t> rel) {
  uint8_t flags = below_cut(rel) ? 0 : codec::kAuth;
  txn_.put(store_.dbi().rrsets, codec::rrset_key(zone_.id, rel, rrtype::kEnt),
           codec::encode_rrset(flags, 0, {}));
  ent_changes_.push_back(Name::concat(rel, zone_.name));
}

void ZoneWriter::fix_ents(const Touch& t) {
  auto rel = relative(t.owner);
  if (rel.empty())
    return;  // the apex is never an empty non-terminal
  const MDB_dbi dbi = store_.dbi().rrsets;
  const std::string ent_key = codec::rrset_key(zone_.id, rel, rrtype::kEnt);

  bool real = false;
  {
    std::string prefix = codec::name_prefix(zone_.id, rel);
    lmdb::Cursor c(txn_, dbi);
    for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
      if (codec::rrset_key_type(c.key_bytes()) != rrtype::kEnt) {
        real = true;
        break;
      }
    }
  }
  if (real) {
    txn_.del(dbi, ent_key);
    for (Name a = t.owner.parent(); !a.equals(zone_.name) && !a.is_root(); a = a.parent()) {
      auto arel = relative(a);
      if (has_rows(arel))
        break;  // an existing name's ancestors exist already
      put_ent(arel);
    }
    return;
  }
  if (has_descendants(rel)) {
    if (!has_type(rel, rrtype::kEnt))
      put_ent(rel);
    return;
  }
  txn_.del(dbi, ent_key);
  for (Name a = t.owner.parent(); !a.equals(zone_.name) && !a.is_root(); a = a.parent()) {
    auto arel = relative(a);
    if (!has_type(arel, rrtype::kEnt) || has_descendants(arel))
      break;
    txn_.del(dbi, codec::rrset_key(zone_.id, arel, rrtype::kEnt));
    ent_changes_.push_back(a);
  }
}

void ZoneWriter::check_cname(const Touch& t) {
  auto rel = relative(t.owner);
  std::string prefix = codec::name_prefix(zone_.id, rel);
  lmdb::Cursor c(txn_, store_.dbi().rrsets);
  bool cname = false;
  size_t others = 0;
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    uint16_t type = codec::rrset_key_type(c.key_bytes());
    if (type == rrtype::CNAME) {
      cname = true;
    } else if (type != rrtype::kEnt) {
      ++others;
    }
  }
  if (cname && others > 0) {
    throw Conflict("zone '" + zone_.name.to_text() + "': '" + t.owner.to_text() +
                   "' would have a CNAME and other data (RFC 1034 §3.6.2)" + t.where.suffix());
  }
}

void ZoneWriter::fix_auth_range(const std::string& prefix, bool below) {
  const MDB_dbi dbi = store_.dbi().rrsets;
  struct Row {
    std::string key;
    uint16_t type;
    uint8_t flags;
  };
  std::vector<std::pair<std::string, std::string>> updates;
  std::vector<Row> group;
  std::string cut;  // subtree prefix of the innermost delegation seen, "" when none is active

  auto settle = [&] {
    if (group.empty())
      return;
    const std::string& k0 = group.front().key;
    std::string_view name_part(k0.data(), k0.size() - 3);  // zone_id + namekey
    bool is_apex = name_part.size() == 4;
    if (!cut.empty() &&
        !(name_part.size() > cut.size() && name_part.substr(0, cut.size()) == cut)) {
      cut.clear();
    }
    bool is_below = below || !cut.empty();
    bool has_ns =
        std::any_of(group.begin(), group.end(), [](const Row& r) { return r.type == rrtype::NS; });
    bool at_cut = !is_below && has_ns && !is_apex;
    for (const Row& r : group) {
      bool auth = !is_below && (!at_cut || r.type == rrtype::DS);
      uint8_t want = auth ? (r.flags | codec::kAuth) : (r.flags & ~codec::kAuth);
      if (want != r.flags) {
        auto v = txn_.find(dbi, r.key);
        if (v)
          updates.emplace_back(r.key, codec::with_rrset_flags(*v, want));
      }
    }
    if (at_cut)
      cut = std::string(name_part);
    group.clear();
  };

  lmdb::Cursor c(txn_, dbi);
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    std::string_view key = c.key();
    if (!group.empty()) {
      const std::string& k0 = group.front().key;
      if (key.size() != k0.size() ||
          key.substr(0, key.size() - 2) != std::string_view(k0).substr(0, k0.size() - 2)) {
        settle();
      }
    }
    auto kb = c.key_bytes();
    group.push_back(
        Row{std::string(key), codec::rrset_key_type(kb), codec::rrset_value_flags(c.value())});
  }
  settle();
  for (const auto& [k, v] : updates)
    txn_.put(dbi, k, v);
}

void ZoneWriter::fix_auth_of_name(std::span<const uint8_t> rel) {
  // Only this name's rows: the same rule as fix_auth_range, with "below" from the ancestors.
  bool below = !rel.empty() && below_cut(rel);
  std::string prefix = codec::name_prefix(zone_.id, rel);
  // fix_auth_range treats a name whose prefix is `prefix` as the first group; pass it so.
  fix_auth_range(prefix, below);
}

void ZoneWriter::fix_names() {
  for (const auto& [key, t] : touched_) {
    fix_ents(t);
    check_cname(t);
  }
  if (cleared_) {
    fix_auth_range(codec::zone_prefix(zone_.id), false);
    return;
  }
  for (const auto& [key, t] : touched_) {
    auto rel = relative(t.owner);
    if (t.ns_changed) {
      fix_auth_range(codec::subtree_prefix(zone_.id, rel), !rel.empty() && below_cut(rel));
    } else {
      fix_auth_of_name(rel);
    }
  }
}

void ZoneWriter::check_soa_and_serial() {
  const MDB_dbi dbi = store_.dbi().rrsets;
  const std::string soa_key = codec::rrset_key(zone_.id, {}, rrtype::SOA);
  auto soa = txn_.find(dbi, soa_key);
  if (!soa) {
    lmdb::Cursor c(txn_, dbi);
    if (c.seek_prefix(codec::zone_prefix(zone_.id))) {
      throw Conflict("zone '" + zone_.name.to_text() +
                     "' would have data but no SOA record at its apex");
    }
    zone_.serial = 0;
    zone_.flags &= static_cast<uint8_t>(~codec::kZoneHasSoa);
  } else {
    zone_.flags |= codec::kZoneHasSoa;
    RRsetView v = codec::decode_rrset(*soa);
    if (v.count != 1) {
      throw Conflict("zone '" + zone_.name.to_text() + "' would have " + std::to_string(v.count) +
                     " SOA records; exactly one is allowed");
    }
    std::span<const uint8_t> rdata;
    auto it = v.rdatas();
    it.next(rdata);
    if (rdata.size() < 22)
      throw CorruptionError("short SOA record in zone " + zone_.name.to_text());
    uint32_t serial = codec::soa_fields(rdata).serial;
    if (transfer_in_ && soa_written_) {
      // Two serials (keystore/secondary_zones.hh): the primary's is kept for pdns' freshness
      // checks; ours, which secondaries downstream compare, never goes back or stays put while
      // the data changes, even when our re-signs have taken it past the primary's.
      zone_.upstream_serial = serial;
      zone_.flags |= codec::kZoneUpstreamSerial;
      if (presigned_) {
        // The primary signed this SOA: it is served as it came.
        if (had_soa_ && time_before(serial, serial_before_)) {
          warnings_.push_back("the primary's SOA serial " + std::to_string(serial) +
                              " is behind the zone's " + std::to_string(serial_before_) +
                              " (RFC 1982): secondaries will not take this change");
        }
      } else if (had_soa_ && !time_before(serial_before_, serial)) {
        serial = serial_before_ + 1;  // RFC 1982
        serial_bumped_ = true;
        txn_.put(dbi, soa_key, soa_rrset_with_serial(v, rdata, serial));
      }
    } else if (bump_serial_ && !soa_written_ && changed_) {
      serial_bumped_ = true;
      serial += 1;  // RFC 1982 serial arithmetic: addition modulo 2^32
      txn_.put(dbi, soa_key, soa_rrset_with_serial(v, rdata, serial));
    } else if (soa_written_ && changed_ && had_soa_ && time_before(serial, serial_before_)) {
      // A secondary transfers a zone only when its serial moves forward (RFC 1034 §4.3.5, in
      // RFC 1982 arithmetic): a serial written lower would hide this change, and every later
      // one, from all of them until the serial caught up again. Whatever the path (a zone file,
      // the API, a transfer in), the zone's serial moves on from where it was.
      warnings_.push_back("SOA serial " + std::to_string(serial) + " is behind the zone's serial " +
                          std::to_string(serial_before_) + " (RFC 1982); stored as " +
                          std::to_string(serial_before_ + 1) +
                          " so that secondaries see the change");
      serial = serial_before_ + 1;
      serial_bumped_ = true;
      txn_.put(dbi, soa_key, soa_rrset_with_serial(v, rdata, serial));
    }
    zone_.serial = serial;
  }
  if (changed_) {
    // Re-read the zone record: other fields (tenant, kind) may have been changed in this
    // transaction since the writer was made, and a deleted zone must stay deleted.
    auto current = store_.zone_by_id(txn_, zone_.id);
    if (!current)
      return;
    current->serial = zone_.serial;
    current->flags = zone_.flags;
    current->upstream_serial = zone_.upstream_serial;
    current->modified = now_;
    zone_ = *current;
    store_.put_zone(txn_, zone_);
  }
}

void ZoneWriter::finish() {
  if (finished_)
    throw std::logic_error("ZoneWriter::finish called twice");
  finished_ = true;
  flush();
  if (!transfer_in_ && changed_ && zone_.kind == ZoneKind::kSecondary &&
      is_presigned(store_, txn_, zone_.id)) {
    throw Conflict("zone '" + zone_.name.to_text() +
                   "' is presigned: its primary signs it, and Signet serves it as the primary "
                   "sends it; change it at the primary");
  }
  fix_names();
  check_soa_and_serial();
  if (hook_ && (changed_ || cleared_)) {
    ZoneEdit edit;
    edit.replaced = cleared_;
    edit.soa_changed = soa_written_ || serial_bumped_;
    for (const auto& [key, t] : touched_) {
      edit.names.push_back(t.owner);
      if (t.ns_changed)
        edit.subtrees.push_back(t.owner);
    }
    // Empty non-terminals that came or went are names too (they are in an NSEC3 chain).
    edit.names.insert(edit.names.end(), ent_changes_.begin(), ent_changes_.end());
    hook_->after_edit(txn_, zone_, *this, edit);
  }
  if (audit_ && (changed_ || cleared_)) {
    Json list = Json::array();
    for (size_t i = 0; i < changed_rrsets_.size() && i < 50; ++i)
      list.push_back(changed_rrsets_[i]);
    auto tenant = store_.tenant_by_id(txn_, zone_.tenant_id);
    audit_->append(txn_, cleared_ ? "zone-replaced" : "zone-changed", zone_.tenant_id, zone_.id,
                   tenant ? tenant->name : "", zone_.name.to_text(),
                   Json{{"serial_before", serial_before_},
                        {"serial_after", zone_.serial},
                        {"rrsets", changed_rrsets_.size()},
                        {"records", records_added_},
                        {"changes", list}});
  }
}

uint32_t ZoneWriter::bump_serial_now() {
  const MDB_dbi dbi = store_.dbi().rrsets;
  const std::string soa_key = codec::rrset_key(zone_.id, {}, rrtype::SOA);
  auto soa = txn_.find(dbi, soa_key);
  if (!soa)
    throw Conflict("zone '" + zone_.name.to_text() + "' has no SOA record");
  RRsetView v = codec::decode_rrset(*soa);
  std::span<const uint8_t> rdata;
  auto it = v.rdatas();
  it.next(rdata);
  uint32_t serial = codec::soa_fields(rdata).serial + 1;  // RFC 1982
  txn_.put(dbi, soa_key, soa_rrset_with_serial(v, rdata, serial));
  serial_bumped_ = true;
  if (auto current = store_.zone_by_id(txn_, zone_.id)) {
    current->serial = serial;
    current->modified = now_;
    zone_ = *current;
    store_.put_zone(txn_, zone_);
  }
  return serial;
}

}  // namespace signet
