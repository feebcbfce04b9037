// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/daemon.hh"

#include <signal.h>

#include <iostream>
#include <string>
#include <thread>

#include "api/alert_service.hh"
#include "api/http_server.hh"
#include "api/pdns_api.hh"
#include "api/router.hh"
#include "api/service.hh"
#include "api/signet_api.hh"
#include "conf/composition_root.hh"
#include "conf/config.hh"
#include "signer/error.hh"
#include "signer/secret.hh"

namespace signet::api {

namespace {

void usage(std::ostream& o) {
  o << "usage: signetd [--config-dir DIR] [--config-name NAME]\n\n"
       "Serves the tenant HTTP API (PowerDNS API v1 and /api/v1/signet/) on signet-api-address,\n"
       "reading the signet-* settings of DIR/pdns.conf (default /etc/powerdns), like pdnsutil.\n";
}

// SIGTERM and SIGINT are blocked in every thread and taken by one waiting thread, which stops
// the server; serve() then returns in the main thread and everything is torn down in order.
sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

int run_daemon(int argc, char** argv, const ExtraRoutes& extra_routes) {
  std::string config_dir = "/etc/powerdns";
  std::string config_name;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](size_t prefix) -> std::string {
      if (a.size() > prefix && a[prefix] == '=')
        return a.substr(prefix + 1);
      if (i + 1 >= argc) {
        std::cerr << "signetd: " << a << " needs a value\n";
        exit(2);
      }
      return argv[++i];
    };
    if (a == "--config-dir" || a.rfind("--config-dir=", 0) == 0)
      config_dir = value(12);
    else if (a == "--config-name" || a.rfind("--config-name=", 0) == 0)
      config_name = value(13);
    else if (a == "--help" || a == "-h") {
      usage(std::cout);
      return 0;
    } else {
      std::cerr << "signetd: unknown argument '" << a << "'\n";
      usage(std::cerr);
      return 2;
    }
  }
  sigset_t signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up is an error on its socket, not our death
  try {
    signet::CompositionRoot root(signet::load_config(config_dir, config_name));
    if (std::string w = key_heap_warning(); !w.empty())
      log_to_stderr("signetd: warning: " + w);
    root.dnssec().events().set_warning_sink(
        [](const std::string& w) { log_to_stderr("signetd: warning: " + w); });
    Service service(root);
    Router router;
    add_pdns_routes(router, service);
    add_signet_routes(router, service);
    if (extra_routes)
      extra_routes(router, service);
    Gate gate(
        router, [&root](std::string_view token) { return root.tokens().authenticate(token); },
        root.config().api_rate, root.config().api_metrics_allow);
    HttpServer server(gate, root.config());
    server.bind();
    std::thread stopper([&server, signals] {
      int sig = 0;
      sigwait(&signals, &sig);
      log_to_stderr(std::string("signetd: stopping (") + strsignal(sig) + ")");
      server.stop();
    });
    // The validation monitor checks every secured zone in the background (signet-monitor-*).
    root.monitor().start([](const std::string& line) { log_to_stderr("signetd: " + line); });
    // Alerts (api/alert_service.hh): surveys health every signet-alert-interval on their own
    // thread, stopped before the store goes.
    AlertService alerts(root, AlertOptions::from(root.config()));
    alerts.start();
    std::cout << "signetd: listening on " << server.url() << std::endl;
    bool ok = server.serve();
    alerts.stop();
    if (!ok) {
      // serve() ended without a signal: wake the stopper so that it can be joined.
      pthread_kill(stopper.native_handle(), SIGTERM);
    }
    stopper.join();
    root.monitor().stop();
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "signetd: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace signet::api
