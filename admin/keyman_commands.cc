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
#include "keystore/health.hh"
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

// Options of the form --name VALUE or --flag among positional arguments.
struct Opts {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;
  std::set<std::string> flags;
};
Opts parse_opts(const Args& a, const std::set<std::string>& with_value,
                const std::set<std::string>& flags) {
  Opts o;
  for (size_t i = 0; i < a.size(); ++i) {
    if (with_value.count(a[i])) {
      if (i + 1 >= a.size())
        throw InputError(a[i] + " needs a value");
      const std::string& key = a[i];
      o.values[key] = a[i + 1];  // (not a[++i]: the right side would be evaluated first)
      ++i;
    } else if (flags.count(a[i])) {
      o.flags.insert(a[i]);
    } else if (a[i].rfind("--", 0) == 0) {
      throw InputError("unknown option '" + a[i] + "'");
    } else {
      o.positional.push_back(a[i]);
    }
  }
  return o;
}

std::string policy_summary(const SigningPolicy& p) {
  std::string s = algorithm_name(p.algorithm) + " " + (p.csk ? "csk" : "ksk-zsk");
  auto life = [](uint32_t v) { return v ? duration_text(v) : std::string("never"); };
  if (p.csk)
    s += " csk-lifetime " + life(p.csk_lifetime);
  else
    s += " ksk-lifetime " + life(p.ksk_lifetime) + " zsk-lifetime " + life(p.zsk_lifetime);
  s += p.denial == DenialMode::kNsec ? " nsec" : " nsec3";
  const char* cds[] = {"none", "rollover", "always", "delete"};
  s += std::string(" cds ") + cds[static_cast<int>(p.cds)];
  const char* sub[] = {"none", "hook", "push"};
  s += std::string(" ds-submission ") + sub[static_cast<int>(p.ds_submission)];
  if (p.manual_approval)
    s += " approval manual";
  return s;
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

std::string owner_text(const Cli& cli, const lmdb::Txn& txn, const PolicyResolver::Found& f) {
  if (!f.stored)
    return "built-in";
  if (f.stored->owner == kGlobalPolicyOwner)
    return "global";
  return "tenant " + cli.portfolio.tenant_name(txn, f.stored->owner);
}

std::string unsealed_note(const PolicyResolver::Found& f) {
  return f.secret_in_clear ? " (TSIG secret not sealed: stored before schema 3; import it again)"
                           : "";
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
  std::string owner = owner_text(cli, txn, *f);
  if (f->secret_in_clear)
    cli.err << "signetutil: warning: policy '" << a[1] << "'" << unsealed_note(*f) << "\n";
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
  const PolicyResolver& resolver = cli.ctx.dnssec().policies();
  struct Row {
    std::string name, source, summary;
  };
  std::vector<Row> rows;
  auto add = [&](const PolicyResolver::Found& f) {
    rows.push_back(
        Row{f.policy.name, owner_text(cli, txn, f), policy_summary(f.policy) + unsealed_note(f)});
  };
  uint32_t tenant = viewer(cli, txn);
  std::set<std::string> names;
  for (const auto& n : builtin_policy_names())
    names.insert(n);
  const PolicyStore& store = cli.ctx.dnssec().policy_store();
  if (tenant != kGlobalPolicyOwner) {
    for (const auto& p : store.owned_by(txn, kGlobalPolicyOwner))
      names.insert(p.name);
    for (const auto& p : store.owned_by(txn, tenant))
      names.insert(p.name);
    for (const auto& n : names)
      add(*resolver.find(txn, tenant, n));
  } else {
    auto stored = store.all(txn);
    for (const auto& n : names) {
      bool global = std::any_of(stored.begin(), stored.end(), [&](const StoredPolicy& p) {
        return p.owner == kGlobalPolicyOwner && p.name == n;
      });
      if (!global)
        add(*resolver.find(txn, kGlobalPolicyOwner, n));
    }
    for (const auto& p : stored)
      add(resolver.parse(p));
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Row& x, const Row& y) { return x.name < y.name; });
  }
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
  auto st = dnssec.state().find(txn, zone.id);
  if (!st)
    throw Conflict("zone '" + zone.name.to_text() + "' is not secured (secure-zone ZONE POLICY)");
  std::string before = dnssec.policies().name_for(txn, zone, *st);
  std::string name = inherit ? "" : o.positional[1];
  if (!inherit && !dnssec.policies().find(txn, zone.tenant_id, name))
    throw unknown(name, cli.portfolio.tenant_name(txn, zone.tenant_id));
  st->policy = name;
  dnssec.state().put(txn, zone.id, *st);
  // An earlier operator algorithm choice gives way to the policy's.
  auto rb = dnssec.state().rollover(txn, zone.id);
  auto ra = rb;
  ra.algorithm_override = 0;
  dnssec.state().put_rollover(txn, zone.id, rb, ra);
  std::string after = dnssec.policies().name_for(txn, zone, *st);
  auto tenant = store.tenant_by_id(txn, zone.tenant_id);
  cli.ctx.audit().append(txn, "policy-assigned", zone.tenant_id, zone.id,
                         tenant ? tenant->name : "", zone.name.to_text(),
                         Json{{"before", before}, {"after", after}});
  // The policy's denial settings apply now (one transaction: no unsigned moment).
  auto named = dnssec.policies().named(txn, zone.tenant_id, after);
  if (!named)
    throw unknown(after, tenant ? tenant->name : "");
  SigningPolicy policy = *named;
  SigningPolicy current = dnssec.policies().for_zone(txn, zone, *st);
  bool denial_differs =
      policy.denial != current.denial ||
      (policy.denial == DenialMode::kNsec3 &&
       (policy.nsec3.iterations != current.nsec3.iterations ||
        policy.nsec3.salt != current.nsec3.salt || policy.nsec3.flags != current.nsec3.flags));
  if (denial_differs) {
    auto nsec3 = policy.denial == DenialMode::kNsec3 ? std::optional<Nsec3Params>(policy.nsec3)
                                                     : std::nullopt;
    if (cli.after_commit) {
      // The new chain is built beside the served one after the commit (keystore/resign.hh).
      dnssec.signing().begin_denial(txn, zone, nsec3);
      CompositionRoot& ctx = cli.ctx;
      uint32_t zone_id = zone.id;
      unsigned threads = ctx.config().signing_threads;
      cli.after_commit->push_back([&ctx, zone_id, threads](std::ostream&) {
        ctx.dnssec().signing().complete(zone_id, threads);
      });
    } else {
      dnssec.signing().set_denial(txn, zone, nsec3, cli.ctx.config().signing_threads);
    }
  }
  cli.ctx.keyman().wake(txn, zone.id);
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
  size_t acted = km.run_due(SIZE_MAX);
  if (!cli.json)
    cli.out << "rollover-tick: " << acted << " zone(s) due\n";
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

Json key_json(const KeyStatus& k) {
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

Json keys_json(const std::vector<KeyStatus>& keys) {
  Json out = Json::array();
  for (const auto& k : keys)
    out.push_back(key_json(k));
  return out;
}

std::string ds_list(const std::vector<std::pair<uint16_t, uint8_t>>& ds) {
  std::string s;
  for (const auto& [tag, alg] : ds)
    s += (s.empty() ? "" : " ") + std::to_string(tag) + "/" + std::to_string(alg);
  return s.empty() ? "none" : s;
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
    Json parent{{"checked", time_text(r.parent_checked_at)},
                {"ds", ds_list(r.parent_ds)},
                {"ds_any", ds_list(r.parent_ds_any)},
                {"unknown_ds", r.parent_unknown},
                {"failures", r.parent_failures},
                {"error", r.last_check_error},
                {"next_check", time_text(r.next_parent_check)}};
    Json submission{{"pending", r.submit_key != 0},
                    {"failures", r.submit_failures},
                    {"error", r.last_error},
                    {"next", time_text(r.next_submit)}};
    cli.out << json_text(Json{{"zone", zone.name.to_text()},
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
                              {"keys", keys_json(s.keys)}})
            << "\n";
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
    cli.out << "every server: " << ds_list(r.parent_ds) << "; some: " << ds_list(r.parent_ds_any);
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

struct Survey {
  std::vector<ZoneHealth> zones;
  size_t count[3] = {0, 0, 0};
  HealthStatus worst = HealthStatus::kOk;
  StoreHealth store;
};

Survey survey(Cli& cli, const Opts& o) {
  Survey s;
  std::optional<std::string> tenant = cli.portfolio.scope();
  if (o.values.count("--tenant")) {
    if (tenant && *tenant != o.values.at("--tenant"))
      throw ScopeError("scoped to tenant '" + *tenant + "'");
    tenant = o.values.at("--tenant");
  }
  auto txn = cli.ctx.store().begin_read();
  uint64_t now = cli.ctx.clock().now();
  s.store = assess_store(cli.ctx.store().env().usage(txn));
  s.worst = s.store.status;
  std::map<uint32_t, std::string> names;
  auto tenant_name = [&](uint32_t id) -> const std::string& {
    auto it = names.find(id);
    if (it == names.end())
      it = names.emplace(id, cli.portfolio.tenant_name(txn, id)).first;
    return it->second;
  };
  auto add = [&](const ZoneRecord& z) {
    ZoneHealth h = assess_zone(cli.ctx.keyman(), cli.ctx.dnssec(), cli.ctx.store(), txn, z,
                               tenant_name(z.tenant_id), now);
    ++s.count[static_cast<int>(h.status)];
    s.worst = std::max(s.worst, h.status);
    s.zones.push_back(std::move(h));
  };
  if (!o.positional.empty()) {
    for (const auto& z : o.positional)
      add(cli.portfolio.zone(txn, Name::from_text(z)));
  } else if (tenant) {
    for (const auto& z : cli.portfolio.zones(txn, *tenant))
      add(z);
  } else {
    cli.ctx.store().for_each_zone(txn, [&](const ZoneRecord& z) { add(z); });
  }
  return s;
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
  Survey s;
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
    Json zones = Json::array();
    for (const auto& h : s.zones) {
      Json z{{"zone", h.zone},
             {"tenant", h.tenant},
             {"status", health_status_name(h.status)},
             {"reasons", h.reasons},
             {"signed", h.secured}};
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
        z["keys"] = keys_json(h.keys);
      }
      zones.push_back(std::move(z));
    }
    const auto& u = s.store.usage;
    Json store{{"status", health_status_name(s.store.status)},
               {"reason", s.store.reason},
               {"map_bytes", u.map_bytes},
               {"used_bytes", u.used_bytes},
               {"available_bytes", u.available_bytes()}};
    cli.out << json_text(Json{{"status", health_status_name(s.worst)},
                              {"store", store},
                              {"ok", s.count[0]},
                              {"warning", s.count[1]},
                              {"critical", s.count[2]},
                              {"zones", zones}})
            << "\n";
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

std::string label(std::string_view v) {
  // Prometheus label values: escape backslash, double quote and newline.
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

int cmd_metrics(Cli& cli, const Args& a) {
  Opts o = parse_opts(a, {"--tenant"}, {});
  Survey s = survey(cli, o);
  auto& out = cli.out;
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
    out << "signet_zone_signed{" << zl(h) << "} " << (h.secured ? 1 : 0) << "\n";
  head("signet_zone_rrsig_expiry_timestamp_seconds", "gauge",
       "Earliest RRSIG expiration of the zone (Unix time).");
  for (const auto& h : s.zones) {
    if (h.secured && h.earliest_expiry)
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
  head("signet_key_state", "gauge", "One series per key, value 1, with its state.");
  for (const auto& h : s.zones) {
    for (const auto& k : h.keys) {
      out << "signet_key_state{" << zl(h) << ",tag=\"" << k.times.tag << "\",role=\""
          << key_role_name(k.times.role) << "\",algorithm=\"" << algorithm_number(k.times.algorithm)
          << "\",state=\"" << key_state_name(k.state) << "\"} 1\n";
    }
  }
  return 0;
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
  };
  return table;
}

}  // namespace signet::admin
