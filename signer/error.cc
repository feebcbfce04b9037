// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/error.hh"

// The error types are header-only; this unit anchors their vtables in the core library.
namespace signet {}
