// SPDX-License-Identifier: GPL-2.0-or-later
//
// Where the DNSSEC units and the key manager report: every key event and signing change of a zone
// to the audit log (in the caller's transaction, when there is an audit log), and warnings to the
// process's log (the pdns log in the module, stderr in signetutil).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "keystore/audit.hh"
#include "keystore/store.hh"
#include "signer/json.hh"

namespace signet {

class ZoneEvents {
 public:
  using WarningSink = std::function<void(const std::string&)>;
  explicit ZoneEvents(const Store& store) : store_(store) {}

  void set_audit(AuditLog* audit) { audit_ = audit; }
  AuditLog* audit() const { return audit_; }
  void set_warning_sink(WarningSink sink) { warn_ = std::move(sink); }

  // Records an event about `zone` (no-op without an audit log).
  void record(lmdb::WriteTxn& txn, const ZoneRecord& zone, std::string_view kind,
              const Json& detail = Json::object()) const;
  void warn(const std::string& message) const {
    if (warn_)
      warn_(message);
  }

 private:
  const Store& store_;
  AuditLog* audit_ = nullptr;
  WarningSink warn_;
};

// The detail of an event about one key: tag, algorithm, role and id.
Json key_detail(const codec::KeyRecord& k);

}  // namespace signet
