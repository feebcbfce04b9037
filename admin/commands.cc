// SPDX-License-Identifier: GPL-2.0-or-later
#include "admin/commands.hh"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <iostream>
#include <map>

#include "conf/zonefile.hh"
#include "keystore/presigned_zones.hh"
#include "keystore/secondary_zones.hh"
#include "signer/error.hh"
#include "signer/json.hh"
#include "signer/rdata_text.hh"
#include "signer/rrtype.hh"

namespace signet::admin {

namespace {

// ------------------------------------------------------------------ argument parsing

Name parse_zone(const std::string& arg) {
  return Name::from_text(arg);
}

// "@" is the apex, a name ending in "." is absolute, anything else is relative to the zone.
Name parse_owner(const std::string& arg, const Name& zone) {
  if (arg == "@")
    return zone;
  if (!arg.empty() && arg.back() == '.')
    return Name::from_text(arg);
  return Name::from_text(arg, &zone);
}

uint32_t parse_ttl(const std::string& arg) {
  if (arg.empty() || arg.size() > 10 || !std::all_of(arg.begin(), arg.end(), ::isdigit)) {
    throw InputError("bad TTL '" + arg + "': expected a number of seconds");
  }
  uint64_t v = std::stoull(arg);
  if (v > 0x7fffffffu)
    throw InputError("bad TTL '" + arg + "': above 2147483647 (RFC 2181 §8)");
  return static_cast<uint32_t>(v);
}

// Record content is read like pdnsutil reads it: names in it are absolute, trailing dot or not.
std::vector<uint8_t> parse_content(uint16_t type, const std::string& text) {
  static const Name kRoot;
  return rdata_from_text(type, text, kRoot);
}

void print_warnings(Cli& cli, const std::vector<std::string>& warnings) {
  for (const auto& w : warnings)
    cli.err << "signetutil: warning: " << w << "\n";
}

const char* kind_text(ZoneKind k) {
  switch (k) {
    case ZoneKind::kPrimary:
      return "primary";
    case ZoneKind::kSecondary:
      return "secondary";
    case ZoneKind::kProducer:
      return "producer";
    case ZoneKind::kConsumer:
      return "consumer";
    default:
      return "native";
  }
}

// ------------------------------------------------------------------ tenants

void cmd_create_tenant(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  TenantRecord t = cli.portfolio.create_tenant(txn, a[0]);
  cli.out << "created tenant " << t.name << "\n";
}

void cmd_delete_tenant(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  cli.portfolio.delete_tenant(txn, a[0]);
  cli.out << "deleted tenant " << a[0] << "\n";
}

int cmd_list_tenants(Cli& cli, const Args&) {
  auto txn = cli.ctx.store().begin_read();
  auto tenants = cli.portfolio.tenants(txn);
  Json list = Json::array();
  for (const auto& t : tenants) {
    size_t zones = 0;
    cli.ctx.store().for_each_tenant_zone(txn, t.id, [&](const ZoneRecord&) { ++zones; });
    if (cli.json)
      list.push_back(Json{{"tenant", t.name}, {"zones", zones}, {"created", t.created}});
    else
      cli.out << t.name << "\t" << zones << "\n";
  }
  if (cli.json)
    cli.out << json_text(list) << "\n";
  return 0;
}

// ------------------------------------------------------------------ zones

constexpr const char* kCreateSecondaryUsage =
    "create-secondary TENANT ZONE PRIMARY... [--policy POLICY | --unsigned | --presigned]";

void cmd_create_zone(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  Name zone = parse_zone(a[1]);
  std::vector<Name> ns;
  for (size_t i = 2; i < a.size(); ++i)
    ns.push_back(Name::from_text(a[i]));
  cli.portfolio.create_zone_with_soa(txn, a[0], zone, ns);
  cli.out << "created zone " << zone.to_text() << " for tenant " << a[0] << "\n";
}

// create-secondary TENANT ZONE PRIMARY... [--policy P | --unsigned]: a zone pdns transfers in
// from PRIMARY and Signet signs (keystore/secondary_zones.hh).
void cmd_create_secondary(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  Opts o = parse_opts(a, {"--policy"}, {"--unsigned", "--presigned"});
  const std::vector<std::string>& positional = o.positional;
  if (positional.size() < 3)
    throw InputError("usage: signetutil " + std::string(kCreateSecondaryUsage));
  const bool presigned = o.flags.count("--presigned");
  if (o.values.count("--policy") + o.flags.count("--unsigned") + presigned > 1)
    throw InputError("--policy, --unsigned and --presigned exclude each other");
  // "": the tenant's default policy; nullopt: not signed by Signet.
  std::optional<std::string> policy;
  if (!o.flags.count("--unsigned") && !presigned)
    policy = o.values.count("--policy") ? o.values.at("--policy") : "";
  Name zone = parse_zone(positional[1]);
  std::vector<std::string> primaries(positional.begin() + 2, positional.end());
  SecondaryZones secondaries(cli.ctx.store(), &cli.ctx.audit());
  ZoneRecord z = secondaries.create(txn, cli.portfolio, cli.ctx.dnssec(), positional[0], zone,
                                    primaries, policy);
  if (presigned)
    PresignedZones(cli.ctx.store(), &cli.ctx.audit()).mark(txn, z, false);
  cli.out << "created secondary zone " << zone.to_text() << " for tenant " << positional[0]
          << ", transferred from";
  for (const auto& p : secondaries.primaries(txn, z))
    cli.out << " " << p;
  if (policy) {
    cli.out << "; signed at its first transfer with policy "
            << (policy->empty() ? "of its tenant (default)" : *policy);
  } else if (presigned) {
    cli.out << "; presigned: served with its primary's signatures";
  } else {
    cli.out << "; served unsigned";
  }
  cli.out << "\n";
}

void cmd_delete_zone(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  Name zone = parse_zone(a[0]);
  cli.portfolio.delete_zone(txn, zone);
  cli.out << "deleted zone " << zone.to_text() << "\n";
}

void cmd_move_zone(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  Name zone = parse_zone(a[0]);
  cli.portfolio.move_zone(txn, zone, a[1], /*create_tenant=*/false);
  cli.out << "moved zone " << zone.to_text() << " to tenant " << a[1] << "\n";
}

int cmd_list_zones(Cli& cli, const Args& a) {
  auto txn = cli.ctx.store().begin_read();
  std::optional<std::string_view> filter;
  if (!a.empty())
    filter = a[0];
  auto zones = cli.portfolio.zones(txn, filter);
  std::sort(zones.begin(), zones.end(), [](const ZoneRecord& x, const ZoneRecord& y) {
    return canonical_compare(x.name, y.name) < 0;
  });
  std::map<uint32_t, std::string> names;
  auto tenant_of = [&](uint32_t id) -> const std::string& {
    auto it = names.find(id);
    if (it == names.end())
      it = names.emplace(id, cli.portfolio.tenant_name(txn, id)).first;
    return it->second;
  };
  Json list = Json::array();
  for (const auto& z : zones) {
    if (cli.json) {
      list.push_back(Json{{"zone", z.name.to_text()},
                          {"tenant", tenant_of(z.tenant_id)},
                          {"serial", z.serial},
                          {"kind", kind_text(z.kind)},
                          {"id", z.id}});
    } else {
      cli.out << z.name.to_text() << "\t" << tenant_of(z.tenant_id) << "\t" << z.serial << "\n";
    }
  }
  if (cli.json)
    cli.out << json_text(list) << "\n";
  return 0;
}

void cmd_load_zone(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  Name zone = parse_zone(a[1]);
  const std::string& file = a[2];
  ZoneChange c = cli.portfolio.replace_zone(txn, a[0], zone, [&](ZoneWriter& w) {
    read_zone_file(file, zone, [&](const ZoneFileRecord& r) {
      w.add(r.owner, r.type, r.ttl, r.rdata, r.where);
    });
  });
  print_warnings(cli, c.warnings);
  cli.out << (c.created ? "created" : "replaced") << " zone " << zone.to_text() << " for tenant "
          << a[0] << ": " << c.records << " records, serial " << c.zone.serial << "\n";
}

int cmd_list_zone(Cli& cli, const Args& a) {
  bool dnssec = false;
  std::string zone;
  for (const auto& arg : a) {
    if (arg == "--dnssec")
      dnssec = true;
    else
      zone = arg;
  }
  if (zone.empty())
    throw InputError("usage: signetutil list-zone [--dnssec] ZONE");
  auto txn = cli.ctx.store().begin_read();
  ZoneRecord z = cli.portfolio.zone(txn, parse_zone(zone));
  write_zone_file(cli.ctx.store(), txn, z, cli.out, dnssec);
  return 0;
}

// ------------------------------------------------------------------ records

void cmd_add_record(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  Name zone = parse_zone(a[0]);
  Name owner = parse_owner(a[1], zone);
  uint16_t type = rrtype_from_text(a[2]);
  uint32_t ttl = parse_ttl(a[3]);
  auto rdata = parse_content(type, a[4]);
  ZoneChange c = cli.portfolio.edit_zone(
      txn, zone, [&](ZoneWriter& w) { w.add(owner, type, ttl, rdata); }, /*bump_serial=*/true);
  print_warnings(cli, c.warnings);
  cli.out << "added " << owner.to_text() << " " << ttl << " IN " << rrtype_to_text(type) << " "
          << rdata_to_text(type, rdata) << "\n";
}

void cmd_replace_rrset(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  Name zone = parse_zone(a[0]);
  Name owner = parse_owner(a[1], zone);
  uint16_t type = rrtype_from_text(a[2]);
  uint32_t ttl = parse_ttl(a[3]);
  std::vector<std::vector<uint8_t>> rdatas;
  for (size_t i = 4; i < a.size(); ++i)
    rdatas.push_back(parse_content(type, a[i]));
  ZoneChange c = cli.portfolio.edit_zone(
      txn, zone, [&](ZoneWriter& w) { w.replace(owner, type, ttl, rdatas); }, true);
  print_warnings(cli, c.warnings);
  cli.out << "replaced " << owner.to_text() << " " << rrtype_to_text(type) << " with "
          << rdatas.size() << " record(s)\n";
}

void cmd_delete_rrset(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  Name zone = parse_zone(a[0]);
  Name owner = parse_owner(a[1], zone);
  uint16_t type = rrtype_from_text(a[2]);
  cli.portfolio.edit_zone(
      txn, zone, [&](ZoneWriter& w) { w.remove(owner, type); }, true);
  cli.out << "deleted " << owner.to_text() << " " << rrtype_to_text(type) << "\n";
}

void cmd_increase_serial(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  Name zone = parse_zone(a[0]);
  uint32_t serial = cli.portfolio.increase_serial(txn, zone);
  cli.out << "zone " << zone.to_text() << " serial " << serial << "\n";
}

}  // namespace

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"create-tenant", "create-tenant TENANT", "Create a tenant", 1, 1, nullptr,
       cmd_create_tenant},
      {"list-tenants", "list-tenants", "List tenants and how many zones each owns", 0, 0,
       cmd_list_tenants, nullptr},
      {"delete-tenant", "delete-tenant TENANT", "Delete a tenant (refused while it owns zones)", 1,
       1, nullptr, cmd_delete_tenant},
      {"create-zone", "create-zone TENANT ZONE [NS...]",
       "Create a zone with a default SOA and the given NS records", 2, SIZE_MAX, nullptr,
       cmd_create_zone},
      {"create-secondary", kCreateSecondaryUsage,
       "Create a zone that pdns transfers in from PRIMARY (ip[:port]) on its SOA timer and on "
       "NOTIFY; Signet signs it (the tenant's policy, or --policy) unless --unsigned, or serves "
       "its primary's signatures (--presigned)",
       3, SIZE_MAX, nullptr, cmd_create_secondary},
      {"delete-zone", "delete-zone ZONE", "Delete a zone and all its data", 1, 1, nullptr,
       cmd_delete_zone},
      {"move-zone", "move-zone ZONE TENANT", "Give a zone to another tenant", 2, 2, nullptr,
       cmd_move_zone},
      {"list-zones", "list-zones [TENANT]", "List zones (name, tenant, serial)", 0, 1,
       cmd_list_zones, nullptr},
      {"load-zone", "load-zone TENANT ZONE FILE",
       "Replace a zone's data with an RFC 1035 master file, atomically (creates the zone)", 3, 3,
       nullptr, cmd_load_zone},
      {"list-zone", "list-zone [--dnssec] ZONE",
       "Print a zone as a master file (--dnssec: with its RRSIGs and NSEC/NSEC3 chain)", 1, 2,
       cmd_list_zone, nullptr},
      {"add-record", "add-record ZONE NAME TYPE TTL CONTENT",
       "Add one record (NAME: @, relative to ZONE, or absolute with a trailing dot)", 5, 5, nullptr,
       cmd_add_record},
      {"replace-rrset", "replace-rrset ZONE NAME TYPE TTL CONTENT...",
       "Replace an RRset with the given records", 5, SIZE_MAX, nullptr, cmd_replace_rrset},
      {"delete-rrset", "delete-rrset ZONE NAME TYPE", "Delete an RRset", 3, 3, nullptr,
       cmd_delete_rrset},
      {"increase-serial", "increase-serial ZONE", "Increase the SOA serial by one (RFC 1982)", 1, 1,
       nullptr, cmd_increase_serial},
  };
  return table;
}

const std::vector<CommandGroup>& command_groups() {
  static const std::vector<CommandGroup> groups = {
      {"Tenants and zones", commands},
      {"Audit", audit_commands},
      {"DNSSEC", dnssec_commands},
      {"Key lifecycle and health", keyman_commands},
      {"Catalog zones (secondaries)", catalog_commands},
      {"API tokens (for signetd)", token_commands},
      {"TSIG keys (DNS UPDATE, AXFR)", tsig_commands},
      {"Backup and restore", backup_commands},
      {"Evidence packs", evidence_commands},
  };
  return groups;
}

const Command* find_command(const std::string& name) {
  for (const auto& group : command_groups()) {
    for (const auto& c : group.table()) {
      if (name == c.name)
        return &c;
    }
  }
  return nullptr;
}

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

std::string elapsed_ms(std::chrono::steady_clock::time_point start) {
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", ms);
  return buf;
}

std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (!in_word && c == '#')
      break;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (in_word) {
        words.push_back(cur);
        cur.clear();
        in_word = false;
      }
      continue;
    }
    in_word = true;
    if (c == '\'') {
      size_t end = line.find('\'', i + 1);
      if (end == std::string::npos)
        throw InputError("unterminated ' quote");
      cur.append(line, i + 1, end - i - 1);
      i = end;
    } else if (c == '"') {
      ++i;
      for (; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\'))
          ++i;
        cur += line[i];
      }
      if (i >= line.size())
        throw InputError("unterminated \" quote");
    } else if (c == '\\' && i + 1 < line.size()) {
      cur += line[++i];
    } else {
      cur += c;
    }
  }
  if (in_word)
    words.push_back(cur);
  return words;
}

}  // namespace signet::admin
