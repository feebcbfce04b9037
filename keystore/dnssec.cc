// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/dnssec.hh"

namespace signet {

Dnssec::Dnssec(Store& store, const Clock& clock, MasterKeyProvider master, BitmapRules rules)
    : events_(store),
      state_(store),
      policy_store_(store, master),
      policies_(store, policy_store_, state_, events_),
      keys_(store, clock, std::move(master)),
      signing_(store, clock, state_, policies_, keys_, events_, rules),
      verifier_(store, state_, keys_, clock, rules),
      ds_(keys_, clock) {}

}  // namespace signet
