// SPDX-License-Identifier: GPL-2.0-or-later
//
// What signetd's alerts keep in the store (byte layouts in keystore/codec.hh): per zone, the state
// last alerted (so that a restarted signetd neither sends an alert again nor forgets one it owes
// a "resolved"), keyed by zone id, 0 for the store itself; and per tenant, the tenant's own alert
// webhook (set through the API). Plain reads and writes in the caller's transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "keystore/codec.hh"
#include "keystore/store.hh"

namespace signet {

using codec::AlertStateRecord;
using codec::AlertWebhookRecord;

// The alert state key of the store as a whole (no zone has id 0).
inline constexpr uint32_t kStoreAlertId = 0;

class AlertStore {
 public:
  explicit AlertStore(Store& store) : store_(store) {}

  std::optional<AlertStateRecord> state(const lmdb::Txn& txn, uint32_t zone_id) const;
  void put_state(lmdb::WriteTxn& txn, uint32_t zone_id, const AlertStateRecord& a);
  bool erase_state(lmdb::WriteTxn& txn, uint32_t zone_id);
  void for_each_state(const lmdb::Txn& txn,
                      const std::function<void(uint32_t, const AlertStateRecord&)>& fn) const;

  std::optional<AlertWebhookRecord> webhook(const lmdb::Txn& txn, uint32_t tenant_id) const;
  void put_webhook(lmdb::WriteTxn& txn, uint32_t tenant_id, const AlertWebhookRecord& w);
  // False when the tenant had none.
  bool erase_webhook(lmdb::WriteTxn& txn, uint32_t tenant_id);

 private:
  Store& store_;
};

}  // namespace signet
