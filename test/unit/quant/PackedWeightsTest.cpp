//===- PackedWeightsTest.cpp - GPTQ and AWQ layouts -----------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/quant/PackedWeights.h"

#include "runtime/support/Float16.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

using namespace qf;
using namespace qf::quant;

namespace {

/// A random weight; scales are exact halves so that packing loses nothing.
UnpackedWeight randomWeight(int64_t rows, int64_t cols, int bits,
                            int64_t groupSize, bool actOrder, unsigned seed) {
  std::mt19937 rng(seed);
  UnpackedWeight w;
  w.rows = rows, w.cols = cols, w.bits = bits, w.groupSize = groupSize;
  int maxq = (1 << bits) - 1;
  w.q.resize(rows * cols);
  for (uint8_t &q : w.q)
    q = uint8_t(rng() % (maxq + 1));
  w.scales.resize(rows * w.numGroups());
  for (float &s : w.scales)
    s = halfToFloat(floatToHalf(0.001f + float(rng() % 1000) / 1e4f));
  w.zeros.resize(rows * w.numGroups());
  for (uint8_t &z : w.zeros)
    z = uint8_t(rng() % (maxq + 1));
  if (actOrder) {
    // GPTQ desc_act: groups follow a permutation of the columns.
    std::vector<int32_t> perm(cols);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    w.gIdx.resize(cols);
    for (int64_t i = 0; i < cols; ++i)
      w.gIdx[perm[i]] = int32_t(i / groupSize);
  }
  return w;
}

void expectSame(const UnpackedWeight &a, const UnpackedWeight &b) {
  EXPECT_EQ(a.q, b.q);
  EXPECT_EQ(a.zeros, b.zeros);
  EXPECT_EQ(a.scales, b.scales);
  EXPECT_EQ(a.gIdx.empty() ? std::vector<int32_t>() : a.gIdx,
            b.gIdx.empty() ? std::vector<int32_t>() : b.gIdx);
  EXPECT_EQ(a.dequantize(), b.dequantize());
}

TEST(GPTQ, EveryWidthAndVersionRoundTrips) {
  for (int bits : {2, 3, 4, 8})
    for (bool v2 : {false, true})
      for (bool actOrder : {false, true}) {
        SCOPED_TRACE(testing::Message() << bits << " bits, v2=" << v2
                                        << ", act_order=" << actOrder);
        UnpackedWeight w = randomWeight(64, 256, bits, 64, actOrder, bits);
        Result<GPTQTensors> packed = packGPTQ(w, v2);
        ASSERT_TRUE(packed.ok()) << packed.message();
        EXPECT_EQ(packed->qweight.size(), size_t(256 * bits / 32 * 64));
        Result<UnpackedWeight> back = unpackGPTQ(
            *packed, 64, 256, bits, 64, v2);
        ASSERT_TRUE(back.ok()) << back.message();
        if (!actOrder)
          back->gIdx.clear(); // the plain g_idx is c / group_size
        expectSame(w, *back);
      }
}

TEST(GPTQ, KnownWordsOfA4BitLayer) {
  // 8 rows x 8 cols, one group: q[r][c] = (r + c) % 16, zero 0 for row 0.
  UnpackedWeight w;
  w.rows = 8, w.cols = 8, w.bits = 4, w.groupSize = 8;
  for (int r = 0; r < 8; ++r)
    for (int c = 0; c < 8; ++c)
      w.q.push_back(uint8_t((r + c) % 16));
  w.scales.assign(8, 0.5f);
  w.zeros = {0, 1, 2, 3, 4, 5, 6, 7};
  Result<GPTQTensors> v1 = packGPTQ(w, /*v2=*/false);
  ASSERT_TRUE(v1.ok());
  // qweight is [cols*4/32 = 1, rows]: row 0's values 0..7 as nibbles.
  EXPECT_EQ(uint32_t(v1->qweight[0]), 0x76543210u);
  EXPECT_EQ(uint32_t(v1->qweight[1]), 0x87654321u);
  // v1 stores zero - 1, wrapping: zero 0 becomes 15.
  EXPECT_EQ(uint32_t(v1->qzeros[0]), 0x6543210Fu);
  Result<GPTQTensors> v2 = packGPTQ(w, /*v2=*/true);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(uint32_t(v2->qzeros[0]), 0x76543210u);
  EXPECT_EQ(v2->scales[0], 0x3800); // 0.5 in f16
  Result<UnpackedWeight> back = unpackGPTQ(*v1, 8, 8, 4, 8, false);
  ASSERT_TRUE(back.ok());
  EXPECT_FLOAT_EQ(back->at(1, 2), 0.5f * (3 - 1));
}

TEST(GPTQ, ThreeBitValuesStraddleWords) {
  // Value 10 of a 3-bit stream uses bits 30..32: two words.
  UnpackedWeight w;
  w.rows = 32, w.cols = 32, w.bits = 3, w.groupSize = 32;
  w.q.assign(32 * 32, 0);
  w.q[10] = 0b111; // row 0, col 10
  w.scales.assign(32, 1.0f);
  w.zeros.assign(32, 0);
  Result<GPTQTensors> packed = packGPTQ(w, /*v2=*/true);
  ASSERT_TRUE(packed.ok());
  EXPECT_EQ(uint32_t(packed->qweight[0 * 32 + 0]), 0xC0000000u);
  EXPECT_EQ(uint32_t(packed->qweight[1 * 32 + 0]), 0x1u);
}

TEST(GPTQ, BadGroupIndexIsAnError) {
  UnpackedWeight w = randomWeight(32, 64, 4, 32, true, 3);
  Result<GPTQTensors> packed = packGPTQ(w, true);
  ASSERT_TRUE(packed.ok());
  packed->gIdx[5] = 2; // only groups 0 and 1 exist
  Result<UnpackedWeight> back = unpackGPTQ(*packed, 32, 64, 4, 32, true);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.message(), "g_idx[5] = 2 is not a group (2 groups)");
}

TEST(GPTQ, MismatchedTensorsAreAnError) {
  UnpackedWeight w = randomWeight(32, 64, 4, 32, false, 4);
  Result<GPTQTensors> packed = packGPTQ(w, true);
  ASSERT_TRUE(packed.ok());
  packed->scales.pop_back();
  EXPECT_FALSE(unpackGPTQ(*packed, 32, 64, 4, 32, true).ok());
}

TEST(AWQ, RoundTripAndInterleavedOrder) {
  UnpackedWeight w = randomWeight(64, 256, 4, 128, false, 11);
  Result<AWQTensors> packed = packAWQ(w);
  ASSERT_TRUE(packed.ok()) << packed.message();
  Result<UnpackedWeight> back = unpackAWQ(*packed, 64, 256, 128);
  ASSERT_TRUE(back.ok()) << back.message();
  expectSame(w, *back);

  // Output channels 0..7 holding values 0..7 land in nibble order
  // 0 2 4 6 1 3 5 7.
  UnpackedWeight known;
  known.rows = 8, known.cols = 1, known.bits = 4, known.groupSize = 1;
  known.q = {0, 1, 2, 3, 4, 5, 6, 7};
  known.scales.assign(8, 1.0f);
  known.zeros.assign(8, 0);
  Result<AWQTensors> word = packAWQ(known);
  ASSERT_TRUE(word.ok());
  EXPECT_EQ(uint32_t(word->qweight[0]), 0x75316420u);
}

TEST(AWQ, RejectsActOrderAndOtherWidths) {
  EXPECT_FALSE(packAWQ(randomWeight(64, 256, 4, 128, true, 1)).ok());
  EXPECT_FALSE(packAWQ(randomWeight(64, 256, 3, 128, false, 1)).ok());
}

} // namespace

TEST(ActOrder, SortingColumnsByGroupKeepsTheProduct) {
  UnpackedWeight w = randomWeight(6, 512, 4, 128, /*actOrder=*/true, 31);
  auto sorted = sortColumnsByGroup(w);
  ASSERT_TRUE(sorted.ok()) << sorted.message();
  const UnpackedWeight &s = sorted->weight;
  EXPECT_TRUE(s.gIdx.empty());
  // Every element moved exactly: column j is original column perm[j], and
  // it sits in group j / groupSize.
  for (int64_t r = 0; r < w.rows; ++r)
    for (int64_t j = 0; j < w.cols; ++j)
      ASSERT_EQ(s.at(r, j), w.at(r, sorted->perm[j])) << r << "," << j;
  // W' x[perm] = W x, in double against the original weight.
  std::mt19937 rng(5);
  std::normal_distribution<double> normal;
  std::vector<double> x(size_t(w.cols));
  for (double &v : x)
    v = normal(rng);
  std::vector<float> orig = w.dequantize(), perm = s.dequantize();
  for (int64_t r = 0; r < w.rows; ++r) {
    double want = 0, got = 0;
    for (int64_t c = 0; c < w.cols; ++c) {
      want += double(orig[r * w.cols + c]) * x[c];
      got += double(perm[r * w.cols + c]) * x[sorted->perm[c]];
    }
    EXPECT_NEAR(got, want, 1e-9 * (1 + std::abs(want)));
  }
  // The permutation is a stable sort: ascending original index per group.
  for (int64_t j = 1; j < w.cols; ++j)
    if (j % w.groupSize)
      EXPECT_LT(sorted->perm[j - 1], sorted->perm[j]);
}

TEST(ActOrder, WithoutActOrderThePermutationIsTheIdentity) {
  UnpackedWeight w = randomWeight(3, 256, 4, 128, /*actOrder=*/false, 7);
  auto sorted = sortColumnsByGroup(w);
  ASSERT_TRUE(sorted.ok()) << sorted.message();
  for (int64_t j = 0; j < w.cols; ++j)
    EXPECT_EQ(sorted->perm[j], j);
  expectSame(sorted->weight, w);
}

TEST(ActOrder, UnevenGroupsAreAnError) {
  UnpackedWeight w = randomWeight(2, 256, 4, 128, /*actOrder=*/true, 9);
  for (int32_t &g : w.gIdx)
    if (g == 1) {
      g = 0; // group 0 now has 129 columns, group 1 127
      break;
    }
  auto sorted = sortColumnsByGroup(w);
  ASSERT_FALSE(sorted.ok());
  EXPECT_EQ(sorted.message(), "act-order group 0 has 129 columns, expected 128");
}
