//===- Checks.h - validation helpers shared by the readers ------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Internal to runtime/io: pieces of error messages and the overlap check that
// safetensors and GGUF both need.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_IO_CHECKS_H
#define QUANTFORGE_RUNTIME_IO_CHECKS_H

#include "runtime/support/Status.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qf::io {

/// `text` in single quotes, shortened so that a hostile name cannot flood a
/// message.
std::string quote(std::string_view text);

/// The bytes [begin, begin + size) of a named tensor.
struct Extent {
  std::string_view name;
  uint64_t begin = 0;
  uint64_t size = 0;
};

/// An error naming two extents that share a byte; empty extents share none.
/// The message shows their ranges as `formatRange(begin, end)` after `label`,
/// e.g. "tensors 'a' and 'b' overlap: data_offsets [0, 8] and [4, 12]".
Status checkDisjoint(std::vector<Extent> extents, const char *label,
                     std::string (*formatRange)(uint64_t begin, uint64_t end));

} // namespace qf::io

#endif // QUANTFORGE_RUNTIME_IO_CHECKS_H
