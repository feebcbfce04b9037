// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/zonefile.hh"

#include "signer/knot.hh"

#include <filesystem>
#include <memory>

#include "keystore/signing.hh"
#include "signer/error.hh"
#include "signer/rdata_text.hh"
#include "signer/rrtype.hh"

namespace signet {

namespace {

struct ScannerDeleter {
  void operator()(zs_scanner_t* s) const {
    zs_deinit(s);
    delete s;
  }
};
using ScannerPtr = std::unique_ptr<zs_scanner_t, ScannerDeleter>;

void scan_file(const std::string& path, const Name& origin, uint32_t default_ttl, unsigned depth,
               const std::function<void(const ZoneFileRecord&)>& fn, const ZoneFileOptions& opts) {
  if (!std::filesystem::is_regular_file(path)) {
    throw InputError(path + ": cannot read zone file (missing or not a regular file)");
  }
  ScannerPtr s(new zs_scanner_t());
  std::string origin_text = origin.to_text();
  if (zs_init(s.get(), origin_text.c_str(), KNOT_CLASS_IN, default_ttl) != 0) {
    delete s.release();
    throw Error("cannot initialise the zone scanner");
  }
  if (zs_set_input_file(s.get(), path.c_str()) != 0) {
    throw InputError(path + ": cannot read zone file: " + zs_strerror(s->error.code));
  }
  Where where{path, 0};
  while (zs_parse_record(s.get()) == 0) {
    switch (s->state) {
      case ZS_STATE_DATA: {
        where.line = s->line_counter;
        if (s->r_class != KNOT_CLASS_IN) {
          throw InputError(path + ":" + std::to_string(where.line) + ": class " +
                           std::to_string(s->r_class) + " is not supported, only IN");
        }
        Name owner;
        try {
          owner = Name::from_wire({s->r_owner, s->r_owner_length});
        } catch (const InputError& e) {
          throw InputError(path + ":" + std::to_string(where.line) + ": " + e.what());
        }
        fn(ZoneFileRecord{owner, s->r_type, s->r_ttl, {s->r_data, s->r_data_length}, where});
        break;
      }
      case ZS_STATE_INCLUDE: {
        if (depth >= opts.max_include_depth) {
          throw InputError(path + ":" + std::to_string(s->line_counter) +
                           ": $INCLUDE nested deeper than " +
                           std::to_string(opts.max_include_depth));
        }
        // libzscanner resolves a relative path against the including file's directory and leaves
        // the origin for the included file in `buffer` as NUL-terminated presentation text.
        std::filesystem::path inc(s->include_filename);
        if (inc.is_relative())
          inc = std::filesystem::path(path).parent_path() / inc;
        Name inc_origin = Name::from_text(reinterpret_cast<const char*>(s->buffer));
        scan_file(inc.string(), inc_origin, s->default_ttl, depth + 1, fn, opts);
        break;
      }
      case ZS_STATE_ERROR:
        throw InputError(path + ":" + std::to_string(s->line_counter) + ": " +
                         zs_strerror(s->error.code));
      case ZS_STATE_EOF:
      case ZS_STATE_STOP:
        return;
      default:
        break;
    }
  }
  if (s->state == ZS_STATE_ERROR || s->error.code != 0) {
    throw InputError(path + ":" + std::to_string(s->line_counter) + ": " +
                     zs_strerror(s->error.code));
  }
}

}  // namespace

void read_zone_file(const std::string& path, const Name& origin,
                    const std::function<void(const ZoneFileRecord&)>& fn,
                    const ZoneFileOptions& options) {
  scan_file(path, origin, options.default_ttl, 0, fn, options);
}

void write_zone_file(Store& store, const lmdb::Txn& txn, const ZoneRecord& zone, std::ostream& out,
                     bool dnssec) {
  auto emit = [&](const Name& owner, uint16_t type, const codec::RRsetView& v) {
    std::string head =
        owner.to_text() + "\t" + std::to_string(v.ttl) + "\tIN\t" + rrtype_to_text(type) + "\t";
    auto it = v.rdatas();
    std::span<const uint8_t> rdata;
    while (it.next(rdata))
      out << head << rdata_to_text(type, rdata) << "\n";
  };
  if (auto soa = store.get_rrset(txn, zone.id, {}, rrtype::SOA))
    emit(zone.name, rrtype::SOA, *soa);

  for_each_rrset(store, txn, zone,
                 [&](const Name& owner, uint16_t type, const codec::RRsetView& v) {
                   if (type != rrtype::SOA || !owner.equals(zone.name))  // the SOA came first
                     emit(owner, type, v);
                 });
  if (!dnssec)
    return;
  auto state_value = txn.find(store.dbi().dnssec, codec::u32_key(zone.id));
  if (!state_value)
    return;
  codec::DnssecRecord state = codec::decode_dnssec(*state_value);
  auto line = [&](const Name& owner, uint16_t type, uint32_t ttl, std::span<const uint8_t> rdata) {
    out << owner.to_text() << "\t" << ttl << "\tIN\t" << rrtype_to_text(type) << "\t"
        << rdata_to_text(type, rdata) << "\n";
  };
  for_each_denial_record(store, txn, zone, state, line);
  std::string prefix = codec::zone_prefix(zone.id);
  uint8_t labels[Name::kMaxWire];
  lmdb::Cursor s(txn, store.dbi().rrsigs);
  for (bool ok = s.seek_prefix(prefix); ok; ok = s.next() && s.key_has_prefix(prefix)) {
    size_t n = codec::decode_namekey(codec::split_rrsig_key(s.key_bytes()).namekey, labels);
    auto v = codec::decode_rrsig_value(s.value());
    line(Name::concat({labels, n}, zone.name.lowered()), rrtype::RRSIG, v.ttl, v.rdata);
  }
}

}  // namespace signet
