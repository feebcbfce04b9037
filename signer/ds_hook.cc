// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/ds_hook.hh"

namespace signet {

DsHookCall ds_hook_call(const std::string& program, const std::string& zone,
                        const std::string& tenant, const std::vector<std::string>& ds_lines,
                        std::chrono::seconds timeout) {
  DsHookCall call;
  call.argv = {program, "--", zone};
  std::string joined;
  for (const auto& line : ds_lines) {
    call.argv.push_back(line);
    call.options.input += line + "\n";
    joined += (joined.empty() ? "" : "\n") + line;
  }
  call.options.env_add = {"SIGNET_ZONE=" + zone, "SIGNET_TENANT=" + tenant, "SIGNET_DS=" + joined};
  call.options.timeout = timeout;
  return call;
}

}  // namespace signet
