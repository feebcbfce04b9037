// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: a real browser for the web console's tests — Debian's headless Chromium driven
// by chromedriver through the W3C WebDriver protocol (HTTP + JSON, cpp-httplib + nlohmann).
// chromedriver listens on 127.0.0.1 and a free port; the browser runs headless, without the
// sandbox (CI runs as root), with a temporary profile. Both are stopped when the object goes
// away (the session is deleted, which ends Chromium, then chromedriver is terminated).
//
//   Browser b;                                // starts chromedriver and a session
//   b.navigate(api.url() + "/");
//   b.type("#token", token); b.click("#signin-button");
//   b.wait_for("#needs-human");               // polls until the element exists
//   b.text("#counts"), b.source(), b.screenshot("overview.png");
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "signer/json.hh"
#include "tests/support/process.hh"
#include "tests/support/temp_dir.hh"

namespace signet::test {

class Browser {
 public:
  // Throws when chromedriver or the session cannot be started (its log in the message).
  Browser();
  ~Browser();
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  void navigate(const std::string& url);
  std::string url();
  // The element ids matching a CSS selector (empty when none).
  std::vector<std::string> find_all(const std::string& css);
  // The first match, or throws naming the selector.
  std::string find(const std::string& css);
  // The first match once it exists, polled until `timeout`; throws naming the selector.
  std::string wait_for(const std::string& css,
                       std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Polls `ready` until true or `timeout`; returns the last answer.
  bool wait_until(const std::function<bool()>& ready,
                  std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // The rendered text (innerText) of the first match of `css`; text() throws when none.
  std::string text(const std::string& css);
  std::optional<std::string> text_if(const std::string& css);
  std::string element_text(const std::string& element);
  std::optional<std::string> attribute(const std::string& element, const std::string& name);
  void click(const std::string& css);
  void click_element(const std::string& element);
  void type(const std::string& css, const std::string& keys);
  // The page's DOM as markup, and script evaluation (the script's return value).
  std::string source();
  Json execute(const std::string& script, const Json& args = Json::array());
  // A PNG of the viewport (the window is sized to the page first), written to `path`.
  void screenshot(const std::string& path);
  std::string log() const;

 private:
  Json call(const std::string& method, const std::string& path, const Json& body = nullptr);
  Json session_call(const std::string& method, const std::string& path, const Json& body = nullptr);

  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<Process> driver_;
  std::string session_;
};

// Where tests put files a person may want to look at (screenshots): <build>/test-artifacts/SUB,
// made if absent.
std::string artifacts_dir(const std::string& sub);

}  // namespace signet::test
