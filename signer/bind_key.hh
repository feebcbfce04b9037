// SPDX-License-Identifier: GPL-2.0-or-later
//
// BIND's key files (dnssec-keygen): K<zone>+<alg>+<tag>.private ("Private-key-format: v1.x",
// "Algorithm: 13 (ECDSAP256SHA256)", "PrivateKey: <base64>" or the RSA fields) and the matching
// .key file holding the DNSKEY record. Used to migrate signed zones into Signet.
#pragma once

#include <optional>
#include <string>

#include "signer/crypto.hh"
#include "signer/key.hh"

namespace signet {

struct BindKey {
  PrivateKey key;
  std::optional<uint16_t> flags;  // from the .key file next to the .private, when present
};

// Reads a .private file (into guarded memory, wiped when done: it is the key in base64) and, when
// it is there, the .key file next to it, which must hold the same key: same algorithm, same
// public key. Throws InputError "<file>:<line>: reason" (or "<file>: reason" for what has no
// line, such as a missing field) for unreadable, malformed or truncated files, key material that
// does not fit the file's Algorithm, and a .key file that does not match.
BindKey read_bind_private_key(const std::string& path);

}  // namespace signet
