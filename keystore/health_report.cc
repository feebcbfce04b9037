// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/health_report.hh"

#include <algorithm>
#include <map>
#include <sstream>

#include "signer/clock.hh"

namespace signet {

HealthSurvey survey_health(KeyManager& keyman, Dnssec& dnssec, Store& store, const lmdb::Txn& txn,
                           const std::vector<ZoneRecord>& zones,
                           const std::function<std::string(uint32_t)>& tenant_name, uint64_t now) {
  HealthSurvey s;
  s.store = assess_store(store.env().usage(txn));
  s.worst = s.store.status;
  std::map<uint32_t, std::string> names;
  for (const auto& z : zones) {
    auto it = names.find(z.tenant_id);
    if (it == names.end())
      it = names.emplace(z.tenant_id, tenant_name(z.tenant_id)).first;
    ZoneHealth h = assess_zone(keyman, dnssec, store, txn, z, it->second, now);
    ++s.count[static_cast<int>(h.status)];
    s.worst = std::max(s.worst, h.status);
    s.zones.push_back(std::move(h));
  }
  return s;
}

Json key_status_json(const KeyStatus& k) {
  const KeyTimes& t = k.times;
  return Json{
      {"tag", t.tag},
      {"role", key_role_name(t.role)},
      {"algorithm", algorithm_name(t.algorithm)},
      {"state", key_state_name(k.state)},
      {"published", k.published},
      {"signing", k.signing},
      {"created", time_text(t.created)},
      {"publish", time_text(t.publish)},
      {"activate", time_text(t.activate)},
      {"inactive", time_text(t.inactive)},
      {"remove", time_text(t.remove)},
      {"ds_submitted", time_text(t.ds_submitted)},
      {"ds_seen", time_text(t.ds_seen)},
      {"ds_retired", time_text(t.ds_retired)},
      {"ds_gone", time_text(t.ds_gone)},
      {"next_event", k.next_event ? k.next_event_what + " at " + time_text(k.next_event) : ""}};
}

Json key_statuses_json(const std::vector<KeyStatus>& keys) {
  Json out = Json::array();
  for (const auto& k : keys)
    out.push_back(key_status_json(k));
  return out;
}

Json zone_health_json(const ZoneHealth& h) {
  Json z{{"zone", h.zone},
         {"tenant", h.tenant},
         {"status", health_status_name(h.status)},
         {"reasons", h.reasons},
         {"signed", h.secured || h.presigned}};
  if (h.presigned) {
    z["presigned"] = true;
    z["denial"] = h.denial;
    z["earliest_rrsig_expiry"] = time_text(h.earliest_expiry);
  }
  if (h.secured) {
    z["policy"] = h.policy;
    z["denial"] = h.denial;
    z["earliest_rrsig_expiry"] = time_text(h.earliest_expiry);
    z["next_refresh"] = time_text(h.next_refresh);
    z["rollover"] = rollover_kind_name(h.rollover);
    z["rollover_status"] = h.rollover_status;
    z["cds"] = h.cds_delete ? "delete" : h.cds_published ? "published" : "none";
    z["parent_ds"] = parent_ds_state_name(h.parent_ds);
    z["parent_checked"] = time_text(h.parent_checked_at);
    z["parent_unreachable"] = h.parent_unreachable;
    z["next_key_event"] =
        h.next_key_event ? h.next_key_event_what + " at " + time_text(h.next_key_event) : "";
    z["keys"] = key_statuses_json(h.keys);
    z["monitor"] = monitor_state_name(h.monitor);
    z["monitor_checked"] = time_text(h.monitor_checked_at);
  }
  return z;
}

Json store_health_json(const StoreHealth& s) {
  const auto& u = s.usage;
  return Json{{"status", health_status_name(s.status)},
              {"reason", s.reason},
              {"map_bytes", u.map_bytes},
              {"used_bytes", u.used_bytes},
              {"available_bytes", u.available_bytes()}};
}

void write_health_json(std::ostream& out, const HealthSurvey& s) {
  // The same text as json_text(health_json(s)), one zone at a time: a document of 100,000 zone
  // objects built first took seconds and most of the memory.
  std::string head = json_text(Json{{"status", health_status_name(s.worst)},
                                    {"store", store_health_json(s.store)},
                                    {"ok", s.count[0]},
                                    {"warning", s.count[1]},
                                    {"critical", s.count[2]}});
  head.pop_back();  // the closing brace: "zones" follows
  out << head << ",\"zones\":[";
  for (size_t i = 0; i < s.zones.size(); ++i)
    out << (i ? "," : "") << json_text(zone_health_json(s.zones[i]));
  out << "]}";
}

Json health_json(const HealthSurvey& s) {
  Json zones = Json::array();
  for (const auto& h : s.zones)
    zones.push_back(zone_health_json(h));
  return Json{{"status", health_status_name(s.worst)},
              {"store", store_health_json(s.store)},
              {"ok", s.count[0]},
              {"warning", s.count[1]},
              {"critical", s.count[2]},
              {"zones", zones}};
}

namespace {

// Prometheus label values: escape backslash, double quote and newline.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string metrics_text(const HealthSurvey& s) {
  std::ostringstream out;
  auto head = [&](const char* name, const char* type, const char* help) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
  };
  head("signet_zones", "gauge", "Zones by health status.");
  for (int i = 0; i < 3; ++i) {
    out << "signet_zones{status=\"" << health_status_name(static_cast<HealthStatus>(i)) << "\"} "
        << s.count[i] << "\n";
  }
  auto zl = [&](const ZoneHealth& h) {
    return "tenant=\"" + label(h.tenant) + "\",zone=\"" + label(h.zone) + "\"";
  };
  head("signet_store_map_bytes", "gauge", "Size of the store's map (signet-map-size).");
  out << "signet_store_map_bytes " << s.store.usage.map_bytes << "\n";
  head("signet_store_available_bytes", "gauge",
       "What writes can still take: the map above the high-water mark plus freed pages.");
  out << "signet_store_available_bytes " << s.store.usage.available_bytes() << "\n";
  head("signet_store_status", "gauge", "Health of the store: 0 ok, 1 warning, 2 critical.");
  out << "signet_store_status " << static_cast<int>(s.store.status) << "\n";
  head("signet_zone_status", "gauge", "Health of the zone: 0 ok, 1 warning, 2 critical.");
  for (const auto& h : s.zones)
    out << "signet_zone_status{" << zl(h) << "} " << static_cast<int>(h.status) << "\n";
  head("signet_zone_signed", "gauge", "1 if the zone is signed.");
  for (const auto& h : s.zones)
    out << "signet_zone_signed{" << zl(h) << "} " << (h.secured || h.presigned ? 1 : 0) << "\n";
  head("signet_zone_rrsig_expiry_timestamp_seconds", "gauge",
       "Earliest RRSIG expiration of the zone (Unix time).");
  for (const auto& h : s.zones) {
    if ((h.secured || h.presigned) && h.earliest_expiry)
      out << "signet_zone_rrsig_expiry_timestamp_seconds{" << zl(h) << "} " << h.earliest_expiry
          << "\n";
  }
  head("signet_zone_next_key_event_timestamp_seconds", "gauge",
       "When a key of the zone next changes state (Unix time).");
  for (const auto& h : s.zones) {
    if (h.secured && h.next_key_event)
      out << "signet_zone_next_key_event_timestamp_seconds{" << zl(h) << "} " << h.next_key_event
          << "\n";
  }
  head("signet_zone_cds_published", "gauge", "1 if CDS/CDNSKEY are published (2: delete records).");
  for (const auto& h : s.zones) {
    if (h.secured)
      out << "signet_zone_cds_published{" << zl(h) << "} "
          << (h.cds_delete      ? 2
              : h.cds_published ? 1
                                : 0)
          << "\n";
  }
  head("signet_zone_parent_ds", "gauge",
       "What the parent's DS RRset says (one series per zone, value 1, state label).");
  for (const auto& h : s.zones) {
    if (h.secured)
      out << "signet_zone_parent_ds{" << zl(h) << ",state=\"" << parent_ds_state_name(h.parent_ds)
          << "\"} 1\n";
  }
  head("signet_zone_parent_unreachable", "gauge",
       "1 while the zone's parent cannot be reached (no resolver or parent server answers): "
       "rollovers that need the parent wait.");
  for (const auto& h : s.zones) {
    if (h.secured)
      out << "signet_zone_parent_unreachable{" << zl(h) << "} " << (h.parent_unreachable ? 1 : 0)
          << "\n";
  }
  head("signet_zone_rollover_in_progress", "gauge", "1 while a rollover runs (kind label).");
  for (const auto& h : s.zones) {
    if (h.secured)
      out << "signet_zone_rollover_in_progress{" << zl(h) << ",kind=\""
          << rollover_kind_name(h.rollover) << "\"} " << (h.rollover == RolloverKind::kNone ? 0 : 1)
          << "\n";
  }
  head("signet_monitor_zones", "gauge",
       "Secured zones by what validating resolvers see (worst over resolvers; the validation "
       "monitor).");
  {
    size_t by[5] = {0, 0, 0, 0, 0};
    for (const auto& h : s.zones) {
      if (h.secured)
        ++by[static_cast<int>(h.monitor)];
    }
    for (int i = 0; i < 5; ++i) {
      out << "signet_monitor_zones{state=\"" << monitor_state_name(static_cast<MonitorState>(i))
          << "\"} " << by[i] << "\n";
    }
  }
  head("signet_key_state", "gauge", "One series per key, value 1, with its state.");
  for (const auto& h : s.zones) {
    for (const auto& k : h.keys) {
      out << "signet_key_state{" << zl(h) << ",tag=\"" << k.times.tag << "\",role=\""
          << key_role_name(k.times.role) << "\",algorithm=\"" << algorithm_number(k.times.algorithm)
          << "\",state=\"" << key_state_name(k.state) << "\"} 1\n";
    }
  }
  return out.str();
}

std::string ds_list_text(const std::vector<std::pair<uint16_t, uint8_t>>& ds) {
  std::string s;
  for (const auto& [tag, alg] : ds)
    s += (s.empty() ? "" : " ") + std::to_string(tag) + "/" + std::to_string(alg);
  return s.empty() ? "none" : s;
}

Json rollover_status_json(const ZoneKeyStatus& s) {
  const auto& r = s.rollover;
  std::string req = r.request_kind ? rollover_kind_name(static_cast<RolloverKind>(r.request_kind))
                                   : (r.request_emergency ? "emergency" : "");
  std::string status = r.status.empty() ? s.plan.status : r.status;
  Json parent{{"checked", time_text(r.parent_checked_at)},
              {"ds", ds_list_text(r.parent_ds)},
              {"ds_any", ds_list_text(r.parent_ds_any)},
              {"unknown_ds", r.parent_unknown},
              {"failures", r.parent_failures},
              {"error", r.last_check_error},
              {"next_check", time_text(r.next_parent_check)}};
  Json submission{{"pending", r.submit_key != 0},
                  {"failures", r.submit_failures},
                  {"error", r.last_error},
                  {"next", time_text(r.next_submit)}};
  return Json{{"zone", s.zone.name.to_text()},
              {"policy", s.policy_name},
              {"algorithm", algorithm_name(s.policy.algorithm)},
              {"rollover", rollover_kind_name(s.plan.in_progress)},
              {"status", status},
              {"request", req},
              {"awaiting_approval", r.proposal},
              {"going_insecure", r.going_insecure},
              {"cds", s.cds_delete      ? "delete"
                      : s.cds_published ? "published"
                                        : "none"},
              {"parent", parent},
              {"submission", submission},
              {"next_wakeup", time_text(r.next_wakeup)},
              {"keys", key_statuses_json(s.keys)}};
}

}  // namespace signet
