// SPDX-License-Identifier: GPL-2.0-or-later
//
// Signet must answer exactly like pdns' own bind backend. Two pdns_server processes serve the same
// zone (tests/data/rich.zone): one with launch=bind, one with launch=signet (the zone loaded with
// signetutil). Every query of a category goes to both with dig +norec, and the answers must be
// equal after normalising them: rcode, header flags and section counts, the EDNS line, and the
// answer, authority and additional sections as sorted lists of records (TTLs included; record order
// within a section is not significant, pdns shuffles it).
//
// The queries are generated from the zone file itself: every owner name and every empty
// non-terminal × its own types and A, AAAA, MX, TXT, NS, DS, SOA, CNAME, ANY, plus names that do
// not exist. Besides equality each category checks the property it is named after on the bind
// answers, so the zone really exercises that behaviour.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/pdns_server.hh"
#include "tests/support/process.hh"
#include "tests/support/temp_dir.hh"

using signet::test::PdnsServer;
using signet::test::PdnsServerOptions;
using signet::test::read_file;
using signet::test::run;
using signet::test::RunResult;
using signet::test::signetutil_path;
using signet::test::source_dir;
using signet::test::TempDir;
using signet::test::write_file;

namespace {

const char* kApex = "example.com.";
const std::vector<std::string> kGenericTypes = {"A",  "AAAA", "MX",    "TXT", "NS",
                                                "DS", "SOA",  "CNAME", "ANY"};

// The second zone, of a second tenant.
const char* kOrgZone =
    "$ORIGIN example.org.\n"
    "$TTL 600\n"
    "@ SOA ns.example.org. admin.example.org. 7 3600 600 86400 60\n"
    "@ NS ns\n"
    "ns A 192.0.2.231\n"
    "www A 192.0.2.232\n"
    "www TXT \"globex\"\n"
    "*.apps CNAME www\n";

std::string rich_zone_path() {
  return source_dir() + "/tests/data/rich.zone";
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  std::string s;
  while (in >> s)
    w.push_back(s);
  return w;
}

std::string join(const std::vector<std::string>& w, const std::string& sep = " ") {
  std::string out;
  for (size_t i = 0; i < w.size(); ++i)
    out += (i ? sep : "") + w[i];
  return out;
}

// ------------------------------------------------------------------ the zone, read from its file

// The position of the dot that ends the label starting at `from` (escaped dots, "\.", are part of
// a label), or npos for the last label.
size_t label_end(const std::string& name, size_t from) {
  for (size_t i = from; i < name.size(); ++i) {
    if (name[i] == '\\')
      ++i;
    else if (name[i] == '.')
      return i;
  }
  return std::string::npos;
}

// Owner names (relative to the apex, "" for the apex, in the file's spelling) and their types.
// The file is written with an owner on every record line, optionally followed by a TTL.
struct ZoneModel {
  std::map<std::string, std::set<std::string>> owners;  // key: relative owner as written
  std::set<std::string> ents;                           // empty non-terminals (lower case)
  std::set<std::string> cuts;                           // delegation points
  size_t records = 0;

  static ZoneModel read(const std::string& path) {
    ZoneModel z;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == ';' || line[0] == '$')
        continue;
      auto w = words(line);
      if (w.size() < 3)
        continue;
      std::string owner = w[0] == "@" ? "" : w[0];
      size_t t = 1;
      if (std::all_of(w[1].begin(), w[1].end(), ::isdigit))
        t = 2;
      z.owners[owner].insert(w[t]);
      ++z.records;
      if (w[t] == "NS" && !owner.empty())
        z.cuts.insert(lower(owner));
    }
    std::set<std::string> lowered;
    for (const auto& [o, types] : z.owners)
      lowered.insert(lower(o));
    for (const auto& o : lowered) {
      for (size_t dot = label_end(o, 0); dot != std::string::npos; dot = label_end(o, dot + 1)) {
        std::string parent = o.substr(dot + 1);
        if (!lowered.count(parent))
          z.ents.insert(parent);
      }
    }
    return z;
  }

  // At or below a zone cut (not the apex).
  bool at_cut(const std::string& rel) const { return cuts.count(lower(rel)) > 0; }
  bool below_cut(const std::string& rel) const {
    std::string l = lower(rel);
    for (const auto& c : cuts) {
      if (l.size() > c.size() &&
          l.compare(l.size() - c.size() - 1, std::string::npos, "." + c) == 0)
        return true;
    }
    return false;
  }
  bool is_cname(const std::string& rel) const {
    auto it = owners.find(rel);
    return it != owners.end() && it->second.count("CNAME");
  }
  bool is_wildcard(const std::string& rel) const { return rel.rfind("*.", 0) == 0; }
};

std::string absolute(const std::string& rel, const std::string& apex = kApex) {
  return rel.empty() ? apex : rel + "." + apex;
}

// ------------------------------------------------------------------ dig and normalised answers

struct Query {
  std::string name;  // absolute, with trailing dot
  std::string type;
  std::string key() const { return name + " IN " + type; }
  bool operator<(const Query& o) const { return key() < o.key(); }
};

struct Answer {
  bool present = false;
  std::string status;               // "NOERROR", "NXDOMAIN", ...
  std::string header;               // "opcode: QUERY, status: NOERROR"
  std::string counts;               // "flags: qr aa; QUERY: 1, ANSWER: 3, ..."
  std::set<std::string> flags;      // qr aa tc ...
  std::string edns;                 // "; EDNS: ..." or empty
  std::vector<std::string> answer;  // records, whitespace collapsed, sorted
  std::vector<std::string> authority;
  std::vector<std::string> additional;

  bool has(const char* flag) const { return flags.count(flag) > 0; }
  std::string text() const {
    if (!present)
      return "  (no answer)\n";
    std::string s = "  " + header + "\n  " + counts + "\n";
    if (!edns.empty())
      s += "  " + edns + "\n";
    auto section = [&](const char* name, const std::vector<std::string>& rrs) {
      if (rrs.empty())
        return;
      s += "  " + std::string(name) + ":\n";
      for (const auto& r : rrs)
        s += "    " + r + "\n";
    };
    section("ANSWER", answer);
    section("AUTHORITY", authority);
    section("ADDITIONAL", additional);
    return s;
  }
};

// Parses dig's output for many queries (+comments +question +answer +authority +additional)
// into normalised answers keyed by their question ("name IN TYPE").
std::map<std::string, Answer> parse_dig(const std::string& out) {
  std::map<std::string, Answer> answers;
  Answer cur;
  std::string question;
  std::vector<std::string>* section = nullptr;
  bool want_question = false;
  auto flush = [&] {
    if (cur.present && !question.empty()) {
      std::sort(cur.answer.begin(), cur.answer.end());
      std::sort(cur.authority.begin(), cur.authority.end());
      std::sort(cur.additional.begin(), cur.additional.end());
      answers[question] = cur;
    }
    cur = Answer();
    question.clear();
    section = nullptr;
  };
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(";; Got answer:", 0) == 0) {
      flush();
      cur.present = true;
      continue;
    }
    if (!cur.present)
      continue;
    if (line.empty()) {
      section = nullptr;
      continue;
    }
    if (want_question) {
      want_question = false;
      question = join(words(line.substr(1)));
      continue;
    }
    if (line.rfind(";; ->>HEADER<<-", 0) == 0) {
      std::string h = line.substr(16);
      size_t id = h.find(", id:");
      cur.header = h.substr(0, id);
      size_t st = cur.header.find("status: ");
      if (st != std::string::npos)
        cur.status = cur.header.substr(st + 8);
    } else if (line.rfind(";; flags:", 0) == 0) {
      cur.counts = join(words(line.substr(3)));
      size_t semi = line.find(';', 3);
      for (const auto& f : words(line.substr(9, semi - 9)))
        cur.flags.insert(f);
    } else if (line.rfind("; EDNS:", 0) == 0) {
      cur.edns = join(words(line));
    } else if (line == ";; QUESTION SECTION:") {
      want_question = true;
    } else if (line == ";; ANSWER SECTION:") {
      section = &cur.answer;
    } else if (line == ";; AUTHORITY SECTION:") {
      section = &cur.authority;
    } else if (line == ";; ADDITIONAL SECTION:") {
      section = &cur.additional;
    } else if (line[0] != ';' && section) {
      section->push_back(join(words(line)));
    }
    // Anything else (";; OPT PSEUDOSECTION:", "; COOKIE: ...", ";; WARNING ...") is not compared.
  }
  flush();
  return answers;
}

// Sends every query to 127.0.0.1:port with one dig process (batch mode) and returns the answers.
std::map<std::string, Answer> dig_all(int port, const std::set<Query>& queries,
                                      const std::vector<std::string>& transport,
                                      const std::string& batch_file) {
  std::string batch;
  for (const auto& q : queries)
    batch += q.name + " " + q.type + "\n";
  write_file(batch_file, batch);
  std::vector<std::string> argv = {"dig",        "@127.0.0.1", "-p",        std::to_string(port),
                                   "+norec",     "+nocookie",  "+tries=3",  "+timeout=3",
                                   "+noall",     "+comments",  "+question", "+answer",
                                   "+authority", "+additional"};
  argv.insert(argv.end(), transport.begin(), transport.end());
  argv.push_back("-f");
  argv.push_back(batch_file);
  RunResult r = run(argv, "", 300);
  auto answers = parse_dig(r.out);
  // A query lost on the way (UDP): ask once more on its own.
  for (const auto& q : queries) {
    if (answers.count(q.key()))
      continue;
    std::vector<std::string> one(argv.begin(), argv.end() - 2);
    one.push_back(q.name);
    one.push_back(q.type);
    auto again = parse_dig(run(one, "", 60).out);
    if (again.count(q.key()))
      answers[q.key()] = again[q.key()];
  }
  return answers;
}

struct Compared {
  Query query;
  Answer bind;
  Answer signet;
};

// ------------------------------------------------------------------ the two servers

class PdnsCompareTest : public ::testing::Test {
 protected:
  struct Servers {
    TempDir dir;
    std::unique_ptr<PdnsServer> bind;
    std::unique_ptr<PdnsServer> signet;
    ZoneModel zone;
    std::string nx_label;  // a random label, fresh for every run
  };

  static void SetUpTestSuite() {}
  static void TearDownTestSuite() { servers_.reset(); }

  void SetUp() override {
    if (servers_)
      return;
    try {
      start_servers();
    } catch (const std::exception& e) {
      servers_.reset();
      FAIL() << "cannot start the servers: " << e.what();
    }
  }

  static void start_servers() {
    auto s = std::make_unique<Servers>();
    s->zone = ZoneModel::read(rich_zone_path());
    std::random_device rd;
    std::mt19937 rng(rd());
    const char* alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    s->nx_label = "nx-";
    for (int i = 0; i < 8; ++i)
      s->nx_label += alphabet[rng() % 36];

    const std::string& d = s->dir.path();
    std::filesystem::create_directories(d + "/bind");
    std::filesystem::create_directories(d + "/signet");
    write_file(d + "/example.org.zone", kOrgZone);
    write_file(d + "/bind/named.conf", "zone \"example.com\" { type master; file \"" +
                                           rich_zone_path() +
                                           "\"; };\n"
                                           "zone \"example.org\" { type master; file \"" +
                                           d + "/example.org.zone\"; };\n");
    // No caches: every query reaches the backend. Both may transfer to 127.0.0.0/8.
    std::map<std::string, std::string> common = {{"cache-ttl", "0"},
                                                 {"query-cache-ttl", "0"},
                                                 {"negquery-cache-ttl", "0"},
                                                 {"allow-axfr-ips", "127.0.0.0/8"}};
    PdnsServerOptions b;
    b.backend = "bind";
    b.named_conf = d + "/bind/named.conf";
    b.settings = common;
    PdnsServerOptions g;
    g.backend = "signet";
    g.settings = common;
    s->bind = std::make_unique<PdnsServer>(d + "/bind", b);
    s->signet = std::make_unique<PdnsServer>(d + "/signet", g);

    auto signetutil = [&](std::vector<std::string> args) {
      args.insert(args.begin(), {signetutil_path(), "--config-dir", d + "/signet"});
      RunResult r = run(args);
      if (r.status != 0)
        throw std::runtime_error("signetutil " + join(args) + " failed: " + r.err);
    };
    signetutil({"create-tenant", "acme"});
    signetutil({"load-zone", "acme", "example.com.", rich_zone_path()});
    signetutil({"create-tenant", "globex"});
    signetutil({"load-zone", "globex", "example.org.", d + "/example.org.zone"});

    s->bind->start();
    s->signet->start();
    servers_ = std::move(s);
  }

  const ZoneModel& zone() const { return servers_->zone; }
  const std::string& nx() const { return servers_->nx_label; }

  // Asks both servers every query (over `transport`) and expects equal normalised answers.
  // Returns the pairs for the category's own checks.
  std::vector<Compared> compare(const std::set<Query>& queries,
                                const std::vector<std::string>& transport = {"+notcp", "+ignore"}) {
    std::vector<Compared> out;
    if (!servers_)
      return out;
    const std::string& d = servers_->dir.path();
    auto b = dig_all(servers_->bind->port(), queries, transport, d + "/bind/queries");
    auto s = dig_all(servers_->signet->port(), queries, transport, d + "/signet/queries");
    std::string how = transport.empty() ? "" : " (" + join(transport) + ")";
    for (const auto& q : queries) {
      Compared c{q, b[q.key()], s[q.key()]};
      EXPECT_TRUE(c.bind.present) << "bind backend did not answer " << q.key() << how;
      EXPECT_TRUE(c.signet.present) << "signet did not answer " << q.key() << how;
      EXPECT_TRUE(c.signet.text() == c.bind.text())
          << "query: " << q.key() << how << "\n--- bind backend:\n"
          << c.bind.text() << "--- signet:\n"
          << c.signet.text();
      EXPECT_FALSE(c.signet.has("ra")) << q.key() << how << "\n" << c.signet.text();
      out.push_back(std::move(c));
    }
    EXPECT_TRUE(servers_->signet->running()) << servers_->signet->log();
    return out;
  }

  // ---------------------------------------------------------------- the categories' queries

  static void add(std::set<Query>& qs, const std::string& name,
                  const std::vector<std::string>& types) {
    for (const auto& t : types)
      qs.insert({name, t});
  }

  // Authoritative data, not CNAMEs, not wildcards, not at or below a cut.
  std::vector<std::string> plain_owners() const {
    std::vector<std::string> out;
    for (const auto& [rel, types] : zone().owners) {
      if (zone().at_cut(rel) || zone().below_cut(rel) || zone().is_cname(rel) ||
          zone().is_wildcard(rel))
        continue;
      out.push_back(rel);
    }
    return out;
  }

  std::set<Query> positive_queries() const {
    std::set<Query> qs;
    for (const auto& rel : plain_owners()) {
      std::vector<std::string> types(zone().owners.at(rel).begin(), zone().owners.at(rel).end());
      add(qs, absolute(rel), types);
    }
    // The query name's spelling (0x20) against the owner's spelling in the zone.
    add(qs, "mixed.example.com.", {"A", "TXT"});
    add(qs, "MIXED.EXAMPLE.COM.", {"A", "TXT"});
    add(qs, "HoSt.ExAmPlE.cOm.", {"A", "AAAA"});
    add(qs, "EXAMPLE.COM.", {"SOA", "NS", "MX"});
    return qs;
  }

  std::set<Query> nodata_queries() const {
    std::set<Query> qs;
    for (const auto& rel : plain_owners()) {
      for (const auto& t : kGenericTypes) {
        if (t != "ANY" && !zone().owners.at(rel).count(t))
          qs.insert({absolute(rel), t});
      }
    }
    return qs;
  }

  std::set<Query> nxdomain_queries() const {
    std::set<Query> qs;
    std::vector<std::string> parents = {"",     "ent",          "b.ent", "a.b.ent", "exists.wild",
                                        "host", "c.b.a.deep",   "deep",  "_tcp",    "ns1",
                                        "big",  "d.c.b.a.deep", "MiXeD"};
    for (const auto& p : parents) {
      add(qs, absolute(p.empty() ? nx() : nx() + "." + p), kGenericTypes);
      add(qs, absolute(p.empty() ? "a.b." + nx() : "a.b." + nx() + "." + p), {"A", "TXT"});
    }
    return qs;
  }

  std::set<Query> wildcard_queries() const {
    std::set<Query> qs;
    for (const auto& rel : std::vector<std::string>{"foo.wild", nx() + ".wild", "a.b.c.wild",
                                                    "FOO.WiLd", "*.wild", "exists.wild", "wild"})
      add(qs, absolute(rel), kGenericTypes);
    add(qs, absolute("foo.wild"), {"SRV", "PTR", "HINFO"});
    return qs;
  }

  std::set<Query> delegation_queries() const {
    std::set<Query> qs;
    for (const auto& [rel, types] : zone().owners) {
      if (zone().at_cut(rel) || zone().below_cut(rel))
        add(qs, absolute(rel), kGenericTypes);
    }
    for (const auto& cut : zone().cuts) {
      add(qs, absolute(cut), kGenericTypes);
      add(qs, absolute(nx() + "." + cut), kGenericTypes);
      add(qs, absolute("a.b.c." + cut), {"A", "DS", "NS"});
    }
    return qs;
  }

  std::set<Query> cname_queries() const {
    std::set<Query> qs;
    for (const auto& [rel, types] : zone().owners) {
      if (zone().is_cname(rel)) {
        add(qs, absolute(rel), kGenericTypes);
        add(qs, absolute(rel), {"SRV", "TLSA"});
      }
    }
    return qs;
  }

  std::set<Query> ent_queries() const {
    std::set<Query> qs;
    for (const auto& e : zone().ents)
      add(qs, absolute(e), kGenericTypes);
    return qs;
  }

  std::set<Query> any_queries() const {
    std::set<Query> qs;
    for (const auto& [rel, types] : zone().owners)
      qs.insert({absolute(rel), "ANY"});
    for (const auto& e : zone().ents)
      qs.insert({absolute(e), "ANY"});
    qs.insert({absolute(nx()), "ANY"});
    qs.insert({absolute("foo.wild"), "ANY"});
    return qs;
  }

  std::set<Query> all_queries() const {
    std::set<Query> qs;
    for (const auto& part :
         {positive_queries(), nodata_queries(), nxdomain_queries(), wildcard_queries(),
          delegation_queries(), cname_queries(), ent_queries(), any_queries()})
      qs.insert(part.begin(), part.end());
    return qs;
  }

  static inline std::unique_ptr<Servers> servers_;
};

bool contains(const std::vector<std::string>& rrs, const std::string& needle) {
  return std::any_of(rrs.begin(), rrs.end(),
                     [&](const std::string& r) { return r.find(needle) != std::string::npos; });
}

std::vector<std::string> axfr(int port, const std::string& zone) {
  RunResult r = run({"dig", "@127.0.0.1", "-p", std::to_string(port), "+nocookie", "+noall",
                     "+answer", "AXFR", zone},
                    "", 60);
  std::vector<std::string> rrs;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ';')
      rrs.push_back(join(words(line)));
  }
  return rrs;
}

}  // namespace

// ------------------------------------------------------------------ the categories

TEST_F(PdnsCompareTest, PositiveAnswersForEveryOwnerAndTypeMatchBind) {
  auto results = compare(positive_queries());
  ASSERT_GT(results.size(), 30u);
  for (const auto& c : results) {
    EXPECT_EQ(c.bind.status, "NOERROR") << c.query.key();
    EXPECT_TRUE(c.bind.has("aa")) << c.query.key();
    EXPECT_TRUE(!c.bind.answer.empty() || c.bind.has("tc")) << c.query.key() << c.bind.text();
  }
}

TEST_F(PdnsCompareTest, NxdomainForNamesThatDoNotExistMatchesBind) {
  auto results = compare(nxdomain_queries());
  for (const auto& c : results) {
    if (c.query.type == "ANY") {
      continue;  // any-to-tcp: pdns answers ANY over UDP with TC and nothing else
    }
    EXPECT_EQ(c.bind.status, "NXDOMAIN") << c.query.key();
    EXPECT_TRUE(contains(c.bind.authority, " IN SOA ")) << c.query.key();
  }
}

TEST_F(PdnsCompareTest, NodataForMissingTypesAtExistingNamesMatchesBind) {
  auto results = compare(nodata_queries());
  ASSERT_GT(results.size(), 100u);
  for (const auto& c : results) {
    EXPECT_EQ(c.bind.status, "NOERROR") << c.query.key();
    EXPECT_TRUE(c.bind.answer.empty()) << c.query.key() << c.bind.text();
    // DS at the apex is answered from the parent side, which pdns does not have: no SOA there.
    if (c.query.type != "DS" || c.query.name != kApex) {
      EXPECT_TRUE(contains(c.bind.authority, " IN SOA ")) << c.query.key() << c.bind.text();
    }
  }
}

TEST_F(PdnsCompareTest, WildcardSynthesisAndWildcardNodataMatchBind) {
  auto results = compare(wildcard_queries());
  bool synthesized = false, wildcard_nodata = false;
  for (const auto& c : results) {
    if (c.query.key() == "foo.wild.example.com. IN A")
      synthesized = contains(c.bind.answer, "foo.wild.example.com. 3600 IN A 192.0.2.200");
    if (c.query.key() == "foo.wild.example.com. IN MX")
      wildcard_nodata = c.bind.status == "NOERROR" && c.bind.answer.empty();
  }
  EXPECT_TRUE(synthesized);
  EXPECT_TRUE(wildcard_nodata);
}

TEST_F(PdnsCompareTest, DelegationsGiveReferralsWithGlueAndDsMatchingBind) {
  auto results = compare(delegation_queries());
  bool referral_with_glue = false, ds_answered = false, insecure_ds_nodata = false;
  for (const auto& c : results) {
    const std::string k = c.query.key();
    if (k == "ns1.sub.example.com. IN A")
      referral_with_glue = !c.bind.has("aa") && contains(c.bind.authority, "IN NS ns1.sub") &&
                           contains(c.bind.additional, "ns1.sub.example.com. 3600 IN A");
    if (k == "sub.example.com. IN DS")
      ds_answered = c.bind.has("aa") && contains(c.bind.answer, "IN DS 12345 13 2");
    if (k == "insecure.example.com. IN DS")
      insecure_ds_nodata = c.bind.has("aa") && c.bind.answer.empty();
  }
  EXPECT_TRUE(referral_with_glue);
  EXPECT_TRUE(ds_answered);
  EXPECT_TRUE(insecure_ds_nodata);
}

TEST_F(PdnsCompareTest, CnameChainsAreFollowedLikeBind) {
  auto results = compare(cname_queries());
  bool chain = false;
  for (const auto& c : results) {
    if (c.query.key() == "www.example.com. IN A")
      chain = c.bind.answer.size() == 3 && contains(c.bind.answer, "host.example.com. 3600 IN A");
  }
  EXPECT_TRUE(chain);
}

TEST_F(PdnsCompareTest, EmptyNonTerminalsAreNodataNotNxdomainLikeBind) {
  auto results = compare(ent_queries());
  ASSERT_FALSE(results.empty());
  for (const auto& c : results) {
    EXPECT_EQ(c.bind.status, "NOERROR") << c.query.key();
    EXPECT_TRUE(c.bind.answer.empty()) << c.query.key();
  }
}

TEST_F(PdnsCompareTest, AnyQueriesReturnTheSameRecordsAsBind) {
  // Over UDP pdns answers ANY with TC (any-to-tcp=yes, its default): the records come over TCP.
  for (const auto& c : compare(any_queries())) {
    EXPECT_TRUE(c.bind.has("tc")) << c.query.key() << c.bind.text();
  }
  auto results = compare(any_queries(), {"+tcp"});
  for (const auto& c : results) {
    if (c.query.key() == "example.com. IN ANY") {
      EXPECT_EQ(c.bind.answer.size(), 9u) << c.bind.text();
    }
    if (c.query.key() == "big.example.com. IN ANY") {
      EXPECT_EQ(c.bind.answer.size(), 100u) << c.bind.text();
    }
  }
}

TEST_F(PdnsCompareTest, EveryQueryOverTcpMatchesBind) {
  auto results = compare(all_queries(), {"+tcp"});
  bool big = false;
  for (const auto& c : results) {
    EXPECT_FALSE(c.bind.has("tc")) << c.query.key();
    if (c.query.key() == "big.example.com. IN A")
      big = c.bind.answer.size() == 100;
  }
  EXPECT_TRUE(big) << "the 100 records at big.example.com must come whole over TCP";
}

TEST_F(PdnsCompareTest, DnssecOkQueriesOnTheUnsignedZoneMatchBind) {
  // The zone has no keys: the DO bit must change nothing but the EDNS flags.
  auto results = compare(all_queries(), {"+tcp", "+dnssec"});
  for (const auto& c : results) {
    EXPECT_FALSE(contains(c.bind.answer, " IN RRSIG ")) << c.query.key();
  }
}

TEST_F(PdnsCompareTest, TruncationWithSmallUdpBufferMatchesBind) {
  auto small = compare(all_queries(), {"+notcp", "+bufsize=512", "+ignore"});
  auto no_edns = compare(all_queries(), {"+notcp", "+noedns", "+ignore"});
  size_t truncated = 0;
  for (const auto* results : {&small, &no_edns}) {
    for (const auto& c : *results) {
      if (c.bind.has("tc"))
        ++truncated;
      if (c.query.key() == "big.example.com. IN A") {
        EXPECT_TRUE(c.bind.has("tc")) << c.bind.text();
      }
    }
  }
  EXPECT_GE(truncated, 4u);
}

TEST_F(PdnsCompareTest, AxfrHasExactlyTheRecordsOfBindsAxfr) {
  if (!servers_)
    return;
  auto b = axfr(servers_->bind->port(), kApex);
  auto s = axfr(servers_->signet->port(), kApex);
  ASSERT_GE(b.size(), zone().records + 1) << join(b, "\n");
  ASSERT_GE(s.size(), 2u) << join(s, "\n");
  EXPECT_NE(s.front().find(" IN SOA "), std::string::npos) << s.front();
  EXPECT_EQ(s.front(), s.back());
  EXPECT_EQ(s.front(), b.front());
  std::sort(b.begin(), b.end());
  std::sort(s.begin(), s.end());
  EXPECT_EQ(join(s, "\n"), join(b, "\n"));
  EXPECT_EQ(s.size(), zone().records + 1);  // every record once, the SOA twice
}

TEST_F(PdnsCompareTest, SecondTenantsZoneIsServedBySameServerLikeBind) {
  std::set<Query> qs;
  add(qs, "example.org.", {"SOA", "NS", "ANY", "A"});
  add(qs, "www.example.org.", {"A", "TXT", "AAAA"});
  add(qs, "x.apps.example.org.", {"A", "TXT", "CNAME"});
  add(qs, "nothing.example.org.", {"A"});
  auto results = compare(qs);
  for (const auto& c : results) {
    if (c.query.key() == "www.example.org. IN A") {
      EXPECT_TRUE(contains(c.bind.answer, "192.0.2.232"));
    }
  }
  std::set<Query> plus_com = qs;
  add(plus_com, "www.example.com.", {"A"});
  compare(plus_com, {"+tcp"});
}

TEST_F(PdnsCompareTest, NamesInNoZoneAreRefusedLikeBind) {
  std::set<Query> qs;
  add(qs, "www.example.net.", {"A", "SOA"});
  add(qs, "example.net.", {"SOA", "NS"});
  add(qs, "com.", {"SOA", "NS", "DS"});
  add(qs, ".", {"SOA", "NS"});
  add(qs, "org.", {"A"});
  add(qs, "xexample.com.", {"A"});
  add(qs, "example.com.org.", {"A"});
  auto results = compare(qs);
  for (const auto& c : results)
    EXPECT_EQ(c.bind.status, "REFUSED") << c.query.key();
  compare(qs, {"+tcp"});
}
