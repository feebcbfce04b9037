// SPDX-License-Identifier: GPL-2.0-or-later
//
// A token's identity for tests that call signetd's routes in-process: made in the store and
// authenticated from its text, as signetd does for every request.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "conf/composition_root.hh"
#include "keystore/tokens.hh"

namespace signet::test {

inline TokenIdentity issue_token(CompositionRoot& root, std::optional<std::string> tenant,
                                 Role role) {
  auto txn = root.store().begin_write();
  Tokens::Request r;
  if (tenant)
    r.tenant_id = root.store().find_tenant(txn, *tenant)->id;
  r.role = role;
  IssuedToken t = root.tokens().create(txn, r);
  txn.commit();
  return root.tokens().authenticate(
      std::string_view(reinterpret_cast<const char*>(t.text.data()), t.text.size()));
}

}  // namespace signet::test
