// SPDX-License-Identifier: GPL-2.0-or-later
//
// What every signetd handler shares: the composition root (store, DNSSEC, key manager, tokens,
// audit log), and the one way to read and to write on behalf of a token.
//
// Every write made through a token is audited as "token:<id>" (keystore/tokens.hh
// TokenIdentity::actor): the request's thread holds an AuditLog::ActorScope for the write and the
// work it runs after the commit, so concurrent requests never lend each other their actor. Writes
// are serialized in this process (LMDB has one writer anyway). A write is one LMDB transaction; it
// commits only when the handler's function returns, so a refused write changes nothing.
//
// A tenant token sees its tenant only: portfolio() is scoped to that tenant's name, and
// visible_zone() answers NotFound for another tenant's zone exactly as for a zone that does not
// exist (the API must not tell the two apart).
#pragma once

#include <functional>
#include <mutex>
#include <string>

#include "conf/composition_root.hh"
#include "keystore/portfolio.hh"
#include "keystore/tokens.hh"

namespace signet::api {

class Service {
 public:
  explicit Service(CompositionRoot& root);

  CompositionRoot& root() { return root_; }
  Store& store() { return root_.store(); }

  // A portfolio limited to the token's tenant (unscoped for an operator token), auditing through
  // the shared audit log and signing edits through the DNSSEC service.
  Portfolio portfolio(const lmdb::Txn& txn, const TokenIdentity& who);
  // The tenant name of a tenant token; nullopt for an operator token.
  std::optional<std::string> tenant_name(const lmdb::Txn& txn, const TokenIdentity& who);

  // The zone at `apex` if it exists and the token covers its tenant; otherwise NotFound with
  // the same message either way.
  ZoneRecord visible_zone(const lmdb::Txn& txn, const TokenIdentity& who, const Name& apex);

  // Throws HttpError(403) unless the token's role allows `action` on `tenant_id` (nullopt: an
  // action on no particular tenant, such as listing).
  static void require(const TokenIdentity& who, Action action,
                      std::optional<uint32_t> tenant_id = std::nullopt);

  // Runs `fn` in one write transaction with the audit actor set to the token, serialized with
  // every other write of this process; commits when `fn` returns, aborts when it throws. Work to
  // run after the commit (chunked whole-zone re-signing) may be queued in `after`; it runs
  // outside the lock, in order.
  void write(
      const TokenIdentity& who,
      const std::function<void(lmdb::WriteTxn&, std::vector<std::function<void()>>& after)>& fn);

 private:
  CompositionRoot& root_;
  std::mutex write_mu_;
};

}  // namespace signet::api
