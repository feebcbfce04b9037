// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/store.hh"

#include "keystore/tenant_boundary.hh"
#include "keystore/tsig_keys.hh"
#include "signer/error.hh"
#include "signer/rrtype.hh"

namespace signet {

using codec::u32_key;

namespace {

// Migration hook: each step upgrades the store from `from` to `from + 1` inside the open-time
// write transaction. Schema 1 is the first; later schemas append steps here.
struct Migration {
  uint32_t from;
  void (*apply)(lmdb::WriteTxn& txn, const Store::Dbis& dbi);
};
// Schema 2 added the key manager's databases (rollover, key_due, policies); open_dbis creates
// them, so the migration from 1 has nothing to rewrite. Key and tenant values gained optional
// tails that version-1 readers ignore and version-2 readers default.
void migrate_1_to_2(lmdb::WriteTxn&, const Store::Dbis&) {}

// Schema 3 gave policies an owner (codec.hh, "policies"): schema 2 keyed them by name, with the
// YAML text as the value. They were the operator's, so they become global (owner 0), their YAML
// kept as it is: a TSIG secret in it stays readable (conf/policy.hh, parse_stored_policy) until
// the policy is imported again, which seals it — the store cannot seal without the master key.
void migrate_2_to_3(lmdb::WriteTxn& txn, const Store::Dbis& dbi) {
  std::vector<std::pair<std::string, std::string>> old;
  {
    lmdb::Cursor c(txn, dbi.policies);
    for (bool ok = c.first(); ok; ok = c.next())
      old.emplace_back(
          std::string(c.key()),
          std::string(reinterpret_cast<const char*>(c.value().data()), c.value().size()));
  }
  for (const auto& [name, yaml] : old) {
    txn.del(dbi.policies, name);
    codec::PolicyRecord p;
    p.yaml = yaml;
    txn.put(dbi.policies, codec::policy_key(0, name), codec::encode_policy(p));
  }
}

const Migration kMigrations[] = {
    {1, &migrate_1_to_2},
    {2, &migrate_2_to_3},
};

uint32_t read_u32_value(lmdb::Bytes b, const char* what) {
  if (b.size() != 4)
    throw CorruptionError(std::string("bad ") + what);
  return codec::load_u32(b.data());
}

}  // namespace

Store::Store(const StoreOptions& options) {
  env_ = std::make_unique<lmdb::Env>(lmdb::Env::Options{options.path, options.map_size, 32});
  // Fast path: an existing, current store opens in a read transaction, so a pdns_server starting
  // while signetutil holds the write lock (a long load-zone) does not wait for it.
  if (open_dbis(/*create=*/false))
    return;
  open_dbis(/*create=*/true);
}

bool Store::open_dbis(bool create) {
  std::unique_ptr<lmdb::Txn> holder;
  lmdb::WriteTxn* wtxn = nullptr;
  if (create) {
    auto w = std::make_unique<lmdb::WriteTxn>(*env_);
    wtxn = w.get();
    holder = std::move(w);
  } else {
    holder = std::make_unique<lmdb::ReadTxn>(*env_);
  }
  const lmdb::Txn& txn = *holder;
  struct Entry {
    const char* name;
    MDB_dbi* dbi;
  };
  const Entry entries[] = {
      {"sys", &dbi_.sys},
      {"tenants", &dbi_.tenants},
      {"tenant_names", &dbi_.tenant_names},
      {"tenant_zones", &dbi_.tenant_zones},
      {"zones", &dbi_.zones},
      {"zone_names", &dbi_.zone_names},
      {"rrsets", &dbi_.rrsets},
      {"meta", &dbi_.meta},
      {"rrsigs", &dbi_.rrsigs},
      {"chain", &dbi_.chain},
      {"keys", &dbi_.keys},
      {"dnssec", &dbi_.dnssec},
      {"due", &dbi_.due},
      {"rollover", &dbi_.rollover},
      {"key_due", &dbi_.key_due},
      {"policies", &dbi_.policies},
      {"audit", &dbi_.audit},
      {"tokens", &dbi_.tokens},
      {"tsig_keys", &dbi_.tsig_keys},
      {"monitor", &dbi_.monitor},
      {"alert_state", &dbi_.alert_state},
      {"alert_webhooks", &dbi_.alert_webhooks},
  };
  for (const auto& e : entries) {
    int rc = mdb_dbi_open(txn.get(), e.name, create ? MDB_CREATE : 0, e.dbi);
    if (rc == MDB_NOTFOUND && !create)
      return false;
    lmdb::check(rc, e.name);
  }
  auto schema = txn.find(dbi_.sys, "schema");
  uint32_t v = schema ? read_u32_value(*schema, "schema version") : 0;
  if (v > codec::kSchemaVersion) {
    throw StoreError("store '" + env_->path() + "' has schema " + std::to_string(v) +
                     ", newer than this Signet understands (" +
                     std::to_string(codec::kSchemaVersion) + "); upgrade Signet");
  }
  if (v == codec::kSchemaVersion) {
    if (wtxn)
      wtxn->commit();
    else
      static_cast<lmdb::ReadTxn&>(*holder).commit();
    return true;
  }
  if (!create)
    return false;
  if (!schema) {
    wtxn->put(dbi_.sys, "schema", u32_key(codec::kSchemaVersion));
  } else {
    migrate(*wtxn, v);
  }
  wtxn->commit();
  return true;
}

void Store::migrate(lmdb::WriteTxn& txn, uint32_t from) {
  for (uint32_t v = from; v < codec::kSchemaVersion; ++v) {
    bool done = false;
    for (const auto& m : kMigrations) {
      if (m.from == v && m.apply) {
        m.apply(txn, dbi_);
        done = true;
      }
    }
    if (!done)
      throw StoreError("no migration from store schema " + std::to_string(v));
  }
  txn.put(dbi_.sys, "schema", u32_key(codec::kSchemaVersion));
}

uint32_t Store::schema_version(const lmdb::Txn& txn) const {
  auto v = txn.find(dbi_.sys, "schema");
  return v ? read_u32_value(*v, "schema version") : 0;
}

uint32_t Store::next_id(lmdb::WriteTxn& txn, std::string_view counter) {
  uint32_t id = 1;
  if (auto v = txn.find(dbi_.sys, counter))
    id = read_u32_value(*v, "id counter");
  if (id == 0 || id >= 0x7fffffffu)
    throw StoreError("id space exhausted for " + std::string(counter));
  txn.put(dbi_.sys, counter, u32_key(id + 1));
  return id;
}

// ---------------------------------------------------------------- tenants

void Store::check_tenant_name(std::string_view name) {
  auto ok_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '@' || c == '+';
  };
  bool ok = !name.empty() && name.size() <= 63 &&
            ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
             (name[0] >= '0' && name[0] <= '9'));
  for (char c : name)
    ok = ok && ok_char(c);
  if (!ok) {
    throw InputError("bad tenant name '" + std::string(name) +
                     "': use 1-63 characters of letters, digits and . _ - @ +, starting with a "
                     "letter or digit");
  }
}

std::optional<TenantRecord> Store::tenant_by_id(const lmdb::Txn& txn, uint32_t id) const {
  auto v = txn.find(dbi_.tenants, u32_key(id));
  if (!v)
    return std::nullopt;
  return codec::decode_tenant(id, *v);
}

std::optional<TenantRecord> Store::find_tenant(const lmdb::Txn& txn, std::string_view name) const {
  if (name.empty())
    return std::nullopt;
  auto id = txn.find(dbi_.tenant_names, name);
  if (!id)
    return std::nullopt;
  return tenant_by_id(txn, read_u32_value(*id, "tenant id"));
}

TenantRecord Store::create_tenant(lmdb::WriteTxn& txn, std::string_view name, uint64_t now) {
  check_tenant_name(name);
  if (find_tenant(txn, name))
    throw Conflict("tenant '" + std::string(name) + "' already exists");
  TenantRecord t;
  t.id = next_id(txn, "next-tenant-id");
  t.name = std::string(name);
  t.created = now;
  txn.put(dbi_.tenants, u32_key(t.id), codec::encode_tenant(t));
  txn.put(dbi_.tenant_names, name, u32_key(t.id));
  return t;
}

std::string Store::tenant_label(const lmdb::Txn& txn, uint32_t id) const {
  auto t = tenant_by_id(txn, id);
  return "tenant '" + (t ? t->name : "#" + std::to_string(id)) + "'";
}

bool Store::tenant_has_zones(const lmdb::Txn& txn, uint32_t tenant_id) const {
  lmdb::Cursor c(txn, dbi_.tenant_zones);
  return c.seek_prefix(u32_key(tenant_id));
}

void Store::delete_tenant(lmdb::WriteTxn& txn, const TenantRecord& tenant) {
  if (tenant_has_zones(txn, tenant.id)) {
    throw Conflict("tenant '" + tenant.name + "' still owns zones; delete or move them first");
  }
  // Its policies go with it (keystore/policy_store.hh): their names are free again, and a TSIG
  // secret sealed under its data key would never open.
  std::vector<std::string> policies;
  {
    lmdb::Cursor c(txn, dbi_.policies);
    for (bool ok = c.seek_prefix(u32_key(tenant.id)); ok;
         ok = c.next() && c.key_has_prefix(u32_key(tenant.id)))
      policies.emplace_back(c.key());
  }
  for (const auto& k : policies)
    txn.del(dbi_.policies, k);
  txn.del(dbi_.tenants, u32_key(tenant.id));
  txn.del(dbi_.tenant_names, tenant.name);
}

std::vector<TenantRecord> Store::list_tenants(const lmdb::Txn& txn) const {
  std::vector<TenantRecord> out;
  lmdb::Cursor c(txn, dbi_.tenant_names);
  for (bool ok = c.first(); ok; ok = c.next()) {
    if (auto t = tenant_by_id(txn, read_u32_value(c.value(), "tenant id")))
      out.push_back(*t);
  }
  return out;
}

// ---------------------------------------------------------------- zones

namespace {
// namekey(apex) 0x00: the terminator gives the root a non-empty key and makes "zones below X" a
// seek past X's own key (see find_zone_below).
std::string zone_name_key(const Name& apex) {
  std::string k;
  codec::append_namekey(k, apex);
  k.push_back('\0');
  return k;
}
}  // namespace

std::optional<ZoneRecord> Store::zone_by_id(const lmdb::Txn& txn, uint32_t id) const {
  auto v = txn.find(dbi_.zones, u32_key(id));
  if (!v)
    return std::nullopt;
  return codec::decode_zone(id, *v);
}

std::optional<ZoneRecord> Store::find_zone(const lmdb::Txn& txn, const Name& apex) const {
  auto id = txn.find(dbi_.zone_names, zone_name_key(apex));
  if (!id)
    return std::nullopt;
  return zone_by_id(txn, read_u32_value(*id, "zone id"));
}

std::optional<ZoneRecord> Store::find_enclosing_zone(const lmdb::Txn& txn, const Name& name) const {
  Name n = name;
  while (true) {
    if (auto z = find_zone(txn, n))
      return z;
    if (n.is_root())
      return std::nullopt;
    n = n.parent();
  }
}

void Store::for_each_zone_below(const lmdb::Txn& txn, const Name& apex,
                                const std::function<bool(const ZoneRecord&)>& fn) const {
  std::string prefix;
  codec::append_namekey(prefix, apex);
  // Keys of descendants continue after the prefix with a label octet (never 0x00).
  lmdb::Cursor c(txn, dbi_.zone_names);
  for (bool ok = c.seek(prefix + '\x01') && c.key_has_prefix(prefix); ok;
       ok = c.next() && c.key_has_prefix(prefix)) {
    auto z = zone_by_id(txn, read_u32_value(c.value(), "zone id"));
    if (z && !fn(*z))
      return;
  }
}

ZoneRecord Store::create_zone(lmdb::WriteTxn& txn, uint32_t tenant_id, const Name& apex,
                              ZoneKind kind, uint64_t now) {
  if (find_zone(txn, apex))
    throw Conflict("zone '" + apex.to_text() + "' already exists");
  TenantBoundary(*this, txn).check(tenant_id, apex, TenantBoundary::Claim::kZone);
  ZoneRecord z;
  z.id = next_id(txn, "next-zone-id");
  z.tenant_id = tenant_id;
  z.kind = kind;
  z.created = z.modified = now;
  z.name = apex;
  txn.put(dbi_.zones, u32_key(z.id), codec::encode_zone(z));
  txn.put(dbi_.zone_names, zone_name_key(apex), u32_key(z.id));
  txn.put(dbi_.tenant_zones, codec::u32_pair_key(tenant_id, z.id), std::string_view());
  return z;
}

void Store::put_zone(lmdb::WriteTxn& txn, const ZoneRecord& zone) {
  txn.put(dbi_.zones, u32_key(zone.id), codec::encode_zone(zone));
}

void Store::put_tenant(lmdb::WriteTxn& txn, const TenantRecord& tenant) {
  txn.put(dbi_.tenants, u32_key(tenant.id), codec::encode_tenant(tenant));
}

void Store::move_zone(lmdb::WriteTxn& txn, ZoneRecord& zone, uint32_t new_tenant_id) {
  if (zone.tenant_id == new_tenant_id)
    return;
  TenantBoundary(*this, txn).check(new_tenant_id, zone.name, TenantBoundary::Claim::kZone, &zone);
  check_tsig_metadata_for_move(*this, txn, zone, new_tenant_id);
  txn.del(dbi_.tenant_zones, codec::u32_pair_key(zone.tenant_id, zone.id));
  zone.tenant_id = new_tenant_id;
  txn.put(dbi_.tenant_zones, codec::u32_pair_key(zone.tenant_id, zone.id), std::string_view());
  put_zone(txn, zone);
}

void Store::delete_zone(lmdb::WriteTxn& txn, const ZoneRecord& zone) {
  std::string prefix = codec::zone_prefix(zone.id);
  txn.del_prefix(dbi_.rrsets, prefix);
  txn.del_prefix(dbi_.meta, prefix);
  txn.del_prefix(dbi_.rrsigs, prefix);
  txn.del_prefix(dbi_.chain, prefix);
  txn.del_prefix(dbi_.keys, prefix);
  if (auto r = txn.find(dbi_.rollover, prefix)) {
    txn.del(dbi_.key_due, codec::due_key(codec::decode_rollover(*r).next_wakeup, zone.id));
    txn.del(dbi_.rollover, prefix);
  }
  if (auto d = txn.find(dbi_.dnssec, prefix)) {
    txn.del(dbi_.due, codec::due_key(codec::decode_dnssec(*d).next_refresh, zone.id));
    txn.del(dbi_.dnssec, prefix);
  }
  txn.del(dbi_.monitor, prefix);
  txn.del(dbi_.tenant_zones, codec::u32_pair_key(zone.tenant_id, zone.id));
  txn.del(dbi_.zone_names, zone_name_key(zone.name));
  txn.del(dbi_.zones, u32_key(zone.id));
}

void Store::for_each_zone(const lmdb::Txn& txn,
                          const std::function<void(const ZoneRecord&)>& fn) const {
  lmdb::Cursor c(txn, dbi_.zones);
  for (bool ok = c.first(); ok; ok = c.next()) {
    fn(codec::decode_zone(codec::decode_u32_key(c.key_bytes()), c.value()));
  }
}

void Store::for_each_tenant_zone(const lmdb::Txn& txn, uint32_t tenant_id,
                                 const std::function<void(const ZoneRecord&)>& fn) const {
  std::string prefix = u32_key(tenant_id);
  lmdb::Cursor c(txn, dbi_.tenant_zones);
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    if (auto z = zone_by_id(txn, codec::split_u32_pair_key(c.key_bytes()).second))
      fn(*z);
  }
}

// ---------------------------------------------------------------- rrsets

std::optional<codec::RRsetView> Store::get_rrset(const lmdb::Txn& txn, uint32_t zone_id,
                                                 std::span<const uint8_t> rel_labels,
                                                 uint16_t type) const {
  auto v = txn.find(dbi_.rrsets, codec::rrset_key(zone_id, rel_labels, type));
  if (!v)
    return std::nullopt;
  return codec::decode_rrset(*v);
}

// ---------------------------------------------------------------- metadata

std::vector<std::string> Store::get_meta(const lmdb::Txn& txn, uint32_t zone_id,
                                         std::string_view kind) const {
  std::vector<std::string> out;
  std::string prefix = codec::meta_prefix(zone_id, kind);
  lmdb::Cursor c(txn, dbi_.meta);
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    out.emplace_back(reinterpret_cast<const char*>(c.value().data()), c.value().size());
  }
  return out;
}

std::map<std::string, std::vector<std::string>> Store::all_meta(const lmdb::Txn& txn,
                                                                uint32_t zone_id) const {
  std::map<std::string, std::vector<std::string>> out;
  std::string prefix = codec::zone_prefix(zone_id);
  lmdb::Cursor c(txn, dbi_.meta);
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    out[std::string(codec::split_meta_key(c.key_bytes()).kind)].emplace_back(
        reinterpret_cast<const char*>(c.value().data()), c.value().size());
  }
  return out;
}

void Store::set_meta(lmdb::WriteTxn& txn, uint32_t zone_id, std::string_view kind,
                     const std::vector<std::string>& values) {
  if (kind.empty() || kind.find('\0') != std::string_view::npos) {
    throw InputError("bad metadata kind");
  }
  if (names_tsig_keys(kind)) {
    auto zone = zone_by_id(txn, zone_id);
    if (!zone)
      throw NotFound("zone #" + std::to_string(zone_id) + " does not exist");
    check_tsig_metadata(*this, txn, *zone, kind, values);
  }
  txn.del_prefix(dbi_.meta, codec::meta_prefix(zone_id, kind));
  for (size_t i = 0; i < values.size(); ++i) {
    txn.put(dbi_.meta, codec::meta_key(zone_id, kind, static_cast<uint16_t>(i)), values[i]);
  }
}

void for_each_rrset(
    const Store& store, const lmdb::Txn& txn, const codec::ZoneRecord& zone,
    const std::function<void(const Name& owner, uint16_t type, const codec::RRsetView&)>& fn) {
  std::string prefix = codec::zone_prefix(zone.id);
  lmdb::Cursor c(txn, store.dbi().rrsets);
  uint8_t labels[Name::kMaxWire];
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    auto parts = codec::split_rrset_key(c.key_bytes());
    if (parts.type == rrtype::kEnt)
      continue;
    codec::RRsetView v = codec::decode_rrset(c.value());
    Name owner;
    if (!v.owner_case.empty()) {
      owner = Name::concat(v.owner_case, zone.name);
    } else {
      size_t n = codec::decode_namekey(parts.namekey, labels);
      owner = Name::concat({labels, n}, zone.name);
    }
    fn(owner, parts.type, v);
  }
}

}  // namespace signet
