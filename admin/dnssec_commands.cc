// SPDX-License-Identifier: GPL-2.0-or-later
//
// signetutil's DNSSEC commands: secure-zone, unsecure-zone, show-zone, export-ds, set-nsec3,
// unset-nsec3, import-key, sign-zone, verify-zone, generate-master-key.
#include <chrono>
#include <climits>
#include <ctime>
#include <iostream>
#include <set>

#include "admin/commands.hh"

#include "keystore/keyring.hh"
#include "keystore/presigned_zones.hh"
#include "keystore/refresher.hh"
#include "keystore/secondary_zones.hh"
#include "signer/bind_key.hh"
#include "signer/clock.hh"
#include "signer/ds.hh"
#include "signer/encoding.hh"
#include "signer/error.hh"
#include "signer/json.hh"
#include "signer/nsec3.hh"
#include "signer/rdata_text.hh"
#include "signer/rrtype.hh"

namespace signet::admin {

namespace {

Name parse_zone(const std::string& arg) {
  return Name::from_text(arg);
}

// Computed from the key's timestamps and the zone's policy (RFC 7583 §3.1), never stored.
std::string key_state_text(const codec::KeyRecord& k, const SigningPolicy& policy, uint64_t now) {
  return key_state_name(key_state(key_times_of(k), policy, now));
}

std::string ds_line(const Name& zone, std::span<const uint8_t> ds) {
  return zone.to_text() + "\tIN\tDS\t" + rdata_to_text(rrtype::DS, ds);
}

DigestType digest_arg(const std::string& a) {
  if (a == "2" || a == "sha256" || a == "SHA256" || a == "--sha256")
    return DigestType::kSha256;
  if (a == "4" || a == "sha384" || a == "SHA384" || a == "--sha384")
    return DigestType::kSha384;
  throw InputError("unknown digest '" + a + "' (sha256 or sha384)");
}

unsigned threads(Cli& cli) {
  return cli.ctx.config().signing_threads;
}

void print_stats(std::ostream& out, const SignStats& s) {
  out << "signed " << s.rrsets << " RRsets and " << s.links << " chain records: " << s.signatures
      << " signatures, " << s.verified << " verified\n";
}

// ------------------------------------------------------------------ commands

void cmd_generate_master_key(Cli& cli, const Args& a, lmdb::WriteTxn&) {
  if (cli.portfolio.scope())
    throw ScopeError("the master key is the operator's: generate-master-key takes no --tenant");
  std::string path = a.empty() ? cli.ctx.config().master_key_file : a[0];
  MasterKey::generate_file(path);
  cli.out << "wrote a new master key to " << path << " (mode 0600); keep a copy somewhere safe\n";
}

void cmd_secure_zone(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  Name apex = parse_zone(a[0]);
  ZoneRecord zone = cli.portfolio.zone(txn, apex);
  auto& dnssec = cli.ctx.dnssec();
  // Without a policy the zone follows its tenant's default policy (set-policy --tenant).
  std::string policy_name =
      a.size() > 1 ? a[1] : dnssec.policies().name_for(txn, zone, codec::DnssecRecord());
  auto policy = dnssec.policies().named(txn, zone.tenant_id, policy_name);
  if (!policy) {
    std::string names;
    for (const auto& n : builtin_policy_names())
      names += (names.empty() ? "" : ", ") + n;
    throw NotFound("unknown policy '" + policy_name + "' (built-in: " + names +
                   "; see list-policies)");
  }
  auto secured = dnssec.signing().secure(txn, zone, *policy, threads(cli), a.size() > 1);
  cli.out << "secured zone " << apex.to_text() << " with policy " << policy->name << "\n";
  for (const auto& k : secured.keys) {
    cli.out << "  key " << k.tag << " " << algorithm_name(static_cast<Algorithm>(k.algorithm))
            << " " << key_role_name(static_cast<KeyRole>(k.role)) << "\n";
  }
  print_stats(cli.out, secured.stats);
  cli.out << "DS records to publish at the parent:\n";
  for (const auto& ds : cli.ctx.dnssec().ds().wanted(txn, zone, DigestType::kSha256)) {
    cli.out << ds_line(zone.name, ds) << "\n";
  }
}

void cmd_unsecure_zone(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  ZoneRecord zone = cli.portfolio.zone(txn, parse_zone(a[0]));
  cli.ctx.dnssec().signing().unsecure(txn, zone);
  cli.out
      << "zone " << zone.name.to_text()
      << " is now served unsigned; remove its DS at the parent first or validators will fail it\n";
}

// Queues the whole-zone work the command started (keystore/resign.hh) to run after its commit,
// in short write transactions, printing each phase as it starts and what it did.
void complete_after_commit(Cli& cli, const ZoneRecord& zone) {
  CompositionRoot& ctx = cli.ctx;
  unsigned t = threads(cli);
  uint32_t zone_id = zone.id;
  std::string name = zone.name.to_text();
  cli.after_commit->push_back([&ctx, t, zone_id, name](std::ostream& out) {
    auto t0 = std::chrono::steady_clock::now();
    std::string phase;
    size_t chunks = 0;
    ChunkHook hook = [&](const ChunkProgress& p) {
      chunks = p.chunks;
      if (p.phase != phase) {
        phase = p.phase;
        out << "zone " << name << ": " << phase << "\n" << std::flush;
      }
    };
    SignStats s = ctx.dnssec().signing().complete(zone_id, t, hook);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    print_stats(out, s);
    char rate[96];
    snprintf(rate, sizeof(rate), "took %.2f s in %zu transactions, %.0f signatures/s", secs, chunks,
             secs > 0 ? s.signatures / secs : 0.0);
    out << rate << "\n";
  });
}

void cmd_sign_zone(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  ZoneRecord zone = cli.portfolio.zone(txn, parse_zone(a[0]));
  if (cli.after_commit) {
    cli.ctx.dnssec().signing().begin_resign(txn, zone);
    complete_after_commit(cli, zone);
    return;
  }
  auto t0 = std::chrono::steady_clock::now();
  SignStats s = cli.ctx.dnssec().signing().sign(txn, zone, threads(cli));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  print_stats(cli.out, s);
  char rate[64];
  snprintf(rate, sizeof(rate), "%.2f s, %.0f signatures/s", secs,
           secs > 0 ? s.signatures / secs : 0.0);
  cli.out << "took " << rate << " (before commit)\n";
}

// set-nsec3 / unset-nsec3: the new chain is built beside the live one after the commit and
// switched to once complete (keystore/resign.hh).
void set_denial(Cli& cli, ZoneRecord& zone, std::optional<Nsec3Params> p, lmdb::WriteTxn& txn) {
  std::string what = p ? "NSEC3 " + nsec3_params_text(*p) : std::string("NSEC");
  if (!cli.after_commit) {
    SignStats s = cli.ctx.dnssec().signing().set_denial(txn, zone, p, threads(cli));
    cli.out << "zone " << zone.name.to_text() << " now uses " << what << "\n";
    print_stats(cli.out, s);
    return;
  }
  bool started = cli.ctx.dnssec().signing().begin_denial(txn, zone, p);
  if (!started && !cli.ctx.dnssec().state().find(txn, zone.id)->has_pending_work()) {
    cli.out << "zone " << zone.name.to_text() << " already uses " << what << "\n";
    return;
  }
  cli.out << "zone " << zone.name.to_text() << ": building the " << what
          << " chain; the current one is served until it is complete\n";
  complete_after_commit(cli, zone);
  std::string name = zone.name.to_text();
  cli.after_commit->push_back(
      [name, what](std::ostream& out) { out << "zone " << name << " now uses " << what << "\n"; });
}

void cmd_set_nsec3(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  ZoneRecord zone = cli.portfolio.zone(txn, parse_zone(a[0]));
  Nsec3Params p = nsec3_params_from_text(a.size() > 1 ? a[1] : "1 0 0 -");
  set_denial(cli, zone, p, txn);
}

void cmd_unset_nsec3(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  ZoneRecord zone = cli.portfolio.zone(txn, parse_zone(a[0]));
  set_denial(cli, zone, std::nullopt, txn);
}

void cmd_import_key(Cli& cli, const Args& a, lmdb::WriteTxn& txn) {
  ZoneRecord zone = cli.portfolio.zone(txn, parse_zone(a[0]));
  BindKey bk = read_bind_private_key(a[1]);
  KeyRole role;
  if (a.size() > 2) {
    role = key_role_from_text(a[2]);
  } else if (bk.flags) {
    role = (*bk.flags & kDnskeySepFlag) ? KeyRole::kKsk : KeyRole::kZsk;
  } else {
    throw InputError(
        a[1] + ": no .key file next to it tells the key's flags; give the role (ksk, zsk or csk)");
  }
  auto rec = cli.ctx.dnssec().signing().import_key(txn, zone, bk.key, role);
  cli.out << "imported key " << rec.tag << " ("
          << algorithm_name(static_cast<Algorithm>(rec.algorithm)) << ", " << key_role_name(role)
          << ") into zone " << zone.name.to_text() << "\n";
  // It signs everything: after the commit in chunks, or here when nothing runs after it.
  if (cli.after_commit)
    complete_after_commit(cli, zone);
  else
    cli.ctx.dnssec().signing().sign(txn, zone, threads(cli));
}

int cmd_export_ds(Cli& cli, const Args& a) {
  auto txn = cli.ctx.store().begin_read();
  ZoneRecord zone = cli.portfolio.zone(txn, parse_zone(a[0]));
  if (!cli.ctx.dnssec().state().find(txn, zone.id))
    throw Conflict("zone '" + zone.name.to_text() + "' is not secured");
  std::vector<DigestType> types = {DigestType::kSha256};
  if (a.size() > 1) {
    types.clear();
    for (size_t i = 1; i < a.size(); ++i)
      types.push_back(digest_arg(a[i]));
  }
  for (DigestType t : types) {
    for (const auto& ds : cli.ctx.dnssec().ds().wanted(txn, zone, t))
      cli.out << ds_line(zone.name, ds) << "\n";
  }
  return 0;
}

// The public halves, as DNSKEY records (what the parent or a validator needs; never the private).
int cmd_export_key(Cli& cli, const Args& a) {
  auto txn = cli.ctx.store().begin_read();
  ZoneRecord zone = cli.portfolio.zone(txn, parse_zone(a[0]));
  if (!cli.ctx.dnssec().state().find(txn, zone.id)) {
    throw Conflict("zone '" + zone.name.to_text() + "' is not secured");
  }
  bool found = false;
  for (const auto& k : cli.ctx.dnssec().keys().list(txn, zone.id)) {
    if (a.size() > 1 && std::to_string(k.tag) != a[1]) {
      continue;
    }
    auto dnskey = dnskey_rdata(k.flags, static_cast<Algorithm>(k.algorithm), k.public_key);
    cli.out << zone.name.to_text() << "\tIN\tDNSKEY\t" << rdata_to_text(rrtype::DNSKEY, dnskey)
            << " ; tag " << k.tag << " " << key_role_name(static_cast<KeyRole>(k.role)) << "\n";
    found = true;
  }
  if (!found) {
    throw NotFound("zone '" + zone.name.to_text() + "' has no key with tag " + a[1]);
  }
  return 0;
}

// A zone that arrives by transfer (keystore/secondary_zones.hh): its primaries, the primary's
// serial beside Signet's, when pdns last found it fresh.
void show_transfer_state(Cli& cli, const lmdb::Txn& txn, const ZoneRecord& zone, Json& doc) {
  auto primaries = SecondaryZones(cli.ctx.store(), nullptr).primaries(txn, zone);
  bool known = zone.flags & codec::kZoneUpstreamSerial;
  doc["primaries"] = primaries;
  doc["primary_serial"] = known ? Json(zone.upstream_serial) : Json(nullptr);
  doc["last_check"] = zone.last_check ? Json(iso_time(zone.last_check)) : Json(nullptr);
  // Presigned (keystore/presigned_zones.hh): signed by its primary, with these parameters.
  auto view = presigned_view(cli.ctx.store(), txn, zone.id);
  std::string denial;
  if (view) {
    denial = view->denial == codec::Denial::kNsec
                 ? "NSEC"
                 : "NSEC3 " + nsec3_params_text(
                                  {1, view->nsec3_flags, view->nsec3_iterations, view->salt});
  }
  doc["presigned"] = view ? Json(denial) : Json(nullptr);
  if (cli.json)
    return;
  if (view)
    cli.out << "presigned\tby its primary, " << denial << "\n";
  cli.out << "primaries";
  for (const auto& p : primaries)
    cli.out << "\t" << p;
  cli.out << "\nprimary serial\t" << (known ? std::to_string(zone.upstream_serial) : "-")
          << "\nlast check\t" << (zone.last_check ? iso_time(zone.last_check) : "-") << "\n";
}

int cmd_show_zone(Cli& cli, const Args& a) {
  auto txn = cli.ctx.store().begin_read();
  ZoneRecord zone = cli.portfolio.zone(txn, parse_zone(a[0]));
  auto& dnssec = cli.ctx.dnssec();
  auto st = dnssec.state().find(txn, zone.id);
  uint64_t now = cli.ctx.clock().now();
  std::string tenant = cli.portfolio.tenant_name(txn, zone.tenant_id);
  Json doc{{"zone", zone.name.to_text()},
           {"tenant", tenant},
           {"serial", zone.serial},
           {"secured", st.has_value()}};
  if (!cli.json) {
    cli.out << "zone\t" << zone.name.to_text() << "\ntenant\t" << tenant << "\nserial\t"
            << zone.serial << "\n";
  }
  if (zone.kind == ZoneKind::kSecondary)
    show_transfer_state(cli, txn, zone, doc);
  if (!st) {
    cli.out << (cli.json ? json_text(doc) + "\n" : "dnssec\tunsigned\n");
    return 0;
  }
  Nsec3Params p;
  p.flags = st->nsec3_flags;
  p.iterations = st->nsec3_iterations;
  p.salt = st->salt;
  std::string denial =
      st->denial == codec::Denial::kNsec ? "NSEC" : "NSEC3 " + nsec3_params_text(p);
  uint32_t earliest = dnssec.signing().earliest_expiration(txn, zone.id);
  auto keys = dnssec.keys().list(txn, zone.id);
  SigningPolicy policy = dnssec.policies().for_zone(txn, zone, *st);
  std::string policy_name = dnssec.policies().name_for(txn, zone, *st);
  CanonicalName apex(zone.name);
  // Whole-zone work under way or left by a killed process (keystore/resign.hh).
  std::vector<std::string> pending;
  if (st->pending_gen) {
    codec::DnssecRecord next = codec::pending_view(*st);
    pending.push_back("building the " + SigningService::denial_text(next) + " chain" +
                      (st->then_nsec3 ? " (then another salt)" : ""));
  }
  if (st->gc_gen)
    pending.push_back("deleting the previous chain");
  if (st->resign_inception)
    pending.push_back("re-signing every RRset");
  if (cli.json) {
    doc["policy"] = policy_name;
    doc["denial"] = denial;
    if (!pending.empty())
      doc["pending"] = pending;
    doc["earliest_expiration"] = time_text(earliest);
    Json& out_keys = doc["keys"] = Json::array();
    for (const auto& k : keys) {
      Json key{{"tag", k.tag},
               {"algorithm", algorithm_name(static_cast<Algorithm>(k.algorithm))},
               {"role", key_role_name(static_cast<KeyRole>(k.role))},
               {"state", key_state_text(k, policy, now)}};
      if (k.flags & kDnskeySepFlag) {
        auto dnskey = dnskey_rdata(k.flags, static_cast<Algorithm>(k.algorithm), k.public_key);
        key["ds"] = rdata_to_text(rrtype::DS, ds_rdata(apex, dnskey, DigestType::kSha256));
      }
      out_keys.push_back(std::move(key));
    }
    cli.out << json_text(doc) << "\n";
    return 0;
  }
  cli.out << "dnssec\tsigned (policy " << policy_name
          << (st->policy.empty() ? ", the tenant's" : "") << ")\ndenial\t" << denial
          << "\nearliest signature expiry\t" << time_text(earliest) << "\n";
  for (const auto& w : pending)
    cli.out << "pending\t" << w << "\n";
  cli.out << "keys:\n";
  for (const auto& k : keys) {
    auto dnskey = dnskey_rdata(k.flags, static_cast<Algorithm>(k.algorithm), k.public_key);
    cli.out << "  tag " << k.tag << "\t" << algorithm_name(static_cast<Algorithm>(k.algorithm))
            << "\t" << key_role_name(static_cast<KeyRole>(k.role)) << "\t"
            << key_state_text(k, policy, now) << "\tcreated " << time_text(k.created) << "\n";
    if (k.flags & kDnskeySepFlag) {
      cli.out << "    DS " << rdata_to_text(rrtype::DS, ds_rdata(apex, dnskey, DigestType::kSha256))
              << "\n";
    }
  }
  return 0;
}

int cmd_refresh(Cli& cli, const Args& a) {
  Refresher r(
      cli.ctx.store(), cli.ctx.dnssec(), cli.ctx.clock(), [&](bool warning, const std::string& m) {
        (warning ? cli.err : cli.out) << (warning ? "signetutil: warning: " : "") << m << "\n";
      });
  // refresh ZONE: that zone now (and nothing else); refresh: every due zone, or with --tenant
  // every due zone of that tenant.
  std::set<uint32_t> only;
  {
    auto txn = cli.ctx.store().begin_read();
    if (!a.empty()) {
      ZoneRecord zone = cli.portfolio.zone(txn, parse_zone(a[0]));
      only.insert(zone.id);
      r.wake(zone.id);
    } else if (cli.portfolio.scope()) {
      for (const auto& z : cli.portfolio.zones(txn, cli.portfolio.scope()))
        only.insert(z.id);
    }
  }
  // Naming the zone takes over whole-zone work a killed process left, lease or not
  // (keystore/resign.hh); the background refresher waits for the lease to pass.
  if (!a.empty()) {
    SignStats s = cli.ctx.dnssec().signing().complete(*only.begin(), threads(cli));
    if (s.signatures)
      print_stats(cli.out, s);
  }
  bool filtered = !a.empty() || cli.portfolio.scope();
  auto start = std::chrono::steady_clock::now();
  size_t n = r.run_once(SIZE_MAX, filtered ? [&](uint32_t id) { return only.count(id) > 0; }
                                           : Refresher::ZoneFilter());
  cli.out << "refresh: " << n << " zone(s) refreshed (pass " << elapsed_ms(start) << " ms)\n";
  return 0;
}

int cmd_verify_zone(Cli& cli, const Args& a) {
  auto txn = cli.ctx.store().begin_read();
  ZoneRecord zone = cli.portfolio.zone(txn, parse_zone(a[0]));
  VerifyReport r = cli.ctx.dnssec().verifier().verify(txn, zone);
  for (const auto& p : r.problems)
    cli.out << "problem: " << p << "\n";
  cli.out << "zone " << zone.name.to_text() << ": " << r.rrsets << " RRsets, " << r.links
          << " chain records, " << r.signatures
          << " signatures checked: " << (r.ok() ? "all valid" : "PROBLEMS FOUND") << "\n";
  return r.ok() ? 0 : 1;
}

}  // namespace

const std::vector<Command>& dnssec_commands() {
  static const std::vector<Command> table = {
      {"generate-master-key", "generate-master-key [FILE]",
       "Write a new master key (default: signet-master-key-file), mode 0600", 0, 1, nullptr,
       cmd_generate_master_key},
      {"secure-zone", "secure-zone ZONE [POLICY]",
       "Generate keys, sign the zone and print its DS (policies: default, default-nsec, ksk-zsk, "
       "rsasha256, ecdsap384sha384, ed25519, ed448)",
       1, 2, nullptr, cmd_secure_zone},
      {"unsecure-zone", "unsecure-zone ZONE", "Remove keys and signatures: serve the zone unsigned",
       1, 1, nullptr, cmd_unsecure_zone},
      {"show-zone", "show-zone ZONE",
       "Keys (tag, algorithm, role, state, DS), denial parameters, earliest expiry", 1, 1,
       cmd_show_zone, nullptr},
      {"export-ds", "export-ds ZONE [sha256|sha384...]", "Print the DS records for the parent", 1,
       3, cmd_export_ds, nullptr},
      {"export-key", "export-key ZONE [KEYTAG]",
       "Print the public keys (DNSKEY records) of the zone", 1, 2, cmd_export_key, nullptr},
      {"set-nsec3", "set-nsec3 ZONE ['ALG FLAGS ITER SALT']",
       "Use NSEC3 (default '1 0 0 -', RFC 9276); builds the new chain beside the served one "
       "in short transactions, then switches",
       1, 2, nullptr, cmd_set_nsec3},
      {"unset-nsec3", "unset-nsec3 ZONE", "Use NSEC instead of NSEC3", 1, 1, nullptr,
       cmd_unset_nsec3},
      {"import-key", "import-key ZONE FILE [ksk|zsk|csk]",
       "Import a BIND .private key (published and active now)", 2, 3, nullptr, cmd_import_key},
      {"sign-zone", "sign-zone ZONE", "Sign everything now (on signet-signing-threads threads)", 1,
       1, nullptr, cmd_sign_zone},
      {"verify-zone", "verify-zone ZONE", "Check every RRSIG and the NSEC/NSEC3 chain", 1, 1,
       cmd_verify_zone, nullptr},
      {"refresh", "refresh [ZONE]",
       "Re-sign expiring signatures of every due zone now (or of ZONE); pdns_server does this in "
       "the "
       "background",
       0, 1, cmd_refresh, nullptr},
  };
  return table;
}

}  // namespace signet::admin
