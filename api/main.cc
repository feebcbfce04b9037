// SPDX-License-Identifier: GPL-2.0-or-later
// signetd: see api/daemon.hh.
#include "api/daemon.hh"

int main(int argc, char** argv) {
  return signet::api::run_daemon(argc, argv);
}
