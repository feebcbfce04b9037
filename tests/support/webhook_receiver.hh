// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: an HTTP receiver for alert webhooks on 127.0.0.1 and a free port (cpp-httplib's
// server on a thread of its own), recording every POST; it can be told to fail the next requests
// to a path (to prove retries). Stopped when the object goes away.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "signer/json.hh"

namespace httplib {
class Server;
}

namespace signet::test {

class WebhookReceiver {
 public:
  WebhookReceiver();
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:PORT" + path.
  std::string url(const std::string& path) const;
  // The next `n` requests to `path` are answered with `status`.
  void fail_next(const std::string& path, int n, int status = 500);

  struct Received {
    std::string path, body, authorization;
    int answered = 200;
    Json json() const;
  };
  // Every request so far, or those to `path`.
  std::vector<Received> received(const std::string& path = "") const;
  // Those answered 2xx, to `path`.
  std::vector<Received> delivered(const std::string& path) const;
  // Waits until `n` requests to `path` were answered 2xx; false after `timeout`.
  bool wait_delivered(const std::string& path, size_t n, std::chrono::milliseconds timeout) const;

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<Received> received_;
  std::map<std::string, std::pair<int, int>> failing_;  // path -> (remaining, status)
};

}  // namespace signet::test
