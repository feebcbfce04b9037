// SPDX-License-Identifier: GPL-2.0-or-later
//
// DNSSEC signing algorithms (RFC 8624 recommended set): key generation, the DNSKEY public key
// formats, signing and verification in DNSSEC's signature formats. OpenSSL does RSA, ECDSA and
// Ed448; libsodium does Ed25519 (faster than OpenSSL for it).
//
//   8  RSASHA256        RFC 5702 (public key: RFC 3110 §2; signature: PKCS#1 v1.5)
//   13 ECDSAP256SHA256  RFC 6605 (public key: X|Y; signature: r|s, 32 octets each)
//   14 ECDSAP384SHA384  RFC 6605 (48 octets each)
//   15 ED25519          RFC 8080
//   16 ED448            RFC 8080
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "signer/secret.hh"

namespace signet {

enum class Algorithm : uint8_t {
  kRsaSha256 = 8,
  kEcdsaP256Sha256 = 13,
  kEcdsaP384Sha384 = 14,
  kEd25519 = 15,
  kEd448 = 16,
};

// Throws InputError for numbers Signet does not sign with.
Algorithm algorithm_from_number(unsigned number);
// Accepts "13", "ECDSAP256SHA256", "ecdsap256sha256", "ed25519"...
Algorithm algorithm_from_text(std::string_view text);
std::string algorithm_name(Algorithm alg);
inline uint8_t algorithm_number(Algorithm alg) {
  return static_cast<uint8_t>(alg);
}
// The size of a key as DNS tools report it (pdns' "bits"): the RSA modulus in bits, the curve
// size for ECDSA, 256 for Ed25519 and 456 for Ed448. Throws InputError for a malformed RSA
// public key field.
unsigned key_bits(Algorithm alg, std::span<const uint8_t> public_key);

// An unsealed private key. Its private parts live in the key heap (signer/secret.hh): every
// constructor sets the heap up if needed; OpenSSL 3.0 decodes and generates keys there, and a
// key built from BIND's parts is re-decoded from its DER because OpenSSL's OSSL_PARAM import of
// RSA keys and its raw EdDSA import do not. Constructors throw Error(key_heap_full_message())
// when the key heap has no room left.
class PrivateKey {
 public:
  // RSA keys are at least 2048 bits (RFC 8624 §3.1 guidance for RSASHA256).
  static PrivateKey generate(Algorithm alg, unsigned rsa_bits = 2048);
  // From the DER produced by to_der() (what Signet seals into the store). Throws
  // CorruptionError when it does not decode or holds a key of another algorithm.
  static PrivateKey from_der(Algorithm alg, std::span<const uint8_t> der);
  // From RFC 3110 / 6605 / 8080 private material as BIND's .private files carry it. Throws
  // InputError when the material is malformed or its parts do not fit together.
  struct RsaParts {
    std::vector<uint8_t> n, e;         // public
    Secret d, p, q, dmp1, dmq1, iqmp;  // private
  };
  static PrivateKey from_rsa_parts(const RsaParts& parts);
  static PrivateKey from_raw(Algorithm alg,
                             std::span<const uint8_t> raw);  // EC scalar or EdDSA seed

  // The DER of i2d_PrivateKey (PKCS #1, SEC 1 or PKCS #8 by algorithm), in a guarded Secret.
  Secret to_der() const;
  Algorithm algorithm() const;
  // The DNSKEY public key field.
  const std::vector<uint8_t>& public_key() const;
  // Thread-safe convenience; the bulk path uses a Signer per thread.
  std::vector<uint8_t> sign(std::span<const uint8_t> data) const;

  struct Impl;
  std::shared_ptr<const Impl> impl() const { return impl_; }

 private:
  explicit PrivateKey(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

// Signs with one key, reusing its OpenSSL contexts between signatures. Not thread-safe: make one
// per thread.
class Signer {
 public:
  // own_copy: sign with a private copy of the key (in the key heap), as a thread signing many
  // RRsets should: OpenSSL 3 takes a lock and bumps reference counts in the EVP_PKEY on every
  // signature, so threads sharing one EVP_PKEY contend on its cache lines. A one-off signature
  // shares the key instead of copying it.
  explicit Signer(const PrivateKey& key, bool own_copy = true);
  ~Signer();
  Signer(Signer&&) noexcept;
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;
  // Replaces `out` with the DNSSEC-format signature of `data`.
  void sign(std::span<const uint8_t> data, std::vector<uint8_t>& out);
  size_t signature_size() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Verifies a DNSSEC-format signature against a DNSKEY public key field.
bool verify(Algorithm alg, std::span<const uint8_t> public_key, std::span<const uint8_t> data,
            std::span<const uint8_t> signature);

// One public key checking many signatures (the self-check samples of bulk signing): the key is
// parsed once, not on every call as verify() must. Not shared between threads.
class Verifier {
 public:
  // Throws InputError when the public key is malformed.
  Verifier(Algorithm alg, std::span<const uint8_t> public_key);
  ~Verifier();
  Verifier(Verifier&&) noexcept;
  bool verify(std::span<const uint8_t> data, std::span<const uint8_t> signature) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace signet
