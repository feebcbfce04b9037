// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/zone_events.hh"

#include "signer/key.hh"

namespace signet {

void ZoneEvents::record(lmdb::WriteTxn& txn, const ZoneRecord& zone, std::string_view kind,
                        const Json& detail) const {
  if (!audit_)
    return;
  auto tenant = store_.tenant_by_id(txn, zone.tenant_id);
  audit_->append(txn, kind, zone.tenant_id, zone.id, tenant ? tenant->name : "",
                 zone.name.to_text(), detail);
}

Json key_detail(const codec::KeyRecord& k) {
  return Json{{"tag", k.tag},
              {"algorithm", algorithm_name(static_cast<Algorithm>(k.algorithm))},
              {"role", key_role_name(static_cast<KeyRole>(k.role))},
              {"key_id", k.id}};
}

}  // namespace signet
