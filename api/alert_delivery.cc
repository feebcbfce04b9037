// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/alert_delivery.hh"

#include <arpa/inet.h>
#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>
#include <thread>

#include "signer/error.hh"
#include "signer/subprocess.hh"

namespace signet::api {

namespace {

// The address of `host` that `refuse` accepts; throws Error with every refusal when none is.
std::string vetted_address(const std::string& host,
                           const std::function<std::string(const std::string&)>& refuse) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res); rc != 0)
    throw Error("cannot resolve the webhook's host: " + std::string(gai_strerror(rc)));
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(res, freeaddrinfo);
  std::string refused;
  for (addrinfo* a = res; a; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* at =
        a->ai_family == AF_INET6
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr);
    if (!::inet_ntop(a->ai_family, at, text, sizeof(text)))
      continue;
    std::string why = refuse(text);
    if (why.empty())
      return text;
    if (refused.find(why) == std::string::npos)
      refused += (refused.empty() ? "" : "; ") + why;
  }
  throw Error("refused: " + refused);
}

// One POST; "" when delivered, else why not.
std::string post_once(const WebhookUrl& url, const std::string& body,
                      std::chrono::milliseconds timeout, const std::string& pinned) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  httplib::Client client(std::string(url.https ? "https://" : "http://") + host + ":" +
                         std::to_string(url.port));
  // The name stays the name (Host header, TLS name check); the connection goes to the address
  // vetted.
  if (!pinned.empty())
    client.set_hostname_addr_map({{url.host, pinned}});
  auto secs = static_cast<time_t>(timeout.count() / 1000);
  auto usecs = static_cast<time_t>((timeout.count() % 1000) * 1000);
  client.set_connection_timeout(secs, usecs);
  client.set_read_timeout(secs, usecs);
  client.set_write_timeout(secs, usecs);
  client.set_follow_location(false);
  if (url.https)
    client.enable_server_certificate_verification(true);
  if (!url.user.empty() || !url.password.empty())
    client.set_basic_auth(url.user.c_str(), url.password.c_str());
  httplib::Headers headers{{"User-Agent", "signetd-alerts"}};
  auto res = client.Post(url.path.c_str(), headers, body, "application/json");
  if (!res)
    return "no response (" + httplib::to_string(res.error()) + ")";
  if (res->status / 100 != 2)
    return "HTTP " + std::to_string(res->status);
  return "";
}

}  // namespace

DeliveryResult post_webhook(const WebhookUrl& url, const std::string& body,
                            const WebhookOptions& o) {
  DeliveryResult r;
  std::string pinned;
  if (o.refuse) {
    try {
      pinned = vetted_address(url.host, o.refuse);
    } catch (const Error& e) {
      r.attempts = 1;  // a refusal is final: not tried again
      r.error = e.what();
      return r;
    }
  }
  std::chrono::milliseconds delay = o.first_delay;
  for (unsigned i = 0; i < std::max(1u, o.attempts); ++i) {
    if (i > 0) {
      bool go_on = o.sleep ? o.sleep(delay) : (std::this_thread::sleep_for(delay), true);
      if (!go_on)
        break;
      delay = std::min(delay * 2, o.max_delay);
    }
    ++r.attempts;
    r.error = post_once(url, body, o.timeout, pinned);
    if (r.error.empty()) {
      r.ok = true;
      return r;
    }
  }
  return r;
}

std::string tenant_webhook_refusal(const std::string& address, const std::vector<Netmask>& allow) {
  if (any_contains(allow, address))
    return "";
  std::string what = special_purpose(address);
  return what.empty() ? "" : address + " is " + what;
}

DeliveryResult run_alert_command(const std::vector<std::string>& argv, const std::string& body,
                                 std::chrono::milliseconds timeout) {
  DeliveryResult r;
  r.attempts = 1;
  SubprocessOptions o;
  o.input = body;
  o.timeout = timeout;
  o.max_output = 4096;
  try {
    SubprocessResult s = run_subprocess(argv, o);
    r.ok = s.ok();
    if (!r.ok)
      r.error = s.describe();
  } catch (const std::exception& e) {
    r.error = std::string("could not start: ") + e.what();
  }
  return r;
}

std::string command_target(const std::vector<std::string>& argv) {
  if (argv.empty())
    return "";
  size_t slash = argv[0].rfind('/');
  return slash == std::string::npos ? argv[0] : argv[0].substr(slash + 1);
}

}  // namespace signet::api
