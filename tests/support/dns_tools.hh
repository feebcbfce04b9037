// SPDX-License-Identifier: GPL-2.0-or-later
// Test support: BIND's command-line tools as a client uses them, on 127.0.0.1.
//
//   nsupdate(port, "acme.example.", "hmac-sha256:acme-key:SECRET", {"update add ..."})
//       -> "NOERROR", or the RCODE nsupdate reports ("NOTAUTH", "REFUSED", ...)
//   dig_validated(unbound.port(), "new.acme.example.", "A") -> rcode, AD flag, answer RDATA
#pragma once

#include <string>
#include <vector>

namespace signet::test {

// Sends one update (the `lines`, then "send") to 127.0.0.1:`port` for `zone`, TSIG-signed with
// `key` ("alg:name:secret", none when empty). NOERROR, the RCODE of "update failed: RCODE", or
// "(nsupdate: OUTPUT)" when it failed otherwise.
std::string nsupdate(int port, const std::string& zone, const std::string& key,
                     const std::vector<std::string>& lines);

// An answer of `dig +dnssec` as a stub sees it through a validating resolver.
struct Validated {
  bool ad = false;
  std::string rcode;
  std::vector<std::string> answers;  // the RDATA of the answer records of the asked type
};
Validated dig_validated(int port, const std::string& name, const std::string& type);

}  // namespace signet::test
