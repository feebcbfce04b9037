// SPDX-License-Identifier: GPL-2.0-or-later
#include "keystore/keyring.hh"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "signer/encoding.hh"
#include "signer/error.hh"
#include "signer/fd.hh"

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

std::vector<uint8_t> policy_ad(uint32_t owner, std::string_view name) {
  std::string ad = "signet/policy/1";
  codec::put_u32(ad, owner);
  ad.append(name);
  return std::vector<uint8_t>(ad.begin(), ad.end());
}

// The namekey binds the lower-cased name: the store finds a key whatever its spelling.
std::vector<uint8_t> tsig_ad(uint32_t owner, const Name& name) {
  std::string ad = "signet/tsig/1";
  codec::put_u32(ad, owner);
  codec::append_namekey(ad, name);
  return std::vector<uint8_t>(ad.begin(), ad.end());
}

std::vector<uint8_t> webhook_ad(uint32_t tenant_id) {
  std::string ad = "signet/webhook/1";
  codec::put_u32(ad, tenant_id);
  return std::vector<uint8_t>(ad.begin(), ad.end());
}

void init_sodium() {
  if (sodium_init() < 0)
    throw Error("libsodium failed to initialise");
}

}  // namespace

// ------------------------------------------------------------------ master key

namespace {

std::string master_file(const std::string& path) {
  return "master key file '" + path + "'";
}

// The file's one descriptor, opened without following a symbolic link and checked through that
// descriptor (fstat), so what is checked is what is read: no window between a stat() of the name
// and an open() of it in which the name could be pointed elsewhere.
int open_master_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not hang the process; it is refused below as not regular.
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd >= 0)
    return fd;
  if (errno == ELOOP) {
    throw InputError(master_file(path) +
                     " is a symbolic link; refusing it (name the file itself in "
                     "signet-master-key-file)");
  }
  if (errno == ENOENT) {
    throw InputError(master_file(path) + ": " + std::strerror(errno) +
                     " (create one with: signetutil generate-master-key " + path + ")");
  }
  throw InputError(master_file(path) + ": " + std::strerror(errno));
}

void check_master_file(const std::string& path, const struct stat& st) {
  if (S_ISDIR(st.st_mode))
    throw InputError(master_file(path) + " is a directory, not a regular file");
  if (!S_ISREG(st.st_mode))
    throw InputError(master_file(path) + " is not a regular file");
  // Owned by whoever runs Signet or by root, as OpenSSH wants of its keys: another user could
  // swap the key under us. Root is the exception: an operator runs signetutil as root against
  // the key of the user pdns_server runs as, and that user can read the key in any case.
  if (::geteuid() != 0 && st.st_uid != ::geteuid() && st.st_uid != 0) {
    throw InputError(master_file(path) + " is owned by uid " + std::to_string(st.st_uid) +
                     "; refusing it unless it belongs to uid " + std::to_string(::geteuid()) +
                     " (which runs this) or to root");
  }
  if ((st.st_mode & 0077) != 0) {
    char mode[8];
    snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw InputError(master_file(path) + " has mode " + mode +
                     "; refusing to use it unless only its owner can read it (chmod 600)");
  }
}

}  // namespace

MasterKey MasterKey::load(const std::string& path) {
  init_sodium();
  int fd = open_master_file(path);
  Fd closer(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0)
    throw InputError(master_file(path) + ": " + std::strerror(errno));
  check_master_file(path, st);
  // The text is the key in base64: it goes to guarded memory and is wiped when parsed.
  Secret text = read_secret(fd, master_file(path), 4096);
  std::string_view all(reinterpret_cast<const char*>(text.data()), text.size());
  size_t nl = all.find('\n');
  std::string_view header = all.substr(0, nl);
  std::string_view body = nl == std::string_view::npos ? std::string_view() : all.substr(nl + 1);
  if (size_t end = body.find('\n'); end != std::string_view::npos)
    body = body.substr(0, end);
  if (header != kHeader || body.empty()) {
    throw InputError(master_file(path) + " is malformed (expected '" + kHeader +
                     "' and one base64 line)");
  }
  auto key = from_base64_secret(body);
  if (!key || key->size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
    throw InputError(master_file(path) + " does not hold a 256-bit key");
  return MasterKey(std::move(*key));
}

void MasterKey::generate_file(const std::string& path) {
  init_sodium();
  // O_EXCL never follows a symbolic link at `path` (POSIX); O_NOFOLLOW says so once more.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    throw InputError("cannot create " + master_file(path) + ": " + std::strerror(errno));
  Secret key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
  randombytes_buf(key.data(), key.size());
  // "<header>\n<base64>\n", assembled in guarded memory (the base64 is the key).
  const std::string_view header = kHeader;
  const size_t b64 = sodium_base64_encoded_len(key.size(), sodium_base64_VARIANT_ORIGINAL);
  Secret text(header.size() + 1 + b64);  // b64 counts a terminating NUL: it becomes the '\n'
  std::memcpy(text.data(), header.data(), header.size());
  text.data()[header.size()] = '\n';
  char* body = reinterpret_cast<char*>(text.data() + header.size() + 1);
  sodium_bin2base64(body, b64, key.data(), key.size(), sodium_base64_VARIANT_ORIGINAL);
  text.data()[text.size() - 1] = '\n';
  bool ok = ::fchmod(fd, 0600) == 0;  // whatever the umask
  for (size_t done = 0; ok && done < text.size();) {
    ssize_t w = ::write(fd, text.data() + done, text.size() - done);
    if (w < 0 && errno == EINTR)
      continue;
    ok = w > 0;
    done += ok ? static_cast<size_t>(w) : 0;
  }
  ok = ok && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(path.c_str());
    throw Error("cannot write " + master_file(path));
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

// ------------------------------------------------------------------ policy secrets

std::vector<uint8_t> Keyring::seal_policy_secret(lmdb::WriteTxn& txn, uint32_t owner,
                                                 std::string_view name,
                                                 std::span<const uint8_t> secret) {
  if (owner == 0)
    return seal(master_.key(), policy_ad(owner, name), secret);
  return seal(tenant_key(txn, owner), policy_ad(owner, name), secret);
}

Secret Keyring::open_policy_secret(const lmdb::Txn& txn, uint32_t owner, std::string_view name,
                                   std::span<const uint8_t> sealed) const {
  std::optional<Secret> secret = owner == 0
                                     ? open(master_.key(), policy_ad(owner, name), sealed)
                                     : open(tenant_key(txn, owner), policy_ad(owner, name), sealed);
  if (!secret) {
    throw CorruptionError("the TSIG secret of policy '" + std::string(name) +
                          "' does not open: it was not sealed for this policy and owner, or "
                          "under this master key");
  }
  return std::move(*secret);
}

// ------------------------------------------------------------------ alert webhooks

std::vector<uint8_t> Keyring::seal_webhook_url(lmdb::WriteTxn& txn, uint32_t tenant_id,
                                               std::string_view url) {
  return seal(tenant_key(txn, tenant_id), webhook_ad(tenant_id),
              std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(url.data()), url.size()));
}

Secret Keyring::open_webhook_url(const lmdb::Txn& txn, uint32_t tenant_id,
                                 std::span<const uint8_t> sealed) const {
  auto url = open(tenant_key(txn, tenant_id), webhook_ad(tenant_id), sealed);
  if (!url) {
    throw CorruptionError("the alert webhook of tenant " + std::to_string(tenant_id) +
                          " does not open: not sealed for this tenant, or under this master key");
  }
  return std::move(*url);
}

// ------------------------------------------------------------------ TSIG keys

std::vector<uint8_t> Keyring::seal_tsig_secret(lmdb::WriteTxn& txn, uint32_t owner,
                                               const Name& name, std::span<const uint8_t> secret) {
  if (owner == 0)
    return seal(master_.key(), tsig_ad(owner, name), secret);
  return seal(tenant_key(txn, owner), tsig_ad(owner, name), secret);
}

Secret Keyring::open_tsig_secret(const lmdb::Txn& txn, uint32_t owner, const Name& name,
                                 std::span<const uint8_t> sealed) const {
  std::optional<Secret> secret = owner == 0
                                     ? open(master_.key(), tsig_ad(owner, name), sealed)
                                     : open(tenant_key(txn, owner), tsig_ad(owner, name), sealed);
  if (!secret) {
    throw CorruptionError("the secret of TSIG key '" + name.to_text() +
                          "' does not open: it was not sealed for this key and owner, or under "
                          "this master key");
  }
  return std::move(*secret);
}

// ------------------------------------------------------------------ zone keys

uint16_t Keyring::tag_of(KeyRole role, const PrivateKey& key) {
  return key_tag(dnskey_rdata(dnskey_flags(role), key.algorithm(), key.public_key()));
}

bool Keyring::tag_in_use(const lmdb::Txn& txn, uint32_t zone_id, uint16_t tag) const {
  auto all = keys(txn, zone_id);
  return std::any_of(all.begin(), all.end(), [&](const auto& k) { return k.tag == tag; });
}

codec::KeyRecord Keyring::add_key(lmdb::WriteTxn& txn, const ZoneRecord& zone, const NewKey& k,
                                  uint64_t now) {
  codec::KeyRecord rec;
  rec.zone_id = zone.id;
  rec.role = static_cast<uint8_t>(k.role);
  rec.algorithm = algorithm_number(k.key.algorithm());
  rec.flags = dnskey_flags(k.role);
  rec.public_key = k.key.public_key();
  rec.tag = key_tag(dnskey_rdata(rec.flags, k.key.algorithm(), rec.public_key));
  if (tag_in_use(txn, zone.id, rec.tag)) {
    throw Conflict("zone '" + zone.name.to_text() + "' already has a key with tag " +
                   std::to_string(rec.tag));
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
