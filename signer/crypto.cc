// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/crypto.hh"

// The low-level SHA256_* functions are deprecated in OpenSSL 3 but remain the fastest way to hash
// (no context allocation, no algorithm fetch); see digest().
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "signer/bytes.hh"
#include "signer/error.hh"

namespace signet {

namespace {

// ---------------------------------------------------------------- RAII for OpenSSL handles
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PctxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct MdctxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
};
struct BldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  // OpenSSL 3.0 has no OSSL_PARAM_clear_free (3.2 does). OSSL_PARAM_free is enough here:
  // OSSL_PARAM_BLD puts the bytes of every BN_secure_new'd number in a separate secure block,
  // which OSSL_PARAM_free releases with OPENSSL_secure_clear_free (crypto/params_dup.c); the
  // ordinary block holds only public values (modulus, exponent, curve, public point).
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PctxPtr = std::unique_ptr<EVP_PKEY_CTX, PctxFree>;
using MdctxPtr = std::unique_ptr<EVP_MD_CTX, MdctxFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

// Whether OpenSSL's queue holds a failed secure-heap allocation (it queues one when the key heap
// is full); empties the queue.
bool drain_errors_for_full_heap() {
  bool full = false;
  while (unsigned long e = ERR_get_error()) {
    if (ERR_GET_LIB(e) == ERR_LIB_CRYPTO && ERR_GET_REASON(e) == CRYPTO_R_SECURE_MALLOC_FAILURE)
      full = true;
  }
  return full;
}

// Room for the private parts of the largest key (RSA-4096: 1,792 bytes) and their temporaries.
constexpr size_t kRoomForAKey = 4096;

[[noreturn]] void ossl_fail(const std::string& what) {
  unsigned long e = ERR_peek_error();
  char buf[256] = "";
  if (e)
    ERR_error_string_n(e, buf, sizeof(buf));
  if (drain_errors_for_full_heap() || !key_heap_has_room(kRoomForAKey))
    throw Error(key_heap_full_message());
  throw Error("crypto: " + what + (e ? std::string(": ") + buf : std::string()));
}

bool is_ecdsa(Algorithm a) {
  return a == Algorithm::kEcdsaP256Sha256 || a == Algorithm::kEcdsaP384Sha384;
}
size_t ec_size(Algorithm a) {
  return a == Algorithm::kEcdsaP256Sha256 ? 32 : 48;
}
constexpr size_t kStrippedZeroOctets = 3;
const char* ec_group(Algorithm a) {
  return a == Algorithm::kEcdsaP256Sha256 ? "P-256" : "P-384";
}
int ec_nid(Algorithm a) {
  return a == Algorithm::kEcdsaP256Sha256 ? NID_X9_62_prime256v1 : NID_secp384r1;
}

std::vector<uint8_t> bn_bytes(const BIGNUM* bn) {
  std::vector<uint8_t> out(static_cast<size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  return out;
}

std::vector<uint8_t> public_key_of(Algorithm alg, EVP_PKEY* pkey) {
  if (alg == Algorithm::kRsaSha256) {
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) ||
        !EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e)) {
      ossl_fail("reading the RSA public key");
    }
    BnPtr np(n), ep(e);
    auto nb = bn_bytes(n), eb = bn_bytes(e);
    // RFC 3110 §2: exponent length in one octet, or zero and two octets when above 255.
    std::vector<uint8_t> out;
    if (eb.size() <= 255) {
      out.push_back(static_cast<uint8_t>(eb.size()));
    } else {
      out.push_back(0);
      bytes::put_u16(out, static_cast<uint16_t>(eb.size()));
    }
    out.insert(out.end(), eb.begin(), eb.end());
    out.insert(out.end(), nb.begin(), nb.end());
    return out;
  }
  if (is_ecdsa(alg)) {
    uint8_t buf[1 + 2 * 48];
    size_t len = 0;
    if (!EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, sizeof(buf),
                                         &len) ||
        len != 1 + 2 * ec_size(alg) || buf[0] != 0x04) {
      ossl_fail("reading the EC public key");
    }
    // RFC 6605 §4: the uncompressed point without its 0x04 prefix.
    return std::vector<uint8_t>(buf + 1, buf + len);
  }
  uint8_t buf[57];
  size_t len = sizeof(buf);
  if (!EVP_PKEY_get_raw_public_key(pkey, buf, &len))
    ossl_fail("reading the EdDSA public key");
  return std::vector<uint8_t>(buf, buf + len);
}

int pkey_type(Algorithm alg) {
  switch (alg) {
    case Algorithm::kRsaSha256:
      return EVP_PKEY_RSA;
    case Algorithm::kEcdsaP256Sha256:
    case Algorithm::kEcdsaP384Sha384:
      return EVP_PKEY_EC;
    case Algorithm::kEd25519:
      return EVP_PKEY_ED25519;
    case Algorithm::kEd448:
      return EVP_PKEY_ED448;
  }
  return 0;
}

// DER ECDSA-Sig-Value (SEQUENCE of two INTEGERs) to DNSSEC's fixed-width r|s (RFC 6605 §4).
bool der_to_raw(const uint8_t* der, size_t len, size_t n, uint8_t* out) {
  size_t pos = 0;
  if (len < 2 || der[pos++] != 0x30)
    return false;
  size_t seq = der[pos++];
  if (seq & 0x80) {
    if ((seq & 0x7f) != 1 || pos >= len)
      return false;
    seq = der[pos++];
  }
  for (int part = 0; part < 2; ++part) {
    if (pos + 2 > len || der[pos++] != 0x02)
      return false;
    size_t il = der[pos++];
    if (pos + il > len)
      return false;
    const uint8_t* p = der + pos;
    size_t l = il;
    while (l > 0 && *p == 0) {
      ++p;
      --l;
    }
    if (l > n)
      return false;
    std::memset(out + part * n, 0, n - l);
    std::memcpy(out + part * n + (n - l), p, l);
    pos += il;
  }
  return true;
}

// r|s to DER.
std::vector<uint8_t> raw_to_der(std::span<const uint8_t> raw) {
  size_t n = raw.size() / 2;
  std::vector<uint8_t> ints;
  for (int part = 0; part < 2; ++part) {
    const uint8_t* p = raw.data() + part * n;
    size_t l = n;
    while (l > 1 && *p == 0) {
      ++p;
      --l;
    }
    bool pad = (*p & 0x80) != 0;
    ints.push_back(0x02);
    ints.push_back(static_cast<uint8_t>(l + (pad ? 1 : 0)));
    if (pad)
      ints.push_back(0);
    ints.insert(ints.end(), p, p + l);
  }
  std::vector<uint8_t> der = {0x30};
  if (ints.size() >= 0x80)
    der.push_back(0x81);
  der.push_back(static_cast<uint8_t>(ints.size()));
  der.insert(der.end(), ints.begin(), ints.end());
  return der;
}

// SHA-256 through libsodium and SHA-384 through a digest fetched once: OpenSSL 3's one-shot
// SHA256()/SHA384() look the algorithm up again on every call, which costs more than the hash.
void digest(Algorithm alg, std::span<const uint8_t> data, uint8_t* out, size_t* len) {
  if (alg == Algorithm::kEcdsaP384Sha384) {
    static EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
    unsigned int l = 0;
    if (!EVP_Digest(data.data(), data.size(), out, &l, sha384, nullptr))
      ossl_fail("SHA-384");
    *len = l;
  } else {
    // The low-level SHA256_* calls run OpenSSL's assembly (AVX2/SHA-NI) directly; the one-shot
    // SHA256() of OpenSSL 3 goes through EVP_Q_digest, which fetches the algorithm on every call.
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, data.data(), data.size());
    SHA256_Final(out, &c);
    *len = SHA256_DIGEST_LENGTH;
  }
}

PkeyPtr public_pkey(Algorithm alg, std::span<const uint8_t> pub) {
  EVP_PKEY* pkey = nullptr;
  if (alg == Algorithm::kEd448 || alg == Algorithm::kEd25519) {
    pkey = EVP_PKEY_new_raw_public_key(pkey_type(alg), nullptr, pub.data(), pub.size());
    if (!pkey)
      throw InputError("malformed EdDSA public key");
    return PkeyPtr(pkey);
  }
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  BnPtr n, e;
  std::vector<uint8_t> point;
  const char* type;
  if (alg == Algorithm::kRsaSha256) {
    type = "RSA";
    if (pub.empty())
      throw InputError("malformed RSA public key");
    size_t elen = pub[0], off = 1;
    if (elen == 0) {
      if (pub.size() < 3)
        throw InputError("malformed RSA public key");
      elen = bytes::load_u16(pub.data() + 1);
      off = 3;
    }
    if (pub.size() <= off + elen)
      throw InputError("malformed RSA public key");
    e.reset(BN_bin2bn(pub.data() + off, static_cast<int>(elen), nullptr));
    n.reset(BN_bin2bn(pub.data() + off + elen, static_cast<int>(pub.size() - off - elen), nullptr));
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get());
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get());
  } else {
    type = "EC";
    if (pub.size() != 2 * ec_size(alg))
      throw InputError("malformed ECDSA public key");
    point.push_back(0x04);
    point.insert(point.end(), pub.begin(), pub.end());
    OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, ec_group(alg), 0);
    OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                     point.size());
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  PctxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) {
    ERR_clear_error();
    throw InputError("malformed " + algorithm_name(alg) + " public key");
  }
  return PkeyPtr(pkey);
}

}  // namespace

// ---------------------------------------------------------------- algorithms

Algorithm algorithm_from_number(unsigned number) {
  switch (number) {
    case 8:
      return Algorithm::kRsaSha256;
    case 13:
      return Algorithm::kEcdsaP256Sha256;
    case 14:
      return Algorithm::kEcdsaP384Sha384;
    case 15:
      return Algorithm::kEd25519;
    case 16:
      return Algorithm::kEd448;
  }
  throw InputError(
      "unsupported DNSSEC algorithm " + std::to_string(number) +
      " (supported: 8 RSASHA256, 13 ECDSAP256SHA256, 14 ECDSAP384SHA384, 15 ED25519, 16 ED448)");
}

Algorithm algorithm_from_text(std::string_view text) {
  std::string t(text);
  std::transform(t.begin(), t.end(), t.begin(), ::toupper);
  if (!t.empty() && std::all_of(t.begin(), t.end(), ::isdigit) && t.size() < 4) {
    return algorithm_from_number(static_cast<unsigned>(std::stoul(t)));
  }
  for (Algorithm a : {Algorithm::kRsaSha256, Algorithm::kEcdsaP256Sha256,
                      Algorithm::kEcdsaP384Sha384, Algorithm::kEd25519, Algorithm::kEd448}) {
    if (algorithm_name(a) == t)
      return a;
  }
  throw InputError("unknown DNSSEC algorithm '" + std::string(text) + "'");
}

std::string algorithm_name(Algorithm alg) {
  switch (alg) {
    case Algorithm::kRsaSha256:
      return "RSASHA256";
    case Algorithm::kEcdsaP256Sha256:
      return "ECDSAP256SHA256";
    case Algorithm::kEcdsaP384Sha384:
      return "ECDSAP384SHA384";
    case Algorithm::kEd25519:
      return "ED25519";
    case Algorithm::kEd448:
      return "ED448";
  }
  return "?";
}

unsigned key_bits(Algorithm alg, std::span<const uint8_t> public_key) {
  switch (alg) {
    case Algorithm::kRsaSha256:
      return static_cast<unsigned>(EVP_PKEY_get_bits(public_pkey(alg, public_key).get()));
    case Algorithm::kEcdsaP256Sha256:
      return 256;
    case Algorithm::kEcdsaP384Sha384:
      return 384;
    case Algorithm::kEd25519:
      return 256;
    case Algorithm::kEd448:
      return 456;  // 57 octets
  }
  return 0;
}

// ---------------------------------------------------------------- PrivateKey

struct PrivateKey::Impl {
  Algorithm alg;
  PkeyPtr pkey;
  std::vector<uint8_t> pub;
  Secret sodium_sk;  // Ed25519 only: libsodium's seed|public secret key, in the key heap

  Impl(Algorithm a, EVP_PKEY* k) : alg(a), pkey(k) {
    if (EVP_PKEY_get_base_id(k) != pkey_type(a))
      throw InputError("key material does not match " + algorithm_name(a));
    pub = public_key_of(a, k);
    if (a == Algorithm::kEd25519) {
      Secret seed(32, SecretHeap::kKeyHeap);
      size_t len = 32;
      if (!EVP_PKEY_get_raw_private_key(k, seed.data(), &len) || len != 32)
        ossl_fail("reading the Ed25519 seed");
      sodium_sk = Secret(crypto_sign_SECRETKEYBYTES, SecretHeap::kKeyHeap);
      uint8_t pk[crypto_sign_PUBLICKEYBYTES];
      crypto_sign_seed_keypair(pk, sodium_sk.data(), seed.data());
    }
  }
};

namespace {

// The DER of a key (i2d_PrivateKey), in a Secret of the given heap.
Secret der_of(EVP_PKEY* pkey, SecretHeap heap) {
  int len = i2d_PrivateKey(pkey, nullptr);
  if (len <= 0)
    ossl_fail("encoding a private key");
  Secret out(static_cast<size_t>(len), heap);
  unsigned char* p = out.data();
  if (i2d_PrivateKey(pkey, &p) != len)
    ossl_fail("encoding a private key");
  return out;
}

// Decodes DER; nullptr when it does not decode (the OpenSSL error queue says why).
PkeyPtr decode_der(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  return PkeyPtr(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
}

// The same key, decoded again from its DER: OpenSSL 3.0 allocates the private numbers of a
// decoded key in the secure heap (ASN.1 CBIGNUM, EC and ECX private keys), but not those of an
// RSA key imported from OSSL_PARAMs or of a raw EdDSA key. The first copy is freed by OpenSSL
// with BN_clear_free / OPENSSL_secure_clear_free: wiped. Slow (OpenSSL 3.0's decoder lookup,
// ~0.6 ms here): for imports only.
PkeyPtr reload_in_key_heap(EVP_PKEY* pkey) {
  Secret der = der_of(pkey, SecretHeap::kKeyHeap);
  PkeyPtr k = decode_der(der.bytes());
  if (!k)
    ossl_fail("decoding a private key");
  return k;
}

// A copy of a key whose private parts are in the key heap, made fast (a signer's own copy).
// EVP_PKEY_dup keeps them there for RSA (BN_dup keeps BN_FLG_SECURE), but OpenSSL 3.0 copies an
// EC private scalar into a BN_new (EC_KEY_copy); exported and imported through OSSL_PARAMs it
// stays secure both ways (OSSL_PARAM_BLD's secure block, then BN_secure_new in the EC import).
PkeyPtr copy_in_key_heap(Algorithm alg, EVP_PKEY* pkey) {
  if (!is_ecdsa(alg)) {
    PkeyPtr k(EVP_PKEY_dup(pkey));
    if (!k)
      ossl_fail("copying the key");
    return k;
  }
  OSSL_PARAM* raw = nullptr;
  if (EVP_PKEY_todata(pkey, EVP_PKEY_KEYPAIR, &raw) <= 0)
    ossl_fail("copying the key");
  std::unique_ptr<OSSL_PARAM, ParamFree> params(raw);
  PctxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* k = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &k, EVP_PKEY_KEYPAIR, params.get()) <= 0) {
    ossl_fail("copying the key");
  }
  return PkeyPtr(k);
}

}  // namespace

PrivateKey PrivateKey::generate(Algorithm alg, unsigned rsa_bits) {
  ensure_key_heap();
  EVP_PKEY* k = nullptr;
  switch (alg) {
    case Algorithm::kRsaSha256:
      if (rsa_bits < 2048 || rsa_bits > 4096)
        throw InputError("RSA keys must have 2048 to 4096 bits");
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(rsa_bits));
      break;
    case Algorithm::kEcdsaP256Sha256:
    case Algorithm::kEcdsaP384Sha384:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", ec_group(alg));
      break;
    case Algorithm::kEd25519:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case Algorithm::kEd448:
      k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED448");
      break;
  }
  if (!k)
    ossl_fail("generating a " + algorithm_name(alg) + " key");
  // OpenSSL's key generators put private numbers in the secure heap themselves (BN_secure_new,
  // OPENSSL_secure_malloc); crypto_test checks that they still do.
  return PrivateKey(std::make_shared<Impl>(alg, k));
}

PrivateKey PrivateKey::from_der(Algorithm alg, std::span<const uint8_t> der) {
  ensure_key_heap();
  PkeyPtr k = decode_der(der);
  if (!k) {
    // A full heap, or bytes that are no key: OpenSSL's decoders keep the reason to themselves.
    if (drain_errors_for_full_heap() || !key_heap_has_room(std::max(der.size() * 2, kRoomForAKey)))
      throw Error(key_heap_full_message());
    throw CorruptionError("private key material does not decode");
  }
  if (EVP_PKEY_get_base_id(k.get()) != pkey_type(alg)) {
    throw CorruptionError("private key material holds another algorithm than " +
                          algorithm_name(alg));
  }
  return PrivateKey(std::make_shared<Impl>(alg, k.release()));
}

namespace {

// A BIGNUM for private material: its words are in the key heap and cleared when freed.
BnPtr secure_bn(std::span<const uint8_t> bytes) {
  BnPtr bn(BN_secure_new());
  if (!bn || !BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), bn.get()))
    ossl_fail("allocating a private number");
  return bn;
}

PkeyPtr from_params(const char* type, int selection, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  PctxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* k = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &k, selection, params.get()) <= 0) {
    return nullptr;
  }
  return PkeyPtr(k);
}

}  // namespace

PrivateKey PrivateKey::from_raw(Algorithm alg, std::span<const uint8_t> raw) {
  ensure_key_heap();
  if (alg == Algorithm::kEd25519 || alg == Algorithm::kEd448) {
    size_t want = alg == Algorithm::kEd25519 ? 32 : 57;  // RFC 8032 §5.1.5, §5.2.5
    if (raw.size() != want) {
      throw InputError("malformed " + algorithm_name(alg) + " private key (" +
                       std::to_string(raw.size()) + " octets; " + algorithm_name(alg) + " has " +
                       std::to_string(want) + ")");
    }
    PkeyPtr k(EVP_PKEY_new_raw_private_key(pkey_type(alg), nullptr, raw.data(), raw.size()));
    if (!k)
      ossl_fail("building an " + algorithm_name(alg) + " key");
    return PrivateKey(std::make_shared<Impl>(alg, reload_in_key_heap(k.get()).release()));
  }
  if (!is_ecdsa(alg)) {
    throw InputError("an " + algorithm_name(alg) + " key is not a single number");
  }
  // BIND writes the scalar as OpenSSL's BN_bn2bin gives it, without leading zero octets: one
  // P-256 key in 256 has 31 octets, one in 65,536 has 30. Up to three missing octets are such a
  // key; a shorter number is far likelier a truncated file (1 in 2^32 keys) and is refused.
  if (raw.size() > ec_size(alg) || raw.size() + kStrippedZeroOctets < ec_size(alg)) {
    throw InputError("malformed " + algorithm_name(alg) + " private key (" +
                     std::to_string(raw.size()) + " octets; " + algorithm_name(alg) + " has " +
                     std::to_string(ec_size(alg)) + ")");
  }
  // Public point = d·G (RFC 6605 keys carry only d), then the key pair through OpenSSL 3's
  // parameter interface.
  std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group(EC_GROUP_new_by_curve_name(ec_nid(alg)),
                                                            &EC_GROUP_free);
  BnPtr d = secure_bn(raw);
  if (!group || BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0) {
    throw InputError("malformed " + algorithm_name(alg) +
                     " private key (not a scalar between 1 and the group order)");
  }
  std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> pub(EC_POINT_new(group.get()),
                                                          &EC_POINT_free);
  uint8_t point[1 + 2 * 48];
  size_t plen = 0;
  if (!pub || !EC_POINT_mul(group.get(), pub.get(), d.get(), nullptr, nullptr, nullptr) ||
      (plen = EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED, point,
                                 sizeof(point), nullptr)) == 0) {
    ossl_fail("building an EC key");
  }
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, ec_group(alg), 0) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point, plen)) {
    ossl_fail("building an EC key");
  }
  // OpenSSL's EC import takes the scalar into a BN_secure_new (crypto/ec/ec_backend.c).
  PkeyPtr k = from_params("EC", EVP_PKEY_KEYPAIR, bld.get());
  if (!k)
    ossl_fail("building an EC key");
  return PrivateKey(std::make_shared<Impl>(alg, k.release()));
}

PrivateKey PrivateKey::from_rsa_parts(const RsaParts& r) {
  ensure_key_heap();
  if (r.n.empty() || r.e.empty() || r.d.empty() || r.p.empty() || r.q.empty() || r.dmp1.empty() ||
      r.dmq1.empty() || r.iqmp.empty()) {
    throw InputError("malformed RSASHA256 private key (a part is empty)");
  }
  BnPtr n(BN_bin2bn(r.n.data(), static_cast<int>(r.n.size()), nullptr));
  BnPtr e(BN_bin2bn(r.e.data(), static_cast<int>(r.e.size()), nullptr));
  if (!n || !e)
    ossl_fail("building an RSA key");
  BnPtr d = secure_bn(r.d.bytes()), p = secure_bn(r.p.bytes()), q = secure_bn(r.q.bytes()),
        dmp1 = secure_bn(r.dmp1.bytes()), dmq1 = secure_bn(r.dmq1.bytes()),
        iqmp = secure_bn(r.iqmp.bytes());
  // A block with secure BIGNUMs puts their bytes in OpenSSL's secure heap (OSSL_PARAM_BLD).
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, d.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, iqmp.get())) {
    ossl_fail("building an RSA key");
  }
  PkeyPtr k = from_params("RSA", EVP_PKEY_KEYPAIR, bld.get());
  if (!k)
    ossl_fail("building an RSA key");
  // The parts must belong together (n = p·q, d·e ≡ 1, the CRT values): a damaged file would
  // otherwise give a key whose signatures never verify.
  PctxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, k.get(), nullptr));
  if (!check || EVP_PKEY_pairwise_check(check.get()) != 1) {
    if (drain_errors_for_full_heap() || !key_heap_has_room(kRoomForAKey))
      throw Error(key_heap_full_message());
    throw InputError("malformed RSASHA256 private key (its parts do not belong together)");
  }
  return PrivateKey(
      std::make_shared<Impl>(Algorithm::kRsaSha256, reload_in_key_heap(k.get()).release()));
}

Secret PrivateKey::to_der() const {
  return der_of(impl_->pkey.get(), SecretHeap::kGuarded);
}

Algorithm PrivateKey::algorithm() const {
  return impl_->alg;
}
const std::vector<uint8_t>& PrivateKey::public_key() const {
  return impl_->pub;
}

std::vector<uint8_t> PrivateKey::sign(std::span<const uint8_t> data) const {
  Signer s(*this, /*own_copy=*/false);
  std::vector<uint8_t> out;
  s.sign(data, out);
  return out;
}

// ---------------------------------------------------------------- Signer

struct Signer::State {
  std::shared_ptr<const PrivateKey::Impl> key;
  PkeyPtr own;     // RSA, ECDSA with own_copy: this signer's copy of the key, in the key heap
  PctxPtr pctx;    // RSA, ECDSA: initialised once, reused for every signature
  MdctxPtr mdctx;  // Ed448
  std::vector<uint8_t> der;
};

Signer::Signer(const PrivateKey& key, bool own_copy) : state_(std::make_unique<State>()) {
  state_->key = key.impl();  // keeps the key alive as long as the signer
  const auto& impl = *state_->key;
  Algorithm alg = impl.alg;
  if (alg == Algorithm::kRsaSha256 || is_ecdsa(alg)) {
    EVP_PKEY* use = impl.pkey.get();
    if (own_copy) {
      state_->own = copy_in_key_heap(alg, impl.pkey.get());
      use = state_->own.get();
    }
    state_->pctx.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, use, nullptr));
    if (!state_->pctx || EVP_PKEY_sign_init(state_->pctx.get()) <= 0)
      ossl_fail("preparing to sign");
    if (alg == Algorithm::kRsaSha256 &&
        (EVP_PKEY_CTX_set_rsa_padding(state_->pctx.get(), RSA_PKCS1_PADDING) <= 0 ||
         EVP_PKEY_CTX_set_signature_md(state_->pctx.get(), EVP_sha256()) <= 0)) {
      ossl_fail("preparing RSA signing");
    }
    state_->der.resize(EVP_PKEY_get_size(impl.pkey.get()) + 16);
  } else if (alg == Algorithm::kEd448) {
    state_->mdctx.reset(EVP_MD_CTX_new());
  }
}

Signer::~Signer() = default;
Signer::Signer(Signer&&) noexcept = default;

size_t Signer::signature_size() const {
  const auto& impl = *state_->key;
  switch (impl.alg) {
    case Algorithm::kEcdsaP256Sha256:
      return 64;
    case Algorithm::kEcdsaP384Sha384:
      return 96;
    case Algorithm::kEd25519:
      return 64;
    case Algorithm::kEd448:
      return 114;
    case Algorithm::kRsaSha256:
      return static_cast<size_t>(EVP_PKEY_get_size(impl.pkey.get()));
  }
  return 0;
}

void Signer::sign(std::span<const uint8_t> data, std::vector<uint8_t>& out) {
  const auto& impl = *state_->key;
  switch (impl.alg) {
    case Algorithm::kEd25519: {
      out.resize(crypto_sign_BYTES);
      crypto_sign_detached(out.data(), nullptr, data.data(), data.size(), impl.sodium_sk.data());
      return;
    }
    case Algorithm::kEd448: {
      size_t len = 114;
      out.resize(len);
      if (EVP_DigestSignInit(state_->mdctx.get(), nullptr, nullptr, nullptr, impl.pkey.get()) <=
              0 ||
          EVP_DigestSign(state_->mdctx.get(), out.data(), &len, data.data(), data.size()) <= 0) {
        ossl_fail("signing with Ed448");
      }
      out.resize(len);
      return;
    }
    default:
      break;
  }
  uint8_t dig[SHA384_DIGEST_LENGTH];
  size_t dlen = 0;
  digest(impl.alg, data, dig, &dlen);
  size_t siglen = state_->der.size();
  if (EVP_PKEY_sign(state_->pctx.get(), state_->der.data(), &siglen, dig, dlen) <= 0) {
    ossl_fail("signing with " + algorithm_name(impl.alg));
  }
  if (impl.alg == Algorithm::kRsaSha256) {
    out.assign(state_->der.begin(), state_->der.begin() + static_cast<long>(siglen));
    return;
  }
  size_t n = ec_size(impl.alg);
  out.resize(2 * n);
  if (!der_to_raw(state_->der.data(), siglen, n, out.data()))
    throw Error("crypto: malformed ECDSA signature");
}

// ---------------------------------------------------------------- verification

namespace {

// pkey: the parsed public key (unused for Ed25519, which libsodium checks from the raw bytes).
bool verify_with(Algorithm alg, std::span<const uint8_t> pub, EVP_PKEY* pkey,
                 std::span<const uint8_t> data, std::span<const uint8_t> sig) {
  if (alg == Algorithm::kEd25519) {
    if (pub.size() != crypto_sign_PUBLICKEYBYTES || sig.size() != crypto_sign_BYTES)
      return false;
    return crypto_sign_verify_detached(sig.data(), data.data(), data.size(), pub.data()) == 0;
  }
  if (alg == Algorithm::kEd448) {
    MdctxPtr ctx(EVP_MD_CTX_new());
    bool ok = EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey) > 0 &&
              EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size()) == 1;
    ERR_clear_error();
    return ok;
  }
  uint8_t dig[SHA384_DIGEST_LENGTH];
  size_t dlen = 0;
  digest(alg, data, dig, &dlen);
  PctxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) <= 0) {
    ERR_clear_error();
    return false;
  }
  std::vector<uint8_t> der;
  if (alg == Algorithm::kRsaSha256) {
    EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING);
    EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256());
    der.assign(sig.begin(), sig.end());
  } else {
    if (sig.size() != 2 * ec_size(alg))
      return false;
    der = raw_to_der(sig);
  }
  bool ok = EVP_PKEY_verify(ctx.get(), der.data(), der.size(), dig, dlen) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace

bool verify(Algorithm alg, std::span<const uint8_t> pub, std::span<const uint8_t> data,
            std::span<const uint8_t> sig) {
  PkeyPtr pkey;
  if (alg != Algorithm::kEd25519) {
    try {
      pkey = public_pkey(alg, pub);
    } catch (const InputError&) {
      return false;
    }
  }
  return verify_with(alg, pub, pkey.get(), data, sig);
}

struct Verifier::State {
  Algorithm alg;
  std::vector<uint8_t> pub;
  PkeyPtr pkey;
};

Verifier::Verifier(Algorithm alg, std::span<const uint8_t> pub)
    : state_(std::make_unique<State>()) {
  state_->alg = alg;
  state_->pub.assign(pub.begin(), pub.end());
  if (alg != Algorithm::kEd25519)
    state_->pkey = public_pkey(alg, pub);
}

Verifier::~Verifier() = default;
Verifier::Verifier(Verifier&&) noexcept = default;

bool Verifier::verify(std::span<const uint8_t> data, std::span<const uint8_t> sig) const {
  return verify_with(state_->alg, state_->pub, state_->pkey.get(), data, sig);
}

}  // namespace signet
