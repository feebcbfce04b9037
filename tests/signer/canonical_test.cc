// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/canonical.hh"

#include <gtest/gtest.h>

#include "signer/error.hh"
#include "signer/name.hh"
#include "signer/rdata_text.hh"
#include "signer/rrtype.hh"

using namespace signet;

namespace {
std::vector<uint8_t> rd(uint16_t type, const char* text) {
  return rdata_from_text(type, text, Name());
}
}  // namespace

TEST(Canonical, LowerCasesNamesInMxButNotInTxt) {
  auto mx = rd(rrtype::MX, "10 MAIL.Example.COM.");
  canonicalize_rdata(rrtype::MX, mx);
  EXPECT_EQ(rdata_to_text(rrtype::MX, mx), "10 mail.example.com.");
  auto txt = rd(rrtype::TXT, "\"Hello World\"");
  auto copy = txt;
  canonicalize_rdata(rrtype::TXT, copy);
  EXPECT_EQ(copy, txt);
}

TEST(Canonical, ValidatesLayoutOfKnownTypes) {
  std::vector<uint8_t> short_a = {1, 2, 3};
  EXPECT_THROW(validate_rdata(rrtype::A, short_a), InputError);
  std::vector<uint8_t> bad_ns = {3, 'a', 'b'};
  EXPECT_THROW(validate_rdata(rrtype::NS, bad_ns), InputError);
  EXPECT_NO_THROW(validate_rdata(rrtype::SOA, rd(rrtype::SOA, "ns. host. 1 2 3 4 5")));
  EXPECT_NO_THROW(validate_rdata(65280, std::vector<uint8_t>{1, 2, 3}));  // opaque unknown type
}

TEST(Canonical, RdataOrderIsLeftJustifiedOctets) {
  std::vector<uint8_t> a = {1, 2}, b = {1, 2, 0}, c = {1, 3};
  EXPECT_LT(compare_rdata(a, b), 0);
  EXPECT_LT(compare_rdata(b, c), 0);
  EXPECT_EQ(compare_rdata(a, a), 0);
}

TEST(RdataText, RoundTripsCommonTypes) {
  const std::pair<uint16_t, const char*> cases[] = {
      {rrtype::A, "192.0.2.1"},
      {rrtype::AAAA, "2001:db8::1"},
      {rrtype::MX, "10 mail.example."},
      {rrtype::TXT, "\"v=spf1 -all\" \"second\""},
      {rrtype::SRV, "0 5 5060 sip.example."},
  };
  for (const auto& [type, text] : cases) {
    auto wire = rd(type, text);
    EXPECT_EQ(rdata_to_text(type, wire), text) << rrtype_to_text(type);
  }
}

TEST(RdataText, ReportsBadContent) {
  EXPECT_THROW(rd(rrtype::A, "300.1.1.1"), InputError);
  EXPECT_THROW(rd(rrtype::MX, "ten mail."), InputError);
}

TEST(RrType, MnemonicsBothWays) {
  EXPECT_EQ(rrtype_from_text("aaaa"), rrtype::AAAA);
  EXPECT_EQ(rrtype_from_text("TYPE65280"), 65280);
  EXPECT_EQ(rrtype_to_text(65280), "TYPE65280");
  EXPECT_THROW(rrtype_from_text("BOGUS"), InputError);
}
