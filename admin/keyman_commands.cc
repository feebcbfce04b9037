// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetutil's key lifecycle commands: policies (policy check/import/show, list-policies,
// set-policy), rollovers (rollover, emergency-rollover, rollover-status, ds-seen, approve,
// rollover-tick) and portfolio health (health, metrics).
#include <algorithm>
#include <ctime>
#include <iostream>
#include <map>
#include <set>

#include "admin/commands.hh"
#include "conf/policy.hh"
#include "conf/policy_import.hh"
#include "conf/policy_view.hh"
#include "keystore/health_report.hh"
#include "keystore/policy_store.hh"
#include "signer/clock.hh"
#include "signer/error.hh"
#include "signer/json.hh"
#include "signer/key.hh"
#include "signer/rrtype.hh"

namespace signet::admin {

namespace {

uint16_t parse_tag(const std::string& s) {
  if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), ::isdigit) ||
      std::stoul(s) > 65535) {
    throw InputError("bad key tag '" + s + "'");
  }
  return static_cast<uint16_t>(std::stoul(s));
}

// ------------------------------------------------------------------ policies
//
// Owners (keystore/policy_store.hh): unscoped, signetutil works on the global policies (and lists
// every tenant's too); with --tenant T, on T's policies and the global ones T's zones may use.

// Whose policies a file holds: the scope decides.
PolicyAuthor author_of(const Cli& cli) {
  return cli.portfolio.scope() ? PolicyAuthor::kTenant : PolicyAuthor::kOperator;
}

// The tenant whose view of the policies the command has: the scope's, or 0 (the global view).
uint32_t viewer(const Cli& cli, const lmdb::Txn& txn) {
  if (!cli.portfolio.scope())
    return kGlobalPolicyOwner;
  return cli.portfolio.tenant(txn, *cli.portfolio.scope()).id;
}

std::function<std::string(uint32_t)> tenant_names(const Cli& cli, const lmdb::Txn& txn) {
  return [&cli, &txn](uint32_t id) { return cli.portfolio.tenant_name(txn, id); };
}

int cmd_policy_check(Cli& cli, const Args& a) {
  if (a.size() != 2)
    throw InputError("usage: policy check FILE");
  auto list = load_policy_file(a[1], author_of(cli));
  for (const auto& p : list) {
    auto d = [](uint64_t s) { return duration_text(static_cast<uint32_t>(s)); };
    cli.out << p.name << ": ok (" << policy_summary(p) << "; ";
    if (p.csk) {
      cli.out << "a CSK rollover takes at least "
              << d(std::max(zsk_rollover_duration(p), ksk_rollover_duration(p) + p.max_zone_ttl));
    } else {
      cli.out << "a ZSK rollover takes " << d(zsk_rollover_duration(p))
              << ", a KSK rollover at least " << d(ksk_rollover_duration(p));
    }
    cli.out << ")\n";
  }
  return 0;
}

// The policy as the scope's zones see it, its TSIG secret redacted.
int cmd_policy_show(Cli& cli, const Args& a) {
  if (a.size() != 2)
    throw InputError("usage: policy show NAME");
  auto txn = cli.ctx.store().begin_read();
  auto f = cli.ctx.dnssec().policies().find(txn, viewer(cli, txn), a[1]);
  if (!f)
    throw NotFound("unknown policy '" + a[1] + "' (see list-policies)");
  std::string yaml = policy_to_yaml(f->policy, TsigSecretForm::kRedacted);
  std::string owner = policy_source_text(*f, tenant_names(cli, txn));
  if (f->secret_in_clear)
    cli.err << "signetutil: warning: policy '" << a[1] << "'" << policy_unsealed_note(*f) << "\n";
  if (cli.json) {
    cli.out << json_text(Json{{"name", f->policy.name}, {"source", owner}, {"yaml", yaml}}) << "\n";
    return 0;
  }
  cli.out << "# " << owner << " policy\npolicies:\n" << yaml;
  return 0;
}

int cmd_policy_import(Cli& cli, const Args& a) {
  if (a.size() != 2)
    throw InputError("usage: policy import FILE");
  auto list = load_policy_file(a[1], author_of(cli));  // all valid, or nothing is stored
  std::vector<PolicyImport> done;
  std::string owner_name;
  {
    auto txn = cli.ctx.store().begin_write();
    std::optional<TenantRecord> owner;
    if (cli.portfolio.scope()) {
      owner = cli.portfolio.tenant(txn, *cli.portfolio.scope());
      owner_name = " (tenant " + owner->name + ")";
    }
    PolicyImporter importer(cli.ctx.dnssec(), cli.ctx.keyman(), cli.ctx.audit());
    done = importer.import(txn, owner ? &*owner : nullptr, list);
    txn.commit();
  }
  for (const auto& r : done) {
    const char* what = r.change == PolicyImport::Change::kCreated   ? "created"
                       : r.change == PolicyImport::Change::kUpdated ? "updated"
                                                                    : "unchanged";
    cli.out << "policy " << r.name << owner_name << ": " << what
            << (r.sealed_now ? ", its TSIG secret sealed" : "")
            << (r.followers ? " (" + std::to_string(r.followers) + " zone(s) follow it)" : "")
            << "\n";
  }
  return 0;
}

// policy check FILE | policy import FILE | policy show NAME
int cmd_policy_read(Cli& cli, const Args& a) {
  const std::string& sub = a[0];
  if (sub == "check")
    return cmd_policy_check(cli, a);
  if (sub == "show")
    return cmd_policy_show(cli, a);
  if (sub == "import")
    return cmd_policy_import(cli, a);
  throw InputError("unknown policy command '" + sub + "' (check, import, show)");
}

// Built-in policies and the stored ones the scope sees: unscoped, the global ones and every
// tenant's; with --tenant T, what T's zones get under each name (T's own, else the global one).
int cmd_list_policies(Cli& cli, const Args&) {
  auto txn = cli.ctx.store().begin_read();
  auto rows = visible_policies(txn, cli.ctx.dnssec(), viewer(cli, txn), tenant_names(cli, txn));
  if (cli.json) {
    Json list = Json::array();
    for (const auto& r : rows)
      list.push_back(Json{{"name", r.name}, {"source", r.source}, {"summary", r.summary}});
    cli.out << json_text(list) << "\n";
    return 0;
  }
  for (const auto& r : rows)
    cli.out << r.name << "\t" << r.source << "\t" << r.summary << "\n";
  return 0;
}

// set-policy ZONE POLICY | set-policy --tenant T POLICY | set-policy ZONE --inherit
// The policy must be one the zone's (or the tenant's) zones see: the tenant's own, a global or a
// built-in one.
void cmd_set_policy(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  Opts o = parse_opts(a, {"--tenant"}, {"--inherit"});
  auto& dnssec = cli.ctx.dnssec();
  auto& store = cli.ctx.store();
  auto unknown = [](const std::string& name, const std::string& tenant) {
    return NotFound("unknown policy '" + name + "' for tenant '" + tenant +
                    "' (see list-policies)");
  };
  if (o.values.count("--tenant")) {
    if (o.positional.size() != 1)
      throw InputError("usage: set-policy --tenant T POLICY");
    const std::string& name = o.positional[0];
    TenantRecord t = cli.portfolio.tenant(txn, o.values["--tenant"]);
    if (name != "-" && !dnssec.policies().find(txn, t.id, name))
      throw unknown(name, t.name);
    std::string before = t.policy.empty() ? "default" : t.policy;
    t.policy = name == "-" ? "" : name;
    store.put_tenant(txn, t);
    cli.ctx.audit().append(
        txn, "policy-assigned", t.id, 0, t.name, "",
        Json{{"before", before}, {"after", t.policy.empty() ? "default" : t.policy}});
    size_t woken = 0;
    store.for_each_tenant_zone(txn, t.id, [&](const ZoneRecord& z) {
      auto st = dnssec.state().find(txn, z.id);
      if (st && st->policy.empty()) {
        cli.ctx.keyman().wake(txn, z.id);
        ++woken;
      }
    });
    cli.out << "tenant " << t.name << " now defaults to policy "
            << (t.policy.empty() ? "default" : t.policy) << " (" << woken
            << " secured zone(s) follow it)\n";
    return;
  }
  bool inherit = o.flags.count("--inherit");
  if (o.positional.size() != (inherit ? 1u : 2u))
    throw InputError("usage: set-policy ZONE POLICY | set-policy ZONE --inherit");
  ZoneRecord zone = cli.portfolio.zone(txn, Name::from_text(o.positional[0]));
  unsigned threads = cli.ctx.config().signing_threads;
  PolicyAssignment r =
      assign_zone_policy(txn, dnssec, cli.ctx.keyman(), cli.ctx.audit(), zone,
                         cli.portfolio.tenant_name(txn, zone.tenant_id),
                         inherit ? "" : o.positional[1], cli.after_commit != nullptr, threads);
  if (r.denial_changed && cli.after_commit) {
    // The new chain is built beside the served one after the commit (keystore/resign.hh).
    CompositionRoot& ctx = cli.ctx;
    uint32_t zone_id = zone.id;
    cli.after_commit->push_back([&ctx, zone_id, threads](std::ostream&) {
      ctx.dnssec().signing().complete(zone_id, threads);
    });
  }
  const std::string& after = r.after;
  cli.out << "zone " << zone.name.to_text() << " now follows policy " << after
          << (inherit ? " (its tenant's)" : "")
          << "; the key manager applies it at its next tick (signetutil rollover-tick "
          << zone.name.to_text() << " to do it now)\n";
}

// ------------------------------------------------------------------ rollovers

void print_tick(Cli& cli, const ZoneRecord& zone, const KeyManager::TickResult& r) {
  std::string z = zone.name.to_text();
  if (cli.json) {
    cli.out << json_text(Json{{"zone", z},
                              {"acted", r.acted},
                              {"awaiting_approval", r.awaiting_approval},
                              {"steps", r.steps},
                              {"submission", r.submission},
                              {"status", r.status}})
            << "\n";
    return;
  }
  for (const auto& s : r.steps)
    cli.out << z << ": " << s << "\n";
  if (!r.submission.empty())
    cli.out << z << ": DS submission " << r.submission << "\n";
  cli.out << z << ": " << (r.acted ? r.status : std::string("not secured (or not due)")) << "\n";
}

// Records an operator request for a zone in one transaction, then runs the zone's key manager
// step at once rather than at the next scheduled tick.
template <class Request>
int request_and_tick(Cli& cli, const std::string& zone_text, Request request) {
  ZoneRecord zone;
  {
    auto txn = cli.ctx.store().begin_write();
    zone = cli.portfolio.zone(txn, Name::from_text(zone_text));
    request(txn, zone);
    txn.commit();
  }
  print_tick(cli, zone, cli.ctx.keyman().tick(zone.id, KeyManager::Mode::kNow));
  return 0;
}

int cmd_rollover(Cli& cli, const Args& a) {
  Opts o = parse_opts(a, {"--algorithm"}, {});
  if (o.positional.size() != 2)
    throw InputError("usage: rollover ZONE zsk|ksk|csk|algorithm|insecure [--algorithm N]");
  RolloverKind kind = rollover_kind_from_text(o.positional[1]);
  std::optional<Algorithm> alg;
  if (o.values.count("--algorithm")) {
    const std::string& v = o.values["--algorithm"];
    alg = std::all_of(v.begin(), v.end(), ::isdigit) ? algorithm_from_number(std::stoul(v))
                                                     : algorithm_from_text(v);
  }
  return request_and_tick(cli, o.positional[0], [&](lmdb::WriteTxn& txn, const ZoneRecord& zone) {
    cli.ctx.keyman().request_rollover(txn, zone, kind, alg);
  });
}

int cmd_emergency_rollover(Cli& cli, const Args& a) {
  return request_and_tick(cli, a[0], [&](lmdb::WriteTxn& txn, const ZoneRecord& zone) {
    cli.ctx.keyman().request_emergency(txn, zone, parse_tag(a[1]));
  });
}

int cmd_ds_seen(Cli& cli, const Args& a) {
  return request_and_tick(cli, a[0], [&](lmdb::WriteTxn& txn, const ZoneRecord& zone) {
    cli.ctx.keyman().ds_seen(txn, zone, parse_tag(a[1]));
  });
}

int cmd_approve(Cli& cli, const Args& a) {
  ZoneRecord zone;
  {
    auto txn = cli.ctx.store().begin_read();
    zone = cli.portfolio.zone(txn, Name::from_text(a[0]));
    if (cli.ctx.dnssec().state().rollover(txn, zone.id).proposal.empty())
      throw Conflict("zone '" + zone.name.to_text() + "' has no rollover step awaiting approval");
  }
  auto r = cli.ctx.keyman().tick(zone.id, KeyManager::Mode::kApprove);
  print_tick(cli, zone, r);
  if (r.awaiting_approval) {
    throw Conflict(
        "the proposal changed since it was shown; review rollover-status and approve "
        "again");
  }
  return 0;
}

int cmd_rollover_tick(Cli& cli, const Args& a) {
  auto& km = cli.ctx.keyman();
  if (!a.empty()) {
    std::vector<ZoneRecord> zones;
    {
      auto txn = cli.ctx.store().begin_read();
      for (const auto& z : a)
        zones.push_back(cli.portfolio.zone(txn, Name::from_text(z)));
    }
    for (const auto& z : zones)
      print_tick(cli, z, km.tick(z.id, KeyManager::Mode::kNow));
    return 0;
  }
  if (cli.portfolio.scope()) {
    std::vector<ZoneRecord> zones;
    {
      auto txn = cli.ctx.store().begin_read();
      zones = cli.portfolio.zones(txn, *cli.portfolio.scope());
    }
    size_t acted = 0;
    for (const auto& z : zones) {
      auto r = km.tick(z.id, KeyManager::Mode::kScheduled);
      if (r.acted) {
        ++acted;
        if (!r.steps.empty() || !r.submission.empty())
          print_tick(cli, z, r);
      }
    }
    if (!cli.json)
      cli.out << "rollover-tick: " << acted << " zone(s) due\n";
    return 0;
  }
  auto start = std::chrono::steady_clock::now();
  size_t acted = km.run_due(SIZE_MAX);
  if (!cli.json) {
    cli.out << "rollover-tick: " << acted << " zone(s) due (pass " << elapsed_ms(start) << " ms)\n";
  }
  return 0;
}

std::string key_line(const KeyStatus& k) {
  const KeyTimes& t = k.times;
  std::string s = std::to_string(t.tag) + "\t" + key_role_name(t.role) + "\t" +
                  algorithm_name(t.algorithm) + "\t" + key_state_name(k.state);
  if (k.next_event)
    s += "\tnext: " + k.next_event_what + " at " + time_text(k.next_event);
  if (is_sep_role(t.role)) {
    s += "\tDS: ";
    if (t.ds_gone)
      s += "gone from the parent " + time_text(t.ds_gone);
    else if (t.ds_retired)
      s += "asked to be removed " + time_text(t.ds_retired);
    else if (t.ds_seen)
      s += "at the parent since " + time_text(t.ds_seen);
    else if (t.ds_submitted)
      s += "asked for " + time_text(t.ds_submitted) + ", not yet at the parent";
    else
      s += k.ds_at_parent ? "at the parent" : "-";
  }
  return s;
}

int cmd_rollover_status(Cli& cli, const Args& a) {
  auto txn = cli.ctx.store().begin_read();
  ZoneRecord zone = cli.portfolio.zone(txn, Name::from_text(a[0]));
  ZoneKeyStatus s = cli.ctx.keyman().status(txn, zone);
  const auto& r = s.rollover;
  std::string req = r.request_kind ? rollover_kind_name(static_cast<RolloverKind>(r.request_kind))
                                   : (r.request_emergency ? "emergency" : "");
  std::string status = r.status.empty() ? s.plan.status : r.status;
  if (cli.json) {
    cli.out << json_text(rollover_status_json(s)) << "\n";
    return 0;
  }
  cli.out << "zone\t" << zone.name.to_text() << "\npolicy\t" << s.policy_name << " ("
          << policy_summary(s.policy) << ")\nrollover\t" << rollover_kind_name(s.plan.in_progress)
          << "\nstatus\t" << status << "\n";
  if (!req.empty())
    cli.out << "request\t" << req << " (pending)\n";
  if (!r.proposal.empty()) {
    cli.out << "awaiting approval (signetutil approve " << zone.name.to_text() << "):\n";
    size_t from = 0;
    while (from <= r.proposal.size()) {
      size_t nl = r.proposal.find('\n', from);
      cli.out << "  - " << r.proposal.substr(from, nl - from) << "\n";
      if (nl == std::string::npos)
        break;
      from = nl + 1;
    }
  }
  cli.out << "CDS/CDNSKEY\t"
          << (s.cds_delete      ? "delete (RFC 8078)"
              : s.cds_published ? "published"
                                : "not published");
  if (!s.wanted_ds_tags.empty() && !s.cds_delete) {
    cli.out << "\t(the parent should have DS for:";
    for (uint16_t t : s.wanted_ds_tags)
      cli.out << " " << t;
    cli.out << ")";
  }
  cli.out << "\nparent DS\t";
  if (!r.parent_checked_at) {
    cli.out << "not checked yet";
  } else {
    cli.out << "every server: " << ds_list_text(r.parent_ds)
            << "; some: " << ds_list_text(r.parent_ds_any);
    if (r.parent_unknown)
      cli.out << "; " << int(r.parent_unknown) << " DS matching none of our keys";
    cli.out << " (checked " << time_text(r.parent_checked_at) << ")";
  }
  if (r.parent_failures)
    cli.out << "\nparent check\t" << r.parent_failures << " failure(s): " << r.last_check_error
            << "; next " << time_text(r.next_parent_check);
  if (r.submit_key || r.submit_failures) {
    cli.out << "\nDS submission\tpending" << (r.submit_failures ? ", " + r.last_error : "")
            << "; next " << time_text(r.next_submit);
  }
  cli.out << "\nnext tick\t" << time_text(r.next_wakeup) << "\nkeys:\n";
  for (const auto& k : s.keys)
    cli.out << "  " << key_line(k) << "\n";
  return 0;
}

// ------------------------------------------------------------------ health and metrics

HealthSurvey survey(Cli& cli, const Opts& o) {
  std::optional<std::string> tenant = cli.portfolio.scope();
  if (o.values.count("--tenant")) {
    if (tenant && *tenant != o.values.at("--tenant"))
      throw ScopeError("scoped to tenant '" + *tenant + "'");
    tenant = o.values.at("--tenant");
  }
  auto txn = cli.ctx.store().begin_read();
  std::vector<ZoneRecord> zones;
  if (!o.positional.empty()) {
    for (const auto& z : o.positional)
      zones.push_back(cli.portfolio.zone(txn, Name::from_text(z)));
  } else if (tenant) {
    zones = cli.portfolio.zones(txn, *tenant);
  } else {
    cli.ctx.store().for_each_zone(txn, [&](const ZoneRecord& z) { zones.push_back(z); });
  }
  return survey_health(cli.ctx.keyman(), cli.ctx.dnssec(), cli.ctx.store(), txn, zones,
                       tenant_names(cli, txn), cli.ctx.clock().now());
}

std::string health_keys(const ZoneHealth& h) {
  std::string s;
  for (const auto& k : h.keys) {
    s += (s.empty() ? "" : ",") + std::to_string(k.times.tag) + ":" + key_role_name(k.times.role) +
         ":" + key_state_name(k.state);
    if (k.next_event)
      s += "->" + k.next_event_what + "@" + time_text(k.next_event);
  }
  return s.empty() ? "-" : s;
}

int cmd_health(Cli& cli, const Args& a) {
  Opts o = parse_opts(a, {"--tenant"}, {"--json"});
  bool json = cli.json || o.flags.count("--json");
  HealthSurvey s;
  try {
    s = survey(cli, o);
  } catch (const std::exception& e) {
    // Monitoring convention (Nagios): 3 = the state could not be determined.
    std::cerr << "signetutil: " << e.what() << "\n";
    return 3;
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v)
      out += (out.empty() ? "" : "; ") + x;
    return out;
  };
  if (json) {
    write_health_json(cli.out, s);
    cli.out << "\n";
  } else {
    cli.out << "# status\tzone\ttenant\tsigning\tearliest-rrsig-expiry\tkeys\tcds\tparent-ds\t"
               "reason\n";
    for (const auto& h : s.zones) {
      cli.out << health_status_name(h.status) << "\t" << h.zone << "\t" << h.tenant << "\t"
              << (h.secured ? h.denial : "unsigned") << "\t" << time_text(h.earliest_expiry) << "\t"
              << (h.secured ? health_keys(h) : "-") << "\t"
              << (!h.secured        ? "-"
                  : h.cds_delete    ? "delete"
                  : h.cds_published ? "yes"
                                    : "no")
              << "\t" << (h.secured ? parent_ds_state_name(h.parent_ds) : "-") << "\t"
              << join(h.reasons) << "\n";
    }
    cli.out << "# " << s.zones.size() << " zone(s): " << s.count[0] << " ok, " << s.count[1]
            << " warning, " << s.count[2] << " critical\n";
    if (s.store.status != HealthStatus::kOk)
      cli.out << "# store: " << health_status_name(s.store.status) << ": " << s.store.reason
              << "\n";
  }
  // Exit status for monitoring: 0 ok, 1 warning, 2 critical.
  return static_cast<int>(s.worst);
}

int cmd_metrics(Cli& cli, const Args& a) {
  Opts o = parse_opts(a, {"--tenant"}, {});
  cli.out << metrics_text(survey(cli, o));
  return 0;
}

// ------------------------------------------------------------------ the validation monitor

// monitor [--tenant T] [--json] [--check] [ZONE...]: what validating resolvers see of each secured
// zone (keystore/monitor_results.hh); --check asks them now and stores the findings first.
int cmd_monitor(Cli& cli, const Args& a) {
  Opts o = parse_opts(a, {"--tenant"}, {"--json", "--check"});
  bool json = cli.json || o.flags.count("--json");
  std::optional<std::string> tenant = cli.portfolio.scope();
  if (o.values.count("--tenant")) {
    if (tenant && *tenant != o.values.at("--tenant"))
      throw ScopeError("scoped to tenant '" + *tenant + "'");
    tenant = o.values.at("--tenant");
  }
  std::vector<ZoneRecord> zones;
  {
    auto txn = cli.ctx.store().begin_read();
    if (!o.positional.empty()) {
      for (const auto& z : o.positional) {
        ZoneRecord zone = cli.portfolio.zone(txn, Name::from_text(z));
        if (tenant && cli.portfolio.tenant_name(txn, zone.tenant_id) != *tenant)
          throw NotFound("zone '" + z + "' not found");
        zones.push_back(zone);
      }
    } else {
      std::vector<ZoneRecord> all;
      if (tenant)
        all = cli.portfolio.zones(txn, *tenant);
      else
        cli.ctx.store().for_each_zone(txn, [&](const ZoneRecord& z) { all.push_back(z); });
      for (const auto& z : all) {
        if (cli.ctx.dnssec().state().find(txn, z.id))
          zones.push_back(z);
      }
    }
  }
  Monitor& monitor = cli.ctx.monitor();
  int worst = 0;  // a zone whose check failed (said on stderr) is at least 1
  if (o.flags.count("--check")) {
    monitor.check_many(zones, [&](const ZoneRecord& z, const std::exception& e) {
      cli.err << "signetutil: monitor " << z.name.to_text() << ": " << e.what() << "\n";
      worst = 1;
    });
  }
  auto txn = cli.ctx.store().begin_read();
  Json docs = Json::array();
  for (const auto& z : zones) {
    auto m = monitor.results().find(txn, z.id);
    Json doc = monitor_json(z.name.to_text(), m);
    if (m) {
      MonitorState st = monitor_worst(*m);
      ParentDsCheck pd = parent_ds_check_from(m->parent_state);
      if (st == MonitorState::kBogus || pd == ParentDsCheck::kMismatch)
        worst = 2;
      else if (st == MonitorState::kUnreachable || st == MonitorState::kInsecure ||
               pd == ParentDsCheck::kMissing || pd == ParentDsCheck::kUnreachable)
        worst = std::max(worst, 1);
    }
    if (json) {
      docs.push_back(doc);
      continue;
    }
    std::string zone = z.name.to_text();
    cli.out << zone << "\tstatus\t" << doc["status"].get<std::string>() << "\t"
            << (m && m->checked_at ? iso_time(m->checked_at) : "-") << "\n";
    if (!m)
      continue;
    for (const auto& r : m->results) {
      cli.out << zone << "\tresolver\t" << r.resolver << "\t"
              << monitor_state_name(monitor_state_from(r.state)) << "\t"
              << (r.ede ? std::to_string(*r.ede) + (r.ede_text.empty() ? "" : " " + r.ede_text)
                        : "-")
              << "\t" << r.latency_ms << "ms\t" << iso_time(r.at) << "\t" << r.detail << "\n";
    }
    cli.out << zone << "\tparent-ds\t"
            << parent_ds_check_name(parent_ds_check_from(m->parent_state)) << "\n";
    for (const auto& p : m->parent_servers) {
      std::string ds;
      for (const auto& d : p.ds)
        ds += (ds.empty() ? "" : "; ") + d;
      cli.out << zone << "\tparent-server\t" << p.server << "\t"
              << parent_ds_check_name(parent_ds_check_from(p.state)) << "\t"
              << (ds.empty() ? "-" : ds) << "\n";
    }
  }
  if (json) {
    if (o.positional.size() == 1)
      cli.out << json_text(docs.at(0)) << "\n";
    else
      cli.out << json_text(Json{{"zones", docs}}) << "\n";
  }
  // Exit status for monitoring: 0 all secure, 1 unreachable/insecure/DS missing, 2 bogus or DS
  // mismatch.
  return worst;
}

}  // namespace

const std::vector<Command>& keyman_commands() {
  static const std::vector<Command> table = {
      {"policy", "policy check FILE | policy import FILE | policy show NAME",
       "Validate a YAML policy file (file:line errors), store its policies (global; with "
       "--tenant T, T's own, without ds-hook, ds-push or parent-nameservers; audited, TSIG "
       "secrets sealed; zones following them are re-planned), or print one (secret redacted)",
       2, 2, cmd_policy_read, nullptr},
      {"list-policies", "list-policies",
       "Built-in, global and tenants' policies (with --tenant T: those T's zones may use)", 0, 0,
       cmd_list_policies, nullptr},
      {"set-policy",
       "set-policy ZONE POLICY | set-policy ZONE --inherit | set-policy --tenant T POLICY",
       "Assign a policy to a zone, or a tenant's default (zones without their own follow it)", 2, 3,
       nullptr, cmd_set_policy},
      {"rollover", "rollover ZONE zsk|ksk|csk|algorithm|insecure [--algorithm N]",
       "Start a rollover now (it waits while another is in progress); insecure publishes CDS "
       "delete records and unsigns once the parent dropped the DS",
       2, 4, cmd_rollover, nullptr},
      {"emergency-rollover", "emergency-rollover ZONE KEYTAG",
       "Replace a compromised key at once (its DS too, for a KSK/CSK)", 2, 2,
       cmd_emergency_rollover, nullptr},
      {"rollover-status", "rollover-status ZONE",
       "Keys, states, next transitions, CDS, the parent's DS, pending steps", 1, 1,
       cmd_rollover_status, nullptr},
      {"ds-seen", "ds-seen ZONE KEYTAG",
       "Confirm by hand that the parent serves the DS of KEYTAG (instead of the parent check)", 2,
       2, cmd_ds_seen, nullptr},
      {"approve", "approve ZONE", "Apply the rollover step awaiting approval (approval: manual)", 1,
       1, cmd_approve, nullptr},
      {"rollover-tick", "rollover-tick [ZONE...]",
       "One key manager pass over every due zone (or the given zones, now); pdns_server does this "
       "in the background",
       0, SIZE_MAX, cmd_rollover_tick, nullptr},
      {"health", "health [--tenant T] [--json] [ZONE...]",
       "Portfolio health per zone; exit 0 ok, 1 warning, 2 critical", 0, SIZE_MAX, cmd_health,
       nullptr},
      {"metrics", "metrics [--tenant T] [ZONE...]", "The same as Prometheus text-format metrics", 0,
       SIZE_MAX, cmd_metrics, nullptr},
      {"monitor", "monitor [--tenant T] [--json] [--check] [ZONE...]",
       "What validating resolvers (signet-monitor-resolvers) and the parent servers see of each "
       "secured zone, as last checked; --check asks them now and stores the findings; exit 0 "
       "secure, 1 unreachable/insecure/DS missing, 2 bogus or DS mismatch",
       0, SIZE_MAX, cmd_monitor, nullptr},
  };
  return table;
}

}  // namespace signet::admin
