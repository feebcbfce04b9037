// SPDX-License-Identifier: GPL-2.0-or-later
// Running hooks: exit status, input and environment, bounded output, and a timeout that kills the
// program and everything it started.
#include "signer/subprocess.hh"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "signer/ds_hook.hh"
#include "signer/error.hh"
#include "tests/support/temp_dir.hh"

using namespace signet;
using namespace std::chrono_literals;
using std::chrono::steady_clock;

namespace {

SubprocessResult sh(const std::string& script, SubprocessOptions o = {}) {
  return run_subprocess({"/bin/sh", "-c", script}, o);
}

// True once `pid` is gone or a zombie waiting for init (it no longer runs).
bool dead(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line))
      return true;
    size_t close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z')
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

pid_t read_pid(const std::string& file) {
  std::ifstream in(file);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

}  // namespace

TEST(Subprocess, ReportsTheExitStatusAndCapturesOutput) {
  SubprocessResult ok = sh("echo out; echo err >&2; exit 0");
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.output, "out\nerr\n");
  EXPECT_EQ(ok.describe(), "exit 0");

  SubprocessResult three = sh("exit 3");
  EXPECT_FALSE(three.ok());
  EXPECT_EQ(three.exit_code, 3);
  EXPECT_FALSE(three.timed_out);
  EXPECT_EQ(three.describe(), "exit 3");

  SubprocessResult killed = sh("kill -9 $$");
  EXPECT_FALSE(killed.ok());
  EXPECT_EQ(killed.signal, 9);
  EXPECT_EQ(killed.describe(), "killed by signal 9");
}

TEST(Subprocess, FeedsStdinAndAddsToTheEnvironment) {
  SubprocessOptions o;
  o.input = "line 1\nline 2\n";
  o.env_add = {"SIGNET_TEST_VALUE=a b", "HOME=/nowhere"};
  SubprocessResult r = sh("cat; echo \"$SIGNET_TEST_VALUE|$HOME\"", o);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.output, "line 1\nline 2\na b|/nowhere\n");
}

TEST(Subprocess, ArgumentsAreNeverParsedByAShell) {
  SubprocessResult r = run_subprocess(
      {"/bin/echo", "$(touch /tmp/signet-must-not-exist)", "; rm -rf /", "`id`"}, {});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.output, "$(touch /tmp/signet-must-not-exist) ; rm -rf / `id`\n");
  struct stat st;
  EXPECT_NE(::stat("/tmp/signet-must-not-exist", &st), 0);
}

TEST(Subprocess, ATimeoutKillsTheProgramAndItsChildren) {
  signet::test::TempDir dir;
  std::string pidfile = dir.file("child.pid");
  SubprocessOptions o;
  o.timeout = 1000ms;
  auto start = steady_clock::now();
  SubprocessResult r = sh("sleep 30 & echo $! > " + pidfile + "; echo started; sleep 30", o);
  auto took = steady_clock::now() - start;
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.describe(), "timed out after 1 s");
  EXPECT_EQ(r.output, "started\n");
  EXPECT_GE(took, 1000ms);
  EXPECT_LT(took, 2000ms);
  pid_t child = read_pid(pidfile);
  ASSERT_GT(child, 0);
  EXPECT_TRUE(dead(child)) << "the background child " << child << " still runs";
}

TEST(Subprocess, AProgramIgnoringSigtermIsKilledAfterTheGrace) {
  SubprocessOptions o;
  o.timeout = 500ms;
  o.kill_grace = 300ms;
  auto start = steady_clock::now();
  SubprocessResult r = sh("trap '' TERM; while :; do sleep 1; done", o);
  auto took = steady_clock::now() - start;
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(took, 1500ms);
}

TEST(Subprocess, ChildrenLeftBehindDoNotHoldUpTheCaller) {
  signet::test::TempDir dir;
  std::string pidfile = dir.file("child.pid");
  auto start = steady_clock::now();
  // The background sleep keeps stdout open; the program itself is done at once.
  SubprocessResult r = sh("sleep 30 & echo $! > " + pidfile + "; echo done");
  EXPECT_LT(steady_clock::now() - start, 1000ms);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.output, "done\n");
  EXPECT_TRUE(dead(read_pid(pidfile)));
}

TEST(Subprocess, OutputIsBoundedAndTheProgramIsNotBlockedByIt) {
  SubprocessOptions o;
  o.max_output = 1000;
  o.timeout = 10000ms;
  auto start = steady_clock::now();
  SubprocessResult r = sh("head -c 20000000 /dev/zero | tr '\\0' x; echo; exit 4", o);
  EXPECT_LT(steady_clock::now() - start, 5000ms);
  EXPECT_EQ(r.exit_code, 4);  // it ran to its end: the rest was read and dropped
  EXPECT_EQ(r.output.size(), 1000u);
  EXPECT_TRUE(r.output_truncated);
}

TEST(Subprocess, InputTheProgramDoesNotReadDoesNotKillTheCaller) {
  SubprocessOptions o;
  o.input = std::string(1 << 20, 'x');  // more than a pipe holds
  SubprocessResult r = run_subprocess({"/bin/true"}, o);
  EXPECT_TRUE(r.ok());  // and no SIGPIPE ended this test
}

TEST(Subprocess, AProgramThatCannotStartIsAnError) {
  try {
    run_subprocess({"/nonexistent/hook"}, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot run '/nonexistent/hook'"), std::string::npos);
  }
}

TEST(DsHook, TheZoneComesAfterDashDashSoNoOptionParserTakesIt) {
  std::vector<std::string> lines = {"-x.example. 3600 IN DS 12345 13 2 ABCD"};
  DsHookCall call = ds_hook_call("/usr/bin/hook", "-x.example.", "acme", lines, 90s);
  EXPECT_EQ(call.argv, (std::vector<std::string>{"/usr/bin/hook", "--", "-x.example.", lines[0]}));
  EXPECT_EQ(call.options.input, lines[0] + "\n");
  EXPECT_EQ(call.options.timeout, 90000ms);
  EXPECT_EQ(call.options.env_add,
            (std::vector<std::string>{"SIGNET_ZONE=-x.example.", "SIGNET_TENANT=acme",
                                      "SIGNET_DS=" + lines[0]}));
  // A hook that parses options with getopts sees none and finds the zone as its first operand.
  signet::test::TempDir dir;
  std::string hook = dir.file("hook.sh");
  std::ofstream(hook) << "#!/bin/sh\nwhile getopts v opt; do echo \"option $opt\"; done\n"
                         "shift $((OPTIND - 1))\necho \"zone=$1 records=$(($# - 1))\"\n";
  ::chmod(hook.c_str(), 0755);
  call = ds_hook_call(hook, "-v.example.", "acme", {"-v.example. 3600 IN DS 1 13 2 AB"}, 5s);
  SubprocessResult r = run_subprocess(call.argv, call.options);
  EXPECT_TRUE(r.ok()) << r.describe() << r.output;
  EXPECT_EQ(r.output, "zone=-v.example. records=1\n");
}
