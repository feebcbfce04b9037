// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/name.hh"

#include <algorithm>
#include <cstring>

#include "signer/error.hh"

namespace signet {

namespace {

[[noreturn]] void bad_wire(const char* why) {
  throw InputError(std::string("malformed wire-format name: ") + why);
}

}  // namespace

Name Name::from_wire_prefix(std::span<const uint8_t> wire, size_t* consumed) {
  size_t pos = 0;
  while (true) {
    if (pos >= wire.size())
      bad_wire("truncated");
    uint8_t len = wire[pos];
    if (len == 0) {
      ++pos;
      break;
    }
    if (len > kMaxLabel)
      bad_wire("label longer than 63 octets or compression pointer");
    pos += 1 + len;
    if (pos >= kMaxWire + 1)
      bad_wire("longer than 255 octets");
  }
  if (pos > kMaxWire)
    bad_wire("longer than 255 octets");
  Name n;
  n.len_ = static_cast<uint8_t>(pos);
  std::memcpy(n.wire_.data(), wire.data(), pos);
  if (consumed)
    *consumed = pos;
  return n;
}

Name Name::from_wire(std::span<const uint8_t> wire) {
  size_t used = 0;
  Name n = from_wire_prefix(wire, &used);
  if (used != wire.size())
    bad_wire("trailing octets");
  return n;
}

Name Name::from_text(std::string_view text, const Name* origin) {
  auto fail = [&](const std::string& why) -> InputError {
    return InputError("bad domain name '" + std::string(text) + "': " + why);
  };
  if (text.empty())
    throw fail("empty");
  if (text == "@") {
    if (!origin)
      throw fail("'@' needs an origin");
    return *origin;
  }
  if (text == ".")
    return Name();

  std::array<uint8_t, kMaxWire + kMaxLabel + 2> buf{};
  size_t out = 0;
  size_t label_start = 0;
  uint8_t label_len = 0;
  bool absolute = false;
  auto start_label = [&] {
    label_start = out;
    buf[out++] = 0;
    label_len = 0;
  };
  start_label();
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    uint8_t octet;
    if (c == '.') {
      if (label_len == 0)
        throw fail("empty label");
      buf[label_start] = label_len;
      if (i + 1 == text.size()) {
        absolute = true;
        break;
      }
      if (out > kMaxWire)
        throw fail("longer than 255 octets");
      start_label();
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= text.size())
        throw fail("dangling backslash");
      char d = text[i + 1];
      if (d >= '0' && d <= '9') {
        if (i + 3 >= text.size())
          throw fail("short \\DDD escape");
        int v = 0;
        for (int k = 1; k <= 3; ++k) {
          char e = text[i + k];
          if (e < '0' || e > '9')
            throw fail("bad \\DDD escape");
          v = v * 10 + (e - '0');
        }
        if (v > 255)
          throw fail("\\DDD escape above 255");
        octet = static_cast<uint8_t>(v);
        i += 3;
      } else {
        octet = static_cast<uint8_t>(d);
        i += 1;
      }
    } else {
      octet = static_cast<uint8_t>(c);
    }
    if (label_len == kMaxLabel)
      throw fail("label longer than 63 octets");
    buf[out++] = octet;
    ++label_len;
  }
  if (!absolute) {
    if (label_len == 0)
      throw fail("empty label");
    buf[label_start] = label_len;
  }
  // `buf[0..out)` holds the labels without the root octet.
  if (!absolute && origin) {
    if (out + origin->wire_size() > kMaxWire)
      throw fail("longer than 255 octets");
    std::memcpy(buf.data() + out, origin->data(), origin->wire_size());
    out += origin->wire_size();
  } else {
    if (out + 1 > kMaxWire)
      throw fail("longer than 255 octets");
    buf[out++] = 0;
  }
  Name n;
  n.len_ = static_cast<uint8_t>(out);
  std::memcpy(n.wire_.data(), buf.data(), out);
  return n;
}

unsigned Name::label_count() const noexcept {
  unsigned n = 0;
  for (size_t pos = 0; wire_[pos] != 0; pos += 1 + wire_[pos])
    ++n;
  return n;
}

unsigned Name::label_offsets(std::array<uint8_t, kMaxLabels>& out) const noexcept {
  unsigned n = 0;
  for (size_t pos = 0; wire_[pos] != 0; pos += 1 + wire_[pos])
    out[n++] = static_cast<uint8_t>(pos);
  return n;
}

bool Name::equals(const Name& other) const noexcept {
  if (len_ != other.len_)
    return false;
  for (size_t i = 0; i < len_; ++i) {
    // Length octets are <= 63 and so unaffected by case folding.
    if (to_lower_ascii(wire_[i]) != to_lower_ascii(other.wire_[i]))
      return false;
  }
  return true;
}

bool Name::is_subdomain_of(const Name& ancestor) const noexcept {
  if (ancestor.len_ > len_)
    return false;
  // Walk labels until the remaining suffix has the ancestor's length, then compare.
  size_t pos = 0;
  while (len_ - pos > ancestor.len_)
    pos += 1 + wire_[pos];
  if (len_ - pos != ancestor.len_)
    return false;
  for (size_t i = 0; i < ancestor.len_; ++i) {
    if (to_lower_ascii(wire_[pos + i]) != to_lower_ascii(ancestor.wire_[i]))
      return false;
  }
  return true;
}

Name Name::parent() const noexcept {
  if (is_root())
    return *this;
  Name p;
  size_t skip = 1 + wire_[0];
  p.len_ = static_cast<uint8_t>(len_ - skip);
  std::memcpy(p.wire_.data(), wire_.data() + skip, p.len_);
  return p;
}

Name Name::suffix(unsigned n) const noexcept {
  unsigned total = label_count();
  Name r = *this;
  for (unsigned i = n; i < total; ++i)
    r = r.parent();
  return r;
}

Name Name::prepend_label(std::span<const uint8_t> label) const {
  if (label.empty() || label.size() > kMaxLabel)
    throw InputError("bad label length");
  if (len_ + 1 + label.size() > kMaxWire)
    throw InputError("domain name longer than 255 octets");
  Name r;
  r.wire_[0] = static_cast<uint8_t>(label.size());
  std::memcpy(r.wire_.data() + 1, label.data(), label.size());
  std::memcpy(r.wire_.data() + 1 + label.size(), wire_.data(), len_);
  r.len_ = static_cast<uint8_t>(len_ + 1 + label.size());
  return r;
}

std::span<const uint8_t> Name::relative_to(const Name& apex) const noexcept {
  size_t rel = len_ >= apex.len_ ? len_ - apex.len_ : 0;
  return {wire_.data(), rel};
}

Name Name::concat(std::span<const uint8_t> relative, const Name& apex) {
  if (relative.size() + apex.len_ > kMaxWire)
    throw InputError("domain name longer than 255 octets");
  Name r;
  // An empty span may carry a null pointer, which memcpy must not be given even for 0 octets.
  if (!relative.empty())
    std::memcpy(r.wire_.data(), relative.data(), relative.size());
  std::memcpy(r.wire_.data() + relative.size(), apex.wire_.data(), apex.len_);
  r.len_ = static_cast<uint8_t>(relative.size() + apex.len_);
  return r;
}

std::string Name::to_text() const {
  if (is_root())
    return ".";
  std::string out;
  out.reserve(len_ + 8);
  for (size_t pos = 0; wire_[pos] != 0; pos += 1 + wire_[pos]) {
    uint8_t n = wire_[pos];
    for (size_t i = 1; i <= n; ++i) {
      uint8_t c = wire_[pos + i];
      // RFC 1035 §5.1 lets any octet be written as \X or \DDD. A master-file scanner takes only
      // letters, digits and - _ * / literally (libzscanner, what load-zone reads with, refuses
      // "a+b." or "a#b."), so every other printable character is escaped; '#' as \035 because
      // "\#" could read as the start of RFC 3597 generic RDATA where the name is RDATA.
      bool literal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_' || c == '*' || c == '/';
      if (literal) {
        out += static_cast<char>(c);
      } else if (c > 0x20 && c < 0x7f && c != '#') {
        out += '\\';
        out += static_cast<char>(c);
      } else {
        char esc[5];
        esc[0] = '\\';
        esc[1] = static_cast<char>('0' + c / 100);
        esc[2] = static_cast<char>('0' + (c / 10) % 10);
        esc[3] = static_cast<char>('0' + c % 10);
        esc[4] = 0;
        out += esc;
      }
    }
    out += '.';
  }
  return out;
}

Name Name::lowered() const noexcept {
  Name r = *this;
  for (size_t i = 0; i < r.len_; ++i)
    r.wire_[i] = to_lower_ascii(r.wire_[i]);
  return r;
}

int canonical_compare(const Name& a, const Name& b) noexcept {
  std::array<uint8_t, Name::kMaxLabels> oa, ob;
  unsigned na = a.label_offsets(oa);
  unsigned nb = b.label_offsets(ob);
  const uint8_t* wa = a.data();
  const uint8_t* wb = b.data();
  while (na > 0 && nb > 0) {
    --na;
    --nb;
    const uint8_t* la = wa + oa[na];
    const uint8_t* lb = wb + ob[nb];
    size_t common = std::min(la[0], lb[0]);
    for (size_t i = 1; i <= common; ++i) {
      uint8_t ca = to_lower_ascii(la[i]);
      uint8_t cb = to_lower_ascii(lb[i]);
      if (ca != cb)
        return ca < cb ? -1 : 1;
    }
    if (la[0] != lb[0])
      return la[0] < lb[0] ? -1 : 1;
  }
  if (na == nb)
    return 0;
  return na < nb ? -1 : 1;
}

}  // namespace signet
