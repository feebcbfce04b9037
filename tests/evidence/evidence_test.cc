// SPDX-License-Identifier: GPL-2.0-or-later
//
// Evidence packs without a running program: the MANIFEST signature and hashes (a changed, extra
// or missing file, a wrong key), the audit excerpt's hash links (an altered entry, a dropped
// line, other tenants' entries omitted), the archive and the HTML escaping.
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>

#include "evidence/archive.hh"
#include "evidence/audit_excerpt.hh"
#include "evidence/html.hh"
#include "evidence/manifest.hh"
#include "evidence/pack.hh"
#include "keystore/audit.hh"
#include "keystore/evidence_key.hh"
#include "keystore/keyring.hh"
#include "signer/encoding.hh"
#include "tests/support/store_fixture.hh"

using namespace signet;
using namespace signet::evidence;
using signet::test::StoreTest;

namespace {

struct KeyPair {
  PublicKey pk{};
  std::array<uint8_t, 64> sk{};
  KeyPair() { crypto_sign_keypair(pk.data(), sk.data()); }
  evidence::Signer signer() const {
    return [this](std::string_view m) {
      Signature s{};
      crypto_sign_detached(s.data(), nullptr, reinterpret_cast<const uint8_t*>(m.data()), m.size(),
                           sk.data());
      return s;
    };
  }
};

class EvidenceTest : public StoreTest {
 protected:
  void SetUp() override {
    audit = std::make_unique<AuditLog>(*store, clock, "tester");
    // Entries of tenant 1 (acme) and tenant 2 (globex), interleaved.
    append(1, 1, "acme", "acme.example.", "zone-secured", Json{{"policy", "default"}});
    append(2, 2, "globex", "globex.example.", "zone-secured", Json{{"policy", "default"}});
    append(2, 2, "globex", "globex.example.", "key-activated", Json{{"tag", 1}});
    append(1, 1, "acme", "acme.example.", "key-activated", Json{{"tag", 2}});
    append(2, 2, "globex", "globex.example.", "ds-observed", Json{{"tag", 1}});
  }
  void append(uint32_t tenant_id, uint32_t zone_id, const std::string& tenant,
              const std::string& zone, const std::string& kind, const Json& detail) {
    clock.advance(60);
    auto txn = store->begin_write();
    audit->append(txn, kind, tenant_id, zone_id, tenant, zone, detail);
    txn.commit();
  }
  std::string excerpt(std::optional<uint32_t> tenant) {
    auto txn = store->begin_read();
    return audit_excerpt(*audit, txn, 0,
                         [&](const AuditEntry& e) { return !tenant || e.tenant_id == *tenant; });
  }
  // A signed pack of a tenant's excerpt and two other files.
  std::vector<ArchiveFile> pack(const KeyPair& k, std::optional<uint32_t> tenant = 1) {
    return seal_files({{"evidence.json", "{\"format\": \"signet-evidence/1\"}\n"},
                       {"index.html", "<!DOCTYPE html><p>report</p>\n"},
                       {"audit.jsonl", excerpt(tenant)}},
                      k.pk, k.signer());
  }
  PackVerdict verify(const std::vector<ArchiveFile>& files, const std::optional<PublicKey>& key) {
    return verify_evidence_pack(write_tar_gz(files, 1700000000), key);
  }
  static bool names(const PackVerdict& v, const std::string& what) {
    return std::any_of(v.problems.begin(), v.problems.end(),
                       [&](const std::string& p) { return p.find(what) != std::string::npos; });
  }
  static std::string all(const PackVerdict& v) {
    std::string s;
    for (const auto& p : v.problems)
      s += p + "\n";
    return s;
  }
  static ArchiveFile& file(std::vector<ArchiveFile>& files, const std::string& name) {
    return *std::find_if(files.begin(), files.end(),
                         [&](const ArchiveFile& f) { return f.name == name; });
  }

  std::unique_ptr<AuditLog> audit;
};

TEST_F(EvidenceTest, ASignedPackVerifiesAgainstItsKey) {
  KeyPair k;
  PackVerdict v = verify(pack(k), k.pk);
  EXPECT_TRUE(v.ok()) << all(v);
  EXPECT_TRUE(v.key_given);
  EXPECT_EQ(v.files, 5u);  // three files, MANIFEST, MANIFEST.sig
  EXPECT_EQ(v.audit_entries, 2u);
  EXPECT_EQ(v.audit_omitted, 3u);
}

TEST_F(EvidenceTest, WithoutAKeyOnlySelfConsistencyIsChecked) {
  KeyPair k;
  PackVerdict v = verify(pack(k), std::nullopt);
  EXPECT_TRUE(v.ok()) << all(v);
  EXPECT_FALSE(v.key_given);
  ASSERT_TRUE(v.signer.has_value());
  EXPECT_EQ(*v.signer, k.pk);
}

TEST_F(EvidenceTest, AChangedFileIsNamed) {
  KeyPair k;
  auto files = pack(k);
  file(files, "evidence.json").content[3] ^= 1;
  PackVerdict v = verify(files, k.pk);
  EXPECT_FALSE(v.ok());
  EXPECT_TRUE(names(v, "file 'evidence.json' was altered")) << all(v);
  EXPECT_EQ(v.problems.size(), 1u) << all(v);
}

TEST_F(EvidenceTest, AnExtraFileIsNamed) {
  KeyPair k;
  auto files = pack(k);
  files.push_back({"notes.txt", "added later\n"});
  PackVerdict v = verify(files, k.pk);
  EXPECT_TRUE(names(v, "file 'notes.txt' is extra")) << all(v);
}

TEST_F(EvidenceTest, AMissingFileIsNamed) {
  KeyPair k;
  auto files = pack(k);
  files.erase(std::find_if(files.begin(), files.end(),
                           [](const ArchiveFile& f) { return f.name == "index.html"; }));
  PackVerdict v = verify(files, k.pk);
  EXPECT_TRUE(names(v, "file 'index.html' is missing")) << all(v);
}

TEST_F(EvidenceTest, AWrongKeyIsRefusedAndAReSignedManifestToo) {
  KeyPair k, other;
  PackVerdict v = verify(pack(k), other.pk);
  EXPECT_TRUE(names(v, "not signed by the given key")) << all(v);
  // Whoever alters a file and signs again with a key of their own passes only without --key.
  auto files = pack(k);
  file(files, "evidence.json").content[3] ^= 1;
  files.resize(3);
  files = seal_files(std::move(files), other.pk, other.signer());
  EXPECT_TRUE(verify(files, std::nullopt).ok());
  EXPECT_TRUE(names(verify(files, k.pk), "not signed by the given key"));
}

TEST_F(EvidenceTest, AnEditedManifestBreaksTheSignature) {
  KeyPair k;
  auto files = pack(k);
  std::string& m = file(files, "MANIFEST").content;
  m.replace(m.find("index.html"), 10, "index.htm_");
  PackVerdict v = verify(files, k.pk);
  EXPECT_TRUE(names(v, "signature")) << all(v);
}

TEST_F(EvidenceTest, AnAlteredAuditEntryIsNamedEvenWhenThePackIsSignedAgain) {
  KeyPair k;
  std::string text = excerpt(1);
  auto p = text.find("\"tag\\\":2");
  ASSERT_NE(p, std::string::npos) << text;
  text[p + 7] = '3';
  ExcerptVerdict ev = verify_audit_excerpt(text);
  ASSERT_EQ(ev.problems.size(), 1u);
  EXPECT_NE(ev.problems[0].find("audit entry 4 (audit.jsonl line 3) was altered"),
            std::string::npos)
      << ev.problems[0];
  // The whole pack, its manifest made over the altered excerpt: the signature holds, the
  // entry does not.
  auto files = seal_files({{"audit.jsonl", text}}, k.pk, k.signer());
  PackVerdict v = verify(files, k.pk);
  EXPECT_EQ(v.problems.size(), 1u) << all(v);
  EXPECT_TRUE(names(v, "audit entry 4")) << all(v);
}

TEST_F(EvidenceTest, TheExcerptOmitsOtherTenantsButKeepsTheLinks) {
  std::string text = excerpt(1);
  EXPECT_EQ(text.find("globex"), std::string::npos) << text;
  EXPECT_EQ(text.find("ds-observed"), std::string::npos) << text;
  ExcerptVerdict ev = verify_audit_excerpt(text);
  EXPECT_TRUE(ev.ok());
  EXPECT_EQ(ev.entries, 2u);
  EXPECT_EQ(ev.omitted, 3u);
  // Lines: entry 1, run 2..3, entry 4, run 5..5, head.
  std::vector<std::string> lines;
  for (size_t from = 0, nl; (nl = text.find('\n', from)) != std::string::npos; from = nl + 1)
    lines.push_back(text.substr(from, nl - from));
  ASSERT_EQ(lines.size(), 5u) << text;
  EXPECT_NE(lines[1].find("\"omitted\":{\"from\":2,\"to\":3}"), std::string::npos) << lines[1];
  EXPECT_NE(lines[4].find("\"head\":{"), std::string::npos);
  // Dropping a line (an omitted run, or the head) is seen.
  std::string dropped = lines[0] + "\n" + lines[2] + "\n" + lines[3] + "\n" + lines[4] + "\n";
  ExcerptVerdict d = verify_audit_excerpt(dropped);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.problems[0].find("entries 2..3 are missing"), std::string::npos) << d.problems[0];
  std::string headless = lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n" + lines[3] + "\n";
  EXPECT_FALSE(verify_audit_excerpt(headless).ok());
}

TEST_F(EvidenceTest, TheRecomputedHashIsTheLogsOwn) {
  auto txn = store->begin_read();
  audit->for_each(txn, [&](const AuditEntry& e) { EXPECT_EQ(audit_entry_hash(e), e.hash); });
  EXPECT_EQ(audit->head(txn).seq, 5u);
}

TEST_F(EvidenceTest, TheEvidenceKeyIsMadeOnceSealedAndRotatedOnRequest) {
  MasterKey::generate_file(dir.file("master.key"));
  MasterKey master = MasterKey::load(dir.file("master.key"));
  auto make = [&](bool rotate) {
    auto txn = store->begin_write();
    auto r = ensure_evidence_key(*store, txn, master, *audit, clock.now(), rotate);
    txn.commit();
    return r;
  };
  auto first = make(false);
  EXPECT_TRUE(first.created);
  auto again = make(false);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.key.public_key, first.key.public_key);
  {
    auto txn = store->begin_read();
    PublicKey pk{};
    Signature sig = evidence_sign(*store, txn, master, "MANIFEST", &pk);
    EXPECT_EQ(pk, first.key.public_key);
    EXPECT_EQ(crypto_sign_verify_detached(sig.data(), reinterpret_cast<const uint8_t*>("MANIFEST"),
                                          8, pk.data()),
              0);
    // The seed is sealed: the stored value does not hold it in the clear, and another master
    // key does not open it.
    MasterKey::generate_file(dir.file("other.key"));
    MasterKey other = MasterKey::load(dir.file("other.key"));
    EXPECT_THROW(evidence_sign(*store, txn, other, "MANIFEST", nullptr), CorruptionError);
  }
  auto rotated = make(true);
  EXPECT_TRUE(rotated.created);
  EXPECT_NE(rotated.key.public_key, first.key.public_key);
  auto txn = store->begin_read();
  std::vector<std::string> kinds;
  audit->for_each(txn, [&](const AuditEntry& e) { kinds.push_back(e.kind); });
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "evidence-key-created"), 1);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), "evidence-key-rotated"), 1);
}

TEST(EvidenceKeyCodec, RoundTrips) {
  codec::EvidenceKeyRecord k;
  k.created = 1700000000;
  k.public_key[0] = 7;
  k.sealed = {1, 2, 3};
  auto back = codec::decode_evidence_key(codec::as_bytes(codec::encode_evidence_key(k)));
  EXPECT_EQ(back.created, k.created);
  EXPECT_EQ(back.public_key, k.public_key);
  EXPECT_EQ(back.sealed, k.sealed);
  EXPECT_THROW(codec::decode_evidence_key(codec::as_bytes(std::string("\x02"))), CorruptionError);
}

TEST(EvidenceArchive, RoundTripsAndRefusesPaths) {
  std::vector<ArchiveFile> files = {
      {"a.json", "{}"}, {"empty", ""}, {"b", std::string(70000, 'x')}};
  auto back = read_tar_gz(write_tar_gz(files, 1700000000));
  ASSERT_EQ(back.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back[i].name, files[i].name);
    EXPECT_EQ(back[i].content, files[i].content);
  }
  EXPECT_THROW(read_tar_gz(write_tar_gz({{"../x", "y"}}, 0)), InputError);
  EXPECT_THROW(read_tar_gz("not a tarball"), InputError);
}

TEST(EvidenceHtml, EscapesEveryStringFromTheStore) {
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  Json doc{{"period", {{"from", "2026-01-01T00:00:00Z"}, {"to", "2026-02-01T00:00:00Z"}}},
           {"zones", Json::array({Json{{"zone", "<script>alert(1)</script>.example."},
                                       {"keys", Json::array()}}})},
           {"audit", {{"entries", Json::array({Json{{"kind", "x"}, {"detail", "<b>"}}})}}}};
  std::string html = evidence_html(doc);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;.example."), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);  // no external asset of any kind
}

TEST(EvidenceTime, DatesTimesAndSeconds) {
  EXPECT_EQ(parse_evidence_time("2026-12-01", false), 1796083200u);
  EXPECT_EQ(parse_evidence_time("2026-12-01", true), 1796083200u + 86399);
  EXPECT_EQ(parse_evidence_time("2026-12-01T10:00:00Z", true), 1796083200u + 36000);
  EXPECT_EQ(parse_evidence_time("1700000000", false), 1700000000u);
  EXPECT_THROW(parse_evidence_time("yesterday", false), InputError);
}

}  // namespace
