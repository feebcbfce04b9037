// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/alert_store.hh"

namespace signet {

std::optional<AlertStateRecord> AlertStore::state(const lmdb::Txn& txn, uint32_t zone_id) const {
  auto v = txn.find(store_.dbi().alert_state, codec::u32_key(zone_id));
  if (!v)
    return std::nullopt;
  return codec::decode_alert_state(*v);
}

void AlertStore::put_state(lmdb::WriteTxn& txn, uint32_t zone_id, const AlertStateRecord& a) {
  txn.put(store_.dbi().alert_state, codec::u32_key(zone_id), codec::encode_alert_state(a));
}

bool AlertStore::erase_state(lmdb::WriteTxn& txn, uint32_t zone_id) {
  return txn.del(store_.dbi().alert_state, codec::u32_key(zone_id));
}

void AlertStore::for_each_state(
    const lmdb::Txn& txn, const std::function<void(uint32_t, const AlertStateRecord&)>& fn) const {
  lmdb::Cursor c(txn, store_.dbi().alert_state);
  for (bool ok = c.first(); ok; ok = c.next())
    fn(codec::decode_u32_key(c.key_bytes()), codec::decode_alert_state(c.value()));
}

std::optional<AlertWebhookRecord> AlertStore::webhook(const lmdb::Txn& txn,
                                                      uint32_t tenant_id) const {
  auto v = txn.find(store_.dbi().alert_webhooks, codec::u32_key(tenant_id));
  if (!v)
    return std::nullopt;
  AlertWebhookRecord w = codec::decode_alert_webhook(*v);
  if (!w.sealed.empty()) {
    Secret url = Keyring(store_, master()).open_webhook_url(txn, tenant_id, w.sealed);
    w.url.assign(reinterpret_cast<const char*>(url.bytes().data()), url.bytes().size());
    w.sealed.clear();
  }
  return w;
}

void AlertStore::put_webhook(lmdb::WriteTxn& txn, uint32_t tenant_id, const AlertWebhookRecord& w) {
  AlertWebhookRecord stored{w.set_at, "",
                            Keyring(store_, master()).seal_webhook_url(txn, tenant_id, w.url)};
  txn.put(store_.dbi().alert_webhooks, codec::u32_key(tenant_id),
          codec::encode_alert_webhook(stored));
}

const MasterKey& AlertStore::master() const {
  if (!master_)
    throw Error("alert webhooks: no master key given to open or seal them");
  return master_();
}

bool AlertStore::erase_webhook(lmdb::WriteTxn& txn, uint32_t tenant_id) {
  return txn.del(store_.dbi().alert_webhooks, codec::u32_key(tenant_id));
}

}  // namespace signet
