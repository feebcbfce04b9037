// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/pdns_records.hh"

#include <algorithm>
#include <set>
#include <tuple>

#include "signer/error.hh"
#include "signer/rdata_text.hh"
#include "signer/rrtype.hh"

namespace signet::api::pdns {

namespace {

std::string upper(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string rrset_text(const Name& owner, const std::string& type) {
  return "RRset " + owner.to_text() + " IN " + type;
}

// Content as pdns' API takes it: names in it absolute. Parsing once with the root and once with
// another origin as the completion of relative names tells whether the text had one: the two
// results differ exactly then (pdns refuses such content, "Not in expected format").
std::vector<uint8_t> record_content(const Body& record, const Name& owner, uint16_t type) {
  static const Name kRoot;
  static const Name kProbe = Name::from_text("relative-name-probe.signet.invalid.");
  std::string content = record.string("content");
  std::string what =
      "Record " + owner.to_text() + "/" + rrtype_to_text(type) + " '" + content + "': ";
  std::vector<uint8_t> rdata;
  try {
    rdata = rdata_from_text(type, content, kRoot);
  } catch (const InputError& e) {
    record.fail("content", what + e.what());
  }
  std::vector<uint8_t> probed;
  try {
    probed = rdata_from_text(type, content, kProbe);
  } catch (const InputError&) {
    probed.clear();
  }
  if (probed != rdata) {
    record.fail("content",
                what + "Not in expected format (parsed as '" + rdata_to_text(type, rdata) + "')");
  }
  return rdata;
}

uint16_t rrset_type(const Body& rrset, const Name& owner) {
  std::string text = rrset.string("type");
  uint16_t type = 0;
  try {
    type = rrtype_from_text(text);
  } catch (const InputError&) {
    rrset.fail("type", rrset_text(owner, text) + ": unknown type given");
  }
  if (type == rrtype::kEnt || rrtype_is_meta(type))
    rrset.fail("type", rrset_text(owner, text) + ": invalid type given");
  return type;
}

// The records of a REPLACE: parsed, and checked as pdns checks new records.
void read_records(const Body& rrset, const Name& zone, RRsetChange& change) {
  const std::string name = rrset_text(change.owner, rrtype_to_text(change.type));
  int64_t ttl = rrset.integer("ttl");
  if (ttl < 0 || ttl > 0x7fffffff)
    rrset.fail("ttl", name + ": TTL " + std::to_string(ttl) + " is out of range");
  change.ttl = static_cast<uint32_t>(ttl);
  const Json* records = rrset.optional_array("records");
  for (size_t j = 0; j < records->size(); ++j) {
    Body record = rrset.element("records", j);
    if (record.optional_bool("disabled").value_or(false))
      record.fail("disabled", name + ": Signet does not keep disabled records");
    auto rdata = record_content(record, change.owner, change.type);
    if (std::find(change.rdatas.begin(), change.rdatas.end(), rdata) != change.rdatas.end()) {
      record.fail("content", "Duplicate record in " + name.substr(6) + " with content \"" +
                                 record.string("content") + "\"");
    }
    change.rdatas.push_back(std::move(rdata));
  }
  bool single =
      change.type == rrtype::CNAME || change.type == rrtype::DNAME || change.type == rrtype::SOA;
  if (single && change.rdatas.size() > 1)
    rrset.fail("records", name + " has more than one record");
  bool apex = change.owner.equals(zone);
  std::string record_name =
      "Record " + change.owner.to_text() + " IN " + rrtype_to_text(change.type);
  if (!change.rdatas.empty() && !apex &&
      (change.type == rrtype::SOA || change.type == rrtype::DNSKEY))
    rrset.fail("name", record_name + " is only allowed at apex");
  if (!change.rdatas.empty() && apex && change.type == rrtype::DS)
    rrset.fail("name", record_name + " is not allowed at apex");
  change.remove = change.rdatas.empty();
}

// One element of "rrsets"; `changetype`: read it (PATCH) or take REPLACE (zone creation).
RRsetChange read_rrset(const Body& rrset, const Name& zone, bool changetype, std::string& kind) {
  RRsetChange change;
  change.owner = body_name(rrset.string("name"), rrset.field("name"), true);
  change.type = rrset_type(rrset, change.owner);
  kind = changetype ? upper(rrset.string("changetype")) : "REPLACE";
  const std::string name = rrset_text(change.owner, rrtype_to_text(change.type));
  if (kind == "DELETE") {
    change.remove = true;
    return change;
  }
  if (kind != "REPLACE")
    rrset.fail("changetype", "Changetype not understood");
  if (!change.owner.is_subdomain_of(zone))
    rrset.fail("name", name + ": Name is out of zone");
  bool records = rrset.optional_array("records") != nullptr;
  bool comments = rrset.optional_array("comments") != nullptr;
  if (!records) {
    if (changetype && !comments)
      rrset.fail("records", "No change for " + name);
    change.records_given = false;
    return change;
  }
  read_records(rrset, zone, change);
  return change;
}

std::vector<RRsetChange> read_rrsets(const Body& body, const Name& zone, bool changetype) {
  std::vector<RRsetChange> out;
  const Json* rrsets = body.optional_array("rrsets");
  if (!rrsets)
    return out;
  std::set<std::tuple<std::string, uint16_t, std::string>> seen;
  for (size_t i = 0; i < rrsets->size(); ++i) {
    Body rrset = body.element("rrsets", i);
    std::string kind;
    RRsetChange change = read_rrset(rrset, zone, changetype, kind);
    if (!seen.emplace(change.owner.lowered().to_text(), change.type, kind).second) {
      rrset.fail("name", "Duplicate " + rrset_text(change.owner, rrtype_to_text(change.type)) +
                             " with changetype: " + kind);
    }
    out.push_back(std::move(change));
  }
  return out;
}

// Content as pdns' SQL backends store it (names without their trailing dot): search-data
// matches that text too.
std::string stored_form(const std::string& content) {
  std::string out;
  for (size_t i = 0; i < content.size(); ++i) {
    bool token_end = i + 1 == content.size() || content[i + 1] == ' ';
    if (content[i] == '.' && token_end && i > 0)
      continue;
    out += content[i];
  }
  return out;
}

}  // namespace

Json rrsets_json(Store& store, const lmdb::Txn& txn, const ZoneRecord& zone) {
  std::vector<Json> list;
  for_each_rrset(
      store, txn, zone, [&](const Name& owner, uint16_t type, const codec::RRsetView& v) {
        Json records = Json::array();
        auto it = v.rdatas();
        std::span<const uint8_t> rdata;
        while (it.next(rdata))
          records.push_back(Json{{"content", rdata_to_text(type, rdata)}, {"disabled", false}});
        list.push_back(Json{{"comments", Json::array()},
                            {"name", owner.to_text()},
                            {"records", std::move(records)},
                            {"ttl", v.ttl},
                            {"type", rrtype_to_text(type)}});
      });
  // pdns lists names and types in descending order; the store iterates them ascending.
  Json out = Json::array();
  for (auto it = list.rbegin(); it != list.rend(); ++it)
    out.push_back(std::move(*it));
  return out;
}

std::vector<RRsetChange> patch_changes(const Body& body, const Name& zone) {
  if (!body.optional_array("rrsets"))
    body.fail("rrsets", "No rrsets given in update request");
  return read_rrsets(body, zone, true);
}

std::vector<RRsetChange> create_changes(const Body& body, const Name& zone) {
  return read_rrsets(body, zone, false);
}

void apply_changes(ZoneWriter& writer, const Name& zone, const std::vector<RRsetChange>& changes) {
  for (const auto& c : changes) {
    if (!c.records_given)
      continue;  // comments only: Signet keeps no comments
    if (c.remove) {
      // A DELETE outside the zone finds nothing to delete (pdns allows it to clean up).
      if (c.owner.is_subdomain_of(zone))
        writer.remove(c.owner, c.type);
    } else {
      writer.replace(c.owner, c.type, c.ttl, c.rdatas);
    }
  }
}

void search_records(Store& store, const lmdb::Txn& txn, const std::vector<ZoneRecord>& zones,
                    const std::string& pattern, size_t max, Json& out) {
  size_t found = 0;
  for (const auto& zone : zones) {
    if (found >= max)
      return;
    for_each_rrset(store, txn, zone,
                   [&](const Name& owner, uint16_t type, const codec::RRsetView& v) {
                     std::string name = owner.to_text();
                     std::string bare = owner.is_root() ? name : name.substr(0, name.size() - 1);
                     bool name_matches = pattern_matches(pattern, bare);
                     auto it = v.rdatas();
                     std::span<const uint8_t> rdata;
                     while (found < max && it.next(rdata)) {
                       std::string content = rdata_to_text(type, rdata);
                       if (!name_matches && !pattern_matches(pattern, content) &&
                           !pattern_matches(pattern, stored_form(content)))
                         continue;
                       out.push_back(Json{{"content", content},
                                          {"disabled", false},
                                          {"name", name},
                                          {"object_type", "record"},
                                          {"ttl", v.ttl},
                                          {"type", rrtype_to_text(type)},
                                          {"zone", zone.name.to_text()},
                                          {"zone_id", zone_id(zone.name)}});
                       ++found;
                     }
                   });
  }
}

}  // namespace signet::api::pdns
