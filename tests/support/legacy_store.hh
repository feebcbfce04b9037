// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: store states that the current code refuses to create but that a store written
// before a rule existed may hold, so tests can prove the later defences.
#pragma once

#include <string>

#include "keystore/store.hh"

namespace signet::test {

// Writes an empty zone of `tenant_id` at `apex` straight into the zone tables, bypassing
// Store::create_zone and its tenant boundary check (as a store from before issue 8 could hold
// another tenant's zone inside one's own).
codec::ZoneRecord insert_zone_bypassing_the_boundary(Store& store, lmdb::WriteTxn& txn,
                                                     uint32_t tenant_id, const Name& apex);

// The same on the store in directory `store_path` (its own transaction): the tenant is created
// when missing and the zone gets an SOA.
void insert_zone_bypassing_the_boundary(const std::string& store_path, const std::string& tenant,
                                        const std::string& apex);

}  // namespace signet::test
