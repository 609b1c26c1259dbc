//===- DType.cpp - element types of parameter files -----------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/io/DType.h"

#include <iterator>

namespace qf::io {

namespace {

constexpr int32_t kNoGGMLType = -1;

struct DTypeInfo {
  DType type;
  const char *name;
  uint32_t blockSize;
  uint32_t bytesPerBlock;
  int32_t ggmlType;
  bool inSafetensors;
};

// Block sizes are sizeof(block_*) from llama.cpp's ggml-common.h.
constexpr DTypeInfo kDTypes[] = {
    {DType::F64, "F64", 1, 8, 28, true},
    {DType::F32, "F32", 1, 4, 0, true},
    {DType::F16, "F16", 1, 2, 1, true},
    {DType::BF16, "BF16", 1, 2, 30, true},
    {DType::I64, "I64", 1, 8, 27, true},
    {DType::I32, "I32", 1, 4, 26, true},
    {DType::I16, "I16", 1, 2, 25, true},
    {DType::I8, "I8", 1, 1, 24, true},
    {DType::U64, "U64", 1, 8, kNoGGMLType, true},
    {DType::U32, "U32", 1, 4, kNoGGMLType, true},
    {DType::U16, "U16", 1, 2, kNoGGMLType, true},
    {DType::U8, "U8", 1, 1, kNoGGMLType, true},
    {DType::BOOL, "BOOL", 1, 1, kNoGGMLType, true},
    {DType::F8_E4M3, "F8_E4M3", 1, 1, kNoGGMLType, true},
    {DType::F8_E5M2, "F8_E5M2", 1, 1, kNoGGMLType, true},
    {DType::Q4_0, "Q4_0", 32, 18, 2, false},
    {DType::Q4_1, "Q4_1", 32, 20, 3, false},
    {DType::Q5_0, "Q5_0", 32, 22, 6, false},
    {DType::Q5_1, "Q5_1", 32, 24, 7, false},
    {DType::Q8_0, "Q8_0", 32, 34, 8, false},
    {DType::Q8_1, "Q8_1", 32, 36, 9, false},
    {DType::Q2_K, "Q2_K", 256, 84, 10, false},
    {DType::Q3_K, "Q3_K", 256, 110, 11, false},
    {DType::Q4_K, "Q4_K", 256, 144, 12, false},
    {DType::Q5_K, "Q5_K", 256, 176, 13, false},
    {DType::Q6_K, "Q6_K", 256, 210, 14, false},
    {DType::Q8_K, "Q8_K", 256, 292, 15, false},
};

constexpr bool tableFollowsEnum() {
  for (size_t i = 0; i < std::size(kDTypes); ++i)
    if (size_t(kDTypes[i].type) != i)
      return false;
  return true;
}
static_assert(tableFollowsEnum(), "kDTypes must list DType in enum order");

const DTypeInfo &info(DType type) { return kDTypes[size_t(type)]; }

/// The element count of `shape`; errors start with `what`.
Result<uint64_t> countElements(const std::vector<int64_t> &shape,
                               const std::string &what) {
  uint64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0)
      return Status::error(what + " has a negative dimension");
    if (__builtin_mul_overflow(count, uint64_t(dim), &count))
      return Status::error(what + " has more than 2^64 elements");
  }
  return count;
}

} // namespace

const char *dtypeName(DType type) { return info(type).name; }
uint32_t blockSize(DType type) { return info(type).blockSize; }
uint32_t bytesPerBlock(DType type) { return info(type).bytesPerBlock; }

std::optional<DType> parseSafetensorsDType(std::string_view name) {
  for (const DTypeInfo &entry : kDTypes)
    if (entry.inSafetensors && name == entry.name)
      return entry.type;
  return std::nullopt;
}

std::optional<DType> dtypeFromGGMLType(uint32_t id) {
  for (const DTypeInfo &entry : kDTypes)
    if (entry.ggmlType == int64_t(id))
      return entry.type;
  return std::nullopt;
}

std::optional<uint32_t> ggmlTypeOf(DType type) {
  if (info(type).ggmlType == kNoGGMLType)
    return std::nullopt;
  return uint32_t(info(type).ggmlType);
}

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

Result<uint64_t> numElements(const std::vector<int64_t> &shape) {
  return countElements(shape, "shape " + formatShape(shape));
}

Result<uint64_t> byteSize(DType type, const std::vector<int64_t> &shape) {
  std::string what = dtypeName(type) + formatShape(shape);
  Result<uint64_t> count = countElements(shape, what);
  if (!count.ok())
    return count.status();
  uint32_t block = blockSize(type);
  if (block > 1 && (shape.empty() || shape.back() % block != 0))
    return Status::error(what + ": the last dimension must be a multiple of " +
                         "the block size " + std::to_string(block));
  uint64_t bytes;
  if (__builtin_mul_overflow(*count / block, uint64_t(bytesPerBlock(type)),
                             &bytes))
    return Status::error(what + " needs more than 2^64 bytes");
  return bytes;
}

} // namespace qf::io
