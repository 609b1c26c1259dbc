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

std::vector<int32_t> inverse(const std::vector<int32_t> &perm) {
  std::vector<int32_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inv[perm[i]] = int32_t(i);
  return inv;
}

TEST(ActOrder, GroupOrderIsAStableSortOfGIdx) {
  EXPECT_EQ(groupOrder({1, 0, 1, 0, 2, 2}),
            (std::vector<int32_t>{1, 3, 0, 2, 4, 5}));
  EXPECT_TRUE(isIdentity(groupOrder({0, 0, 1, 1})));
  EXPECT_FALSE(isIdentity({1, 0}));
}

TEST(ActOrder, FoldRoundTripsExactly) {
  const int64_t rows = 8, cols = 96, group = 32;
  UnpackedWeight w = scatteredWeight(rows, cols, group, 1);
  std::vector<int32_t> perm;
  Result<UnpackedWeight> folded = foldActOrder(w, perm);
  ASSERT_TRUE(folded.ok()) << folded.message();
  EXPECT_TRUE(folded->gIdx.empty());
  EXPECT_FALSE(isIdentity(perm));
  // Groups are contiguous: column j is in group j / group.
  for (int64_t j = 0; j < cols; ++j)
    EXPECT_EQ(w.gIdx[perm[j]], j / group);
  // dequantize(folded)[:, inverse(perm)] == dequantize(original), bit for bit.
  std::vector<float> original = w.dequantize(), got = folded->dequantize();
  std::vector<int32_t> inv = inverse(perm);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      ASSERT_EQ(got[r * cols + inv[c]], original[r * cols + c])
          << "row " << r << " column " << c;
  // And the layer: x W^T == x[perm] W_folded^T (in double, different order
  // of summation only).
  std::vector<float> x = randomNormal(cols, 7);
  std::vector<float> xp = permuteVector(x, perm);
  for (int64_t r = 0; r < rows; ++r) {
    double y = 0, yp = 0, norm = 0;
    for (int64_t c = 0; c < cols; ++c) {
      y += double(x[c]) * original[r * cols + c];
      yp += double(xp[c]) * got[r * cols + c];
      norm += std::abs(double(x[c]) * original[r * cols + c]);
    }
    EXPECT_NEAR(y, yp, 1e-12 * norm);
  }
}

TEST(ActOrder, GPTQActOrderOutputFolds) {
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
  std::vector<int32_t> perm;
  Result<UnpackedWeight> folded = foldActOrder(*q, perm);
  ASSERT_TRUE(folded.ok()) << folded.message();
  std::vector<float> original = q->dequantize(), got = folded->dequantize();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j)
      ASSERT_EQ(got[r * cols + j], original[r * cols + perm[j]]);

  // Static groups keep column groups: the fold is the identity.
  options.staticGroups = true;
  q = quantizeGPTQ(w.data(), rows, cols, h.data(), options);
  ASSERT_TRUE(q.ok()) << q.message();
  folded = foldActOrder(*q, perm);
  ASSERT_TRUE(folded.ok()) << folded.message();
  EXPECT_TRUE(isIdentity(perm));
  EXPECT_EQ(folded->dequantize(), q->dequantize());
}

TEST(ActOrder, UnequalGroupsDoNotFold) {
  UnpackedWeight w = scatteredWeight(2, 64, 32, 5);
  std::fill(w.gIdx.begin(), w.gIdx.begin() + 40, 0); // group 0: > 32 columns
  std::vector<int32_t> perm;
  Result<UnpackedWeight> folded = foldActOrder(w, perm);
  ASSERT_FALSE(folded.ok());
  EXPECT_NE(folded.message().find("exactly 32 columns"), std::string::npos)
      << folded.message();
  w.gIdx.clear();
  EXPECT_FALSE(foldActOrder(w, perm).ok());
}

TEST(ActOrder, PermutedRowsPermuteTheOutput) {
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
  EXPECT_FALSE(permuteRows(w, {0, 1}).ok());
  perm[0] = int32_t(rows);
  EXPECT_FALSE(permuteRows(w, perm).ok());
}

TEST(ActOrder, CanonicalLayoutKeepsGIdx) {
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
