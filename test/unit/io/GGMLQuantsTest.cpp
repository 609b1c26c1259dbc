//===- GGMLQuantsTest.cpp - ggml block formats ----------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Blocks are built here from the layouts described in ggml-common.h, with
// values chosen so that every expected float is exact; the library's decoders
// must reproduce them bit for bit.
//
//===----------------------------------------------------------------------===//

#include "runtime/io/GGMLQuants.h"

#include "IOTestUtil.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace qf;
using namespace qf::io;
using qf::io::test::failsWith;

namespace {

uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  return bits;
}
float floatOf(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}

std::vector<float> decode(DType type, const std::vector<uint8_t> &bytes,
                          uint64_t count) {
  std::vector<float> values(count);
  Status status =
      dequantize(type, {bytes.data(), bytes.size()}, values.data(), count);
  EXPECT_TRUE(status.ok()) << status.message();
  return values;
}

std::vector<uint8_t> encode(DType type, const std::vector<float> &values) {
  std::vector<uint8_t> bytes(values.size() / blockSize(type) *
                             bytesPerBlock(type));
  Status status =
      quantize(type, values.data(), values.size(), bytes.data(), bytes.size());
  EXPECT_TRUE(status.ok()) << status.message();
  return bytes;
}

uint16_t toHalfBits(float value) {
  std::vector<uint8_t> bytes = encode(DType::F16, {value});
  return uint16_t(bytes[0] | bytes[1] << 8);
}
uint16_t toBF16Bits(float value) {
  std::vector<uint8_t> bytes = encode(DType::BF16, {value});
  return uint16_t(bytes[0] | bytes[1] << 8);
}

void putHalf(std::vector<uint8_t> &block, size_t at, uint16_t half) {
  block[at] = uint8_t(half);
  block[at + 1] = uint8_t(half >> 8);
}

//===----------------------------------------------------------------------===//
// 16-bit floats
//===----------------------------------------------------------------------===//

TEST(GGMLQuants, HalfRoundsToNearestEven) {
  EXPECT_EQ(toHalfBits(1.0f), 0x3C00);
  EXPECT_EQ(toHalfBits(-0.0f), 0x8000);
  EXPECT_EQ(toHalfBits(65504.0f), 0x7BFF);
  EXPECT_EQ(toHalfBits(65519.99f), 0x7BFF);
  EXPECT_EQ(toHalfBits(65520.0f), 0x7C00); // halfway to 2^16 rounds to inf
  EXPECT_EQ(toHalfBits(1.0f + 0x1p-11f), 0x3C00);     // tie, down to even
  EXPECT_EQ(toHalfBits(1.0f + 3 * 0x1p-11f), 0x3C02); // tie, up to even
  EXPECT_EQ(toHalfBits(0x1p-14f), 0x0400);            // smallest normal
  EXPECT_EQ(toHalfBits(0x1p-24f), 0x0001);            // smallest subnormal
  EXPECT_EQ(toHalfBits(0x1p-25f), 0x0000);            // tie, down to zero
  EXPECT_EQ(toHalfBits(3 * 0x1p-25f), 0x0002);        // tie, up to even
  EXPECT_EQ(toHalfBits(-std::numeric_limits<float>::infinity()), 0xFC00);
  // ggml's GGML_FP32_TO_FP16 makes every nan the canonical quiet one.
  EXPECT_EQ(toHalfBits(std::numeric_limits<float>::quiet_NaN()), 0x7E00);

  std::vector<uint8_t> halves = {0x00, 0x3C, 0xFF, 0x7B, 0x01,
                                 0x00, 0x00, 0xFC, 0x55, 0xB5};
  std::vector<float> values = decode(DType::F16, halves, 5);
  EXPECT_EQ(values[0], 1.0f);
  EXPECT_EQ(values[1], 65504.0f);
  EXPECT_EQ(values[2], 0x1p-24f);
  EXPECT_EQ(values[3], -std::numeric_limits<float>::infinity());
  EXPECT_EQ(values[4], -0.333251953125f); // -(1 + 341/1024) / 4
}

#ifdef __FLT16_MANT_DIG__
// The compiler's _Float16 conversions (IEEE, round to nearest even) are an
// independent oracle.
TEST(GGMLQuants, HalfAgreesWithTheCompiler) {
  std::vector<uint8_t> all(2 * 65536);
  for (uint32_t bits = 0; bits < 65536; ++bits)
    putHalf(all, 2 * bits, uint16_t(bits));
  std::vector<float> decoded = decode(DType::F16, all, 65536);
  for (uint32_t bits = 0; bits < 65536; ++bits) {
    _Float16 half;
    uint16_t raw = uint16_t(bits);
    std::memcpy(&half, &raw, 2);
    float expected = float(half);
    if (std::isnan(expected))
      EXPECT_TRUE(std::isnan(decoded[bits])) << bits;
    else
      ASSERT_EQ(bitsOf(decoded[bits]), bitsOf(expected)) << bits;
  }

  std::mt19937 rng(7);
  std::vector<float> inputs;
  for (int i = 0; i < 200000; ++i) {
    // All exponents, then values near the half range and its rounding edges.
    inputs.push_back(floatOf(uint32_t(rng())));
    inputs.push_back(floatOf(0x33000000u + uint32_t(rng()) % 0x14800000u));
  }
  std::vector<uint8_t> encoded = encode(DType::F16, inputs);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (std::isnan(inputs[i]))
      continue;
    _Float16 expected = _Float16(inputs[i]);
    uint16_t expectedBits;
    std::memcpy(&expectedBits, &expected, 2);
    ASSERT_EQ(encoded[2 * i] | encoded[2 * i + 1] << 8, expectedBits)
        << std::hexfloat << inputs[i];
  }
}
#endif

TEST(GGMLQuants, BFloat16RoundsToNearestEven) {
  EXPECT_EQ(toBF16Bits(1.0f), 0x3F80);
  EXPECT_EQ(toBF16Bits(floatOf(0x3F808000)), 0x3F80); // tie, down to even
  EXPECT_EQ(toBF16Bits(floatOf(0x3F818000)), 0x3F82); // tie, up to even
  EXPECT_EQ(toBF16Bits(floatOf(0x3F808001)), 0x3F81);
  EXPECT_EQ(toBF16Bits(floatOf(0x7F7FFFFF)), 0x7F80); // FLT_MAX rounds to inf
  EXPECT_EQ(toBF16Bits(floatOf(0x7F800001)), 0x7FC0); // nan stays nan, quiet
  EXPECT_EQ(toBF16Bits(floatOf(0xFFC00001)), 0xFFC0);
  std::vector<float> values = decode(DType::BF16, {0x80, 0x3F, 0x49, 0xC0}, 2);
  EXPECT_EQ(values[0], 1.0f);
  EXPECT_EQ(values[1], -3.140625f);
}

//===----------------------------------------------------------------------===//
// Q8_0 and Q4_0 quantization
//===----------------------------------------------------------------------===//

TEST(GGMLQuants, Q8_0KnownBlocks) {
  // amax 127 gives d = 1 and id = 1, so q = roundf(x): halves away from 0.
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j)
    x[j] = float(j - 16);
  x[0] = 127.0f;
  x[1] = -127.0f;
  x[2] = 2.5f;
  x[3] = -2.5f;
  x[4] = 0.49f;
  x[5] = -0.5f;
  x[6] = 126.6f;
  // amax 254: d = 2, id = 0.5.
  std::vector<float> y(32, 3.0f);
  y[0] = -254.0f;
  y[1] = 5.0f;
  y[2] = -5.0f;
  x.insert(x.end(), y.begin(), y.end());

  std::vector<uint8_t> bytes = encode(DType::Q8_0, x);
  ASSERT_EQ(bytes.size(), 68u);
  EXPECT_EQ(bytes[0] | bytes[1] << 8, 0x3C00); // d = 1.0
  std::vector<int> expected = {127, -127, 3, -3, 0, -1, 127};
  for (int j = 7; j < 32; ++j)
    expected.push_back(j - 16);
  for (int j = 0; j < 32; ++j)
    EXPECT_EQ(int8_t(bytes[2 + j]), expected[j]) << j;
  EXPECT_EQ(bytes[34] | bytes[35] << 8, 0x4000); // d = 2.0
  EXPECT_EQ(int8_t(bytes[36]), -127);
  EXPECT_EQ(int8_t(bytes[37]), 3);  // 2.5 -> 3
  EXPECT_EQ(int8_t(bytes[38]), -3); // -2.5 -> -3
  EXPECT_EQ(int8_t(bytes[39]), 2);  // 1.5 -> 2

  std::vector<float> decoded = decode(DType::Q8_0, bytes, 64);
  for (int j = 0; j < 32; ++j)
    EXPECT_EQ(decoded[j], float(expected[j])) << j;
  EXPECT_EQ(decoded[32], -254.0f);
  EXPECT_EQ(decoded[33], 6.0f);
}

TEST(GGMLQuants, Q8_0ScaleIsRoundedToHalf) {
  // d = 1/127 is not a half: it is stored as 0x2008 = 2^-7 * (1 + 8/1024);
  // the quants use the float32 d, so they stay 127.
  std::vector<uint8_t> bytes =
      encode(DType::Q8_0, std::vector<float>(32, 1.0f));
  EXPECT_EQ(bytes[0] | bytes[1] << 8, 0x2008);
  for (int j = 0; j < 32; ++j)
    EXPECT_EQ(int8_t(bytes[2 + j]), 127);
  EXPECT_EQ(decode(DType::Q8_0, bytes, 32)[5], 0.99993896484375f);

  bytes = encode(DType::Q8_0, std::vector<float>(32, 0.0f));
  EXPECT_EQ(bytes, std::vector<uint8_t>(34, 0));
}

TEST(GGMLQuants, Q4_0KnownBlocks) {
  // The largest magnitude is -8, so d = max / -8 = 1: q = MIN(15, (int)(x +
  // 8.5)), truncating.
  std::vector<float> x(32, 0.0f);
  x[0] = -8.0f;  // 0.5 -> 0
  x[1] = 7.0f;   // 15.5 -> 15
  x[2] = 7.9f;   // 16.4 -> 16, clamped to 15
  x[3] = 0.5f;   // 9
  x[4] = -0.5f;  // 8
  x[5] = 1.49f;  // 9.99 -> 9
  x[6] = -7.6f;  // 0.9 -> 0
  x[7] = -7.4f;  // 1.1 -> 1
  x[16] = 3.0f;  // 11
  x[17] = -3.0f; // 5
  std::vector<uint8_t> bytes = encode(DType::Q4_0, x);
  ASSERT_EQ(bytes.size(), 18u);
  EXPECT_EQ(bytes[0] | bytes[1] << 8, 0x3C00);
  std::array<int, 32> q;
  q.fill(8);
  for (auto [j, value] : std::vector<std::pair<int, int>>{{0, 0},
                                                          {1, 15},
                                                          {2, 15},
                                                          {3, 9},
                                                          {4, 8},
                                                          {5, 9},
                                                          {6, 0},
                                                          {7, 1},
                                                          {16, 11},
                                                          {17, 5}})
    q[j] = value;
  // Element j is the low nibble of byte j, element j + 16 the high nibble.
  for (int j = 0; j < 16; ++j)
    EXPECT_EQ(bytes[2 + j], q[j] | q[j + 16] << 4) << j;
  std::vector<float> decoded = decode(DType::Q4_0, bytes, 32);
  for (int j = 0; j < 32; ++j)
    EXPECT_EQ(decoded[j], float(q[j] - 8)) << j;
}

TEST(GGMLQuants, Q4_0SignOfTheScale) {
  // The first value of largest magnitude sets the sign of d: here -16, so
  // d = 2 and +16 lands on the clamped level 15, decoding to 14.
  std::vector<float> x(32, 0.0f);
  x[0] = -16.0f;
  x[3] = 16.0f;
  std::vector<uint8_t> bytes = encode(DType::Q4_0, x);
  EXPECT_EQ(bytes[0] | bytes[1] << 8, 0x4000);
  std::vector<float> decoded = decode(DType::Q4_0, bytes, 32);
  EXPECT_EQ(decoded[0], -16.0f);
  EXPECT_EQ(decoded[3], 14.0f);

  // With +16 first, d = -2 and +16 is exact while -16 clamps.
  std::swap(x[0], x[3]);
  bytes = encode(DType::Q4_0, x);
  EXPECT_EQ(bytes[0] | bytes[1] << 8, 0xC000);
  decoded = decode(DType::Q4_0, bytes, 32);
  EXPECT_EQ(decoded[0], 16.0f);
  EXPECT_EQ(decoded[3], -14.0f);
}

/// Quantizes random rows and checks every element against the error a
/// rounding quantizer with a half-precision scale can make: `steps` quantum
/// widths of d = amax / `levels`, plus the scale's own rounding (2^-11
/// relative) times the largest level.
void checkRandomError(DType type, float levels, float steps, float maxLevel) {
  std::mt19937 rng(42);
  for (float scale : {0.05f, 1.0f, 100.0f}) {
    std::normal_distribution<float> normal(0.0f, scale);
    std::vector<float> x(32 * 64);
    for (float &v : x)
      v = normal(rng);
    std::vector<float> decoded = decode(type, encode(type, x), x.size());
    double totalError = 0;
    for (size_t b = 0; b < x.size(); b += 32) {
      float amax = 0;
      for (size_t j = b; j < b + 32; ++j)
        amax = std::max(amax, std::fabs(x[j]));
      float d = amax / levels;
      float bound = (steps * d + maxLevel * d * 0x1p-11f) * 1.0001f;
      for (size_t j = b; j < b + 32; ++j) {
        float error = std::fabs(decoded[j] - x[j]);
        ASSERT_LE(error, bound) << "scale " << scale << " element " << j;
        totalError += error / d;
      }
    }
    // Rounding errors spread over [-d/2, d/2]: a mean near d/4.
    double meanSteps = totalError / double(x.size());
    EXPECT_GT(meanSteps, 0.15);
    EXPECT_LT(meanSteps, 0.35);
  }
}

TEST(GGMLQuants, Q8_0ErrorOnRandomData) {
  checkRandomError(DType::Q8_0, 127.0f, 0.5f, 127.0f);
}

TEST(GGMLQuants, Q4_0ErrorOnRandomData) {
  // The level opposite the sign of the extreme value is clamped at 7d, a
  // full step from 8d.
  checkRandomError(DType::Q4_0, 8.0f, 1.0f, 8.0f);
}

TEST(GGMLQuants, ReportsBadArguments) {
  std::vector<float> x(32, 1.0f);
  std::vector<uint8_t> out(34);
  x[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(failsWith(quantize(DType::Q8_0, x.data(), 32, out.data(), 34),
                        "element 3 is nan", {"Q8_0 needs finite values"}));
  x[3] = -std::numeric_limits<float>::infinity();
  EXPECT_TRUE(failsWith(quantize(DType::Q4_0, x.data(), 32, out.data(), 18),
                        "element 3 is -inf", {}));
  x[3] = 1.0f;
  EXPECT_TRUE(failsWith(quantize(DType::Q8_0, x.data(), 16, out.data(), 17),
                        "16 elements of Q8_0 are not whole blocks of 32", {}));
  EXPECT_TRUE(failsWith(quantize(DType::Q8_0, x.data(), 32, out.data(), 33),
                        "the destination holds 33 bytes but 32 elements of "
                        "Q8_0 take 34",
                        {}));
  EXPECT_TRUE(failsWith(quantize(DType::Q4_K, x.data(), 32, out.data(), 34),
                        "quantizing to Q4_K is not supported", {}));
  EXPECT_TRUE(failsWith(dequantize(DType::Q2_K, {out.data(), 34}, x.data(), 32),
                        "dequantizing Q2_K is not supported", {}));
  EXPECT_TRUE(failsWith(dequantize(DType::F16, {out.data(), 34}, x.data(), 16),
                        "the source holds 34 bytes but 16 elements of F16 "
                        "take 32",
                        {}));
  EXPECT_TRUE(canDequantize(DType::Q6_K));
  EXPECT_FALSE(canQuantize(DType::Q6_K));
  EXPECT_TRUE(canQuantize(DType::BF16));
}

//===----------------------------------------------------------------------===//
// Decoding hand-built blocks
//===----------------------------------------------------------------------===//

TEST(GGMLQuants, DecodesQ8_0AndQ4_0Blocks) {
  std::vector<uint8_t> q8(34);
  putHalf(q8, 0, 0x3000); // 0.125
  for (int j = 0; j < 32; ++j)
    q8[2 + j] = uint8_t(int8_t(j * 8 - 128));
  std::vector<float> values = decode(DType::Q8_0, q8, 32);
  for (int j = 0; j < 32; ++j)
    EXPECT_EQ(values[j], float(j * 8 - 128) * 0.125f) << j;

  std::vector<uint8_t> q4(18);
  putHalf(q4, 0, 0xBE00); // -1.5
  for (int j = 0; j < 16; ++j)
    q4[2 + j] = uint8_t(j | (15 - j) << 4);
  values = decode(DType::Q4_0, q4, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(values[j], float(j - 8) * -1.5f) << j;
    EXPECT_EQ(values[j + 16], float(7 - j) * -1.5f) << j;
  }
}

TEST(GGMLQuants, DecodesQ4_1Blocks) {
  // block_q4_1: f16 d, f16 m, then nibbles as in Q4_0; x = q * d + m.
  std::vector<uint8_t> block(20);
  putHalf(block, 0, 0x3800); // 0.5
  putHalf(block, 2, 0xC280); // -3.25
  auto q = [](int e) { return (e * 5 + 2) % 16; };
  for (int j = 0; j < 16; ++j)
    block[4 + j] = uint8_t(q(j) | q(j + 16) << 4);
  std::vector<float> values = decode(DType::Q4_1, block, 32);
  for (int e = 0; e < 32; ++e)
    EXPECT_EQ(values[e], q(e) * 0.5f - 3.25f) << e;
}

/// Sub-block scales and mins of a Q4_K / Q5_K super-block: 6 bits each.
constexpr std::array<uint8_t, 8> kScales = {3, 10, 17, 24, 31, 38, 45, 63};
constexpr std::array<uint8_t, 8> kMins = {63, 58, 0, 48, 43, 16, 33, 28};

/// The 12 scale bytes: sub-blocks 0..3 in the low 6 bits of bytes 0..3
/// (scales) and 4..7 (mins); sub-blocks 4..7 with their low 4 bits in bytes
/// 8..11 (scale in the low nibble, min in the high) and their top 2 bits in
/// the top bits of bytes 0..3 (scales) and 4..7 (mins).
std::array<uint8_t, 12> packScalesK4() {
  std::array<uint8_t, 12> packed{};
  for (int j = 0; j < 4; ++j) {
    packed[j] = uint8_t(kScales[j] | (kScales[j + 4] >> 4) << 6);
    packed[j + 4] = uint8_t(kMins[j] | (kMins[j + 4] >> 4) << 6);
    packed[j + 8] = uint8_t((kScales[j + 4] & 0xF) | (kMins[j + 4] & 0xF) << 4);
  }
  return packed;
}

/// d = 0.5 and dmin = 0.25 make every element exact: 0.5 * scale * q -
/// 0.25 * min.
std::vector<uint8_t> superBlockHeader(size_t size) {
  std::vector<uint8_t> block(size);
  putHalf(block, 0, 0x3800);
  putHalf(block, 2, 0x3400);
  std::array<uint8_t, 12> scales = packScalesK4();
  std::copy(scales.begin(), scales.end(), block.begin() + 4);
  return block;
}

float expectedK(int e, int q) {
  return 0.5f * float(kScales[e / 32]) * float(q) -
         0.25f * float(kMins[e / 32]);
}

TEST(GGMLQuants, DecodesQ4_KBlocks) {
  // block_q4_k: d, dmin, scales[12], qs[128]. Each 32 bytes of qs hold 64
  // elements: the low nibbles the first 32, the high nibbles the next 32.
  std::vector<uint8_t> block = superBlockHeader(144);
  auto q = [](int e) { return (e * 7 + 3) % 16; };
  for (int chunk = 0; chunk < 4; ++chunk)
    for (int l = 0; l < 32; ++l)
      block[16 + 32 * chunk + l] =
          uint8_t(q(64 * chunk + l) | q(64 * chunk + 32 + l) << 4);
  std::vector<float> values = decode(DType::Q4_K, block, 256);
  for (int e = 0; e < 256; ++e)
    ASSERT_EQ(values[e], expectedK(e, q(e))) << e;
}

TEST(GGMLQuants, DecodesQ5_KBlocks) {
  // block_q5_k: d, dmin, scales[12], qh[32], qs[128]. The low 4 bits are
  // arranged as in Q4_K; the fifth bit of element 64c + l is bit 2c of qh[l],
  // that of element 64c + 32 + l bit 2c + 1.
  std::vector<uint8_t> block = superBlockHeader(176);
  auto q = [](int e) { return (e * 11 + 5) % 32; };
  for (int chunk = 0; chunk < 4; ++chunk)
    for (int l = 0; l < 32; ++l) {
      int low = q(64 * chunk + l), high = q(64 * chunk + 32 + l);
      block[48 + 32 * chunk + l] = uint8_t((low & 0xF) | (high & 0xF) << 4);
      block[16 + l] |=
          uint8_t((low >> 4) << (2 * chunk) | (high >> 4) << (2 * chunk + 1));
    }
  std::vector<float> values = decode(DType::Q5_K, block, 256);
  for (int e = 0; e < 256; ++e)
    ASSERT_EQ(values[e], expectedK(e, q(e))) << e;
}

TEST(GGMLQuants, DecodesQ6_KBlocks) {
  // block_q6_k: ql[128], qh[64], int8 scales[16], f16 d; x = d * scale *
  // (q - 32). Element 128h + 32k + l (k = 0..3, l = 0..31) keeps its low 4
  // bits in ql[64h + 32(k % 2) + l] (low nibble for k < 2, high otherwise),
  // its top 2 bits at bit 2k of qh[32h + l], and uses scale 8h + 2k + l / 16.
  std::vector<uint8_t> block(210);
  putHalf(block, 208, 0x3400); // 0.25
  auto scale = [](int k) { return int8_t((k * 9) % 31 - 15); };
  for (int k = 0; k < 16; ++k)
    block[192 + k] = uint8_t(scale(k));
  auto q = [](int e) { return (e * 13 + 1) % 64; };
  for (int e = 0; e < 256; ++e) {
    int h = e / 128, k = e % 128 / 32, l = e % 32;
    block[64 * h + 32 * (k % 2) + l] |= uint8_t((q(e) & 0xF) << (4 * (k / 2)));
    block[128 + 32 * h + l] |= uint8_t((q(e) >> 4) << (2 * k));
  }
  std::vector<float> values = decode(DType::Q6_K, block, 256);
  for (int e = 0; e < 256; ++e) {
    int h = e / 128, k = e % 128 / 32, l = e % 32;
    float expected =
        0.25f * float(scale(8 * h + 2 * k + l / 16)) * float(q(e) - 32);
    ASSERT_EQ(values[e], expected) << e;
  }
}

TEST(GGMLQuants, DecodesSeveralSuperBlocks) {
  // The second super-block is the first with d and dmin doubled.
  std::vector<uint8_t> block = superBlockHeader(144);
  for (int i = 16; i < 144; ++i)
    block[i] = uint8_t(i * 37);
  std::vector<uint8_t> row = block;
  putHalf(block, 0, 0x3C00);
  putHalf(block, 2, 0x3800);
  row.insert(row.end(), block.begin(), block.end());
  std::vector<float> values = decode(DType::Q4_K, row, 512);
  for (int e = 0; e < 256; ++e)
    ASSERT_EQ(values[256 + e], 2 * values[e]) << e;
}

} // namespace
