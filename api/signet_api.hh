// SPDX-License-Identifier: GPL-2.0-or-later
//
// Signet's own endpoints under /api/v1/signet/ (issue 9 item 4), the OpenAPI document and /metrics.
#pragma once

#include "api/router.hh"
#include "api/service.hh"

namespace signet::api {

// Registers this file's routes; handlers keep a reference to `service`.
void add_signet_routes(Router& router, Service& service);

}  // namespace signet::api
