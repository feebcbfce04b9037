// SPDX-License-Identifier: GPL-2.0-or-later
//
// The OpenAPI 3 document of Signet's own endpoints. Its source is api/openapi.yaml, embedded in
// the program at build time (so an installed signetd needs no data file) and converted to JSON
// once, at first use.
#pragma once

#include <string_view>

#include "signer/json.hh"

namespace signet::api {

// api/openapi.yaml as JSON.
const Json& openapi_document();

// A YAML document as JSON: plain scalars that read as null, booleans or numbers become those;
// quoted scalars stay strings. Throws InputError for YAML that does not parse.
Json yaml_to_json(std::string_view yaml);

}  // namespace signet::api
