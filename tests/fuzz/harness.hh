// SPDX-License-Identifier: GPL-2.0-or-later
//
// What the fuzz targets share: a store in a temporary directory (on tmpfs when there is one, so
// commits cost no disk sync) with a fixed clock, a master key, the DNSSEC service as the edit hook
// and an audit log — set up the way tests/support/store_fixture.hh and the keystore tests do.
//
// One harness lives for the whole fuzzing process; each input deletes the zones it made. Every
// `kRenewEvery` inputs the store is made afresh, which bounds what inputs leave behind for good in
// it (the audit log is append-only). The DNSSEC service is made afresh for every input: its cache
// of unsealed keys would otherwise grow from input to input, and libFuzzer scans the whole heap for
// leaks after every input that ends with more allocations than it started with.
//
// A finding is reported with fail(): it prints what broke and aborts, which libFuzzer records as a
// crash with the input that caused it.
#pragma once

#include <openssl/crypto.h>
#include <sanitizer/lsan_interface.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "keystore/audit.hh"
#include "keystore/dnssec.hh"
#include "keystore/keyring.hh"
#include "keystore/portfolio.hh"
#include "keystore/store.hh"
#include "signer/clock.hh"
#include "signer/secret.hh"

namespace signet::fuzz {

[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "\nFUZZ FINDING: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// OpenSSL keeps pointers to its own objects (its random generators, made once per process) in
// its secure heap — the key heap of signer/secret.hh, an mmap'd area LeakSanitizer does not scan
// by itself — so they would be reported as leaked. Registering the heap as a root region makes
// LeakSanitizer follow those pointers like any other.
inline void register_key_heap_with_lsan() {
  ensure_key_heap();
  void* probe = CRYPTO_secure_malloc(1, __FILE__, __LINE__);
  if (!probe)
    return;
  uintptr_t at = reinterpret_cast<uintptr_t>(probe);
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    uintptr_t begin = 0, end = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx", &begin, &end) == 2 && begin <= at && at < end) {
      __lsan_register_root_region(reinterpret_cast<void*>(begin), end - begin);
      break;
    }
  }
  CRYPTO_secure_free(probe, __FILE__, __LINE__);
}

class Harness {
 public:
  static constexpr uint64_t kStart = 1700000000;  // the fixed "now" of every input
  static constexpr unsigned kRenewEvery = 4000;

  static Harness& get() {
    static Harness* h = new Harness();  // never destroyed: libFuzzer exits from anywhere
    if (++h->runs_ % kRenewEvery == 0)
      h->open_store();
    else
      h->new_dnssec();
    h->clock.set(kStart);
    return *h;
  }

  std::string file(const std::string& name) const { return dir_ + "/" + name; }

  FakeClock clock{kStart};
  std::unique_ptr<Store> store;
  std::unique_ptr<Portfolio> portfolio;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<Dnssec> dnssec;
  std::unique_ptr<MasterKey> master;

 private:
  Harness() {
    // scripts/fuzz names a directory of its own (on tmpfs) and removes it when done.
    const char* env = std::getenv("SIGNET_FUZZ_TMP");
    std::filesystem::path base = env && *env ? std::filesystem::path(env)
                                 : std::filesystem::exists("/dev/shm")
                                     ? "/dev/shm"
                                     : std::filesystem::temp_directory_path();
    std::string tmpl = (base / "signet-fuzz-XXXXXX").string();
    if (!mkdtemp(tmpl.data()))
      fail("mkdtemp failed");
    dir_ = tmpl;
    static std::string cleanup = dir_;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(cleanup, ec);
    });
    register_key_heap_with_lsan();
    MasterKey::generate_file(file("master.key"));
    master = std::make_unique<MasterKey>(MasterKey::load(file("master.key")));
    open_store();
  }

  void open_store() {
    dnssec.reset();
    audit.reset();
    portfolio.reset();
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(file("store"), ec);
    store = std::make_unique<Store>(StoreOptions{file("store"), uint64_t(1) << 30});
    portfolio = std::make_unique<Portfolio>(*store, clock);
    audit = std::make_unique<AuditLog>(*store, clock, "fuzz");
    portfolio->set_audit(audit.get());
    new_dnssec();
    auto txn = store->begin_write();
    portfolio->create_tenant(txn, "fuzz");
    portfolio->create_tenant(txn, "other");
    txn.commit();
  }

  void new_dnssec() {
    dnssec =
        std::make_unique<Dnssec>(*store, clock, [this]() -> const MasterKey& { return *master; });
    dnssec->events().set_audit(audit.get());
    dnssec->events().set_warning_sink([](const std::string&) {});
    portfolio->set_edit_hook(&dnssec->signing());
  }

  std::string dir_;
  unsigned runs_ = 0;
};

}  // namespace signet::fuzz
