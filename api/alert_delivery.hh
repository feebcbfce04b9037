// SPDX-License-Identifier: GPL-2.0-or-later
//
// How an alert leaves signetd: an HTTP(S) POST of its JSON document to a webhook, tried up to a
// bound with exponential backoff between tries, or a program run with the document on its stdin
// and a timeout (signer/subprocess.hh: killed with its process group when the time is up). The
// results say what happened in words fit for the audit log: never the URL's credentials or path,
// never the program's output.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "conf/netmask.hh"
#include "conf/webhook_url.hh"

namespace signet::api {

struct DeliveryResult {
  bool ok = false;
  unsigned attempts = 0;
  std::string error;  // the last try's failure ("HTTP 500", "Connection", "timed out after 10 s")
};

struct WebhookOptions {
  unsigned attempts = 5;
  std::chrono::milliseconds timeout{10000};  // connect, read and write, per try
  std::chrono::milliseconds first_delay{1000};
  std::chrono::milliseconds max_delay{60000};
  // Waits between tries; returns false when the delivery must give up (signetd stopping).
  std::function<bool(std::chrono::milliseconds)> sleep;
  // When set (tenants' webhooks), the host is resolved here, each address is asked (a reason
  // refuses it), and the POST goes to the first one accepted — pinned, so that a name cannot
  // resolve to another address between the check and the connection (DNS rebinding).
  std::function<std::string(const std::string& address)> refuse;
};

// Why a tenant's webhook may not reach `address` ("127.0.0.1 is loopback"), or "" when it may:
// a global address, or one of `allow` (signet-alert-tenant-webhook-allow). Without this, a tenant
// would make signetd POST into the operator's own networks (SSRF).
std::string tenant_webhook_refusal(const std::string& address, const std::vector<Netmask>& allow);

// POSTs `body` (application/json) to `url`; any 2xx is delivered, anything else is tried again.
DeliveryResult post_webhook(const WebhookUrl& url, const std::string& body,
                            const WebhookOptions& options);

// Runs `argv` with `body` on stdin; exit status 0 is delivered. One try.
DeliveryResult run_alert_command(const std::vector<std::string>& argv, const std::string& body,
                                 std::chrono::milliseconds timeout);

// What the audit names for a command: the program's file name, without its directory.
std::string command_target(const std::vector<std::string>& argv);

}  // namespace signet::api
