//===- PackedWeights.h - GPTQ and AWQ checkpoint layouts ---------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Converts between the int32-word layouts of AutoGPTQ (v1 and v2) and AutoAWQ
// (GEMM) and one unpacked form with an integer per element. Importers check
// and describe these layouts without touching the data; the repack pass and
// the references in tests use these functions.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_QUANT_PACKEDWEIGHTS_H
#define QUANTFORGE_RUNTIME_QUANT_PACKEDWEIGHTS_H

#include "runtime/support/Status.h"

#include <cstdint>
#include <vector>

namespace qf::quant {

/// A quantized [rows, cols] weight (rows = output features) with one
/// integer per element: w[r][c] = scale[r][g] * (q[r][c] - zero[r][g]) where
/// g = gIdx.empty() ? c / groupSize : gIdx[c].
struct UnpackedWeight {
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t groupSize = 0;
  int bits = 0;
  std::vector<uint8_t> q;       ///< rows * cols, row-major
  std::vector<float> scales;    ///< rows * numGroups()
  std::vector<uint8_t> zeros;   ///< rows * numGroups()
  std::vector<int32_t> gIdx;    ///< cols, or empty without act-order

  int64_t numGroups() const { return cols / groupSize; }
  int64_t groupOf(int64_t col) const {
    return gIdx.empty() ? col / groupSize : gIdx[col];
  }
  float at(int64_t row, int64_t col) const {
    int64_t g = row * numGroups() + groupOf(col);
    return scales[g] * (float(q[row * cols + col]) - float(zeros[g]));
  }
  /// The float matrix, row-major.
  std::vector<float> dequantize() const;
};

/// AutoGPTQ tensors: qweight [cols*bits/32, rows], qzeros
/// [groups, rows*bits/32], scales f16 [groups, rows], g_idx [cols].
struct GPTQTensors {
  std::vector<int32_t> qweight;
  std::vector<int32_t> qzeros;
  std::vector<uint16_t> scales;
  std::vector<int32_t> gIdx;
};

/// AutoAWQ GEMM tensors: qweight [cols, rows/8], qzeros [groups, rows/8],
/// scales f16 [groups, rows].
struct AWQTensors {
  std::vector<int32_t> qweight;
  std::vector<int32_t> qzeros;
  std::vector<uint16_t> scales;
};

/// QuantForge's canonical layout (docs/dialect.md): per row, the values as a
/// little-endian bit stream padded to a whole byte; scales [rows, groups] in
/// float32 or float16; zero points packed like the values, absent when
/// symmetric (the midpoint 2^(bits-1) is implied); with act-order, g_idx
/// [cols] as GPTQ writes it.
struct CanonicalTensors {
  std::vector<uint8_t> qweight;
  std::vector<uint8_t> scales;
  std::vector<uint8_t> zeros;
  std::vector<int32_t> gIdx; ///< empty without act-order
};

/// Bytes of one packed row of `count` values of `bits` bits.
inline int64_t packedRowBytes(int64_t count, int bits) {
  return (count * bits + 7) / 8;
}

Result<CanonicalTensors> packCanonical(const UnpackedWeight &weight,
                                       bool symmetric, bool f16Scales);
Result<UnpackedWeight> unpackCanonical(const CanonicalTensors &tensors,
                                       int64_t rows, int64_t cols, int bits,
                                       int64_t groupSize, bool symmetric,
                                       bool f16Scales);

/// An act-order weight made plain canonical for kernels that need each group
/// to be contiguous (codegen/CUDA/kernels): column j of `weight` is column
/// perm[j] of the original, so W' x' = W x with the activation gathered as
/// x'[j] = x[perm[j]].
struct GroupSortedWeight {
  UnpackedWeight weight; ///< gIdx empty; groups are groupSize columns each
  std::vector<int32_t> perm;
};

/// Sorts the columns of `weight` by group (stably, so columns keep their
/// order within a group). Without act-order the permutation is the identity.
/// Fails unless every group has exactly groupSize columns, as GPTQ's g_idx
/// has.
Result<GroupSortedWeight> sortColumnsByGroup(const UnpackedWeight &weight);

/// Packs `weight` as AutoGPTQ does. v1 stores each zero point minus one
/// (wrapping within the bit width); v2 stores it as it is.
Result<GPTQTensors> packGPTQ(const UnpackedWeight &weight, bool v2);

/// Unpacks AutoGPTQ tensors; `gIdx` may be empty (no act-order). Every
/// g_idx entry must name an existing group.
Result<UnpackedWeight> unpackGPTQ(const GPTQTensors &tensors, int64_t rows,
                                  int64_t cols, int bits, int64_t groupSize,
                                  bool v2);

/// Packs `weight` (4 bits, no act-order) as AutoAWQ's GEMM kernels expect.
Result<AWQTensors> packAWQ(const UnpackedWeight &weight);

Result<UnpackedWeight> unpackAWQ(const AWQTensors &tensors, int64_t rows,
                                 int64_t cols, int64_t groupSize);

} // namespace qf::quant

#endif // QUANTFORGE_RUNTIME_QUANT_PACKEDWEIGHTS_H
