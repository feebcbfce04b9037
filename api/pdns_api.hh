// SPDX-License-Identifier: GPL-2.0-or-later
//
// The PowerDNS HTTP API v1, tenant-scoped (issue 9 item 3): /api/v1/servers/localhost/...
//
// Routes: GET /api, /api/v1, /api/v1/servers, /api/v1/servers/localhost; zones: GET (list,
// ?zone=), POST; zones/{zone}: GET (?rrsets=false), PATCH, PUT, DELETE; zones/{zone}/export (GET),
// /rectify and /notify (PUT), /cryptokeys and /cryptokeys/{id} (GET); search-data (GET ?q= &max=
// &object_type=). Shapes, status codes and error bodies are pdns 4.7's (ws-auth.cc), checked
// against pdns_server's own API by tests/integration/pdns_api_compare_test.cc. Where Signet
// differs, on purpose:
//
//  * a token sees its tenant only: another tenant's zone is 404 {"error": "Not Found"}, exactly
//    as an absent one, on every route and method; lists and searches leave it out;
//  * a zone made with a tenant's token is that tenant's whatever "account" says; a tenant's
//    token cannot change "account" (422); an operator's token places and moves zones by it;
//  * Signet raises the SOA serial by one with every change (SOA-EDIT-API is kept and shown, not
//    applied), so "edited_serial" is "serial";
//  * securing, unsecuring and NSEC3 settings belong to Signet's own API (/api/v1/signet/): a
//    "dnssec" or "nsec3param" that differs from the zone's state is a 422; cryptokeys are
//    read-only and never show a private key;
//  * Signet keeps neither comments (accepted, dropped) nor disabled records (422); "catalog"
//    names a producer catalog of the zone's tenant or a shared one (keystore/catalogs.hh, 422
//    otherwise), and a new zone without one joins its default catalog; zone data as text in a
//    POST ("zone") is refused (422): send rrsets;
//  * rectify succeeds and changes nothing (Signet keeps zones rectified on every write);
//  * notify answers pdns' {"result": "Notification queued"} without queueing anything: signetd is
//    not pdns_server, which notifies a primary zone's secondaries itself when its serial moves;
//  * a 422 names the field first ("rrsets[1].records[0].content: ..."); malformed JSON is a 422
//    too (pdns: 400);
//  * owner names keep the spelling they were written with (pdns' SQL backends lower-case them).
#pragma once

#include "api/router.hh"
#include "api/service.hh"

namespace signet::api {

// Registers this file's routes; handlers keep a reference to `service`.
void add_pdns_routes(Router& router, Service& service);

}  // namespace signet::api
