// SPDX-License-Identifier: GPL-2.0-or-later
//
// The pdns module: a BackendFactory named "signet", registered when pdns_server or pdnsutil loads
// libsignetbackend.so (launch=signet). The factory declares Signet's settings (so pdns --help and
// pdnsutil know them) and owns one CompositionRoot per store path, shared by every backend instance
// of the process: LMDB forbids opening one environment twice in a process.
#include <fstream>
#include <map>
#include <memory>
#include <mutex>

#include "backend/pdns_adapter.hh"
#include "backend/signet_backend.hh"
#include "conf/composition_root.hh"
#include "conf/config.hh"
#include "signer/error.hh"
#include "signer/secret.hh"

namespace signet {
namespace {

std::string program_name() {
  std::ifstream in("/proc/self/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

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
  // pdns' expand-alias. pdns_server declares it (and may have it from its command line); pdnsutil
  // does not, and skips it in pdns.conf, so there we read the file ourselves.
  static bool expand_alias() {
    if (::arg().parmIsset("expand-alias"))
      return ::arg().mustDo("expand-alias");
    auto settings = read_pdns_conf(::arg()["config-dir"], ::arg()["config-name"]);
    return pdns_switch(settings, "expand-alias");
  }

  std::shared_ptr<CompositionRoot> context_for(const string& suffix) {
    Config config;
    try {
      config = config_from([&](std::string_view name) -> std::optional<std::string> {
        return ::arg()["signet" + suffix + "-" + std::string(name)];
      });
      config.expand_alias = expand_alias();
    } catch (const Error& e) {
      throw PDNSException(std::string("signet: ") + e.what());
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto& ctx = contexts_[config.path];
    if (!ctx) {
      try {
        ctx = std::make_shared<CompositionRoot>(config);
      } catch (const Error& e) {
        throw PDNSException(std::string("signet: ") + e.what());
      }
      g_log << Logger::Info << "[signet] opened store '" << config.path << "'" << endl;
      if (std::string w = key_heap_warning(); !w.empty())
        g_log << Logger::Warning << "[signet] " << w << endl;
      ctx->dnssec().events().set_warning_sink(
          [](const std::string& w) { g_log << Logger::Warning << "[signet] " << w << endl; });
      // One background refresher and key scheduler per pdns_server process (not in pdnsutil
      // and friends).
      if (config.refresher && program_name() == "pdns_server") {
        ctx->start_refresher([](bool warning, const std::string& m) {
          g_log << (warning ? Logger::Warning : Logger::Info) << "[signet] " << m << endl;
        });
        g_log << Logger::Info << "[signet] background refresher and key manager started (every "
              << config.refresh_interval << " s, sooner when a zone is due)" << endl;
      }
    }
    return ctx;
  }

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<CompositionRoot>> contexts_;
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
