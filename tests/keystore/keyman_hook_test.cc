// SPDX-License-Identifier: GPL-2.0-or-later
//
// The key manager's DS submission hook as it is really run (signer/ds_hook.hh,
// signer/subprocess.hh): `PROGRAM -- ZONE DS...`, a hook that outlives the policy's
// ds-hook-timeout killed with everything it started, the failure audited and retried with backoff.
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/keyman_fixture.hh"

using namespace signet;
using namespace std::chrono_literals;

namespace {

SigningPolicy hooked_policy(const std::string& hook, uint32_t timeout) {
  SigningPolicy p;
  p.name = "hooked";
  p.csk = false;
  p.dnskey_ttl = 60;
  p.propagation_delay = 30;
  p.ds_ttl = 120;
  p.max_zone_ttl = 300;
  p.rollover_jitter = 0;
  p.parent_nameservers = {"127.0.0.1:9"};  // nothing answers there: no parent check succeeds
  p.ds_submission = SigningPolicy::DsSubmission::kHook;
  p.ds_hook = hook;
  p.ds_hook_timeout = timeout;
  return p;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Whether process `pid` still runs (a zombie does not).
bool running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line))
    return false;
  size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

class KeyManagerHook : public test::KeyManagerFixture {
 protected:
  std::string script(const std::string& name, const std::string& body) {
    std::string path = dir.file(name);
    std::ofstream(path) << "#!/bin/sh\n" << body;
    chmod(path.c_str(), 0755);
    return path;
  }
};

TEST_F(KeyManagerHook, HookPastItsTimeoutIsKilledWithItsChildrenAuditedAndRetriedWithBackoff) {
  // The hook starts a child that would outlive it, and both sleep far past the timeout.
  std::string pids = dir.file("pids");
  std::string hook = script("slow.sh", "sleep 300 &\necho \"$$ $!\" > " + pids + "\nsleep 300\n");
  secure("example.com.", hooked_policy(hook, 1));
  auto started = std::chrono::steady_clock::now();
  auto r = keyman->tick(zone("example.com.").id);
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, 20s) << "the tick waited for the hook";
  EXPECT_NE(r.submission.find("failed: timed out after 1 s"), std::string::npos) << r.submission;

  // Killed: the hook and the child it left behind (the whole process group).
  pid_t hook_pid = 0, child_pid = 0;
  std::istringstream(slurp(pids)) >> hook_pid >> child_pid;
  ASSERT_GT(hook_pid, 0);
  ASSERT_GT(child_pid, 0);
  for (int i = 0; i < 50 && running(child_pid); ++i)
    std::this_thread::sleep_for(100ms);  // the orphan is reaped by init once killed
  EXPECT_FALSE(running(hook_pid));
  EXPECT_FALSE(running(child_pid));

  // Audited, and retried later, not now.
  auto failed = audited("ds-submission-failed", "example.com.");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed[0].detail.find("timed out after 1 s"), std::string::npos) << failed[0].detail;
  auto rec = rollover("example.com.");
  EXPECT_EQ(rec.submit_failures, 1u);
  EXPECT_EQ(rec.next_submit, clock.now() + 60);
  EXPECT_NE(rec.last_error.find("timed out"), std::string::npos) << rec.last_error;
  keyman->run_due();
  EXPECT_EQ(audited("ds-submission-failed").size(), 1u);

  // The retry times out again: the next one backs off twice as far.
  clock.set(rec.next_submit);
  keyman->run_due();
  EXPECT_EQ(audited("ds-submission-failed").size(), 2u);
  rec = rollover("example.com.");
  EXPECT_EQ(rec.submit_failures, 2u);
  EXPECT_EQ(rec.next_submit, clock.now() + 120);

  // A hook that finishes in time submits, and the retries stop.
  script("slow.sh", "exit 0\n");
  clock.set(rec.next_submit);
  keyman->run_due();
  EXPECT_EQ(audited("ds-submission").size(), 1u);
  EXPECT_EQ(rollover("example.com.").submit_key, 0u);
  EXPECT_EQ(rollover("example.com.").submit_failures, 0u);
}

TEST_F(KeyManagerHook, ZoneNameStartingWithADashReachesTheHookAfterDoubleDash) {
  // A label may begin with '-'; after "--" no option parser takes the zone for an option.
  std::string out = dir.file("hook.out");
  std::string hook = script("hook.sh", "printf '%s\\n' \"$@\" > " + out +
                                           "\necho \"env $SIGNET_ZONE $SIGNET_TENANT\" >> " + out +
                                           "\ncat >> " + out + "\n");
  secure("-x.example.", hooked_policy(hook, 10));
  auto r = keyman->tick(zone("-x.example.").id);
  EXPECT_NE(r.submission.find("submitted: exit 0"), std::string::npos) << r.submission;
  std::istringstream got(slurp(out));
  std::vector<std::string> lines;
  for (std::string l; std::getline(got, l);)
    lines.push_back(l);
  ASSERT_GE(lines.size(), 5u) << slurp(out);
  EXPECT_EQ(lines[0], "--");
  EXPECT_EQ(lines[1], "-x.example.");
  EXPECT_EQ(lines[2].rfind("-x.example. 120 IN DS ", 0), 0u) << lines[2];
  EXPECT_EQ(lines[3], "env -x.example. acme");
  EXPECT_EQ(lines[4], lines[2]);  // the same records on stdin
}

}  // namespace
