// SPDX-License-Identifier: GPL-2.0-or-later
//
// DS records (RFC 4034 §5, RFC 4509 SHA-256, RFC 6605 SHA-384) and the CDS/CDNSKEY forms
// (RFC 7344, RFC 8078 delete records).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "signer/name.hh"

namespace signet {

enum class DigestType : uint8_t { kSha1 = 1, kSha256 = 2, kSha384 = 4 };
DigestType digest_type_from_number(unsigned n);

// key tag(2) algorithm(1) digest type(1) digest(owner | DNSKEY RDATA).
std::vector<uint8_t> ds_rdata(const CanonicalName& owner, std::span<const uint8_t> dnskey_rdata,
                              DigestType type);

// RFC 8078 §4: "CDS 0 0 0 00" and "CDNSKEY 0 3 0 AA==" ask the parent to remove the DS.
std::vector<uint8_t> cds_delete_rdata();
std::vector<uint8_t> cdnskey_delete_rdata();

}  // namespace signet
