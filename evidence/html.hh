// SPDX-License-Identifier: GPL-2.0-or-later
//
// index.html of an evidence pack: the content of evidence.json as a report an auditor reads in a
// browser with no network — one file, inline CSS, no scripts, no external assets. Every string
// from the store is HTML-escaped.
#pragma once

#include <string>
#include <string_view>

#include "signer/json.hh"

namespace signet::evidence {

// &, <, >, " and ' as character references.
std::string html_escape(std::string_view s);

// The report of an evidence.json document (evidence/pack.hh build_evidence_model).
std::string evidence_html(const Json& doc);

}  // namespace signet::evidence
