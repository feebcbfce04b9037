// SPDX-License-Identifier: GPL-2.0-or-later
//
// The master key file: read once through one descriptor, refused unless it is a regular file of
// the user running Signet (or root) that no one else can read; written without ever following
// or replacing anything.
#include "keystore/keyring.hh"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "signer/error.hh"
#include "tests/support/process.hh"
#include "tests/support/temp_dir.hh"

using namespace signet;
using signet::test::read_file;
using signet::test::TempDir;
using signet::test::write_file;

namespace {

// The InputError of MasterKey::load, or "" when it loads.
std::string refusal(const std::string& path) {
  try {
    MasterKey::load(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

class MasterKeyFile : public ::testing::Test {
 protected:
  MasterKeyFile() { MasterKey::generate_file(key); }
  TempDir dir;
  std::string key = dir.file("master.key");
};

}  // namespace

TEST_F(MasterKeyFile, AGeneratedFileLoadsAndSealsAndOpens) {
  struct stat st;
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  MasterKey m = MasterKey::load(key);
  EXPECT_EQ(m.key().size(), 32u);
  std::vector<uint8_t> ad = {1}, plain = {4, 5, 6};
  auto sealed = Keyring::seal(m.key(), ad, plain);
  auto opened = Keyring::open(MasterKey::load(key).key(), ad, sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(std::vector<uint8_t>(opened->bytes().begin(), opened->bytes().end()), plain);
}

TEST_F(MasterKeyFile, ReadOnlyForTheOwnerIsFine) {
  ASSERT_EQ(::chmod(key.c_str(), 0400), 0);
  EXPECT_EQ(refusal(key), "");
}

TEST_F(MasterKeyFile, ASymbolicLinkIsRefused) {
  std::string link = dir.file("link.key");
  std::filesystem::create_symlink(key, link);
  EXPECT_EQ(refusal(link), "master key file '" + link +
                               "' is a symbolic link; refusing it (name the file itself in "
                               "signet-master-key-file)");
}

TEST_F(MasterKeyFile, AFileOthersCanReadIsRefused) {
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  EXPECT_EQ(refusal(key), "master key file '" + key +
                              "' has mode 0644; refusing to use it unless only its owner can "
                              "read it (chmod 600)");
  ASSERT_EQ(::chmod(key.c_str(), 0620), 0);  // group-writable: could be replaced
  EXPECT_NE(refusal(key).find("has mode 0620"), std::string::npos);
}

TEST_F(MasterKeyFile, ADirectoryOrAFifoIsRefused) {
  std::string d = dir.file("keydir");
  std::filesystem::create_directory(d);
  EXPECT_EQ(refusal(d), "master key file '" + d + "' is a directory, not a regular file");
  std::string fifo = dir.file("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Opened without blocking for a writer, then refused.
  EXPECT_EQ(refusal(fifo), "master key file '" + fifo + "' is not a regular file");
}

TEST_F(MasterKeyFile, RootUsesTheKeyOfTheUserPdnsRunsAs) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "needs root to give the file to another user";
  ASSERT_EQ(::chown(key.c_str(), 65534, 65534), 0);
  EXPECT_EQ(refusal(key), "");
}

// An unprivileged process refuses a key that another unprivileged user could swap under it.
TEST_F(MasterKeyFile, AFileOfAnotherUserIsRefused) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "needs root to switch to another user";
  ASSERT_EQ(::chown(key.c_str(), 65534, 65534), 0);
  ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
  ASSERT_EQ(::chown(dir.path().c_str(), 65533, 65533), 0);
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipefd[0]);
    int rc = ::setresgid(65533, 65533, 65533) == 0 && ::setresuid(65533, 65533, 65533) == 0;
    std::string why = rc ? refusal(key) : "setresuid failed";
    ssize_t w = ::write(pipefd[1], why.data(), why.size());
    _exit(w == ssize_t(why.size()) ? 0 : 1);
  }
  ::close(pipefd[1]);
  std::string why;
  char buf[512];
  for (ssize_t r; (r = ::read(pipefd[0], buf, sizeof buf)) > 0;)
    why.append(buf, size_t(r));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  // Mode 0600 keeps the other user out already; either refusal names the file.
  EXPECT_TRUE(why.rfind("master key file '" + key + "'", 0) == 0) << why;
  EXPECT_NE(why.find("Permission denied"), std::string::npos) << why;
}

TEST_F(MasterKeyFile, AMissingFileSaysHowToMakeOne) {
  std::string missing = dir.file("missing.key");
  EXPECT_EQ(refusal(missing), "master key file '" + missing +
                                  "': No such file or directory (create one with: signetutil "
                                  "generate-master-key " +
                                  missing + ")");
}

TEST_F(MasterKeyFile, MalformedContentIsRefused) {
  std::string text = read_file(key);
  auto with = [&](const std::string& content) {
    std::string p = dir.file("bad.key");
    std::filesystem::remove(p);
    write_file(p, content);
    ::chmod(p.c_str(), 0600);
    return refusal(p);
  };
  EXPECT_NE(with("").find("is malformed"), std::string::npos);
  EXPECT_NE(with("# another header\n" + text.substr(text.find('\n') + 1)).find("is malformed"),
            std::string::npos);
  EXPECT_NE(with("# signet master key v1\nnot base64!\n").find("does not hold a 256-bit key"),
            std::string::npos);
  EXPECT_NE(with("# signet master key v1\nAAAA\n").find("does not hold a 256-bit key"),
            std::string::npos);
  // No trailing newline is fine.
  EXPECT_EQ(with(text.substr(0, text.size() - 1)), "");
}

TEST_F(MasterKeyFile, GenerateNeverOverwritesNorFollowsALink) {
  std::string before = read_file(key);
  EXPECT_THROW(MasterKey::generate_file(key), InputError);
  EXPECT_EQ(read_file(key), before);
  // A dangling link: generating through it would create the file it points to.
  std::string target = dir.file("elsewhere.key"), link = dir.file("link.key");
  std::filesystem::create_symlink(target, link);
  EXPECT_THROW(MasterKey::generate_file(link), InputError);
  EXPECT_FALSE(std::filesystem::exists(target));
}

TEST_F(MasterKeyFile, GeneratedModeIs0600WhateverTheUmask) {
  mode_t old = ::umask(0);
  std::string a = dir.file("a.key");
  MasterKey::generate_file(a);
  ::umask(0277);
  std::string b = dir.file("b.key");
  MasterKey::generate_file(b);
  ::umask(old);
  struct stat st;
  ASSERT_EQ(::stat(a.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_EQ(::stat(b.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(refusal(b), "");
}
