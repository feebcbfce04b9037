// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/refresher.hh"

#include <chrono>

#include "signer/error.hh"

namespace signet {

Refresher::Refresher(Store& store, Dnssec& dnssec, const Clock& clock, Log log)
    : store_(store), dnssec_(dnssec), clock_(clock), log_(std::move(log)) {}

Refresher::~Refresher() {
  stop();
}

bool Refresher::refresh_zone(uint32_t zone_id, bool forced) {
  // Whole-zone work a process left (killed, or still at it): resumed once its lease has passed
  // (keystore/resign.hh), in chunks of its own.
  {
    auto rtxn = store_.begin_read();
    auto st = dnssec_.state().find(rtxn, zone_id);
    if (!st)
      return false;
    if (st->has_pending_work()) {
      if (st->lease_until > clock_.now())
        return false;  // another process drives it
      rtxn.reset();
      dnssec_.signing().complete(zone_id, 0);
    }
  }
  // The refresh itself, in write transactions of at most kRefreshChunk names each, so that
  // other writers get the lock in between; the last one bumps the serial (once) and schedules.
  size_t signed_so_far = 0;
  for (;;) {
    auto txn = store_.begin_write();
    auto zone = store_.zone_by_id(txn, zone_id);
    auto st = zone ? dnssec_.state().find(txn, zone_id) : std::nullopt;
    if (!st)
      return false;
    // Another process may have refreshed it since we looked: check again inside the transaction.
    if (!forced && signed_so_far == 0 && st->next_refresh > clock_.now())
      return false;
    SignStats part = dnssec_.signing().refresh(txn, *zone, kRefreshChunk, /*finish=*/false);
    if (part.signatures > 0) {
      signed_so_far += part.signatures;
      txn.commit();
      continue;
    }
    dnssec_.signing().refresh(txn, *zone, kRefreshChunk, /*finish=*/true, signed_so_far);
    txn.commit();
    if (signed_so_far > 0 && log_) {
      log_(false, "refreshed " + std::to_string(signed_so_far) + " signatures of zone '" +
                      zone->name.to_text() + "' (serial " + std::to_string(zone->serial) + ")");
    }
    return true;
  }
}

size_t Refresher::run_once(size_t max_zones, const ZoneFilter& only) {
  std::set<uint32_t> woken;
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken.swap(woken_);
  }
  std::vector<uint32_t> due;
  {
    auto txn = store_.begin_read();
    due = dnssec_.state().due(txn, clock_.now(), only ? SIZE_MAX : max_zones);
  }
  if (only) {
    std::erase_if(due, [&](uint32_t id) { return !only(id); });
    std::erase_if(woken, [&](uint32_t id) { return !only(id); });
    if (due.size() > max_zones)
      due.resize(max_zones);
  }
  size_t done = 0;
  for (uint32_t id : due) {
    try {
      done += refresh_zone(id, false) ? 1 : 0;
      woken.erase(id);
    } catch (const std::exception& e) {
      if (log_)
        log_(true, std::string("refreshing zone #") + std::to_string(id) + " failed: " + e.what());
    }
  }
  for (uint32_t id : woken) {
    try {
      done += refresh_zone(id, true) ? 1 : 0;
    } catch (const std::exception& e) {
      if (log_)
        log_(true, std::string("refreshing zone #") + std::to_string(id) + " failed: " + e.what());
    }
  }
  return done;
}

void Refresher::start(unsigned interval_seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable())
    return;
  stopping_ = false;
  thread_ = std::thread([this, interval_seconds] {
    while (true) {
      try {
        run_once();
      } catch (const std::exception& e) {
        if (log_)
          log_(true, std::string("refresher pass failed: ") + e.what());
      }
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(interval_seconds),
                   [this] { return stopping_ || !woken_.empty(); });
      if (stopping_)
        return;
    }
  });
}

void Refresher::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void Refresher::wake(uint32_t zone_id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!woken_.insert(zone_id).second)
      return;
  }
  cv_.notify_all();
}

}  // namespace signet
