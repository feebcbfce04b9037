// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/config.hh"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

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

}  // namespace

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
