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
