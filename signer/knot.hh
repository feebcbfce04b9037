// SPDX-License-Identifier: GPL-2.0-or-later
// Knot DNS's C libraries (libknot: RDATA descriptors and presentation format; libzscanner: the
// RFC 1035 master-file scanner). Their headers carry no C++ linkage guards, so include them here.
#pragma once

extern "C" {
#include <libknot/libknot.h>
#include <libzscanner/scanner.h>
}
