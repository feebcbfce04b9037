// SPDX-License-Identifier: GPL-2.0-or-later
//
// Error policy (stated once, for the whole code base):
//
//  * The core (signer/, keystore/, conf/) reports failure by throwing one of the exception types
//    below. Functions that look something up and may legitimately find nothing return
//    std::optional instead; "not found" is only an exception when the caller asked for a thing
//    that must exist (a named zone, a named tenant).
//  * Every message names the thing it is about (tenant, zone, name/type, key tag, file:line) so
//    that it can be printed as-is on one line.
//  * A write that throws leaves the store untouched: writes happen inside one LMDB transaction
//    that aborts when unwound (see keystore/lmdb.hh).
//  * The edges translate: signetutil prints "signetutil: <message>" and exits non-zero (2 for a
//    ScopeError, a usage error); the pdns
//    module turns StoreError into DBException (SERVFAIL, retried) and everything else into
//    PDNSException where pdns expects that.
#pragma once

#include <stdexcept>
#include <string>

namespace signet {

// Base of every Signet error.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The operator's input is wrong: a bad name, a malformed zone file line, an unknown type...
class InputError : public Error {
 public:
  using Error::Error;
};

// A named thing that must exist does not (zone, tenant, key).
class NotFound : public Error {
 public:
  using Error::Error;
};

// The request contradicts what is stored: duplicate zone, CNAME beside other data, a zone that
// belongs to another tenant, a tenant that still owns zones.
class Conflict : public Error {
 public:
  using Error::Error;
};

// The request reaches outside the one tenant the caller is limited to (signetutil --tenant): a
// zone, tenant or policy of another tenant, or an operator-wide action. signetutil reports it as
// a usage error (exit 2).
class ScopeError : public Conflict {
 public:
  using Conflict::Conflict;
};

// The store itself failed (LMDB error, map full, corrupt bytes). Usually transient or
// operational, never the operator's input.
class StoreError : public Error {
 public:
  using Error::Error;
};

// Stored bytes do not decode: a bug or on-disk damage.
class CorruptionError : public StoreError {
 public:
  using StoreError::StoreError;
};

}  // namespace signet
