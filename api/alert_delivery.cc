// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/alert_delivery.hh"

#include <httplib.h>

#include <algorithm>
#include <thread>

#include "signer/error.hh"
#include "signer/subprocess.hh"

namespace signet::api {

namespace {

// One POST; "" when delivered, else why not.
std::string post_once(const WebhookUrl& url, const std::string& body,
                      std::chrono::milliseconds timeout) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  httplib::Client client(std::string(url.https ? "https://" : "http://") + host + ":" +
                         std::to_string(url.port));
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
  std::chrono::milliseconds delay = o.first_delay;
  for (unsigned i = 0; i < std::max(1u, o.attempts); ++i) {
    if (i > 0) {
      bool go_on = o.sleep ? o.sleep(delay) : (std::this_thread::sleep_for(delay), true);
      if (!go_on)
        break;
      delay = std::min(delay * 2, o.max_delay);
    }
    ++r.attempts;
    r.error = post_once(url, body, o.timeout);
    if (r.error.empty()) {
      r.ok = true;
      return r;
    }
  }
  return r;
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
