// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/zonefile.hh"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "signer/error.hh"
#include "tests/support/store_fixture.hh"

using namespace signet;
using signet::test::StoreTest;

namespace {
struct Rec {
  std::string owner;
  uint16_t type;
  uint32_t ttl;
  std::string where;
};
std::vector<Rec> read_all(const std::string& path, const char* origin) {
  std::vector<Rec> out;
  read_zone_file(path, Name::from_text(origin), [&](const ZoneFileRecord& r) {
    out.push_back(
        {r.owner.to_text(), r.type, r.ttl, r.where.file + ":" + std::to_string(r.where.line)});
  });
  return out;
}
}  // namespace

TEST(ZoneFile, OriginTtlAndIncludeDirectives) {
  test::TempDir dir;
  std::ofstream(dir.file("inc.zone")) << "host A 192.0.2.5\n";
  std::ofstream(dir.file("main.zone")) << "$TTL 120\n"
                                          "@ IN SOA ns1 hostmaster 1 2 3 4 5\n"
                                          "  IN NS ns1\n"
                                          "ns1 300 A 192.0.2.1\n"
                                          "$ORIGIN sub.example.com.\n"
                                          "www A 192.0.2.2\n"
                                          "$INCLUDE inc.zone\n";
  auto recs = read_all(dir.file("main.zone"), "example.com.");
  ASSERT_EQ(recs.size(), 5u);
  EXPECT_EQ(recs[0].owner, "example.com.");
  EXPECT_EQ(recs[0].ttl, 120u);
  EXPECT_EQ(recs[1].type, rrtype::NS);
  EXPECT_EQ(recs[2].ttl, 300u);
  EXPECT_EQ(recs[3].owner, "www.sub.example.com.");
  EXPECT_EQ(recs[4].owner, "host.sub.example.com.");  // $INCLUDE inherits the current origin
  EXPECT_EQ(recs[4].where, dir.file("inc.zone") + ":1");
}

TEST(ZoneFile, SyntaxErrorNamesFileAndLine) {
  test::TempDir dir;
  std::ofstream(dir.file("bad.zone"))
      << "@ SOA ns1 hostmaster 1 2 3 4 5\nwww A 192.0.2.1\nmail MX ten mail\n";
  try {
    read_all(dir.file("bad.zone"), "example.com.");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(dir.file("bad.zone") + ":3: "), std::string::npos)
        << e.what();
  }
}

TEST(ZoneFile, MissingFileIsAnInputError) {
  EXPECT_THROW(read_all("/nonexistent/zone", "example.com."), InputError);
}

TEST_F(StoreTest, WrittenZoneFileReadsBackIdentically) {
  std::ofstream(dir.file("z.zone"))
      << "$ORIGIN example.com.\n$TTL 300\n"
         "@ SOA ns1 hostmaster 2024010101 7200 3600 1209600 300\n"
         "@ NS ns1\n@ NS ns2.example.net.\n@ MX 10 mail\n"
         "ns1 A 192.0.2.1\nmail AAAA 2001:db8::25\n"
         "WWW 60 CNAME @\n*.wild TXT \"hello world\" \"two\"\n"
         "_sip._tcp SRV 0 5 5060 sip\nsub NS ns.sub\nns.sub A 192.0.2.53\n"
         "a.b.c TXT \"deep\"\n";
  auto load = [&](const std::string& file) {
    auto txn = store->begin_write();
    if (!store->find_tenant(txn, "acme"))
      portfolio->create_tenant(txn, "acme");
    portfolio->replace_zone(txn, "acme", n("example.com."), [&](ZoneWriter& w) {
      read_zone_file(file, n("example.com."), [&](const ZoneFileRecord& r) {
        w.add(r.owner, r.type, r.ttl, r.rdata, r.where);
      });
    });
    txn.commit();
  };
  auto dump = [&] {
    auto txn = store->begin_read();
    std::ostringstream out;
    write_zone_file(*store, txn, *store->find_zone(txn, n("example.com.")), out);
    return out.str();
  };
  load(dir.file("z.zone"));
  std::string first = dump();
  EXPECT_NE(first.find("WWW.example.com.\t60\tIN\tCNAME\texample.com."), std::string::npos)
      << first;
  std::ofstream(dir.file("again.zone")) << first;
  load(dir.file("again.zone"));
  EXPECT_EQ(dump(), first);
}

// Owner names may hold any octet (RFC 2181 §11). list-zone must write each one so that load-zone
// reads it back: libzscanner takes only letters, digits and - _ * / literally (found by
// tests/fuzz/zonefile_fuzz.cc with an owner "partner\#").
TEST_F(StoreTest, WrittenZoneFileReadsBackOwnersWithAnyCharacter) {
  std::string zone = "$ORIGIN example.com.\n@ 300 SOA ns1 hostmaster 1 7200 3600 1209600 300\n";
  size_t records = 1;
  for (int c = 0x21; c < 0x7f; ++c) {
    if (std::isalnum(c))
      continue;  // literal anyway, and letters would name the same owners in two cases
    ++records;
    char label[8];
    snprintf(label, sizeof(label), "a\\%03d", c);
    zone += std::string(label) + " 300 A 192.0.2.1\n";
  }
  std::ofstream(dir.file("z.zone")) << zone;
  auto load = [&](const std::string& file) {
    auto txn = store->begin_write();
    if (!store->find_tenant(txn, "acme"))
      portfolio->create_tenant(txn, "acme");
    ZoneChange c = portfolio->replace_zone(txn, "acme", n("example.com."), [&](ZoneWriter& w) {
      read_zone_file(file, n("example.com."), [&](const ZoneFileRecord& r) {
        w.add(r.owner, r.type, r.ttl, r.rdata, r.where);
      });
    });
    txn.commit();
    return c.records;
  };
  auto dump = [&] {
    auto txn = store->begin_read();
    std::ostringstream out;
    write_zone_file(*store, txn, *store->find_zone(txn, n("example.com.")), out);
    return out.str();
  };
  ASSERT_EQ(load(dir.file("z.zone")), records);
  std::string first = dump();
  EXPECT_NE(first.find("a\\+.example.com."), std::string::npos) << first;
  EXPECT_NE(first.find("a\\035.example.com."), std::string::npos) << first;
  EXPECT_NE(first.find("a-.example.com."), std::string::npos) << first;
  std::ofstream(dir.file("again.zone")) << first;
  ASSERT_EQ(load(dir.file("again.zone")), records);
  EXPECT_EQ(dump(), first);
}
