// SPDX-License-Identifier: GPL-2.0-or-later
//
// Fuzz target: the zone-file loader (conf/zonefile, libzscanner underneath) fed arbitrary text, and
// what it parses loaded into a zone through Portfolio::replace_zone / ZoneWriter exactly as
// `signetutil load-zone` does, so the writer's checks and invariants run on hostile input.
//
//  * Parsing and loading may refuse the input only with a signet::Error (an InputError naming
//    file:line, a Conflict...); any other exception, crash or sanitizer report is a finding.
//  * A loaded zone must satisfy the stored-zone invariants (invariants.hh).
//  * An unsigned zone must survive `list-zone` → `load-zone` unchanged: the master file Signet
//    writes reads back into exactly the same rows (README: "load-zone reads back identically").
//  * An input containing ";secure" is also secured (Ed25519, NSEC3 — or NSEC with ";nsec") and
//    must then verify with Dnssec::verify.
//
// $INCLUDE is not followed: it would read files outside the harness (and an input including
// itself is only bounded by the include depth). Inputs naming it are skipped.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "conf/zonefile.hh"
#include "signer/policy.hh"
#include "tests/fuzz/harness.hh"
#include "tests/fuzz/invariants.hh"

using namespace signet;

namespace {

struct Record {
  Name owner;
  uint16_t type;
  uint32_t ttl;
  std::vector<uint8_t> rdata;
  Where where;
};

bool contains_nocase(std::string_view text, std::string_view needle) {
  auto it = std::search(text.begin(), text.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return std::tolower(a) == std::tolower(b); });
  return it != text.end();
}

void write_file(const std::string& path, std::string_view text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(text.data(), static_cast<std::streamsize>(text.size()));
}

// Parses `path`; nullopt when the loader refuses it (with a signet::Error).
std::optional<std::vector<Record>> parse(const std::string& path, const Name& origin) {
  std::vector<Record> out;
  try {
    read_zone_file(path, origin, [&](const ZoneFileRecord& r) {
      out.push_back(Record{r.owner, r.type, r.ttl, {r.rdata.begin(), r.rdata.end()}, r.where});
    });
  } catch (const Error&) {
    return std::nullopt;
  }
  return out;
}

// Every rrsets row of the zone (key without the zone id, value).
std::vector<std::pair<std::string, std::string>> rows(Store& store, const lmdb::Txn& txn,
                                                      uint32_t zone_id) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string prefix = codec::zone_prefix(zone_id);
  lmdb::Cursor c(txn, store.dbi().rrsets);
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    auto v = c.value();
    out.emplace_back(std::string(c.key().substr(4)),
                     std::string(reinterpret_cast<const char*>(v.data()), v.size()));
  }
  return out;
}

void load(fuzz::Harness& h, lmdb::WriteTxn& txn, const Name& apex,
          const std::vector<Record>& records) {
  h.portfolio->replace_zone(txn, "fuzz", apex, [&](ZoneWriter& w) {
    for (const auto& r : records)
      w.add(r.owner, r.type, r.ttl, r.rdata, r.where);
  });
}

void check(fuzz::Harness& h, const lmdb::Txn& txn, const Name& apex, const char* stage) {
  auto zone = h.store->find_zone(txn, apex);
  if (!zone)
    fuzz::fail(std::string(stage) + ": the loaded zone is missing");
  auto problems = fuzz::zone_problems(*h.store, txn, *zone, *h.dnssec);
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems)
      all += "\n  " + p;
    fuzz::fail(std::string(stage) + ": zone invariants broken:" + all);
  }
}

void run(std::string_view text) {
  fuzz::Harness& h = fuzz::Harness::get();
  const Name apex = Name::from_text("example.com.");
  const std::string path = h.file("input.zone");
  write_file(path, text);
  auto records = parse(path, apex);
  if (!records)
    return;

  bool secure = contains_nocase(text, ";secure");
  {
    auto txn = h.store->begin_write();
    try {
      load(h, txn, apex, *records);
      if (secure) {
        ZoneRecord z = h.portfolio->zone(txn, apex);
        SigningPolicy policy = *builtin_policy("ed25519");
        if (contains_nocase(text, ";nsec"))
          policy.denial = DenialMode::kNsec;
        h.dnssec->signing().secure(txn, z, policy, 1);
      }
    } catch (const Error&) {
      return;  // refused: the transaction aborts, nothing was written
    }
    txn.commit();
  }
  {
    auto txn = h.store->begin_read();
    check(h, txn, apex, "load");
  }

  if (!secure) {
    // list-zone, then load-zone of what it printed: the same rows.
    std::ostringstream listed;
    std::vector<std::pair<std::string, std::string>> before;
    {
      auto txn = h.store->begin_read();
      ZoneRecord z = h.portfolio->zone(txn, apex);
      write_zone_file(*h.store, txn, z, listed);
      before = rows(*h.store, txn, z.id);
    }
    const std::string again = h.file("listed.zone");
    write_file(again, listed.str());
    auto reread = parse(again, apex);
    if (!reread)
      fuzz::fail("list-zone wrote a master file that does not parse:\n" + listed.str());
    auto txn = h.store->begin_write();
    try {
      load(h, txn, apex, *reread);
    } catch (const Error& e) {
      fuzz::fail(std::string("list-zone output does not load again: ") + e.what() + "\n" +
                 listed.str());
    }
    auto after = rows(*h.store, txn, h.portfolio->zone(txn, apex).id);
    if (after != before)
      fuzz::fail("list-zone output loads into different rows:\n" + listed.str());
  }

  auto txn = h.store->begin_write();
  h.portfolio->delete_zone(txn, apex);
  txn.commit();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (contains_nocase(text, "include"))
    return 0;
  run(text);
  return 0;
}
