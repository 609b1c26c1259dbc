//===- ActOrder.cpp - folding GPTQ's act-order permutation ----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/quant/ActOrder.h"

#include <algorithm>
#include <numeric>
#include <string>

namespace qf::quant {

std::vector<int32_t> groupOrder(const std::vector<int32_t> &gIdx) {
  std::vector<int32_t> perm(gIdx.size());
  std::iota(perm.begin(), perm.end(), 0);
  std::stable_sort(perm.begin(), perm.end(),
                   [&](int32_t a, int32_t b) { return gIdx[a] < gIdx[b]; });
  return perm;
}

bool isIdentity(const std::vector<int32_t> &perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != int32_t(i))
      return false;
  return true;
}

Result<UnpackedWeight> foldActOrder(const UnpackedWeight &weight,
                                    std::vector<int32_t> &perm) {
  if (int64_t(weight.gIdx.size()) != weight.cols)
    return Status::error("act-order weight needs a g_idx of " +
                         std::to_string(weight.cols) + " entries, got " +
                         std::to_string(weight.gIdx.size()));
  perm = groupOrder(weight.gIdx);
  for (int64_t j = 0; j < weight.cols; ++j)
    if (weight.gIdx[perm[j]] != j / weight.groupSize)
      return Status::error(
          "g_idx does not give every group exactly " +
          std::to_string(weight.groupSize) + " columns (group " +
          std::to_string(j / weight.groupSize) + " differs), so sorted "
          "columns would not form contiguous groups");
  UnpackedWeight folded = weight;
  folded.gIdx.clear();
  for (int64_t r = 0; r < weight.rows; ++r)
    for (int64_t j = 0; j < weight.cols; ++j)
      folded.q[r * weight.cols + j] = weight.q[r * weight.cols + perm[j]];
  return folded;
}

Result<UnpackedWeight> permuteRows(const UnpackedWeight &weight,
                                   const std::vector<int32_t> &perm) {
  if (int64_t(perm.size()) != weight.rows)
    return Status::error("row permutation of " + std::to_string(perm.size()) +
                         " entries for " + std::to_string(weight.rows) +
                         " rows");
  UnpackedWeight out = weight;
  int64_t groups = weight.numGroups();
  for (int64_t i = 0; i < weight.rows; ++i) {
    int64_t from = perm[i];
    if (from < 0 || from >= weight.rows)
      return Status::error("row permutation names row " +
                           std::to_string(from));
    std::copy_n(weight.q.begin() + from * weight.cols, weight.cols,
                out.q.begin() + i * weight.cols);
    std::copy_n(weight.scales.begin() + from * groups, groups,
                out.scales.begin() + i * groups);
    if (!weight.zeros.empty())
      std::copy_n(weight.zeros.begin() + from * groups, groups,
                  out.zeros.begin() + i * groups);
  }
  return out;
}

std::vector<float> permuteVector(const std::vector<float> &values,
                                 const std::vector<int32_t> &perm) {
  std::vector<float> out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    out[i] = values[perm[i]];
  return out;
}

} // namespace qf::quant
