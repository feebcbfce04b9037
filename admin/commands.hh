// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetutil's commands: a table of name, usage and handler. Handlers only parse arguments, call
// the core (Portfolio, zone files) and print; every rule lives in the core.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "conf/composition_root.hh"
#include "keystore/portfolio.hh"

namespace signet::admin {

struct Cli {
  CompositionRoot& ctx;
  Portfolio portfolio;
  bool json = false;
  std::ostream& out;
  std::ostream& err;
  // Work a write command leaves for after its transaction committed (chunked whole-zone work,
  // keystore/resign.hh), run in order with the output stream. nullptr: the caller cannot run
  // any, so the command does all its work in the transaction.
  std::vector<std::function<void(std::ostream&)>>* after_commit = nullptr;
};

using Args = std::vector<std::string>;
// A write handler gets the transaction to write in; `batch` says whether it is shared with other
// commands (then the handler must not print a success line per record).
using ReadHandler = int (*)(Cli&, const Args&);
using WriteHandler = void (*)(Cli&, const Args&, lmdb::WriteTxn&);

struct Command {
  const char* name;
  const char* usage;
  const char* help;
  size_t min_args;
  size_t max_args;  // SIZE_MAX for "any"
  ReadHandler read = nullptr;
  WriteHandler write = nullptr;
};

const std::vector<Command>& commands();
const std::vector<Command>& dnssec_commands();
const std::vector<Command>& audit_commands();
const std::vector<Command>& keyman_commands();
const std::vector<Command>& token_commands();
const std::vector<Command>& tsig_commands();
const std::vector<Command>& evidence_commands();
const std::vector<Command>& catalog_commands();
const std::vector<Command>& backup_commands();
// The tables above under the headings signetutil --help shows them with, in that order.
struct CommandGroup {
  const char* title;
  const std::vector<Command>& (*table)();
};
const std::vector<CommandGroup>& command_groups();
const Command* find_command(const std::string& name);

// signetutil evidence-verify FILE [--key PUBKEY]: runs without a configuration or store (an
// auditor's machine). Returns the exit status.
int evidence_verify_main(const Args& args, std::ostream& out, std::ostream& err);

// signetutil restore [--force] FILE DIR | --check-only FILE: runs before the configured store is
// opened (DIR is usually its directory, which must not be opened or created first). Returns the
// exit status; throws like a command.
int restore_main(const Config& config, const std::optional<std::string>& scope, const Args& args,
                 bool json, std::ostream& out);

// A time as signetutil prints it: 2026-12-02T01:34:03Z (UTC).
std::string iso_time(uint64_t t);

// Options of the form --name VALUE or --flag among positional arguments; an unknown --option
// is an InputError.
struct Opts {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;
  std::set<std::string> flags;
};
Opts parse_opts(const Args& a, const std::set<std::string>& with_value,
                const std::set<std::string>& flags);

// Milliseconds since `start`, with two decimals ("0.42"): how long a pass took, for operators
// and scripts/bench (process start-up left out).
std::string elapsed_ms(std::chrono::steady_clock::time_point start);

// Splits a batch line into words: whitespace separates, '...' is literal, "..." allows \" and \\.
// Returns an empty vector for blank lines and comments (#).
std::vector<std::string> split_words(const std::string& line);

}  // namespace signet::admin
