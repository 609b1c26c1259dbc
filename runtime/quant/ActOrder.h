//===- ActOrder.h - folding GPTQ's act-order permutation ---------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// An act-order (desc_act) weight names each column's group through g_idx, so
// a kernel looks g_idx up for every weight it decodes. Storing the columns
// sorted by group makes the groups contiguous again; the layer then reads its
// input in the same order, y = x W^T = x[perm] W[:, perm]^T, and that gather
// can usually be folded into whatever produces x (llm-fold-act-order).
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_QUANT_ACTORDER_H
#define QUANTFORGE_RUNTIME_QUANT_ACTORDER_H

#include "runtime/quant/PackedWeights.h"

#include <cstdint>
#include <vector>

namespace qf::quant {

/// The columns in order of their group, ties in column order (a stable sort
/// of g_idx): perm[j] is the original column stored at position j.
std::vector<int32_t> groupOrder(const std::vector<int32_t> &gIdx);

/// True when perm[i] == i for all i.
bool isIdentity(const std::vector<int32_t> &perm);

/// A weight in which column j is column perm[j] of `weight`, where perm =
/// groupOrder(weight.gIdx), with contiguous groups and no g_idx:
/// folded.dequantize()[r][j] == weight.dequantize()[r][perm[j]] exactly.
/// Fails unless every group has exactly groupSize columns (true of GPTQ,
/// with or without static groups). `perm` receives the permutation.
Result<UnpackedWeight> foldActOrder(const UnpackedWeight &weight,
                                    std::vector<int32_t> &perm);

/// Row i of the result is row perm[i] of `weight` (integers, scales, zero
/// points); g_idx is per column and stays.
Result<UnpackedWeight> permuteRows(const UnpackedWeight &weight,
                                   const std::vector<int32_t> &perm);

/// out[i] = values[perm[i]].
std::vector<float> permuteVector(const std::vector<float> &values,
                                 const std::vector<int32_t> &perm);

} // namespace qf::quant

#endif // QUANTFORGE_RUNTIME_QUANT_ACTORDER_H
