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

/// What calibration records of X [tokens, cols]: mean |x| and H = X^T X /
/// tokens, in double.
struct Statistics {
  std::vector<float> absMean;
  std::vector<double> hessian;
  InputStatistics view() const { return {absMean.data(), hessian.data()}; }
};

Statistics statisticsOf(const std::vector<float> &x, int64_t tokens,
                        int64_t cols) {
  Statistics stats{std::vector<float>(cols),
                   std::vector<double>(cols * cols, 0.0)};
  for (int64_t c = 0; c < cols; ++c) {
    double sum = 0.0;
    for (int64_t t = 0; t < tokens; ++t)
      sum += std::fabs(double(x[t * cols + c]));
    stats.absMean[c] = float(sum / double(tokens));
  }
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t i = 0; i < cols; ++i)
      for (int64_t j = 0; j < cols; ++j)
        stats.hessian[i * cols + j] +=
            double(x[t * cols + i]) * double(x[t * cols + j]) / double(tokens);
  return stats;
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

/// Sum over tokens and rows of (x . (w_r - q_r))^2 over columns
/// [c0, c0 + count), in double, straight from the outputs, divided by
/// tokens.
double outputErrorOfX(const std::vector<float> &x, int64_t tokens,
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
  return total / double(tokens);
}

std::vector<double> toDouble(const std::vector<float> &v) {
  return std::vector<double>(v.begin(), v.end());
}

/// A Llama decoder block in float64 on `tokens` tokens of `dim` channels:
/// attention (multi-head, causal) and the SwiGLU MLP, each after an RMSNorm,
/// with residuals.
struct Block {
  int64_t dim, heads, hidden;
  std::vector<double> norm1, q, k, v, o, norm2, gate, up, down;

  static std::vector<double> rmsNorm(const std::vector<double> &x,
                                     int64_t tokens, int64_t dim,
                                     const std::vector<double> &g) {
    std::vector<double> y(x.size());
    for (int64_t t = 0; t < tokens; ++t) {
      double ms = 0.0;
      for (int64_t c = 0; c < dim; ++c)
        ms += x[t * dim + c] * x[t * dim + c];
      double inv = 1.0 / std::sqrt(ms / double(dim) + 1e-5);
      for (int64_t c = 0; c < dim; ++c)
        y[t * dim + c] = x[t * dim + c] * inv * g[c];
    }
    return y;
  }
  /// x [tokens, in] W^T, W [out, in].
  static std::vector<double> linear(const std::vector<double> &x,
                                    int64_t tokens, int64_t in,
                                    const std::vector<double> &w) {
    int64_t out = int64_t(w.size()) / in;
    std::vector<double> y(tokens * out, 0.0);
    for (int64_t t = 0; t < tokens; ++t)
      for (int64_t r = 0; r < out; ++r)
        for (int64_t c = 0; c < in; ++c)
          y[t * out + r] += x[t * in + c] * w[r * in + c];
    return y;
  }

  std::vector<double> forward(const std::vector<double> &x,
                              int64_t tokens) const {
    const int64_t headDim = dim / heads;
    std::vector<double> h = rmsNorm(x, tokens, dim, norm1);
    std::vector<double> qs = linear(h, tokens, dim, q),
                        ks = linear(h, tokens, dim, k),
                        vs = linear(h, tokens, dim, v);
    std::vector<double> att(tokens * dim, 0.0);
    for (int64_t hd = 0; hd < heads; ++hd)
      for (int64_t t = 0; t < tokens; ++t) {
        std::vector<double> p(t + 1);
        double top = -1e300, sum = 0.0;
        for (int64_t u = 0; u <= t; ++u) {
          p[u] = 0.0;
          for (int64_t e = 0; e < headDim; ++e)
            p[u] += qs[t * dim + hd * headDim + e] *
                    ks[u * dim + hd * headDim + e];
          p[u] /= std::sqrt(double(headDim));
          top = std::max(top, p[u]);
        }
        for (double &e : p)
          sum += (e = std::exp(e - top));
        for (int64_t u = 0; u <= t; ++u)
          for (int64_t e = 0; e < headDim; ++e)
            att[t * dim + hd * headDim + e] +=
                p[u] / sum * vs[u * dim + hd * headDim + e];
      }
    std::vector<double> r = linear(att, tokens, dim, o);
    for (int64_t i = 0; i < tokens * dim; ++i)
      r[i] += x[i];
    std::vector<double> m = rmsNorm(r, tokens, dim, norm2);
    std::vector<double> g = linear(m, tokens, dim, gate),
                        u = linear(m, tokens, dim, up);
    for (int64_t i = 0; i < tokens * hidden; ++i)
      g[i] = g[i] / (1.0 + std::exp(-g[i])) * u[i];
    std::vector<double> y = linear(g, tokens, hidden, down);
    for (int64_t i = 0; i < tokens * dim; ++i)
      y[i] += r[i];
    return y;
  }
};

std::vector<float> randomScales(int64_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(0.05f, 20.0f);
  std::vector<float> s(count);
  for (float &v : s)
    v = uniform(rng);
  return s;
}

TEST(AWQFold, EveryFoldKeepsTheBlockFunction) {
  const int64_t tokens = 6, dim = 16, heads = 2, hidden = 24;
  Block block{dim, heads, hidden, {}, {}, {}, {}, {}, {}, {}, {}, {}};
  unsigned seed = 20;
  for (std::vector<double> *w :
       {&block.q, &block.k, &block.v, &block.o, &block.gate, &block.up})
    *w = toDouble(randomNormal((w == &block.gate || w == &block.up ? hidden
                                                                   : dim) *
                                   dim,
                               seed++, 0.3f));
  block.down = toDouble(randomNormal(dim * hidden, seed++, 0.3f));
  block.norm1 = toDouble(randomNormal(dim, seed++));
  block.norm2 = toDouble(randomNormal(dim, seed++));
  std::vector<double> x = toDouble(randomNormal(tokens * dim, seed++));
  const std::vector<double> before = block.forward(x, tokens);
  const Block original = block;

  // The four folds AWQ makes: input norm into q/k/v, v into o (heads ==
  // kv heads), post-attention norm into gate/up, up into down.
  std::vector<float> s1 = randomScales(dim, 1), s2 = randomScales(dim, 2),
                     s3 = randomScales(dim, 3), s4 = randomScales(hidden, 4);
  ASSERT_TRUE(foldScales<double>(s1, block.norm1.data(), 1,
                                 {{block.q.data(), dim},
                                  {block.k.data(), dim},
                                  {block.v.data(), dim}})
                  .ok());
  ASSERT_TRUE(
      foldScales<double>(s2, block.v.data(), dim, {{block.o.data(), dim}})
          .ok());
  ASSERT_TRUE(foldScales<double>(s3, block.norm2.data(), 1,
                                 {{block.gate.data(), hidden},
                                  {block.up.data(), hidden}})
                  .ok());
  ASSERT_TRUE(foldScales<double>(s4, block.up.data(), dim,
                                 {{block.down.data(), dim}})
                  .ok());
  EXPECT_NE(block.v, original.v) << "the folds did nothing";
  EXPECT_NE(block.down, original.down);

  std::vector<double> after = block.forward(x, tokens);
  double diff = 0.0, size = 0.0;
  for (int64_t i = 0; i < tokens * dim; ++i) {
    diff += std::pow(after[i] - before[i], 2);
    size += std::pow(before[i], 2);
  }
  // Float64 rounding of scales up to 400x apart.
  EXPECT_LT(std::sqrt(diff / size), 1e-13);

  // A fold into the gate would not be exact: silu is not linear.
  Block wrong = original;
  ASSERT_TRUE(foldScales<double>(s4, wrong.gate.data(), dim,
                                 {{wrong.down.data(), dim}})
                  .ok());
  std::vector<double> broken = wrong.forward(x, tokens);
  diff = 0.0;
  for (int64_t i = 0; i < tokens * dim; ++i)
    diff += std::pow(broken[i] - before[i], 2);
  EXPECT_GT(std::sqrt(diff / size), 1e-3) << "the test cannot fail";

  std::vector<float> norm(2, 1.0f);
  Status bad = foldScales<float>({1.0f, 0.0f}, norm.data(), 1, {});
  EXPECT_EQ(bad.message(),
            "AWQ fold: scale 0.000000 is not positive and finite");
}

TEST(AWQError, HessianFormIsTheOutputError) {
  const int64_t tokens = 300, cols = 64, rows = 700;
  std::vector<float> x = inputsWithOutliers(tokens, 128, 30);
  x.resize(tokens * cols);
  std::vector<float> a = randomNormal(rows * cols, 31),
                     b = randomNormal(rows * cols, 32);
  Statistics stats = statisticsOf(x, tokens, cols);
  double fromH = outputError(a.data(), b.data(), rows, cols,
                             stats.hessian.data());
  double direct = outputErrorOfX(x, tokens, a, b, rows, cols, 0, cols);
  EXPECT_NEAR(fromH, direct, 1e-10 * direct);
  EXPECT_EQ(outputError(a.data(), a.data(), rows, cols, stats.hessian.data()),
            0.0);
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
  Statistics stats = statisticsOf(x, tokens, cols);
  Result<AWQScaleSearch> search =
      searchScales({{w.data(), rows}}, cols, stats.view(), options);
  ASSERT_TRUE(search.ok()) << search.message();
  EXPECT_EQ(search->alpha, 0.0f);
  EXPECT_EQ(search->scales, std::vector<float>(cols, 1.0f));
  ASSERT_EQ(search->losses.size(), 20u);
  for (double loss : search->losses)
    EXPECT_EQ(loss, search->losses[0]);
}

TEST(AWQSearch, GridPicksTheBestAlphaAndProtectsOutliers) {
  const int64_t tokens = 256, cols = 128, groupSize = 32;
  std::vector<float> x = inputsWithOutliers(tokens, cols, 8);
  // Two linears on the same input, as gate and up.
  std::vector<float> gate = randomNormal(32 * cols, 9);
  std::vector<float> up = randomNormal(16 * cols, 10);
  AWQOptions options;
  options.groupSize = groupSize;
  Statistics stats = statisticsOf(x, tokens, cols);
  Result<AWQScaleSearch> search = searchScales(
      {{gate.data(), 32}, {up.data(), 16}}, cols, stats.view(), options);
  ASSERT_TRUE(search.ok()) << search.message();

  // Every grid point's loss is the output error, computed here from the
  // outputs, and the search keeps the least.
  int best = 0;
  double bestError = 0.0;
  for (int i = 0; i < options.grid; ++i) {
    std::vector<float> s =
        scalesForAlpha(stats.absMean.data(), cols, float(i) / 20);
    double error =
        (outputErrorOfX(x, tokens, gate, scaledQuantized(gate, 32, cols, s, 32),
                        32, cols, 0, cols) +
         outputErrorOfX(x, tokens, up, scaledQuantized(up, 16, cols, s, 32), 16,
                        cols, 0, cols)) /
        48;
    EXPECT_NEAR(search->losses[i], error, 1e-9 * error) << i;
    if (i == 0 || error < bestError)
      best = i, bestError = error;
  }
  EXPECT_EQ(search->alpha, float(best) / 20);
  EXPECT_EQ(search->scales,
            scalesForAlpha(stats.absMean.data(), cols, float(best) / 20));
  EXPECT_GT(best, 0);
  EXPECT_LT(search->losses[best], 0.8 * search->losses[0]);

  // The salient channels get the largest scales.
  std::vector<float> sorted(search->scales);
  std::sort(sorted.begin(), sorted.end());
  for (int64_t c : {5, 37, 70, 101})
    EXPECT_GE(search->scales[c], sorted[cols - 4]);
  // AutoAWQ's normalization: max * min = 1.
  EXPECT_NEAR(sorted.front() * sorted.back(), 1.0f, 1e-5f);
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
  Statistics stats = statisticsOf(x, tokens, cols);
  Result<AWQClipSearch> clip =
      searchClip(w.data(), rows, cols, stats.hessian.data(), options);
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
          outputErrorOfX(x, tokens, wr, qr, 1, cols, g * groupSize, groupSize);
      double after =
          outputErrorOfX(x, tokens, wr, qcr, 1, cols, g * groupSize, groupSize);
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

// The block-sequential driver folds a group's scales into the rows of a
// producer that is already quantized by dividing its scales; that equals
// quantizing the divided rows because RTN and the clip search are
// invariant to a positive row scale. With powers of two the float
// arithmetic is exact, so the integers and scales must agree bit for bit.
TEST(AWQClipAndQuantize, RowScalesCommuteWithClipAndRTN) {
  const int64_t tokens = 200, cols = 128, rows = 16, groupSize = 32;
  std::vector<float> x = inputsWithOutliers(tokens, cols, 21);
  std::vector<float> w = randomNormal(rows * cols, 22);
  Statistics stats = statisticsOf(x, tokens, cols);
  std::vector<float> rowScale(rows), divided(w);
  for (int64_t r = 0; r < rows; ++r) {
    rowScale[r] = std::ldexp(1.0f, int(r % 7) - 3);
    for (int64_t c = 0; c < cols; ++c)
      divided[r * cols + c] /= rowScale[r];
  }
  AWQOptions options;
  options.groupSize = groupSize;
  auto plain = clipAndQuantize(w.data(), rows, cols, stats.hessian.data(),
                               /*clip=*/true, options);
  auto scaled = clipAndQuantize(divided.data(), rows, cols,
                                stats.hessian.data(), /*clip=*/true, options);
  ASSERT_TRUE(plain.ok() && scaled.ok());
  ASSERT_TRUE(plain->clip && scaled->clip);
  EXPECT_LT(*plain->clip, 1.0) << "nothing was clipped";
  EXPECT_EQ(*plain->clip, *scaled->clip);
  EXPECT_EQ(plain->weight.q, scaled->weight.q);
  EXPECT_EQ(plain->weight.zeros, scaled->weight.zeros);
  const int64_t groups = cols / groupSize;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g = 0; g < groups; ++g)
      EXPECT_EQ(plain->weight.scales[r * groups + g] / rowScale[r],
                scaled->weight.scales[r * groups + g]);

  // scaleHessian is the Hessian of x / s (the reference divides in float32:
  // a tolerance relative to the Cauchy-Schwarz bound sqrt(H_ii H_jj)).
  std::vector<float> s(cols), xs(x);
  for (int64_t c = 0; c < cols; ++c)
    s[c] = 0.5f + float(c % 5);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t c = 0; c < cols; ++c)
      xs[t * cols + c] /= s[c];
  std::vector<double> want = statisticsOf(xs, tokens, cols).hessian;
  std::vector<double> got = scaleHessian(stats.hessian.data(), s);
  for (int64_t i = 0; i < cols; ++i)
    for (int64_t j = 0; j < cols; ++j)
      EXPECT_NEAR(got[i * cols + j], want[i * cols + j],
                  1e-6 * std::sqrt(want[i * cols + i] * want[j * cols + j]))
          << i << "," << j;
}

TEST(AWQSearch, RejectsBadInput) {
  std::vector<float> w(8 * 48, 1.0f), mean(48, 1.0f);
  std::vector<double> h(48 * 48, 1.0);
  AWQOptions options;
  Result<AWQScaleSearch> search =
      searchScales({{w.data(), 8}}, 48, {mean.data(), h.data()}, options);
  ASSERT_FALSE(search.ok());
  EXPECT_EQ(search.message(),
            "AWQ scale search: groups of 128 cannot split 48 columns");
  options.groupSize = 16;
  options.maxShrink = 1.0;
  Result<AWQClipSearch> clip = searchClip(w.data(), 8, 48, h.data(), options);
  ASSERT_FALSE(clip.ok());
  EXPECT_EQ(clip.message(),
            "AWQ clip search: a clip grid of 20 with max shrink 1.000000");
  Status status = applyClip(w.data(), 8, 48, 16, std::vector<float>(5, 1.0f));
  EXPECT_EQ(status.message(),
            "AWQ clip: 5 max values for a 8x48 weight in groups of 16");
}

} // namespace
