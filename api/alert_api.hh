// SPDX-License-Identifier: GPL-2.0-or-later
//
// A tenant's own alert webhook (issue 10 item 2): GET / PUT / DELETE /api/v1/signet/alerts/webhook.
// A tenant token acts on its own tenant; an operator token names one with ?tenant=NAME. A tenant
// token naming another tenant gets exactly what naming an absent tenant gets (404). PUT and
// DELETE need an editor (or higher); GET a viewer. The URL is write-only: GET shows where it
// points (scheme, host and port), never its credentials or path. Every change is audited
// (alert-webhook-set / alert-webhook-deleted, detail {"target"}). api/alert_service.hh delivers
// the tenant's zones' alerts (and only those) to it.
#pragma once

#include "api/router.hh"
#include "api/service.hh"

namespace signet::api {

// Called by add_signet_routes.
void add_alert_routes(Router& router, Service& service);

}  // namespace signet::api
