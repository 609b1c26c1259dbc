//===- ActOrder.h - folding GPTQ's act-order permutation ---------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// An act-order (desc_act) weight names each column's group through g_idx, so
// a kernel looks g_idx up for every weight it decodes. sortColumnsByGroup
// (PackedWeights.h) stores the columns sorted by group instead; the layer
// then reads its input in the same order, y = x W^T = x[perm] W[:, perm]^T,
// and llm-fold-act-order moves that gather into whatever produces x: here
// are the permutations it applies to producers.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_QUANT_ACTORDER_H
#define QUANTFORGE_RUNTIME_QUANT_ACTORDER_H

#include "runtime/quant/PackedWeights.h"

#include <cstdint>
#include <vector>

namespace qf::quant {

/// True when perm[i] == i for all i.
bool isIdentity(const std::vector<int32_t> &perm);

/// Row i of the result is row perm[i] of `weight` (integers, scales, zero
/// points); g_idx is per column and stays.
Result<UnpackedWeight> permuteRows(const UnpackedWeight &weight,
                                   const std::vector<int32_t> &perm);

/// out[i] = values[perm[i]].
std::vector<float> permuteVector(const std::vector<float> &values,
                                 const std::vector<int32_t> &perm);

} // namespace qf::quant

#endif // QUANTFORGE_RUNTIME_QUANT_ACTORDER_H
