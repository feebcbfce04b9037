// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/openapi.hh"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <string>

#include "signer/error.hh"

namespace signet::api {

extern const char kOpenApiYaml[];  // generated from api/openapi.yaml (CMakeLists.txt)

namespace {

// A plain scalar as YAML 1.2's core schema reads it.
Json plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")
    return nullptr;
  if (s == "true" || s == "True" || s == "TRUE")
    return true;
  if (s == "false" || s == "False" || s == "FALSE")
    return false;
  const char* begin = s.c_str();
  char* end = nullptr;
  if (s.find_first_of(".eE") == std::string::npos) {
    long long v = std::strtoll(begin, &end, 10);
    if (*end == '\0' && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-'))
      return v;
  } else {
    double v = std::strtod(begin, &end);
    if (*end == '\0' && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-'))
      return v;
  }
  return s;
}

Json node_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : n)
        out[kv.first.as<std::string>()] = node_json(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& v : n)
        out.push_back(node_json(v));
      return out;
    }
    case YAML::NodeType::Scalar:
      // A quoted scalar's tag is "!": always a string.
      return n.Tag() == "!" ? Json(n.Scalar()) : plain_scalar(n.Scalar());
    default:
      return nullptr;
  }
}

}  // namespace

Json yaml_to_json(std::string_view yaml) {
  try {
    return node_json(YAML::Load(std::string(yaml)));
  } catch (const YAML::Exception& e) {
    throw InputError("openapi.yaml:" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

const Json& openapi_document() {
  static const Json doc = yaml_to_json(kOpenApiYaml);
  return doc;
}

}  // namespace signet::api
