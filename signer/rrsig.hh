// SPDX-License-Identifier: GPL-2.0-or-later
//
// RRSIG records (RFC 4034 §3): the RDATA layout and the data a signature covers (§3.1.8.1): the
// RRSIG RDATA without its signature, then every RR of the RRset in canonical form (§6.2) and
// canonical order (§6.3), each with the original TTL.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "signer/canonical.hh"
#include "signer/crypto.hh"
#include "signer/name.hh"

namespace signet {

struct RrsigFields {
  uint16_t type_covered = 0;
  Algorithm algorithm = Algorithm::kEcdsaP256Sha256;
  uint8_t labels = 0;
  uint32_t original_ttl = 0;
  uint32_t expiration = 0;
  uint32_t inception = 0;
  uint16_t key_tag = 0;
};

// RFC 4034 §3.1.3: the owner's labels, not counting the root nor a leading "*" (RFC 4035 §5.3.2).
uint8_t rrsig_labels(const Name& owner);

// Builds the signed data of RRSIGs into a buffer it keeps between calls: no allocation once warm.
class SignedData {
 public:
  // Starts with the RRSIG RDATA minus the signature.
  void begin(const RrsigFields& f, const CanonicalName& signer);
  // Adds one RR; call in canonical RDATA order. `rdata` is canonicalised here (names lower-cased
  // for the types RFC 4034 §6.2 lists).
  void add(const CanonicalName& owner, uint16_t type, uint32_t original_ttl,
           std::span<const uint8_t> rdata);
  std::span<const uint8_t> bytes() const { return buf_; }
  // The RRSIG RDATA: the header from begin() followed by `signature`.
  std::vector<uint8_t> rrsig_rdata(std::span<const uint8_t> signature) const;
  // Appends the same to `out` (the bulk path collects many in one buffer).
  void append_rrsig_rdata(std::string& out, std::span<const uint8_t> signature) const;

 private:
  std::vector<uint8_t> buf_;
  size_t header_len_ = 0;
  std::vector<uint8_t> scratch_;
};

// A parsed RRSIG RDATA (spans point into the RDATA).
struct RrsigView {
  RrsigFields fields;
  std::span<const uint8_t> signer;  // wire name
  std::span<const uint8_t> header;  // everything before the signature
  std::span<const uint8_t> signature;
};
// Returns nullopt when the RDATA is malformed.
std::optional<RrsigView> parse_rrsig(std::span<const uint8_t> rdata);
// Only the expiration field (what parse_rrsig(rdata)->fields.expiration says, without parsing the
// signer name); nullopt when the RDATA is too short to hold it.
std::optional<uint32_t> rrsig_expiration(std::span<const uint8_t> rdata);
// Only the original TTL field; nullopt when the RDATA is too short to hold it.
std::optional<uint32_t> rrsig_original_ttl(std::span<const uint8_t> rdata);

// RFC 1982 serial-number arithmetic on the 32-bit time fields (RFC 4034 §3.1.5).
inline bool time_before(uint32_t a, uint32_t b) {
  return static_cast<int32_t>(a - b) < 0;
}

}  // namespace signet
