// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/secondary_zones.hh"

#include <arpa/inet.h>

#include "keystore/dnssec.hh"
#include "keystore/portfolio.hh"
#include "signer/error.hh"
#include "signer/json.hh"
#include "signer/rrtype.hh"

namespace signet {

std::string primary_address(std::string_view text, const std::string& field) {
  auto bad = [&]() -> std::string {
    throw InputError(field + ": Master (" + std::string(text) + ") is not an IP address");
  };
  if (text.empty())
    throw InputError(field + ": Master can not be an empty string");
  std::string host(text);
  std::string port;
  bool v6 = false;
  if (host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string::npos)
      return bad();
    std::string rest = host.substr(close + 1);
    host = host.substr(1, close - 1);
    v6 = true;
    if (!rest.empty()) {
      if (rest.front() != ':')
        return bad();
      port = rest.substr(1);
    }
  } else if (host.find(':') != host.rfind(':')) {
    v6 = true;  // a bare IPv6 address, no port
  } else if (size_t colon = host.find(':'); colon != std::string::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  int family = v6 ? AF_INET6 : AF_INET;
  if (inet_pton(family, host.c_str(), buf) != 1 || !inet_ntop(family, buf, out, sizeof(out)))
    return bad();
  unsigned long port_number = 53;
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
      return bad();
    port_number = std::stoul(port);
    if (port_number == 0 || port_number > 65535)
      return bad();
  }
  if (port_number == 53)
    return out;
  return v6 ? "[" + std::string(out) + "]:" + std::to_string(port_number)
            : std::string(out) + ":" + std::to_string(port_number);
}

namespace {

// The policy a secondary zone is secured with at its first transfer: `stored` ("" = the one
// the zone would follow unsecured: its tenant's default).
std::string sign_policy_name(const lmdb::Txn& txn, const ZoneRecord& zone, const Dnssec& dnssec,
                             const std::string& stored) {
  return stored.empty() ? dnssec.policies().name_for(txn, zone, codec::DnssecRecord()) : stored;
}

}  // namespace

ZoneRecord SecondaryZones::create(lmdb::WriteTxn& txn, Portfolio& portfolio, const Dnssec& dnssec,
                                  std::string_view tenant, const Name& apex,
                                  const std::vector<std::string>& primaries,
                                  const std::optional<std::string>& sign_policy) {
  if (primaries.empty())
    throw InputError("zone '" + apex.to_text() + "': a secondary zone needs at least one primary");
  std::vector<std::string> list;
  for (size_t i = 0; i < primaries.size(); ++i)
    list.push_back(primary_address(primaries[i], "primary " + std::to_string(i + 1)));
  ZoneRecord z = portfolio.create_zone(txn, tenant, apex, ZoneKind::kSecondary);
  store_.set_meta(txn, z.id, kPrimariesMeta, list);
  if (sign_policy) {
    // Checked now, so that a typo fails here and not at the first transfer, in pdns' log.
    std::string name = sign_policy_name(txn, z, dnssec, *sign_policy);
    if (!dnssec.policies().named(txn, z.tenant_id, name))
      throw NotFound("unknown policy '" + name + "' (see list-policies)");
    store_.set_meta(txn, z.id, kSignOnTransferMeta, {*sign_policy});
  }
  if (audit_) {
    auto t = store_.tenant_by_id(txn, z.tenant_id);
    audit_->append(txn, "secondary-zone-created", z.tenant_id, z.id, t ? t->name : "",
                   z.name.to_text(),
                   Json{{"primaries", list},
                        {"sign_policy", sign_policy ? Json(*sign_policy) : Json(nullptr)}});
  }
  return z;
}

std::vector<std::string> SecondaryZones::primaries(const lmdb::Txn& txn,
                                                   const ZoneRecord& zone) const {
  return store_.get_meta(txn, zone.id, kPrimariesMeta);
}

std::vector<UnfreshZone> SecondaryZones::unfresh(const lmdb::Txn& txn, uint64_t now) const {
  std::vector<UnfreshZone> out;
  store_.for_each_zone(txn, [&](const ZoneRecord& z) {
    if (z.kind != ZoneKind::kSecondary)
      return;
    if (z.last_check != 0 && (z.flags & codec::kZoneHasSoa)) {
      auto soa = store_.get_rrset(txn, z.id, {}, rrtype::SOA);
      std::span<const uint8_t> rdata;
      if (soa) {
        auto it = soa->rdatas();
        if (it.next(rdata) && z.last_check + codec::soa_fields(rdata).refresh > now)
          return;  // still fresh (RFC 1035 §3.3.13 REFRESH)
      }
    }
    UnfreshZone u{z, primaries(txn, z)};
    if (!u.primaries.empty())
      out.push_back(std::move(u));
  });
  return out;
}

void SecondaryZones::set_checked(lmdb::WriteTxn& txn, uint32_t zone_id, uint64_t when) {
  auto z = store_.zone_by_id(txn, zone_id);
  if (!z || z->kind != ZoneKind::kSecondary || z->last_check == when)
    return;
  z->last_check = when;
  store_.put_zone(txn, *z);
}

bool SecondaryZones::secure_on_first_transfer(lmdb::WriteTxn& txn, ZoneRecord& zone,
                                              Dnssec& dnssec) {
  auto pending = store_.get_meta(txn, zone.id, kSignOnTransferMeta);
  if (pending.empty() || !(zone.flags & codec::kZoneHasSoa))
    return false;
  store_.set_meta(txn, zone.id, kSignOnTransferMeta, {});
  if (dnssec.state().find(txn, zone.id))
    return false;  // secured by hand since
  const bool own = !pending.front().empty();
  std::string name = sign_policy_name(txn, zone, dnssec, pending.front());
  auto policy = dnssec.policies().named(txn, zone.tenant_id, name);
  if (!policy) {
    throw NotFound("zone '" + zone.name.to_text() + "': policy '" + name +
                   "' to secure it with at its first transfer no longer exists");
  }
  dnssec.signing().secure(txn, zone, *policy, 1, own);
  return true;
}

}  // namespace signet
