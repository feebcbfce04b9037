// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/pdns_api.hh"

namespace signet::api {

void add_pdns_routes(Router& router, Service& service) {}

}  // namespace signet::api
