// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/signet_api.hh"

namespace signet::api {

void add_signet_routes(Router& router, Service& service) {}

}  // namespace signet::api
