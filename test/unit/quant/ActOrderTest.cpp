//===- ActOrderTest.cpp - folding act-order weights -----------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/quant/ActOrder.h"
#include "runtime/quant/GPTQ.h"

#include "test/unit/quant/RandomData.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

using namespace qf;
using namespace qf::quant;

namespace {

using qf::quant::testing::randomNormal;

/// A GPTQ act-order weight: each group is `group` columns scattered by a
/// random permutation, as desc_act leaves them (gen_checkpoint.py's way).
UnpackedWeight scatteredWeight(int64_t rows, int64_t cols, int64_t group,
                               unsigned seed) {
  std::mt19937 rng(seed);
  UnpackedWeight w;
  w.rows = rows, w.cols = cols, w.groupSize = group, w.bits = 4;
  std::vector<int32_t> order(cols);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  w.gIdx.resize(cols);
  for (int64_t p = 0; p < cols; ++p)
    w.gIdx[order[p]] = int32_t(p / group);
  w.q.resize(rows * cols);
  for (uint8_t &q : w.q)
    q = uint8_t(rng() % 16);
  w.scales = randomNormal(rows * w.numGroups(), seed + 1);
  w.zeros.resize(rows * w.numGroups());
  for (uint8_t &z : w.zeros)
    z = uint8_t(rng() % 16);
  return w;
}

TEST(ActOrderFold, GPTQActOrderOutputFolds) {
  const int64_t rows = 16, cols = 64, group = 16;
  std::vector<float> w = randomNormal(rows * cols, 3);
  std::vector<float> x = randomNormal(128 * cols, 4);
  std::vector<double> h(cols * cols, 0.0);
  for (int64_t t = 0; t < 128; ++t)
    for (int64_t i = 0; i < cols; ++i)
      for (int64_t j = 0; j < cols; ++j)
        h[i * cols + j] += 2.0 / 128 * x[t * cols + i] * x[t * cols + j] *
                           (1.0 + i % 5);
  GPTQOptions options;
  options.groupSize = group;
  options.actOrder = true;
  Result<UnpackedWeight> q = quantizeGPTQ(w.data(), rows, cols, h.data(), options);
  ASSERT_TRUE(q.ok()) << q.message();
  auto sorted = sortColumnsByGroup(*q);
  ASSERT_TRUE(sorted.ok()) << sorted.message();
  std::vector<float> original = q->dequantize(), got = sorted->weight.dequantize();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j)
      ASSERT_EQ(got[r * cols + j], original[r * cols + sorted->perm[j]]);
  EXPECT_FALSE(isIdentity(sorted->perm));

  // Static groups keep column groups: nothing to fold.
  options.staticGroups = true;
  q = quantizeGPTQ(w.data(), rows, cols, h.data(), options);
  ASSERT_TRUE(q.ok()) << q.message();
  sorted = sortColumnsByGroup(*q);
  ASSERT_TRUE(sorted.ok()) << sorted.message();
  EXPECT_TRUE(isIdentity(sorted->perm));
  EXPECT_EQ(sorted->weight.dequantize(), q->dequantize());
}

TEST(ActOrderFold, PermutedRowsPermuteTheOutput) {
  const int64_t rows = 12, cols = 64;
  UnpackedWeight w = scatteredWeight(rows, cols, 32, 9);
  std::vector<int32_t> perm(rows);
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), std::mt19937(3));
  Result<UnpackedWeight> permuted = permuteRows(w, perm);
  ASSERT_TRUE(permuted.ok()) << permuted.message();
  std::vector<float> original = w.dequantize(), got = permuted->dequantize();
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t c = 0; c < cols; ++c)
      ASSERT_EQ(got[i * cols + c], original[perm[i] * cols + c]);
  EXPECT_EQ(permuteVector({1.f, 2.f, 3.f}, {2, 0, 1}),
            (std::vector<float>{3.f, 1.f, 2.f}));
  EXPECT_TRUE(isIdentity({0, 1, 2}));
  EXPECT_FALSE(permuteRows(w, {0, 1}).ok());
  perm[0] = int32_t(rows);
  EXPECT_FALSE(permuteRows(w, perm).ok());
}

TEST(ActOrderFold, CanonicalLayoutKeepsGIdx) {
  UnpackedWeight w = scatteredWeight(4, 64, 16, 11);
  Result<CanonicalTensors> packed = packCanonical(w, false, false);
  ASSERT_TRUE(packed.ok()) << packed.message();
  EXPECT_EQ(packed->gIdx, w.gIdx);
  Result<UnpackedWeight> back =
      unpackCanonical(*packed, 4, 64, 4, 16, false, false);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->dequantize(), w.dequantize());
  packed->gIdx[3] = 4; // only groups 0..3 exist
  EXPECT_FALSE(unpackCanonical(*packed, 4, 64, 4, 16, false, false).ok());
}

} // namespace
