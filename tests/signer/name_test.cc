// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/name.hh"

#include <gtest/gtest.h>

#include "signer/error.hh"

using signet::CanonicalName;
using signet::InputError;
using signet::Name;

TEST(Name, ParsesAbsoluteTextToWire) {
  Name n = Name::from_text("www.Example.com.");
  ASSERT_EQ(n.wire_size(), 17u);
  EXPECT_EQ(n.data()[0], 3);
  EXPECT_EQ(n.label_count(), 3u);
  EXPECT_EQ(n.to_text(), "www.Example.com.");
}

TEST(Name, RelativeNameTakesOrigin) {
  Name origin = Name::from_text("example.com.");
  EXPECT_EQ(Name::from_text("www", &origin).to_text(), "www.example.com.");
  EXPECT_EQ(Name::from_text("@", &origin).to_text(), "example.com.");
  EXPECT_EQ(Name::from_text("www").to_text(), "www.");
}

TEST(Name, EscapesRoundTrip) {
  Name n = Name::from_text("a\\.b\\065\\000.example.");
  EXPECT_EQ(n.data()[0], 5);  // "a.bA\0"
  EXPECT_EQ(n.data()[2], '.');
  EXPECT_EQ(n.data()[4], 'A');
  EXPECT_EQ(n.data()[5], 0);
  EXPECT_EQ(n.to_text(), "a\\.bA\\000.example.");
  EXPECT_TRUE(Name::from_text(n.to_text()).equals(n));
}

TEST(Name, RejectsMalformedText) {
  EXPECT_THROW(Name::from_text(""), InputError);
  EXPECT_THROW(Name::from_text("a..b."), InputError);
  EXPECT_THROW(Name::from_text(std::string(64, 'a') + "."), InputError);
  std::string long_name;
  for (int i = 0; i < 5; ++i)
    long_name += std::string(60, 'a') + ".";
  EXPECT_THROW(Name::from_text(long_name), InputError);
  EXPECT_THROW(Name::from_text("a\\25"), InputError);
  EXPECT_THROW(Name::from_text("a\\300.b."), InputError);
}

TEST(Name, RejectsMalformedWire) {
  const uint8_t pointer[] = {0xc0, 0x0c};
  EXPECT_THROW(Name::from_wire(pointer), InputError);
  const uint8_t truncated[] = {3, 'a', 'b'};
  EXPECT_THROW(Name::from_wire(truncated), InputError);
  const uint8_t trailing[] = {1, 'a', 0, 7};
  EXPECT_THROW(Name::from_wire(trailing), InputError);
}

TEST(Name, SubdomainIsCaseInsensitive) {
  Name apex = Name::from_text("Example.COM.");
  EXPECT_TRUE(Name::from_text("a.b.example.com.").is_subdomain_of(apex));
  EXPECT_TRUE(Name::from_text("example.com.").is_subdomain_of(apex));
  EXPECT_FALSE(Name::from_text("xexample.com.").is_subdomain_of(apex));
  EXPECT_FALSE(Name::from_text("com.").is_subdomain_of(apex));
  EXPECT_TRUE(apex.is_subdomain_of(Name()));
}

TEST(Name, ParentAndRelative) {
  Name n = Name::from_text("a.b.example.com.");
  EXPECT_EQ(n.parent().to_text(), "b.example.com.");
  EXPECT_EQ(Name().parent().to_text(), ".");
  auto rel = n.relative_to(Name::from_text("example.com."));
  EXPECT_EQ(rel.size(), 4u);
  EXPECT_EQ(Name::concat(rel, Name::from_text("example.net.")).to_text(), "a.b.example.net.");
}

// The apex's own relative part is an empty span, which may have no data pointer at all
// (found by tests/fuzz/pdns_write_fuzz.cc under UndefinedBehaviorSanitizer).
TEST(Name, ConcatOfAnEmptyRelativePartIsTheApex) {
  Name apex = Name::from_text("example.com.");
  EXPECT_EQ(Name::concat(std::span<const uint8_t>(), apex).to_text(), "example.com.");
  EXPECT_EQ(Name::concat(apex.relative_to(apex), apex).to_text(), "example.com.");
}

TEST(Name, CanonicalNameIsLowerCase) {
  CanonicalName c(Name::from_text("WwW.ExAmple."));
  EXPECT_EQ(c.name().to_text(), "www.example.");
}

// RFC 4034 §6.1 gives this exact order as its example.
TEST(Name, CanonicalOrderMatchesRfc4034Example) {
  const char* ordered[] = {"example.",         "a.example.",      "yljkjljk.a.example.",
                           "Z.a.example.",     "zABC.a.EXAMPLE.", "z.example.",
                           "\\001.z.example.", "*.z.example.",    "\\200.z.example."};
  for (size_t i = 0; i + 1 < std::size(ordered); ++i) {
    Name a = Name::from_text(ordered[i]);
    Name b = Name::from_text(ordered[i + 1]);
    EXPECT_LT(signet::canonical_compare(a, b), 0) << ordered[i] << " < " << ordered[i + 1];
    EXPECT_GT(signet::canonical_compare(b, a), 0);
  }
  EXPECT_EQ(signet::canonical_compare(Name::from_text("A.b."), Name::from_text("a.B.")), 0);
}
