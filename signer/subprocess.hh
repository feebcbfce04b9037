// SPDX-License-Identifier: GPL-2.0-or-later
//
// Running an outside program (a DS submission hook) so that it can neither hang nor outlive its
// caller: argv is executed directly (never through a shell, so no argument is ever parsed as shell
// syntax), in a session and process group of its own, with its stdin fed from memory, stdout and
// stderr captured up to a bound, and the whole process group killed when the time is up (SIGTERM,
// then SIGKILL after a grace period) or when the program ends (stragglers it left in its group).
// The program is always reaped. File descriptors other than 0, 1 and 2 are not inherited, signal
// dispositions and the signal mask are reset to defaults.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace signet {

struct SubprocessOptions {
  // "NAME=value" entries added to the caller's environment (replacing a variable of that name).
  std::vector<std::string> env_add;
  std::string input;  // written to stdin, which is then closed
  std::chrono::milliseconds timeout{60000};
  std::chrono::milliseconds kill_grace{500};  // from SIGTERM to SIGKILL after the timeout
  size_t max_output = 64 * 1024;  // stdout and stderr together; more is read and dropped
};

struct SubprocessResult {
  bool timed_out = false;  // killed because the timeout expired
  int exit_code = -1;      // the exit status when it exited (else -1)
  int signal = 0;          // the signal that ended it (else 0)
  std::string output;      // stdout and stderr as they came, at most max_output bytes
  bool output_truncated = false;
  std::chrono::milliseconds timeout{0};  // the timeout that applied

  // Exited with status 0.
  bool ok() const { return !timed_out && signal == 0 && exit_code == 0; }
  // "exit 0", "exit 3", "killed by signal 9", "timed out after 60 s"
  std::string describe() const;
};

// Runs `argv` (argv[0] is the program's path; PATH is not searched). Throws Error naming the
// program when it cannot be started (no such file, not executable); everything after the start is
// reported in the result.
SubprocessResult run_subprocess(const std::vector<std::string>& argv,
                                const SubprocessOptions& options);

}  // namespace signet
