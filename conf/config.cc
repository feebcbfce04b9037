// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/config.hh"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>
#include <utility>

#include "conf/policy.hh"
#include "conf/webhook_url.hh"
#include "signer/embedded_validator.hh"
#include "signer/error.hh"

namespace signet {

const std::vector<SettingSpec>& setting_specs() {
  static const std::vector<SettingSpec> specs = {
      {"path", "/var/lib/signet", "Directory of the Signet LMDB store"},
      {"map-size", "65536", "Maximum size of the Signet store in MiB (a sparse file limit)"},
      {"default-tenant", "default",
       "Tenant that owns zones created without an account (pdnsutil create-zone, API without "
       "account)"},
      {"auto-create-tenants", "yes",
       "Create a tenant when a zone is created or moved with an account that names no tenant yet"},
      {"master-key-file", "/etc/powerdns/signet-master.key",
       "File with the master key that seals private keys (mode 0600; signetutil "
       "generate-master-key)"},
      {"key-cache-size", "10000",
       "Unsealed private keys kept in memory per process; the least recently used is dropped "
       "first (0: keep none, every signing pass opens its keys again)"},
      {"signing-threads", "0", "Threads for bulk signing (0: one per core)"},
      {"refresher", "yes",
       "Re-sign expiring signatures in the background of pdns_server (one thread per process)"},
      {"refresh-interval", "60", "Seconds between two passes of the background refresher"},
      {"resolver", "",
       "Recursive resolvers that find the nameservers of each zone's parent, IP[:port], "
       "comma-separated (empty: those of /etc/resolv.conf)"},
      {"api-address", "127.0.0.1:8082",
       "Address and port signetd's HTTP API listens on: IPv4:port or [IPv6]:port"},
      {"api-tls-cert", "",
       "PEM certificate (chain) for signetd's HTTPS; with signet-api-tls-key (empty: plain HTTP)"},
      {"api-tls-key", "", "PEM private key for signetd's HTTPS; with signet-api-tls-cert"},
      {"api-max-body", "10M",
       "Largest request body signetd accepts, in bytes, or with a K, M or G suffix (binary); "
       "larger ones are refused with 413"},
      {"api-rate", "20",
       "Requests per second each signetd API token may make (bursts of twice that); more are "
       "refused with 429 (0: no limit)"},
      {"api-metrics-allow", "",
       "Addresses or networks (ADDR[/BITS], comma-separated) that may read signetd's /metrics "
       "without an operator token"},
      {"api-threads", "8", "Requests signetd serves at once (its worker threads)"},
      {"monitor-resolvers", "",
       "Validating resolvers signetd's validation monitor asks about every secured zone, "
       "IP[:port], comma-separated (empty: the embedded validator, libunbound, recursing from "
       "the root)"},
      {"monitor-trust-anchor", "/usr/share/dns/root.key",
       "Trust anchor file (DS or DNSKEY records, zone-file format) of the validation monitor's "
       "embedded validator"},
      {"monitor-stubs", "",
       "Zones the embedded validator asks given servers for instead of recursing, "
       "ZONE=IP[:port], comma-separated (a lab's own root or parent; '.=IP' for the root)"},
      {"monitor-interval", "300",
       "Seconds between two validation-monitor checks of a zone; the zones are spread over it "
       "(0: no background monitoring)"},
      {"monitor-qps", "50", "Ceiling on the queries per second the validation monitor sends"},
      {"monitor-concurrency", "8",
       "Zones the validation monitor checks at once (each check waits on its resolvers' answers)"},
      {"alert-webhook", "",
       "URL signetd POSTs alerts to as JSON (http:// or https://; user:password@ is sent as basic "
       "authentication; empty: none)"},
      {"alert-command", "",
       "Program (absolute path, then arguments separated by spaces) signetd runs for each alert, "
       "the alert's JSON on its stdin (empty: none)"},
      {"alert-interval", "60", "Seconds between two health surveys of signetd's alerts"},
      {"alert-waiting-after", "24h",
       "How long a rollover may wait on the parent or on approval before it alerts (s, m, h, d "
       "or w suffix)"},
      {"alert-rate", "20",
       "Alerts signetd sends a minute at most; the rest of a survey goes out as one summary "
       "alert (0: no limit)"},
      {"alert-attempts", "5",
       "Tries of each webhook delivery (backoff 1 s, doubling, up to 60 s between tries)"},
      {"alert-timeout", "10",
       "Seconds a webhook try or an alert command may take (the command is then killed)"},
      {"alert-tenant-webhook-allow", "",
       "Non-global addresses (loopback, private, link-local...; ADDR[/BITS], comma-separated) "
       "that tenants' own alert webhooks may reach; any other such address is refused"},
  };
  return specs;
}

namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos)
    return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

bool parse_bool(const std::string& name, const std::string& v) {
  // An empty value is a bare "signet-refresher" line: yes, as pdns reads its own booleans.
  if (v.empty() || v == "yes" || v == "true" || v == "1" || v == "on")
    return true;
  if (v == "no" || v == "false" || v == "0" || v == "off")
    return false;
  throw InputError("setting signet-" + name + ": '" + v + "' is not yes or no");
}

uint64_t parse_uint(const std::string& name, const std::string& v, uint64_t min, uint64_t max) {
  uint64_t out = 0;
  if (v.empty() || v.size() > 19 || !std::all_of(v.begin(), v.end(), ::isdigit)) {
    throw InputError("setting signet-" + name + ": '" + v + "' is not a number");
  }
  out = std::stoull(v);
  if (out < min || out > max) {
    throw InputError("setting signet-" + name + ": " + v + " is outside " + std::to_string(min) +
                     ".." + std::to_string(max));
  }
  return out;
}

void read_file_into(const std::filesystem::path& file, std::map<std::string, std::string>& out,
                    std::map<std::string, std::string>* origins, bool required) {
  std::ifstream in(file);
  if (!in) {
    if (required)
      throw InputError("cannot read configuration file '" + file.string() + "'");
    return;
  }
  std::string physical;
  std::string line;
  uint64_t lineno = 0;
  uint64_t first = 0;  // where a setting continued with '\\' began
  while (std::getline(in, physical)) {
    ++lineno;
    if (line.empty())
      first = lineno;
    // As pdns' ArgvMap::parseFile: a trailing backslash continues the line; '#' starts a comment
    // only at the start or after white space (so "a=b#c" keeps its '#'); a bare "key" is "key=",
    // which pdns reads as yes for a boolean (ArgvMap::mustDo).
    physical = physical.substr(0, physical.find_last_not_of(" \t\r\n") + 1);
    if (!physical.empty() && physical.back() == '\\') {
      physical.pop_back();
      line += physical;
      continue;
    }
    line += physical;
    for (size_t hash = line.find('#'); hash != std::string::npos; hash = line.find('#', hash + 1)) {
      if (hash == 0 || std::isspace(static_cast<unsigned char>(line[hash - 1]))) {
        line.erase(hash);
        break;
      }
    }
    std::string t = trim(line);
    line.clear();
    if (t.empty())
      continue;
    size_t eq = std::min(t.find('='), t.size());
    std::string key = trim(std::string_view(t).substr(0, eq));
    std::string value = eq < t.size() ? trim(std::string_view(t).substr(eq + 1)) : "";
    // pdns accepts "key+=value" to append to a list setting.
    if (!key.empty() && key.back() == '+') {
      key.pop_back();
      key = trim(key);
      auto& cur = out[key];
      cur = cur.empty() ? value : cur + "," + value;
    } else {
      out[key] = value;
    }
    if (origins)
      (*origins)[key] = file.string() + ":" + std::to_string(first);
  }
}

// "10485760", "512K", "10M", "1G" (binary multiples).
uint64_t parse_size(const std::string& name, const std::string& v, uint64_t min, uint64_t max) {
  std::string digits = v;
  uint64_t unit = 1;
  if (!v.empty()) {
    switch (std::toupper(static_cast<unsigned char>(v.back()))) {
      case 'K':
        unit = uint64_t(1) << 10;
        break;
      case 'M':
        unit = uint64_t(1) << 20;
        break;
      case 'G':
        unit = uint64_t(1) << 30;
        break;
      default:
        break;
    }
    if (unit != 1)
      digits.pop_back();
  }
  if (digits.empty() || digits.size() > 12 || !std::all_of(digits.begin(), digits.end(), ::isdigit))
    throw InputError("setting signet-" + name + ": '" + v +
                     "' is not a size (bytes, or a number with K, M or G)");
  uint64_t out = std::stoull(digits) * unit;
  if (out < min || out > max)
    throw InputError("setting signet-" + name + ": " + v + " is outside " + std::to_string(min) +
                     ".." + std::to_string(max) + " bytes");
  return out;
}

// IPv4:port or [IPv6]:port; the port may be left out (8082).
std::pair<std::string, uint16_t> parse_listen_address(const std::string& v) {
  try {
    DnsServer s = parse_dns_server(v);
    bool has_port = !v.empty() && (v[0] == '[' ? v.find("]:") != std::string::npos
                                               : std::count(v.begin(), v.end(), ':') == 1);
    return {s.address, has_port ? s.port : uint16_t(8082)};
  } catch (const InputError&) {
    throw InputError("setting signet-api-address: '" + v + "' is not IPv4:port or [IPv6]:port");
  }
}

}  // namespace

std::string Config::api_url() const {
  std::string host = api_host.find(':') != std::string::npos ? "[" + api_host + "]" : api_host;
  return std::string(api_tls() ? "https" : "http") + "://" + host + ":" + std::to_string(api_port);
}

Config config_from(const std::function<std::optional<std::string>(std::string_view)>& lookup,
                   const std::function<std::string(std::string_view)>& origin) {
  auto get = [&](const char* name) -> std::string {
    if (auto v = lookup(name))
      return *v;
    for (const auto& s : setting_specs()) {
      if (std::string_view(s.name) == name)
        return s.default_value;
    }
    return "";
  };
  // Parses one setting; a bad value is reported where it was written, when that is known.
  auto parse = [&](const char* name, auto&& fn) {
    try {
      return fn(get(name));
    } catch (const InputError& e) {
      std::string where = origin ? origin(name) : "";
      if (where.empty())
        throw;
      throw InputError(where + ": " + e.what());
    }
  };
  Config c;
  c.path = get("path");
  if (c.path.empty())
    throw InputError("setting signet-path is empty: name the store directory");
  c.map_size_mb = parse("map-size", [](const std::string& v) {
    return parse_uint("map-size", v, 1, uint64_t(1) << 32);
  });
  c.default_tenant = get("default-tenant");
  c.auto_create_tenants = parse("auto-create-tenants", [](const std::string& v) {
    return parse_bool("auto-create-tenants", v);
  });
  c.master_key_file = get("master-key-file");
  c.key_cache_size = parse("key-cache-size", [](const std::string& v) {
    return parse_uint("key-cache-size", v, 0, 1000000);
  });
  c.refresher = parse("refresher", [](const std::string& v) { return parse_bool("refresher", v); });
  c.refresh_interval = parse("refresh-interval", [](const std::string& v) {
    return static_cast<unsigned>(parse_uint("refresh-interval", v, 1, 86400));
  });
  c.signing_threads = parse("signing-threads", [](const std::string& v) {
    return static_cast<unsigned>(parse_uint("signing-threads", v, 0, 256));
  });
  c.resolvers = parse("resolver", [](const std::string& v) {
    try {
      return parse_dns_server_list(v);
    } catch (const InputError& e) {
      throw InputError(std::string("setting signet-resolver: ") + e.what());
    }
  });
  // signetd's settings (api/).
  std::tie(c.api_host, c.api_port) = parse("api-address", parse_listen_address);
  c.api_tls_cert = get("api-tls-cert");
  c.api_tls_key = get("api-tls-key");
  // HTTPS needs both; one alone is a mistake, never a reason to fall back to plain HTTP.
  for (const auto& half :
       {std::pair{"api-tls-cert", "api-tls-key"}, std::pair{"api-tls-key", "api-tls-cert"}}) {
    if (!get(half.first).empty() && get(half.second).empty()) {
      parse(half.first, [&](const std::string&) -> int {
        throw InputError(std::string("setting signet-") + half.first + " is set but signet-" +
                         half.second + " is not: HTTPS needs both");
      });
    }
  }
  c.api_max_body = parse("api-max-body", [](const std::string& v) {
    return parse_size("api-max-body", v, 1024, uint64_t(1) << 30);
  });
  c.api_rate = parse("api-rate", [](const std::string& v) {
    return static_cast<unsigned>(parse_uint("api-rate", v, 0, 1000000));
  });
  c.api_metrics_allow = parse("api-metrics-allow", [](const std::string& v) {
    try {
      return parse_netmask_list(v);
    } catch (const InputError& e) {
      throw InputError(std::string("setting signet-api-metrics-allow: ") + e.what());
    }
  });
  c.api_threads = parse("api-threads", [](const std::string& v) {
    return static_cast<unsigned>(parse_uint("api-threads", v, 1, 1024));
  });
  c.monitor_resolvers = parse("monitor-resolvers", [](const std::string& v) {
    try {
      return parse_dns_server_list(v);
    } catch (const InputError& e) {
      throw InputError(std::string("setting signet-monitor-resolvers: ") + e.what());
    }
  });
  c.monitor_trust_anchor = parse("monitor-trust-anchor", [](const std::string& v) {
    if (v.empty())
      throw InputError("setting signet-monitor-trust-anchor: a file name is needed");
    return v;
  });
  c.monitor_stubs = parse("monitor-stubs", [](const std::string& v) {
    try {
      return parse_stub_list(v);
    } catch (const InputError& e) {
      throw InputError(std::string("setting signet-monitor-stubs: ") + e.what());
    }
  });
  c.monitor_interval = parse("monitor-interval", [](const std::string& v) {
    return static_cast<unsigned>(parse_uint("monitor-interval", v, 0, 7 * 86400));
  });
  c.monitor_qps = parse("monitor-qps", [](const std::string& v) {
    return static_cast<unsigned>(parse_uint("monitor-qps", v, 1, 1000000));
  });
  c.monitor_concurrency = parse("monitor-concurrency", [](const std::string& v) {
    return static_cast<unsigned>(parse_uint("monitor-concurrency", v, 1, 256));
  });
  // signetd's alerts.
  c.alert_webhook = parse("alert-webhook", [](const std::string& v) {
    if (!v.empty()) {
      try {
        parse_webhook_url(v);
      } catch (const InputError& e) {
        throw InputError(std::string("setting signet-alert-webhook: ") + e.what());
      }
    }
    return v;
  });
  c.alert_command = parse("alert-command", [](const std::string& v) {
    std::vector<std::string> argv;
    std::istringstream in(v);
    for (std::string word; in >> word;)
      argv.push_back(word);
    if (!argv.empty() && argv[0][0] != '/')
      throw InputError("setting signet-alert-command: '" + argv[0] + "' is not an absolute path");
    return argv;
  });
  c.alert_interval = parse("alert-interval", [](const std::string& v) {
    return static_cast<unsigned>(parse_uint("alert-interval", v, 1, 86400));
  });
  c.alert_waiting_after = parse("alert-waiting-after", [](const std::string& v) -> uint64_t {
    auto d = parse_duration(v);
    if (!d)
      throw InputError("setting signet-alert-waiting-after: '" + v +
                       "' is not a duration (seconds, or a number with s, m, h, d or w)");
    return *d;
  });
  c.alert_rate = parse("alert-rate", [](const std::string& v) {
    return static_cast<unsigned>(parse_uint("alert-rate", v, 0, 100000));
  });
  c.alert_tenant_webhook_allow = parse("alert-tenant-webhook-allow", [](const std::string& v) {
    try {
      return parse_netmask_list(v);
    } catch (const InputError& e) {
      throw InputError(std::string("setting signet-alert-tenant-webhook-allow: ") + e.what());
    }
  });
  c.alert_attempts = parse("alert-attempts", [](const std::string& v) {
    return static_cast<unsigned>(parse_uint("alert-attempts", v, 1, 20));
  });
  c.alert_timeout = parse("alert-timeout", [](const std::string& v) {
    return static_cast<unsigned>(parse_uint("alert-timeout", v, 1, 3600));
  });
  return c;
}

std::map<std::string, std::string> read_pdns_conf(const std::string& config_dir,
                                                  const std::string& config_name,
                                                  std::map<std::string, std::string>* origins) {
  std::map<std::string, std::string> out;
  std::filesystem::path file =
      std::filesystem::path(config_dir) /
      (config_name.empty() ? std::string("pdns.conf") : "pdns-" + config_name + ".conf");
  read_file_into(file, out, origins, true);
  if (auto it = out.find("include-dir"); it != out.end() && !it->second.empty()) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(it->second, ec)) {
      if (e.path().extension() == ".conf")
        files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
      read_file_into(f, out, origins, true);
  }
  return out;
}

bool pdns_switch(const std::map<std::string, std::string>& settings, const std::string& name,
                 bool absent) {
  auto it = settings.find(name);
  if (it == settings.end())
    return absent;
  return it->second != "no" && it->second != "off";
}

Config load_config(const std::string& config_dir, const std::string& config_name) {
  std::map<std::string, std::string> origins;
  auto settings = read_pdns_conf(config_dir, config_name, &origins);
  Config c = config_from(
      [&](std::string_view name) -> std::optional<std::string> {
        auto it = settings.find("signet-" + std::string(name));
        if (it == settings.end())
          return std::nullopt;
        return it->second;
      },
      [&](std::string_view name) -> std::string {
        auto it = origins.find("signet-" + std::string(name));
        return it == origins.end() ? "" : it->second;
      });
  c.expand_alias = pdns_switch(settings, "expand-alias");
  return c;
}

}  // namespace signet
