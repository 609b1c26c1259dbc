//===- DType.h - element types of parameter files ---------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// One enumeration for the element types of safetensors and GGUF files: plain
// types (one element per "block") and ggml's block-quantized types, with the
// block sizes of llama.cpp's ggml-common.h. Byte sizes are computed with
// overflow checks because shapes come from untrusted headers.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_IO_DTYPE_H
#define QUANTFORGE_RUNTIME_IO_DTYPE_H

#include "runtime/support/Status.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qf::io {

enum class DType {
  // Plain types; the names are safetensors' dtype strings.
  F64,
  F32,
  F16,
  BF16,
  I64,
  I32,
  I16,
  I8,
  U64,
  U32,
  U16,
  U8,
  BOOL,
  F8_E4M3,
  F8_E5M2,
  // ggml block types: 32 elements per block, then 256 for the K-quants.
  Q4_0,
  Q4_1,
  Q5_0,
  Q5_1,
  Q8_0,
  Q8_1,
  Q2_K,
  Q3_K,
  Q4_K,
  Q5_K,
  Q6_K,
  Q8_K,
};

/// "F32", "BF16", "Q4_K", ...
const char *dtypeName(DType type);
/// Elements per block: 1 for plain types, 32 or 256 for ggml block types.
uint32_t blockSize(DType type);
/// Bytes per block (for plain types, bytes per element).
uint32_t bytesPerBlock(DType type);
inline bool isBlockQuantized(DType type) { return blockSize(type) > 1; }

/// The plain type a safetensors header spells `name`, if any.
std::optional<DType> parseSafetensorsDType(std::string_view name);
/// The type with ggml_type number `id` (GGUF tensor infos), if we support it.
std::optional<DType> dtypeFromGGMLType(uint32_t id);
/// The ggml_type number of `type`; none for types GGUF cannot store (U8,
/// BOOL, the fp8 types, unsigned integers wider than a byte).
std::optional<uint32_t> ggmlTypeOf(DType type);

/// "[4096, 128]".
std::string formatShape(const std::vector<int64_t> &shape);

/// Elements in a row-major `shape` ([] is a scalar); errors for negative
/// dimensions and counts beyond 64 bits.
Result<uint64_t> numElements(const std::vector<int64_t> &shape);

/// Bytes of a row-major tensor of `type` and `shape`. Block types need the
/// last (fastest-varying) dimension to be a multiple of the block size. The
/// error says why, e.g. "BF16[-1] has a negative dimension".
Result<uint64_t> byteSize(DType type, const std::vector<int64_t> &shape);

} // namespace qf::io

#endif // QUANTFORGE_RUNTIME_IO_DTYPE_H
