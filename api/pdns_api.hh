// SPDX-License-Identifier: GPL-2.0-or-later
//
// The PowerDNS HTTP API v1, tenant-scoped (issue 9 item 3): /api/v1/servers/localhost/...
#pragma once

#include "api/router.hh"
#include "api/service.hh"

namespace signet::api {

// Registers this file's routes; handlers keep a reference to `service`.
void add_pdns_routes(Router& router, Service& service);

}  // namespace signet::api
