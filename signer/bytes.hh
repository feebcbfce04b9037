// SPDX-License-Identifier: GPL-2.0-or-later
//
// Big-endian integers in byte buffers: the one writer and reader of network byte order, used by
// the DNS wire format (RFC 1035 §2.3.2: "the most significant octet first") and by the store's
// byte grammar (keystore/codec.hh) alike.
//
//   put_uN(buffer, v)   appends v to a std::string or std::vector<uint8_t>
//   store_uN(p, v)      writes v over the octets at p (patching a field in place)
//   load_uN(p)          reads the octets at p (the caller has checked that they are there)
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace signet::bytes {

// A growable buffer of octets: std::string or std::vector<uint8_t>.
template <class Buffer>
concept ByteBuffer = requires(Buffer b) {
  typename Buffer::value_type;
  b.push_back(typename Buffer::value_type());
  requires sizeof(typename Buffer::value_type) == 1;
};

inline void store_u16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void store_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
inline void store_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    p[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
}

inline uint16_t load_u16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
inline uint32_t load_u32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}
inline uint64_t load_u64(const uint8_t* p) {
  return (uint64_t(load_u32(p)) << 32) | load_u32(p + 4);
}

template <ByteBuffer Buffer>
void put_u8(Buffer& out, uint8_t v) {
  out.push_back(static_cast<typename Buffer::value_type>(v));
}
template <ByteBuffer Buffer>
void put_u16(Buffer& out, uint16_t v) {
  out.push_back(static_cast<typename Buffer::value_type>(v >> 8));
  out.push_back(static_cast<typename Buffer::value_type>(v));
}
template <ByteBuffer Buffer>
void put_u32(Buffer& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8)
    out.push_back(static_cast<typename Buffer::value_type>(v >> s));
}
template <ByteBuffer Buffer>
void put_u64(Buffer& out, uint64_t v) {
  for (int s = 56; s >= 0; s -= 8)
    out.push_back(static_cast<typename Buffer::value_type>(v >> s));
}
template <ByteBuffer Buffer>
void put_bytes(Buffer& out, std::span<const uint8_t> b) {
  if constexpr (std::is_same_v<Buffer, std::string>)
    out.append(reinterpret_cast<const char*>(b.data()), b.size());
  else
    out.insert(out.end(), b.begin(), b.end());
}

}  // namespace signet::bytes
