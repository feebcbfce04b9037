// SPDX-License-Identifier: GPL-2.0-or-later
#include "evidence/audit_excerpt.hh"

#include <optional>
#include <sstream>

#include "signer/encoding.hh"
#include "signer/json.hh"

namespace signet::evidence {

namespace {

using Hash = std::array<uint8_t, 32>;

Json entry_line(const AuditEntry& e) {
  return Json{{"seq", e.seq},         {"time", e.time},     {"tenant_id", e.tenant_id},
              {"zone_id", e.zone_id}, {"kind", e.kind},     {"actor", e.actor},
              {"tenant", e.tenant},   {"zone", e.zone},     {"detail", e.detail},
              {"prev", hex(e.prev)},  {"hash", hex(e.hash)}};
}

std::optional<Hash> hash_field(const Json& j, const char* name) {
  if (!j.contains(name) || !j[name].is_string())
    return std::nullopt;
  auto raw = from_hex(j[name].get<std::string>());
  if (!raw || raw->size() != 32)
    return std::nullopt;
  Hash h{};
  std::copy(raw->begin(), raw->end(), h.begin());
  return h;
}

// The entry a line describes; nullopt when a field is missing or of the wrong type.
std::optional<AuditEntry> entry_of(const Json& j) {
  try {
    AuditEntry e;
    e.seq = j.at("seq").get<uint64_t>();
    e.time = j.at("time").get<uint64_t>();
    e.tenant_id = j.at("tenant_id").get<uint32_t>();
    e.zone_id = j.at("zone_id").get<uint32_t>();
    e.kind = j.at("kind").get<std::string>();
    e.actor = j.at("actor").get<std::string>();
    e.tenant = j.at("tenant").get<std::string>();
    e.zone = j.at("zone").get<std::string>();
    e.detail = j.at("detail").get<std::string>();
    auto prev = hash_field(j, "prev"), hash = hash_field(j, "hash");
    if (!prev || !hash)
      return std::nullopt;
    e.prev = *prev;
    e.hash = *hash;
    return e;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::string audit_excerpt(const AuditLog& log, const lmdb::Txn& txn, uint64_t from,
                          const std::function<bool(const AuditEntry&)>& in_scope) {
  std::string out;
  bool started = false;
  std::optional<Json> run;  // the omitted run being collected
  auto flush = [&] {
    if (run)
      out += json_text(*run) + "\n";
    run.reset();
  };
  log.for_each(txn, [&](const AuditEntry& e) {
    if (!started && e.time < from)
      return;
    started = true;
    if (in_scope(e)) {
      flush();
      out += json_text(entry_line(e)) + "\n";
      return;
    }
    if (!run)
      run = Json{{"omitted", {{"from", e.seq}, {"to", e.seq}}}, {"prev", hex(e.prev)}};
    (*run)["omitted"]["to"] = e.seq;
    (*run)["hash"] = hex(e.hash);
  });
  flush();
  AuditHead head = log.head(txn);
  out += json_text(Json{{"head", {{"seq", head.seq}, {"hash", hex(head.hash)}}}}) + "\n";
  return out;
}

ExcerptVerdict verify_audit_excerpt(const std::string& text) {
  ExcerptVerdict v;
  auto problem = [&](std::string s) {
    if (v.problems.size() < 50)
      v.problems.push_back(std::move(s));
  };
  std::istringstream in(text);
  std::string line;
  size_t n = 0;
  std::optional<uint64_t> last_seq;
  std::optional<Hash> last_hash;
  bool head_seen = false;
  while (std::getline(in, line)) {
    ++n;
    std::string where = "audit.jsonl line " + std::to_string(n);
    if (head_seen) {
      problem(where + ": follows the head line");
      continue;
    }
    Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      problem(where + ": not a JSON object");
      continue;
    }
    if (j.contains("head")) {
      head_seen = true;
      std::optional<Hash> h = j["head"].is_object() ? hash_field(j["head"], "hash") : std::nullopt;
      if (!h || !j["head"].contains("seq") || !j["head"]["seq"].is_number_unsigned()) {
        problem(where + ": malformed head");
        continue;
      }
      uint64_t seq = j["head"]["seq"].get<uint64_t>();
      if (last_seq && (*last_seq != seq || last_hash != h))
        problem(where + ": the excerpt does not end at the chain head (entry " +
                std::to_string(seq) + ")");
      continue;
    }
    uint64_t first = 0, last = 0;
    std::optional<Hash> prev, hash;
    if (j.contains("omitted")) {
      const Json& o = j["omitted"];
      if (!o.is_object() || !o.contains("from") || !o.contains("to") ||
          !o["from"].is_number_unsigned() || !o["to"].is_number_unsigned()) {
        problem(where + ": malformed omitted run");
        continue;
      }
      first = o["from"].get<uint64_t>();
      last = o["to"].get<uint64_t>();
      prev = hash_field(j, "prev");
      hash = hash_field(j, "hash");
      if (!prev || !hash || last < first) {
        problem(where + ": malformed omitted run");
        continue;
      }
      v.omitted += last - first + 1;
    } else {
      auto e = entry_of(j);
      if (!e) {
        problem(where + ": malformed audit entry");
        continue;
      }
      first = last = e->seq;
      prev = e->prev;
      hash = e->hash;
      ++v.entries;
      if (audit_entry_hash(*e) != e->hash)
        problem("audit entry " + std::to_string(e->seq) + " (" + where +
                ") was altered: its hash does not match its content");
    }
    if (last_seq && first != *last_seq + 1)
      problem(where + ": entries " + std::to_string(*last_seq + 1) + ".." +
              std::to_string(first - 1) + " are missing from the excerpt");
    if (last_hash && prev != last_hash)
      problem("audit entry " + std::to_string(first) + " (" + where +
              ") does not link to the entry before it (its prev is not that entry's hash)");
    if (!last_seq && first == 1 && prev != Hash{})
      problem(where + ": the first entry of the log has a predecessor");
    last_seq = last;
    last_hash = hash;
  }
  if (!head_seen)
    problem("audit.jsonl: the chain head line is missing (the excerpt was truncated)");
  return v;
}

}  // namespace signet::evidence
