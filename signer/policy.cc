// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/policy.hh"

namespace signet {

std::optional<SigningPolicy> builtin_policy(const std::string& name) {
  SigningPolicy p;
  p.name = name;
  if (name == "default")
    return p;
  if (name == "default-nsec") {
    p.denial = DenialMode::kNsec;
    return p;
  }
  if (name == "ksk-zsk") {
    p.csk = false;
    return p;
  }
  if (name == "rsasha256") {
    p.algorithm = Algorithm::kRsaSha256;
    p.csk = false;
    return p;
  }
  if (name == "ecdsap384sha384") {
    p.algorithm = Algorithm::kEcdsaP384Sha384;
    return p;
  }
  if (name == "ed25519") {
    p.algorithm = Algorithm::kEd25519;
    return p;
  }
  if (name == "ed448") {
    p.algorithm = Algorithm::kEd448;
    return p;
  }
  return std::nullopt;
}

std::vector<std::string> builtin_policy_names() {
  return {"default", "default-nsec", "ksk-zsk", "rsasha256", "ecdsap384sha384", "ed25519", "ed448"};
}

}  // namespace signet
