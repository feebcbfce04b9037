// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetutil tsig create|list|delete: TSIG keys for DNS UPDATE and AXFR (keystore/tsig_keys.hh).
// A new key's secret is printed once, alone on stdout, after the transaction that stores it
// sealed has committed; it is never written anywhere else.
#include <iostream>
#include <map>

#include "admin/commands.hh"
#include "keystore/tsig_keys.hh"
#include "signer/error.hh"
#include "signer/json.hh"

namespace signet::admin {

namespace {

constexpr const char* kCreateUsage =
    "tsig create TENANT NAME [ALGORITHM] | tsig create --operator NAME [ALGORITHM]";

Name key_name(const std::string& text) {
  Name n = Name::from_text(text);
  if (n.wire_size() <= 1)
    throw InputError("bad TSIG key name '" + text + "': the root cannot name a key");
  return n;
}

TsigAlgorithm algorithm(const std::vector<std::string>& positional, size_t at) {
  if (positional.size() <= at)
    return kDefaultTsigAlgorithm;
  auto alg = tsig_algorithm_from_name(positional[at]);
  if (!alg) {
    throw InputError("unknown TSIG algorithm '" + positional[at] +
                     "' (hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha224, hmac-sha1, "
                     "hmac-md5)");
  }
  return *alg;
}

int tsig_create(Cli& cli, const Args& a) {
  bool op = false;
  std::vector<std::string> positional;
  for (size_t i = 1; i < a.size(); ++i) {
    if (a[i] == "--operator")
      op = true;
    else if (a[i].rfind("--", 0) == 0)
      throw InputError("unknown option '" + a[i] + "'");
    else
      positional.push_back(a[i]);
  }
  const size_t need = op ? 1 : 2;
  if (positional.size() < need || positional.size() > need + 1)
    throw InputError(std::string("usage: signetutil ") + kCreateUsage);
  if (op && cli.portfolio.scope()) {
    throw ScopeError("scoped to tenant '" + *cli.portfolio.scope() +
                     "': a global TSIG key is the operator's");
  }
  Name name = key_name(positional[need - 1]);
  TsigAlgorithm alg = algorithm(positional, need);
  auto txn = cli.ctx.store().begin_write();
  uint32_t owner = kGlobalTsigOwner;
  std::string whose = "global";
  if (!op) {
    TenantRecord t = cli.portfolio.tenant(txn, positional[0]);  // honours the scope
    owner = t.id;
    whose = "tenant " + t.name;
  }
  CreatedTsigKey created = cli.ctx.tsig_keys().create(txn, owner, name, alg);
  txn.commit();
  // The one line on stdout: SECRET=$(signetutil tsig create ...) captures the secret alone.
  cli.out.write(reinterpret_cast<const char*>(created.secret_base64.data()),
                static_cast<std::streamsize>(created.secret_base64.size()));
  cli.out << "\n";
  cli.out.flush();
  cli.err << "signetutil: created TSIG key " << name.to_text() << " (" << whose << ", "
          << tsig_algorithm_name(alg)
          << "); its secret is shown only this once and cannot be recovered\n";
  return 0;
}

int tsig_list(Cli& cli, const Args& a) {
  bool json = cli.json;
  std::optional<std::string> tenant = cli.portfolio.scope();
  std::vector<std::string> positional;
  for (size_t i = 1; i < a.size(); ++i) {
    if (a[i] == "--json")
      json = true;
    else if (a[i].rfind("--", 0) == 0)
      throw InputError("unknown option '" + a[i] + "'");
    else
      positional.push_back(a[i]);
  }
  if (positional.size() > 1)
    throw InputError("usage: signetutil tsig list [TENANT] [--json]");
  if (!positional.empty())
    tenant = positional[0];
  auto txn = cli.ctx.store().begin_read();
  std::optional<uint32_t> owner;
  if (tenant)
    owner = cli.portfolio.tenant(txn, *tenant).id;  // must exist and be in the scope
  std::map<uint32_t, std::string> names;
  auto tenant_of = [&](uint32_t id) -> std::string {
    auto it = names.find(id);
    if (it == names.end())
      it = names.emplace(id, cli.portfolio.tenant_name(txn, id)).first;
    return it->second;
  };
  Json list = Json::array();
  if (!json)
    cli.out << "# name\ttenant\talgorithm\tcreated\n";
  for (const auto& k : cli.ctx.tsig_keys().list(txn, owner)) {
    std::string alg(tsig_algorithm_name(static_cast<TsigAlgorithm>(k.algorithm)));
    bool global = k.owner == kGlobalTsigOwner;
    if (json) {
      list.push_back(Json{{"name", k.name.to_text()},
                          {"tenant", global ? Json(nullptr) : Json(tenant_of(k.owner))},
                          {"global", global},
                          {"algorithm", alg},
                          {"created", iso_time(k.created)}});
    } else {
      cli.out << k.name.to_text() << "\t" << (global ? "*" : tenant_of(k.owner)) << "\t" << alg
              << "\t" << iso_time(k.created) << "\n";
    }
  }
  if (json)
    cli.out << json_text(list) << "\n";
  return 0;
}

int tsig_delete(Cli& cli, const Args& a) {
  if (a.size() != 2)
    throw InputError("usage: signetutil tsig delete NAME");
  Name name = key_name(a[1]);
  TsigKeys& keys = cli.ctx.tsig_keys();
  auto txn = cli.ctx.store().begin_write();
  if (const auto& scope = cli.portfolio.scope()) {
    auto k = keys.find(txn, name);
    if (!k)
      throw NotFound("TSIG key '" + name.to_text() + "' does not exist");
    if (k->owner == kGlobalTsigOwner || cli.portfolio.tenant_name(txn, k->owner) != *scope)
      throw ScopeError("scoped to tenant '" + *scope + "': TSIG key '" + name.to_text() +
                       "' is not one of its keys");
  }
  keys.remove(txn, name);
  txn.commit();
  cli.out << "deleted TSIG key " << name.to_text() << "\n";
  return 0;
}

// Each verb runs its own transaction (create prints after its commit): not a batch command.
int cmd_tsig(Cli& cli, const Args& a) {
  if (a[0] == "create")
    return tsig_create(cli, a);
  if (a[0] == "list")
    return tsig_list(cli, a);
  if (a[0] == "delete")
    return tsig_delete(cli, a);
  throw InputError("unknown tsig command '" + a[0] + "' (create, list, delete)");
}

}  // namespace

const std::vector<Command>& tsig_commands() {
  static const std::vector<Command> table = {
      {"tsig",
       "tsig create TENANT NAME [ALGORITHM]\n"
       "  tsig create --operator NAME [ALGORITHM]\n"
       "  tsig list [TENANT] [--json]\n"
       "  tsig delete NAME",
       "TSIG keys for DNS UPDATE and AXFR (pdns finds them by name). create prints the new\n"
       "      base64 secret once, alone on its line (default hmac-sha256; --operator: a global "
       "key);\n      list shows name, tenant, algorithm, created (never the secret); delete "
       "refuses while a\n      zone's metadata names the key",
       1, 4, cmd_tsig, nullptr},
  };
  return table;
}

}  // namespace signet::admin
