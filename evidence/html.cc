// SPDX-License-Identifier: GPL-2.0-or-later
#include "evidence/html.hh"

#include <initializer_list>

namespace signet::evidence {

namespace {

constexpr const char* kStyle =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
    "h1{font-size:1.6em}h2{border-bottom:2px solid #446;margin-top:2em}h3{margin-bottom:.3em}"
    "table{border-collapse:collapse;margin:.5em 0 1em;width:100%}"
    "th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}"
    "th{background:#eef}td.mono,pre{font:12px/1.3 monospace;white-space:pre-wrap;"
    "word-break:break-all}.bad{color:#a00;font-weight:bold}.ok{color:#070}"
    ".none{color:#888;font-style:italic}dl{display:grid;grid-template-columns:max-content auto;"
    "gap:2px 1em}dt{font-weight:bold}";

// A JSON value as text: strings as they are, null as "-", anything else as compact JSON.
std::string text(const Json& v) {
  if (v.is_null())
    return "-";
  if (v.is_string())
    return v.get<std::string>();
  return v.dump();
}

class Page {
 public:
  void raw(std::string_view s) { out_ += s; }
  void esc(std::string_view s) { out_ += html_escape(s); }
  void tag(const char* t, std::string_view content) {
    out_ += "<";
    out_ += t;
    out_ += ">";
    esc(content);
    out_ += "</";
    out_ += t;
    out_ += ">\n";
  }
  // A table of `rows` (objects) with the given columns; "none" when empty.
  void table(const Json& rows, std::initializer_list<std::pair<const char*, const char*>> cols) {
    if (!rows.is_array() || rows.empty()) {
      raw("<p class=\"none\">none</p>\n");
      return;
    }
    raw("<table><tr>");
    for (const auto& [key, title] : cols)
      tag("th", title);
    raw("</tr>\n");
    for (const auto& r : rows) {
      raw("<tr>");
      for (const auto& [key, title] : cols) {
        std::string_view k(key);
        bool mono = k == "detail" || k == "yaml" || k == "cause" || k == "hash";
        raw(mono ? "<td class=\"mono\">" : "<td>");
        esc(r.is_object() && r.contains(key) ? text(r[key]) : "-");
        raw("</td>");
      }
      raw("</tr>\n");
    }
    raw("</table>\n");
  }
  void pairs(std::initializer_list<std::pair<const char*, std::string>> items) {
    raw("<dl>");
    for (const auto& [k, v] : items) {
      tag("dt", k);
      tag("dd", v);
    }
    raw("</dl>\n");
  }
  std::string str() && { return std::move(out_); }

 private:
  std::string out_;
};

const Json& at(const Json& j, const char* key) {
  static const Json null;
  return j.is_object() && j.contains(key) ? j[key] : null;
}

void zone_section(Page& p, const Json& z) {
  p.tag("h2", "Zone " + text(at(z, "zone")));
  const Json& pol = at(z, "policy");
  const Json& ds = at(z, "ds_publication");
  p.pairs({{"tenant", text(at(z, "tenant"))},
           {"secured", text(at(z, "secured"))},
           {"policy", text(at(pol, "name"))},
           {"rollover status", text(at(z, "rollover_status"))},
           {"awaiting approval", text(at(z, "awaiting_approval"))}});
  p.tag("h3", "Key inventory");
  p.table(at(z, "keys"), {{"tag", "tag"},
                          {"role", "role"},
                          {"algorithm", "algorithm"},
                          {"state", "state"},
                          {"created", "created"},
                          {"published", "published"},
                          {"active", "active"},
                          {"retired", "retired"},
                          {"removed", "removed"},
                          {"ds_submitted", "DS submitted"},
                          {"ds_seen", "DS seen"},
                          {"ds_retired", "DS retired"},
                          {"ds_gone", "DS gone"}});
  p.tag("h3", "Policy assignments");
  p.table(at(pol, "assignments"),
          {{"time", "time"}, {"actor", "actor"}, {"kind", "kind"}, {"detail", "detail"}});
  p.tag("h3", "Rollover steps");
  p.table(at(z, "rollover_steps"), {{"seq", "seq"},
                                    {"time", "time"},
                                    {"actor", "actor"},
                                    {"kind", "step"},
                                    {"detail", "detail"}});
  p.tag("h3", "Approvals");
  p.table(at(z, "approvals"),
          {{"time", "time"}, {"actor", "actor"}, {"kind", "kind"}, {"detail", "detail"}});
  p.tag("h3", "DS publication at the parent");
  p.pairs({{"last parent check", text(at(ds, "checked_at"))},
           {"DS served by every parent server", text(at(ds, "ds_at_every_server"))},
           {"DS served by some parent server", text(at(ds, "ds_at_some_server"))},
           {"DS matching no key", text(at(ds, "unknown_ds"))},
           {"last check error", text(at(ds, "last_check_error"))}});
  p.table(at(ds, "observations"),
          {{"time", "time"}, {"actor", "actor"}, {"kind", "kind"}, {"detail", "what was served"}});
  const Json& mon = at(z, "monitor");
  p.tag("h3", "Bogus and critical periods");
  p.table(at(mon, "incidents"), {{"kind", "kind"},
                                 {"subject", "where"},
                                 {"state", "state"},
                                 {"started_at", "from"},
                                 {"resolved_at", "until"},
                                 {"resolution", "resolution"},
                                 {"cause", "cause"}});
  p.tag("h3", "Monitor results (state changes)");
  p.table(at(mon, "changes"),
          {{"time", "time"}, {"actor", "actor"}, {"kind", "kind"}, {"detail", "detail"}});
  p.tag("h3", "Alerts");
  p.table(at(mon, "alerts"),
          {{"time", "time"}, {"actor", "actor"}, {"kind", "kind"}, {"detail", "detail"}});
}

}  // namespace

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string evidence_html(const Json& doc) {
  Page p;
  p.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>");
  p.esc("Signet evidence pack " + text(at(at(doc, "period"), "from")) + " to " +
        text(at(at(doc, "period"), "to")));
  p.raw("</title>\n<style>");
  p.raw(kStyle);
  p.raw("</style></head><body>\n");
  p.tag("h1", "Signet evidence pack");
  const Json& scope = at(doc, "scope");
  const Json& audit = at(doc, "audit");
  p.pairs(
      {{"period", text(at(at(doc, "period"), "from")) + " to " + text(at(at(doc, "period"), "to"))},
       {"tenant", text(at(scope, "tenant"))},
       {"tenants", text(at(scope, "tenants"))},
       {"zones", text(at(scope, "zones"))},
       {"generated at", text(at(doc, "generated_at"))},
       {"generated by", text(at(doc, "generated_by"))},
       {"audit chain head", "entry " + text(at(at(audit, "head"), "seq")) + ", hash " +
                                text(at(at(audit, "head"), "hash"))}});
  p.raw(
      "<p>Check this pack with <code>signetutil evidence-verify PACK.tar.gz --key "
      "OPERATOR-PUBLIC-KEY</code>: it checks the signature of MANIFEST, the SHA-256 of every "
      "file and the hash links of audit.jsonl. This page renders evidence.json.</p>\n");
  p.tag("h2", "Policies in force");
  p.table(at(at(doc, "policies"), "in_force"),
          {{"name", "name"}, {"zones", "zones"}, {"yaml", "policy"}});
  p.tag("h2", "Policy history");
  p.table(at(at(doc, "policies"), "history"), {{"seq", "seq"},
                                               {"time", "time"},
                                               {"actor", "actor"},
                                               {"kind", "kind"},
                                               {"detail", "detail"}});
  for (const auto& z : at(doc, "zones"))
    zone_section(p, z);
  p.tag("h2", "Audit excerpt");
  p.table(at(audit, "entries"), {{"seq", "seq"},
                                 {"time", "time"},
                                 {"actor", "actor"},
                                 {"kind", "kind"},
                                 {"tenant", "tenant"},
                                 {"zone", "zone"},
                                 {"detail", "detail"}});
  p.raw("</body></html>\n");
  return std::move(p).str();
}

}  // namespace signet::evidence
