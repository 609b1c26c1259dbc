//===- RTN.cpp - round-to-nearest weight quantization ---------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/quant/RTN.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace qf::quant {

namespace {

/// The range [lo, hi] the reference fits before any search: widened to
/// include 0 (asymmetric; [-1, 1] if all values are 0) or [-max|w|, max|w|].
std::pair<float, float> fittedRange(const float *values, int64_t count,
                                    bool symmetric) {
  float lo = 0.0f, hi = 0.0f;
  for (int64_t i = 0; i < count; ++i) {
    lo = std::min(lo, values[i]);
    hi = std::max(hi, values[i]);
  }
  if (symmetric)
    return {-std::max(-lo, hi), std::max(-lo, hi)};
  if (lo == 0.0f && hi == 0.0f)
    return {-1.0f, 1.0f};
  return {lo, hi};
}

GroupQuantizer quantizerForRange(float lo, float hi, int bits,
                                 bool symmetric) {
  GroupQuantizer g;
  g.bits = bits, g.symmetric = symmetric;
  if (symmetric) {
    g.scale = hi == 0.0f ? 1.0f : hi / float((1 << (bits - 1)) - 1);
    g.zero = float(1 << (bits - 1));
    return g;
  }
  g.scale = (hi - lo) / float((1 << bits) - 1);
  g.zero = std::nearbyint(-lo / g.scale);
  return g;
}

} // namespace

GroupQuantizer GroupQuantizer::fit(const float *values, int64_t count,
                                   int bits, bool symmetric) {
  auto [lo, hi] = fittedRange(values, count, symmetric);
  return quantizerForRange(lo, hi, bits, symmetric);
}

GroupQuantizer GroupQuantizer::fitMinError(const float *values, int64_t count,
                                           int bits, bool symmetric,
                                           const RangeSearch &search) {
  auto [lo, hi] = fittedRange(values, count, symmetric);
  GroupQuantizer best = quantizerForRange(lo, hi, bits, symmetric);
  double bestError = std::numeric_limits<double>::infinity();
  const int candidates = int(search.maxShrink * float(search.grid));
  for (int i = 0; i < candidates; ++i) {
    const float shrink = float(1.0 - double(i) / search.grid);
    GroupQuantizer candidate =
        quantizerForRange(shrink * lo, shrink * hi, bits, symmetric);
    double error = 0.0;
    for (int64_t j = 0; j < count; ++j)
      error += std::pow(std::fabs(values[j] - candidate.dequantize(
                                                  candidate.quantize(values[j]))),
                        search.norm);
    if (error < bestError)
      bestError = error, best = candidate;
  }
  return best;
}

Result<UnpackedWeight> quantizeRTN(const float *weights, int64_t rows,
                                   int64_t cols, int bits, int64_t groupSize,
                                   bool symmetric) {
  if (bits < 2 || bits > 8 || rows <= 0 || cols <= 0 || groupSize <= 0 ||
      cols % groupSize != 0)
    return Status::error("RTN: " + std::to_string(bits) + " bits with groups of " +
                         std::to_string(groupSize) + " cannot quantize " +
                         std::to_string(cols) + " columns");
  UnpackedWeight w;
  w.rows = rows, w.cols = cols, w.bits = bits, w.groupSize = groupSize;
  int64_t groups = cols / groupSize;
  w.q.resize(rows * cols);
  w.scales.resize(rows * groups);
  w.zeros.resize(rows * groups);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t g = 0; g < groups; ++g) {
      const float *group = weights + r * cols + g * groupSize;
      GroupQuantizer quantizer =
          GroupQuantizer::fit(group, groupSize, bits, symmetric);
      w.scales[r * groups + g] = quantizer.scale;
      w.zeros[r * groups + g] = uint8_t(quantizer.zero);
      for (int64_t i = 0; i < groupSize; ++i)
        w.q[r * cols + g * groupSize + i] = quantizer.quantize(group[i]);
    }
  }
  return w;
}

} // namespace qf::quant
