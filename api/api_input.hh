// SPDX-License-Identifier: GPL-2.0-or-later
//
// Reading what a client sent to Signet's own endpoints: the zone in the path, a JSON object body
// and its fields, the audit log's query parameters. Every refusal is an InputError (422) whose
// message begins with the field it is about.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "api/router.hh"
#include "signer/crypto.hh"
#include "signer/error.hh"
#include "signer/name.hh"

namespace signet::api {

// The {zone} capture as a name ("example.com." or "example.com").
Name zone_param(const Request& q);

// The body as a JSON object; an empty body is an empty object.
Json object_body(const Request& q);
// A string member; nullopt when absent or null.
std::optional<std::string> string_field(const Json& body, const char* name);
// An algorithm member: a number (13) or a name ("ecdsap256sha256"); nullopt when absent or null.
std::optional<Algorithm> algorithm_field(const Json& body, const char* name);

// `parse()`, with an InputError it throws prefixed by `field`.
template <class F>
auto field_value(const char* field, F parse) -> decltype(parse()) {
  try {
    return parse();
  } catch (const InputError& e) {
    throw InputError(std::string(field) + ": " + e.what());
  }
}

// GET /api/v1/signet/audit?zone=&since=&until=&limit=&cursor=
struct AuditQuery {
  std::optional<Name> zone;
  uint64_t since = 0;           // Unix time or ISO 8601 UTC ("2026-12-02T00:00:00Z")
  uint64_t until = UINT64_MAX;  // entries before this time (exclusive), same forms
  size_t limit = 100;           // 1..1000
  uint64_t cursor = 0;          // entries after this seq (the previous page's next_cursor)
};
AuditQuery audit_query(const Request& q);

// GET /api/v1/signet/overview?limit=&cursor=
struct OverviewQuery {
  size_t limit = 50;  // 1..1000 zones of "needs a human" per page
  size_t cursor = 0;  // offset: the previous page's next_cursor
};
OverviewQuery overview_query(const Request& q);

}  // namespace signet::api
