// SPDX-License-Identifier: GPL-2.0-or-later
//
// How a DS submission hook is called (policy `ds-submission: hook`, `ds-hook: PROGRAM`):
//
//   PROGRAM -- ZONE [DS-RECORD...]
//
//   * argv[1] is always "--", the POSIX end-of-options marker (Utility Syntax Guidelines,
//     guideline 10): a zone name may begin with '-' (a label "-x" is valid), and so does every DS
//     record line, which starts with the zone name. After "--" no option parser (getopt, argparse,
//     a shell `case "$1" in -*)`) reads them as options. A shell hook takes the zone as "$2", or
//     does `[ "$1" = -- ] && shift` first.
//   * Each DS-RECORD is one presentation-format line "ZONE TTL IN DS TAG ALG DIGESTTYPE DIGEST";
//     none means: remove the DS RRset (the zone goes insecure).
//   * The same records, one per line, on stdin; and in the environment: SIGNET_ZONE (the zone),
//     SIGNET_TENANT, SIGNET_DS (the records, newline-separated).
//   * Exit status 0 means submitted. Anything else, a signal, or running longer than the policy's
//     `ds-hook-timeout` (then its whole process group is killed) is a failure, retried with
//     backoff.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "signer/subprocess.hh"

namespace signet {

struct DsHookCall {
  std::vector<std::string> argv;
  SubprocessOptions options;  // environment, stdin and timeout
};

// `zone` in presentation format with its trailing dot; `ds_lines` as described above.
DsHookCall ds_hook_call(const std::string& program, const std::string& zone,
                        const std::string& tenant, const std::vector<std::string>& ds_lines,
                        std::chrono::seconds timeout);

}  // namespace signet
