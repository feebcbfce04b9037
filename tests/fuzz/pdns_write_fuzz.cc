// SPDX-License-Identifier: GPL-2.0-or-later
//
// Fuzz target: the pdns write path, without pdns. The input is a sequence of the operations a pdns
// backend write turns into (backend/signet_backend.cc) on two zones of a store — example.com. and
// child.example.com. below it — interleaved with the DNSSEC operations of signetutil:
//
//   edit transaction     startTransaction(zone, -1), feedRecord / replaceRRSet / delete RRset...,
//                        then commitTransaction (ZoneWriter::finish + commit) or abortTransaction
//   replace transaction  startTransaction(zone, id): ZoneWriter::clear, feedRecord..., commit/abort
//   replaceRRSet         outside a transaction: its own ZoneWriter and transaction
//   createDomain, deleteDomain, signetutil edits (Portfolio::edit_zone), increase-serial,
//   secure-zone (Ed25519; CSK or KSK+ZSK; NSEC3 or NSEC), set-nsec3 / unset-nsec3, unsecure-zone,
//   and the clock moving on with the refresher re-signing what is due.
//
// RDATA is either well formed for its type or arbitrary bytes (pdns' own parsers live in
// pdns_server; what reaches the store is wire format). After every operation that ran through
// (committed, or aborted by choice; a refused one leaves the store as it was) every zone must
// satisfy the stored-zone invariants, and a secured zone must verify with Dnssec::verify
// (invariants.hh). An operation may fail only with a signet::Error, and not with one that means a
// bug: CorruptionError (our own bytes do not decode) or a failed signing self-check/self-test (we
// were about to serve a signature that does not verify).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "keystore/portfolio.hh"
#include "keystore/zone_writer.hh"
#include "signer/policy.hh"
#include "signer/rrtype.hh"
#include "tests/fuzz/harness.hh"
#include "tests/fuzz/invariants.hh"

using namespace signet;

namespace {

constexpr size_t kMaxOps = 40;

const Name& apex(int z) {
  static const Name names[2] = {Name::from_text("example.com."),
                                Name::from_text("child.example.com.")};
  return names[z];
}

class Session {
 public:
  explicit Session(FuzzedDataProvider& fdp) : fdp_(fdp), h_(fuzz::Harness::get()) {}

  void run() {
    // A head start: example.com. with some data, unsigned or secured (as the input says).
    int start = fdp_.ConsumeIntegralInRange<int>(0, 2);
    last_ = "the start";
    attempt("create example.com.", [&] {
      auto txn = h_.store->begin_write();
      ZoneRecord z = h_.portfolio->create_zone_with_soa(txn, "fuzz", apex(0),
                                                        {Name::from_text("ns1.example.com.")});
      h_.portfolio->edit_zone(
          txn, apex(0),
          [&](ZoneWriter& w) {
            auto add = [&](const char* owner, uint16_t type, std::vector<uint8_t> rdata) {
              w.add(Name::from_text(std::string(owner) + ".example.com."), type, 300, rdata);
            };
            Name ns = Name::from_text("ns.sub.example.com.");
            add("www", rrtype::A, {192, 0, 2, 1});
            add("deep.a.b", rrtype::TXT, {2, 'h', 'i'});
            add("*.wild", rrtype::A, {192, 0, 2, 2});
            add("sub", rrtype::NS, {ns.wire().begin(), ns.wire().end()});
            add("ns.sub", rrtype::A, {192, 0, 2, 3});
          },
          false);
      if (start > 0) {
        z = h_.portfolio->zone(txn, apex(0));
        SigningPolicy p = *builtin_policy("ed25519");
        if (start == 2)
          p.denial = DenialMode::kNsec;
        h_.dnssec->signing().secure(txn, z, p, 1);
      }
      txn.commit();
    });
    check_all();
    for (size_t i = 0; i < kMaxOps && fdp_.remaining_bytes() > 0; ++i) {
      if (step())
        check_all();
    }
    auto txn = h_.store->begin_write();
    for (int z = 1; z >= 0; --z) {
      if (h_.store->find_zone(txn, apex(z)))
        h_.portfolio->delete_zone(txn, apex(z));
    }
    txn.commit();
  }

 private:
  // Runs one operation; a signet::Error refuses it (its transaction aborts), unless the error
  // means a bug. Returns whether it ran through (committed, or aborted by choice).
  template <typename F>
  bool attempt(const std::string& what, F&& op) {
    try {
      op();
      return true;
    } catch (const CorruptionError& e) {
      fuzz::fail(what + ": " + e.what());
    } catch (const Error& e) {
      std::string m = e.what();
      if (m.find("self-check failed") != std::string::npos ||
          m.find("self-test") != std::string::npos)
        fuzz::fail(what + ": " + m);
    }
    return false;  // refused: its transaction aborted, the store is as it was
  }

  void check_all() {
    auto txn = h_.store->begin_read();
    for (int z = 0; z < 2; ++z) {
      auto zone = h_.store->find_zone(txn, apex(z));
      if (!zone)
        continue;
      auto problems = fuzz::zone_problems(*h_.store, txn, *zone, *h_.dnssec);
      if (!problems.empty()) {
        std::string all;
        for (const auto& p : problems)
          all += "\n  " + p;
        fuzz::fail("after " + last_ + ": zone invariants broken:" + all);
      }
    }
  }

  // ------------------------------------------------------------ what records are made of
  Name owner(int z) {
    static const char* const kRel[] = {"",          "www",     "WWW",    "a.b",      "b",
                                       "deep.a.b",  "*",       "*.wild", "wild",     "sub",
                                       "ns.sub",    "x.y.sub", "child",  "ns.child", "mail",
                                       "_sip._tcp", "A.B",     "y.sub"};
    int pick = fdp_.ConsumeIntegralInRange<int>(0, std::size(kRel) + 2);
    if (pick == static_cast<int>(std::size(kRel)))
      return Name::from_text("elsewhere.org.");  // outside both zones
    if (pick > static_cast<int>(std::size(kRel))) {
      // Arbitrary labels below the apex.
      Name n = apex(z);
      for (int i = fdp_.ConsumeIntegralInRange<int>(1, 3); i > 0; --i) {
        std::string label = fdp_.ConsumeRandomLengthString(70);
        try {
          n = n.prepend_label(codec::as_bytes(label));
        } catch (const InputError&) {
          break;
        }
      }
      return n;
    }
    std::string rel = kRel[pick];
    return rel.empty() ? apex(z) : Name::from_text(rel + "." + apex(z).to_text());
  }

  uint16_t type() {
    static const uint16_t kTypes[] = {
        rrtype::A,       rrtype::AAAA,  rrtype::NS,    rrtype::CNAME,      rrtype::SOA,
        rrtype::MX,      rrtype::TXT,   rrtype::DS,    rrtype::DNSKEY,     rrtype::CDS,
        rrtype::CDNSKEY, rrtype::DNAME, rrtype::SRV,   rrtype::NAPTR,      rrtype::PTR,
        rrtype::RRSIG,   rrtype::NSEC,  rrtype::NSEC3, rrtype::NSEC3PARAM, rrtype::kEnt,
        rrtype::ANY,     rrtype::OPT,   65280,         rrtype::A,          rrtype::TXT};
    size_t pick = fdp_.ConsumeIntegralInRange<size_t>(0, std::size(kTypes));
    return pick < std::size(kTypes) ? kTypes[pick] : fdp_.ConsumeIntegral<uint16_t>();
  }

  uint32_t ttl() {
    static const uint32_t kTtls[] = {300, 3600, 0, 60, 0x7fffffff, 0x80000000};
    size_t pick = fdp_.ConsumeIntegralInRange<size_t>(0, std::size(kTtls));
    return pick < std::size(kTtls) ? kTtls[pick] : fdp_.ConsumeIntegral<uint32_t>();
  }

  void put_name(std::vector<uint8_t>& out, int z) {
    Name n = fdp_.ConsumeBool() ? owner(z) : Name::from_text("ns.elsewhere.org.");
    out.insert(out.end(), n.wire().begin(), n.wire().end());
  }
  void put_u16(std::vector<uint8_t>& out, uint16_t v) {
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
  }
  void put_bytes(std::vector<uint8_t>& out, size_t n) {
    auto b = fdp_.ConsumeBytes<uint8_t>(n);
    b.resize(n);
    out.insert(out.end(), b.begin(), b.end());
  }

  std::vector<uint8_t> rdata(int z, uint16_t t) {
    std::vector<uint8_t> out;
    if (!fdp_.ConsumeBool()) {  // arbitrary bytes
      put_bytes(out, fdp_.ConsumeIntegralInRange<size_t>(0, 40));
      return out;
    }
    switch (t) {
      case rrtype::A:
        put_bytes(out, 4);
        break;
      case rrtype::AAAA:
        put_bytes(out, 16);
        break;
      case rrtype::NS:
      case rrtype::CNAME:
      case rrtype::DNAME:
      case rrtype::PTR:
        put_name(out, z);
        break;
      case rrtype::MX:
        put_u16(out, fdp_.ConsumeIntegral<uint16_t>());
        put_name(out, z);
        break;
      case rrtype::SRV:
        for (int i = 0; i < 3; ++i)
          put_u16(out, fdp_.ConsumeIntegral<uint16_t>());
        put_name(out, z);
        break;
      case rrtype::NAPTR:
        put_u16(out, 10);
        put_u16(out, 100);
        for (int i = 0; i < 3; ++i) {
          size_t n = fdp_.ConsumeIntegralInRange<size_t>(0, 8);
          out.push_back(static_cast<uint8_t>(n));
          put_bytes(out, n);
        }
        put_name(out, z);
        break;
      case rrtype::TXT: {
        size_t n = fdp_.ConsumeIntegralInRange<size_t>(0, 20);
        out.push_back(static_cast<uint8_t>(n));
        put_bytes(out, n);
        break;
      }
      case rrtype::SOA: {
        auto soa = make_soa_rdata(Name::from_text("ns1.example.com."),
                                  Name::from_text("Hostmaster.example.com."),
                                  fdp_.ConsumeIntegral<uint32_t>(), 10800, 3600,
                                  fdp_.ConsumeIntegralInRange<uint32_t>(0, 4000000), ttl());
        return soa;
      }
      case rrtype::DS:
      case rrtype::CDS:
        put_u16(out, fdp_.ConsumeIntegral<uint16_t>());
        out.push_back(fdp_.ConsumeBool() ? 15 : 13);
        out.push_back(2);
        put_bytes(out, 32);
        break;
      case rrtype::DNSKEY:
      case rrtype::CDNSKEY:
        put_u16(out, fdp_.ConsumeBool() ? 257 : 256);
        out.push_back(3);
        out.push_back(15);
        put_bytes(out, 32);
        break;
      default:
        put_bytes(out, fdp_.ConsumeIntegralInRange<size_t>(0, 40));
        break;
    }
    return out;
  }

  // ------------------------------------------------------------ record operations on a writer
  void record_ops(ZoneWriter& w, int z, bool adds_only) {
    for (int n = fdp_.ConsumeIntegralInRange<int>(1, 6); n > 0 && fdp_.remaining_bytes(); --n) {
      int kind = adds_only ? 0 : fdp_.ConsumeIntegralInRange<int>(0, 3);
      Name o = owner(z);
      uint16_t t = type();
      if (kind <= 1) {  // feedRecord
        uint32_t tt = ttl();
        w.add(o, t, tt, rdata(z, t));
      } else if (kind == 2) {  // replaceRRSet: an empty list deletes
        uint32_t tt = ttl();
        std::vector<std::vector<uint8_t>> rdatas(fdp_.ConsumeIntegralInRange<size_t>(0, 3));
        for (auto& r : rdatas)
          r = rdata(z, t);
        if (t == rrtype::ANY)
          throw InputError("cannot replace type ANY");  // as the backend refuses it
        w.replace(o, t, tt, std::move(rdatas));
        w.apply_pending();  // later lookups in the transaction see the new RRset
      } else {
        w.remove(o, t);
      }
    }
  }

  ZoneRecord zone_in(const lmdb::Txn& txn, int z) {
    auto found = h_.store->find_zone(txn, apex(z));
    if (!found)
      throw NotFound("zone '" + apex(z).to_text() + "' does not exist");
    return *found;
  }

  void pdns_transaction(int z, bool replace) {
    auto txn = h_.store->begin_write();
    ZoneRecord zone = zone_in(txn, z);
    ZoneWriter w(*h_.store, txn, zone, h_.clock.now());
    w.set_hook(&h_.dnssec->signing());
    w.set_audit(h_.audit.get());
    if (replace)
      w.clear();
    record_ops(w, z, replace);
    if (fdp_.ConsumeBool()) {  // commitTransaction
      w.finish();
      txn.commit();
    }  // else abortTransaction: the transaction aborts with `txn`
  }

  void replace_rrset_alone(int z) {
    auto txn = h_.store->begin_write();
    ZoneRecord zone = zone_in(txn, z);
    ZoneWriter w(*h_.store, txn, zone, h_.clock.now());
    w.set_hook(&h_.dnssec->signing());
    w.set_audit(h_.audit.get());
    Name o = owner(z);
    uint16_t t = type();
    uint32_t tt = ttl();
    std::vector<std::vector<uint8_t>> rdatas(fdp_.ConsumeIntegralInRange<size_t>(0, 3));
    for (auto& r : rdatas)
      r = rdata(z, t);
    w.replace(o, t, tt, std::move(rdatas));
    w.finish();
    txn.commit();
  }

  SigningPolicy policy() {
    SigningPolicy p = *builtin_policy("ed25519");
    p.csk = fdp_.ConsumeBool();
    if (fdp_.ConsumeBool())
      p.denial = DenialMode::kNsec;
    return p;
  }

  void secure(int z) {
    auto txn = h_.store->begin_write();
    ZoneRecord zone = zone_in(txn, z);
    h_.dnssec->signing().secure(txn, zone, policy(), 1);
    // Committed, or aborted as a later failure in the same transaction would (signetutil batch,
    // a key manager tick that fails after generating keys).
    if (fdp_.ConsumeBool())
      txn.commit();
  }

  void set_denial(int z) {
    auto txn = h_.store->begin_write();
    ZoneRecord zone = zone_in(txn, z);
    std::optional<Nsec3Params> params;
    if (fdp_.ConsumeBool()) {
      params.emplace();
      params->flags = fdp_.ConsumeBool() ? 1 : 0;
      params->iterations = fdp_.ConsumeIntegralInRange<uint16_t>(0, 5);
      params->salt = fdp_.ConsumeBytes<uint8_t>(fdp_.ConsumeIntegralInRange<size_t>(0, 8));
    }
    h_.dnssec->signing().set_denial(txn, zone, params, 1);
    if (fdp_.ConsumeBool())
      txn.commit();
  }

  bool step() {
    int z = fdp_.ConsumeIntegralInRange<int>(0, 3) == 3 ? 1 : 0;
    int op = fdp_.ConsumeIntegralInRange<int>(0, 12);
    last_ = "op " + std::to_string(op) + " on " + apex(z).to_text();
    switch (op) {
      case 0:
      case 1:
      case 2:
        return attempt("edit transaction", [&] { pdns_transaction(z, false); });
      case 3:
        return attempt("replace transaction", [&] { pdns_transaction(z, true); });
      case 4:
        return attempt("replaceRRSet", [&] { replace_rrset_alone(z); });
      case 5:
        return attempt("createDomain", [&] {
          auto txn = h_.store->begin_write();
          std::string tenant = fdp_.ConsumeIntegralInRange<int>(0, 3) == 0 ? "other" : "fuzz";
          h_.portfolio->tenant_or_create(txn, tenant, true);
          h_.portfolio->create_zone(txn, tenant, apex(z));
          txn.commit();
        });
      case 6:
        return attempt("deleteDomain", [&] {
          auto txn = h_.store->begin_write();
          h_.portfolio->delete_zone(txn, apex(z));
          txn.commit();
        });
      case 7:
        return attempt("signetutil edit", [&] {
          auto txn = h_.store->begin_write();
          bool bump = fdp_.ConsumeBool();
          h_.portfolio->edit_zone(
              txn, apex(z), [&](ZoneWriter& w) { record_ops(w, z, false); }, bump);
          txn.commit();
        });
      case 8:
        return attempt("secure-zone", [&] { secure(z); });
      case 9:
        return attempt("set-nsec3", [&] { set_denial(z); });
      case 10:
        return attempt("unsecure-zone", [&] {
          auto txn = h_.store->begin_write();
          ZoneRecord zone = zone_in(txn, z);
          h_.dnssec->signing().unsecure(txn, zone);
          txn.commit();
        });
      case 11:
        return attempt("increase-serial", [&] {
          auto txn = h_.store->begin_write();
          h_.portfolio->increase_serial(txn, apex(z));
          txn.commit();
        });
      case 12:
        // Time passes (up to 20 days: past the refresh window, short of the validity); the
        // refresher re-signs every zone that is due.
        h_.clock.advance(fdp_.ConsumeIntegralInRange<uint64_t>(0, 20 * 86400));
        return attempt("refresh", [&] {
          auto txn = h_.store->begin_write();
          for (uint32_t id : h_.dnssec->state().due(txn, h_.clock.now(), 10)) {
            auto zone = h_.store->zone_by_id(txn, id);
            if (zone)
              h_.dnssec->signing().refresh(txn, *zone, SIZE_MAX);
          }
          txn.commit();
        });
    }
    return false;
  }

  FuzzedDataProvider& fdp_;
  fuzz::Harness& h_;
  std::string last_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  Session(fdp).run();
  return 0;
}
