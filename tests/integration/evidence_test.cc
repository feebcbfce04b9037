// SPDX-License-Identifier: GPL-2.0-or-later
//
// Evidence packs end to end (issue 10 item 4): two tenants' zones secured with signetutil, a ZSK
// rollover moved on through time (SIGNET_CLOCK_OFFSET), a rollover approved by hand, and a bogus
// period and a critical alert as the monitor and the alerts record them (audit kinds
// validation-changed and alert-sent, appended here as they would). A pack made by signetutil and
// one fetched from signetd verify with evidence-verify; one byte changed in evidence.json, or an
// audit entry altered, is named; evidence.json validates against docs/evidence.schema.json; a
// tenant's pack from the API names no other tenant's zone in any file.
#include <gtest/gtest.h>

#include <algorithm>

#include "conf/composition_root.hh"
#include "conf/config.hh"
#include "evidence/archive.hh"
#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/signetd.hh"
#include "tests/support/temp_dir.hh"
#include "tests/support/tools.hh"

using namespace signet::test;
using signet::Json;
using signet::evidence::ArchiveFile;

namespace {

std::string zone_text(const std::string& apex) {
  return "$ORIGIN " + apex +
         "\n$TTL 300\n"
         "@ SOA ns1 hostmaster 2024010101 7200 3600 1209600 300\n"
         "@ NS ns1\n"
         "ns1 A 192.0.2.1\n";
}

// Timings of minutes (as keyman_cli_test): a ZSK rollover takes 2 x 60 + 60 + 300 s.
const char* kPolicies =
    "policies:\n"
    "  - name: quick\n"
    "    keys: ksk-zsk\n"
    "    ksk-lifetime: 30d\n"
    "    zsk-lifetime: 7d\n"
    "    dnskey-ttl: 60\n"
    "    propagation-delay: 60\n"
    "    ds-ttl: 120\n"
    "    max-zone-ttl: 300\n"
    "    rollover-jitter: 0\n"
    "    parent-nameservers: [\"127.0.0.1:9\"]\n"
    "  - name: careful\n"
    "    keys: ksk-zsk\n"
    "    dnskey-ttl: 60\n"
    "    propagation-delay: 60\n"
    "    max-zone-ttl: 300\n"
    "    parent-nameservers: [\"127.0.0.1:9\"]\n"
    "    approval: manual\n";

constexpr long kLater = 1000;  // after every rollover step below

class EvidencePacks : public ::testing::Test {
 protected:
  EvidencePacks() {
    write_file(dir.file("pdns.conf"),
               std::string(kOfflinePdnsConf) + "launch=signet\nsignet-path=" + dir.file("store") +
                   "\nsignet-master-key-file=" + dir.file("master.key") + "\n");
  }
  RunResult cli(std::vector<std::string> args, long offset = 0) {
    args.insert(args.begin(), {signetutil_path(), "--config-dir", dir.path()});
    if (offset)
      args.insert(args.begin(), {"/usr/bin/env", "SIGNET_CLOCK_OFFSET=" + std::to_string(offset)});
    return run(args, "", 120);
  }
  std::string ok(std::vector<std::string> args, long offset = 0) {
    RunResult r = cli(args, offset);
    std::string cmd;
    for (const auto& a : args)
      cmd += " " + a;
    EXPECT_EQ(r.status, 0) << "signetutil" << cmd << ": " << r.err << r.out;
    return r.out;
  }
  // An offline verifier: evidence-verify with no configuration at all.
  RunResult verify(const std::string& pack, const std::optional<std::string>& key) {
    std::vector<std::string> args = {signetutil_path(), "--config-dir", "/nonexistent",
                                     "evidence-verify", pack};
    if (key)
      args.insert(args.end(), {"--key", *key});
    return run(args, "", 60);
  }

  void setup() {
    ok({"generate-master-key"});
    write_file(dir.file("policies.yaml"), kPolicies);
    ok({"policy", "import", dir.file("policies.yaml")});
    for (const auto& [tenant, zones] :
         std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"acme", {"acme.example.", "acme-shop.example."}}, {"globex", {"globex.example."}}}) {
      ok({"create-tenant", tenant});
      for (const auto& z : zones) {
        write_file(dir.file(z + "zone"), zone_text(z));
        ok({"load-zone", tenant, z, dir.file(z + "zone")});
      }
    }
    ok({"secure-zone", "acme.example.", "quick"});
    ok({"secure-zone", "acme-shop.example.", "careful"});
    ok({"secure-zone", "globex.example."});
    // A ZSK rollover through its steps, and one approved by hand.
    ok({"rollover", "acme.example.", "zsk"});
    ok({"rollover-tick"}, 121);
    ok({"rollover-tick"}, 500);
    ok({"rollover", "acme-shop.example.", "zsk"});
    ok({"approve", "acme-shop.example."});
    // What the monitor and the alerts write on a bogus period and its end.
    {
      signet::CompositionRoot root(signet::load_config(dir.path()));
      auto txn = root.store().begin_write();
      auto z = root.store().find_zone(txn, signet::Name::from_text("acme.example."));
      auto& log = root.audit();
      auto add = [&](const char* kind, const Json& d) {
        log.append(txn, kind, z->tenant_id, z->id, "acme", "acme.example.", d);
      };
      add("validation-changed", Json{{"resolver", "127.0.0.1:5353"},
                                     {"from", "secure"},
                                     {"to", "bogus"},
                                     {"ede", 9},
                                     {"ede_text", "DNSKEY Missing"},
                                     {"reason", "SOA SERVFAIL"}});
      add("alert-sent", Json{{"alert", "zone:acme.example.:critical"},
                             {"event", "critical"},
                             {"transport", "webhook"},
                             {"target", "http://127.0.0.1:1/hook"},
                             {"attempts", 1}});
      add("validation-changed", Json{{"resolver", "127.0.0.1:5353"},
                                     {"from", "bogus"},
                                     {"to", "secure"},
                                     {"ede", nullptr},
                                     {"ede_text", nullptr},
                                     {"reason", "validated"}});
      add("alert-sent", Json{{"alert", "zone:acme.example.:critical"},
                             {"event", "resolved"},
                             {"transport", "webhook"},
                             {"target", "http://127.0.0.1:1/hook"},
                             {"attempts", 1}});
      txn.commit();
    }
    public_key = ok({"evidence-key"});
    public_key.erase(public_key.find_last_not_of('\n') + 1);
    ASSERT_EQ(public_key.size(), 44u) << public_key;
    // Asked again, the same key.
    EXPECT_EQ(ok({"evidence-key"}), public_key + "\n");
  }

  static std::vector<ArchiveFile> unpack(const std::string& path) {
    return signet::evidence::read_tar_gz(read_file(path));
  }
  static std::string content(const std::vector<ArchiveFile>& files, const std::string& name) {
    for (const auto& f : files)
      if (f.name == name)
        return f.content;
    ADD_FAILURE() << name << " not in the pack";
    return "";
  }
  void repack(std::vector<ArchiveFile> files, const std::string& path) {
    write_file(path, signet::evidence::write_tar_gz(files, 1700000000));
  }

  TempDir dir;
  std::string public_key;
};

const Json* zone_of(const Json& doc, const std::string& name) {
  for (const auto& z : doc["zones"])
    if (z["zone"] == name)
      return &z;
  return nullptr;
}

TEST_F(EvidencePacks, APackFromSignetutilVerifiesAndNamesWhatWasAltered) {
  setup();
  std::string pack = dir.file("pack.tar.gz");
  std::string out = ok({"evidence", "acme.example.", "acme-shop.example.", "-o", pack}, kLater);
  EXPECT_NE(out.find("2 zone(s)"), std::string::npos) << out;

  RunResult v = verify(pack, public_key);
  EXPECT_EQ(v.status, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("INTACT"), std::string::npos) << v.out;
  RunResult self = verify(pack, std::nullopt);
  EXPECT_EQ(self.status, 0) << self.out;
  EXPECT_NE(self.out.find("only that the pack is self-consistent"), std::string::npos) << self.out;

  auto files = unpack(pack);
  std::vector<std::string> names;
  for (const auto& f : files)
    names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"evidence.json", "index.html", "audit.jsonl",
                                             "MANIFEST", "MANIFEST.sig"}));
  Json doc = Json::parse(content(files, "evidence.json"));
  const Json* acme = zone_of(doc, "acme.example.");
  const Json* shop = zone_of(doc, "acme-shop.example.");
  ASSERT_TRUE(acme && shop) << doc.dump(2);
  EXPECT_EQ(zone_of(doc, "globex.example."), nullptr);
  EXPECT_EQ((*acme)["policy"]["name"], "quick");
  // The global policy's history (signetutil policy import), for an operator's pack.
  bool quick_created = false;
  for (const auto& h : doc["policies"]["history"])
    quick_created |= h["kind"] == "policy-created" && h["detail"]["policy"] == "quick";
  EXPECT_TRUE(quick_created) << doc["policies"].dump(2);
  // The old ZSK retired and removed, the new one published and active, with their dates.
  size_t retired = 0, active = 0;
  for (const auto& k : (*acme)["keys"]) {
    EXPECT_FALSE(k["published"].is_null()) << k.dump();
    retired += !k["retired"].is_null() && k["role"] == "zsk";
    active += !k["active"].is_null();
  }
  EXPECT_GE(retired, 1u) << (*acme)["keys"].dump(2);
  EXPECT_GE(active, 2u);
  EXPECT_GE((*acme)["rollover_steps"].size(), 3u);
  EXPECT_FALSE((*shop)["approvals"].empty()) << shop->dump(2);
  // The bogus period and the critical alert, each with its resolution.
  const Json& incidents = (*acme)["monitor"]["incidents"];
  ASSERT_EQ(incidents.size(), 2u) << incidents.dump(2);
  for (const auto& i : incidents) {
    EXPECT_FALSE(i["resolved_at"].is_null()) << i.dump();
    EXPECT_NE(i["resolution"].get<std::string>().find("changed to"), std::string::npos);
  }
  EXPECT_EQ(incidents[0]["kind"], "validation");
  EXPECT_EQ(incidents[0]["cause"]["ede_text"], "DNSKEY Missing");
  EXPECT_EQ(incidents[1]["kind"], "critical");
  // The tenant's other entries are in the excerpt; globex's are not.
  std::string audit = content(files, "audit.jsonl");
  EXPECT_EQ(audit.find("globex"), std::string::npos);
  std::string html = content(files, "index.html");
  EXPECT_NE(html.find("acme.example."), std::string::npos);
  EXPECT_NE(html.find("DNSKEY Missing"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);

  // evidence.json against its schema (python3-jsonschema, Draft 7).
  write_file(dir.file("evidence.json"), content(files, "evidence.json"));
  RunResult schema = run(
      {"python3", "-c",
       "import json,sys,jsonschema\n"
       "s=json.load(open(sys.argv[1]))\n"
       "jsonschema.Draft7Validator.check_schema(s)\n"
       "jsonschema.Draft7Validator(s).validate(json.load(open(sys.argv[2])))\n",
       std::string(SIGNET_SOURCE_DIR) + "/docs/evidence.schema.json", dir.file("evidence.json")},
      "", 60);
  EXPECT_EQ(schema.status, 0) << schema.err;

  // One byte of evidence.json changed inside the tarball.
  auto edited = files;
  for (auto& f : edited)
    if (f.name == "evidence.json")
      f.content[f.content.find("quick")] = 'Q';
  repack(edited, dir.file("edited.tar.gz"));
  RunResult e = verify(dir.file("edited.tar.gz"), public_key);
  EXPECT_EQ(e.status, 1) << e.out;
  EXPECT_NE(e.out.find("file 'evidence.json' was altered"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("ALTERED"), std::string::npos) << e.out;

  // An audit entry altered (its actor rewritten).
  auto forged = files;
  uint64_t seq = 0;
  for (auto& f : forged) {
    if (f.name != "audit.jsonl")
      continue;
    size_t p = f.content.find("\"kind\":\"rollover-approved\"");
    ASSERT_NE(p, std::string::npos) << f.content;
    size_t line = f.content.rfind('\n', p) + 1;
    seq = Json::parse(f.content.substr(line, f.content.find('\n', p) - line))["seq"];
    size_t actor = f.content.find("\"actor\":\"", line) + 9;
    f.content.replace(actor, 0, "someone-else:");
  }
  repack(forged, dir.file("forged.tar.gz"));
  RunResult a = verify(dir.file("forged.tar.gz"), public_key);
  EXPECT_EQ(a.status, 1) << a.out;
  EXPECT_NE(a.out.find("audit entry " + std::to_string(seq) + " "), std::string::npos) << a.out;
  EXPECT_NE(a.out.find("file 'audit.jsonl' was altered"), std::string::npos) << a.out;

  // Another key than the operator's.
  RunResult w = verify(pack, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  EXPECT_EQ(w.status, 1) << w.out;
  EXPECT_NE(w.out.find("not signed by the given key"), std::string::npos) << w.out;

  // A rotated key signs new packs; the old pack still verifies against the old public key only.
  std::string rotated = ok({"evidence-key", "--rotate"});
  rotated.erase(rotated.find_last_not_of('\n') + 1);
  EXPECT_NE(rotated, public_key);
  std::string later = dir.file("later.tar.gz");
  ok({"evidence", "acme.example.", "-o", later}, kLater);
  EXPECT_EQ(verify(later, rotated).status, 0);
  EXPECT_EQ(verify(later, public_key).status, 1);
  EXPECT_EQ(verify(pack, public_key).status, 0);
  std::string log = ok({"audit-log"});
  EXPECT_NE(log.find("evidence-key-rotated"), std::string::npos);
  EXPECT_EQ(log.find(rotated), log.rfind(rotated));  // the public key, audited once
}

TEST_F(EvidencePacks, ATenantsPackFromSignetdHoldsOnlyItsOwnZones) {
  setup();
  auto token = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"token", "create"});
    std::string out = ok(args);
    return out.substr(0, out.find('\n'));
  };
  std::string globex = token({"globex", "viewer"});
  std::string op = token({"--operator"});
  Signetd api(dir.path());
  api.start();
  std::string to = "&to=" + std::to_string(time(nullptr) + kLater);

  SignetdReply r = api.request("GET", "/api/v1/signet/evidence?from=2000-01-01" + to, globex);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/gzip");
  write_file(dir.file("globex.tar.gz"), r.body);
  RunResult v = verify(dir.file("globex.tar.gz"), public_key);
  EXPECT_EQ(v.status, 0) << v.out;
  auto files = unpack(dir.file("globex.tar.gz"));
  ASSERT_EQ(files.size(), 5u);
  for (const auto& f : files) {
    EXPECT_EQ(f.content.find("acme"), std::string::npos) << f.name;
  }
  Json doc = Json::parse(content(files, "evidence.json"));
  EXPECT_EQ(doc["scope"]["tenant"], "globex");
  ASSERT_NE(zone_of(doc, "globex.example."), nullptr);
  EXPECT_GE(doc["audit"]["entries"].size(), 3u);  // its tenant, zone, securing, keys

  // Another tenant's zone is answered as an absent one; another tenant by name is refused.
  SignetdReply theirs = api.request("GET", "/api/v1/signet/evidence?zone=acme.example.", globex);
  SignetdReply absent = api.request("GET", "/api/v1/signet/evidence?zone=absent.example.", globex);
  EXPECT_EQ(theirs.status, 404);
  EXPECT_EQ(absent.status, 404);
  std::string expected = absent.body;
  expected.replace(expected.find("absent.example"), 14, "acme.example");
  EXPECT_EQ(theirs.body, expected);
  EXPECT_EQ(api.request("GET", "/api/v1/signet/evidence?tenant=acme", globex).status, 403);

  // The operator may ask for any tenant.
  SignetdReply o =
      api.request("GET", "/api/v1/signet/evidence?tenant=acme&zone=acme.example." + to, op);
  ASSERT_EQ(o.status, 200) << o.body;
  write_file(dir.file("acme.tar.gz"), o.body);
  EXPECT_EQ(verify(dir.file("acme.tar.gz"), public_key).status, 0);
  Json acme = Json::parse(content(unpack(dir.file("acme.tar.gz")), "evidence.json"));
  ASSERT_NE(zone_of(acme, "acme.example."), nullptr);
  EXPECT_EQ(acme["zones"].size(), 1u);
  api.stop();
}

}  // namespace
