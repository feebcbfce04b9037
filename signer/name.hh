// SPDX-License-Identifier: GPL-2.0-or-later
//
// Domain names in uncompressed wire format (RFC 1035 §3.1), held inline: no allocation, cheap to
// copy, usable on the query path.
//
//   Name           — an absolute name exactly as written (case preserved), validated: labels of
//                    1..63 octets, at most 255 octets in all including the root label.
//   CanonicalName  — the same, lower-cased (RFC 4034 §6.2). The NSEC3 hasher, the RRSIG builder and
//                    the canonical ordering only accept this type, so "forgot to lower-case" is a
//                    compile error rather than a validation failure in the field.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace signet {

class Name {
 public:
  static constexpr size_t kMaxWire = 255;
  static constexpr size_t kMaxLabel = 63;
  static constexpr size_t kMaxLabels = 127;

  // The root name ".".
  Name() noexcept : len_(1) { wire_[0] = 0; }

  // Parses a wire-format name that must fill `wire` exactly (no compression pointers).
  // Throws InputError when it is malformed.
  static Name from_wire(std::span<const uint8_t> wire);
  // Parses a wire-format name at the start of `wire`; stores the number of octets used.
  static Name from_wire_prefix(std::span<const uint8_t> wire, size_t* consumed);

  // Parses presentation format (RFC 1035 §5.1: "\X" and "\DDD" escapes). A name without a trailing
  // dot is relative and gets `origin` appended; "@" is the origin. Without an origin a relative
  // name is taken as absolute (the convention of every command line DNS tool).
  static Name from_text(std::string_view text, const Name* origin = nullptr);

  std::span<const uint8_t> wire() const noexcept { return {wire_.data(), len_}; }
  size_t wire_size() const noexcept { return len_; }
  const uint8_t* data() const noexcept { return wire_.data(); }

  bool is_root() const noexcept { return len_ == 1; }
  // True when the leftmost label is "*" (RFC 4592 §2.1.1).
  bool is_wildcard() const noexcept { return len_ >= 2 && wire_[0] == 1 && wire_[1] == '*'; }
  // Number of labels, not counting the root label ("a.example." has 2).
  unsigned label_count() const noexcept;

  // Case-insensitive equality (RFC 4343).
  bool equals(const Name& other) const noexcept;
  // True when this name is `ancestor` or below it (case-insensitive).
  bool is_subdomain_of(const Name& ancestor) const noexcept;

  // The name with its leftmost label removed; the root's parent is the root.
  Name parent() const noexcept;
  // The rightmost `n` labels (n <= label_count()).
  Name suffix(unsigned n) const noexcept;
  // "label.this"; throws InputError when the result would be too long.
  Name prepend_label(std::span<const uint8_t> label) const;
  // The part of this name above `apex`, in wire format without the root label ("www" for
  // www.example. relative to example.). Precondition: is_subdomain_of(apex).
  std::span<const uint8_t> relative_to(const Name& apex) const noexcept;
  // `relative` (labels without a root byte) followed by `apex`.
  static Name concat(std::span<const uint8_t> relative, const Name& apex);

  // Presentation format with the trailing dot, escaping as RFC 1035 §5.1 requires.
  std::string to_text() const;
  // Lower-cased copy (ASCII only, RFC 4343 §3).
  Name lowered() const noexcept;

  // Raw label access: returns the offset of each label's length octet, root excluded.
  unsigned label_offsets(std::array<uint8_t, kMaxLabels>& out) const noexcept;

 private:
  uint8_t len_;
  std::array<uint8_t, kMaxWire> wire_;
};

inline uint8_t to_lower_ascii(uint8_t c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + 32) : c;
}

// A name in canonical (lower-case) form. Construct explicitly from a Name.
class CanonicalName {
 public:
  explicit CanonicalName(const Name& name) noexcept : name_(name.lowered()) {}
  const Name& name() const noexcept { return name_; }
  std::span<const uint8_t> wire() const noexcept { return name_.wire(); }
  unsigned label_count() const noexcept { return name_.label_count(); }
  bool operator==(const CanonicalName& o) const noexcept { return name_.equals(o.name_); }

 private:
  Name name_;
};

// RFC 4034 §6.1 canonical ordering of names: labels compared right to left, each as a
// case-folded octet string, absent labels first. Returns <0, 0, >0.
int canonical_compare(const Name& a, const Name& b) noexcept;

}  // namespace signet
