// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/composition_root.hh"

#include <cstdlib>

#include "conf/policy.hh"

namespace signet {

std::unique_ptr<Clock> clock_from_environment() {
  const char* offset = std::getenv("SIGNET_CLOCK_OFFSET");
  if (offset && *offset)
    return std::make_unique<OffsetClock>(std::stoll(offset));
  return std::make_unique<SystemClock>();
}

CompositionRoot::CompositionRoot(Config config, std::unique_ptr<Clock> clock)
    : config_(std::move(config)), clock_(std::move(clock)) {
  // The key heap holds every unsealed private key of the process; size it for the cache.
  init_key_heap(key_heap_bytes_for(config_.key_cache_size));
  store_ = std::make_unique<Store>(StoreOptions{config_.path, config_.map_size_mb << 20});
  dnssec_ = std::make_unique<Dnssec>(
      *store_, *clock_, [this]() -> const MasterKey& { return master_key(); },
      BitmapRules{.expand_alias = config_.expand_alias});
  dnssec_->keys().cache().set_capacity(config_.key_cache_size);
  audit_ = std::make_unique<AuditLog>(*store_, *clock_, process_actor());
  dnssec_->events().set_audit(audit_.get());
  tokens_ = std::make_unique<Tokens>(
      *store_, *clock_, [this]() -> const MasterKey& { return master_key(); }, audit_.get());
  tsig_keys_ = std::make_unique<TsigKeys>(
      *store_, *clock_, [this]() -> const MasterKey& { return master_key(); }, audit_.get());
  // Stored policies are kept as YAML (conf/policy.hh); the keystore asks us to read them back.
  dnssec_->policies().set_parser(parse_stored_policy);
  keyman_ =
      std::make_unique<KeyManager>(*store_, *dnssec_, *clock_, nullptr, config_.signing_threads);
  // Parent discovery asks the resolvers of `signet-resolver` (empty: /etc/resolv.conf), never
  // anyone else; one finder (and its cache) serves every zone of the process.
  ParentFinderOptions finder;
  finder.resolvers = config_.resolvers;
  keyman_->set_parent_finder(std::move(finder));
}

void CompositionRoot::start_refresher(Refresher::Log log) {
  if (refresher_)
    return;
  keyman_->set_log(log);
  refresher_ = std::make_unique<Refresher>(*store_, *dnssec_, *clock_, std::move(log));
  refresher_->start(config_.refresh_interval);
  keyman_->start(config_.refresh_interval);
}

void CompositionRoot::wake_refresher(uint32_t zone_id) {
  if (refresher_)
    refresher_->wake(zone_id);
}

Monitor& CompositionRoot::monitor() {
  std::lock_guard<std::mutex> lock(monitor_mu_);
  if (!monitor_) {
    MonitorOptions o;
    o.resolvers = config_.monitor_resolvers;
    if (o.resolvers.empty())
      o.embedded = EmbeddedValidatorOptions{config_.monitor_trust_anchor, config_.monitor_stubs};
    o.interval = config_.monitor_interval;
    o.qps = config_.monitor_qps;
    o.concurrency = config_.monitor_concurrency;
    monitor_ = std::make_unique<Monitor>(*store_, *dnssec_, *keyman_, *clock_, std::move(o));
  }
  return *monitor_;
}

CompositionRoot::~CompositionRoot() {
  if (monitor_)
    monitor_->stop();
  if (keyman_)
    keyman_->stop();
  if (refresher_)
    refresher_->stop();
}

const MasterKey& CompositionRoot::master_key() {
  std::lock_guard<std::mutex> lock(master_mu_);
  if (!master_)
    master_.emplace(MasterKey::load(config_.master_key_file));
  return *master_;
}

lmdb::WriteTxn* CompositionRoot::thread_write_txn() const {
  std::lock_guard<std::mutex> lock(write_mu_);
  auto it = write_txns_.find(std::this_thread::get_id());
  return it == write_txns_.end() ? nullptr : it->second;
}

void CompositionRoot::set_thread_write_txn(lmdb::WriteTxn* txn) {
  std::lock_guard<std::mutex> lock(write_mu_);
  if (txn) {
    write_txns_[std::this_thread::get_id()] = txn;
  } else {
    write_txns_.erase(std::this_thread::get_id());
  }
}

}  // namespace signet
