// SPDX-License-Identifier: GPL-2.0-or-later
//
// An alert webhook's URL (signet-alert-webhook, a tenant's webhook set through the API):
// http:// or https://, a host, an optional port and path; user:password@ before the host is sent
// as HTTP basic authentication. Such URLs often hold secrets (credentials, a token in the path),
// so what logs and the audit log name is target(): scheme, host and port only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace signet {

struct WebhookUrl {
  bool https = false;
  std::string host;  // a name, an IPv4 address, or an IPv6 address without brackets
  uint16_t port = 0;
  std::string path = "/";  // path and query, as written
  std::string user, password;
  // "https://hooks.example:443": what may be shown (no credentials, no path).
  std::string target() const;
};

// Throws InputError naming what is wrong (never repeating the URL: it may hold a secret).
WebhookUrl parse_webhook_url(std::string_view url);

}  // namespace signet
