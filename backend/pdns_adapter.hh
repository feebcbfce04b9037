// SPDX-License-Identifier: GPL-2.0-or-later
//
// The adapter between pdns types and Signet's core. Everything in backend/ may see pdns headers;
// nothing outside backend/ does. This header gathers the pdns includes and the conversions, so a
// port to another pdns version starts (and mostly ends) here.
//
// Conversions on the query path work on wire format only: DNSName's storage *is* the uncompressed
// wire name, and record content is rebuilt from stored RDATA through pdns' own packet parser,
// never through presentation text.
#pragma once

// pdns requires its config.h before any of its headers.
#include "config.h"

#include "pdns/arguments.hh"
#include "pdns/dnsbackend.hh"
#include "pdns/dnspacket.hh"
#include "pdns/dnsparser.hh"
#include "pdns/dnsrecords.hh"
#include "pdns/logger.hh"
#include "pdns/qtype.hh"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "keystore/codec.hh"
#include "signer/name.hh"

namespace signet::pdns_adapter {

// DNSName <-> Name. DNSName's storage is the wire form; an empty DNSName is refused.
Name to_name(const DNSName& name);
DNSName to_dnsname(const Name& name);
DNSName to_dnsname(std::span<const uint8_t> absolute_wire);

// The wire bytes of a DNSName, without copying.
inline std::span<const uint8_t> wire_of(const DNSName& name) {
  const auto& s = name.getStorage();
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Record content from stored RDATA, through pdns' per-type wire parser (no text). `scratch` is a
// caller-owned buffer reused between calls (the parser wants a packet around the RDATA).
std::shared_ptr<DNSRecordContent> content_from_wire(uint16_t type, std::span<const uint8_t> rdata,
                                                    std::string& scratch);

// Presentation-format content (what pdnsutil and the HTTP API hand to a backend) to RDATA, through
// pdns' own parser, so what pdns accepts is what is stored. Names are written uncompressed and
// with their case. Throws PDNSException / std::exception from pdns for bad content.
std::vector<uint8_t> content_to_wire(uint16_t type, const std::string& content,
                                     const DNSName& owner);

// SOAData fields from SOA RDATA (RFC 1035 §3.3.13).
void fill_soa(SOAData& sd, std::span<const uint8_t> rdata);

// Drops pdns' cached answers (query and packet caches) for exactly `name`.
void purge_cached_answers(const DNSName& name);

DomainInfo::DomainKind to_pdns_kind(codec::ZoneKind kind);
codec::ZoneKind from_pdns_kind(DomainInfo::DomainKind kind);

}  // namespace signet::pdns_adapter
