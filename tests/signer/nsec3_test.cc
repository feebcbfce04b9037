// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/nsec3.hh"

#include <gtest/gtest.h>

#include "signer/error.hh"

using namespace signet;

// RFC 5155 Appendix A: salt aabbccdd, 12 iterations.
TEST(Nsec3, HashesMatchRfc5155AppendixA) {
  std::vector<uint8_t> salt = {0xaa, 0xbb, 0xcc, 0xdd};
  auto h = [&](const char* n) {
    return base32hex(nsec3_hash(CanonicalName(Name::from_text(n)), salt, 12));
  };
  EXPECT_EQ(h("example."), "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom");
  EXPECT_EQ(h("a.example."), "35mthgpgcu1qg68fab165klnsnk3dpvl");
  EXPECT_EQ(h("A.EXAMPLE."), "35mthgpgcu1qg68fab165klnsnk3dpvl");  // canonical form
}

TEST(Nsec3, Base32hexRoundTrips) {
  std::vector<uint8_t> bytes = {0, 1, 2, 250, 251, 252, 253, 254, 255, 7};
  auto text = base32hex(bytes);
  EXPECT_EQ(*from_base32hex(text), bytes);
  EXPECT_EQ(*from_base32hex("0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TOM"),
            *from_base32hex("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"));
  EXPECT_FALSE(from_base32hex("xyz"));
}

// RFC 4034 §4.3 example: A MX RRSIG NSEC TYPE1234.
TEST(Nsec3, TypeBitmapMatchesRfc4034Example) {
  std::vector<uint16_t> types = {1, 15, 46, 47, 1234};
  auto bm = type_bitmap(types);
  std::vector<uint8_t> expected = {0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03, 0x04, 0x1b};
  expected.insert(expected.end(), 26, 0x00);
  expected.push_back(0x20);
  EXPECT_EQ(bm, expected);
}

TEST(Nsec3, ParamsParseAndRefuseNonsense) {
  auto p = nsec3_params_from_text("1 0 0 -");
  EXPECT_EQ(p.iterations, 0);
  EXPECT_TRUE(p.salt.empty());
  EXPECT_EQ(nsec3_params_text(nsec3_params_from_text("1 1 5 aabbccdd")), "1 1 5 aabbccdd");
  EXPECT_THROW(nsec3_params_from_text("2 0 0 -"), InputError);
  EXPECT_THROW(nsec3_params_from_text("1 0 500 -"), InputError);
  EXPECT_THROW(nsec3_params_from_text("1 0 0 xyz"), InputError);
  EXPECT_EQ(nsec3param_rdata(nsec3_params_from_text("1 1 0 ab")),
            (std::vector<uint8_t>{1, 0, 0, 0, 1, 0xab}));
}
