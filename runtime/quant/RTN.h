//===- RTN.h - round-to-nearest weight quantization --------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_QUANT_RTN_H
#define QUANTFORGE_RUNTIME_QUANT_RTN_H

#include "runtime/quant/PackedWeights.h"

#include <algorithm>
#include <cmath>

namespace qf::quant {

/// The quantizer of one group, shared by RTN, GPTQ and AWQ: the GPTQ
/// reference code's find_params and quantize, in float32, rounding half to
/// even (the formulas at quantizeRTN below).
struct GroupQuantizer {
  float scale = 1.0f;
  float zero = 0.0f; ///< integer-valued; the midpoint 2^(bits-1) if symmetric
  int bits = 0;
  bool symmetric = false;

  /// Fits the scale and zero point to `count` values.
  static GroupQuantizer fit(const float *values, int64_t count, int bits,
                            bool symmetric);

  /// The reference quantizer's `mse=True` search: the fitted range shrunk by
  /// p = 1, 1 - 1/grid, ... (maxShrink * grid candidates), keeping the p of
  /// least sum of |w - Q(w)|^norm over the group. Ties keep the wider range.
  struct RangeSearch {
    int grid = 100;
    float maxShrink = 0.8f;
    float norm = 2.4f;
  };
  static GroupQuantizer fitMinError(const float *values, int64_t count,
                                    int bits, bool symmetric,
                                    const RangeSearch &search);

  /// The stored integer for `w`.
  uint8_t quantize(float w) const {
    float q = std::nearbyint(w / scale);
    if (symmetric) {
      float half = float((1 << (bits - 1)) - 1);
      return uint8_t(std::clamp(q, -half, half) + zero);
    }
    return uint8_t(std::clamp(q + zero, 0.0f, float((1 << bits) - 1)));
  }
  /// The value that a stored integer stands for.
  float dequantize(uint8_t q) const { return scale * (float(q) - zero); }
};

/// Round-to-nearest quantization of a row-major [rows, cols] matrix, groups
/// of `groupSize` consecutive columns (cols for per-channel). All arithmetic
/// in float32, rounding half to even, exactly as the GPTQ reference code's
/// quantizer:
///   asymmetric: range widened to include 0, scale = (max - min) / (2^b - 1),
///               zero = round(-min / scale), q = clamp(round(w / s) + zero)
///   symmetric:  scale = max|w| / (2^(b-1) - 1), q = clamp(round(w / s)),
///               stored with the midpoint 2^(b-1) as its zero point.
Result<UnpackedWeight> quantizeRTN(const float *weights, int64_t rows,
                                   int64_t cols, int bits, int64_t groupSize,
                                   bool symmetric);

} // namespace qf::quant

#endif // QUANTFORGE_RUNTIME_QUANT_RTN_H
