//===- AWQTest.cpp - AWQ scale and clip searches --------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/quant/AWQ.h"
#include "runtime/quant/RTN.h"

#include "test/unit/quant/RandomData.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace qf;
using namespace qf::quant;

namespace {

using qf::quant::testing::randomNormal;

/// Inputs [tokens, cols] where a few channels are 20x larger, as the
/// activation outliers of LLMs.
std::vector<float> inputsWithOutliers(int64_t tokens, int64_t cols,
                                      unsigned seed) {
  std::vector<float> x = randomNormal(tokens * cols, seed);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t c : {5, 37, 70, 101})
      x[t * cols + c] *= 20.0f;
  return x;
}

/// RTN of W diag(s), divided back by s: Q(W s) / s in float.
std::vector<float> scaledQuantized(const std::vector<float> &w, int64_t rows,
                                   int64_t cols, const std::vector<float> &s,
                                   int64_t groupSize) {
  std::vector<float> ws(w);
  for (int64_t i = 0; i < rows * cols; ++i)
    ws[i] *= s[i % cols];
  Result<UnpackedWeight> q =
      quantizeRTN(ws.data(), rows, cols, 4, groupSize, false);
  EXPECT_TRUE(q.ok()) << q.message();
  std::vector<float> back = q->dequantize();
  for (int64_t i = 0; i < rows * cols; ++i)
    back[i] /= s[i % cols];
  return back;
}

/// mean over tokens and rows of (x . (w_r - q_r))^2 over columns
/// [c0, c0 + count), in double, straight from the outputs.
double outputError(const std::vector<float> &x, int64_t tokens,
                   const std::vector<float> &w, const std::vector<float> &q,
                   int64_t rows, int64_t cols, int64_t c0, int64_t count) {
  double total = 0.0;
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t r = 0; r < rows; ++r) {
      double out = 0.0;
      for (int64_t c = c0; c < c0 + count; ++c)
        out += double(x[t * cols + c]) *
               (double(w[r * cols + c]) - double(q[r * cols + c]));
      total += out * out;
    }
  return total / double(tokens * rows);
}

TEST(AWQSearch, FoldKeepsTheFloatFunction) {
  const int64_t tokens = 16, cols = 64, rows = 24;
  std::vector<float> x = randomNormal(tokens * cols, 1);
  std::vector<float> norm = randomNormal(cols, 2);
  std::vector<float> q = randomNormal(rows * cols, 3);
  std::vector<float> k = randomNormal(rows * cols, 4);
  std::vector<float> s(cols);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> uniform(0.05f, 20.0f);
  for (float &v : s)
    v = uniform(rng);

  // y = W (rmsnorm(x) * g), in float.
  auto forward = [&](const std::vector<float> &g, const std::vector<float> &w) {
    std::vector<float> y(tokens * rows);
    for (int64_t t = 0; t < tokens; ++t) {
      float ms = 0.0f;
      for (int64_t c = 0; c < cols; ++c)
        ms += x[t * cols + c] * x[t * cols + c];
      float inv = 1.0f / std::sqrt(ms / float(cols) + 1e-6f);
      for (int64_t r = 0; r < rows; ++r) {
        float sum = 0.0f;
        for (int64_t c = 0; c < cols; ++c)
          sum += w[r * cols + c] * (x[t * cols + c] * inv * g[c]);
        y[t * rows + r] = sum;
      }
    }
    return y;
  };
  std::vector<float> before = forward(norm, q), beforeK = forward(norm, k);
  ASSERT_TRUE(
      foldScales(s, norm.data(), {{q.data(), rows}, {k.data(), rows}}).ok());
  for (auto [was, w] : {std::pair(&before, &q), std::pair(&beforeK, &k)}) {
    std::vector<float> after = forward(norm, *w);
    double diff = 0.0, size = 0.0;
    for (int64_t i = 0; i < tokens * rows; ++i) {
      diff += std::pow(double(after[i]) - double((*was)[i]), 2);
      size += std::pow(double((*was)[i]), 2);
    }
    EXPECT_LT(std::sqrt(diff / size), 1e-6);
    EXPECT_NE(after, *was) << "the fold did nothing";
  }
  Status bad = foldScales({1.0f, 0.0f}, norm.data(), {});
  EXPECT_EQ(bad.message(),
            "AWQ fold: scale 0.000000 is not positive and finite");
}

TEST(AWQSearch, EqualChannelStatisticsGiveUnitScales) {
  // Every channel has mean |x| = 1.5: s = 1.5^alpha is the same constant c
  // for every channel and c / sqrt(c * c) = 1 exactly, so every alpha gives
  // the unscaled loss and the first, alpha = 0, wins.
  const int64_t tokens = 64, cols = 128, rows = 16;
  std::mt19937 rng(6);
  std::vector<float> x(tokens * cols);
  for (float &v : x)
    v = (rng() & 1) ? 1.5f : -1.5f;
  std::vector<float> w = randomNormal(rows * cols, 7);
  AWQOptions options;
  options.groupSize = 32;
  Result<AWQScaleSearch> search =
      searchScales({{w.data(), rows}}, cols, x.data(), tokens, options);
  ASSERT_TRUE(search.ok()) << search.message();
  EXPECT_EQ(search->alpha, 0.0f);
  EXPECT_EQ(search->scales, std::vector<float>(cols, 1.0f));
  ASSERT_EQ(search->losses.size(), 20u);
  for (double loss : search->losses)
    EXPECT_EQ(loss, search->losses[0]);
}

TEST(AWQSearch, ScalesProtectOutlierChannels) {
  const int64_t tokens = 256, cols = 128, groupSize = 32;
  std::vector<float> x = inputsWithOutliers(tokens, cols, 8);
  // Two linears on the same input, as gate and up.
  std::vector<float> gate = randomNormal(32 * cols, 9);
  std::vector<float> up = randomNormal(16 * cols, 10);
  AWQOptions options;
  options.groupSize = groupSize;
  Result<AWQScaleSearch> search = searchScales(
      {{gate.data(), 32}, {up.data(), 16}}, cols, x.data(), tokens, options);
  ASSERT_TRUE(search.ok()) << search.message();
  int best = int(std::lround(search->alpha * 20));
  EXPECT_GT(best, 0);
  EXPECT_LT(search->losses[best], 0.8 * search->losses[0]);
  EXPECT_EQ(*std::min_element(search->losses.begin(), search->losses.end()),
            search->losses[best]);

  // The losses are the output errors, computed here from the outputs.
  std::vector<float> ones(cols, 1.0f);
  for (auto [s, loss] : {std::pair(ones, search->losses[0]),
                         std::pair(search->scales, search->losses[best])}) {
    double gateError =
        outputError(x, tokens, gate, scaledQuantized(gate, 32, cols, s, 32), 32,
                    cols, 0, cols);
    double upError = outputError(
        x, tokens, up, scaledQuantized(up, 16, cols, s, 32), 16, cols, 0, cols);
    EXPECT_NEAR(loss, (gateError * 32 + upError * 16) / 48, 1e-9 * loss);
  }
  // The salient channels get the largest scales.
  std::vector<float> sorted(search->scales);
  std::sort(sorted.begin(), sorted.end());
  for (int64_t c : {5, 37, 70, 101})
    EXPECT_GE(search->scales[c], sorted[cols - 4]);
}

TEST(AWQSearch, ClippingNeverIncreasesTheGroupError) {
  const int64_t tokens = 200, cols = 128, rows = 24, groupSize = 32;
  std::vector<float> x = randomNormal(tokens * cols, 11);
  // Heavy-tailed weights: a few large values stretch their groups' range.
  std::vector<float> w = randomNormal(rows * cols, 12);
  std::mt19937 rng(13);
  for (int i = 0; i < 40; ++i)
    w[rng() % (rows * cols)] *= 6.0f;
  AWQOptions options;
  options.groupSize = groupSize;
  Result<AWQClipSearch> clip =
      searchClip(w.data(), rows, cols, x.data(), tokens, options);
  ASSERT_TRUE(clip.ok()) << clip.message();

  std::vector<float> clipped(w);
  ASSERT_TRUE(
      applyClip(clipped.data(), rows, cols, groupSize, clip->maxValues).ok());
  Result<UnpackedWeight> plain =
      quantizeRTN(w.data(), rows, cols, 4, groupSize, false);
  Result<UnpackedWeight> afterClip =
      quantizeRTN(clipped.data(), rows, cols, 4, groupSize, false);
  ASSERT_TRUE(plain.ok() && afterClip.ok());
  std::vector<float> q = plain->dequantize(), qc = afterClip->dequantize();
  int shrunk = 0;
  const int64_t groups = cols / groupSize;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g = 0; g < groups; ++g) {
      // One row's error over one group's inputs, against the weight as it
      // was before clipping.
      std::vector<float> wr(w.begin() + r * cols, w.begin() + (r + 1) * cols);
      std::vector<float> qr(q.begin() + r * cols, q.begin() + (r + 1) * cols);
      std::vector<float> qcr(qc.begin() + r * cols,
                             qc.begin() + (r + 1) * cols);
      double before =
          outputError(x, tokens, wr, qr, 1, cols, g * groupSize, groupSize);
      double after =
          outputError(x, tokens, wr, qcr, 1, cols, g * groupSize, groupSize);
      EXPECT_LE(after, before) << r << "," << g;
      EXPECT_NEAR(clip->errors[r * groups + g], after, 1e-9 * after);
      EXPECT_NEAR(clip->unclippedErrors[r * groups + g], before, 1e-9 * before);
      float groupMax = 0.0f;
      for (int64_t c = g * groupSize; c < (g + 1) * groupSize; ++c)
        groupMax = std::max(groupMax, std::fabs(wr[c]));
      shrunk += clip->maxValues[r * groups + g] < groupMax;
    }
  EXPECT_GT(shrunk, 0) << "no group was clipped";
}

TEST(AWQSearch, RejectsBadInput) {
  std::vector<float> w(8 * 48, 1.0f), x(4 * 48, 1.0f);
  AWQOptions options;
  Result<AWQScaleSearch> search =
      searchScales({{w.data(), 8}}, 48, x.data(), 4, options);
  ASSERT_FALSE(search.ok());
  EXPECT_EQ(search.message(),
            "AWQ scale search: groups of 128 cannot split 48 columns");
  options.groupSize = 16;
  options.maxShrink = 1.0;
  Result<AWQClipSearch> clip =
      searchClip(w.data(), 8, 48, x.data(), 4, options);
  ASSERT_FALSE(clip.ok());
  EXPECT_EQ(clip.message(),
            "AWQ clip search: a grid of 20 with max shrink 1.000000");
  Status status = applyClip(w.data(), 8, 48, 16, std::vector<float>(5, 1.0f));
  EXPECT_EQ(status.message(),
            "AWQ clip: 5 max values for a 8x48 weight in groups of 16");
}

} // namespace
