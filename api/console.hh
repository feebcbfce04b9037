// SPDX-License-Identifier: GPL-2.0-or-later
//
// The web console (issue 10 item 3): a static single-page app served at / (its files compiled
// into signetd from api/console/, so an installed signetd needs no data file and loads nothing
// from the internet), and the JSON it reads besides the zone endpoints:
//   GET /api/v1/signet/overview      the portfolio overview (keystore/overview.hh), one read txn
//   GET /api/v1/signet/whoami        the token's tenant and role (never its secret)
//   GET /api/v1/signet/audit/verify  the audit chain's verdict (AuditLog::verify)
// The static routes need no token; every data call does (X-API-Key, kept by the page in
// sessionStorage). Console pages carry a Content-Security-Policy that allows only signetd
// itself, and the page writes data into the DOM as text only (zone names and audit details come
// from tenants).
#pragma once

#include "api/router.hh"
#include "api/service.hh"

namespace signet::api {

// The Content-Security-Policy of the console's pages and assets.
extern const char kConsoleCsp[];

// Registers the console's static routes and its JSON endpoints.
void add_console_routes(Router& router, Service& service);

}  // namespace signet::api
