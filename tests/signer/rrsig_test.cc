// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/rrsig.hh"

#include <gtest/gtest.h>

#include "signer/encoding.hh"
#include "signer/key.hh"
#include "signer/rdata_text.hh"
#include "signer/rrtype.hh"

using namespace signet;

// RFC 8080 §6.1: an Ed25519 RRSIG over example.com. MX; EdDSA is deterministic, so our signed-data
// construction (RFC 4034 §3.1.8.1) must reproduce the RFC's signature bit for bit.
TEST(Rrsig, SignedDataReproducesRfc8080Signature) {
  PrivateKey key = PrivateKey::from_raw(
      Algorithm::kEd25519, *from_base64("ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI="));
  CanonicalName owner(Name::from_text("example.com."));
  RrsigFields f;
  f.type_covered = rrtype::MX;
  f.algorithm = Algorithm::kEd25519;
  f.labels = rrsig_labels(owner.name());
  f.original_ttl = 3600;
  f.expiration = 1440021600;
  f.inception = 1438207200;
  f.key_tag = key_tag(dnskey_rdata(257, Algorithm::kEd25519, key.public_key()));
  EXPECT_EQ(f.key_tag, 3613);
  SignedData sd;
  sd.begin(f, owner);
  sd.add(owner, rrtype::MX, 3600, rdata_from_text(rrtype::MX, "10 MAIL.example.com.", Name()));
  auto sig = key.sign(sd.bytes());
  EXPECT_EQ(
      base64(sig),
      "oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3fx8A4M3e23mRZ9VrbpMngwcrqNAg==");
  auto rdata = sd.rrsig_rdata(sig);
  auto view = parse_rrsig(rdata);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->fields.key_tag, 3613);
  EXPECT_EQ(view->fields.expiration, 1440021600u);
  EXPECT_EQ(view->signature.size(), 64u);
  EXPECT_TRUE(verify(Algorithm::kEd25519, key.public_key(), sd.bytes(), view->signature));
}

TEST(Rrsig, WildcardLabelsDoNotCountTheStar) {
  EXPECT_EQ(rrsig_labels(Name::from_text("*.a.example.")), 2);
  EXPECT_EQ(rrsig_labels(Name::from_text("www.a.example.")), 3);
  EXPECT_EQ(rrsig_labels(Name()), 0);
}

TEST(Rrsig, TimeComparisonUsesSerialArithmetic) {
  EXPECT_TRUE(time_before(0xfffffff0u, 0x10u));  // wraps (RFC 4034 §3.1.5)
  EXPECT_FALSE(time_before(0x10u, 0xfffffff0u));
}
