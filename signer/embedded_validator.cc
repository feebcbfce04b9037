// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/embedded_validator.hh"

#include <poll.h>
#include <unbound.h>

#include <chrono>
#include <cstdio>
#include <fstream>

namespace signet {

namespace {

using Steady = std::chrono::steady_clock;

// What the async callback hands back to ask().
struct Pending {
  bool done = false;
  int err = 0;
  ub_result* result = nullptr;
};

void on_result(void* arg, int err, ub_result* result) {
  auto* p = static_cast<Pending*>(arg);
  p->done = true;
  p->err = err;
  p->result = result;
}

void check_ub(int rc, const std::string& what) {
  if (rc != 0)
    throw InputError("embedded validator: " + what + ": " + ub_strerror(rc));
}

}  // namespace

std::vector<std::pair<Name, DnsServer>> parse_stub_list(const std::string& text) {
  std::vector<std::pair<Name, DnsServer>> out;
  for (const auto& item : split_list(text)) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      throw InputError("stub '" + item + "': expected ZONE=IP[:port]");
    try {
      out.emplace_back(Name::from_text(item.substr(0, eq)), parse_dns_server(item.substr(eq + 1)));
    } catch (const InputError& e) {
      throw InputError("stub '" + item + "': " + e.what());
    }
  }
  return out;
}

EmbeddedValidator::EmbeddedValidator(EmbeddedValidatorOptions options)
    : options_(std::move(options)) {
  // libunbound reads the anchor file only when it first resolves; say now that it is missing.
  if (!std::ifstream(options_.trust_anchor_file))
    throw InputError("embedded validator: cannot read the trust anchor file '" +
                     options_.trust_anchor_file + "'");
  ctx_ = ub_ctx_create();
  if (!ctx_)
    throw Error("embedded validator: libunbound could not create its context");
  try {
    // Threads, not a forked process, for the background resolution: we run inside signetd.
    check_ub(ub_ctx_async(ctx_, 1), "async mode");
    // libunbound's own log would interleave with signetutil's scriptable output; what matters
    // (the reason for a bogus answer) comes back in the result.
    check_ub(ub_ctx_debuglevel(ctx_, 0), "debug level");
    check_ub(ub_ctx_set_option(ctx_, "use-syslog:", "no"), "use-syslog");
    check_ub(ub_ctx_set_option(ctx_, "logfile:", "/dev/null"), "logfile");
    // The reason for a validation failure is filled in from this level on.
    check_ub(ub_ctx_set_option(ctx_, "val-log-level:", "2"), "val-log-level");
    // Stubs on loopback (labs, tests) must be asked: unbound refuses 127/8 and ::1 by default.
    check_ub(ub_ctx_set_option(ctx_, "do-not-query-localhost:", "no"), "do-not-query-localhost");
    check_ub(ub_ctx_add_ta_file(ctx_, options_.trust_anchor_file.c_str()),
             "trust anchor file '" + options_.trust_anchor_file + "'");
    for (const auto& [zone, server] : options_.stubs) {
      std::string addr = server.address + "@" + std::to_string(server.port);
      check_ub(ub_ctx_set_stub(ctx_, zone.to_text().c_str(), addr.c_str(), 0),
               "stub " + zone.to_text() + "=" + server.text());
    }
  } catch (...) {
    ub_ctx_delete(ctx_);
    throw;
  }
}

EmbeddedValidator::~EmbeddedValidator() {
  if (ctx_)
    ub_ctx_delete(ctx_);
}

DnsResponse EmbeddedValidator::ask(const Name& qname, uint16_t qtype) {
  std::lock_guard lock(mu_);
  std::string q = qname.to_text();
  Pending pending;
  int id = 0;
  int rc = ub_resolve_async(ctx_, q.c_str(), qtype, 1 /* IN */, &pending, on_result, &id);
  if (rc == UB_INITFAIL)
    throw Error("embedded validator: libunbound could not start (trust anchor file '" +
                options_.trust_anchor_file + "' unreadable or invalid?)");
  if (rc != 0)
    throw Error(std::string("embedded validator: ") + ub_strerror(rc));
  auto deadline = Steady::now() + std::chrono::milliseconds(options_.timeout_ms);
  while (!pending.done) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now()).count();
    if (left <= 0) {
      ub_cancel(ctx_, id);
      throw DnsTimeout("embedded validator: no answer for " + q + " within " +
                       std::to_string(options_.timeout_ms) + " ms");
    }
    pollfd p{ub_fd(ctx_), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) > 0)
      ub_process(ctx_);
  }
  std::unique_ptr<ub_result, void (*)(ub_result*)> result(pending.result, ub_resolve_free);
  if (pending.err)
    throw Error(std::string("embedded validator: ") + ub_strerror(pending.err));
  DnsResponse r;
  r.rcode = result->rcode;
  r.ad = result->secure != 0;
  if (result->bogus) {
    // What a validating resolver answers for bogus data (RFC 4035 §5.5); libunbound's reason
    // stands in for the EDE text it cannot give as a code.
    r.rcode = 2;
    r.ad = false;
    r.ede_text = result->why_bogus ? result->why_bogus : "validation failure";
  } else if (result->rcode == 2) {
    // SERVFAIL without a validation failure: libunbound reached no server that answered.
    throw DnsTimeout("embedded validator: no server answered for " + q);
  }
  return r;
}

}  // namespace signet
