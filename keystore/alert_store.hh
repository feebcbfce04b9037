// SPDX-License-Identifier: GPL-2.0-or-later
//
// What signetd's alerts keep in the store (byte layouts in keystore/codec.hh): per zone, the state
// last alerted (so that a restarted signetd neither sends an alert again nor forgets one it owes
// a "resolved"), keyed by zone id, 0 for the store itself; and per tenant, the tenant's own alert
// webhook (set through the API), its URL sealed under the tenant's data key (it may carry
// user:password). Plain reads and writes in the caller's transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "keystore/codec.hh"
#include "keystore/keyring.hh"
#include "keystore/store.hh"

namespace signet {

using codec::AlertStateRecord;
using codec::AlertWebhookRecord;

// The alert state key of the store as a whole (no zone has id 0).
inline constexpr uint32_t kStoreAlertId = 0;

class AlertStore {
 public:
  // `master` is asked for the master key when a webhook URL is sealed or opened; without it only
  // the alert states can be used.
  using MasterKeyProvider = std::function<const MasterKey&()>;
  explicit AlertStore(Store& store, MasterKeyProvider master = {})
      : store_(store), master_(std::move(master)) {}

  std::optional<AlertStateRecord> state(const lmdb::Txn& txn, uint32_t zone_id) const;
  void put_state(lmdb::WriteTxn& txn, uint32_t zone_id, const AlertStateRecord& a);
  bool erase_state(lmdb::WriteTxn& txn, uint32_t zone_id);
  void for_each_state(const lmdb::Txn& txn,
                      const std::function<void(uint32_t, const AlertStateRecord&)>& fn) const;

  // The webhook with its URL opened (`url`; `sealed` cleared).
  std::optional<AlertWebhookRecord> webhook(const lmdb::Txn& txn, uint32_t tenant_id) const;
  // Stores `w.url` sealed.
  void put_webhook(lmdb::WriteTxn& txn, uint32_t tenant_id, const AlertWebhookRecord& w);
  // False when the tenant had none.
  bool erase_webhook(lmdb::WriteTxn& txn, uint32_t tenant_id);

 private:
  const MasterKey& master() const;

  Store& store_;
  MasterKeyProvider master_;
};

}  // namespace signet
