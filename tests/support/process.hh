// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: run programs, keep servers in the background (always stopped when the test ends),
// pick free loopback ports. Tests only ever use 127.0.0.0/8.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace signet::test {

// Paths baked in by CMake.
std::string source_dir();
std::string build_dir();
std::string signetutil_path();
std::string module_dir();  // where libsignetbackend.so is

// The argv of `signetutil --config-dir DIR ARGS...` living `clock_offset` seconds away from now
// (SIGNET_CLOCK_OFFSET, set through /usr/bin/env so the process keeps its pid; 0: the real clock).
std::vector<std::string> signetutil_argv(const std::string& config_dir,
                                         std::vector<std::string> args, long clock_offset = 0);

// A port free for both UDP and TCP on 127.0.0.1.
int free_port();

struct RunResult {
  int status = -1;  // exit status, or 128+signal
  std::string out;
  std::string err;
};
// Runs argv to completion, feeding `input` on stdin. Kills it after `timeout_s`.
RunResult run(const std::vector<std::string>& argv, const std::string& input = "",
              int timeout_s = 120);

// A background process. The destructor stops it (SIGTERM, then SIGKILL after 5 s) and reaps it.
class Process {
 public:
  // stdout and stderr go to `log_file` (appended).
  Process(const std::vector<std::string>& argv, const std::string& log_file);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits for exit; returns the exit status (128+signal when killed).
  int wait();
  void stop();

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

}  // namespace signet::test
