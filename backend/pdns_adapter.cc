// SPDX-License-Identifier: GPL-2.0-or-later
#include "backend/pdns_adapter.hh"

#include "pdns/auth-caches.hh"

#include "signer/error.hh"

namespace signet::pdns_adapter {

Name to_name(const DNSName& name) {
  if (name.empty())
    throw InputError("empty domain name");
  return Name::from_wire(wire_of(name));
}

DNSName to_dnsname(std::span<const uint8_t> absolute_wire) {
  return DNSName(reinterpret_cast<const char*>(absolute_wire.data()),
                 static_cast<int>(absolute_wire.size()), 0, false);
}

DNSName to_dnsname(const Name& name) {
  return to_dnsname(name.wire());
}

std::shared_ptr<DNSRecordContent> content_from_wire(uint16_t type, std::span<const uint8_t> rdata,
                                                    std::string& scratch) {
  // pdns' PacketReader only reads names at or after a DNS header and learns a record's extent
  // from its record header, so frame the RDATA as: 12 octets of header, a record header, the
  // RDATA. Stored names are never compressed, so nothing points outside the RDATA.
  constexpr size_t kHeader = sizeof(dnsheader);
  scratch.assign(kHeader + sizeof(dnsrecordheader), '\0');
  char* rh = scratch.data() + kHeader;
  rh[0] = static_cast<char>(type >> 8);
  rh[1] = static_cast<char>(type);
  rh[3] = 1;  // class IN
  rh[8] = static_cast<char>(rdata.size() >> 8);
  rh[9] = static_cast<char>(rdata.size());
  scratch.append(reinterpret_cast<const char*>(rdata.data()), rdata.size());
  PacketReader pr(pdns_string_view(scratch.data(), scratch.size()), kHeader);
  dnsrecordheader ah;
  pr.getDnsrecordheader(ah);
  DNSRecord dr;
  dr.d_type = type;
  dr.d_class = QClass::IN;
  dr.d_clen = static_cast<uint16_t>(rdata.size());
  return DNSRecordContent::mastermake(dr, pr);
}

std::vector<uint8_t> content_to_wire(uint16_t type, const std::string& content,
                                     const DNSName& owner) {
  auto drc = DNSRecordContent::mastermake(type, QClass::IN, content);
  // canonic: no name compression (stored RDATA must stand alone); case is kept (lowerCase=false).
  std::string wire = drc->serialize(owner, /*canonic=*/true, /*lowerCase=*/false);
  return std::vector<uint8_t>(wire.begin(), wire.end());
}

void fill_soa(SOAData& sd, std::span<const uint8_t> rdata) {
  size_t used = 0;
  Name mname = Name::from_wire_prefix(rdata, &used);
  size_t used2 = 0;
  Name rname = Name::from_wire_prefix(rdata.subspan(used), &used2);
  size_t pos = used + used2;
  if (rdata.size() < pos + 20)
    throw CorruptionError("short SOA record");
  const uint8_t* p = rdata.data() + pos;
  sd.nameserver = to_dnsname(mname);
  sd.hostmaster = to_dnsname(rname);
  sd.serial = codec::load_u32(p);
  sd.refresh = codec::load_u32(p + 4);
  sd.retry = codec::load_u32(p + 8);
  sd.expire = codec::load_u32(p + 12);
  sd.minimum = codec::load_u32(p + 16);
}

void purge_cached_answers(const DNSName& name) {
  purgeAuthCachesExact(name);
}

DomainInfo::DomainKind to_pdns_kind(codec::ZoneKind kind) {
  switch (kind) {
    case codec::ZoneKind::kPrimary:
      return DomainInfo::Master;
    case codec::ZoneKind::kSecondary:
      return DomainInfo::Slave;
    case codec::ZoneKind::kProducer:
      return DomainInfo::Producer;
    case codec::ZoneKind::kConsumer:
      return DomainInfo::Consumer;
    default:
      return DomainInfo::Native;
  }
}

codec::ZoneKind from_pdns_kind(DomainInfo::DomainKind kind) {
  switch (kind) {
    case DomainInfo::Master:
      return codec::ZoneKind::kPrimary;
    case DomainInfo::Slave:
      return codec::ZoneKind::kSecondary;
    case DomainInfo::Producer:
      return codec::ZoneKind::kProducer;
    case DomainInfo::Consumer:
      return codec::ZoneKind::kConsumer;
    default:
      return codec::ZoneKind::kNative;
  }
}

}  // namespace signet::pdns_adapter
