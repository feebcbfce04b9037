// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/router.hh"

#include "signer/error.hh"

namespace signet::api {

namespace {

// Splits "/a/b/{c}" into {"a", "b", "{c}"}; empty segments (doubled or trailing slashes) are kept
// so that "/zones/" does not match "/zones".
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/')
    return out;
  path.remove_prefix(1);
  for (;;) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos)
      break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool is_capture(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

bool matches(std::string_view pattern, std::string_view path,
             std::map<std::string, std::string>& params) {
  auto want = segments(pattern);
  auto got = segments(path);
  if (want.size() != got.size() || got.empty())
    return false;
  std::map<std::string, std::string> caught;
  for (size_t i = 0; i < want.size(); ++i) {
    if (is_capture(want[i])) {
      if (got[i].empty())
        return false;
      caught.emplace(std::string(want[i].substr(1, want[i].size() - 2)), std::string(got[i]));
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  params = std::move(caught);
  return true;
}

}  // namespace

std::optional<std::string> Request::query_value(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end())
    return std::nullopt;
  return it->second;
}

const TokenIdentity& Request::identity() const {
  if (!who)
    throw HttpError(401, "Unauthorized");
  return *who;
}

Response Response::json(int status, const Json& value) {
  Response r;
  r.status = status;
  r.body = json_text(value);
  return r;
}

Response Response::error(int status, std::string_view message) {
  Json body = Json::object();
  body["error"] = std::string(message);
  return json(status, body);
}

Response Response::empty(int status) {
  Response r;
  r.status = status;
  r.content_type.clear();
  return r;
}

Response Response::text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

void Router::add(Route route) {
  routes_.push_back(std::move(route));
}

const Route* Router::match(std::string_view method, std::string_view path,
                           std::map<std::string, std::string>& params,
                           bool& method_mismatch) const {
  method_mismatch = false;
  for (const auto& r : routes_) {
    std::map<std::string, std::string> caught;
    if (!matches(r.pattern, path, caught))
      continue;
    if (r.method != method) {
      method_mismatch = true;
      continue;
    }
    params = std::move(caught);
    return &r;
  }
  return nullptr;
}

Response Router::from_current_exception() {
  try {
    throw;
  } catch (const HttpError& e) {
    return Response::error(e.status(), e.what());
  } catch (const TokenRejected&) {
    return Response::error(401, "Unauthorized");
  } catch (const InputError& e) {
    return Response::error(422, e.what());
  } catch (const NotFound& e) {
    return Response::error(404, e.what());
  } catch (const Conflict& e) {
    return Response::error(409, e.what());
  } catch (...) {
    return Response::error(500, "internal error");
  }
}

Response Router::dispatch(Request& request) const {
  bool method_mismatch = false;
  const Route* route = match(request.method, request.path, request.params, method_mismatch);
  if (!route)
    return method_mismatch ? Response::error(405, "Method Not Allowed")
                           : Response::error(404, "Not Found");
  try {
    return route->handler(request);
  } catch (...) {
    return from_current_exception();
  }
}

}  // namespace signet::api
