// SPDX-License-Identifier: GPL-2.0-or-later
// The DNS client against a scripted responder on 127.0.0.1: answers are matched by ID, question
// and source (RFC 5452 §9.1), truncated answers are asked again over TCP, and the response to a
// TSIG-signed update must verify (RFC 8945 §5.3).
#include "signer/dns_client.hh"

#include <gtest/gtest.h>

#include <chrono>

#include "signer/knot.hh"
#include "signer/rrtype.hh"
#include "tests/support/fake_dns.hh"

using namespace signet;
using namespace signet::test;

namespace {

Name n(const char* text) {
  return Name::from_text(text);
}

std::vector<std::string> addresses(const DnsResponse& r) {
  std::vector<std::string> out;
  for (const auto& rec : r.answer) {
    if (rec.type == rrtype::A)
      out.push_back(std::to_string(rec.rdata[0]) + "." + std::to_string(rec.rdata[1]) + "." +
                    std::to_string(rec.rdata[2]) + "." + std::to_string(rec.rdata[3]));
  }
  return out;
}

DnsReply a_reply(const DnsRequest& q, const char* address) {
  return ReplyBuilder(q).aa().answer(q.qname, rrtype::A, 300, a_rdata(address));
}

QueryOptions quick() {
  QueryOptions o;
  o.try_timeout_ms = 300;
  o.tries = 2;
  return o;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(DnsClient, AcceptsOnlyTheAnswerWithTheQueryIdQuestionAndSource) {
  FakeDnsServer server([](const DnsRequest& q) -> std::vector<DnsReply> {
    uint16_t other_id = static_cast<uint16_t>(q.id + 1);
    return {
        ReplyBuilder(q).id(other_id).aa().answer(q.qname, rrtype::A, 300, a_rdata("192.0.2.61")),
        ReplyBuilder(q)
            .question(n("other.example."), q.qtype)
            .aa()
            .answer(n("other.example."), rrtype::A, 300, a_rdata("192.0.2.62")),
        ReplyBuilder(q)
            .question(q.qname, rrtype::AAAA)
            .aa()
            .answer(q.qname, rrtype::A, 300, a_rdata("192.0.2.63")),
        DnsReply{a_reply(q, "192.0.2.64").wire, /*from_other_port=*/true},
        a_reply(q, "192.0.2.1"),
    };
  });
  DnsResponse r = dns_query(server.address(), n("www.example."), rrtype::A, quick());
  EXPECT_EQ(addresses(r), std::vector<std::string>{"192.0.2.1"});
  EXPECT_TRUE(r.aa);
  EXPECT_EQ(server.queries(), 1u);  // the forgeries did not cost a retry either
}

TEST(DnsClient, OnlyForgedAnswersEndInATimeout) {
  FakeDnsServer server([](const DnsRequest& q) -> std::vector<DnsReply> {
    return {ReplyBuilder(q).id(static_cast<uint16_t>(q.id ^ 0x5555)).aa(),
            DnsReply{a_reply(q, "192.0.2.64").wire, true}};
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(dns_query(server.address(), n("www.example."), rrtype::A, quick()), DnsTimeout);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(2));
  EXPECT_EQ(server.queries(), 2u);  // both tries
}

TEST(DnsClient, TheQuestionIsComparedCaseInsensitively) {
  FakeDnsServer server([](const DnsRequest& q) -> std::vector<DnsReply> {
    return {ReplyBuilder(q)
                .question(n("WWW.Example."), q.qtype)
                .aa()
                .answer(q.qname, rrtype::A, 300, a_rdata("192.0.2.1"))};
  });
  DnsResponse r = dns_query(server.address(), n("www.example."), rrtype::A, quick());
  EXPECT_EQ(addresses(r), std::vector<std::string>{"192.0.2.1"});
}

TEST(DnsClient, RecursionDesiredIsSetOnlyWhenAsked) {
  std::vector<bool> rd;
  FakeDnsServer server([&](const DnsRequest& q) -> std::vector<DnsReply> {
    rd.push_back(q.rd);
    return {a_reply(q, "192.0.2.1")};
  });
  QueryOptions o = quick();
  dns_query(server.address(), n("www.example."), rrtype::A, o);
  o.recursion_desired = true;
  dns_query(server.address(), n("www.example."), rrtype::A, o);
  EXPECT_EQ(rd, (std::vector<bool>{false, true}));
}

TEST(DnsClient, ATruncatedAnswerIsAskedAgainOverTcpAndMatchedThere) {
  FakeDnsServer server([](const DnsRequest& q) -> std::vector<DnsReply> {
    if (!q.tcp)
      return {ReplyBuilder(q).aa().tc()};
    return {a_reply(q, "192.0.2.7")};
  });
  DnsResponse r = dns_query(server.address(), n("big.example."), rrtype::A, quick());
  EXPECT_EQ(addresses(r), std::vector<std::string>{"192.0.2.7"});

  FakeDnsServer liar([](const DnsRequest& q) -> std::vector<DnsReply> {
    if (!q.tcp)
      return {ReplyBuilder(q).aa().tc()};
    return {ReplyBuilder(q).id(static_cast<uint16_t>(q.id + 1)).aa()};
  });
  std::string e =
      error_of([&] { dns_query(liar.address(), n("big.example."), rrtype::A, quick()); });
  EXPECT_NE(e.find("does not match the query"), std::string::npos) << e;
  EXPECT_NE(e.find(liar.address().text()), std::string::npos) << e;
}

TEST(DnsClient, AuthorityAndAdditionalSectionsAreReturned) {
  FakeDnsServer server([](const DnsRequest& q) -> std::vector<DnsReply> {
    return {ReplyBuilder(q)
                .answer(q.qname, rrtype::NS, 3600, name_rdata(n("ns1.example.")))
                .authority(q.qname, rrtype::SOA, 60, soa_rdata(n("ns1.example."), 30))
                .additional(n("ns1.example."), rrtype::A, 3600, a_rdata("192.0.2.53"))};
  });
  DnsResponse r = dns_query(server.address(), n("example."), rrtype::NS, quick());
  ASSERT_EQ(r.answer.size(), 1u);
  EXPECT_TRUE(Name::from_wire(r.answer[0].rdata).equals(n("ns1.example.")));
  ASSERT_EQ(r.authority.size(), 1u);
  EXPECT_EQ(r.authority[0].type, rrtype::SOA);
  ASSERT_EQ(r.additional.size(), 1u);  // the OPT record is not among them
  EXPECT_EQ(r.additional[0].type, rrtype::A);
}

TEST(DnsClient, NothingListeningFailsAtOnceAndSilenceIsATimeout) {
  FakeDnsServer silent([](const DnsRequest&) { return std::vector<DnsReply>{}; });
  EXPECT_THROW(dns_query(silent.address(), n("example."), rrtype::NS, quick()), DnsTimeout);
  DnsServer closed = silent.address();
  {
    FakeDnsServer gone([](const DnsRequest&) { return std::vector<DnsReply>{}; });
    closed = gone.address();
  }
  auto start = std::chrono::steady_clock::now();
  std::string e = error_of([&] { dns_query(closed, n("example."), rrtype::NS, quick()); });
  EXPECT_NE(e.find("connection refused"), std::string::npos) << e;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(250));
}

TEST(DnsClient, ServerListsParseWithPortsAndNameTheBadEntry) {
  auto list = parse_dns_server_list("127.0.0.1, [::1]:5353 127.0.0.2:53");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[1].address, "::1");
  EXPECT_EQ(list[1].port, 5353);
  EXPECT_EQ(list[2].text(), "127.0.0.2:53");
  EXPECT_TRUE(parse_dns_server_list("").empty());
  std::string e = error_of([] { parse_dns_server_list("127.0.0.1, resolver.example"); });
  EXPECT_NE(e.find("'resolver.example'"), std::string::npos) << e;
  EXPECT_THROW(parse_dns_server("127.0.0.1:"), InputError);
  EXPECT_THROW(parse_dns_server("127.0.0.1:70000"), InputError);
}

// ------------------------------------------------------------------ DS push and TSIG

namespace {

const char* kSecret = "c2lnbmV0LWRzLXB1c2gtdGVzdC1rZXk=";

struct Key {
  knot_tsig_key_t key{};
  Key(const char* name, const char* secret) {
    EXPECT_EQ(knot_tsig_key_init(&key, "hmac-sha256", name, secret), KNOT_EOK);
  }
  ~Key() { knot_tsig_key_deinit(&key); }
};

// A parent that checks the update's TSIG and answers `rcode`, signed with `secret` (nullptr:
// unsigned), its MAC chained to the request's as RFC 8945 §5.3 says.
FakeDnsServer::Handler parent(int rcode, const char* secret, bool* request_verified) {
  return [=](const DnsRequest& q) -> std::vector<DnsReply> {
    std::vector<uint8_t> wire = q.wire;
    knot_pkt_t* pkt = knot_pkt_new(wire.data(), static_cast<uint16_t>(wire.size()), nullptr);
    EXPECT_EQ(knot_pkt_parse(pkt, 0), KNOT_EOK);
    Key right("ds-update.", kSecret);
    if (request_verified) {
      *request_verified = pkt->tsig_rr && knot_tsig_server_check(pkt->tsig_rr, pkt->wire, pkt->size,
                                                                 &right.key) == KNOT_EOK;
    }
    std::vector<uint8_t> mac;
    if (pkt->tsig_rr) {
      const uint8_t* m = knot_tsig_rdata_mac(pkt->tsig_rr);
      mac.assign(m, m + knot_tsig_rdata_mac_length(pkt->tsig_rr));
    }
    knot_pkt_free(pkt);
    std::vector<uint8_t> resp = ReplyBuilder(q).rcode(rcode).wire();
    if (secret) {
      Key key("ds-update.", secret);
      size_t len = resp.size();
      resp.resize(len + 512);
      uint8_t digest[64];
      size_t digest_len = sizeof(digest);
      EXPECT_EQ(knot_tsig_sign(resp.data(), &len, resp.size(), mac.data(), mac.size(), digest,
                               &digest_len, &key.key, 0, 0),
                KNOT_EOK);
      resp.resize(len);
    }
    return {DnsReply{resp, false}};
  };
}

void push(const DnsServer& server, const char* secret = kSecret) {
  std::vector<std::vector<uint8_t>> ds = {{0x30, 0x39, 13, 2, 1, 2, 3, 4}};
  dns_push_ds(server, n("example."), n("child.example."), 3600, ds,
              TsigKeySpec{"ds-update.", "hmac-sha256", secret}, 2000);
}

}  // namespace

TEST(DnsPush, ASignedNoerrorThatVerifiesIsSuccess) {
  bool verified = false;
  FakeDnsServer server(parent(0, kSecret, &verified));
  EXPECT_NO_THROW(push(server.address()));
  EXPECT_TRUE(verified);  // and our own signature is one a server accepts
}

TEST(DnsPush, AnUnsignedNoerrorIsRefusedNamingTheServer) {
  FakeDnsServer server(parent(0, nullptr, nullptr));
  std::string e = error_of([&] { push(server.address()); });
  EXPECT_NE(e.find("response not TSIG-signed"), std::string::npos) << e;
  EXPECT_NE(e.find(server.address().text()), std::string::npos) << e;
}

TEST(DnsPush, ANoerrorSignedWithAnotherKeyFailsVerification) {
  FakeDnsServer server(parent(0, "d3Jvbmcta2V5LWJ5dGVz", nullptr));
  std::string e = error_of([&] { push(server.address()); });
  EXPECT_NE(e.find("TSIG verification failed"), std::string::npos) << e;
  EXPECT_NE(e.find(server.address().text()), std::string::npos) << e;
}

TEST(DnsPush, AResponseToAnotherRequestFailsVerification) {
  // Signed with the right key but over another request's MAC: a replayed response.
  FakeDnsServer server([](const DnsRequest& q) -> std::vector<DnsReply> {
    std::vector<uint8_t> resp = ReplyBuilder(q).wire();
    Key key("ds-update.", kSecret);
    std::vector<uint8_t> other_mac(32, 0xab);
    size_t len = resp.size();
    resp.resize(len + 512);
    uint8_t digest[64];
    size_t digest_len = sizeof(digest);
    knot_tsig_sign(resp.data(), &len, resp.size(), other_mac.data(), other_mac.size(), digest,
                   &digest_len, &key.key, 0, 0);
    resp.resize(len);
    return {DnsReply{resp, false}};
  });
  std::string e = error_of([&] { push(server.address()); });
  EXPECT_NE(e.find("TSIG verification failed"), std::string::npos) << e;
}

TEST(DnsPush, ASignedRefusalNamesTheRcode) {
  FakeDnsServer server(parent(KNOT_RCODE_REFUSED, kSecret, nullptr));
  std::string e = error_of([&] { push(server.address()); });
  EXPECT_NE(e.find("refused the DS update for child.example.: REFUSED"), std::string::npos) << e;
}

TEST(DnsPush, WithoutTsigTheRcodeDecides) {
  FakeDnsServer ok(parent(0, nullptr, nullptr));
  std::vector<std::vector<uint8_t>> ds = {{0x30, 0x39, 13, 2, 1, 2, 3, 4}};
  EXPECT_NO_THROW(
      dns_push_ds(ok.address(), n("example."), n("child.example."), 3600, ds, std::nullopt, 2000));
  FakeDnsServer no(parent(KNOT_RCODE_NOTAUTH, nullptr, nullptr));
  EXPECT_THROW(
      dns_push_ds(no.address(), n("example."), n("child.example."), 3600, ds, std::nullopt, 2000),
      Error);
}
