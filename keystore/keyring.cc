// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/keyring.hh"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "signer/encoding.hh"
#include "signer/error.hh"

namespace signet {

namespace {

constexpr const char* kHeader = "# signet master key v1";

std::vector<uint8_t> tenant_ad(uint32_t tenant_id) {
  std::string ad = "signet/tenant/1";
  codec::put_u32(ad, tenant_id);
  return std::vector<uint8_t>(ad.begin(), ad.end());
}

std::vector<uint8_t> key_ad(uint32_t tenant_id, uint32_t zone_id, uint32_t key_id) {
  std::string ad = "signet/key/1";
  codec::put_u32(ad, tenant_id);
  codec::put_u32(ad, zone_id);
  codec::put_u32(ad, key_id);
  return std::vector<uint8_t>(ad.begin(), ad.end());
}

void init_sodium() {
  if (sodium_init() < 0)
    throw Error("libsodium failed to initialise");
}

}  // namespace

// ------------------------------------------------------------------ master key

MasterKey MasterKey::load(const std::string& path) {
  init_sodium();
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    throw InputError("master key file '" + path + "': " + std::strerror(errno) +
                     " (create one with: signetutil generate-master-key " + path + ")");
  }
  if (!S_ISREG(st.st_mode))
    throw InputError("master key file '" + path + "' is not a regular file");
  if ((st.st_mode & 0077) != 0) {
    char mode[8];
    snprintf(mode, sizeof(mode), "%04o", st.st_mode & 07777);
    throw InputError("master key file '" + path + "' has mode " + mode +
                     "; refusing to use it unless only its owner can read it (chmod 600)");
  }
  std::ifstream in(path);
  std::string header, body;
  if (!std::getline(in, header) || header != kHeader || !std::getline(in, body)) {
    throw InputError("master key file '" + path + "' is malformed (expected '" + kHeader +
                     "' and one base64 line)");
  }
  auto bytes = from_base64(body);
  if (!bytes || bytes->size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
    throw InputError("master key file '" + path + "' does not hold a 256-bit key");
  }
  Secret key(bytes->data(), bytes->size());
  sodium_memzero(bytes->data(), bytes->size());
  return MasterKey(std::move(key));
}

void MasterKey::generate_file(const std::string& path) {
  init_sodium();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    throw InputError("cannot create master key file '" + path + "': " + std::strerror(errno));
  Secret key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
  randombytes_buf(key.data(), key.size());
  std::string text = std::string(kHeader) + "\n" + base64(key.bytes()) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  sodium_memzero(text.data(), text.size());
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    throw Error("cannot write master key file '" + path + "'");
  }
}

// ------------------------------------------------------------------ AEAD

std::vector<uint8_t> Keyring::seal(const Secret& key, std::span<const uint8_t> ad,
                                   std::span<const uint8_t> plaintext) {
  init_sodium();
  std::vector<uint8_t> out(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plaintext.size() +
                           crypto_aead_xchacha20poly1305_ietf_ABYTES);
  randombytes_buf(out.data(), crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out.data() + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, plaintext.data(),
      plaintext.size(), ad.data(), ad.size(), nullptr, out.data(), key.data());
  out.resize(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + clen);
  return out;
}

std::optional<Secret> Keyring::open(const Secret& key, std::span<const uint8_t> ad,
                                    std::span<const uint8_t> sealed) {
  init_sodium();
  const size_t nonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  if (sealed.size() < nonce + crypto_aead_xchacha20poly1305_ietf_ABYTES)
    return std::nullopt;
  Secret out(sealed.size() - nonce - crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long plen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), &plen, nullptr, sealed.data() + nonce,
                                                 sealed.size() - nonce, ad.data(), ad.size(),
                                                 sealed.data(), key.data()) != 0) {
    return std::nullopt;
  }
  return out;
}

// ------------------------------------------------------------------ tenant data keys

Secret Keyring::tenant_key(lmdb::WriteTxn& txn, uint32_t tenant_id) {
  auto t = store_.tenant_by_id(txn, tenant_id);
  if (!t)
    throw NotFound("tenant #" + std::to_string(tenant_id) + " does not exist");
  if (!t->sealed_data_key.empty())
    return tenant_key(static_cast<const lmdb::Txn&>(txn), tenant_id);
  Secret dk(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
  randombytes_buf(dk.data(), dk.size());
  t->sealed_data_key = seal(master_.key(), tenant_ad(tenant_id), dk.bytes());
  store_.put_tenant(txn, *t);
  return dk;
}

Secret Keyring::tenant_key(const lmdb::Txn& txn, uint32_t tenant_id) const {
  auto t = store_.tenant_by_id(txn, tenant_id);
  if (!t)
    throw NotFound("tenant #" + std::to_string(tenant_id) + " does not exist");
  if (t->sealed_data_key.empty())
    throw NotFound("tenant '" + t->name + "' has no data key yet");
  auto dk = open(master_.key(), tenant_ad(tenant_id), t->sealed_data_key);
  if (!dk) {
    throw CorruptionError("the data key of tenant '" + t->name +
                          "' does not open with this master key (wrong signet-master-key-file?)");
  }
  return std::move(*dk);
}

// ------------------------------------------------------------------ zone keys

codec::KeyRecord Keyring::add_key(lmdb::WriteTxn& txn, const ZoneRecord& zone, const NewKey& k,
                                  uint64_t now) {
  codec::KeyRecord rec;
  rec.zone_id = zone.id;
  rec.role = static_cast<uint8_t>(k.role);
  rec.algorithm = algorithm_number(k.key.algorithm());
  rec.flags = dnskey_flags(k.role);
  rec.public_key = k.key.public_key();
  rec.tag = key_tag(dnskey_rdata(rec.flags, k.key.algorithm(), rec.public_key));
  for (const auto& other : keys(txn, zone.id)) {
    if (other.tag == rec.tag) {
      throw Conflict("zone '" + zone.name.to_text() + "' already has a key with tag " +
                     std::to_string(rec.tag));
    }
  }
  rec.id = store_.next_id(txn, "next-key-id");
  rec.created = now;
  rec.publish = k.publish;
  rec.activate = k.activate;
  rec.inactive = k.inactive;
  rec.remove = k.remove;
  Secret dk = tenant_key(txn, zone.tenant_id);
  Secret der = k.key.to_der();
  rec.sealed = seal(dk, key_ad(zone.tenant_id, zone.id, rec.id), der.bytes());
  put_key(txn, rec);
  return rec;
}

PrivateKey Keyring::open_key(const Secret& tenant_key, const ZoneRecord& zone,
                             const codec::KeyRecord& key) const {
  auto der = open(tenant_key, key_ad(zone.tenant_id, zone.id, key.id), key.sealed);
  if (!der) {
    throw CorruptionError(
        "key " + std::to_string(key.tag) + " of zone '" + zone.name.to_text() +
        "' does not open: its sealed blob does not belong to this tenant, zone and key");
  }
  return PrivateKey::from_der(algorithm_from_number(key.algorithm), der->bytes());
}

PrivateKey Keyring::open_key(const lmdb::Txn& txn, const ZoneRecord& zone,
                             const codec::KeyRecord& key) const {
  return open_key(tenant_key(txn, zone.tenant_id), zone, key);
}

size_t Keyring::reseal_zone_keys(lmdb::WriteTxn& txn, const ZoneRecord& zone,
                                 uint32_t from_tenant_id) {
  auto all = keys(txn, zone.id);
  if (all.empty() || from_tenant_id == zone.tenant_id)
    return 0;
  Secret from_key = tenant_key(static_cast<const lmdb::Txn&>(txn), from_tenant_id);
  Secret to_key = tenant_key(txn, zone.tenant_id);
  for (auto& k : all) {
    auto der = open(from_key, key_ad(from_tenant_id, zone.id, k.id), k.sealed);
    if (!der) {
      throw CorruptionError("key " + std::to_string(k.tag) + " of zone '" + zone.name.to_text() +
                            "' does not open with the data key of its tenant; not moving it");
    }
    k.sealed = seal(to_key, key_ad(zone.tenant_id, zone.id, k.id), der->bytes());
    put_key(txn, k);
  }
  return all.size();
}

std::vector<codec::KeyRecord> Keyring::keys(const lmdb::Txn& txn, uint32_t zone_id) const {
  std::vector<codec::KeyRecord> out;
  std::string prefix = codec::zone_prefix(zone_id);
  lmdb::Cursor c(txn, store_.dbi().keys);
  for (bool ok = c.seek_prefix(prefix); ok; ok = c.next() && c.key_has_prefix(prefix)) {
    out.push_back(codec::decode_key(zone_id, codec::load_u32(c.key_bytes().data() + 4), c.value()));
  }
  return out;
}

void Keyring::put_key(lmdb::WriteTxn& txn, const codec::KeyRecord& key) {
  txn.put(store_.dbi().keys, codec::u32_pair_key(key.zone_id, key.id), codec::encode_key(key));
}

void Keyring::delete_key(lmdb::WriteTxn& txn, const codec::KeyRecord& key) {
  txn.del(store_.dbi().keys, codec::u32_pair_key(key.zone_id, key.id));
}

}  // namespace signet
