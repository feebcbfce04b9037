// SPDX-License-Identifier: GPL-2.0-or-later
//
// RFC 1035 §5 master files, both ways. Reading goes through libzscanner (Knot DNS's scanner:
// $ORIGIN, $TTL, $INCLUDE, multi-line records, every record type it knows); writing uses libknot's
// presentation format, so what list-zone prints load-zone reads back identically.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <span>
#include <string>

#include "keystore/store.hh"
#include "keystore/zone_writer.hh"
#include "signer/name.hh"

namespace signet {

struct ZoneFileRecord {
  const Name& owner;
  uint16_t type;
  uint32_t ttl;
  std::span<const uint8_t> rdata;
  const Where& where;
};

struct ZoneFileOptions {
  uint32_t default_ttl = 3600;  // until a $TTL directive says otherwise
  unsigned max_include_depth = 10;
};

// Streams every record of the master file `path` to `fn`, with `origin` as the initial $ORIGIN.
// A relative $INCLUDE path is taken relative to the directory of the file that includes it.
// Throws InputError "<file>:<line>: <reason>" at the first error; what `fn` throws propagates.
void read_zone_file(const std::string& path, const Name& origin,
                    const std::function<void(const ZoneFileRecord&)>& fn,
                    const ZoneFileOptions& options = {});

// Writes the zone as a master file: absolute owner names, explicit TTL and class on every line,
// the SOA first, then canonical order. With `dnssec`, a secured zone comes with its RRSIGs and its
// NSEC/NSEC3 chain as pdns serves them (a complete signed zone, for validators).
void write_zone_file(Store& store, const lmdb::Txn& txn, const ZoneRecord& zone, std::ostream& out,
                     bool dnssec = false);

}  // namespace signet
