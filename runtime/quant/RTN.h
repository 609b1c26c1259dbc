//===- RTN.h - round-to-nearest weight quantization --------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_QUANT_RTN_H
#define QUANTFORGE_RUNTIME_QUANT_RTN_H

#include "runtime/quant/PackedWeights.h"

namespace qf::quant {

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
