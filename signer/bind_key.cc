// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/bind_key.hh"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "signer/encoding.hh"
#include "signer/error.hh"

namespace signet {

namespace {

// BIND writes ~3.3 KiB for RSA-4096; anything far larger is not a key file.
constexpr size_t kMaxPrivateFile = 64 * 1024;

std::string_view trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos)
    return {};
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string at(const std::string& path, int line) {
  return path + ":" + std::to_string(line) + ": ";
}

// The text of the .private file, in guarded memory (it is the private key in base64) and wiped
// when this goes away, whichever way parsing ends.
Secret read_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    throw InputError(path + ": cannot read key file: " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    throw InputError(path + ": not a regular file");
  return read_secret(fd, path, kMaxPrivateFile);
}

// "Field: value" lines; the values are views into the Secret text, never copied.
struct Field {
  std::string_view value;
  int line = 0;
};

class PrivateFile {
 public:
  PrivateFile(const std::string& path, const Secret& text) : path_(path) {
    std::string_view all(reinterpret_cast<const char*>(text.data()), text.size());
    int lineno = 0;
    while (!all.empty()) {
      size_t nl = all.find('\n');
      std::string_view line = all.substr(0, nl);
      all = nl == std::string_view::npos ? std::string_view() : all.substr(nl + 1);
      ++lineno;
      if (trim(line).empty())
        continue;
      size_t colon = line.find(':');
      if (colon == std::string_view::npos)
        throw InputError(at(path, lineno) + "expected 'Field: value'");
      std::string name(trim(line.substr(0, colon)));
      auto [it, fresh] = fields_.emplace(name, Field{trim(line.substr(colon + 1)), lineno});
      if (!fresh) {
        throw InputError(at(path, lineno) + "field '" + name + "' appears twice (first on line " +
                         std::to_string(it->second.line) + ")");
      }
    }
  }

  const Field& field(const std::string& name) const {
    auto it = fields_.find(name);
    if (it == fields_.end())
      throw InputError(path_ + ": missing field '" + name + "'");
    return it->second;
  }
  std::vector<uint8_t> public_bytes(const std::string& name) const {
    const Field& f = field(name);
    auto v = from_base64(f.value);
    if (!v || v->empty())
      throw InputError(at(path_, f.line) + "field '" + name + "' is not base64");
    return std::move(*v);
  }
  Secret secret_bytes(const std::string& name) const {
    const Field& f = field(name);
    auto v = from_base64_secret(f.value);
    if (!v || v->empty())
      throw InputError(at(path_, f.line) + "field '" + name + "' is not base64");
    return std::move(*v);
  }

  Algorithm algorithm() const {
    const Field& fmt = field("Private-key-format");
    if (fmt.value.substr(0, 3) != "v1.") {
      throw InputError(at(path_, fmt.line) + "unsupported Private-key-format '" +
                       std::string(fmt.value) + "'");
    }
    // "Algorithm: 13 (ECDSAP256SHA256)": the number decides, the name is a comment.
    const Field& f = field("Algorithm");
    unsigned number = 0;
    auto [end, ec] = std::from_chars(f.value.data(), f.value.data() + f.value.size(), number);
    if (ec != std::errc() || end == f.value.data() ||
        (end != f.value.data() + f.value.size() && *end != ' ' && *end != '\t')) {
      throw InputError(at(path_, f.line) + "bad Algorithm '" + std::string(f.value) + "'");
    }
    try {
      return algorithm_from_number(number);
    } catch (const InputError& e) {
      throw InputError(at(path_, f.line) + e.what());
    }
  }

 private:
  const std::string& path_;
  std::map<std::string, Field> fields_;
};

PrivateKey key_from(const PrivateFile& file, Algorithm alg, const std::string& path) {
  if (alg == Algorithm::kRsaSha256) {
    // RFC 3110 and BIND's names for PKCS #1's RSAPrivateKey fields.
    PrivateKey::RsaParts p;
    p.n = file.public_bytes("Modulus");
    p.e = file.public_bytes("PublicExponent");
    p.d = file.secret_bytes("PrivateExponent");
    p.p = file.secret_bytes("Prime1");
    p.q = file.secret_bytes("Prime2");
    p.dmp1 = file.secret_bytes("Exponent1");
    p.dmq1 = file.secret_bytes("Exponent2");
    p.iqmp = file.secret_bytes("Coefficient");
    try {
      return PrivateKey::from_rsa_parts(p);
    } catch (const InputError& e) {
      throw InputError(path + ": " + e.what());
    }
  }
  // RFC 6605 §6 and RFC 8080 §6: one "PrivateKey" field, the scalar or the seed.
  const Field& f = file.field("PrivateKey");
  Secret raw = file.secret_bytes("PrivateKey");
  try {
    return PrivateKey::from_raw(alg, raw.bytes());
  } catch (const InputError& e) {
    throw InputError(at(path, f.line) + e.what());
  }
}

// The DNSKEY record in the .key file next to the .private: "zone. [TTL] [IN] DNSKEY flags 3 alg
// key". It must be the same key: same algorithm, same public key.
std::optional<uint16_t> check_key_file(const std::string& key_path, const std::string& path,
                                       const PrivateKey& key) {
  std::ifstream in(key_path);
  if (!in)
    return std::nullopt;  // BIND keeps them side by side, but the .private alone is enough
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == ';')
      continue;
    std::istringstream ss(line);
    std::string tok;
    while (ss >> tok && tok != "DNSKEY") {
    }
    if (tok != "DNSKEY")
      continue;
    unsigned flags = 0, protocol = 0, alg = 0;
    std::string b64, part;
    if (!(ss >> flags >> protocol >> alg) || flags > 0xffff || protocol != 3) {
      throw InputError(at(key_path, lineno) + "malformed DNSKEY record");
    }
    while (ss >> part)
      b64 += part;
    if (alg != algorithm_number(key.algorithm())) {
      throw InputError(at(key_path, lineno) + "DNSKEY algorithm " + std::to_string(alg) +
                       " does not match algorithm " +
                       std::to_string(algorithm_number(key.algorithm())) + " (" +
                       algorithm_name(key.algorithm()) + ") of " + path);
    }
    auto pub = from_base64(b64);
    if (!pub || *pub != key.public_key()) {
      throw InputError(at(key_path, lineno) +
                       "the DNSKEY public key does not match the private key in " + path);
    }
    return static_cast<uint16_t>(flags);
  }
  throw InputError(key_path + ": no DNSKEY record");
}

}  // namespace

BindKey read_bind_private_key(const std::string& path) {
  Secret text = read_private_file(path);
  PrivateFile file(path, text);
  Algorithm alg = file.algorithm();
  BindKey out{key_from(file, alg, path), std::nullopt};
  const std::string suffix = ".private";
  if (path.size() > suffix.size() && path.ends_with(suffix))
    out.flags = check_key_file(path.substr(0, path.size() - suffix.size()) + ".key", path, out.key);
  return out;
}

}  // namespace signet
