// SPDX-License-Identifier: GPL-2.0-or-later
//
// Signet's settings. They live in pdns.conf (as `signet-<name>=`) so that pdns_server, pdnsutil and
// signetutil all read the same file. The table below is the single source of names, defaults and
// help texts: the pdns module declares exactly these through its BackendFactory, and signetutil
// reads them from pdns.conf with the same defaults.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/netmask.hh"
#include "signer/dns_client.hh"

namespace signet {

struct SettingSpec {
  const char* name;  // without the "signet-" prefix
  const char* default_value;
  const char* help;
};

// Every setting Signet understands.
const std::vector<SettingSpec>& setting_specs();

struct Config {
  std::string path;                 // signet-path: the LMDB directory
  uint64_t map_size_mb = 65536;     // signet-map-size
  std::string default_tenant;       // signet-default-tenant: owner of zones made without account
  bool auto_create_tenants = true;  // signet-auto-create-tenants
  std::string master_key_file;      // signet-master-key-file: seals tenants\' data keys
  uint64_t key_cache_size = 10000;  // signet-key-cache-size: unsealed keys kept per process
  unsigned signing_threads = 0;     // signet-signing-threads: 0 = one per core
  bool refresher = true;            // signet-refresher: background re-signing in pdns_server
  unsigned refresh_interval = 60;   // signet-refresh-interval: seconds between passes
  // signet-resolver: recursive resolvers that find parent zones' nameservers (ParentFinder);
  // empty: those of /etc/resolv.conf.
  std::vector<DnsServer> resolvers;
  // pdns' own expand-alias (not a signet- setting): pdns then leaves ALIAS out of the NSEC/NSEC3
  // bitmaps it builds, and our signatures over them must do the same (keystore/signing.hh).
  bool expand_alias = false;

  // signetd (api/): the HTTP API daemon's settings.
  std::string api_host = "127.0.0.1";  // signet-api-address: IPv4:port or [IPv6]:port
  uint16_t api_port = 8082;
  std::string api_tls_cert;                // signet-api-tls-cert: PEM file; HTTPS when both set
  std::string api_tls_key;                 // signet-api-tls-key: PEM file (mode 0600)
  uint64_t api_max_body = 10 << 20;        // signet-api-max-body: bytes of a request body
  unsigned api_rate = 20;                  // signet-api-rate: requests/s per token (0: no limit)
  std::vector<Netmask> api_metrics_allow;  // signet-api-metrics-allow: /metrics without a token
  unsigned api_threads = 8;                // signet-api-threads: requests served at once
  // signetd's validation monitor (keystore/monitor.hh).
  std::vector<DnsServer> monitor_resolvers;  // signet-monitor-resolvers (empty: embedded)
  std::string monitor_trust_anchor = "/usr/share/dns/root.key";  // signet-monitor-trust-anchor
  std::vector<std::pair<Name, DnsServer>> monitor_stubs;         // signet-monitor-stubs
  unsigned monitor_interval = 300;   // signet-monitor-interval: seconds (0: off)
  unsigned monitor_qps = 50;         // signet-monitor-qps: queries/s ceiling
  unsigned monitor_concurrency = 8;  // signet-monitor-concurrency: zones at once
  bool api_tls() const { return !api_tls_cert.empty(); }
  // "http://127.0.0.1:8082", "https://[::1]:8443".
  std::string api_url() const;

  // signetd's alerts (api/alert_service.hh).
  std::string alert_webhook;               // signet-alert-webhook: URL ("" none)
  std::vector<std::string> alert_command;  // signet-alert-command: argv (empty: none)
  unsigned alert_interval = 60;            // signet-alert-interval: seconds between surveys
  uint64_t alert_waiting_after = 86400;    // signet-alert-waiting-after: seconds
  unsigned alert_rate = 20;                // signet-alert-rate: alerts a minute (0: no limit)
  unsigned alert_attempts = 5;             // signet-alert-attempts: webhook tries per alert
  unsigned alert_timeout = 10;             // signet-alert-timeout: seconds per try or run
  // signet-alert-tenant-webhook-allow: non-global addresses tenant webhooks may reach anyway.
  std::vector<Netmask> alert_tenant_webhook_allow;
};

// Builds a Config from a lookup of "name" (without prefix) -> value; unset names take their
// defaults. Throws InputError naming the setting for a bad value, prefixed with `origin(name)`
// ("file:line", where the setting was read) when that is given and not empty.
Config config_from(const std::function<std::optional<std::string>(std::string_view)>& lookup,
                   const std::function<std::string(std::string_view)>& origin = nullptr);

// Reads pdns.conf the way pdns does (key=value lines, '#' comments, include-dir) from
// `config_dir`/pdns[-config_name].conf and returns every key it sets. With `origins`, also where
// each key was (last) set: "file:line".
std::map<std::string, std::string> read_pdns_conf(
    const std::string& config_dir, const std::string& config_name = "",
    std::map<std::string, std::string>* origins = nullptr);

// A pdns switch as pdns reads it (ArgvMap::mustDo): set to anything but "no" or "off" (a bare
// "name" line included) is yes; absent is `absent`.
bool pdns_switch(const std::map<std::string, std::string>& settings, const std::string& name,
                 bool absent = false);

// signetutil's view: the signet-* settings of the unsuffixed `launch=signet` instance, and the
// pdns settings that change what Signet signs (expand-alias).
Config load_config(const std::string& config_dir, const std::string& config_name = "");

}  // namespace signet
