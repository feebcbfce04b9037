// SPDX-License-Identifier: GPL-2.0-or-later
//
// GET /api/v1/signet/evidence: an evidence pack (evidence/pack.hh) as application/gzip.
#pragma once

#include "api/router.hh"
#include "api/service.hh"

namespace signet::api {

void add_evidence_routes(Router& router, Service& service);

}  // namespace signet::api
