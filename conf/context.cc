// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/context.hh"

namespace signet {

Context::Context(Config config, std::unique_ptr<Clock> clock)
    : config_(std::move(config)), clock_(std::move(clock)) {
  store_ = std::make_unique<Store>(StoreOptions{config_.path, config_.map_size_mb << 20});
  dnssec_ = std::make_unique<Dnssec>(*store_, *clock_,
                                     [this]() -> const MasterKey& { return master_key(); });
}

const MasterKey& Context::master_key() {
  std::lock_guard<std::mutex> lock(master_mu_);
  if (!master_)
    master_.emplace(MasterKey::load(config_.master_key_file));
  return *master_;
}

lmdb::WriteTxn* Context::thread_write_txn() const {
  std::lock_guard<std::mutex> lock(write_mu_);
  auto it = write_txns_.find(std::this_thread::get_id());
  return it == write_txns_.end() ? nullptr : it->second;
}

void Context::set_thread_write_txn(lmdb::WriteTxn* txn) {
  std::lock_guard<std::mutex> lock(write_mu_);
  if (txn) {
    write_txns_[std::this_thread::get_id()] = txn;
  } else {
    write_txns_.erase(std::this_thread::get_id());
  }
}

}  // namespace signet
