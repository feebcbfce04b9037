// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetutil token create|list|revoke: the API tokens signetd's clients present
// (keystore/tokens.hh). A new token's text is printed once, alone on its stdout line, after the
// transaction that stores its hash has committed; it is never written anywhere else.
#include <algorithm>
#include <iostream>
#include <map>

#include "admin/commands.hh"
#include "conf/policy.hh"
#include "keystore/tokens.hh"
#include "signer/error.hh"
#include "signer/json.hh"

namespace signet::admin {

namespace {

constexpr const char* kCreateUsage =
    "token create TENANT ROLE [--expires DURATION] [--comment TEXT] | token create --operator "
    "[--expires DURATION] [--comment TEXT]";

uint32_t parse_token_id(const std::string& arg) {
  if (arg.empty() || arg.size() > 10 ||
      !std::all_of(arg.begin(), arg.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoull(arg) == 0 || std::stoull(arg) > 0xffffffffu)
    throw InputError("bad token id '" + arg + "': expected the number token list shows");
  return static_cast<uint32_t>(std::stoull(arg));
}

std::string when(uint64_t t) {
  return t == 0 ? "never" : iso_time(t);
}

int token_create(Cli& cli, const Args& a) {
  bool op = false;
  std::optional<std::string> expires, comment;
  std::vector<std::string> positional;
  for (size_t i = 1; i < a.size(); ++i) {
    if (a[i] == "--operator") {
      op = true;
    } else if (a[i] == "--expires" || a[i] == "--comment") {
      if (i + 1 >= a.size())
        throw InputError(a[i] + " needs a value");
      (a[i] == "--expires" ? expires : comment) = a[i + 1];
      ++i;
    } else if (a[i].rfind("--", 0) == 0) {
      throw InputError("unknown option '" + a[i] + "'");
    } else {
      positional.push_back(a[i]);
    }
  }
  if (op ? !positional.empty() : positional.size() != 2)
    throw InputError(std::string("usage: signetutil ") + kCreateUsage);
  if (op && cli.portfolio.scope()) {
    throw ScopeError("scoped to tenant '" + *cli.portfolio.scope() +
                     "': an operator token covers every tenant");
  }
  Tokens& tokens = cli.ctx.tokens();
  Tokens::Request req;
  req.comment = comment.value_or("");
  if (op) {
    req.role = Role::kOperator;
  } else {
    auto role = role_from_name(positional[1]);
    if (!role)
      throw InputError("unknown role '" + positional[1] + "' (viewer, editor, approver)");
    req.role = *role;
  }
  if (expires) {
    auto secs = parse_duration(*expires);
    if (!secs || *secs == 0)
      throw InputError("bad --expires '" + *expires +
                       "': expected a duration (seconds, or a number with s, m, h, d or w)");
    req.expires = cli.ctx.clock().now() + *secs;
  }
  std::string tenant_name;
  auto txn = cli.ctx.store().begin_write();
  if (!op) {
    TenantRecord t = cli.portfolio.tenant(txn, positional[0]);  // honours the scope
    req.tenant_id = t.id;
    tenant_name = t.name;
  }
  IssuedToken issued = tokens.create(txn, req);
  txn.commit();
  // The one line with the token on it; what it is goes to stderr, so that
  // TOKEN=$(signetutil token create ...) captures the token alone.
  cli.out.write(reinterpret_cast<const char*>(issued.text.data()),
                static_cast<std::streamsize>(issued.text.size()));
  cli.out << "\n";
  cli.out.flush();
  cli.err << "signetutil: created token " << issued.record.id << " ("
          << (op ? std::string("operator, every tenant")
                 : "tenant " + tenant_name + ", " + std::string(role_name(req.role)))
          << ", expires " << when(issued.record.expires)
          << "); it is shown only this once and cannot be recovered\n";
  return 0;
}

int token_list(Cli& cli, const Args& a) {
  bool json = cli.json;
  std::optional<std::string> tenant = cli.portfolio.scope();
  for (size_t i = 1; i < a.size(); ++i) {
    if (a[i] == "--json")
      json = true;
    else if (a[i].rfind("--", 0) == 0)
      throw InputError("unknown option '" + a[i] + "'");
    else if (i == a.size() - 1)
      tenant = a[i];
    else
      throw InputError("usage: signetutil token list [TENANT]");
  }
  auto txn = cli.ctx.store().begin_read();
  std::optional<uint32_t> tenant_id;
  if (tenant)
    tenant_id = cli.portfolio.tenant(txn, *tenant).id;  // must exist and be in the scope
  std::map<uint32_t, std::string> names;
  auto tenant_of = [&](uint32_t id) -> std::string {
    if (id == 0)
      return "*";
    auto it = names.find(id);
    if (it == names.end())
      it = names.emplace(id, cli.portfolio.tenant_name(txn, id)).first;
    return it->second;
  };
  Json list = Json::array();
  if (!json)
    cli.out << "# id\ttenant\trole\tcreated\texpires\tlast-used\tcomment\n";
  for (const auto& t : cli.ctx.tokens().list(txn, tenant_id)) {
    std::string role(role_name(static_cast<Role>(t.role)));
    if (json) {
      list.push_back(
          Json{{"id", t.id},
               {"tenant", t.tenant_id == 0 ? Json(nullptr) : Json(tenant_of(t.tenant_id))},
               {"operator", t.tenant_id == 0},
               {"role", role},
               {"created", iso_time(t.created)},
               {"expires", t.expires ? Json(iso_time(t.expires)) : Json(nullptr)},
               {"last_used", t.last_used ? Json(iso_time(t.last_used)) : Json(nullptr)},
               {"comment", t.comment}});
    } else {
      cli.out << t.id << "\t" << tenant_of(t.tenant_id) << "\t" << role << "\t"
              << iso_time(t.created) << "\t" << when(t.expires) << "\t" << when(t.last_used) << "\t"
              << (t.comment.empty() ? "-" : t.comment) << "\n";
    }
  }
  if (json)
    cli.out << json_text(list) << "\n";
  return 0;
}

int token_revoke(Cli& cli, const Args& a) {
  if (a.size() != 2)
    throw InputError("usage: signetutil token revoke ID");
  uint32_t id = parse_token_id(a[1]);
  Tokens& tokens = cli.ctx.tokens();
  auto txn = cli.ctx.store().begin_write();
  if (const auto& scope = cli.portfolio.scope()) {
    auto t = tokens.find(txn, id);
    if (!t)
      throw NotFound("token " + std::to_string(id) + " does not exist");
    if (t->tenant_id == 0 || cli.portfolio.tenant_name(txn, t->tenant_id) != *scope)
      throw ScopeError("scoped to tenant '" + *scope + "': token " + std::to_string(id) +
                       " is not one of its tokens");
  }
  tokens.revoke(txn, id);
  txn.commit();
  cli.out << "revoked token " << id << "\n";
  return 0;
}

// token create|list|revoke. Each verb runs its own transaction (create must print after its
// commit), so `token` is not a batch command: a token made in a batch could never be shown.
int cmd_token(Cli& cli, const Args& a) {
  if (a[0] == "create")
    return token_create(cli, a);
  if (a[0] == "list")
    return token_list(cli, a);
  if (a[0] == "revoke")
    return token_revoke(cli, a);
  throw InputError("unknown token command '" + a[0] + "' (create, list, revoke)");
}

}  // namespace

const std::vector<Command>& token_commands() {
  static const std::vector<Command> table = {
      {"token",
       "token create TENANT ROLE [--expires DURATION] [--comment TEXT]\n"
       "  token create --operator [--expires DURATION] [--comment TEXT]\n"
       "  token list [TENANT]\n"
       "  token revoke ID",
       "API tokens for signetd. create prints the new token once, alone on its line (roles: "
       "viewer,\n      editor, approver; --operator: every tenant); list shows id, tenant, role, "
       "created, expires,\n      last used, comment (never the secret); revoke ends a token",
       1, 7, cmd_token, nullptr},
  };
  return table;
}

}  // namespace signet::admin
