// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/pdns_codec.hh"

#include <cctype>
#include <cstdio>

#include "api/router.hh"
#include "signer/error.hh"

namespace signet::api::pdns {

namespace {

bool id_plain(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool name_chars_allowed(std::string_view s) {
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '/' && c != '.' &&
        c != '-')
      return false;
  }
  return true;
}

char fold(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

}  // namespace

std::string zone_id(const Name& zone) {
  if (zone.is_root())
    return "=2E";
  std::string id;
  for (char c : zone.to_text()) {
    if (id_plain(c)) {
      id += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "=%02X", static_cast<unsigned char>(c));
      id += buf;
    }
  }
  return id;
}

Name zone_from_id(std::string_view id) {
  if (id.empty())
    throw HttpError(400, "Bad Request");
  std::string text;
  for (size_t i = 0; i < id.size(); ++i) {
    if (id[i] != '=') {
      text += id[i];
      continue;
    }
    int hi = i + 1 < id.size() ? hex_digit(id[i + 1]) : -1;
    int lo = i + 2 < id.size() ? hex_digit(id[i + 2]) : -1;
    if (hi < 0 || lo < 0)
      throw HttpError(400, "Bad Request");
    text += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  try {
    return Name::from_text(text);
  } catch (const InputError&) {
    throw InputError("Unable to parse DNS Name '" + text + "'");
  }
}

Name body_name(const std::string& text, const std::string& field, bool wildcard) {
  if (text.empty() || text.back() != '.')
    throw InputError(field + ": DNS Name '" + text + "' is not canonical");
  std::string_view checked = text;
  if (wildcard && checked.substr(0, 2) == "*.")
    checked.remove_prefix(2);
  if (!name_chars_allowed(checked))
    throw InputError(field + ": Name '" + text + "' contains unsupported characters");
  try {
    return Name::from_text(text);
  } catch (const InputError&) {
    throw InputError(field + ": Unable to parse DNS Name '" + text + "'");
  }
}

std::string kind_text(codec::ZoneKind kind) {
  switch (kind) {
    case codec::ZoneKind::kPrimary:
      return "Master";
    case codec::ZoneKind::kSecondary:
      return "Slave";
    case codec::ZoneKind::kProducer:
      return "Producer";
    case codec::ZoneKind::kConsumer:
      return "Consumer";
    default:
      return "Native";
  }
}

codec::ZoneKind kind_from_text(std::string_view text) {
  std::string k;
  for (char c : text)
    k += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (k == "MASTER" || k == "PRIMARY")
    return codec::ZoneKind::kPrimary;
  if (k == "SLAVE" || k == "SECONDARY")
    return codec::ZoneKind::kSecondary;
  if (k == "PRODUCER")
    return codec::ZoneKind::kProducer;
  if (k == "CONSUMER")
    return codec::ZoneKind::kConsumer;
  return codec::ZoneKind::kNative;
}

bool pattern_matches(std::string_view pattern, std::string_view text) {
  // Iterative glob matching: on a mismatch, let the last '*' swallow one more character.
  size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || fold(pattern[p]) == fold(text[t]))) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

// ------------------------------------------------------------------ Body

Json Body::parse(std::string_view text) {
  if (text.empty())
    throw InputError("malformed JSON: the request has no body");
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw InputError(std::string("malformed JSON: ") + e.what());
  }
}

std::string Body::field(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const Json* Body::member(std::string_view key) const {
  if (!value_.is_object())
    return nullptr;
  auto it = value_.find(std::string(key));
  if (it == value_.end() || it->is_null())
    return nullptr;
  return &*it;
}

bool Body::has(std::string_view key) const {
  return member(key) != nullptr;
}

void Body::fail(std::string_view key, const std::string& message) const {
  throw InputError(field(key) + ": " + message);
}

std::string Body::string(std::string_view key) const {
  const Json* v = member(key);
  if (!v || !v->is_string())
    fail(key, "Key '" + std::string(key) + "' not present or not a String");
  return v->get<std::string>();
}

std::optional<std::string> Body::optional_string(std::string_view key) const {
  const Json* v = member(key);
  if (!v)
    return std::nullopt;
  if (!v->is_string())
    fail(key, "Key '" + std::string(key) + "' is not a String");
  return v->get<std::string>();
}

int64_t Body::integer(std::string_view key) const {
  const Json* v = member(key);
  std::string message = "Key '" + std::string(key) + "' not an Integer or not present";
  if (v && v->is_number_integer())
    return v->get<int64_t>();
  if (v && v->is_number_float())
    return static_cast<int64_t>(v->get<double>());
  if (v && v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    size_t digits = !s.empty() && s.front() == '-' ? 1 : 0;
    if (s.size() > digits && s.size() <= digits + 10 &&
        s.find_first_not_of("0123456789", digits) == std::string::npos)
      return std::stoll(s);
  }
  fail(key, message);
}

std::optional<bool> Body::optional_bool(std::string_view key) const {
  const Json* v = member(key);
  if (!v)
    return std::nullopt;
  if (!v->is_boolean())
    fail(key, "Key '" + std::string(key) + "' not present or not a Bool");
  return v->get<bool>();
}

const Json* Body::optional_array(std::string_view key) const {
  const Json* v = member(key);
  if (v && !v->is_array())
    fail(key, "Key '" + std::string(key) + "' is not an array");
  return v;
}

Body Body::element(std::string_view key, size_t i) const {
  const Json* v = optional_array(key);
  if (!v || i >= v->size())
    fail(key, "no element " + std::to_string(i));
  return Body((*v)[i], field(key) + "[" + std::to_string(i) + "]");
}

}  // namespace signet::api::pdns
