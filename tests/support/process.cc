// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/support/process.hh"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace signet::test {

std::string source_dir() {
  return SIGNET_SOURCE_DIR;
}
std::string build_dir() {
  return SIGNET_BUILD_DIR;
}
std::string signetutil_path() {
  return std::string(SIGNET_BUILD_DIR) + "/signetutil";
}
std::string module_dir() {
  return SIGNET_BUILD_DIR;
}

std::vector<std::string> signetutil_argv(const std::string& config_dir,
                                         std::vector<std::string> args, long clock_offset) {
  args.insert(args.begin(), {signetutil_path(), "--config-dir", config_dir});
  if (clock_offset != 0)
    args.insert(args.begin(),
                {"/usr/bin/env", "SIGNET_CLOCK_OFFSET=" + std::to_string(clock_offset)});
  return args;
}

namespace {

bool can_bind(int type, int port) {
  int fd = ::socket(AF_INET, type, 0);
  if (fd < 0)
    return false;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int free_port() {
  static std::mt19937 rng(static_cast<unsigned>(
      ::getpid() ^ std::chrono::steady_clock::now().time_since_epoch().count()));
  for (int attempt = 0; attempt < 1000; ++attempt) {
    int port = 20000 + static_cast<int>(rng() % 30000);
    if (can_bind(SOCK_DGRAM, port) && can_bind(SOCK_STREAM, port))
      return port;
  }
  throw std::runtime_error("no free loopback port");
}

RunResult run(const std::vector<std::string>& argv, const std::string& input, int timeout_s) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  // Close-on-exec: tests run commands from several threads at once, and a child forked by another
  // thread must not inherit these ends. One that did (a 30 s dnsperf) held this child's stdin
  // open, so nsupdate waited for the end of its input until dnsperf exited.
  if (pipe2(in_pipe, O_CLOEXEC) || pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC))
    throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in_pipe[0], 0);  // dup2 clears close-on-exec on 0, 1 and 2
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    closefrom(3);  // and whatever else this process had open without it
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  // Feed stdin from a thread so a child that writes a lot before reading cannot deadlock us.
  std::thread feeder([fd = in_pipe[1], input] {
    size_t off = 0;
    signal(SIGPIPE, SIG_IGN);
    while (off < input.size()) {
      ssize_t n = write(fd, input.data() + off, input.size() - off);
      if (n <= 0)
        break;
      off += static_cast<size_t>(n);
    }
    close(fd);
  });
  RunResult r;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int open_fds = 2;
  bool killed = false;
  while (open_fds > 0) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (left <= 0) {
      if (!killed)
        kill(pid, SIGKILL);
      killed = true;
      left = 1000;
    }
    if (poll(fds, 2, left) < 0)
      break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP))) {
        char buf[65536];
        ssize_t n = read(fds[i].fd, buf, sizeof(buf));
        if (n <= 0) {
          close(fds[i].fd);
          fds[i].fd = -1;
          --open_fds;
        } else {
          (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
        }
      }
    }
  }
  feeder.join();
  int status = 0;
  waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

Process::Process(const std::vector<std::string>& argv, const std::string& log_file) {
  pid_ = fork();
  if (pid_ < 0)
    throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0)
      dup2(devnull, 0);
    closefrom(3);  // a server must not hold another thread's pipes open (see run())
    // Own process group, so stopping the server also stops anything it forked.
    setpgid(0, 0);
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  setpgid(pid_, pid_);
}

Process::~Process() {
  stop();
}

bool Process::running() {
  if (pid_ <= 0)
    return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
    return false;
  }
  return true;
}

void Process::signal(int sig) {
  if (pid_ > 0)
    ::kill(pid_, sig);
}

int Process::wait() {
  if (pid_ > 0) {
    int status = 0;
    waitpid(pid_, &status, 0);
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
  }
  return status_;
}

void Process::stop() {
  if (pid_ <= 0)
    return;
  ::kill(-pid_, SIGTERM);
  for (int i = 0; i < 50 && running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    wait();
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path);
  out << content;
  if (!out)
    throw std::runtime_error("cannot write " + path);
}

}  // namespace signet::test
