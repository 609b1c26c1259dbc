//===- ByteOrder.h - little-endian loads and stores -------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Safetensors, GGUF and ggml blocks are little-endian, as is every host we
// target; loads and stores are memcpy (no alignment requirement) and the
// assumption is checked once here.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_IO_BYTEORDER_H
#define QUANTFORGE_RUNTIME_IO_BYTEORDER_H

#include <cstdint>
#include <cstring>
#include <ostream>
#include <type_traits>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "parameter files are little-endian; add byte swapping here");

namespace qf::io {

/// The T stored little-endian at `bytes` (any alignment).
template <typename T> T loadLE(const uint8_t *bytes) {
  static_assert(std::is_trivially_copyable_v<T>);
  T value;
  std::memcpy(&value, bytes, sizeof(T));
  return value;
}

/// Appends `value` little-endian to `out`.
template <typename T> void storeLE(std::ostream &out, T value) {
  static_assert(std::is_trivially_copyable_v<T>);
  out.write(reinterpret_cast<const char *>(&value), sizeof(T));
}

} // namespace qf::io

#endif // QUANTFORGE_RUNTIME_IO_BYTEORDER_H
