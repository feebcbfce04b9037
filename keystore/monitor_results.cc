// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/monitor_results.hh"

#include <algorithm>
#include <map>

#include "signer/clock.hh"

namespace signet {

namespace {

constexpr const char* kParentSubject = "parent-ds";

Json ede_json(const std::optional<uint16_t>& ede) {
  return ede ? Json(*ede) : Json();
}
Json ede_text_json(const std::optional<uint16_t>& ede, const std::string& text) {
  return ede ? Json(text) : Json();
}

// `history` with `fresh` in front, at most kMonitorChecks entries per resolver (resolvers no
// longer configured age out the same way).
std::vector<codec::MonitorResult> bounded_history(const std::vector<codec::MonitorResult>& fresh,
                                                  const std::vector<codec::MonitorResult>& old) {
  std::vector<codec::MonitorResult> out;
  std::map<std::string, size_t> per;
  auto add = [&](codec::MonitorResult h) {
    if (++per[h.resolver] > codec::kMonitorChecks)
      return;
    h.detail.clear();
    out.push_back(std::move(h));
  };
  for (const auto& r : fresh)
    add(r);
  for (const auto& r : old)
    add(r);
  return out;
}

Json parent_servers_states(const std::vector<codec::MonitorParentServer>& servers) {
  Json out = Json::object();
  for (const auto& s : servers)
    out[s.server] = parent_ds_check_name(parent_ds_check_from(s.state));
  return out;
}

}  // namespace

std::string monitor_state_name(MonitorState s) {
  switch (s) {
    case MonitorState::kUnknown:
      return "unknown";
    case MonitorState::kSecure:
      return "secure";
    case MonitorState::kInsecure:
      return "insecure";
    case MonitorState::kUnreachable:
      return "unreachable";
    case MonitorState::kBogus:
      return "bogus";
  }
  return "unknown";
}

MonitorState monitor_state_from(uint8_t v) {
  return v <= static_cast<uint8_t>(MonitorState::kBogus) ? static_cast<MonitorState>(v)
                                                         : MonitorState::kUnknown;
}

std::string parent_ds_check_name(ParentDsCheck s) {
  switch (s) {
    case ParentDsCheck::kUnknown:
      return "unknown";
    case ParentDsCheck::kMatch:
      return "match";
    case ParentDsCheck::kUnreachable:
      return "unreachable";
    case ParentDsCheck::kMissing:
      return "missing";
    case ParentDsCheck::kMismatch:
      return "mismatch";
  }
  return "unknown";
}

ParentDsCheck parent_ds_check_from(uint8_t v) {
  return v <= static_cast<uint8_t>(ParentDsCheck::kMismatch) ? static_cast<ParentDsCheck>(v)
                                                             : ParentDsCheck::kUnknown;
}

MonitorState monitor_worst(const codec::MonitorRecord& m) {
  MonitorState worst = MonitorState::kUnknown;
  for (const auto& r : m.results)
    worst = std::max(worst, monitor_state_from(r.state));
  return worst;
}

ParentDsCheck parent_ds_worst(const std::vector<codec::MonitorParentServer>& servers) {
  ParentDsCheck worst = ParentDsCheck::kUnknown;
  for (const auto& s : servers)
    worst = std::max(worst, parent_ds_check_from(s.state));
  return worst;
}

std::string monitor_result_text(const codec::MonitorResult& r) {
  std::string out = monitor_state_name(monitor_state_from(r.state)) + " at " + r.resolver;
  if (r.ede) {
    out += " (EDE " + std::to_string(*r.ede) + (r.ede_text.empty() ? "" : ": " + r.ede_text) + ")";
  }
  return out;
}

std::optional<codec::MonitorRecord> MonitorResults::find(const lmdb::Txn& txn,
                                                         uint32_t zone_id) const {
  auto v = txn.find(store_.dbi().monitor, codec::zone_prefix(zone_id));
  if (!v)
    return std::nullopt;
  return codec::decode_monitor(zone_id, *v);
}

void MonitorResults::record(lmdb::WriteTxn& txn, const ZoneRecord& zone,
                            const MonitorFindings& f) const {
  codec::MonitorRecord m = find(txn, zone.id).value_or(codec::MonitorRecord{});
  std::vector<codec::MonitorChange> changes;
  for (const auto& r : f.results) {
    MonitorState before = MonitorState::kUnknown;
    for (const auto& old : m.results) {
      if (old.resolver == r.resolver)
        before = monitor_state_from(old.state);
    }
    MonitorState after = monitor_state_from(r.state);
    if (before == after)
      continue;
    changes.push_back({f.at, r.resolver, static_cast<uint8_t>(before), r.state, r.ede, r.ede_text});
    events_.record(txn, zone, "validation-changed",
                   Json{{"resolver", r.resolver},
                        {"from", monitor_state_name(before)},
                        {"to", monitor_state_name(after)},
                        {"ede", ede_json(r.ede)},
                        {"ede_text", ede_text_json(r.ede, r.ede_text)},
                        {"reason", r.detail}});
  }
  m.checked_at = f.at;
  m.history = bounded_history(f.results, m.history);
  m.results = f.results;
  if (f.parent) {
    ParentDsCheck before = parent_ds_check_from(m.parent_state);
    ParentDsCheck after = parent_ds_worst(*f.parent);
    if (before != after) {
      changes.push_back({f.at, kParentSubject, static_cast<uint8_t>(before),
                         static_cast<uint8_t>(after), std::nullopt, ""});
      events_.record(txn, zone, "parent-ds-changed",
                     Json{{"from", parent_ds_check_name(before)},
                          {"to", parent_ds_check_name(after)},
                          {"servers", parent_servers_states(*f.parent)}});
    }
    m.parent_state = static_cast<uint8_t>(after);
    m.parent_checked_at = f.at;
    m.parent_servers = *f.parent;
  }
  changes.insert(changes.end(), m.changes.begin(), m.changes.end());
  if (changes.size() > codec::kMonitorChanges)
    changes.resize(codec::kMonitorChanges);
  m.changes = std::move(changes);
  txn.put(store_.dbi().monitor, codec::zone_prefix(zone.id), codec::encode_monitor(m));
}

Json monitor_json(const std::string& zone, const std::optional<codec::MonitorRecord>& m) {
  Json doc{{"zone", zone}};
  if (!m) {
    doc["status"] = "unknown";
    doc["checked_at"] = Json();
    doc["resolvers"] = Json::array();
    doc["parent_ds"] = Json{{"state", "unknown"}, {"servers", Json::array()}};
    doc["history"] = Json::array();
    return doc;
  }
  doc["status"] = monitor_state_name(monitor_worst(*m));
  doc["checked_at"] = m->checked_at ? Json(iso8601_utc(m->checked_at)) : Json();
  Json resolvers = Json::array();
  for (const auto& r : m->results) {
    resolvers.push_back(Json{{"resolver", r.resolver},
                             {"state", monitor_state_name(monitor_state_from(r.state))},
                             {"ede", ede_json(r.ede)},
                             {"ede_text", ede_text_json(r.ede, r.ede_text)},
                             {"latency_ms", r.latency_ms},
                             {"at", iso8601_utc(r.at)},
                             {"detail", r.detail}});
  }
  doc["resolvers"] = resolvers;
  Json servers = Json::array();
  for (const auto& s : m->parent_servers) {
    servers.push_back(Json{{"server", s.server},
                           {"state", parent_ds_check_name(parent_ds_check_from(s.state))},
                           {"ds", s.ds}});
  }
  doc["parent_ds"] = Json{{"state", parent_ds_check_name(parent_ds_check_from(m->parent_state))},
                          {"servers", servers}};
  Json history = Json::array();
  for (const auto& h : m->history) {
    history.push_back(Json{{"at", iso8601_utc(h.at)},
                           {"resolver", h.resolver},
                           {"state", monitor_state_name(monitor_state_from(h.state))},
                           {"ede", ede_json(h.ede)},
                           {"ede_text", ede_text_json(h.ede, h.ede_text)}});
  }
  doc["history"] = history;
  return doc;
}

}  // namespace signet
