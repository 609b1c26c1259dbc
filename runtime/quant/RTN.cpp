//===- RTN.cpp - round-to-nearest weight quantization ---------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/quant/RTN.h"

#include <algorithm>
#include <cmath>

namespace qf::quant {

GroupQuantizer GroupQuantizer::fit(const float *values, int64_t count,
                                   int bits, bool symmetric) {
  GroupQuantizer g;
  g.bits = bits, g.symmetric = symmetric;
  if (symmetric) {
    float absMax = 0.0f;
    for (int64_t i = 0; i < count; ++i)
      absMax = std::max(absMax, std::fabs(values[i]));
    g.scale = absMax == 0.0f ? 1.0f : absMax / float((1 << (bits - 1)) - 1);
    g.zero = float(1 << (bits - 1));
    return g;
  }
  float lo = 0.0f, hi = 0.0f;
  for (int64_t i = 0; i < count; ++i) {
    lo = std::min(lo, values[i]);
    hi = std::max(hi, values[i]);
  }
  if (lo == 0.0f && hi == 0.0f)
    lo = -1.0f, hi = 1.0f;
  g.scale = (hi - lo) / float((1 << bits) - 1);
  g.zero = std::nearbyint(-lo / g.scale);
  return g;
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
