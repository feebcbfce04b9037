// SPDX-License-Identifier: GPL-2.0-or-later
//
// The small text conventions of PowerDNS' HTTP API v1 (pdns 4.7), for api/pdns_api.cc:
//
//  * zone ids: the zone name with every octet other than [A-Za-z0-9.-] written "=XX" (upper-case
//    hex), always ending in a dot; the root zone is "=2E";
//  * names in request bodies must be absolute ("canonical": with the trailing dot) and may use
//    only [A-Za-z0-9_/.-] (a leading "*." allowed for record names);
//  * zone kinds "Native", "Master", "Slave" (read case-insensitively; anything else is Native);
//  * search patterns: '*' any run of characters, '?' one character, ASCII case folded, matched
//    against the whole text;
//  * primaries ("masters"): IP addresses with an optional port, shown without port 53.
//
// Request bodies are read through Body, which names the field of every error
// ("rrsets[1].records[0].content: ...") so that a 422 tells the client what to fix.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "keystore/codec.hh"
#include "keystore/secondary_zones.hh"
#include "signer/json.hh"
#include "signer/name.hh"

namespace signet::api::pdns {

// "example.com." -> "example.com.", "a_b.example." -> "a=5Fb.example.", "." -> "=2E".
std::string zone_id(const Name& zone);
// The inverse. Throws HttpError(400) for a malformed escape, InputError when the result is not a
// domain name.
Name zone_from_id(std::string_view id);

// A name from a request body: absolute, of allowed characters (a leading "*." when `wildcard`).
// `field` names it in the InputError thrown otherwise.
Name body_name(const std::string& text, const std::string& field, bool wildcard);

std::string kind_text(codec::ZoneKind kind);
codec::ZoneKind kind_from_text(std::string_view text);

// Whether `text` matches the search pattern `pattern` as pdns' search-data matches.
bool pattern_matches(std::string_view pattern, std::string_view text);

// A primary's address as pdns stores and shows it (keystore/secondary_zones.hh).
using signet::primary_address;

// A JSON value of a request with its path ("rrsets[1].records[0]"), for reading fields with
// errors that name them.
class Body {
 public:
  // Parses a request body; throws InputError ("malformed JSON ...") when it is not JSON or empty.
  static Json parse(std::string_view text);

  Body(const Json& value, std::string path) : value_(value), path_(std::move(path)) {}

  const Json& value() const { return value_; }
  const std::string& path() const { return path_; }
  // "path.key" (or "key" at the top).
  std::string field(std::string_view key) const;
  bool has(std::string_view key) const;
  // The member `key`, when present and not null.
  const Json* member(std::string_view key) const;

  std::string string(std::string_view key) const;  // required
  std::optional<std::string> optional_string(std::string_view key) const;
  // A number or a string of digits, as pdns reads integers.
  int64_t integer(std::string_view key) const;
  std::optional<bool> optional_bool(std::string_view key) const;
  // An array member (absent or null: nullopt).
  const Json* optional_array(std::string_view key) const;
  // Element `i` of array member `key`.
  Body element(std::string_view key, size_t i) const;
  // Throws InputError "<field>: <message>".
  [[noreturn]] void fail(std::string_view key, const std::string& message) const;

 private:
  const Json& value_;
  std::string path_;
};

}  // namespace signet::api::pdns
