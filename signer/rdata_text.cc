// SPDX-License-Identifier: GPL-2.0-or-later
#include "signer/rdata_text.hh"

#include "signer/knot.hh"

#include <memory>
#include <string>

#include "signer/error.hh"
#include "signer/rrtype.hh"

namespace signet {

std::string rdata_to_text(uint16_t type, std::span<const uint8_t> rdata) {
  static const knot_dname_t kRoot[1] = {0};
  knot_rrset_t rrset;
  knot_rrset_init(&rrset, const_cast<knot_dname_t*>(kRoot), type, KNOT_CLASS_IN, 0);
  if (knot_rrset_add_rdata(&rrset, rdata.data(), static_cast<uint16_t>(rdata.size()), nullptr) !=
      KNOT_EOK) {
    throw Error("cannot format " + rrtype_to_text(type) + " record data");
  }
  knot_dump_style_t style = KNOT_DUMP_STYLE_DEFAULT;
  style.wrap = false;
  std::string out(512, '\0');
  int written;
  while ((written = knot_rrset_txt_dump_data(&rrset, 0, out.data(), out.size(), &style)) < 0) {
    if (out.size() > (1u << 22)) {
      knot_rdataset_clear(&rrset.rrs, nullptr);
      throw Error("cannot format " + rrtype_to_text(type) + " record data");
    }
    out.resize(out.size() * 4);
  }
  knot_rdataset_clear(&rrset.rrs, nullptr);
  out.resize(static_cast<size_t>(written));
  // libknot ends some forms with a separator (CAA: `0 issue "ca.example" `); the presentation
  // format has none, and the HTTP API shows this text to clients as pdns would (no trailing space).
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

std::vector<uint8_t> rdata_from_text(uint16_t type, std::string_view text, const Name& origin) {
  // zs_scanner_t carries 64 KiB buffers: keep it off the stack.
  auto scanner = std::make_unique<zs_scanner_t>();
  std::string origin_text = origin.to_text();
  if (zs_init(scanner.get(), origin_text.c_str(), KNOT_CLASS_IN, 0) != 0) {
    throw Error("cannot initialise the zone scanner");
  }
  struct Guard {
    zs_scanner_t* s;
    ~Guard() { zs_deinit(s); }
  } guard{scanner.get()};

  std::string line = "@ 0 IN " + rrtype_to_text(type) + " " + std::string(text) + "\n";
  if (zs_set_input_string(scanner.get(), line.data(), line.size()) != 0) {
    throw Error("cannot initialise the zone scanner");
  }
  std::vector<uint8_t> out;
  bool have = false;
  while (true) {
    if (zs_parse_record(scanner.get()) != 0)
      break;
    if (scanner->state == ZS_STATE_DATA) {
      if (have)
        throw InputError("more than one record in '" + std::string(text) + "'");
      out.assign(scanner->r_data, scanner->r_data + scanner->r_data_length);
      have = true;
    } else if (scanner->state == ZS_STATE_ERROR) {
      break;
    } else if (scanner->state == ZS_STATE_EOF || scanner->state == ZS_STATE_STOP) {
      break;
    } else if (scanner->state == ZS_STATE_INCLUDE) {
      throw InputError("$INCLUDE is not record data");
    }
  }
  if (scanner->state == ZS_STATE_ERROR || scanner->error.code != 0) {
    throw InputError("bad " + rrtype_to_text(type) + " record data '" + std::string(text) +
                     "': " + zs_strerror(scanner->error.code));
  }
  if (!have)
    throw InputError("no " + rrtype_to_text(type) + " record data in '" + std::string(text) + "'");
  return out;
}

}  // namespace signet
