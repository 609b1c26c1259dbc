//===- ActOrder.cpp - folding GPTQ's act-order permutation ----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/quant/ActOrder.h"

#include <algorithm>
#include <string>

namespace qf::quant {

bool isIdentity(const std::vector<int32_t> &perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != int32_t(i))
      return false;
  return true;
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
