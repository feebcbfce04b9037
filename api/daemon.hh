// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetd [--config-dir DIR] [--config-name NAME]
//
// The tenant API daemon (issue 9): the PowerDNS API v1 and Signet's own endpoints over HTTP(S),
// each request authenticated with a tenant's token. It reads the signet-* settings of
// DIR/pdns.conf as signetutil does (the unsuffixed launch=signet instance) and opens the same LMDB
// store as pdns_server, beside it: it never starts the refresher (pdns_server does the background
// work), and either process may die without harming the other.
//
// Prints "signetd: listening on http(s)://ADDR" on stdout once it accepts connections; stops
// cleanly on SIGTERM or SIGINT. Exit status: 0 stopped, 1 failed to start (one line on stderr
// says why), 2 usage error.
#pragma once

#include <functional>

#include "api/router.hh"
#include "api/service.hh"

namespace signet::api {

// Routes added after the product's own (the test probe, tests/support/signetd_probe.cc).
using ExtraRoutes = std::function<void(Router&, Service&)>;

// signetd's main: parses the arguments, serves until SIGTERM or SIGINT, returns the exit status.
int run_daemon(int argc, char** argv, const ExtraRoutes& extra_routes = nullptr);

}  // namespace signet::api
