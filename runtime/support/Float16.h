//===- Float16.h - IEEE half and bfloat16 conversions ------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Bit-exact conversions between float and the 16-bit formats stored in
// checkpoints; float-to-16-bit rounds to nearest even, as PyTorch does.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_SUPPORT_FLOAT16_H
#define QUANTFORGE_RUNTIME_SUPPORT_FLOAT16_H

#include <cstdint>
#include <cstring>

namespace qf {

inline uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

inline float bitsToFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

inline float halfToFloat(uint16_t half) {
  uint32_t sign = uint32_t(half & 0x8000) << 16;
  uint32_t exponent = (half >> 10) & 0x1F;
  uint32_t mantissa = half & 0x3FF;
  if (exponent == 0x1F) // inf or nan
    return bitsToFloat(sign | 0x7F800000 | (mantissa << 13));
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in float.
    float magnitude = float(mantissa) * (1.0f / 16777216.0f);
    return sign ? -magnitude : magnitude;
  }
  return bitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

inline uint16_t floatToHalf(float value) {
  uint32_t bits = floatBits(value);
  uint16_t sign = uint16_t((bits >> 16) & 0x8000);
  uint32_t absBits = bits & 0x7FFFFFFF;
  if (absBits >= 0x7F800000) // inf or nan (keep nan quiet)
    return sign | 0x7C00 | (absBits > 0x7F800000 ? 0x200 : 0);
  if (absBits >= 0x477FF000) // rounds to >= 65520: overflow to inf
    return sign | 0x7C00;
  if (absBits < 0x38800000) {
    // Subnormal half: round |value| * 2^24 to an integer, ties to even. At
    // 2^23 a float's ulp is 1, so adding 2^23 makes the FPU do the rounding;
    // 1024 comes out as 0x400, the smallest normal half, as it should.
    float magnitude = bitsToFloat(absBits) * 16777216.0f;
    float rounded = magnitude + 8388608.0f;
    return sign | uint16_t(floatBits(rounded) - floatBits(8388608.0f));
  }
  uint32_t mantissaOdd = (absBits >> 13) & 1;
  absBits += 0xFFF + mantissaOdd; // round to nearest even on bit 13
  return sign | uint16_t((absBits - (112u << 23)) >> 13);
}

inline float bfloat16ToFloat(uint16_t value) {
  return bitsToFloat(uint32_t(value) << 16);
}

inline uint16_t floatToBfloat16(float value) {
  uint32_t bits = floatBits(value);
  if ((bits & 0x7FFFFFFF) > 0x7F800000) // nan: keep it quiet
    return uint16_t((bits >> 16) | 0x40);
  bits += 0x7FFF + ((bits >> 16) & 1);
  return uint16_t(bits >> 16);
}

} // namespace qf

#endif // QUANTFORGE_RUNTIME_SUPPORT_FLOAT16_H
