// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetutil [--config-dir DIR] [--config-name NAME] [--tenant T] [--json] COMMAND ARGS...
//
// Exit status: 0 success, 1 the command failed (one line on stderr says why), 2 usage error.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "admin/commands.hh"
#include "signer/error.hh"

namespace {

using signet::admin::Args;
using signet::admin::Cli;
using signet::admin::Command;

void usage(std::ostream& o) {
  o << "usage: signetutil [--config-dir DIR] [--config-name NAME] [--tenant TENANT] [--json] "
       "COMMAND "
       "[ARGS...]\n\n"
       "Reads the signet-* settings of DIR/pdns.conf (default /etc/powerdns), like pdnsutil.\n"
       "--tenant limits every command to that tenant's zones, policies and audit entries (a\n"
       "convenience for operators, not a security boundary: CLI access to the store is operator\n"
       "access; customers reach their zones through signetd's API).\n\n"
       "commands:\n";
  bool first = true;
  for (const auto& group : signet::admin::command_groups()) {
    if (!first)
      o << "\n" << group.title << ":\n";
    first = false;
    for (const auto& c : group.table())
      o << "  " << c.usage << "\n      " << c.help << "\n";
  }
  o << "  batch [FILE]\n      Run write commands, one per line (from FILE or stdin), in one "
       "transaction:\n      all of them or none\n";
}

bool arity_ok(const Command& c, size_t n) {
  return n >= c.min_args && n <= c.max_args;
}

int run_batch(Cli& cli, const Args& args) {
  std::ifstream file;
  std::istream* in = &std::cin;
  std::string source = "stdin";
  if (!args.empty()) {
    file.open(args[0]);
    if (!file)
      throw signet::InputError("cannot read batch file '" + args[0] + "'");
    in = &file;
    source = args[0];
  }
  auto txn = cli.ctx.store().begin_write();
  std::ostringstream sink;  // per-command confirmations are not printed in a batch
  std::vector<std::function<void(std::ostream&)>> after_commit;
  Cli quiet{cli.ctx, cli.portfolio, cli.json, sink, cli.err, &after_commit};
  std::string line;
  size_t lineno = 0, applied = 0;
  while (std::getline(*in, line)) {
    ++lineno;
    try {
      Args words = signet::admin::split_words(line);
      if (words.empty())
        continue;
      const Command* c = signet::admin::find_command(words[0]);
      if (!c)
        throw signet::InputError("unknown command '" + words[0] + "'");
      if (!c->write)
        throw signet::InputError("'" + words[0] + "' does not write; not allowed in a batch");
      Args rest(words.begin() + 1, words.end());
      if (!arity_ok(*c, rest.size()))
        throw signet::InputError("usage: " + std::string(c->usage));
      c->write(quiet, rest, txn);
      sink.str("");
      ++applied;
    } catch (const signet::ScopeError& e) {
      throw signet::ScopeError(source + ":" + std::to_string(lineno) + ": " + e.what() +
                               " (nothing of the batch was applied)");
    } catch (const signet::Error& e) {
      throw signet::Error(source + ":" + std::to_string(lineno) + ": " + e.what() +
                          " (nothing of the batch was applied)");
    }
  }
  txn.commit();
  cli.out << "batch: applied " << applied << " command(s)\n";
  for (auto& work : after_commit)
    work(sink);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_dir = "/etc/powerdns";
  std::string config_name;
  std::optional<std::string> tenant;
  bool json = false;
  int i = 1;
  auto need_value = [&](const std::string& opt) -> std::string {
    if (i + 1 >= argc) {
      std::cerr << "signetutil: " << opt << " needs a value\n";
      exit(2);
    }
    return argv[++i];
  };
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--config-dir=", 0) == 0)
      config_dir = a.substr(13);
    else if (a == "--config-dir")
      config_dir = need_value(a);
    else if (a.rfind("--config-name=", 0) == 0)
      config_name = a.substr(14);
    else if (a == "--config-name")
      config_name = need_value(a);
    else if (a.rfind("--tenant", 0) == 0 && (a.size() == 8 || a[8] == '=')) {
      // One scope per invocation: a second --tenant would silently replace the first.
      if (tenant) {
        std::cerr << "signetutil: --tenant given twice\n";
        return 2;
      }
      tenant = a.size() > 8 ? a.substr(9) : need_value(a);
    } else if (a == "--json")
      json = true;
    else if (a == "--help" || a == "-h" || a == "help") {
      usage(std::cout);
      return 0;
    } else if (a.rfind("--", 0) == 0) {
      std::cerr << "signetutil: unknown option '" << a << "'\n";
      return 2;
    } else {
      break;
    }
  }
  if (i >= argc) {
    usage(std::cerr);
    return 2;
  }
  std::string name = argv[i++];
  Args args(argv + i, argv + argc);
  const Command* cmd = signet::admin::find_command(name);
  if (!cmd && name != "batch") {
    std::cerr << "signetutil: unknown command '" << name << "' (see signetutil --help)\n";
    return 2;
  }
  if (cmd && !arity_ok(*cmd, args.size())) {
    std::cerr << "usage: signetutil " << cmd->usage << "\n";
    return 2;
  }
  if (!cmd && args.size() > 1) {
    std::cerr << "usage: signetutil batch [FILE]\n";
    return 2;
  }
  // An auditor's machine has no store and no configuration.
  if (name == "evidence-verify")
    return signet::admin::evidence_verify_main(args, std::cout, std::cerr);
  try {
    if (name == "restore") {
      return signet::admin::restore_main(signet::load_config(config_dir, config_name), tenant, args,
                                         json, std::cout);
    }
    signet::CompositionRoot ctx(signet::load_config(config_dir, config_name));
    Cli cli{ctx, signet::Portfolio(ctx.store(), ctx.clock()), json, std::cout, std::cerr};
    cli.portfolio.set_scope(tenant);
    // Edits of secured zones are re-signed in the same transaction.
    cli.portfolio.set_edit_hook(&ctx.dnssec().signing());
    cli.portfolio.set_audit(&ctx.audit());
    ctx.dnssec().events().set_warning_sink(
        [](const std::string& w) { std::cerr << "signetutil: warning: " << w << "\n"; });
    if (!cmd)
      return run_batch(cli, args);
    if (cmd->read)
      return cmd->read(cli, args);
    // Confirmations are printed only once the transaction is committed.
    std::ostringstream confirmations;
    std::vector<std::function<void(std::ostream&)>> after_commit;
    Cli wcli{ctx, cli.portfolio, json, confirmations, std::cerr, &after_commit};
    auto txn = ctx.store().begin_write();
    cmd->write(wcli, args, txn);
    txn.commit();
    std::cout << confirmations.str();
    // Whole-zone work the command started runs now, in short transactions of its own.
    for (auto& work : after_commit)
      work(std::cout);
    return 0;
  } catch (const signet::ScopeError& e) {
    // Outside the --tenant scope: the command line contradicts itself (a usage error).
    std::cerr << "signetutil: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "signetutil: " << e.what() << "\n";
    return 1;
  }
}
