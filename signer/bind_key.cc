// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/bind_key.hh"

#include <fstream>
#include <map>
#include <sstream>

#include "signer/encoding.hh"
#include "signer/error.hh"

namespace signet {

namespace {
std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}
}  // namespace

BindKey read_bind_private_key(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw InputError(path + ": cannot read key file");
  std::map<std::string, std::pair<std::string, int>> fields;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (trim(line).empty())
      continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos)
      throw InputError(path + ":" + std::to_string(lineno) + ": expected 'Field: value'");
    fields[trim(line.substr(0, colon))] = {trim(line.substr(colon + 1)), lineno};
  }
  auto field = [&](const std::string& name) -> const std::pair<std::string, int>& {
    auto it = fields.find(name);
    if (it == fields.end())
      throw InputError(path + ": missing field '" + name + "'");
    return it->second;
  };
  auto b64 = [&](const std::string& name) {
    const auto& f = field(name);
    auto v = from_base64(f.first);
    if (!v)
      throw InputError(path + ":" + std::to_string(f.second) + ": field '" + name +
                       "' is not base64");
    return *v;
  };
  const auto& fmt = field("Private-key-format");
  if (fmt.first.rfind("v1.", 0) != 0) {
    throw InputError(path + ":" + std::to_string(fmt.second) +
                     ": unsupported Private-key-format '" + fmt.first + "'");
  }
  const auto& alg_field = field("Algorithm");
  Algorithm alg;
  try {
    alg = algorithm_from_number(static_cast<unsigned>(std::stoul(alg_field.first)));
  } catch (const InputError& e) {
    throw InputError(path + ":" + std::to_string(alg_field.second) + ": " + e.what());
  } catch (const std::exception&) {
    throw InputError(path + ":" + std::to_string(alg_field.second) + ": bad Algorithm '" +
                     alg_field.first + "'");
  }
  std::optional<PrivateKey> key;
  try {
    if (alg == Algorithm::kRsaSha256) {
      PrivateKey::RsaParts p{b64("Modulus"),   b64("PublicExponent"), b64("PrivateExponent"),
                             b64("Prime1"),    b64("Prime2"),         b64("Exponent1"),
                             b64("Exponent2"), b64("Coefficient")};
      key = PrivateKey::from_rsa_parts(p);
    } else {
      key = PrivateKey::from_raw(alg, b64("PrivateKey"));
    }
  } catch (const InputError& e) {
    if (std::string(e.what()).rfind(path, 0) == 0)
      throw;
    throw InputError(path + ": " + e.what());
  }
  BindKey out{*key, std::nullopt};
  // The public half: K...private -> K...key, "zone. [TTL] [IN] DNSKEY flags 3 alg key".
  if (path.size() > 8 && path.substr(path.size() - 8) == ".private") {
    std::ifstream pub(path.substr(0, path.size() - 8) + ".key");
    while (pub && std::getline(pub, line)) {
      if (line.empty() || line[0] == ';')
        continue;
      std::istringstream ss(line);
      std::string tok;
      while (ss >> tok) {
        if (tok == "DNSKEY") {
          unsigned flags = 0;
          if (ss >> flags)
            out.flags = static_cast<uint16_t>(flags);
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace signet
