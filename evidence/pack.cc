// SPDX-License-Identifier: GPL-2.0-or-later
#include "evidence/pack.hh"

#include <sodium.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

#include "conf/policy.hh"
#include "evidence/audit_excerpt.hh"
#include "evidence/html.hh"
#include "keystore/evidence_key.hh"
#include "keystore/health_report.hh"
#include "keystore/portfolio.hh"
#include "signer/clock.hh"
#include "signer/encoding.hh"
#include "signer/error.hh"

namespace signet::evidence {

namespace {

constexpr std::string_view kJsonName = "evidence.json";
constexpr std::string_view kHtmlName = "index.html";
constexpr std::string_view kAuditName = "audit.jsonl";

Json when(uint64_t t) {
  return t ? Json(iso8601_utc(t)) : Json();
}

bool starts(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// An audit entry as a row of a section: time, actor, kind, detail.
Json step_json(const AuditEntry& e) {
  Json detail = Json::parse(e.detail, nullptr, /*allow_exceptions=*/false);
  return Json{{"seq", e.seq},
              {"time", iso8601_utc(e.time)},
              {"actor", e.actor},
              {"kind", e.kind},
              {"detail", detail.is_discarded() ? Json(e.detail) : detail}};
}

bool rollover_kind(std::string_view k) {
  return (starts(k, "key-") || starts(k, "rollover-") || starts(k, "ds-") || starts(k, "cds-") ||
          k == "zone-secured" || k == "zone-unsecured") &&
         k != "ds-observed";
}
bool approval_kind(std::string_view k) {
  return k == "rollover-approved" || k == "rollover-proposed";
}
bool ds_kind(std::string_view k) {
  return k == "ds-observed" || k == "ds-gone" || k == "parent-check-failed" ||
         k == "parent-ds-changed";
}
bool monitor_kind(std::string_view k) {
  return k == "validation-changed" || k == "parent-ds-changed";
}
bool alert_kind(std::string_view k) {
  return k == "alert-sent" || k == "alert-failed";
}

std::string text_field(const Json& j, const char* name) {
  return j.is_object() && j.contains(name) && j[name].is_string() ? j[name].get<std::string>() : "";
}

// Bogus, parent-DS and critical periods of one zone from its entries up to the period's end:
// a change to a bad state opens one (per resolver, per alert), the next change back closes it.
// Periods that ended before the period began are left out.
class IncidentTracker {
 public:
  void feed(const AuditEntry& e) {
    Json d = Json::parse(e.detail, nullptr, false);
    if (e.kind == "validation-changed") {
      std::string to = text_field(d, "to");
      track("validation", "resolver " + text_field(d, "resolver"), to == "bogus", to, e, d);
    } else if (e.kind == "parent-ds-changed") {
      std::string to = text_field(d, "to");
      track("parent-ds", "parent DS", to == "mismatch" || to == "missing", to, e, d);
    } else if (alert_kind(e.kind)) {
      std::string ev = text_field(d, "event");
      if (ev == "critical" || ev == "resolved")
        track("critical", "alert " + text_field(d, "alert"), ev == "critical", ev, e, d);
    }
  }
  Json periods(uint64_t from) const {
    Json out = Json::array();
    for (const auto& p : done_)
      if (p.end >= from)
        out.push_back(p.json);
    for (const auto& [key, p] : open_) {
      Json j = p.json;
      j["resolved_at"] = Json();
      j["resolution"] = "unresolved at the end of the period";
      out.push_back(j);
    }
    return out;
  }

 private:
  struct Period {
    Json json;
    uint64_t end = 0;
  };
  void track(const char* kind, const std::string& subject, bool bad, const std::string& state,
             const AuditEntry& e, const Json& d) {
    std::string key = std::string(kind) + "\n" + subject;
    auto it = open_.find(key);
    if (bad && it == open_.end()) {
      Json j{{"kind", kind},         {"subject", subject},
             {"state", state},       {"started_at", iso8601_utc(e.time)},
             {"started_seq", e.seq}, {"cause", d}};
      open_[key] = Period{j, 0};
    } else if (!bad && it != open_.end()) {
      Period p = it->second;
      p.json["resolved_at"] = iso8601_utc(e.time);
      p.json["resolved_seq"] = e.seq;
      p.json["resolution"] = "changed to " + state + " (" + e.actor + ")";
      p.end = e.time;
      done_.push_back(p);
      open_.erase(it);
    }
  }
  std::map<std::string, Period> open_;
  std::vector<Period> done_;
};

Json key_json(const KeyStatus& k) {
  const KeyTimes& t = k.times;
  return Json{{"tag", t.tag},
              {"role", key_role_name(t.role)},
              {"algorithm", algorithm_name(t.algorithm)},
              {"state", key_state_name(k.state)},
              {"created", when(t.created)},
              {"published", when(t.publish)},
              {"active", when(t.activate)},
              {"retired", when(t.inactive)},
              {"removed", when(t.remove)},
              {"ds_submitted", when(t.ds_submitted)},
              {"ds_seen", when(t.ds_seen)},
              {"ds_retired", when(t.ds_retired)},
              {"ds_gone", when(t.ds_gone)}};
}

Json ds_list(const std::vector<std::pair<uint16_t, uint8_t>>& ds) {
  Json out = Json::array();
  for (const auto& [tag, alg] : ds)
    out.push_back(Json{{"tag", tag}, {"algorithm", alg}});
  return out;
}

struct ZoneSection {
  Json rollover = Json::array(), approvals = Json::array(), ds = Json::array(),
       monitor = Json::array(), alerts = Json::array(), assignments = Json::array();
  IncidentTracker incidents;
};

// `st`: the key manager's view of the zone, null when it is not secured.
Json zone_json(const ZoneRecord& z, const ZoneKeyStatus* st, const std::string& tenant,
               ZoneSection& s, uint64_t from) {
  Json j{{"zone", z.name.to_text()}, {"tenant", tenant}};
  bool secured = st != nullptr;
  j["secured"] = secured;
  Json parent{{"checked_at", Json()},
              {"ds_at_every_server", Json::array()},
              {"ds_at_some_server", Json::array()},
              {"unknown_ds", 0},
              {"last_check_error", ""},
              {"observations", s.ds}};
  Json keys = Json::array();
  Json policy{{"name", Json()}, {"yaml", Json()}, {"assignments", s.assignments}};
  if (st) {
    policy["name"] = st->policy_name;
    policy["yaml"] = policy_to_yaml(st->policy, TsigSecretForm::kRedacted);
    for (const auto& k : st->keys)
      keys.push_back(key_json(k));
    const auto& r = st->rollover;
    parent["checked_at"] = when(r.parent_checked_at);
    parent["ds_at_every_server"] = ds_list(r.parent_ds);
    parent["ds_at_some_server"] = ds_list(r.parent_ds_any);
    parent["unknown_ds"] = r.parent_unknown;
    parent["last_check_error"] = r.last_check_error;
    j["rollover_status"] = r.status;
    j["awaiting_approval"] = !r.proposal.empty();
  }
  j["policy"] = policy;
  j["keys"] = keys;
  j["rollover_steps"] = s.rollover;
  j["approvals"] = s.approvals;
  j["ds_publication"] = parent;
  j["monitor"] =
      Json{{"changes", s.monitor}, {"alerts", s.alerts}, {"incidents", s.incidents.periods(from)}};
  return j;
}

}  // namespace

EvidenceScope resolve_scope(Store& store, const lmdb::Txn& txn,
                            const std::optional<std::string>& tenant,
                            const std::vector<Name>& zones) {
  EvidenceScope s;
  if (tenant) {
    auto t = store.find_tenant(txn, *tenant);
    if (!t)
      throw NotFound("tenant '" + *tenant + "' not found");
    s.tenant = *t;
  }
  for (const auto& apex : zones) {
    auto z = store.find_zone(txn, apex);
    if (!z || (s.tenant && z->tenant_id != s.tenant->id))
      throw NotFound("zone '" + apex.to_text() + "' not found");
    s.zones.push_back(*z);
  }
  s.zones_named = !zones.empty();
  if (!s.zones_named) {
    if (s.tenant)
      store.for_each_tenant_zone(txn, s.tenant->id,
                                 [&](const ZoneRecord& z) { s.zones.push_back(z); });
    else
      store.for_each_zone(txn, [&](const ZoneRecord& z) { s.zones.push_back(z); });
  }
  return s;
}

uint64_t parse_evidence_time(std::string_view text, bool end_of_day) {
  std::string t(text);
  if (!t.empty() && t.size() <= 12 &&
      std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::stoull(t);
  struct tm tm {};
  const char* end = strptime(t.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  bool date_only = false;
  if (!end || *end) {
    tm = {};
    end = strptime(t.c_str(), "%Y-%m-%d", &tm);
    date_only = true;
  }
  if (!end || *end)
    throw InputError("'" + t + "' is not a date (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or seconds)");
  time_t v = timegm(&tm);
  if (v < 0)
    throw InputError("'" + t + "' is before 1970");
  return static_cast<uint64_t>(v) + (date_only && end_of_day ? 86399 : 0);
}

EvidenceModel build_evidence_model(CompositionRoot& root, const lmdb::Txn& txn,
                                   const EvidenceScope& scope) {
  std::set<uint32_t> zone_ids, tenant_ids;
  for (const auto& z : scope.zones) {
    zone_ids.insert(z.id);
    tenant_ids.insert(z.tenant_id);
  }
  if (scope.tenant)
    tenant_ids.insert(scope.tenant->id);
  // The key manager's view of each secured zone, and the policies they follow.
  std::map<uint32_t, ZoneKeyStatus> statuses;
  std::set<std::string> followed;
  for (const auto& z : scope.zones) {
    if (!root.dnssec().state().find(txn, z.id))
      continue;
    auto& st = statuses.emplace(z.id, root.keyman().status(txn, z)).first->second;
    followed.insert(st.policy_name);
  }
  // A tenant's pack holds its own entries only; named zones narrow it to their entries and
  // their tenants' policy entries. The operator's packs also hold the history of the global
  // policies the zones follow.
  auto in_scope = [&](const AuditEntry& e) {
    if (scope.global_policy_history && e.tenant_id == 0 && starts(e.kind, "policy-") &&
        e.kind != "policy-assigned") {
      Json d = Json::parse(e.detail, nullptr, false);
      if (followed.count(text_field(d, "policy")))
        return true;
    }
    if (scope.tenant && e.tenant_id != scope.tenant->id)
      return false;
    if (!scope.zones_named)
      return true;
    if (e.zone_id)
      return zone_ids.count(e.zone_id) > 0;
    return starts(e.kind, "policy-") && tenant_ids.count(e.tenant_id) > 0;
  };
  auto in_period = [&](const AuditEntry& e) { return e.time >= scope.from && e.time <= scope.to; };

  std::map<uint32_t, ZoneSection> sections;
  Json policy_history = Json::array(), excerpt = Json::array();
  root.audit().for_each(txn, [&](const AuditEntry& e) {
    if (e.time > scope.to || !in_scope(e))
      return;
    auto zs = e.zone_id && zone_ids.count(e.zone_id) ? &sections[e.zone_id] : nullptr;
    if (zs)
      zs->incidents.feed(e);  // periods open before the period began count too
    if (!in_period(e))
      return;
    excerpt.push_back(audit_entry_json(e));
    if (starts(e.kind, "policy-") && e.kind != "policy-assigned")
      policy_history.push_back(step_json(e));
    if (!zs)
      return;
    if (e.kind == "policy-assigned")
      zs->assignments.push_back(step_json(e));
    if (rollover_kind(e.kind))
      zs->rollover.push_back(step_json(e));
    if (approval_kind(e.kind))
      zs->approvals.push_back(step_json(e));
    if (ds_kind(e.kind))
      zs->ds.push_back(step_json(e));
    if (monitor_kind(e.kind))
      zs->monitor.push_back(step_json(e));
    if (alert_kind(e.kind))
      zs->alerts.push_back(step_json(e));
  });

  Portfolio names(root.store(), root.clock());
  Json zones = Json::array(), tenants = Json::array(), zone_names = Json::array();
  std::map<std::string, Json> in_force;
  for (uint32_t id : tenant_ids)
    tenants.push_back(names.tenant_name(txn, id));
  for (const auto& z : scope.zones) {
    auto st = statuses.find(z.id);
    Json zj = zone_json(z, st == statuses.end() ? nullptr : &st->second,
                        names.tenant_name(txn, z.tenant_id), sections[z.id], scope.from);
    zone_names.push_back(zj["zone"]);
    const Json& p = zj["policy"];
    if (p["name"].is_string()) {
      Json& entry = in_force[p["name"].get<std::string>()];
      if (entry.is_null())
        entry = Json{{"name", p["name"]}, {"yaml", p["yaml"]}, {"zones", Json::array()}};
      entry["zones"].push_back(zj["zone"]);
    }
    zones.push_back(std::move(zj));
  }
  Json policies = Json::array();
  for (auto& [name, p] : in_force)
    policies.push_back(std::move(p));

  EvidenceModel m;
  m.audit_jsonl = audit_excerpt(root.audit(), txn, scope.from,
                                [&](const AuditEntry& e) { return in_scope(e) && in_period(e); });
  AuditHead head = root.audit().head(txn);
  m.doc = Json{{"format", "signet-evidence/1"},
               {"generated_at", iso8601_utc(root.clock().now())},
               {"generated_by", scope.actor},
               {"period", {{"from", iso8601_utc(scope.from)}, {"to", iso8601_utc(scope.to)}}},
               {"scope",
                {{"tenant", scope.tenant ? Json(scope.tenant->name) : Json()},
                 {"tenants", tenants},
                 {"zones", zone_names}}},
               {"policies", {{"in_force", policies}, {"history", policy_history}}},
               {"zones", zones},
               {"audit",
                {{"file", kAuditName},
                 {"head", {{"seq", head.seq}, {"hash", hex(head.hash)}}},
                 {"entries", excerpt}}}};
  return m;
}

std::string evidence_json_text(const EvidenceModel& m) {
  return m.doc.dump(2) + "\n";
}

std::string make_evidence_pack(CompositionRoot& root, const lmdb::Txn& txn,
                               const EvidenceScope& scope) {
  if (!find_evidence_key(root.store(), txn))
    throw NotFound("no evidence key: make one with 'signetutil evidence-key'");
  EvidenceModel m = build_evidence_model(root, txn, scope);
  std::vector<ArchiveFile> files = {{std::string(kJsonName), evidence_json_text(m)},
                                    {std::string(kHtmlName), evidence_html(m.doc)},
                                    {std::string(kAuditName), m.audit_jsonl}};
  PublicKey pub{};
  evidence_sign(root.store(), txn, root.master_key(), "", &pub);  // fails early if it won't open
  auto sealed = seal_files(std::move(files), pub, [&](std::string_view message) {
    return evidence_sign(root.store(), txn, root.master_key(), message, nullptr);
  });
  return write_tar_gz(sealed, root.clock().now());
}

PackVerdict verify_evidence_pack(std::string_view targz, const std::optional<PublicKey>& key) {
  PackVerdict v;
  std::vector<ArchiveFile> files;
  try {
    files = read_tar_gz(targz);
  } catch (const Error& e) {
    v.problems.push_back(e.what());
    return v;
  }
  v.files = files.size();
  ManifestVerdict mv = check_manifest(files, key);
  v.problems = mv.problems;
  v.signer = mv.signer;
  v.key_given = mv.key_given;
  for (const auto& f : files) {
    if (f.name != kAuditName)
      continue;
    ExcerptVerdict ev = verify_audit_excerpt(f.content);
    v.audit_entries = ev.entries;
    v.audit_omitted = ev.omitted;
    v.problems.insert(v.problems.end(), ev.problems.begin(), ev.problems.end());
  }
  std::string missing = "file 'audit.jsonl' is missing from the pack";
  if (std::none_of(files.begin(), files.end(),
                   [](const ArchiveFile& f) { return f.name == kAuditName; }) &&
      std::find(v.problems.begin(), v.problems.end(), missing) == v.problems.end())
    v.problems.push_back(missing);
  return v;
}

}  // namespace signet::evidence
