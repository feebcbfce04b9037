// SPDX-License-Identifier: GPL-2.0-or-later
//
// The composition root: the one place that builds Signet's object graph from the configuration —
// clock, store, audit log, the DNSSEC units (keystore/dnssec.hh), the key manager and the
// refresher — and wires them together (the stored-policy parser, the audit log, the warning
// sink). Everything below it takes its collaborators as constructor arguments; nothing else in
// Signet is global. signetutil makes one per invocation; the pdns module makes one per store path
// and shares it between all backend instances of the process (LMDB forbids opening one
// environment twice in a process).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "conf/config.hh"
#include "keystore/audit.hh"
#include "keystore/dnssec.hh"
#include "keystore/keyman.hh"
#include "keystore/keyring.hh"
#include "keystore/monitor.hh"
#include "keystore/refresher.hh"
#include "keystore/store.hh"
#include "keystore/tokens.hh"
#include "keystore/tsig_keys.hh"
#include "signer/clock.hh"

namespace signet {

// SystemClock, or an OffsetClock when the environment sets SIGNET_CLOCK_OFFSET (seconds, may be
// negative) — the test seam for processes (signetutil, pdns_server) that must live at another time.
std::unique_ptr<Clock> clock_from_environment();

class CompositionRoot {
 public:
  // Opens the store named by `config`. Throws StoreError.
  explicit CompositionRoot(Config config, std::unique_ptr<Clock> clock = clock_from_environment());
  ~CompositionRoot();

  const Config& config() const { return config_; }
  Store& store() { return *store_; }
  const Clock& clock() const { return *clock_; }
  // The DNSSEC service; it reads the master key file the first time it needs a private key.
  Dnssec& dnssec() { return *dnssec_; }
  // The audit log; entries name this process as the actor (signetutil:<user>, pdns_server...).
  AuditLog& audit() { return *audit_; }
  // The master key, loaded on first use (throws InputError naming the file when unusable).
  const MasterKey& master_key();

  // API tokens (keystore/tokens.hh): made and checked with a key derived from the master key,
  // creations and revocations audited.
  Tokens& tokens() { return *tokens_; }
  // TSIG keys (keystore/tsig_keys.hh): sealed with the master key or a tenant's data key,
  // creations and deletions audited.
  TsigKeys& tsig_keys() { return *tsig_keys_; }

  // The key manager (rollovers, parent checks, DS submission), finding parents through the
  // resolvers of `signet-resolver`.
  KeyManager& keyman() { return *keyman_; }

  // The background refresher and key scheduler of this process (pdns_server starts them;
  // signetutil never does: `signetutil refresh` and `rollover-tick` are its one-shot passes).
  void start_refresher(Refresher::Log log);
  // Asks the refresher, if running, to refresh a zone soon.
  void wake_refresher(uint32_t zone_id);

  // The validation monitor (signet-monitor-*), sharing the key manager's parent finder. Made on
  // first use; signetd starts its background loop, `signetutil monitor --check` calls check().
  Monitor& monitor();

  // LMDB allows one write transaction per environment, and a thread that begins a second one
  // waits for itself forever. pdns sometimes writes through two backend instances on one thread
  // (a transaction open on one, metadata set through another); the second joins the first through
  // this registry instead of deadlocking. The owner registers its transaction while it is open.
  lmdb::WriteTxn* thread_write_txn() const;
  void set_thread_write_txn(lmdb::WriteTxn* txn);

 private:
  Config config_;
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Dnssec> dnssec_;
  std::unique_ptr<KeyManager> keyman_;
  std::unique_ptr<Tokens> tokens_;
  std::unique_ptr<TsigKeys> tsig_keys_;
  std::unique_ptr<Refresher> refresher_;
  std::mutex monitor_mu_;
  std::unique_ptr<Monitor> monitor_;
  std::mutex master_mu_;
  std::optional<MasterKey> master_;
  mutable std::mutex write_mu_;
  std::map<std::thread::id, lmdb::WriteTxn*> write_txns_;
};

}  // namespace signet
