// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/rrsig.hh"

#include "signer/bytes.hh"

namespace signet {

using bytes::load_u16;
using bytes::load_u32;
using bytes::put_u16;
using bytes::put_u32;

uint8_t rrsig_labels(const Name& owner) {
  unsigned n = owner.label_count();
  if (owner.is_wildcard())
    --n;
  return static_cast<uint8_t>(n);
}

void SignedData::begin(const RrsigFields& f, const CanonicalName& signer) {
  buf_.clear();
  put_u16(buf_, f.type_covered);
  buf_.push_back(algorithm_number(f.algorithm));
  buf_.push_back(f.labels);
  put_u32(buf_, f.original_ttl);
  put_u32(buf_, f.expiration);
  put_u32(buf_, f.inception);
  put_u16(buf_, f.key_tag);
  buf_.insert(buf_.end(), signer.wire().begin(), signer.wire().end());
  header_len_ = buf_.size();
}

void SignedData::add(const CanonicalName& owner, uint16_t type, uint32_t original_ttl,
                     std::span<const uint8_t> rdata) {
  buf_.insert(buf_.end(), owner.wire().begin(), owner.wire().end());
  put_u16(buf_, type);
  put_u16(buf_, 1);  // class IN
  put_u32(buf_, original_ttl);
  put_u16(buf_, static_cast<uint16_t>(rdata.size()));
  size_t at = buf_.size();
  buf_.insert(buf_.end(), rdata.begin(), rdata.end());
  canonicalize_rdata(type, std::span<uint8_t>(buf_.data() + at, rdata.size()));
}

std::vector<uint8_t> SignedData::rrsig_rdata(std::span<const uint8_t> signature) const {
  std::vector<uint8_t> out(buf_.begin(), buf_.begin() + static_cast<long>(header_len_));
  out.insert(out.end(), signature.begin(), signature.end());
  return out;
}

void SignedData::append_rrsig_rdata(std::string& out, std::span<const uint8_t> signature) const {
  out.append(reinterpret_cast<const char*>(buf_.data()), header_len_);
  out.append(reinterpret_cast<const char*>(signature.data()), signature.size());
}

std::optional<uint32_t> rrsig_expiration(std::span<const uint8_t> rdata) {
  // type covered(2) algorithm(1) labels(1) original TTL(4) expiration(4): RFC 4034 §3.1
  if (rdata.size() < 12)
    return std::nullopt;
  return load_u32(rdata.data() + 8);
}

std::optional<uint32_t> rrsig_original_ttl(std::span<const uint8_t> rdata) {
  if (rdata.size() < 8)
    return std::nullopt;
  return load_u32(rdata.data() + 4);
}

std::optional<RrsigView> parse_rrsig(std::span<const uint8_t> rdata) {
  if (rdata.size() < 18 + 1)
    return std::nullopt;
  RrsigView v;
  const uint8_t* p = rdata.data();
  v.fields.type_covered = load_u16(p);
  v.fields.algorithm = static_cast<Algorithm>(p[2]);
  v.fields.labels = p[3];
  v.fields.original_ttl = load_u32(p + 4);
  v.fields.expiration = load_u32(p + 8);
  v.fields.inception = load_u32(p + 12);
  v.fields.key_tag = load_u16(p + 16);
  size_t pos = 18;
  size_t len = 0;
  try {
    Name::from_wire_prefix(rdata.subspan(pos), &len);
  } catch (...) {
    return std::nullopt;
  }
  v.signer = rdata.subspan(pos, len);
  v.header = rdata.first(pos + len);
  v.signature = rdata.subspan(pos + len);
  return v;
}

}  // namespace signet
