// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/audit.hh"

#include <pwd.h>
#include <sodium.h>
#include <unistd.h>

#include <fstream>

#include "signer/encoding.hh"
#include "signer/error.hh"

namespace signet {

namespace {

constexpr std::string_view kHead = "audit-head";

std::string encode_body(const AuditEntry& e) {
  std::string out;
  codec::put_u8(out, 1);
  codec::put_u64(out, e.time);
  codec::put_u32(out, e.tenant_id);
  codec::put_u32(out, e.zone_id);
  auto put_str8 = [&](const std::string& s) {
    codec::put_u8(out, static_cast<uint8_t>(std::min<size_t>(s.size(), 255)));
    out.append(s, 0, std::min<size_t>(s.size(), 255));
  };
  put_str8(e.kind);
  put_str8(e.actor);
  put_str8(e.tenant);
  put_str8(e.zone);
  codec::put_u32(out, static_cast<uint32_t>(e.detail.size()));
  out += e.detail;
  return out;
}

std::array<uint8_t, 32> entry_hash(const std::array<uint8_t, 32>& prev, uint64_t seq,
                                   const std::string& body) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, prev.data(), prev.size());
  std::string s;
  codec::put_u64(s, seq);
  crypto_hash_sha256_update(&st, reinterpret_cast<const uint8_t*>(s.data()), s.size());
  crypto_hash_sha256_update(&st, reinterpret_cast<const uint8_t*>(body.data()), body.size());
  std::array<uint8_t, 32> out;
  crypto_hash_sha256_final(&st, out.data());
  return out;
}

AuditEntry decode_entry(uint64_t seq, std::span<const uint8_t> v, std::string* body_out) {
  codec::Reader r(v, "audit entry");
  AuditEntry e;
  e.seq = seq;
  if (r.u8() != 1)
    throw CorruptionError("unknown audit entry version");
  e.time = r.u64();
  e.tenant_id = r.u32();
  e.zone_id = r.u32();
  auto str8 = [&](std::string& s) {
    auto b = r.bytes(r.u8());
    s.assign(reinterpret_cast<const char*>(b.data()), b.size());
  };
  str8(e.kind);
  str8(e.actor);
  str8(e.tenant);
  str8(e.zone);
  auto d = r.bytes(r.u32());
  e.detail.assign(reinterpret_cast<const char*>(d.data()), d.size());
  size_t body_len = v.size() - r.remaining();
  auto prev = r.bytes(32);
  auto hash = r.bytes(32);
  std::copy(prev.begin(), prev.end(), e.prev.begin());
  std::copy(hash.begin(), hash.end(), e.hash.begin());
  if (body_out)
    body_out->assign(reinterpret_cast<const char*>(v.data()), body_len);
  return e;
}

// sys "audit-head" := seq:u64 hash:32
struct Head {
  uint64_t seq = 0;
  std::array<uint8_t, 32> hash{};
};

std::string encode_head(const Head& h) {
  std::string out = codec::u64_key(h.seq);
  out.append(reinterpret_cast<const char*>(h.hash.data()), h.hash.size());
  return out;
}

// nullopt when the value is not a head.
std::optional<Head> decode_head(std::span<const uint8_t> v) {
  Head h;
  if (v.size() != 8 + h.hash.size())
    return std::nullopt;
  h.seq = codec::load_u64(v.data());
  std::copy(v.begin() + 8, v.end(), h.hash.begin());
  return h;
}

}  // namespace

std::string process_actor() {
  std::string prog;
  std::ifstream("/proc/self/comm") >> prog;
  if (prog == "signetutil") {
    const char* user = std::getenv("SUDO_USER");
    if (!user || !*user) {
      struct passwd* pw = getpwuid(getuid());
      user = pw ? pw->pw_name : "?";
    }
    return "signetutil:" + std::string(user);
  }
  return prog.empty() ? "signet" : prog;
}

namespace {
thread_local const std::string* t_scoped_actor = nullptr;
}  // namespace

const std::string& AuditLog::actor() const {
  return t_scoped_actor ? *t_scoped_actor : actor_;
}

AuditLog::ActorScope::ActorScope(std::string actor)
    : actor_(std::move(actor)), outer_(t_scoped_actor) {
  t_scoped_actor = &actor_;
}

AuditLog::ActorScope::~ActorScope() {
  t_scoped_actor = outer_;
}

void AuditLog::append(lmdb::WriteTxn& txn, std::string_view kind, uint32_t tenant_id,
                      uint32_t zone_id, std::string_view tenant, std::string_view zone,
                      const Json& detail) {
  AuditEntry e;
  e.time = clock_.now();
  e.tenant_id = tenant_id;
  e.zone_id = zone_id;
  e.kind = std::string(kind);
  e.actor = actor();
  e.tenant = std::string(tenant);
  e.zone = std::string(zone);
  e.detail = json_text(detail);
  uint64_t seq = 1;
  if (auto stored = txn.find(store_.dbi().sys, kHead)) {
    auto head = decode_head(*stored);
    if (!head)
      throw CorruptionError("bad audit head");
    seq = head->seq + 1;
    e.prev = head->hash;
  }
  std::string body = encode_body(e);
  e.hash = entry_hash(e.prev, seq, body);
  std::string value = body;
  value.append(reinterpret_cast<const char*>(e.prev.data()), 32);
  value.append(reinterpret_cast<const char*>(e.hash.data()), 32);
  txn.put(store_.dbi().audit, codec::u64_key(seq), value);
  txn.put(store_.dbi().sys, kHead, encode_head(Head{seq, e.hash}));
}

void AuditLog::for_each(const lmdb::Txn& txn,
                        const std::function<void(const AuditEntry&)>& fn) const {
  lmdb::Cursor c(txn, store_.dbi().audit);
  for (bool ok = c.first(); ok; ok = c.next()) {
    fn(decode_entry(codec::decode_u64_key(c.key_bytes()), c.value(), nullptr));
  }
}

AuditVerdict AuditLog::verify(const lmdb::Txn& txn) const {
  AuditVerdict v;
  std::array<uint8_t, 32> prev{};
  uint64_t expect = 1;
  lmdb::Cursor c(txn, store_.dbi().audit);
  auto problem = [&](std::string s) {
    if (v.problems.size() < 50)
      v.problems.push_back(std::move(s));
  };
  for (bool ok = c.first(); ok; ok = c.next()) {
    uint64_t seq = codec::decode_u64_key(c.key_bytes());
    std::string body;
    AuditEntry e;
    try {
      e = decode_entry(seq, c.value(), &body);
    } catch (const Error& err) {
      problem("entry " + std::to_string(seq) + ": " + err.what());
      continue;
    }
    if (seq != expect) {
      problem("entries " + std::to_string(expect) + ".." + std::to_string(seq - 1) +
              " are missing");
    }
    if (e.prev != prev)
      problem("entry " + std::to_string(seq) +
              " does not follow its predecessor (deleted or edited entry before it)");
    if (entry_hash(e.prev, seq, body) != e.hash)
      problem("entry " + std::to_string(seq) + " was edited (its hash does not match)");
    prev = e.hash;
    expect = seq + 1;
    ++v.entries;
  }
  auto stored = txn.find(store_.dbi().sys, kHead);
  auto head = stored ? decode_head(*stored) : std::nullopt;
  if (head) {
    if (head->seq != expect - 1 || head->hash != prev) {
      problem("the newest entries were removed: the head says entry " + std::to_string(head->seq) +
              " ends the log");
    }
  } else if (v.entries > 0) {
    problem("the audit head is missing");
  }
  v.head = prev;
  return v;
}

std::array<uint8_t, 32> audit_entry_hash(const AuditEntry& e) {
  return entry_hash(e.prev, e.seq, encode_body(e));
}

AuditHead AuditLog::head(const lmdb::Txn& txn) const {
  auto stored = txn.find(store_.dbi().sys, kHead);
  if (!stored)
    return {};
  auto h = decode_head(*stored);
  if (!h)
    throw CorruptionError("bad audit head");
  return AuditHead{h->seq, h->hash};
}

Json audit_entry_json(const AuditEntry& e) {
  Json detail = Json::parse(e.detail, nullptr, /*allow_exceptions=*/false);
  return Json{{"seq", e.seq},
              {"time", time_text(e.time)},
              {"actor", e.actor},
              {"kind", e.kind},
              {"tenant", e.tenant},
              {"zone", e.zone},
              {"detail", detail.is_discarded() ? Json(e.detail) : detail}};
}

}  // namespace signet
