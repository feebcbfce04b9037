// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/api_input.hh"

#include <ctime>

namespace signet::api {

namespace {

// A decimal number within [min, max]; InputError naming `field` otherwise.
uint64_t number_param(const char* field, const std::string& text, uint64_t min, uint64_t max) {
  bool digits = !text.empty() && text.size() <= 19 &&
                text.find_first_not_of("0123456789") == std::string::npos;
  uint64_t v = digits ? std::stoull(text) : 0;
  if (!digits || v < min || v > max) {
    throw InputError(std::string(field) + ": expected a number from " + std::to_string(min) +
                     " to " + std::to_string(max));
  }
  return v;
}

// Unix seconds, or ISO 8601 UTC as the API writes times.
uint64_t time_param(const char* field, const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos)
    return number_param(field, text, 0, UINT64_MAX / 2);
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (!end || *end != '\0')
    throw InputError(std::string(field) + ": expected Unix seconds or YYYY-MM-DDTHH:MM:SSZ");
  return static_cast<uint64_t>(timegm(&tm));
}

}  // namespace

Name zone_param(const Request& q) {
  return field_value("zone", [&] { return Name::from_text(q.params.at("zone")); });
}

Json object_body(const Request& q) {
  if (q.body.find_first_not_of(" \t\r\n") == std::string::npos)
    return Json::object();
  Json body = Json::parse(q.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded())
    throw InputError("body: malformed JSON");
  if (!body.is_object())
    throw InputError("body: expected a JSON object");
  return body;
}

std::optional<std::string> string_field(const Json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null())
    return std::nullopt;
  if (!it->is_string())
    throw InputError(std::string(name) + ": expected a string");
  return it->get<std::string>();
}

std::optional<Algorithm> algorithm_field(const Json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null())
    return std::nullopt;
  if (it->is_number_unsigned())
    return field_value(name, [&] { return algorithm_from_number(it->get<unsigned>()); });
  if (it->is_string())
    return field_value(name, [&] { return algorithm_from_text(it->get<std::string>()); });
  throw InputError(std::string(name) + ": expected an algorithm number or name");
}

AuditQuery audit_query(const Request& q) {
  AuditQuery a;
  if (auto z = q.query_value("zone"); z && !z->empty())
    a.zone = field_value("zone", [&] { return Name::from_text(*z); });
  if (auto s = q.query_value("since"))
    a.since = time_param("since", *s);
  if (auto u = q.query_value("until"))
    a.until = time_param("until", *u);
  if (auto l = q.query_value("limit"))
    a.limit = number_param("limit", *l, 1, 1000);
  if (auto c = q.query_value("cursor"))
    a.cursor = number_param("cursor", *c, 0, UINT64_MAX / 2);
  return a;
}

OverviewQuery overview_query(const Request& q) {
  OverviewQuery o;
  if (auto l = q.query_value("limit"))
    o.limit = number_param("limit", *l, 1, 1000);
  if (auto c = q.query_value("cursor"))
    o.cursor = number_param("cursor", *c, 0, UINT64_MAX / 2);
  return o;
}

}  // namespace signet::api
