// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/support/webdriver.hh"

#include <httplib.h>

#include <filesystem>
#include <stdexcept>
#include <thread>

#include "tests/support/tools.hh"

namespace signet::test {

namespace {

// The W3C element reference key (WebDriver 12.1).
constexpr const char* kElement = "element-6066-11e4-a52e-4f735466cecf";

std::string element_of(const Json& v) {
  return v.at(kElement).get<std::string>();
}

std::string base64_decode(const std::string& in) {
  static const std::string chars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    size_t v = chars.find(c);
    if (v == std::string::npos)
      continue;  // '=' padding and line breaks
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

}  // namespace

std::string artifacts_dir(const std::string& sub) {
  std::filesystem::path p = std::filesystem::path(build_dir()) / "test-artifacts" / sub;
  std::filesystem::create_directories(p);
  return p.string();
}

Browser::Browser() {
  std::string chromium = find_tool("chromium");
  std::string driver = find_tool("chromedriver");
  if (chromium.empty() || driver.empty())
    throw std::runtime_error("chromium and chromedriver are needed (scripts/setup installs them)");
  for (int attempt = 0; attempt < 3 && !driver_; ++attempt) {
    port_ = free_port();
    auto p = std::make_unique<Process>(
        std::vector<std::string>{driver, "--port=" + std::to_string(port_),
                                 "--allowed-ips=127.0.0.1", "--log-level=WARNING"},
        dir_.file("chromedriver.log"));
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(1);
    for (int i = 0; i < 100; ++i) {
      if (auto r = c.Get("/status"); r && r->status == 200) {
        driver_ = std::move(p);
        break;
      }
      if (!p->running())
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  if (!driver_)
    throw std::runtime_error("chromedriver did not start: " + log());
  Json args = Json::array(
      {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
       "--no-first-run", "--no-default-browser-check", "--disable-extensions",
       "--disable-background-networking", "--disable-sync", "--disable-component-update",
       "--window-size=1280,1000", "--user-data-dir=" + dir_.file("profile")});
  Json caps{{"capabilities",
             {{"alwaysMatch",
               {{"browserName", "chrome"},
                {"goog:chromeOptions", {{"binary", chromium}, {"args", args}}}}}}}};
  Json r = call("POST", "/session", caps);
  session_ = r.at("sessionId").get<std::string>();
}

Browser::~Browser() {
  if (!session_.empty()) {
    try {
      call("DELETE", "/session/" + session_);
    } catch (...) {
      // chromedriver's termination below ends the browser as well
    }
  }
  driver_.reset();
}

std::string Browser::log() const {
  return read_file(dir_.file("chromedriver.log"));
}

Json Browser::call(const std::string& method, const std::string& path, const Json& body) {
  httplib::Client c("127.0.0.1", port_);
  c.set_connection_timeout(5);
  c.set_read_timeout(120);
  httplib::Request req;
  req.method = method;
  req.path = path;
  if (!body.is_null()) {
    req.body = body.dump();
    req.headers.emplace("Content-Type", "application/json");
  }
  auto res = c.send(req);
  if (!res)
    throw std::runtime_error("webdriver " + method + " " + path + ": no answer (" +
                             httplib::to_string(res.error()) + ")");
  Json j = Json::parse(res->body, nullptr, false);
  if (res->status != 200 || j.is_discarded()) {
    std::string what = j.is_discarded() ? res->body : j.dump();
    throw std::runtime_error("webdriver " + method + " " + path + ": " +
                             std::to_string(res->status) + " " + what.substr(0, 2000));
  }
  if (j.contains("value") && j["value"].is_object() && j["value"].contains("sessionId"))
    return j["value"];
  return j.contains("value") ? j["value"] : j;
}

Json Browser::session_call(const std::string& method, const std::string& path, const Json& body) {
  return call(method, "/session/" + session_ + path, body);
}

void Browser::navigate(const std::string& url) {
  session_call("POST", "/url", Json{{"url", url}});
}

std::string Browser::url() {
  return session_call("GET", "/url").get<std::string>();
}

std::vector<std::string> Browser::find_all(const std::string& css) {
  std::vector<std::string> out;
  for (const auto& e :
       session_call("POST", "/elements", Json{{"using", "css selector"}, {"value", css}}))
    out.push_back(element_of(e));
  return out;
}

std::string Browser::find(const std::string& css) {
  auto all = find_all(css);
  if (all.empty())
    throw std::runtime_error("no element matches '" + css + "'");
  return all.front();
}

bool Browser::wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bool ok = ready();
    if (ok || std::chrono::steady_clock::now() > end)
      return ok;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string Browser::wait_for(const std::string& css, std::chrono::milliseconds timeout) {
  std::string found;
  wait_until(
      [&] {
        auto all = find_all(css);
        if (!all.empty())
          found = all.front();
        return !found.empty();
      },
      timeout);
  if (found.empty()) {
    throw std::runtime_error(
        "no element matches '" + css + "' after " + std::to_string(timeout.count()) +
        " ms; page text: " + execute("return document.body.innerText;").get<std::string>());
  }
  return found;
}

std::string Browser::element_text(const std::string& element) {
  return session_call("GET", "/element/" + element + "/text").get<std::string>();
}

std::optional<std::string> Browser::text_if(const std::string& css) {
  // One script, so that a page re-rendering meanwhile cannot leave a stale element reference.
  Json v = execute("const e = document.querySelector(arguments[0]); return e ? e.innerText : null;",
                   Json::array({css}));
  if (v.is_null())
    return std::nullopt;
  return v.get<std::string>();
}

std::string Browser::text(const std::string& css) {
  auto t = text_if(css);
  if (!t)
    throw std::runtime_error("no element matches '" + css + "'");
  return *t;
}

std::optional<std::string> Browser::attribute(const std::string& element, const std::string& name) {
  Json v = session_call("GET", "/element/" + element + "/attribute/" + name);
  if (v.is_null())
    return std::nullopt;
  return v.get<std::string>();
}

void Browser::click_element(const std::string& element) {
  session_call("POST", "/element/" + element + "/click", Json::object());
}

void Browser::click(const std::string& css) {
  // A page that re-renders between the lookup and the click leaves the element stale: look again.
  for (int attempt = 0;; ++attempt) {
    try {
      click_element(find(css));
      return;
    } catch (const std::runtime_error& e) {
      if (attempt == 2 || std::string(e.what()).find("stale element") == std::string::npos)
        throw;
    }
  }
}

void Browser::type(const std::string& css, const std::string& keys) {
  session_call("POST", "/element/" + find(css) + "/value", Json{{"text", keys}});
}

std::string Browser::source() {
  return session_call("GET", "/source").get<std::string>();
}

Json Browser::execute(const std::string& script, const Json& args) {
  return session_call("POST", "/execute/sync", Json{{"script", script}, {"args", args}});
}

void Browser::screenshot(const std::string& path) {
  // The whole page: the window grows to the document's height first.
  Json h = execute("return Math.max(document.body.scrollHeight, 600);");
  session_call("POST", "/window/rect",
               Json{{"width", 1280}, {"height", std::min<int64_t>(h.get<int64_t>() + 120, 6000)}});
  std::string png = base64_decode(session_call("GET", "/screenshot").get<std::string>());
  write_file(path, png);
}

}  // namespace signet::test
