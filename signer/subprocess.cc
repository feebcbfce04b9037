// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/subprocess.hh"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "signer/error.hh"
#include "signer/fd.hh"

extern char** environ;

namespace signet {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Pipe {
  Fd read, write;
  explicit Pipe(const std::string& program) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
      throw Error("cannot run '" + program + "': pipe: " + std::strerror(errno));
    read.fd = p[0];
    write.fd = p[1];
  }
};

// Writing to a pipe whose reader is gone raises SIGPIPE, which would kill the whole process
// (pdns_server): block it in this thread while writing and swallow the one it may leave pending.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old_);
  }
  ~SigpipeBlock() {
    if (raised_ && !was_pending_) {
      sigset_t pipe_only;
      sigemptyset(&pipe_only);
      sigaddset(&pipe_only, SIGPIPE);
      timespec zero{0, 0};
      while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  void raised() { raised_ = true; }

 private:
  sigset_t old_;
  bool was_pending_ = false;
  bool raised_ = false;
};

std::vector<std::string> environment_with(const std::vector<std::string>& add) {
  std::vector<std::string> env;
  auto name_of = [](const std::string& e) { return e.substr(0, e.find('=')); };
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    std::string name = name_of(entry);
    bool replaced = std::any_of(add.begin(), add.end(),
                                [&](const std::string& a) { return name_of(a) == name; });
    if (!replaced)
      env.push_back(std::move(entry));
  }
  env.insert(env.end(), add.begin(), add.end());
  return env;
}

pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env, int in_fd,
            int out_fd) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
  posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
  // No other descriptor of ours (the store, sockets, pipes of other runs) reaches the program.
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // A session (and so a process group) of its own: the timeout kills everything it started.
  // Default signal dispositions and an empty mask: the caller may ignore SIGPIPE or block signals.
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv)
    cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : env)
    cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0].c_str(), &fa, &attr, cargv.data(), cenv.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    throw Error("cannot run '" + argv[0] + "': " + std::strerror(rc));
  return pid;
}

// True once `pid` has ended; it stays a zombie (WNOWAIT), so its process group id cannot be
// reused before we have killed the group.
bool has_ended(pid_t pid) {
  siginfo_t info{};
  while (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    if (errno != EINTR)
      return true;  // ECHILD: reaped behind our back (SIGCHLD ignored); it is gone either way
  }
  return info.si_pid == pid;
}

int ms_until(Clock::time_point t) {
  auto left = std::chrono::duration_cast<milliseconds>(t - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
}

std::string duration_text(milliseconds d) {
  if (d.count() % 1000 == 0)
    return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

}  // namespace

std::string SubprocessResult::describe() const {
  if (timed_out)
    return "timed out after " + duration_text(timeout);
  if (signal)
    return "killed by signal " + std::to_string(signal);
  return "exit " + std::to_string(exit_code);
}

SubprocessResult run_subprocess(const std::vector<std::string>& argv,
                                const SubprocessOptions& options) {
  if (argv.empty() || argv[0].empty())
    throw InputError("no program to run");
  SubprocessResult result;
  result.timeout = options.timeout;
  Pipe in(argv[0]), out(argv[0]);
  pid_t pid = spawn(argv, environment_with(options.env_add), in.read.fd, out.write.fd);
  in.read.reset();
  out.write.reset();
  fcntl(in.write.fd, F_SETFL, O_NONBLOCK);
  fcntl(out.read.fd, F_SETFL, O_NONBLOCK);
  if (options.input.empty())
    in.write.reset();
  // Readable when the process ends; without pidfds (old kernels, seccomp) we look every 20 ms.
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  auto deadline = Clock::now() + options.timeout;
  size_t written = 0;
  bool ended = false;
  Clock::time_point drain_until;
  SigpipeBlock sigpipe;
  while (true) {
    if (!ended && has_ended(pid)) {
      ended = true;
      // What it wrote last may still be in the pipe; children it left may hold the pipe open
      // without writing, so the wait for end of file is short.
      drain_until = std::min(deadline, Clock::now() + milliseconds(200));
    }
    if (ended && (out.read.fd < 0 || Clock::now() >= drain_until))
      break;
    if (!ended && Clock::now() >= deadline) {
      result.timed_out = true;
      break;
    }
    pollfd fds[3];
    nfds_t n = 0;
    if (out.read.fd >= 0)
      fds[n++] = {out.read.fd, POLLIN, 0};
    if (in.write.fd >= 0)
      fds[n++] = {in.write.fd, POLLOUT, 0};
    if (!ended && pidfd.fd >= 0)
      fds[n++] = {pidfd.fd, POLLIN, 0};
    int wait_ms = ms_until(ended ? drain_until : deadline);
    if (!ended && pidfd.fd < 0)
      wait_ms = std::min(wait_ms, 20);
    if (::poll(fds, n, wait_ms) < 0 && errno != EINTR)
      break;
    for (nfds_t i = 0; i < n; ++i) {
      if (!fds[i].revents)
        continue;
      if (fds[i].fd == out.read.fd) {
        char buf[4096];
        ssize_t r = ::read(out.read.fd, buf, sizeof(buf));
        if (r > 0) {
          size_t room = options.max_output - std::min(options.max_output, result.output.size());
          result.output.append(buf, std::min(room, static_cast<size_t>(r)));
          if (static_cast<size_t>(r) > room)
            result.output_truncated = true;
        } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
          out.read.reset();
        }
      } else if (fds[i].fd == in.write.fd) {
        ssize_t w =
            ::write(in.write.fd, options.input.data() + written, options.input.size() - written);
        if (w > 0)
          written += static_cast<size_t>(w);
        if (w < 0 && errno == EPIPE)
          sigpipe.raised();
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == options.input.size())
          in.write.reset();  // done, or it stopped reading
      }
    }
  }
  in.write.reset();

  if (result.timed_out) {
    ::kill(-pid, SIGTERM);
    auto grace = Clock::now() + options.kill_grace;
    while (!has_ended(pid) && Clock::now() < grace) {
      pollfd p{pidfd.fd, POLLIN, 0};
      ::poll(&p, pidfd.fd >= 0 ? 1 : 0, std::min(ms_until(grace), 20));
    }
  }
  // Whatever is left of its process group goes too: after a timeout what ignored SIGTERM, after a
  // normal end the children it left behind. The leader is still a zombie, so the group id is ours.
  ::kill(-pid, SIGKILL);
  int status = 0;
  pid_t reaped;
  while ((reaped = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (reaped == pid && !result.timed_out) {
    if (WIFEXITED(status))
      result.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
      result.signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace signet
