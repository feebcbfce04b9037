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
