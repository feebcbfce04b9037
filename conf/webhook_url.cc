// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/webhook_url.hh"

#include <algorithm>
#include <cctype>

#include "signer/error.hh"

namespace signet {

std::string WebhookUrl::target() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return std::string(https ? "https" : "http") + "://" + h + ":" + std::to_string(port);
}

WebhookUrl parse_webhook_url(std::string_view url) {
  if (url.size() > 2048)
    throw InputError("longer than 2048 characters");
  if (std::any_of(url.begin(), url.end(), [](unsigned char c) { return c <= ' ' || c >= 0x7f; }))
    throw InputError("contains spaces or control characters");
  WebhookUrl u;
  std::string_view rest;
  if (url.substr(0, 8) == "https://") {
    u.https = true;
    rest = url.substr(8);
  } else if (url.substr(0, 7) == "http://") {
    rest = url.substr(7);
  } else {
    throw InputError("not an http:// or https:// URL");
  }
  size_t slash = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, slash);
  if (slash < rest.size()) {
    u.path = std::string(rest.substr(slash));
    if (u.path[0] != '/')
      u.path = "/" + u.path;
    if (size_t hash = u.path.find('#'); hash != std::string::npos)
      u.path.resize(hash);
  }
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    size_t colon = userinfo.find(':');
    u.user = std::string(userinfo.substr(0, colon));
    if (colon != std::string_view::npos)
      u.password = std::string(userinfo.substr(colon + 1));
    authority = authority.substr(at + 1);
  }
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos)
      throw InputError("unbalanced [ in the host");
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':')
        throw InputError("unexpected characters after the host");
      port = after.substr(1);
    }
  } else {
    size_t colon = authority.find(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos)
      port = authority.substr(colon + 1);
  }
  if (u.host.empty())
    throw InputError("no host");
  if (!std::all_of(u.host.begin(), u.host.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '_';
      }))
    throw InputError("the host has characters a host name cannot have");
  u.port = u.https ? 443 : 80;
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit))
      throw InputError("the port is not a number");
    unsigned p = std::stoul(std::string(port));
    if (p == 0 || p > 65535)
      throw InputError("the port is outside 1..65535");
    u.port = static_cast<uint16_t>(p);
  }
  return u;
}

}  // namespace signet
