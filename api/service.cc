// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/service.hh"

#include "api/router.hh"
#include "signer/error.hh"

namespace signet::api {

Service::Service(CompositionRoot& root) : root_(root) {}

std::optional<std::string> Service::tenant_name(const lmdb::Txn& txn, const TokenIdentity& who) {
  if (who.is_operator())
    return std::nullopt;
  Portfolio p(root_.store(), root_.clock());
  return p.tenant_name(txn, *who.tenant_id);
}

Portfolio Service::portfolio(const lmdb::Txn& txn, const TokenIdentity& who) {
  Portfolio p(root_.store(), root_.clock());
  p.set_scope(tenant_name(txn, who));
  p.set_edit_hook(&root_.dnssec().signing());
  p.set_audit(&root_.audit());
  return p;
}

ZoneRecord Service::visible_zone(const lmdb::Txn& txn, const TokenIdentity& who, const Name& apex) {
  auto z = root_.store().find_zone(txn, apex);
  if (!z || !who.covers(z->tenant_id))
    throw NotFound("Could not find domain '" + apex.to_text() + "'");
  return *z;
}

void Service::require(const TokenIdentity& who, Action action, std::optional<uint32_t> tenant_id) {
  bool ok = tenant_id ? who.allows(action, *tenant_id) : role_allows(who.role, action);
  if (!ok)
    throw HttpError(403, "Forbidden");
}

void Service::write(
    const TokenIdentity& who,
    const std::function<void(lmdb::WriteTxn&, std::vector<std::function<void()>>&)>& fn) {
  // The token is the actor of what this thread writes, the after-commit work included.
  AuditLog::ActorScope actor(who.actor());
  std::vector<std::function<void()>> after;
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    auto txn = root_.store().begin_write();
    fn(txn, after);
    txn.commit();
  }
  for (auto& work : after)
    work();
}

}  // namespace signet::api
