// SPDX-License-Identifier: GPL-2.0-or-later
#include "evidence/manifest.hh"

#include <sodium.h>

#include <map>
#include <set>
#include <sstream>

#include "signer/encoding.hh"

namespace signet::evidence {

namespace {

constexpr std::string_view kHeader = "signet-evidence-manifest 1";

std::string sha256_hex(std::string_view data) {
  std::array<uint8_t, crypto_hash_sha256_BYTES> h{};
  crypto_hash_sha256(h.data(), reinterpret_cast<const uint8_t*>(data.data()), data.size());
  return hex(h);
}

bool reserved(std::string_view name) {
  return name == kManifestName || name == kSignatureName;
}

struct ParsedManifest {
  std::optional<PublicKey> key;
  std::vector<std::pair<std::string, std::string>> entries;  // name, hex digest
  std::vector<std::string> problems;
};

ParsedManifest parse_manifest(const std::string& text) {
  ParsedManifest m;
  std::istringstream in(text);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::string where = "MANIFEST line " + std::to_string(n);
    if (n == 1) {
      if (line != kHeader)
        m.problems.push_back(where + ": not a Signet evidence manifest");
      continue;
    }
    std::istringstream w(line);
    std::string word, a, b;
    w >> word >> a;
    std::getline(w, b);
    if (!b.empty() && b.front() == ' ')
      b.erase(0, 1);
    if (word == "key" && a == "ed25519" && !b.empty())
      m.key = parse_public_key(b);
    else if (word == "sha256" && a.size() == 64 && !b.empty())
      m.entries.emplace_back(b, a);
    else
      m.problems.push_back(where + ": malformed");
  }
  return m;
}

const ArchiveFile* find(const std::vector<ArchiveFile>& files, std::string_view name) {
  for (const auto& f : files)
    if (f.name == name)
      return &f;
  return nullptr;
}

}  // namespace

std::optional<PublicKey> parse_public_key(std::string_view text) {
  auto raw = from_base64(text);
  if (!raw || raw->size() != 32)
    return std::nullopt;
  PublicKey k{};
  std::copy(raw->begin(), raw->end(), k.begin());
  return k;
}

std::vector<ArchiveFile> seal_files(std::vector<ArchiveFile> files, const PublicKey& key,
                                    const Signer& sign) {
  std::string m(kHeader);
  m += "\nkey ed25519 " + base64(key) + "\n";
  for (const auto& f : files)
    m += "sha256 " + sha256_hex(f.content) + " " + f.name + "\n";
  Signature sig = sign(m);
  files.push_back({std::string(kManifestName), m});
  files.push_back({std::string(kSignatureName), "ed25519 " + base64(sig) + "\n"});
  return files;
}

ManifestVerdict check_manifest(const std::vector<ArchiveFile>& files,
                               const std::optional<PublicKey>& key) {
  ManifestVerdict v;
  const ArchiveFile* manifest = find(files, kManifestName);
  const ArchiveFile* sigfile = find(files, kSignatureName);
  if (!manifest) {
    v.problems.push_back("MANIFEST is missing: nothing in the pack can be checked");
    return v;
  }
  ParsedManifest m = parse_manifest(manifest->content);
  v.problems = m.problems;
  v.key_given = key.has_value();
  v.signer = key ? key : m.key;
  // The signature: over the MANIFEST octets as they are in the pack.
  std::optional<std::vector<uint8_t>> sig;
  if (sigfile) {
    std::string s = sigfile->content;
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
      s.pop_back();
    if (s.rfind("ed25519 ", 0) == 0)
      sig = from_base64(s.substr(8));
  }
  if (!sigfile)
    v.problems.push_back("MANIFEST.sig is missing: the pack is not signed");
  else if (!sig || sig->size() != crypto_sign_BYTES)
    v.problems.push_back("MANIFEST.sig is malformed");
  else if (!v.signer)
    v.problems.push_back("MANIFEST names no signing key and none was given (--key)");
  else if (crypto_sign_verify_detached(sig->data(),
                                       reinterpret_cast<const uint8_t*>(manifest->content.data()),
                                       manifest->content.size(), v.signer->data()) != 0)
    v.problems.push_back(key ? "signature: MANIFEST was not signed by the given key, or MANIFEST "
                               "was altered after signing"
                             : "signature: MANIFEST was altered after signing (the signature "
                               "does not match the key it names)");
  if (key && m.key && *m.key != *key)
    v.problems.push_back("MANIFEST names another signing key than the one given");
  // Every listed file present with its hash; nothing unlisted.
  std::set<std::string> listed;
  for (const auto& [name, digest] : m.entries) {
    if (!listed.insert(name).second) {
      v.problems.push_back("MANIFEST lists '" + name + "' twice");
      continue;
    }
    const ArchiveFile* f = find(files, name);
    if (!f)
      v.problems.push_back("file '" + name + "' is missing from the pack");
    else if (sha256_hex(f->content) != digest)
      v.problems.push_back("file '" + name + "' was altered (its SHA-256 differs from MANIFEST)");
  }
  for (const auto& f : files) {
    if (!reserved(f.name) && !listed.count(f.name))
      v.problems.push_back("file '" + f.name + "' is extra (not in MANIFEST)");
  }
  return v;
}

}  // namespace signet::evidence
