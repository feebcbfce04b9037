// SPDX-License-Identifier: GPL-2.0-or-later
//
// Records as PowerDNS' HTTP API v1 shows and changes them (pdns 4.7): RRsets of a zone as JSON
// objects {name, type, ttl, records: [{content, disabled}], comments}, the rrsets of a PATCH
// (changetype REPLACE or DELETE) checked and turned into ZoneWriter operations, and the record
// half of search-data. Record content is read and printed by the one codec
// (signer/rdata_text.hh); names in content must be absolute, as pdns requires.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/pdns_codec.hh"
#include "keystore/store.hh"
#include "keystore/zone_writer.hh"
#include "signer/json.hh"

namespace signet::api::pdns {

// The zone's RRsets as the API lists them (pdns' order: names and types descending).
Json rrsets_json(Store& store, const lmdb::Txn& txn, const ZoneRecord& zone);

// One RRset of a request: what to do with owner/type.
struct RRsetChange {
  Name owner;
  uint16_t type = 0;
  bool remove = false;        // DELETE (or REPLACE with no records)
  bool records_given = true;  // false: REPLACE of comments only (Signet keeps no comments)
  uint32_t ttl = 0;
  std::vector<std::vector<uint8_t>> rdatas;
};

// Reads and checks the "rrsets" of a PATCH body for zone `zone`. Throws InputError naming the
// field ("rrsets[1].records[0].content: ...") at the first bad RRset, so nothing is written.
std::vector<RRsetChange> patch_changes(const Body& body, const Name& zone);
// Reads and checks the "rrsets" of a zone creation (no changetype; every RRset replaces).
std::vector<RRsetChange> create_changes(const Body& body, const Name& zone);
// Applies the changes to the writer of zone `zone` (all of them in one batch).
void apply_changes(ZoneWriter& writer, const Name& zone, const std::vector<RRsetChange>& changes);

// The record half of search-data: records of `zones` whose name or content matches `pattern`,
// at most `max`, appended to `out`.
void search_records(Store& store, const lmdb::Txn& txn, const std::vector<ZoneRecord>& zones,
                    const std::string& pattern, size_t max, Json& out);

}  // namespace signet::api::pdns
