// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/support/webhook_receiver.hh"

#include <httplib.h>

#include <stdexcept>

namespace signet::test {

WebhookReceiver::WebhookReceiver() : server_(std::make_unique<httplib::Server>()) {
  server_->Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    Received r{req.path, req.body, req.get_header_value("Authorization"), 200};
    auto f = failing_.find(req.path);
    if (f != failing_.end() && f->second.first > 0) {
      --f->second.first;
      r.answered = f->second.second;
    }
    res.status = r.answered;
    res.set_content("{}", "application/json");
    received_.push_back(std::move(r));
    cv_.notify_all();
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0)
    throw std::runtime_error("webhook receiver: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  for (int i = 0; i < 500 && !server_->is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

WebhookReceiver::~WebhookReceiver() {
  server_->stop();
  if (thread_.joinable())
    thread_.join();
}

std::string WebhookReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void WebhookReceiver::fail_next(const std::string& path, int n, int status) {
  std::lock_guard<std::mutex> lock(mu_);
  failing_[path] = {n, status};
}

Json WebhookReceiver::Received::json() const {
  return Json::parse(body, nullptr, false);
}

std::vector<WebhookReceiver::Received> WebhookReceiver::received(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Received> out;
  for (const auto& r : received_) {
    if (path.empty() || r.path == path)
      out.push_back(r);
  }
  return out;
}

std::vector<WebhookReceiver::Received> WebhookReceiver::delivered(const std::string& path) const {
  std::vector<Received> out;
  for (auto& r : received(path)) {
    if (r.answered / 100 == 2)
      out.push_back(std::move(r));
  }
  return out;
}

bool WebhookReceiver::wait_delivered(const std::string& path, size_t n,
                                     std::chrono::milliseconds timeout) const {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (delivered(path).size() >= n)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return delivered(path).size() >= n;
}

}  // namespace signet::test
