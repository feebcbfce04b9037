// SPDX-License-Identifier: GPL-2.0-or-later
//
// The validation monitor: what validating resolvers actually make of each secured zone. For a
// zone it asks every configured resolver (`signet-monitor-resolvers`), with RD and DO set, for the
// apex SOA, the apex DNSKEY RRset and a fresh random name below the apex (which must be denied
// securely: NSEC/NSEC3 proofs are what breaks first when a chain goes wrong), and classifies:
//
//   secure       every answer has AD set (RFC 4035 §3.2.3)
//   insecure     answers without AD (the resolver sees no chain of trust to the zone)
//   bogus        SERVFAIL on any of them (a validating resolver's answer to a validation
//                failure, RFC 4035 §5.5), with the first RFC 8914 Extended DNS Error it gave
//   unreachable  no answer (timeout, refused connection) or another RCODE (REFUSED...)
//
// and asks every parent server (the key manager's ParentFinder) for the zone's DS, compared with
// the keys the zone publishes. The findings go to MonitorResults (keystore/monitor_results.hh),
// one write transaction per zone, state changes audited in it.
//
// The background loop (signetd) checks every secured zone once per `interval`, spread over it
// and under the `qps` ceiling (keystore/monitor_schedule.hh). `signetutil monitor --check` runs
// a check now, synchronously.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "keystore/dnssec.hh"
#include "keystore/keyman.hh"
#include "keystore/monitor_results.hh"
#include "keystore/monitor_schedule.hh"
#include "signer/clock.hh"
#include "signer/dns_client.hh"
#include "signer/embedded_validator.hh"

namespace signet {

struct MonitorOptions {
  std::vector<DnsServer> resolvers;  // validating resolvers to ask
  // The embedded validator (libunbound), asked as resolver "embedded" beside `resolvers`; the
  // configuration sets it when no resolver is listed, so monitoring works with no setup.
  std::optional<EmbeddedValidatorOptions> embedded;
  uint64_t interval = 300;    // seconds between two checks of a zone (0: no background)
  unsigned qps = 50;          // ceiling on queries sent per second
  unsigned concurrency = 8;   // zones checked at once (each waits on its resolvers)
  int try_timeout_ms = 1500;  // per UDP try
  int tries = 2;
};

// Process-wide counters (signetd's /metrics).
struct MonitorStats {
  std::atomic<uint64_t> queries{0};        // queries sent to resolvers and parent servers
  std::atomic<uint64_t> checks{0};         // zone checks stored
  std::atomic<uint64_t> sweeps{0};         // full passes over the zones (one interval each)
  std::atomic<uint64_t> last_sweep_ms{0};  // wall time the last sweep spent checking
};

// The counters as Prometheus metrics: signet_monitor_queries_total, signet_monitor_checks_total,
// signet_monitor_sweeps_total, signet_monitor_sweep_seconds (the checks of the last full
// interval, summed).
std::string monitor_metrics_text(const MonitorStats& s);

class Monitor {
 public:
  // How one resolver is asked (tests substitute a fake; default: dns_query with RD and DO).
  using Ask = std::function<DnsResponse(const DnsServer&, const Name&, uint16_t)>;

  Monitor(Store& store, Dnssec& dnssec, KeyManager& keyman, const Clock& clock,
          MonitorOptions options);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  void set_ask(Ask ask) { ask_ = std::move(ask); }
  const MonitorOptions& options() const { return options_; }
  const MonitorResults& results() const { return results_; }
  const MonitorStats& stats() const { return stats_; }

  // One resolver's view of `apex` (not stored).
  codec::MonitorResult probe(const DnsServer& resolver, const Name& apex);
  // The embedded validator's view of `apex` (not stored); its result names resolver "embedded".
  codec::MonitorResult probe_embedded(const Name& apex);
  // Checks `zone` now (every resolver, every parent server) and stores the findings. A zone
  // that is not secured is skipped (false).
  bool check(const ZoneRecord& zone);
  // Checks `zones`, up to `concurrency` at once; a zone that fails goes to `failed` and does not
  // hold up the others. Stops taking new zones once `stop` says so. Returns the checks stored.
  using Failed = std::function<void(const ZoneRecord&, const std::exception&)>;
  size_t check_many(const std::vector<ZoneRecord>& zones, const Failed& failed,
                    const std::function<bool()>& stop = {});
  // The secured zones (ids), in id order.
  std::vector<uint32_t> secured_zones();

  // The background loop: checks every secured zone once per interval under the qps ceiling.
  // `log` gets one line per failed check. No-op when the interval is 0.
  void start(std::function<void(const std::string&)> log);
  void stop();

  // Queries one check of a zone costs, for the ceiling: 3 per resolver, 2 for the parent.
  unsigned cost() const {
    return static_cast<unsigned>(3 * (options_.resolvers.size() + (options_.embedded ? 1 : 0)) + 2);
  }

 private:
  using AskOne = std::function<DnsResponse(const Name&, uint16_t)>;
  codec::MonitorResult probe_with(const std::string& resolver, const AskOne& ask, const Name& apex);
  std::vector<codec::MonitorParentServer> check_parent(const ZoneRecord& zone);
  EmbeddedValidator& embedded();
  void run();

  Store& store_;
  Dnssec& dnssec_;
  KeyManager& keyman_;
  const Clock& clock_;
  MonitorOptions options_;
  MonitorResults results_;
  MonitorStats stats_;
  Ask ask_;
  std::once_flag embedded_once_;
  std::unique_ptr<EmbeddedValidator> embedded_;  // made on first use (it reads the anchor file)
  std::function<void(const std::string&)> log_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace signet
