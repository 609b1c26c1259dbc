//===- GPTQTest.cpp - GPTQ and its linear algebra -------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/quant/GPTQ.h"
#include "runtime/quant/LinearAlgebra.h"
#include "runtime/quant/RTN.h"
#include "runtime/support/Float16.h"

#include "test/unit/quant/RandomData.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

using namespace qf;
using namespace qf::quant;

namespace {

using qf::quant::testing::randomNormal;

/// Calibration inputs [tokens, cols] whose channels mix a few latent
/// factors, so that H is far from diagonal, with uneven channel scales.
std::vector<float> correlatedInputs(int64_t tokens, int64_t cols,
                                    unsigned seed) {
  const int64_t latent = std::max<int64_t>(1, cols / 4);
  std::vector<float> z = randomNormal(tokens * latent, seed);
  std::vector<float> mix = randomNormal(latent * cols, seed + 1);
  std::vector<float> noise = randomNormal(tokens * cols, seed + 2, 0.1f);
  std::vector<float> x(tokens * cols);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t c = 0; c < cols; ++c) {
      double sum = 0.0;
      for (int64_t l = 0; l < latent; ++l)
        sum += double(z[t * latent + l]) * mix[l * cols + c];
      x[t * cols + c] =
          float(sum * (1.0 + double(c % 7) / 3.0)) + noise[t * cols + c];
    }
  return x;
}

/// 2 * sum of x x^T, the reference's H for one sequence.
std::vector<double> hessianOf(const std::vector<float> &x, int64_t cols) {
  int64_t tokens = int64_t(x.size()) / cols;
  std::vector<double> h(cols * cols, 0.0);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t i = 0; i < cols; ++i)
      for (int64_t j = 0; j < cols; ++j)
        h[i * cols + j] += 2.0 * x[t * cols + i] * x[t * cols + j];
  return h;
}

/// tr((W - Q) H (W - Q)^T): the output error that GPTQ minimizes.
double outputError(const std::vector<float> &w, const std::vector<float> &q,
                   const std::vector<double> &h, int64_t rows, int64_t cols) {
  double total = 0.0;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < cols; ++i)
      for (int64_t j = 0; j < cols; ++j)
        total += double(w[r * cols + i] - q[r * cols + i]) * h[i * cols + j] *
                 double(w[r * cols + j] - q[r * cols + j]);
  return total;
}

/// GPTQ per channel, asymmetric, without lazy batches, straight from the
/// OBS update in float64: quantize column q, then
///   w_F -= (w_q - quant(w_q)) / [H_F^-1]_qq * [H_F^-1]_q,F
///   H_F^-1 -= [H_F^-1]_:,q [H_F^-1]_q,: / [H_F^-1]_qq   (drop q)
/// with H^-1 from Gauss-Jordan elimination. Returns the dequantized weight
/// and the reference's loss.
std::vector<double> sequentialOBS(const std::vector<float> &w, int64_t rows,
                                  int64_t cols, std::vector<double> h, int bits,
                                  double dampPercent, double &loss) {
  double mean = 0.0;
  for (int64_t i = 0; i < cols; ++i)
    mean += h[i * cols + i] / double(cols);
  for (int64_t i = 0; i < cols; ++i)
    h[i * cols + i] += dampPercent * mean;
  // Gauss-Jordan on [H | I]; H is positive definite, no pivoting needed.
  std::vector<double> inv(cols * cols, 0.0);
  for (int64_t i = 0; i < cols; ++i)
    inv[i * cols + i] = 1.0;
  for (int64_t p = 0; p < cols; ++p) {
    double pivot = h[p * cols + p];
    for (int64_t j = 0; j < cols; ++j)
      h[p * cols + j] /= pivot, inv[p * cols + j] /= pivot;
    for (int64_t i = 0; i < cols; ++i) {
      if (i == p)
        continue;
      double f = h[i * cols + p];
      for (int64_t j = 0; j < cols; ++j) {
        h[i * cols + j] -= f * h[p * cols + j];
        inv[i * cols + j] -= f * inv[p * cols + j];
      }
    }
  }
  const double maxq = double((1 << bits) - 1);
  std::vector<double> scale(rows), zero(rows);
  for (int64_t r = 0; r < rows; ++r) {
    double lo = 0.0, hi = 0.0;
    for (int64_t c = 0; c < cols; ++c)
      lo = std::min<double>(lo, w[r * cols + c]),
      hi = std::max<double>(hi, w[r * cols + c]);
    scale[r] = (hi - lo) / maxq;
    zero[r] = std::nearbyint(-lo / scale[r]);
  }
  std::vector<double> wd(w.begin(), w.end()), q(rows * cols);
  loss = 0.0;
  for (int64_t c = 0; c < cols; ++c) {
    double dqq = inv[c * cols + c];
    for (int64_t r = 0; r < rows; ++r) {
      double x = wd[r * cols + c];
      double level =
          std::clamp(std::nearbyint(x / scale[r]) + zero[r], 0.0, maxq);
      q[r * cols + c] = scale[r] * (level - zero[r]);
      double e = (x - q[r * cols + c]) / dqq;
      loss += (x - q[r * cols + c]) * (x - q[r * cols + c]) / dqq / 2.0;
      for (int64_t j = c + 1; j < cols; ++j)
        wd[r * cols + j] -= e * inv[c * cols + j];
    }
    for (int64_t i = c + 1; i < cols; ++i)
      for (int64_t j = c + 1; j < cols; ++j)
        inv[i * cols + j] -= inv[i * cols + c] * inv[c * cols + j] / dqq;
  }
  return q;
}

UnpackedWeight quantizeOrDie(const std::vector<float> &w, int64_t rows,
                             int64_t cols, const std::vector<double> &h,
                             const GPTQOptions &options,
                             GPTQReport *report = nullptr) {
  Result<UnpackedWeight> q =
      quantizeGPTQ(w.data(), rows, cols, h.data(), options, report);
  EXPECT_TRUE(q.ok()) << q.message();
  return q.ok() ? q.take() : UnpackedWeight();
}

TEST(GPTQAlgorithm, MatchesTheSequentialOBSUpdate) {
  const int64_t rows = 16, cols = 64;
  std::vector<float> w = randomNormal(rows * cols, 1);
  std::vector<double> h = hessianOf(correlatedInputs(256, cols, 2), cols);
  GPTQOptions options;
  options.groupSize = 0;
  options.blockSize = 128;
  GPTQReport report;
  UnpackedWeight q = quantizeOrDie(w, rows, cols, h, options, &report);
  double loss = 0.0;
  std::vector<double> expected = sequentialOBS(w, rows, cols, h, 4, 0.01, loss);
  std::vector<float> got = q.dequantize();
  for (int64_t i = 0; i < rows * cols; ++i)
    ASSERT_NEAR(got[i], expected[i], 1e-5)
        << "at " << i / cols << "," << i % cols;
  EXPECT_NEAR(report.loss, loss, 1e-4 * loss);
  // The updates matter: plain RTN is another matrix.
  Result<UnpackedWeight> rtn =
      quantizeRTN(w.data(), rows, cols, 4, cols, false);
  ASSERT_TRUE(rtn.ok());
  EXPECT_NE(rtn->dequantize(), got);
}

TEST(GPTQAlgorithm, ActOrderMatchesTheSequentialOBSUpdateInThatOrder) {
  // Per channel, act-order only changes the order of the OBS updates: the
  // float64 reference run on W and H permuted by decreasing diag(H).
  const int64_t rows = 16, cols = 64;
  std::vector<float> w = randomNormal(rows * cols, 21);
  std::vector<double> h = hessianOf(correlatedInputs(256, cols, 22), cols);
  for (int64_t i = 0; i < cols; ++i) // spread the diagonal: a real order
    for (int64_t j = 0; j < cols; ++j)
      h[i * cols + j] *= (1.0 + (i * 7) % 13) * (1.0 + (j * 7) % 13);
  std::vector<int64_t> perm(cols);
  std::iota(perm.begin(), perm.end(), 0);
  std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
    return h[a * cols + a] > h[b * cols + b];
  });
  std::vector<float> wp(rows * cols);
  std::vector<double> hp(cols * cols);
  for (int64_t i = 0; i < cols; ++i) {
    for (int64_t r = 0; r < rows; ++r)
      wp[r * cols + i] = w[r * cols + perm[i]];
    for (int64_t j = 0; j < cols; ++j)
      hp[i * cols + j] = h[perm[i] * cols + perm[j]];
  }
  double loss = 0.0;
  std::vector<double> expected = sequentialOBS(wp, rows, cols, hp, 4, 0.01, loss);
  GPTQOptions options;
  options.groupSize = 0;
  options.actOrder = true;
  GPTQReport report;
  UnpackedWeight q = quantizeOrDie(w, rows, cols, h, options, &report);
  std::vector<float> got = q.dequantize();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < cols; ++i)
      ASSERT_NEAR(got[r * cols + perm[i]], expected[r * cols + i],
                  1e-5 * (1.0 + std::abs(expected[r * cols + i])))
          << "at " << r << "," << perm[i];
  EXPECT_NEAR(report.loss, loss, 1e-4 * loss);
}

TEST(GPTQAlgorithm, BeatsRTNOnCorrelatedInputs) {
  const int64_t rows = 32, cols = 128;
  double gptqTotal = 0.0, rtnTotal = 0.0;
  for (unsigned seed = 10; seed < 15; ++seed) {
    std::vector<float> w = randomNormal(rows * cols, seed);
    std::vector<double> h =
        hessianOf(correlatedInputs(512, cols, seed * 7), cols);
    GPTQOptions options;
    options.groupSize = 32;
    double gptq =
        outputError(w, quantizeOrDie(w, rows, cols, h, options).dequantize(), h,
                    rows, cols);
    Result<UnpackedWeight> rtn =
        quantizeRTN(w.data(), rows, cols, 4, 32, false);
    ASSERT_TRUE(rtn.ok());
    double plain = outputError(w, rtn->dequantize(), h, rows, cols);
    EXPECT_LE(gptq, plain) << "seed " << seed;
    gptqTotal += gptq, rtnTotal += plain;
  }
  EXPECT_LT(gptqTotal, 0.5 * rtnTotal);
}

/// diag(H) sorted decreasingly, ties in column order.
std::vector<int64_t> actOrderOf(const std::vector<double> &h, int64_t cols) {
  std::vector<int64_t> perm(cols);
  std::iota(perm.begin(), perm.end(), 0);
  std::sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
    double da = h[a * cols + a], db = h[b * cols + b];
    return da != db ? da > db : a < b;
  });
  return perm;
}

void expectGPTQTensorsRoundTrip(UnpackedWeight q) {
  // AutoGPTQ stores f16 scales: round them first, then nothing is lost.
  for (float &s : q.scales)
    s = halfToFloat(floatToHalf(s));
  for (bool v2 : {false, true}) {
    Result<GPTQTensors> packed = packGPTQ(q, v2);
    ASSERT_TRUE(packed.ok()) << packed.message();
    EXPECT_EQ(packed->gIdx, q.gIdx);
    Result<UnpackedWeight> back =
        unpackGPTQ(*packed, q.rows, q.cols, q.bits, q.groupSize, v2);
    ASSERT_TRUE(back.ok()) << back.message();
    EXPECT_EQ(back->dequantize(), q.dequantize());
  }
}

TEST(GPTQAlgorithm, ActOrderPermutesAndMapsGroups) {
  const int64_t rows = 16, cols = 128, groupSize = 32;
  std::vector<float> w = randomNormal(rows * cols, 3);
  std::vector<double> h = hessianOf(correlatedInputs(256, cols, 4), cols);
  std::vector<int64_t> perm = actOrderOf(h, cols);
  GPTQOptions options;
  options.groupSize = groupSize;
  options.actOrder = true;
  UnpackedWeight q = quantizeOrDie(w, rows, cols, h, options);

  ASSERT_EQ(int64_t(q.gIdx.size()), cols);
  std::vector<int> members(cols / groupSize, 0);
  for (int64_t p = 0; p < cols; ++p) {
    EXPECT_EQ(q.gIdx[perm[p]], p / groupSize) << "column " << perm[p];
    ASSERT_GE(q.gIdx[p], 0);
    ASSERT_LT(q.gIdx[p], cols / groupSize);
    ++members[q.gIdx[p]];
  }
  EXPECT_EQ(members, std::vector<int>(cols / groupSize, groupSize));

  // The same as GPTQ in plain order on W and H permuted by hand.
  std::vector<float> wp(rows * cols);
  std::vector<double> hp(cols * cols);
  for (int64_t i = 0; i < cols; ++i) {
    for (int64_t r = 0; r < rows; ++r)
      wp[r * cols + i] = w[r * cols + perm[i]];
    for (int64_t j = 0; j < cols; ++j)
      hp[i * cols + j] = h[perm[i] * cols + perm[j]];
  }
  options.actOrder = false;
  UnpackedWeight plain = quantizeOrDie(wp, rows, cols, hp, options);
  EXPECT_EQ(plain.scales, q.scales);
  EXPECT_EQ(plain.zeros, q.zeros);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < cols; ++i)
      ASSERT_EQ(plain.q[r * cols + i], q.q[r * cols + perm[i]]);

  expectGPTQTensorsRoundTrip(q);
}

TEST(GPTQAlgorithm, StaticGroupsKeepColumnGroups) {
  const int64_t rows = 16, cols = 128, groupSize = 32;
  std::vector<float> w = randomNormal(rows * cols, 5);
  std::vector<double> h = hessianOf(correlatedInputs(256, cols, 6), cols);
  GPTQOptions options;
  options.groupSize = groupSize;
  options.actOrder = true;
  options.staticGroups = true;
  UnpackedWeight q = quantizeOrDie(w, rows, cols, h, options);
  ASSERT_EQ(int64_t(q.gIdx.size()), cols);
  for (int64_t c = 0; c < cols; ++c)
    EXPECT_EQ(q.gIdx[c], c / groupSize);
  // Static groups are fitted to W before any update: RTN's parameters.
  Result<UnpackedWeight> rtn =
      quantizeRTN(w.data(), rows, cols, 4, groupSize, false);
  ASSERT_TRUE(rtn.ok());
  EXPECT_EQ(q.scales, rtn->scales);
  EXPECT_EQ(q.zeros, rtn->zeros);
  expectGPTQTensorsRoundTrip(q);
}

TEST(GPTQAlgorithm, DeadColumnsQuantizeToZero) {
  const int64_t rows = 16, cols = 64;
  std::vector<float> x = correlatedInputs(128, cols, 7);
  for (int64_t t = 0; t < 128; ++t)
    x[t * cols + 3] = x[t * cols + 40] = 0.0f;
  std::vector<double> h = hessianOf(x, cols);
  std::vector<float> w = randomNormal(rows * cols, 8);
  w[3] = 10.0f;
  // Per channel, the reference fits W before zeroing dead columns: row 0's
  // scale still covers the 10.
  Result<UnpackedWeight> rtn =
      quantizeRTN(w.data(), rows, cols, 4, cols, false);
  ASSERT_TRUE(rtn.ok());
  for (int64_t groupSize : {int64_t(0), int64_t(16)})
    for (bool actOrder : {false, true}) {
      GPTQOptions options;
      options.groupSize = groupSize;
      options.actOrder = actOrder;
      GPTQReport report;
      UnpackedWeight quantized =
          quantizeOrDie(w, rows, cols, h, options, &report);
      if (groupSize == 0)
        EXPECT_EQ(quantized.scales, rtn->scales);
      std::vector<float> q = quantized.dequantize();
      EXPECT_EQ(report.deadColumns, 2);
      for (int64_t r = 0; r < rows; ++r) {
        EXPECT_EQ(q[r * cols + 3], 0.0f);
        EXPECT_EQ(q[r * cols + 40], 0.0f);
      }
    }
}

TEST(GPTQAlgorithm, LazyBatchesOnlyRoundDifferently) {
  const int64_t rows = 32, cols = 256;
  std::vector<float> w = randomNormal(rows * cols, 9);
  std::vector<double> h = hessianOf(correlatedInputs(512, cols, 10), cols);
  // Groups start on block boundaries of both sizes (see the next test).
  for (int64_t groupSize : {int64_t(0), int64_t(128)}) {
    GPTQOptions options;
    options.groupSize = groupSize;
    options.blockSize = 128;
    std::vector<float> lazy =
        quantizeOrDie(w, rows, cols, h, options).dequantize();
    options.blockSize = 16;
    std::vector<float> eager =
        quantizeOrDie(w, rows, cols, h, options).dequantize();
    for (int64_t i = 0; i < rows * cols; ++i)
      ASSERT_NEAR(lazy[i], eager[i], 1e-5)
          << "group size " << groupSize << " at " << i;
  }
}

TEST(GPTQAlgorithm, GroupsInsideABlockSeeTheBlockStart) {
  // As the reference: a group that starts inside a lazy block is fitted to
  // W as of the block's start. Group 1 (columns 64..127) of the first block
  // of 128 columns thus sees the weights before any update: RTN's fit.
  const int64_t rows = 16, cols = 256, groupSize = 64;
  std::vector<float> w = randomNormal(rows * cols, 19);
  std::vector<double> h = hessianOf(correlatedInputs(512, cols, 20), cols);
  Result<UnpackedWeight> rtn =
      quantizeRTN(w.data(), rows, cols, 4, groupSize, false);
  ASSERT_TRUE(rtn.ok());
  GPTQOptions options;
  options.groupSize = groupSize;
  for (int64_t blockSize : {128, 64}) {
    options.blockSize = blockSize;
    UnpackedWeight q = quantizeOrDie(w, rows, cols, h, options);
    int same = 0;
    for (int64_t r = 0; r < rows; ++r)
      same += q.scales[r * 4 + 1] == rtn->scales[r * 4 + 1];
    EXPECT_EQ(same, blockSize == 128 ? rows : 0) << "blocks of " << blockSize;
  }
}

TEST(GPTQAlgorithm, DeterministicWhateverTheThreads) {
  const int64_t rows = 64, cols = 512;
  std::vector<float> w = randomNormal(rows * cols, 11);
  std::vector<double> h = hessianOf(correlatedInputs(600, cols, 12), cols);
  GPTQOptions options;
  options.actOrder = true;
  options.threads = 2;
  GPTQReport first, second, serial;
  UnpackedWeight a = quantizeOrDie(w, rows, cols, h, options, &first);
  UnpackedWeight b = quantizeOrDie(w, rows, cols, h, options, &second);
  options.threads = 1;
  UnpackedWeight c = quantizeOrDie(w, rows, cols, h, options, &serial);
  for (const UnpackedWeight *other : {&b, &c}) {
    EXPECT_EQ(a.q, other->q);
    EXPECT_EQ(a.scales, other->scales);
    EXPECT_EQ(a.zeros, other->zeros);
    EXPECT_EQ(a.gIdx, other->gIdx);
  }
  EXPECT_EQ(first.loss, second.loss);
  EXPECT_EQ(first.loss, serial.loss);
}

TEST(GPTQAlgorithm, RejectsBadInput) {
  std::vector<float> w(4 * 6, 1.0f);
  std::vector<double> h(6 * 6, 0.0);
  for (int64_t i = 0; i < 6; ++i)
    h[i * 6 + i] = 1.0;
  GPTQOptions options;
  options.groupSize = 4;
  Result<UnpackedWeight> q = quantizeGPTQ(w.data(), 4, 6, h.data(), options);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.message(), "GPTQ: groups of 4 columns for a 4x6 weight");
  options.groupSize = 0;
  options.blockSize = 0;
  q = quantizeGPTQ(w.data(), 4, 6, h.data(), options);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.message(), "GPTQ: blocks of 0 columns for a 4x6 weight");
  options.blockSize = 128;
  h[2 * 6 + 2] = -5.0;
  q = quantizeGPTQ(w.data(), 4, 6, h.data(), options);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.message(), "GPTQ: H + damp: the matrix is not positive definite "
                         "(leading minor 3)");
}

TEST(GPTQHessian, AveragesBatchesAsTheReference) {
  const int64_t cols = 40;
  std::vector<float> x1 = randomNormal(30 * cols, 13);
  std::vector<float> x2 = randomNormal(50 * cols, 14);
  HessianAccumulator acc(cols);
  ASSERT_TRUE(acc.add(x1.data(), 30, 2).ok());
  ASSERT_TRUE(acc.add(x2.data(), 50, 3).ok());
  EXPECT_EQ(acc.samples(), 5);
  // H = 2/5 sum of x x^T over both batches.
  std::vector<float> all(x1);
  all.insert(all.end(), x2.begin(), x2.end());
  std::vector<double> expected = hessianOf(all, cols);
  for (int64_t i = 0; i < cols * cols; ++i)
    ASSERT_NEAR(acc.hessian()[i], expected[i] / 5.0, 1e-12 * 80 * 2)
        << i / cols << "," << i % cols;
}

template <typename T> void checkGemm(int64_t m, int64_t n, int64_t k) {
  std::vector<float> af = randomNormal(m * k, 15), bf = randomNormal(k * n, 16),
                     cf = randomNormal(m * n, 17);
  std::vector<T> a(af.begin(), af.end()), b(bf.begin(), bf.end());
  for (bool transA : {false, true})
    for (bool transB : {false, true}) {
      // A [m, k] or [k, m]; B [k, n] or [n, k]: the same values, transposed.
      std::vector<T> as(m * k), bs(k * n);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t p = 0; p < k; ++p)
          as[transA ? p * m + i : i * k + p] = a[i * k + p];
      for (int64_t p = 0; p < k; ++p)
        for (int64_t j = 0; j < n; ++j)
          bs[transB ? j * k + p : p * n + j] = b[p * n + j];
      std::vector<T> c(cf.begin(), cf.end()), c3(c);
      gemm<T>(transA, transB, m, n, k, T(-0.5), as.data(), transA ? m : k,
              bs.data(), transB ? k : n, c.data(), n, 1);
      gemm<T>(transA, transB, m, n, k, T(-0.5), as.data(), transA ? m : k,
              bs.data(), transB ? k : n, c3.data(), n, 3);
      EXPECT_EQ(c, c3) << "the thread count changed the result";
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double sum = 0.0;
          for (int64_t p = 0; p < k; ++p)
            sum += double(a[i * k + p]) * double(b[p * n + j]);
          double expected = cf[i * n + j] - 0.5 * sum;
          ASSERT_NEAR(c[i * n + j], expected,
                      (sizeof(T) == 4 ? 1e-5 : 1e-12) * std::sqrt(double(k)) *
                          8)
              << transA << transB << " at " << i << "," << j;
        }
    }
}

TEST(GPTQLinearAlgebra, GemmMatchesTheDefinition) {
  // Edges of every tile and more than one block of k.
  checkGemm<float>(37, 53, 300);
  checkGemm<double>(37, 53, 300);
  checkGemm<float>(130, 3, 7);
  // Large enough to be split between threads.
  checkGemm<float>(200, 150, 300);
  checkGemm<double>(150, 200, 300);
  checkGemm<double>(1, 3100, 2);
}

TEST(GPTQLinearAlgebra, CholeskyAndInverse) {
  const int64_t n = 300;
  std::vector<float> x = randomNormal(400 * n, 18);
  std::vector<double> a(n * n, 0.0);
  gramLower(x.data(), 400, n, n, 1.0, a.data(), n, 2);
  symmetrizeFromLower(a.data(), n);
  std::vector<double> l(a);
  ASSERT_TRUE(choleskyLower(l.data(), n, 2).ok());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      if (j > i) {
        ASSERT_EQ(l[i * n + j], 0.0);
        continue;
      }
      double sum = 0.0;
      for (int64_t p = 0; p <= j; ++p)
        sum += l[i * n + p] * l[j * n + p];
      ASSERT_NEAR(sum, a[i * n + j], 1e-10 * a[i * n + i]);
    }
  std::vector<double> inverse(n * n);
  choleskyInverse(l.data(), n, inverse.data(), 2);
  symmetrizeFromLower(inverse.data(), n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0.0;
      for (int64_t p = 0; p < n; ++p)
        sum += inverse[i * n + p] * a[p * n + j];
      ASSERT_NEAR(sum, i == j ? 1.0 : 0.0, 1e-9);
    }
  std::vector<double> notDefinite(a);
  notDefinite[0] = -1.0;
  Status status = choleskyLower(notDefinite.data(), n, 1);
  EXPECT_EQ(status.message(),
            "the matrix is not positive definite (leading minor 1)");
}

} // namespace
