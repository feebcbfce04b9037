// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetutil catalog create|list|members|add|remove|set-default: the catalog zones Signet
// produces (RFC 9432; keystore/catalogs.hh has the rules). pdns writes a catalog's content
// itself at each transfer, so a catalog here is a zone of kind producer and a link from each
// member to it; member properties go through pdnsutil set-option (pdns' own words for them).
#include <map>

#include "admin/commands.hh"
#include "keystore/catalogs.hh"
#include "signer/error.hh"
#include "signer/json.hh"

namespace signet::admin {

namespace {

struct CatalogArgs {
  std::vector<std::string> positional;
  std::optional<std::string> tenant;
  bool no_default = false;
  bool json = false;
};

CatalogArgs parse(const Cli& cli, const Args& a) {
  CatalogArgs out;
  out.json = cli.json;
  for (size_t i = 1; i < a.size(); ++i) {
    if (a[i] == "--tenant" && i + 1 < a.size())
      out.tenant = a[++i];
    else if (a[i].rfind("--tenant=", 0) == 0)
      out.tenant = a[i].substr(9);
    else if (a[i] == "--no-default")
      out.no_default = true;
    else if (a[i] == "--json")
      out.json = true;
    else if (a[i].rfind("--", 0) == 0)
      throw InputError("unknown option '" + a[i] + "'");
    else
      out.positional.push_back(a[i]);
  }
  // Under signetutil --tenant T, a catalog is T's: a shared one is the operator's to make.
  if (const auto& scope = cli.portfolio.scope()) {
    if (out.tenant && *out.tenant != *scope)
      throw ScopeError("scoped to tenant '" + *scope + "', not '" + *out.tenant + "'");
    out.tenant = scope;
  }
  return out;
}

Name zone_name(const std::string& text) {
  return Name::from_text(text).lowered();
}

ZoneRecord catalog_zone(Cli& cli, const lmdb::Txn& txn, const std::string& text) {
  ZoneRecord z = cli.portfolio.zone(txn, zone_name(text));
  if (z.kind != ZoneKind::kProducer)
    throw InputError("zone '" + z.name.to_text() + "' is not a catalog (signetutil catalog list)");
  return z;
}

void need(const CatalogArgs& c, size_t min, size_t max, const char* usage) {
  if (c.positional.size() < min || c.positional.size() > max)
    throw InputError(std::string("usage: signetutil catalog ") + usage);
}

int catalog_create(Cli& cli, const Args& a) {
  CatalogArgs c = parse(cli, a);
  need(c, 1, 1, "create CAT [--tenant TENANT] [--no-default]");
  Name apex = zone_name(c.positional[0]);
  Catalogs catalogs(cli.ctx.store(), &cli.ctx.audit());
  auto txn = cli.ctx.store().begin_write();
  // A shared catalog belongs to the default tenant (signet-default-tenant), as zones pdns makes
  // without an account do; any tenant's zones may join it.
  std::string owner = c.tenant.value_or(cli.ctx.config().default_tenant);
  TenantRecord t = cli.portfolio.tenant_or_create(txn, owner, !c.tenant.has_value());
  ZoneRecord z = cli.portfolio.create_zone(txn, t.name, apex, ZoneKind::kProducer);
  catalogs.make_producer(txn, z, !c.tenant, cli.ctx.clock().now());
  if (!c.no_default)
    catalogs.set_default(txn, c.tenant ? std::optional<TenantRecord>(t) : std::nullopt, z);
  txn.commit();
  cli.out << "created catalog " << apex.to_text() << " ("
          << (c.tenant ? "tenant " + t.name : std::string("shared, every tenant may use it"))
          << ")";
  if (!c.no_default)
    cli.out << "; new zones of " << (c.tenant ? "tenant " + t.name : std::string("every tenant"))
            << (c.tenant ? "" : " without a default catalog of its own") << " join it";
  cli.out << "\n";
  return 0;
}

int catalog_set_default(Cli& cli, const Args& a) {
  CatalogArgs c = parse(cli, a);
  need(c, 1, 1, "set-default CAT [--tenant TENANT]");
  Catalogs catalogs(cli.ctx.store(), &cli.ctx.audit());
  auto txn = cli.ctx.store().begin_write();
  ZoneRecord cat = catalog_zone(cli, txn, c.positional[0]);
  std::optional<TenantRecord> t;
  if (c.tenant)
    t = cli.portfolio.tenant(txn, *c.tenant);
  catalogs.set_default(txn, t, cat);
  txn.commit();
  cli.out << "new zones of " << (t ? "tenant " + t->name : std::string("every tenant"))
          << " join catalog " << cat.name.to_text() << "\n";
  return 0;
}

// add CAT ZONE... / remove ZONE...: one transaction for all the zones named.
int catalog_membership(Cli& cli, const Args& a, bool add) {
  CatalogArgs c = parse(cli, a);
  need(c, add ? 2 : 1, SIZE_MAX, add ? "add CAT ZONE..." : "remove ZONE...");
  Catalogs catalogs(cli.ctx.store(), &cli.ctx.audit());
  auto txn = cli.ctx.store().begin_write();
  std::optional<ZoneRecord> cat;
  if (add)
    cat = catalog_zone(cli, txn, c.positional[0]);
  std::vector<std::string> done;
  for (size_t i = add ? 1 : 0; i < c.positional.size(); ++i) {
    ZoneRecord z = cli.portfolio.zone(txn, zone_name(c.positional[i]));
    catalogs.set_catalog(txn, z, cat);
    done.push_back(z.name.to_text());
  }
  txn.commit();
  for (const auto& name : done) {
    if (add)
      cli.out << "zone " << name << " is in catalog " << cat->name.to_text() << "\n";
    else
      cli.out << "zone " << name << " is in no catalog\n";
  }
  return 0;
}

int catalog_list(Cli& cli, const Args& a) {
  CatalogArgs c = parse(cli, a);
  need(c, 0, 0, "list [--json]");
  Catalogs catalogs(cli.ctx.store(), nullptr);
  auto txn = cli.ctx.store().begin_read();
  std::map<uint32_t, size_t> members;
  std::vector<ZoneRecord> list;
  for (const ZoneRecord& z : cli.portfolio.zones(txn, std::nullopt)) {
    if (z.kind == ZoneKind::kProducer)
      list.push_back(z);
  }
  cli.ctx.store().for_each_zone(txn, [&](const ZoneRecord& z) {
    if (z.catalog_id)
      ++members[z.catalog_id];
  });
  auto global = catalogs.global_default(txn);
  std::map<uint32_t, std::vector<std::string>> defaults;  // catalog id -> tenants
  for (const TenantRecord& t : cli.ctx.store().list_tenants(txn)) {
    if (t.default_catalog)
      defaults[t.default_catalog].push_back(t.name);
  }
  Json out = Json::array();
  if (!c.json)
    cli.out << "# catalog\ttenant\tshared\tmembers\tdefault for\n";
  for (const ZoneRecord& z : list) {
    bool shared = z.flags & codec::kZoneSharedCatalog;
    std::vector<std::string> for_whom = defaults[z.id];
    if (global && global->id == z.id)
      for_whom.insert(for_whom.begin(), "*");
    std::string tenant = cli.portfolio.tenant_name(txn, z.tenant_id);
    if (c.json) {
      out.push_back(Json{{"catalog", z.name.to_text()},
                         {"tenant", tenant},
                         {"shared", shared},
                         {"members", members[z.id]},
                         {"default_for", for_whom},
                         {"serial", z.serial}});
      continue;
    }
    std::string whom;
    for (const auto& w : for_whom)
      whom += (whom.empty() ? "" : ",") + w;
    cli.out << z.name.to_text() << "\t" << tenant << "\t" << (shared ? "yes" : "no") << "\t"
            << members[z.id] << "\t" << (whom.empty() ? "-" : whom) << "\n";
  }
  if (c.json)
    cli.out << json_text(out) << "\n";
  return 0;
}

int catalog_members(Cli& cli, const Args& a) {
  CatalogArgs c = parse(cli, a);
  need(c, 1, 1, "members CAT [--json]");
  Catalogs catalogs(cli.ctx.store(), nullptr);
  auto txn = cli.ctx.store().begin_read();
  ZoneRecord cat = catalog_zone(cli, txn, c.positional[0]);
  Json out = Json::array();
  for (const ZoneRecord& z : catalogs.members(txn, cat)) {
    std::string tenant = cli.portfolio.tenant_name(txn, z.tenant_id);
    // A scoped listing of a shared catalog shows the tenant's own members only.
    if (cli.portfolio.scope() && tenant != *cli.portfolio.scope())
      continue;
    if (c.json) {
      out.push_back(Json{
          {"zone", z.name.to_text()},
          {"tenant", tenant},
          {"options", z.catalog_options.empty() ? Json(nullptr) : Json::parse(z.catalog_options)}});
    } else {
      cli.out << z.name.to_text() << "\t" << tenant << "\t"
              << (z.catalog_options.empty() ? "-" : z.catalog_options) << "\n";
    }
  }
  if (c.json)
    cli.out << json_text(out) << "\n";
  return 0;
}

// Each verb runs its own transaction: not a batch command.
int cmd_catalog(Cli& cli, const Args& a) {
  const std::string& verb = a[0];
  if (verb == "create")
    return catalog_create(cli, a);
  if (verb == "set-default")
    return catalog_set_default(cli, a);
  if (verb == "add")
    return catalog_membership(cli, a, true);
  if (verb == "remove")
    return catalog_membership(cli, a, false);
  if (verb == "list")
    return catalog_list(cli, a);
  if (verb == "members")
    return catalog_members(cli, a);
  throw InputError("unknown catalog command '" + verb +
                   "' (create, set-default, add, remove, list, members)");
}

}  // namespace

const std::vector<Command>& catalog_commands() {
  static const std::vector<Command> table = {
      {"catalog",
       "catalog create CAT [--tenant TENANT] [--no-default]\n"
       "  catalog set-default CAT [--tenant TENANT]\n"
       "  catalog add CAT ZONE...\n"
       "  catalog remove ZONE...\n"
       "  catalog list [--json]\n"
       "  catalog members CAT [--json]",
       "Catalog zones for secondaries (RFC 9432). create makes CAT a producer catalog and the\n"
       "      default that new zones join: without --tenant shared and the global default, with\n"
       "      it that tenant's (--no-default: neither). A zone may be in a catalog of its own\n"
       "      tenant or a shared one; every member's new serials are NOTIFYed, whatever its kind.\n"
       "      Member properties: pdnsutil set-option ZONE producer group|coo VALUE",
       1, SIZE_MAX, cmd_catalog, nullptr},
  };
  return table;
}

}  // namespace signet::admin
