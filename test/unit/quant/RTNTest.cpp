//===- RTNTest.cpp - round-to-nearest and the canonical layout ------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/quant/RTN.h"
#include "runtime/support/Float16.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace qf;
using namespace qf::quant;

namespace {

TEST(RTN, AsymmetricGroupByHand) {
  // One group of 4 at 2 bits: range [-1, 2], scale 1, zero round(1) = 1.
  // 0.5 / 1 rounds half to even: 0.
  float w[] = {-1.0f, 0.5f, 2.0f, 0.0f};
  Result<UnpackedWeight> q = quantizeRTN(w, 1, 4, 2, 4, /*symmetric=*/false);
  ASSERT_TRUE(q.ok()) << q.message();
  EXPECT_EQ(q->q, (std::vector<uint8_t>{0, 1, 3, 1}));
  EXPECT_EQ(q->zeros[0], 1);
  EXPECT_FLOAT_EQ(q->scales[0], 1.0f);
  EXPECT_EQ(q->dequantize(), (std::vector<float>{-1.0f, 0.0f, 2.0f, 0.0f}));
}

TEST(RTN, RangeIncludesZero) {
  // All positive: the range is widened to [0, 3], so zero stays exact.
  float w[] = {1.0f, 2.0f, 3.0f, 3.0f};
  Result<UnpackedWeight> q = quantizeRTN(w, 1, 4, 2, 4, false);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->zeros[0], 0);
  EXPECT_EQ(q->dequantize(), (std::vector<float>{1.0f, 2.0f, 3.0f, 3.0f}));
}

TEST(RTN, SymmetricInt8PerChannel) {
  float w[] = {0.5f, -1.27f, 0.0f, 1.0f};
  Result<UnpackedWeight> q = quantizeRTN(w, 1, 4, 8, 4, /*symmetric=*/true);
  ASSERT_TRUE(q.ok());
  float scale = 1.27f / 127.0f;
  EXPECT_FLOAT_EQ(q->scales[0], scale);
  EXPECT_EQ(q->zeros[0], 128);
  EXPECT_EQ(int(q->q[1]) - 128, -127);
  EXPECT_EQ(int(q->q[0]) - 128, int(std::nearbyint(0.5f / scale)));
}

TEST(RTN, ErrorIsAtMostHalfAStep) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal;
  std::vector<float> w(64 * 256);
  for (float &x : w)
    x = normal(rng);
  for (int bits : {3, 4, 8}) {
    Result<UnpackedWeight> q = quantizeRTN(w.data(), 64, 256, bits, 128, false);
    ASSERT_TRUE(q.ok());
    std::vector<float> back = q->dequantize();
    for (int64_t r = 0; r < 64; ++r)
      for (int64_t c = 0; c < 256; ++c) {
        float step = q->scales[r * 2 + c / 128];
        ASSERT_LE(std::fabs(back[r * 256 + c] - w[r * 256 + c]), 0.5f * step * 1.0001f)
            << bits << " bits at " << r << "," << c;
      }
  }
}

/// sum |w - Q(w)|^2.4 in double: the search's objective, recomputed here.
double rangeSearchError(const std::vector<float> &w, const GroupQuantizer &g) {
  double error = 0.0;
  for (float x : w)
    error += std::pow(std::fabs(double(x) - g.dequantize(g.quantize(x))), 2.4);
  return error;
}

TEST(RangeSearch, NoShrinkCandidateIsPlainFit) {
  // maxShrink * grid = 1 leaves only p = 1: the min/max fit itself.
  std::vector<float> w = {-0.7f, 0.1f, 2.5f, -3.0f, 0.4f, 1.1f, 0.0f, 0.9f};
  for (bool symmetric : {false, true}) {
    GroupQuantizer plain = GroupQuantizer::fit(w.data(), 8, 3, symmetric);
    GroupQuantizer searched = GroupQuantizer::fitMinError(
        w.data(), 8, 3, symmetric, {/*grid=*/100, /*maxShrink=*/0.01f, 2.4f});
    EXPECT_EQ(searched.scale, plain.scale);
    EXPECT_EQ(searched.zero, plain.zero);
  }
}

TEST(RangeSearch, PicksTheLeastErrorOfEveryShrink) {
  // Against an independent sweep of all 80 candidates p = 1 - i/100 (the
  // reference's grid 100, maxshrink 0.8, norm 2.4), on Gaussian groups with
  // an outlier, where clipping it pays: the search must shrink the range
  // and reach the sweep's minimum.
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  for (bool symmetric : {false, true})
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<float> w(128);
      for (float &x : w)
        x = normal(rng);
      w[trial] = 8.0f;
      GroupQuantizer searched =
          GroupQuantizer::fitMinError(w.data(), 128, 3, symmetric, {});
      GroupQuantizer plain = GroupQuantizer::fit(w.data(), 128, 3, symmetric);
      float lo = 0.0f, hi = 0.0f;
      for (float x : w)
        lo = std::min(lo, x), hi = std::max(hi, x);
      double sweepMin = rangeSearchError(w, plain);
      for (int i = 1; i < 80; ++i) {
        // Q fitted to the shrunk extremes alone is Q of the shrunk range.
        float p = float(1.0 - i / 100.0);
        std::vector<float> range = symmetric
                                       ? std::vector<float>{p * std::max(-lo, hi)}
                                       : std::vector<float>{p * lo, p * hi};
        sweepMin = std::min(sweepMin,
                            rangeSearchError(w, GroupQuantizer::fit(
                                                    range.data(), range.size(),
                                                    3, symmetric)));
      }
      EXPECT_LT(searched.scale, plain.scale) << "trial " << trial;
      EXPECT_NEAR(rangeSearchError(w, searched), sweepMin, 1e-9 * sweepMin)
          << "trial " << trial;
      EXPECT_LT(rangeSearchError(w, searched), rangeSearchError(w, plain));
    }
}

TEST(RTN, RejectsGroupsThatDoNotDivide) {
  float w[6] = {};
  Result<UnpackedWeight> q = quantizeRTN(w, 1, 6, 4, 4, false);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.message(), "RTN: 4 bits with groups of 4 cannot quantize 6 columns");
}

TEST(Canonical, RoundTripsEveryWidth) {
  std::mt19937 rng(9);
  std::normal_distribution<float> normal;
  std::vector<float> w(16 * 96);
  for (float &x : w)
    x = normal(rng);
  for (int bits = 2; bits <= 8; ++bits)
    for (bool symmetric : {false, true})
      for (bool f16 : {false, true}) {
        SCOPED_TRACE(testing::Message() << bits << " bits, sym " << symmetric
                                        << ", f16 " << f16);
        Result<UnpackedWeight> q = quantizeRTN(w.data(), 16, 96, bits, 32, symmetric);
        ASSERT_TRUE(q.ok());
        if (f16) // exact halves, so the comparison below can be exact
          for (float &s : q->scales)
            s = halfToFloat(floatToHalf(s));
        Result<CanonicalTensors> packed = packCanonical(*q, symmetric, f16);
        ASSERT_TRUE(packed.ok()) << packed.message();
        EXPECT_EQ(int64_t(packed->qweight.size()), 16 * packedRowBytes(96, bits));
        EXPECT_EQ(packed->zeros.empty(), symmetric);
        Result<UnpackedWeight> back =
            unpackCanonical(*packed, 16, 96, bits, 32, symmetric, f16);
        ASSERT_TRUE(back.ok()) << back.message();
        EXPECT_EQ(back->q, q->q);
        EXPECT_EQ(back->dequantize(), q->dequantize());
      }
}

TEST(Canonical, LittleEndianBitStream) {
  // Two 4-bit values per byte, low nibble first; 3-bit values straddle.
  UnpackedWeight w;
  w.rows = 1, w.cols = 4, w.bits = 4, w.groupSize = 4;
  w.q = {1, 2, 3, 4};
  w.scales = {1.0f};
  w.zeros = {8};
  Result<CanonicalTensors> packed = packCanonical(w, true, false);
  ASSERT_TRUE(packed.ok());
  EXPECT_EQ(packed->qweight, (std::vector<uint8_t>{0x21, 0x43}));
  w.bits = 3;
  w.q = {7, 0, 5, 1};
  packed = packCanonical(w, true, false);
  ASSERT_TRUE(packed.ok());
  // Stream positions 0-2: 7, 3-5: 0, 6-8: 5 (bit 8 spills into byte 1),
  // 9-11: 1. Byte 0 = 0b01'000'111, byte 1 = 0b0000'001'1.
  EXPECT_EQ(packed->qweight, (std::vector<uint8_t>{0x47, 0x03}));
}

} // namespace
