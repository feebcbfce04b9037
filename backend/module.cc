// SPDX-License-Identifier: GPL-2.0-or-later
//
// The pdns module: a BackendFactory named "signet", registered when pdns_server or pdnsutil loads
// libsignetbackend.so (launch=signet). The factory declares Signet's settings (so pdns --help and
// pdnsutil know them) and owns one Context per store path, shared by every backend instance of the
// process: LMDB forbids opening one environment twice in a process.
#include <map>
#include <memory>
#include <mutex>

#include "backend/pdns_adapter.hh"
#include "backend/signet_backend.hh"
#include "conf/config.hh"
#include "conf/context.hh"
#include "signer/error.hh"

namespace signet {
namespace {

class SignetFactory : public BackendFactory {
 public:
  SignetFactory() : BackendFactory("signet") {}

  void declareArguments(const string& suffix) override {
    for (const auto& s : setting_specs())
      declare(suffix, s.name, s.help, s.default_value);
  }

  DNSBackend* make(const string& suffix) override {
    return new SignetBackend(context_for(suffix), suffix);
  }

 private:
  std::shared_ptr<Context> context_for(const string& suffix) {
    Config config;
    try {
      config = config_from([&](std::string_view name) -> std::optional<std::string> {
        return ::arg()["signet" + suffix + "-" + std::string(name)];
      });
    } catch (const Error& e) {
      throw PDNSException(std::string("signet: ") + e.what());
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto& ctx = contexts_[config.path];
    if (!ctx) {
      try {
        ctx = std::make_shared<Context>(config);
      } catch (const Error& e) {
        throw PDNSException(std::string("signet: ") + e.what());
      }
      g_log << Logger::Info << "[signet] opened store '" << config.path << "'" << endl;
    }
    return ctx;
  }

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Context>> contexts_;
};

class SignetLoader {
 public:
  SignetLoader() {
    BackendMakers().report(new SignetFactory);
    g_log << Logger::Info << "[signet] This is the signet backend version 0.1.0 reporting" << endl;
  }
};

const SignetLoader s_loader;

}  // namespace
}  // namespace signet
