// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/config.hh"

#include <gtest/gtest.h>

#include <fstream>

#include "signer/error.hh"
#include "tests/support/temp_dir.hh"

using namespace signet;

TEST(Config, ReadsSignetSettingsFromPdnsConfAndIncludeDir) {
  test::TempDir dir;
  std::filesystem::create_directory(dir.file("pdns.d"));
  std::ofstream(dir.file("pdns.conf"))
      << "# comment\nlaunch=signet\nsignet-path = /tmp/x # trailing\n"
      << "include-dir=" << dir.file("pdns.d") << "\n";
  std::ofstream(dir.file("pdns.d/10-signet.conf")) << "signet-default-tenant=ops\n";
  Config c = load_config(dir.path());
  EXPECT_EQ(c.path, "/tmp/x");
  EXPECT_EQ(c.default_tenant, "ops");
  EXPECT_TRUE(c.auto_create_tenants);
  EXPECT_EQ(c.map_size_mb, 65536u);
}

TEST(Config, BadValuesNameTheSetting) {
  test::TempDir dir;
  std::ofstream(dir.file("pdns.conf")) << "signet-path=/tmp/x\nsignet-map-size=lots\n";
  try {
    load_config(dir.path());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("signet-map-size"), std::string::npos);
  }
}

TEST(Config, MissingFileIsAnError) {
  test::TempDir dir;
  EXPECT_THROW(load_config(dir.path()), InputError);
}

TEST(Config, ResolversAreAnAddressListDefaultingToTheSystems) {
  test::TempDir dir;
  std::ofstream(dir.file("pdns.conf")) << "signet-path=/tmp/x\n";
  EXPECT_TRUE(load_config(dir.path()).resolvers.empty());  // ParentFinder: /etc/resolv.conf
  std::ofstream(dir.file("pdns.conf")) << "signet-path=/tmp/x\nsignet-resolver=127.0.0.1, "
                                          "[::1]:5353\nsignet-resolver+=127.0.0.2:53\n";
  Config c = load_config(dir.path());
  ASSERT_EQ(c.resolvers.size(), 3u);
  EXPECT_EQ(c.resolvers[0].text(), "127.0.0.1:53");
  EXPECT_EQ(c.resolvers[1].text(), "[::1]:5353");
  EXPECT_EQ(c.resolvers[2].text(), "127.0.0.2:53");
  bool declared = false;
  for (const auto& s : setting_specs())
    declared |= std::string(s.name) == "resolver" && std::string(s.default_value).empty();
  EXPECT_TRUE(declared);
}

TEST(Config, ABadResolverIsRefusedWithFileLineAndSetting) {
  test::TempDir dir;
  std::filesystem::create_directory(dir.file("pdns.d"));
  std::ofstream(dir.file("pdns.conf"))
      << "signet-path=/tmp/x\ninclude-dir=" << dir.file("pdns.d") << "\n";
  std::ofstream(dir.file("pdns.d/resolver.conf"))
      << "# resolvers\n\nsignet-resolver=127.0.0.1, resolver.example.net\n";
  try {
    load_config(dir.path());
    FAIL();
  } catch (const InputError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find(dir.file("pdns.d/resolver.conf") + ":3: setting signet-resolver: "),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("'resolver.example.net'"), std::string::npos) << m;
  }
  // Without a file (the pdns module's lookup), the setting is still named.
  try {
    config_from([](std::string_view name) -> std::optional<std::string> {
      if (name == "resolver")
        return "127.0.0.1:99999";
      return std::nullopt;
    });
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("setting signet-resolver: ", 0), 0u) << e.what();
  }
}

TEST(Config, OtherBadValuesAlsoNameTheirLine) {
  test::TempDir dir;
  std::ofstream(dir.file("pdns.conf")) << "signet-path=/tmp/x\n\nsignet-refresher=maybe\n";
  try {
    load_config(dir.path());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("pdns.conf:3: setting signet-refresher"),
              std::string::npos)
        << e.what();
  }
}

TEST(Config, KeyCacheSizeDefaultsToTenThousandAndAcceptsZero) {
  auto with = [](std::optional<std::string> v) {
    return config_from([&](std::string_view name) -> std::optional<std::string> {
      if (name == "key-cache-size")
        return v;
      return std::nullopt;
    });
  };
  EXPECT_EQ(with(std::nullopt).key_cache_size, 10000u);
  EXPECT_EQ(with("0").key_cache_size, 0u);  // no caching
  EXPECT_EQ(with("250000").key_cache_size, 250000u);
  for (const char* bad : {"-1", "many", "1000001", ""}) {
    try {
      with(bad);
      ADD_FAILURE() << "accepted signet-key-cache-size=" << bad;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("signet-key-cache-size"), std::string::npos) << e.what();
    }
  }
  bool declared = false;
  for (const auto& s : setting_specs())
    declared |=
        std::string_view(s.name) == "key-cache-size" && std::string(s.default_value) == "10000";
  EXPECT_TRUE(declared) << "pdns_server --help must know signet-key-cache-size";
}

TEST(Config, ReadsPdnsConfLinesAsPdnsDoes) {
  // pdns (ArgvMap::parseFile) accepts a bare boolean ("direct-dnskey" means yes), continues a line
  // ending in a backslash, and starts a comment at '#' only after white space.
  test::TempDir dir;
  std::ofstream(dir.file("pdns.conf")) << "launch=signet\n"
                                       << "direct-dnskey\n"
                                       << "  signet-refresher   \n"
                                       << "signet-path=/tmp/a#b # comment\n"
                                       << "signet-default-\\\n"
                                       << "tenant=ops\n"
                                       << "signet-auto-create-tenants=no\n";
  std::map<std::string, std::string> origins;
  auto settings = read_pdns_conf(dir.path(), "", &origins);
  EXPECT_EQ(settings.at("direct-dnskey"), "");
  EXPECT_EQ(settings.at("signet-refresher"), "");
  EXPECT_EQ(origins.at("signet-default-tenant"), dir.file("pdns.conf") + ":5");
  Config c = load_config(dir.path());
  EXPECT_TRUE(c.refresher);
  EXPECT_FALSE(c.auto_create_tenants);
  EXPECT_EQ(c.path, "/tmp/a#b");
  EXPECT_EQ(c.default_tenant, "ops");
}

TEST(Config, SignetdSettingsHaveDefaultsAndAreDeclared) {
  Config c = config_from([](std::string_view) { return std::nullopt; });
  EXPECT_EQ(c.api_host, "127.0.0.1");
  EXPECT_EQ(c.api_port, 8082);
  EXPECT_FALSE(c.api_tls());
  EXPECT_EQ(c.api_url(), "http://127.0.0.1:8082");
  EXPECT_EQ(c.api_max_body, 10u << 20);
  EXPECT_EQ(c.api_rate, 20u);
  EXPECT_TRUE(c.api_metrics_allow.empty());
  EXPECT_EQ(c.api_threads, 8u);
  // pdns_server refuses a pdns.conf with settings it was not told of: the module declares these.
  for (const char* name : {"api-address", "api-tls-cert", "api-tls-key", "api-max-body", "api-rate",
                           "api-metrics-allow", "api-threads"}) {
    bool declared = false;
    for (const auto& s : setting_specs())
      declared |= std::string_view(s.name) == name;
    EXPECT_TRUE(declared) << name;
  }
}

TEST(Config, SignetdSettingsAreRead) {
  std::map<std::string, std::string> set = {{"api-address", "[::1]:8443"},
                                            {"api-tls-cert", "/etc/c.pem"},
                                            {"api-tls-key", "/etc/k.pem"},
                                            {"api-max-body", "512K"},
                                            {"api-rate", "0"},
                                            {"api-metrics-allow", "127.0.0.0/8, ::1"},
                                            {"api-threads", "2"}};
  Config c = config_from([&](std::string_view n) -> std::optional<std::string> {
    auto it = set.find(std::string(n));
    return it == set.end() ? std::nullopt : std::optional<std::string>(it->second);
  });
  EXPECT_EQ(c.api_host, "::1");
  EXPECT_EQ(c.api_port, 8443);
  EXPECT_EQ(c.api_url(), "https://[::1]:8443");
  EXPECT_EQ(c.api_max_body, 512u << 10);
  EXPECT_EQ(c.api_rate, 0u);
  ASSERT_EQ(c.api_metrics_allow.size(), 2u);
  EXPECT_TRUE(c.api_metrics_allow[0].contains("127.1.2.3"));
  EXPECT_TRUE(c.api_metrics_allow[1].contains("::1"));
  EXPECT_EQ(c.api_threads, 2u);
  set = {{"api-address", "192.0.2.1"}, {"api-max-body", "2048"}};
  c = config_from([&](std::string_view n) -> std::optional<std::string> {
    auto it = set.find(std::string(n));
    return it == set.end() ? std::nullopt : std::optional<std::string>(it->second);
  });
  EXPECT_EQ(c.api_url(), "http://192.0.2.1:8082");
  EXPECT_EQ(c.api_max_body, 2048u);
}

TEST(Config, BadSignetdSettingsNameTheSettingAndLine) {
  auto refused = [](const std::string& lines, const std::string& needle) {
    test::TempDir dir;
    std::ofstream(dir.file("pdns.conf")) << "signet-path=/tmp/x\n" << lines;
    try {
      load_config(dir.path());
      ADD_FAILURE() << "accepted: " << lines;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  refused("signet-api-address=localhost:80\n", "pdns.conf:2: setting signet-api-address");
  refused("signet-api-address=[::1]80\n", "setting signet-api-address");
  refused("signet-api-address=127.0.0.1:70000\n", "setting signet-api-address");
  refused("signet-api-max-body=lots\n", "pdns.conf:2: setting signet-api-max-body");
  refused("signet-api-max-body=10T\n", "setting signet-api-max-body");
  refused("signet-api-rate=-1\n", "pdns.conf:2: setting signet-api-rate");
  refused("signet-api-threads=0\n", "setting signet-api-threads");
  refused("signet-api-metrics-allow=127.0.0.1/33\n",
          "pdns.conf:2: setting signet-api-metrics-allow");
  refused("signet-api-metrics-allow=example.com\n", "setting signet-api-metrics-allow");
  // HTTPS needs both halves; the one given is named, where it was given.
  refused("\nsignet-api-tls-cert=/etc/c.pem\n",
          "pdns.conf:3: setting signet-api-tls-cert is set but signet-api-tls-key is not");
  refused("signet-api-tls-key=/etc/k.pem\n",
          "pdns.conf:2: setting signet-api-tls-key is set but signet-api-tls-cert is not");
}

TEST(Netmask, RangesMatchTheirAddressesOnly) {
  Netmask v4 = Netmask::parse("10.1.0.0/16");
  EXPECT_TRUE(v4.contains("10.1.255.3"));
  EXPECT_FALSE(v4.contains("10.2.0.1"));
  EXPECT_TRUE(v4.contains("::ffff:10.1.2.3"));  // an IPv4 peer on a dual-stack socket
  EXPECT_FALSE(v4.contains("not an address"));
  Netmask host = Netmask::parse("192.0.2.7");
  EXPECT_TRUE(host.contains("192.0.2.7"));
  EXPECT_FALSE(host.contains("192.0.2.6"));
  Netmask odd = Netmask::parse("192.0.2.128/25");
  EXPECT_TRUE(odd.contains("192.0.2.200"));
  EXPECT_FALSE(odd.contains("192.0.2.127"));
  Netmask v6 = Netmask::parse("2001:db8::/32");
  EXPECT_TRUE(v6.contains("2001:db8:1::1"));
  EXPECT_FALSE(v6.contains("2001:db9::1"));
  EXPECT_FALSE(v6.contains("10.1.2.3"));
  EXPECT_TRUE(Netmask::parse("0.0.0.0/0").contains("203.0.113.9"));
  EXPECT_EQ(parse_netmask_list(" 127.0.0.0/8,::1 ").size(), 2u);
  EXPECT_THROW(Netmask::parse("10.0.0.0/"), InputError);
  EXPECT_THROW(Netmask::parse("::/129"), InputError);
}

TEST(Config, AlertSettingsAreReadAndABadOneIsRefusedByName) {
  auto with = [](std::map<std::string, std::string> set) {
    set["path"] = "/tmp/x";
    return config_from([&](std::string_view n) -> std::optional<std::string> {
      auto it = set.find(std::string(n));
      return it == set.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
  };
  Config d = with({});
  EXPECT_TRUE(d.alert_webhook.empty());
  EXPECT_TRUE(d.alert_command.empty());
  EXPECT_EQ(d.alert_interval, 60u);
  EXPECT_EQ(d.alert_waiting_after, 86400u);
  EXPECT_EQ(d.alert_rate, 20u);
  EXPECT_EQ(d.alert_attempts, 5u);
  EXPECT_EQ(d.alert_timeout, 10u);
  Config c = with({{"alert-webhook", "https://u:p@hooks.example/x"},
                   {"alert-command", "/usr/local/bin/page --team dns"},
                   {"alert-interval", "5"},
                   {"alert-waiting-after", "2h"},
                   {"alert-rate", "0"},
                   {"alert-attempts", "2"},
                   {"alert-timeout", "3"}});
  EXPECT_EQ(c.alert_webhook, "https://u:p@hooks.example/x");
  EXPECT_EQ(c.alert_command, (std::vector<std::string>{"/usr/local/bin/page", "--team", "dns"}));
  EXPECT_EQ(c.alert_interval, 5u);
  EXPECT_EQ(c.alert_waiting_after, 7200u);
  EXPECT_EQ(c.alert_rate, 0u);
  EXPECT_EQ(c.alert_attempts, 2u);
  EXPECT_EQ(c.alert_timeout, 3u);
  for (const auto& [name, bad] :
       std::vector<std::pair<std::string, std::string>>{{"alert-webhook", "ftp://x.example/"},
                                                        {"alert-command", "page"},
                                                        {"alert-interval", "0"},
                                                        {"alert-waiting-after", "soon"},
                                                        {"alert-attempts", "0"}}) {
    try {
      with({{name, bad}});
      ADD_FAILURE() << name << "=" << bad;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("signet-" + name), std::string::npos) << e.what();
    }
    bool declared = false;
    for (const auto& s : setting_specs())
      declared |= s.name == name;
    EXPECT_TRUE(declared) << name;
  }
}

// A Config from settings given by name (without the signet- prefix).
static Config from(const std::map<std::string, std::string>& set) {
  return config_from([set](std::string_view n) -> std::optional<std::string> {
    auto it = set.find(std::string(n));
    return it == set.end() ? std::nullopt : std::optional<std::string>(it->second);
  });
}

TEST(Config, ValidationMonitorSettingsAreReadDeclaredAndChecked) {
  Config d = from({});
  EXPECT_TRUE(d.monitor_resolvers.empty());
  EXPECT_EQ(d.monitor_interval, 300u);
  EXPECT_EQ(d.monitor_qps, 50u);
  EXPECT_EQ(d.monitor_concurrency, 8u);
  Config c = from({{"monitor-resolvers", "127.0.0.1:5353, [::1]"},
                   {"monitor-interval", "0"},
                   {"monitor-qps", "7"},
                   {"monitor-concurrency", "3"}});
  ASSERT_EQ(c.monitor_resolvers.size(), 2u);
  EXPECT_EQ(c.monitor_resolvers[0].text(), "127.0.0.1:5353");
  EXPECT_EQ(c.monitor_resolvers[1].text(), "[::1]:53");
  EXPECT_EQ(c.monitor_interval, 0u);
  EXPECT_EQ(c.monitor_qps, 7u);
  EXPECT_EQ(c.monitor_concurrency, 3u);
  for (const char* name :
       {"monitor-resolvers", "monitor-interval", "monitor-qps", "monitor-concurrency"}) {
    bool declared = false;
    for (const auto& s : setting_specs())
      declared |= std::string_view(s.name) == name;
    EXPECT_TRUE(declared) << name;
  }
  EXPECT_THROW(from({{"monitor-resolvers", "resolver.example"}}), InputError);
  EXPECT_THROW(from({{"monitor-qps", "0"}}), InputError);
  EXPECT_THROW(from({{"monitor-concurrency", "0"}}), InputError);
}

TEST(Config, TheEmbeddedValidatorStartsFromTheSystemRootAnchorAndTakesStubZones) {
  Config d = from({});
  EXPECT_EQ(d.monitor_trust_anchor, "/usr/share/dns/root.key");
  EXPECT_TRUE(d.monitor_stubs.empty());
  Config c = from({{"monitor-trust-anchor", "/etc/signet/lab-root.key"},
                   {"monitor-stubs", "lab.=127.0.0.1:5300, .=[::1]"}});
  EXPECT_EQ(c.monitor_trust_anchor, "/etc/signet/lab-root.key");
  ASSERT_EQ(c.monitor_stubs.size(), 2u);
  EXPECT_EQ(c.monitor_stubs[0].first.to_text(), "lab.");
  EXPECT_EQ(c.monitor_stubs[0].second.text(), "127.0.0.1:5300");
  EXPECT_EQ(c.monitor_stubs[1].first.to_text(), ".");
  EXPECT_EQ(c.monitor_stubs[1].second.text(), "[::1]:53");
  for (const char* name : {"monitor-trust-anchor", "monitor-stubs"}) {
    bool declared = false;
    for (const auto& s : setting_specs())
      declared |= std::string_view(s.name) == name;
    EXPECT_TRUE(declared) << name;
  }
  for (const char* bad : {"lab.", "=127.0.0.1", "lab.=", "lab.=resolver.example"}) {
    try {
      from({{"monitor-stubs", bad}});
      ADD_FAILURE() << bad;
    } catch (const InputError& e) {
      std::string what = e.what();
      EXPECT_NE(what.find("setting signet-monitor-stubs: stub '"), std::string::npos) << what;
    }
  }
  EXPECT_THROW(from({{"monitor-trust-anchor", ""}}), InputError);
}
