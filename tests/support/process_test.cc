// SPDX-License-Identifier: GPL-2.0-or-later
// The children the tests start inherit nothing but their stdio: tests run commands from several
// threads at once, and a child that inherited another thread's pipe held it open (a 30 s dnsperf
// kept nsupdate's stdin from reaching its end, so nsupdate waited out its whole timeout).
#include "tests/support/process.hh"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/temp_dir.hh"

using signet::test::Process;
using signet::test::run;
using signet::test::TempDir;

namespace {

// A descriptor open in the test without close-on-exec, as another thread's pipe would be.
class LeakyPipe {
 public:
  LeakyPipe() { EXPECT_EQ(::pipe(fds_), 0); }
  ~LeakyPipe() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int write_end() const { return fds_[1]; }

 private:
  int fds_[2] = {-1, -1};
};

// A shell command that prints whether descriptor `fd` is open in the shell.
std::string probe(int fd) {
  return "if [ -e /proc/$$/fd/" + std::to_string(fd) + " ]; then echo open; else echo closed; fi";
}

}  // namespace

TEST(TestProcesses, ACommandInheritsOnlyItsStdio) {
  LeakyPipe leak;
  auto r = run({"sh", "-c", probe(leak.write_end())}, "", 10);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "closed\n");
}

TEST(TestProcesses, AServerInheritsOnlyItsStdio) {
  LeakyPipe leak;
  TempDir dir;
  std::string out = dir.file("fds");
  Process p({"sh", "-c", probe(leak.write_end()) + " > " + out}, dir.file("log"));
  EXPECT_EQ(p.wait(), 0);
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "closed\n");
}
