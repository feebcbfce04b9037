// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/health.hh"

#include "keystore/presigned_zones.hh"

#include <algorithm>

#include "signer/nsec3.hh"

namespace signet {

namespace {

constexpr int64_t kDay = 86400;

std::string hours(int64_t seconds) {
  if (seconds < 0)
    seconds = 0;
  if (seconds >= 2 * kDay)
    return std::to_string(seconds / kDay) + " d";
  if (seconds >= 3600)
    return std::to_string(seconds / 3600) + " h";
  return std::to_string(seconds / 60) + " min";
}

}  // namespace

std::string health_status_name(HealthStatus s) {
  switch (s) {
    case HealthStatus::kOk:
      return "ok";
    case HealthStatus::kWarning:
      return "warning";
    case HealthStatus::kCritical:
      return "critical";
  }
  return "?";
}

std::string parent_ds_state_name(ParentDsState s) {
  switch (s) {
    case ParentDsState::kUnknown:
      return "unknown";
    case ParentDsState::kMatch:
      return "match";
    case ParentDsState::kPending:
      return "pending";
    case ParentDsState::kMissing:
      return "missing";
    case ParentDsState::kMismatch:
      return "mismatch";
  }
  return "?";
}

StoreHealth assess_store(const lmdb::Env::Usage& u) {
  StoreHealth h;
  h.usage = u;
  if (!u.map_bytes)
    return h;
  constexpr uint64_t kMiB = 1024 * 1024;
  uint64_t avail = u.available_bytes();
  auto mib = [&](uint64_t b) { return std::to_string((b + kMiB / 2) / kMiB) + " MiB"; };
  std::string how = mib(avail) + " of " + mib(u.map_bytes) + " available";
  if (avail * 20 < u.map_bytes || avail < kMiB) {
    h.status = HealthStatus::kCritical;
    h.reason = "store full: " + how +
               "; writes and signature refreshes fail (raise signet-map-size, see README)";
  } else if (avail * 5 < u.map_bytes) {
    h.status = HealthStatus::kWarning;
    h.reason = "store filling up: " + how + " (raise signet-map-size before it is full)";
  }
  return h;
}

namespace {

// A presigned zone: Signet neither signs nor re-signs it, but it serves the primary's signatures,
// and a primary that stops re-signing must not go unnoticed until validators fail the zone.
void assess_presigned(ZoneHealth& h, const codec::DnssecRecord& view, Dnssec& dnssec,
                      const lmdb::Txn& txn, const ZoneRecord& zone, uint64_t now) {
  h.presigned = true;
  Nsec3Params p{1, view.nsec3_flags, view.nsec3_iterations, view.salt};
  h.denial = view.denial == codec::Denial::kNsec ? "NSEC" : "NSEC3 " + nsec3_params_text(p);
  h.earliest_expiry = dnssec.signing().earliest_expiration(txn, zone.id);
  h.signatures_expiring = true;
  int64_t left = static_cast<int32_t>(h.earliest_expiry - static_cast<uint32_t>(now));
  if (!h.earliest_expiry) {
    h.reasons.push_back("presigned, and no transfer from its primary yet");
    h.signatures_expiring = false;
    return;
  }
  if (left <= 0) {
    h.status = HealthStatus::kCritical;
    h.reasons.push_back("the primary's signatures have expired: validators fail the zone");
  } else if (left < kDay) {
    h.status = HealthStatus::kCritical;
    h.reasons.push_back("the primary's signatures expire in " + hours(left));
  } else if (left < 3 * kDay) {
    h.status = HealthStatus::kWarning;
    h.reasons.push_back("the primary's signatures expire in " + hours(left) +
                        " (is the primary re-signing, and reaching us?)");
  } else {
    h.signatures_expiring = false;
  }
  h.reasons.push_back("presigned by its primary");
}

}  // namespace

ZoneHealth assess_zone(KeyManager& keyman, Dnssec& dnssec, const Store& store, const lmdb::Txn& txn,
                       const ZoneRecord& zone, const std::string& tenant, uint64_t now) {
  ZoneHealth h;
  h.zone = zone.name.to_text();
  h.tenant = tenant;
  std::vector<std::pair<HealthStatus, std::string>> found;
  auto flag = [&](HealthStatus s, std::string why) { found.emplace_back(s, std::move(why)); };

  auto st = dnssec.state().find(txn, zone.id);
  if (!st) {
    h.secured = false;
    if (zone.kind == ZoneKind::kSecondary) {
      if (auto view = presigned_view(store, txn, zone.id)) {
        assess_presigned(h, *view, dnssec, txn, zone, now);
        return h;
      }
    }
    h.reasons.push_back("unsigned");
    return h;
  }
  h.secured = true;
  ZoneKeyStatus ks = keyman.status(txn, zone);
  const codec::RolloverRecord& r = ks.rollover;
  h.policy = ks.policy_name;
  Nsec3Params p;
  p.flags = st->nsec3_flags;
  p.iterations = st->nsec3_iterations;
  p.salt = st->salt;
  h.denial = st->denial == codec::Denial::kNsec ? "NSEC" : "NSEC3 " + nsec3_params_text(p);
  h.next_refresh = st->next_refresh;
  h.rollover = ks.plan.in_progress;
  h.rollover_status = r.status.empty() ? ks.plan.status : r.status;
  h.cds_published = ks.cds_published;
  h.cds_delete = ks.cds_delete;
  h.keys = ks.keys;
  h.parent_checked_at = r.parent_checked_at;
  for (const auto& k : ks.keys) {
    if (k.next_event && (!h.next_key_event || k.next_event < h.next_key_event)) {
      h.next_key_event = k.next_event;
      h.next_key_event_what = "key " + std::to_string(k.times.tag) + " " + k.next_event_what;
    }
  }

  // ---- signatures
  h.earliest_expiry = st->earliest_expiry ? st->earliest_expiry
                                          : dnssec.signing().earliest_expiration(txn, zone.id);
  h.signatures_expiring = true;
  if (!h.earliest_expiry) {
    flag(HealthStatus::kCritical, "the zone has no signatures");
  } else {
    // The 32-bit expiration as a distance from now (RFC 1982).
    int64_t left = static_cast<int32_t>(h.earliest_expiry - static_cast<uint32_t>(now));
    if (left <= 0)
      flag(HealthStatus::kCritical, "signatures have expired: validators fail the zone");
    else if (left < kDay)
      flag(HealthStatus::kCritical, "signatures expire in " + hours(left));
    else if (left < static_cast<int64_t>(ks.policy.refresh) / 2)
      flag(HealthStatus::kWarning,
           "signatures expire in " + hours(left) + ", inside half the refresh window");
    else
      h.signatures_expiring = false;
  }
  if (st->next_refresh && now > st->next_refresh + 3600) {
    flag(HealthStatus::kWarning, "signature refresh overdue for " +
                                     hours(static_cast<int64_t>(now - st->next_refresh)) +
                                     " (is pdns_server running, or signetutil refresh in cron?)");
  }

  // ---- keys
  bool zone_signer = false, key_signer = false;
  for (const auto& k : ks.keys) {
    if (!k.signing)
      continue;
    if (k.times.role != KeyRole::kKsk)
      zone_signer = true;
    if (k.times.role != KeyRole::kZsk && k.published)
      key_signer = true;
  }
  if (!zone_signer)
    flag(HealthStatus::kCritical, "no active key signs the zone's data");
  if (!key_signer)
    flag(HealthStatus::kCritical, "no published, active key signs the DNSKEY RRset");

  // ---- the parent
  std::vector<uint16_t> want = ks.wanted_ds_tags;
  bool going_insecure = r.going_insecure;
  if (r.parent_checked_at) {
    auto served_all = [&](uint16_t tag) {
      return std::any_of(r.parent_ds.begin(), r.parent_ds.end(),
                         [&](const auto& d) { return d.first == tag; });
    };
    bool any_ours = !r.parent_ds_any.empty();
    bool all_wanted = !want.empty() && std::all_of(want.begin(), want.end(), served_all);
    if (going_insecure) {
      h.parent_ds =
          any_ours || r.parent_unknown ? ParentDsState::kPending : ParentDsState::kMissing;
    } else if (!any_ours && r.parent_unknown) {
      h.parent_ds = ParentDsState::kMismatch;
      flag(HealthStatus::kCritical,
           "the parent's DS matches none of the zone's keys: validators see the zone as bogus");
    } else if (!any_ours) {
      h.parent_ds = ParentDsState::kMissing;
      flag(HealthStatus::kWarning,
           "the parent serves no DS: the zone is signed but validators cannot reach it (publish "
           "the DS: signetutil export-ds)");
    } else if (all_wanted) {
      h.parent_ds = ParentDsState::kMatch;
    } else {
      h.parent_ds = ParentDsState::kPending;
    }
    if (r.parent_unknown && any_ours) {
      flag(HealthStatus::kWarning, "the parent also serves " + std::to_string(r.parent_unknown) +
                                       " DS record(s) matching none of the zone's keys");
    }
  }
  // An unreachable parent (no resolver, no parent server answers) shows from the first failure:
  // validators are not affected, but no rollover step that needs the parent can happen until it
  // answers again. Other failures (some servers silent) show once they persist.
  h.parent_unreachable =
      r.parent_failures > 0 && r.last_check_error.rfind(kParentUnreachable, 0) == 0;
  if (h.parent_unreachable) {
    flag(HealthStatus::kWarning,
         r.last_check_error + " (" + std::to_string(r.parent_failures) +
             (r.parent_failures == 1 ? " failure" : " failures") +
             "; nothing changes for validators, but rollover steps that need the parent wait)");
  } else if (r.parent_failures >= 3) {
    flag(HealthStatus::kWarning, "the parent's DS cannot be checked (" +
                                     std::to_string(r.parent_failures) +
                                     " failures): " + r.last_check_error);
  }
  for (const auto& k : ks.keys) {
    const KeyTimes& t = k.times;
    if (t.ds_submitted && !t.ds_seen && !t.ds_retired) {
      uint64_t expected = t.ds_submitted + ks.policy.registration_delay + kDay;
      if (now > expected) {
        h.parent_ds_overdue = true;
        flag(HealthStatus::kWarning,
             "the parent has not published the DS of key " + std::to_string(t.tag) + " asked for " +
                 hours(static_cast<int64_t>(now - t.ds_submitted)) +
                 " ago: the rollover waits (confirm with ds-seen once it is there)");
      }
    }
  }
  if (r.submit_failures > 0)
    flag(HealthStatus::kWarning, r.last_error);

  // ---- what validators see (the validation monitor)
  if (auto m = MonitorResults(store, dnssec.events()).find(txn, zone.id)) {
    h.monitor = monitor_worst(*m);
    h.monitor_checked_at = m->checked_at;
    h.monitor_parent_ds = parent_ds_check_from(m->parent_state);
    for (const auto& res : m->results) {
      MonitorState s = monitor_state_from(res.state);
      if (s == MonitorState::kBogus)
        // Exactly "bogus at RESOLVER (EDE n: text)": alerts deduplicate on the reason, and which
        // of the three questions failed first may differ from check to check.
        h.monitor_reasons.push_back(monitor_result_text(res));
      else if (s == MonitorState::kUnreachable)
        h.monitor_reasons.push_back("resolver " + res.resolver + " unreachable: " + res.detail);
      else
        continue;
      flag(s == MonitorState::kBogus ? HealthStatus::kCritical : HealthStatus::kWarning,
           h.monitor_reasons.back());
    }
    if (h.monitor_parent_ds == ParentDsCheck::kMismatch) {
      std::string at;
      for (const auto& ps : m->parent_servers) {
        if (parent_ds_check_from(ps.state) == ParentDsCheck::kMismatch)
          at += (at.empty() ? "" : ", ") + ps.server;
      }
      flag(HealthStatus::kCritical,
           "the monitor finds a parent DS matching none of the zone's keys at " + at +
               ": validators see the zone as bogus");
    }
  }

  // ---- the key manager
  if (!r.proposal.empty()) {
    h.awaits_approval = true;
    flag(HealthStatus::kWarning, "rollover step awaits approval (signetutil approve " + h.zone +
                                     "): " + r.proposal.substr(0, r.proposal.find('\n')));
  }
  if (r.next_wakeup && now > r.next_wakeup + 3600) {
    int64_t late = static_cast<int64_t>(now - r.next_wakeup);
    flag(late > kDay ? HealthStatus::kCritical : HealthStatus::kWarning,
         "the key manager is " + hours(late) +
             " late (is pdns_server running, or signetutil rollover-tick in cron?)");
  }

  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [s, why] : found) {
    h.status = std::max(h.status, s);
    h.reasons.push_back(why);
  }
  if (h.reasons.empty())
    h.reasons.push_back(h.rollover == RolloverKind::kNone ? "signed" : h.rollover_status);
  return h;
}

bool bogus_somewhere(const ZoneHealth& h) {
  return h.monitor == MonitorState::kBogus;
}

bool ds_mismatch(const ZoneHealth& h) {
  return h.parent_ds == ParentDsState::kMismatch || h.monitor_parent_ds == ParentDsCheck::kMismatch;
}

bool monitor_failing(const ZoneHealth& h) {
  return !h.monitor_reasons.empty();
}

}  // namespace signet
