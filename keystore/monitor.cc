// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/monitor.hh"

#include <sys/random.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "keystore/zone_ds.hh"
#include "signer/canonical.hh"
#include "signer/parallel.hh"
#include "signer/rdata_text.hh"
#include "signer/rrtype.hh"

namespace signet {

namespace {

using Steady = std::chrono::steady_clock;

// A name below the apex that no one has asked for before, so that no cache holds its answer: the
// resolver must validate a fresh denial of existence (NSEC/NSEC3 and their signatures).
Name random_name(const Name& apex) {
  uint8_t r[8];
  while (getrandom(r, sizeof(r), 0) != sizeof(r)) {
  }
  static const char* hex = "0123456789abcdef";
  std::string label = "signet-monitor-";
  for (uint8_t b : r) {
    label += hex[b >> 4];
    label += hex[b & 15];
  }
  return Name::from_text(label + "." + apex.to_text());
}

bool published_at(const codec::KeyRecord& k, uint64_t now) {
  return k.publish && k.publish <= now && (!k.remove || k.remove > now);
}

}  // namespace

std::string monitor_metrics_text(const MonitorStats& s) {
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, const std::string& v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
           name + " " + v + "\n";
  };
  metric("signet_monitor_queries_total", "counter",
         "Queries the validation monitor sent (resolvers and parent servers).",
         std::to_string(s.queries.load()));
  metric("signet_monitor_checks_total", "counter", "Zone checks the validation monitor stored.",
         std::to_string(s.checks.load()));
  metric("signet_monitor_sweeps_total", "counter",
         "Intervals the validation monitor completed (each zone checked once per interval).",
         std::to_string(s.sweeps.load()));
  char secs[32];
  std::snprintf(secs, sizeof(secs), "%.3f", static_cast<double>(s.last_sweep_ms.load()) / 1000.0);
  metric("signet_monitor_sweep_seconds", "gauge",
         "Wall time the last completed interval spent checking zones.", secs);
  return out;
}

Monitor::Monitor(Store& store, Dnssec& dnssec, KeyManager& keyman, const Clock& clock,
                 MonitorOptions options)
    : store_(store),
      dnssec_(dnssec),
      keyman_(keyman),
      clock_(clock),
      options_(std::move(options)),
      results_(store, dnssec.events()) {
  ask_ = [this](const DnsServer& s, const Name& qname, uint16_t qtype) {
    QueryOptions o;
    o.try_timeout_ms = options_.try_timeout_ms;
    o.tries = options_.tries;
    o.recursion_desired = true;
    o.dnssec_ok = true;
    return dns_query(s, qname, qtype, o);
  };
}

Monitor::~Monitor() {
  stop();
}

codec::MonitorResult Monitor::probe(const DnsServer& resolver, const Name& apex) {
  return probe_with(
      resolver.text(), [&](const Name& q, uint16_t t) { return ask_(resolver, q, t); }, apex);
}

EmbeddedValidator& Monitor::embedded() {
  std::call_once(embedded_once_,
                 [&] { embedded_ = std::make_unique<EmbeddedValidator>(*options_.embedded); });
  return *embedded_;
}

codec::MonitorResult Monitor::probe_embedded(const Name& apex) {
  return probe_with(
      EmbeddedValidator::kName, [&](const Name& q, uint16_t t) { return embedded().ask(q, t); },
      apex);
}

codec::MonitorResult Monitor::probe_with(const std::string& resolver, const AskOne& ask,
                                         const Name& apex) {
  codec::MonitorResult out;
  out.resolver = resolver;
  out.at = clock_.now();
  struct Ask {
    const char* what;
    Name qname;
    uint16_t qtype;
  };
  const Ask asks[] = {{"SOA", apex, rrtype::SOA},
                      {"DNSKEY", apex, rrtype::DNSKEY},
                      {"nonexistent name", random_name(apex), rrtype::A}};
  MonitorState worst = MonitorState::kUnknown;
  std::vector<std::string> details;
  for (const auto& a : asks) {
    MonitorState state;
    bool silent = false;
    std::string detail;
    std::optional<uint16_t> ede;
    std::string ede_text;
    auto start = Steady::now();
    ++stats_.queries;
    try {
      DnsResponse r = ask(a.qname, a.qtype);
      ede = r.ede;
      ede_text = r.ede_text;
      if (r.rcode == 2) {  // SERVFAIL
        state = MonitorState::kBogus;
        detail = std::string(a.what) + " SERVFAIL";
        // A reason without an EDE code (the embedded validator's) is kept in the detail.
        if (!r.ede && !r.ede_text.empty())
          detail += ": " + r.ede_text;
      } else if (r.rcode == 0 || r.rcode == 3) {  // NOERROR, NXDOMAIN
        state = r.ad ? MonitorState::kSecure : MonitorState::kInsecure;
        detail = std::string(a.what) + (r.ad ? " secure" : " insecure (no AD)");
      } else {
        state = MonitorState::kUnreachable;
        detail = std::string(a.what) + " " + dns_rcode_text(r.rcode);
      }
    } catch (const std::exception& e) {
      state = MonitorState::kUnreachable;
      detail = std::string(a.what) + ": " + e.what();
      silent = true;
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - start).count();
    out.latency_ms = std::max<uint32_t>(out.latency_ms, static_cast<uint32_t>(ms));
    if (state > worst) {
      worst = state;
      details.clear();
      out.ede.reset();
      out.ede_text.clear();
    }
    if (state == worst) {
      details.push_back(detail);
      if (!out.ede && ede) {
        out.ede = ede;
        out.ede_text = ede_text;
      }
    }
    // A resolver that did not answer at all is not asked the rest: one round of timeouts per
    // check, not three, so a dead resolver slows a sweep as little as it can.
    if (silent)
      break;
  }
  out.state = static_cast<uint8_t>(worst);
  for (size_t i = 0; i < details.size(); ++i)
    out.detail += (i ? "; " : "") + details[i];
  return out;
}

// Every parent server, as the key manager asks them (any address of an NS host counts), compared
// with the keys the zone publishes now: a DS that matches one of them anchors the zone.
std::vector<codec::MonitorParentServer> Monitor::check_parent(const ZoneRecord& zone) {
  std::vector<codec::KeyRecord> keys;
  std::vector<std::string> configured;
  {
    auto txn = store_.begin_read();
    uint64_t now = clock_.now();
    for (auto& k : dnssec_.keys().list(txn, zone.id)) {
      if (published_at(k, now))
        keys.push_back(std::move(k));
    }
    configured = keyman_.status(txn, zone).policy.parent_nameservers;
  }
  std::vector<codec::MonitorParentServer> out;
  std::vector<ParentServer> servers;
  try {
    servers = keyman_.parent_finder().servers_for(zone.name, configured);
  } catch (const std::exception&) {
    out.push_back({"(parent not found)", static_cast<uint8_t>(ParentDsCheck::kUnreachable), {}});
    return out;
  }
  CanonicalName apex(zone.name);
  for (const auto& server : servers) {
    codec::MonitorParentServer s;
    s.server = server.text();
    ++stats_.queries;
    auto a = keyman_.parent_finder().query_any_address(server, zone.name, rrtype::DS,
                                                       keyman_.parent_query());
    if (!a.answered()) {
      s.state = static_cast<uint8_t>(ParentDsCheck::kUnreachable);
      out.push_back(std::move(s));
      continue;
    }
    bool match = false;
    for (const auto& rec : a.response->answer) {
      if (rec.type != rrtype::DS || !rec.owner.equals(zone.name) || rec.rdata.size() < 5)
        continue;
      s.ds.push_back(rdata_to_text(rrtype::DS, rec.rdata));
      match = match || std::any_of(keys.begin(), keys.end(), [&](const codec::KeyRecord& k) {
                return ds_matches_key(apex, k, rec.rdata);
              });
    }
    s.state = static_cast<uint8_t>(match          ? ParentDsCheck::kMatch
                                   : s.ds.empty() ? ParentDsCheck::kMissing
                                                  : ParentDsCheck::kMismatch);
    out.push_back(std::move(s));
  }
  if (out.empty())
    out.push_back({"(no parent servers)", static_cast<uint8_t>(ParentDsCheck::kUnreachable), {}});
  return out;
}

bool Monitor::check(const ZoneRecord& zone) {
  {
    auto txn = store_.begin_read();
    if (!dnssec_.state().find(txn, zone.id))
      return false;
  }
  MonitorFindings f;
  f.at = clock_.now();
  for (const auto& r : options_.resolvers)
    f.results.push_back(probe(r, zone.name));
  if (options_.embedded)
    f.results.push_back(probe_embedded(zone.name));
  f.parent = check_parent(zone);
  auto txn = store_.begin_write();
  // The zone may have gone (or been unsecured) while we asked: then there is nothing to record.
  auto now_zone = store_.zone_by_id(txn, zone.id);
  if (!now_zone || !dnssec_.state().find(txn, zone.id))
    return false;
  results_.record(txn, *now_zone, f);
  txn.commit();
  ++stats_.checks;
  return true;
}

size_t Monitor::check_many(const std::vector<ZoneRecord>& zones, const Failed& failed,
                           const std::function<bool()>& stop) {
  std::atomic<size_t> stored{0};
  std::mutex failed_mu;
  parallel_for(
      zones.size(), options_.concurrency,
      [&](size_t i) {
        try {
          if (check(zones[i]))
            ++stored;
        } catch (const std::exception& e) {
          std::lock_guard lock(failed_mu);
          if (failed)
            failed(zones[i], e);
        }
      },
      stop);
  return stored;
}

std::vector<uint32_t> Monitor::secured_zones() {
  std::vector<uint32_t> out;
  auto txn = store_.begin_read();
  lmdb::Cursor c(txn, store_.dbi().dnssec);
  for (bool ok = c.first(); ok; ok = c.next())
    out.push_back(codec::decode_u32_key(c.key_bytes()));
  return out;
}

void Monitor::start(std::function<void(const std::string&)> log) {
  if (!options_.interval || thread_.joinable())
    return;
  log_ = std::move(log);
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void Monitor::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

// Once a second: take the zones due that the ceiling pays for, check them. The list of secured
// zones is read again every minute (and at the start); a sweep is one interval's worth of checks.
void Monitor::run() {
  MonitorSchedule schedule(clock_, options_.interval, options_.qps);
  uint64_t zones_read_at = 0, sweep_started = clock_.now();
  uint64_t sweep_ms = 0;
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; }))
        return;
    }
    try {
      uint64_t now = clock_.now();
      if (!zones_read_at || now >= zones_read_at + 60) {
        schedule.set_zones(secured_zones());
        zones_read_at = now;
      }
      std::vector<ZoneRecord> due;
      {
        auto txn = store_.begin_read();
        for (uint32_t id : schedule.take_due(cost())) {
          if (auto zone = store_.zone_by_id(txn, id))
            due.push_back(std::move(*zone));
        }
      }
      auto start = Steady::now();
      check_many(
          due,
          [&](const ZoneRecord& zone, const std::exception& e) {
            if (log_)
              log_("monitor: " + zone.name.to_text() + ": " + e.what());
          },
          [&] {
            std::lock_guard lock(mu_);
            return stopping_;
          });
      sweep_ms += static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - start).count());
      if (now >= sweep_started + options_.interval) {
        stats_.last_sweep_ms = sweep_ms;
        ++stats_.sweeps;
        sweep_started = now;
        sweep_ms = 0;
      }
    } catch (const std::exception& e) {
      if (log_)
        log_(std::string("monitor: ") + e.what());
    }
  }
}

}  // namespace signet
