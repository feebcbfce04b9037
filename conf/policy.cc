// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/policy.hh"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "signer/error.hh"

namespace signet {

namespace {

std::string where(const std::string& source, const YAML::Node& node) {
  int line = node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
  return source + ":" + std::to_string(line);
}

[[noreturn]] void fail(const std::string& source, const YAML::Node& node, const std::string& why) {
  throw InputError(where(source, node) + ": " + why);
}

// How a text is read: whose policies it holds, and whether it is the store's form (the TSIG
// secret sealed apart) or a file's.
struct ParseMode {
  PolicyAuthor author = PolicyAuthor::kOperator;
  bool stored = false;
};

// The keys only the operator's policies may set (keystore/policy_store.hh, operator_only_key,
// enforces the same rule where policies are stored).
bool operator_only(const std::string& key) {
  return key == "ds-hook" || key == "ds-push" || key == "parent-nameservers";
}

[[noreturn]] void refuse_for_tenant(const std::string& source, const YAML::Node& node,
                                    const std::string& policy, const std::string& key) {
  throw ScopeError(where(source, node) + ": policy '" + policy + "' sets '" + key +
                   "', which only the operator's global policies may (it runs a program or uses "
                   "the operator's credentials and network); import it without --tenant");
}

std::string scalar(const std::string& source, const std::string& key, const YAML::Node& n) {
  if (!n.IsScalar())
    fail(source, n, "'" + key + "' must be a single value");
  return n.as<std::string>();
}

uint32_t duration(const std::string& source, const std::string& key, const YAML::Node& n) {
  std::string v = scalar(source, key, n);
  if (v.empty())
    fail(source, n, "'" + key + "' is empty");
  auto secs = parse_duration(v);
  if (!secs) {
    fail(source, n,
         "'" + key + "': '" + v +
             "' is not a duration (seconds, or a number with s, m, h, d or w; at most "
             "4294967295 seconds)");
  }
  return *secs;
}

bool boolean(const std::string& source, const std::string& key, const YAML::Node& n) {
  std::string v = scalar(source, key, n);
  if (v == "true" || v == "yes" || v == "on")
    return true;
  if (v == "false" || v == "no" || v == "off")
    return false;
  fail(source, n, "'" + key + "': '" + v + "' is not true or false");
}

std::string dur_text(uint32_t s) {
  if (s && s % 604800 == 0)
    return std::to_string(s / 604800) + "w";
  if (s && s % 86400 == 0)
    return std::to_string(s / 86400) + "d";
  if (s && s % 3600 == 0)
    return std::to_string(s / 3600) + "h";
  if (s && s % 60 == 0)
    return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

SigningPolicy parse_one(const std::string& source, const YAML::Node& node, ParseMode mode) {
  if (!node.IsMap())
    fail(source, node, "each policy must be a mapping");
  SigningPolicy p;
  if (!node["name"])
    fail(source, node, "a policy needs a 'name'");
  p.name = scalar(source, "name", node["name"]);
  if (p.name.empty() || p.name.size() > 63 ||
      !std::all_of(p.name.begin(), p.name.end(), [](char c) {
        return isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      })) {
    fail(source, node["name"], "bad policy name '" + p.name + "' (letters, digits, - _ .)");
  }
  std::string denial_salt = "-";
  bool opt_out = false;
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (mode.author == PolicyAuthor::kTenant && operator_only(key))
      refuse_for_tenant(source, kv.first, p.name, key);
    auto in = [&](const std::vector<std::string>& allowed) {
      std::string s = scalar(source, key, v);
      if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
        std::string list;
        for (const auto& a : allowed)
          list += (list.empty() ? "" : ", ") + a;
        fail(source, v, "'" + key + "': '" + s + "' is not one of " + list);
      }
      return s;
    };
    try {
      if (key == "name")
        continue;
      else if (key == "algorithm")
        p.algorithm = algorithm_from_text(scalar(source, key, v));
      else if (key == "keys")
        p.csk = in({"csk", "ksk-zsk"}) == "csk";
      else if (key == "rsa-bits") {
        std::string b = scalar(source, key, v);
        if (b != "2048" && b != "3072" && b != "4096")
          fail(source, v, "'rsa-bits' must be 2048, 3072 or 4096");
        p.rsa_bits = static_cast<unsigned>(std::stoul(b));
      } else if (key == "ksk-lifetime")
        p.ksk_lifetime = duration(source, key, v);
      else if (key == "zsk-lifetime")
        p.zsk_lifetime = duration(source, key, v);
      else if (key == "csk-lifetime")
        p.csk_lifetime = duration(source, key, v);
      else if (key == "zsk-rollover")
        in({"pre-publication"});
      else if (key == "ksk-rollover")
        in({"double-ksk"});
      else if (key == "csk-rollover")
        in({"double-signature"});
      else if (key == "dnskey-ttl")
        p.dnskey_ttl = duration(source, key, v);
      else if (key == "propagation-delay")
        p.propagation_delay = duration(source, key, v);
      else if (key == "ds-ttl")
        p.ds_ttl = duration(source, key, v);
      else if (key == "registration-delay")
        p.registration_delay = duration(source, key, v);
      else if (key == "max-zone-ttl")
        p.max_zone_ttl = duration(source, key, v);
      else if (key == "rollover-jitter")
        p.rollover_jitter = duration(source, key, v);
      else if (key == "rrsig-validity")
        p.validity = duration(source, key, v);
      else if (key == "rrsig-refresh")
        p.refresh = duration(source, key, v);
      else if (key == "rrsig-jitter")
        p.jitter = duration(source, key, v);
      else if (key == "rrsig-refresh-batch")
        p.refresh_batch = duration(source, key, v);
      else if (key == "rrsig-inception-offset")
        p.inception_offset = duration(source, key, v);
      else if (key == "verify")
        p.verify_all = in({"sample", "all"}) == "all";
      else if (key == "denial")
        p.denial = in({"nsec", "nsec3"}) == "nsec" ? DenialMode::kNsec : DenialMode::kNsec3;
      else if (key == "nsec3-iterations") {
        std::string it = scalar(source, key, v);
        if (it.empty() || it.size() > 3 || !std::all_of(it.begin(), it.end(), ::isdigit) ||
            std::stoul(it) > 100) {
          fail(source, v, "'nsec3-iterations' must be 0..100 (RFC 9276 recommends 0)");
        }
        p.nsec3.iterations = static_cast<uint16_t>(std::stoul(it));
      } else if (key == "nsec3-salt")
        denial_salt = scalar(source, key, v);
      else if (key == "nsec3-opt-out")
        opt_out = boolean(source, key, v);
      else if (key == "cds") {
        std::string m = in({"none", "rollover", "always", "delete"});
        p.cds = m == "none"       ? CdsMode::kNone
                : m == "rollover" ? CdsMode::kRollover
                : m == "always"   ? CdsMode::kAlways
                                  : CdsMode::kDelete;
      } else if (key == "cdnskey")
        p.cdnskey = boolean(source, key, v);
      else if (key == "cds-digest")
        p.cds_digest =
            in({"sha256", "sha384"}) == "sha256" ? DigestType::kSha256 : DigestType::kSha384;
      else if (key == "parent-nameservers") {
        if (!v.IsSequence())
          fail(source, v, "'parent-nameservers' must be a list of addresses");
        for (const auto& ns : v)
          p.parent_nameservers.push_back(scalar(source, key, ns));
      } else if (key == "parent-check-interval")
        p.parent_check_interval = duration(source, key, v);
      else if (key == "ds-submission") {
        std::string m = in({"none", "hook", "push"});
        p.ds_submission = m == "none"   ? SigningPolicy::DsSubmission::kNone
                          : m == "hook" ? SigningPolicy::DsSubmission::kHook
                                        : SigningPolicy::DsSubmission::kPush;
      } else if (key == "ds-hook")
        p.ds_hook = scalar(source, key, v);
      else if (key == "ds-hook-timeout")
        p.ds_hook_timeout = duration(source, key, v);
      else if (key == "ds-push") {
        if (!v.IsMap())
          fail(source, v,
               "'ds-push' must be a mapping with server, tsig-name, tsig-algorithm, tsig-secret");
        for (const auto& pv : v) {
          std::string pk = pv.first.as<std::string>();
          if (pk == "server")
            p.ds_push.server = scalar(source, pk, pv.second);
          else if (pk == "tsig-name")
            p.ds_push.tsig_name = scalar(source, pk, pv.second);
          else if (pk == "tsig-algorithm")
            p.ds_push.tsig_algorithm = scalar(source, pk, pv.second);
          else if (pk == "tsig-secret") {
            p.ds_push.tsig_secret = scalar(source, pk, pv.second);
            if (p.ds_push.tsig_secret == kRedactedSecret)
              fail(source, pv.second,
                   "'ds-push.tsig-secret' is " + std::string(kRedactedSecret) +
                       " (policy show hides it): write the secret itself");
          } else
            fail(source, pv.first, "unknown key 'ds-push." + pk + "'");
        }
      } else if (key == "approval")
        p.manual_approval = in({"auto", "manual"}) == "manual";
      else
        fail(source, kv.first, "unknown key '" + key + "' in policy '" + p.name + "'");
    } catch (const InputError& e) {
      std::string what = e.what();
      if (what.rfind(source + ":", 0) == 0)
        throw;
      fail(source, v, "'" + key + "': " + what);
    }
  }
  if (denial_salt != "-" && denial_salt.size() % 2)
    fail(source, node, "policy '" + p.name + "': bad nsec3-salt");
  p.nsec3 = nsec3_params_from_text("1 " + std::string(opt_out ? "1" : "0") + " " +
                                   std::to_string(p.nsec3.iterations) + " " +
                                   (denial_salt.empty() ? "-" : denial_salt));
  try {
    check_policy(p);
  } catch (const InputError& e) {
    fail(source, node["name"], e.what());
  }
  // In a file the secret is written out; in the store it is sealed apart (keystore/policy_store).
  if (!mode.stored && p.ds_submission == SigningPolicy::DsSubmission::kPush &&
      p.ds_push.tsig_secret.empty()) {
    fail(source, node["name"],
         "policy '" + p.name +
             "': ds-submission: push needs ds-push.server, tsig-name and "
             "tsig-secret");
  }
  return p;
}

}  // namespace

std::optional<uint32_t> parse_duration(std::string_view v) {
  if (v.empty())
    return std::nullopt;
  uint64_t unit = 1;
  std::string_view digits = v;
  switch (v.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    case 'w':
      unit = 7 * 86400;
      break;
    default:
      unit = 0;
      break;
  }
  if (unit != 0)
    digits.remove_suffix(1);
  else
    unit = 1;
  if (digits.empty() || digits.size() > 10 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  uint64_t secs = std::stoull(std::string(digits)) * unit;
  if (secs > 0xffffffffu)
    return std::nullopt;
  return static_cast<uint32_t>(secs);
}

std::string duration_text(uint32_t seconds) {
  return dur_text(seconds);
}

uint64_t zsk_rollover_duration(const SigningPolicy& p) {
  // Pre-publication (RFC 7583 §3.2.1): publish, wait Dprp + TTLkey, switch, then the old key
  // stays until its signatures are gone from caches: Dprp + the largest TTL.
  return uint64_t(p.propagation_delay) + p.dnskey_ttl + p.propagation_delay + p.max_zone_ttl;
}

uint64_t ksk_rollover_duration(const SigningPolicy& p) {
  // Double-KSK (RFC 7583 §3.3.2): publish, wait Dprp + TTLkey, submit the DS, wait for the parent
  // (Dreg) and for the old DS to leave caches (TTLds + Dprp).
  return uint64_t(p.propagation_delay) + p.dnskey_ttl + p.registration_delay + p.ds_ttl +
         p.propagation_delay;
}

void check_policy(const SigningPolicy& p) {
  auto bad = [&](const std::string& why) { throw InputError("policy '" + p.name + "': " + why); };
  if (p.dnskey_ttl == 0)
    bad("dnskey-ttl must be positive");
  if (p.validity <= p.refresh + p.jitter) {
    bad("rrsig-validity (" + dur_text(p.validity) + ") must exceed rrsig-refresh + rrsig-jitter (" +
        dur_text(p.refresh + p.jitter) + ")");
  }
  // A batch must leave room after itself (keystore/signing.hh refresh_batch): the signatures a
  // refresh makes may not fall into its own batch. Without the key the default batch (1 day) is
  // cut to what the timings leave, so policies written before the key existed stay valid.
  if (p.refresh_batch && *p.refresh_batch &&
      uint64_t(p.refresh) + *p.refresh_batch + p.jitter + 3600 > p.validity) {
    bad("rrsig-refresh-batch (" + dur_text(*p.refresh_batch) +
        ") leaves no room: rrsig-refresh + rrsig-refresh-batch + rrsig-jitter + 1h (" +
        dur_text(static_cast<uint32_t>(std::min<uint64_t>(
            uint64_t(p.refresh) + *p.refresh_batch + p.jitter + 3600, 0xffffffffu))) +
        ") must not exceed rrsig-validity (" + dur_text(p.validity) + ")");
  }
  if (p.refresh < p.max_zone_ttl + p.propagation_delay) {
    bad("rrsig-refresh (" + dur_text(p.refresh) +
        ") must cover max-zone-ttl + propagation-delay (" +
        dur_text(p.max_zone_ttl + p.propagation_delay) + "): signatures would expire in caches");
  }
  if (p.csk && (p.ksk_lifetime || p.zsk_lifetime))
    bad("a csk policy takes csk-lifetime, not ksk-/zsk-lifetime");
  if (!p.csk && p.csk_lifetime)
    bad("a ksk-zsk policy takes ksk-lifetime and zsk-lifetime, not csk-lifetime");
  if (p.zsk_lifetime && p.zsk_lifetime <= zsk_rollover_duration(p)) {
    bad("zsk-lifetime (" + dur_text(p.zsk_lifetime) +
        ") is shorter than the ZSK rollover it needs (" +
        dur_text(static_cast<uint32_t>(zsk_rollover_duration(p))) + ")");
  }
  if (p.ksk_lifetime && p.ksk_lifetime <= ksk_rollover_duration(p)) {
    bad("ksk-lifetime (" + dur_text(p.ksk_lifetime) +
        ") is shorter than the KSK rollover it needs (" +
        dur_text(static_cast<uint32_t>(ksk_rollover_duration(p))) + ")");
  }
  uint64_t csk_needs =
      std::max(zsk_rollover_duration(p), ksk_rollover_duration(p) + p.max_zone_ttl);
  if (p.csk_lifetime && p.csk_lifetime <= csk_needs) {
    bad("csk-lifetime (" + dur_text(p.csk_lifetime) +
        ") is shorter than the CSK rollover it needs (" +
        dur_text(static_cast<uint32_t>(csk_needs)) + ")");
  }
  if (p.algorithm == Algorithm::kRsaSha256 && p.rsa_bits < 2048)
    bad("RSA keys need 2048 bits or more");
  if (p.ds_submission == SigningPolicy::DsSubmission::kHook && p.ds_hook.empty())
    bad("ds-submission: hook needs ds-hook");
  // The hook runs in the key manager's thread: a long timeout holds up every other zone's steps.
  if (p.ds_hook_timeout < 1 || p.ds_hook_timeout > 3600)
    bad("ds-hook-timeout (" + dur_text(p.ds_hook_timeout) + ") must be 1s..1h");
  // (The TSIG secret is a file's business: parse_one asks for it there.)
  if (p.ds_submission == SigningPolicy::DsSubmission::kPush &&
      (p.ds_push.server.empty() || p.ds_push.tsig_name.empty())) {
    bad("ds-submission: push needs ds-push.server, tsig-name and tsig-secret");
  }
}

// The "policies:" list of a text, each policy read as `mode` says.
static std::vector<SigningPolicy> parse_all(const std::string& yaml, const std::string& source,
                                            ParseMode mode) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::ParserException& e) {
    throw InputError(source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap() || !root["policies"]) {
    throw InputError(source + ":1: expected a mapping with a 'policies' list");
  }
  for (const auto& kv : root) {
    if (kv.first.as<std::string>() != "policies")
      fail(source, kv.first, "unknown key '" + kv.first.as<std::string>() + "'");
  }
  const YAML::Node& list = root["policies"];
  if (!list.IsSequence())
    fail(source, list, "'policies' must be a list");
  std::vector<SigningPolicy> out;
  std::set<std::string> names;
  for (const auto& n : list) {
    SigningPolicy p = parse_one(source, n, mode);
    if (!names.insert(p.name).second)
      fail(source, n["name"], "policy '" + p.name + "' is defined twice");
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<SigningPolicy> parse_policies(const std::string& yaml, const std::string& source,
                                          PolicyAuthor author) {
  return parse_all(yaml, source, ParseMode{author, false});
}

std::vector<SigningPolicy> load_policy_file(const std::string& path, PolicyAuthor author) {
  std::ifstream in(path);
  if (!in)
    throw InputError(path + ": cannot read policy file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_policies(ss.str(), path, author);
}

SigningPolicy parse_stored_policy(const std::string& name, const std::string& yaml) {
  std::string source = "stored policy '" + name + "'";
  std::vector<SigningPolicy> list;
  try {
    list = parse_all("policies:\n" + yaml, source, ParseMode{PolicyAuthor::kOperator, true});
  } catch (const InputError& e) {
    throw CorruptionError(e.what());
  }
  if (list.size() != 1 || list.front().name != name)
    throw CorruptionError(source + " does not hold that one policy");
  return list.front();
}

std::string policy_to_yaml(const SigningPolicy& p, TsigSecretForm secret) {
  std::ostringstream o;
  o << "- name: " << p.name << "\n";
  auto kv = [&](const char* k, const std::string& v) { o << "  " << k << ": " << v << "\n"; };
  kv("algorithm", algorithm_name(p.algorithm));
  kv("keys", p.csk ? "csk" : "ksk-zsk");
  if (p.algorithm == Algorithm::kRsaSha256)
    kv("rsa-bits", std::to_string(p.rsa_bits));
  if (p.csk) {
    kv("csk-lifetime", dur_text(p.csk_lifetime));
  } else {
    kv("ksk-lifetime", dur_text(p.ksk_lifetime));
    kv("zsk-lifetime", dur_text(p.zsk_lifetime));
  }
  kv("dnskey-ttl", dur_text(p.dnskey_ttl));
  kv("propagation-delay", dur_text(p.propagation_delay));
  kv("ds-ttl", dur_text(p.ds_ttl));
  kv("registration-delay", dur_text(p.registration_delay));
  kv("max-zone-ttl", dur_text(p.max_zone_ttl));
  kv("rollover-jitter", dur_text(p.rollover_jitter));
  kv("rrsig-validity", dur_text(p.validity));
  kv("rrsig-refresh", dur_text(p.refresh));
  kv("rrsig-jitter", dur_text(p.jitter));
  // Only when set: stored policies from before the key existed stay as they are.
  if (p.refresh_batch)
    kv("rrsig-refresh-batch", dur_text(*p.refresh_batch));
  kv("rrsig-inception-offset", dur_text(p.inception_offset));
  kv("verify", p.verify_all ? "all" : "sample");
  kv("denial", p.denial == DenialMode::kNsec ? "nsec" : "nsec3");
  kv("nsec3-iterations", std::to_string(p.nsec3.iterations));
  std::string params = nsec3_params_text(p.nsec3);
  kv("nsec3-salt", "\"" + params.substr(params.rfind(' ') + 1) + "\"");
  kv("nsec3-opt-out", p.nsec3.opt_out() ? "true" : "false");
  const char* cds[] = {"none", "rollover", "always", "delete"};
  kv("cds", cds[static_cast<int>(p.cds)]);
  kv("cdnskey", p.cdnskey ? "true" : "false");
  kv("cds-digest", p.cds_digest == DigestType::kSha384 ? "sha384" : "sha256");
  std::string ns = "[";
  for (size_t i = 0; i < p.parent_nameservers.size(); ++i)
    ns += (i ? ", \"" : "\"") + p.parent_nameservers[i] + "\"";
  kv("parent-nameservers", ns + "]");
  kv("parent-check-interval", dur_text(p.parent_check_interval));
  const char* sub[] = {"none", "hook", "push"};
  kv("ds-submission", sub[static_cast<int>(p.ds_submission)]);
  if (!p.ds_hook.empty())
    kv("ds-hook", "\"" + p.ds_hook + "\"");
  // Only where it matters or was set: stored policies from before the key existed stay as they are.
  if (p.ds_submission == SigningPolicy::DsSubmission::kHook ||
      p.ds_hook_timeout != SigningPolicy{}.ds_hook_timeout)
    kv("ds-hook-timeout", dur_text(p.ds_hook_timeout));
  if (!p.ds_push.server.empty()) {
    o << "  ds-push: {server: \"" << p.ds_push.server << "\", tsig-name: \"" << p.ds_push.tsig_name
      << "\", tsig-algorithm: \"" << p.ds_push.tsig_algorithm << "\"";
    // The secret itself is never written: the store seals it apart (keystore/policy_store.hh).
    bool tsig = !p.ds_push.tsig_name.empty() || !p.ds_push.tsig_secret.empty();
    if (secret == TsigSecretForm::kRedacted && tsig)
      o << ", tsig-secret: \"" << kRedactedSecret << "\"";
    o << "}\n";
  }
  kv("approval", p.manual_approval ? "manual" : "auto");
  return o.str();
}

}  // namespace signet
