//===- Float16Test.cpp - half and bfloat16 conversions --------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/support/Float16.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace qf;

namespace {

/// Reference rounding of a float to the nearest half, ties to even, by
/// scanning the two neighbours in double precision.
uint16_t referenceHalf(float value) {
  if (std::isnan(value))
    return 0x7E00;
  uint16_t sign = std::signbit(value) ? 0x8000 : 0;
  double magnitude = std::fabs(double(value));
  if (magnitude >= 65520.0)
    return sign | 0x7C00;
  uint16_t best = 0;
  for (uint16_t h = 0; h < 0x7C00; ++h) {
    double candidate = halfToFloat(h);
    double next = halfToFloat(uint16_t(h + 1));
    if (h + 1 == 0x7C00 || magnitude < (candidate + next) / 2 ||
        (magnitude == (candidate + next) / 2 && (h & 1) == 0)) {
      best = h;
      break;
    }
  }
  return sign | best;
}

TEST(Float16, EveryHalfSurvivesARoundTrip) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float f = halfToFloat(uint16_t(h));
    if (std::isnan(f))
      EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(f)))) << h;
    else
      EXPECT_EQ(floatToHalf(f), h) << std::hex << h;
  }
}

TEST(Float16, KnownValues) {
  EXPECT_EQ(floatToHalf(1.0f), 0x3C00);
  EXPECT_EQ(floatToHalf(-2.0f), 0xC000);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7BFF);
  EXPECT_EQ(floatToHalf(65519.0f), 0x7BFF);
  EXPECT_EQ(floatToHalf(65520.0f), 0x7C00); // rounds to infinity
  EXPECT_EQ(floatToHalf(0.1f), 0x2E66);
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -24)), 0x0001); // smallest subnormal
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -25)), 0x0000); // tie to even: zero
  EXPECT_EQ(floatToHalf(std::ldexp(3.0f, -25)), 0x0002); // tie to even: 2
  EXPECT_FLOAT_EQ(halfToFloat(0x3555), 0.333251953125f);
}

TEST(Float16, RandomFloatsRoundToNearestEven) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> exponent(-27.0f, 17.0f);
  for (int i = 0; i < 300; ++i) {
    float value = std::ldexp(1.0f + float(rng() % 4096) / 4096.0f,
                             int(exponent(rng)));
    if (i % 2)
      value = -value;
    EXPECT_EQ(floatToHalf(value), referenceHalf(value)) << value;
  }
}

TEST(BFloat16, RoundsToNearestEven) {
  EXPECT_EQ(floatToBfloat16(1.0f), 0x3F80);
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1.0).
  EXPECT_EQ(floatToBfloat16(1.0f + std::ldexp(1.0f, -8)), 0x3F80);
  // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: ties to even.
  EXPECT_EQ(floatToBfloat16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3F82);
  EXPECT_EQ(bfloat16ToFloat(0x4049), 3.140625f);
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(floatToBfloat16(NAN))));
}

} // namespace
