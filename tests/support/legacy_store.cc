// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/support/legacy_store.hh"

#include "keystore/portfolio.hh"
#include "signer/clock.hh"
#include "signer/rdata_text.hh"
#include "signer/rrtype.hh"

namespace signet::test {

codec::ZoneRecord insert_zone_bypassing_the_boundary(Store& store, lmdb::WriteTxn& txn,
                                                     uint32_t tenant_id, const Name& apex) {
  codec::ZoneRecord z;
  z.id = store.next_id(txn, "next-zone-id");
  z.tenant_id = tenant_id;
  z.name = apex;
  std::string name_key;  // zone_names: namekey(apex) 0x00 (keystore/codec.hh)
  codec::append_namekey(name_key, apex);
  name_key.push_back('\0');
  txn.put(store.dbi().zones, codec::u32_key(z.id), codec::encode_zone(z));
  txn.put(store.dbi().zone_names, name_key, codec::u32_key(z.id));
  txn.put(store.dbi().tenant_zones, codec::u32_pair_key(tenant_id, z.id), std::string_view());
  return z;
}

void insert_zone_bypassing_the_boundary(const std::string& store_path, const std::string& tenant,
                                        const std::string& apex) {
  Store store(StoreOptions{store_path, uint64_t(1) << 30});
  SystemClock clock;
  Portfolio portfolio(store, clock);
  auto txn = store.begin_write();
  auto t = store.find_tenant(txn, tenant);
  if (!t)
    t = portfolio.create_tenant(txn, tenant);
  Name name = Name::from_text(apex);
  insert_zone_bypassing_the_boundary(store, txn, t->id, name);
  portfolio.edit_zone(
      txn, name,
      [&](ZoneWriter& w) {
        w.add(name, rrtype::SOA, 3600,
              rdata_from_text(rrtype::SOA,
                              "ns1." + name.to_text() + " hostmaster." + name.to_text() +
                                  " 1 3600 600 86400 300",
                              Name()));
      },
      false);
  txn.commit();
}

}  // namespace signet::test
