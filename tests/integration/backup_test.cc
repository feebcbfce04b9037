// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetutil backup and restore (issue 11 item 6): a backup taken while pdns_server serves and a
// writer edits, restored on a second store, serves the same signed answers; restore refuses a
// tampered backup, another master key, a file that is no Signet store of this schema, and a store
// directory in use; backup refuses to overwrite without --force.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>

#include "keystore/codec.hh"
#include "keystore/lmdb.hh"
#include "tests/support/dns_ask.hh"
#include "tests/support/process.hh"
#include "tests/support/signet_dir.hh"
#include "tests/support/temp_dir.hh"

namespace signet::test {
namespace {

namespace fs = std::filesystem;

constexpr uint16_t kA = 1, kRrsig = 46, kDnskey = 48;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir))
    return out;
  for (const auto& e : fs::directory_iterator(dir))
    out.push_back(e.path().filename().string());
  return out;
}

// A store directory with a master key: zone example.com (signed, left alone) and busy.example.net
// (signed, edited by the writer) of tenant acme, and a TSIG key.
class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    primary = make_dir(keydir.file("master.key"));
    primary->signetutil_ok({"generate-master-key"});
    primary->signetutil_ok({"create-tenant", "acme"});
    for (const char* zone : {"example.com", "busy.example.net"}) {
      primary->signetutil_ok({"create-zone", "acme", zone, "ns1.example.com."});
      primary->signetutil_ok({"secure-zone", zone});
    }
    primary->signetutil_ok({"add-record", "example.com", "www", "A", "300", "192.0.2.1"});
    primary->signetutil_ok({"tsig", "create", "acme", "acme-update"});
  }

  static std::unique_ptr<SignetDir> make_dir(const std::string& master_key) {
    PdnsServerOptions o;
    o.zone_cache = false;
    o.settings["signet-master-key-file"] = master_key;
    return std::make_unique<SignetDir>(o);
  }

  std::string backup_file() const { return backups.file("signet.mdb"); }

  // A copy of the backup as a store directory, opened with LMDB, changed by `edit`, and written
  // back as a single file `out` (what a tampered backup looks like).
  void edit_backup(const std::string& out, const std::function<void(lmdb::Env&)>& edit) {
    TempDir work;
    fs::copy_file(backup_file(), work.file("data.mdb"));
    {
      lmdb::Env env({work.path(), uint64_t(1) << 30, 32});
      edit(env);
    }
    fs::copy_file(work.file("data.mdb"), out);
  }

  static MDB_dbi open_dbi(const lmdb::Txn& txn, const char* name) {
    MDB_dbi dbi;
    lmdb::check(mdb_dbi_open(txn.get(), name, 0, &dbi), name);
    return dbi;
  }

  TempDir keydir;
  TempDir backups;
  std::unique_ptr<SignetDir> primary;
};

TEST_F(BackupTest, BackupWhileServingAndWritingRestoresToAStoreThatServesTheSameSignedAnswers) {
  primary->server->start();
  std::string serial_before = primary->dig("busy.example.net.", "SOA").at(0);

  // A writer edits busy.example.net all the while the backup runs.
  std::atomic<bool> stop{false};
  std::atomic<int> edits{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      RunResult r = primary->signetutil({"add-record", "busy.example.net", "h" + std::to_string(i),
                                         "A", "300", "192.0.2." + std::to_string(i % 250 + 1)});
      if (r.status == 0)
        ++edits;
    }
  });
  while (edits < 3)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  RunResult backup = primary->signetutil({"backup", backup_file()});
  while (edits < 6)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop = true;
  writer.join();
  ASSERT_EQ(backup.status, 0) << backup.err;
  EXPECT_TRUE(contains(backup.out, "backed up")) << backup.out;
  // Only the backup in its directory: no temporary file left beside it.
  EXPECT_EQ(entries(backups.path()), std::vector<std::string>{"signet.mdb"});
  EXPECT_EQ(fs::status(backup_file()).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_TRUE(contains(primary->signetutil_ok({"audit-log"}), "store-backed-up"));

  auto standby = make_dir(keydir.file("master.key"));
  RunResult restore =
      standby->signetutil({"restore", backup_file(), standby->server->store_path()});
  ASSERT_EQ(restore.status, 0) << restore.err;
  EXPECT_TRUE(contains(restore.out, "2 zone(s), 2 zone key(s)")) << restore.out;
  EXPECT_TRUE(contains(restore.out, "restored to " + standby->server->store_path() + "/data.mdb"))
      << restore.out;
  EXPECT_EQ(entries(standby->server->store_path()), std::vector<std::string>{"data.mdb"});
  // The snapshot is consistent: the zone edited during the copy verifies, at a serial between.
  EXPECT_EQ(standby->signetutil({"verify-zone", "busy.example.net"}).status, 0);
  EXPECT_EQ(standby->signetutil({"audit-verify"}).status, 0);
  standby->server->start();
  std::string serial_restored = standby->dig("busy.example.net.", "SOA").at(0);
  std::string serial_after = primary->dig("busy.example.net.", "SOA").at(0);
  EXPECT_NE(serial_restored, serial_before);
  EXPECT_NE(serial_restored, serial_after);

  for (auto [name, type] : {std::pair{"www.example.com.", kA}, {"example.com.", kDnskey}}) {
    DnsAnswer a = dns_ask(primary->server->port(), name, type);
    DnsAnswer b = dns_ask(standby->server->port(), name, type);
    ASSERT_TRUE(a.answered && b.answered) << name;
    EXPECT_FALSE(a.rdatas(kRrsig).empty()) << name;
    // The order of records in a section carries no meaning (pdns varies it): compare as sets.
    std::sort(a.answer.begin(), a.answer.end());
    std::sort(b.answer.begin(), b.answer.end());
    EXPECT_EQ(a.answer, b.answer) << name << ": the same records and the same RRSIG bytes";
  }
}

TEST_F(BackupTest, BackupCompletesWhileAnotherProcessHoldsTheWriteTransaction) {
  primary->server->start();
  // signetutil batch holds one write transaction from the moment it opens its input until the
  // input ends: fed through a FIFO kept open, it holds LMDB's write lock for as long as we like.
  std::string fifo = backups.file("batch.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Process batch(signetutil_argv(primary->dir.path(), {"batch", fifo}),
                primary->dir.file("batch.log"));
  int fd = ::open(fifo.c_str(), O_WRONLY);  // returns once batch opened it, then begins its write
  ASSERT_GE(fd, 0);
  std::string line = "add-record example.com held A 300 192.0.2.77\n";
  ASSERT_EQ(::write(fd, line.data(), line.size()), ssize_t(line.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  // The copy needs no lock: it is complete and in place while the writer still holds its
  // transaction (the audit entry of the backup then waits for that transaction, as writes do).
  Process backup(signetutil_argv(primary->dir.path(), {"backup", backups.file("held.mdb")}),
                 primary->dir.file("backup.log"));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!contains(read_file(primary->dir.file("backup.log")), "backed up") &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(contains(read_file(primary->dir.file("backup.log")), "backed up"));
  EXPECT_TRUE(batch.running()) << "the backup waited for the writer";
  EXPECT_TRUE(fs::exists(backups.file("held.mdb")));
  ::close(fd);
  EXPECT_EQ(batch.wait(), 0) << read_file(primary->dir.file("batch.log"));
  EXPECT_EQ(backup.wait(), 0) << read_file(primary->dir.file("backup.log"));
  // The backup is the last committed state: without the batch's record, which is now served.
  EXPECT_EQ(primary->dig("held.example.com.", "A"), std::vector<std::string>{"192.0.2.77"});
  TempDir target;
  std::string store = target.file("store");
  primary->signetutil_ok({"restore", backups.file("held.mdb"), store});
  PdnsServerOptions o;
  o.settings["signet-path"] = store;
  o.settings["signet-master-key-file"] = keydir.file("master.key");
  SignetDir restored(o);
  EXPECT_TRUE(contains(restored.signetutil_ok({"list-zone", "example.com"}), "www.example.com."));
  EXPECT_FALSE(contains(restored.signetutil_ok({"list-zone", "example.com"}), "held"));
}

TEST_F(BackupTest, RestoreRefusesABackupWhoseAuditEntryWasEditedAndLeavesTheDirectoryEmpty) {
  primary->signetutil_ok({"backup", backup_file()});
  std::string tampered = backups.file("tampered.mdb");
  edit_backup(tampered, [](lmdb::Env& env) {
    lmdb::WriteTxn txn(env);
    MDB_dbi audit = open_dbi(txn, "audit");
    std::string key, value;
    {
      lmdb::Cursor c(txn, audit);
      ASSERT_TRUE(c.first());
      key = std::string(c.key());
      value.assign(reinterpret_cast<const char*>(c.value().data()), c.value().size());
    }
    // entry := ... detail prev:32 hash:32 — change one character of the detail (JSON), as an
    // attacker rewriting history would, without recomputing the chain.
    value[value.size() - 64 - 2] ^= 0x01;
    txn.put(audit, key, value);
    txn.commit();
  });
  TempDir target;
  RunResult r = primary->signetutil({"restore", tampered, target.path()});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "the audit log does not verify")) << r.err;
  EXPECT_TRUE(entries(target.path()).empty());
}

TEST_F(BackupTest, RestoreWithAnotherMasterKeyNamesTheKeyThatDoesNotUnseal) {
  primary->signetutil_ok({"backup", backup_file()});
  TempDir other_keys;
  auto standby = make_dir(other_keys.file("master.key"));
  standby->signetutil_ok({"generate-master-key"});
  std::string target = standby->dir.file("restored");
  RunResult r = standby->signetutil({"restore", backup_file(), target});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "of zone busy.example.net. does not unseal with the master key") ||
              contains(r.err, "of zone example.com. does not unseal with the master key"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "key ")) << r.err;
  // The directory restore made is gone again.
  EXPECT_FALSE(fs::exists(target));
  // --check-only says the same, placing nothing.
  RunResult check = standby->signetutil({"restore", "--check-only", backup_file()});
  EXPECT_EQ(check.status, 1);
  EXPECT_TRUE(contains(check.err, "does not unseal with the master key")) << check.err;
  EXPECT_EQ(entries(backups.path()), std::vector<std::string>{"signet.mdb"});
}

TEST_F(BackupTest, RestoreWithAnotherMasterKeyNamesTheTsigKeyThatDoesNotUnseal) {
  // A store whose only secret is a global TSIG key, sealed under its master key directly.
  TempDir other_keys;
  auto other = make_dir(other_keys.file("master.key"));
  other->signetutil_ok({"generate-master-key"});
  other->signetutil_ok({"tsig", "create", "--operator", "ops-key"});
  std::string file = backups.file("ops.mdb");
  other->signetutil_ok({"backup", file});
  ASSERT_EQ(other->signetutil({"restore", "--check-only", file}).status, 0);

  RunResult r = primary->signetutil({"restore", "--check-only", file});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "TSIG key 'ops-key.' does not unseal with the master key")) << r.err;
}

TEST_F(BackupTest, RestoreRefusesAFileThatIsNoSignetStoreOfThisSchema) {
  std::string garbage = backups.file("garbage.mdb");
  write_file(garbage, std::string(8192, 'x'));
  TempDir target;
  RunResult r = primary->signetutil({"restore", garbage, target.path()});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "is not a Signet store")) << r.err;
  EXPECT_TRUE(entries(target.path()).empty());

  primary->signetutil_ok({"backup", backup_file()});
  std::string old_schema = backups.file("schema2.mdb");
  edit_backup(old_schema, [](lmdb::Env& env) {
    lmdb::WriteTxn txn(env);
    txn.put(open_dbi(txn, "sys"), "schema", codec::u32_key(2));
    txn.commit();
  });
  r = primary->signetutil({"restore", old_schema, target.path()});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(
      contains(r.err, "has schema 2; this Signet expects " + std::to_string(codec::kSchemaVersion)))
      << r.err;
  EXPECT_TRUE(entries(target.path()).empty());

  std::string not_signet = backups.file("other.mdb");
  {
    TempDir work;
    lmdb::Env env({work.path(), uint64_t(1) << 20, 4});
    fs::copy_file(work.file("data.mdb"), not_signet);
  }
  r = primary->signetutil({"restore", not_signet, target.path()});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "is an LMDB file but not a Signet store")) << r.err;
  EXPECT_TRUE(entries(target.path()).empty());
}

TEST_F(BackupTest, BackupRefusesToOverwriteAFileWithoutForce) {
  write_file(backup_file(), "precious");
  RunResult r = primary->signetutil({"backup", backup_file()});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "exists; backup --force replaces it")) << r.err;
  EXPECT_EQ(read_file(backup_file()), "precious");
  EXPECT_EQ(entries(backups.path()), std::vector<std::string>{"signet.mdb"});

  RunResult forced = primary->signetutil({"--json", "backup", "--force", backup_file()});
  ASSERT_EQ(forced.status, 0) << forced.err;
  EXPECT_TRUE(contains(forced.out, "\"bytes\":")) << forced.out;
  EXPECT_NE(read_file(backup_file()), "precious");
  EXPECT_EQ(primary->signetutil({"restore", "--check-only", backup_file()}).status, 0);
}

TEST_F(BackupTest, RestoreRefusesAnExistingStoreWithoutForceAndAStoreInUseWithForce) {
  primary->signetutil_ok({"backup", backup_file()});
  std::string store = primary->server->store_path();
  RunResult r = primary->signetutil({"restore", backup_file(), store});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "already holds a store")) << r.err;

  primary->server->start();
  r = primary->signetutil({"restore", "--force", backup_file(), store});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "is open by another process")) << r.err;
  EXPECT_EQ(primary->dig("www.example.com.", "A"), std::vector<std::string>{"192.0.2.1"});

  // Stopped, the store is replaced; the restored one serves.
  primary->signetutil_ok({"add-record", "example.com", "late", "A", "300", "192.0.2.9"});
  primary->server->stop();
  primary->signetutil_ok({"restore", "--force", backup_file(), store});
  EXPECT_EQ(entries(store).size(), 2u);  // data.mdb and the emptied lock.mdb
  primary->server->start();
  EXPECT_EQ(primary->dig("www.example.com.", "A"), std::vector<std::string>{"192.0.2.1"});
  EXPECT_TRUE(primary->dig("late.example.com.", "A").empty());
}

}  // namespace
}  // namespace signet::test
