//===- RTN.cpp - round-to-nearest weight quantization ---------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/quant/RTN.h"

#include <algorithm>
#include <cmath>

namespace qf::quant {

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
  const float maxq = float((1 << bits) - 1);
  const float half = float((1 << (bits - 1)) - 1);
  const int mid = 1 << (bits - 1);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t g = 0; g < groups; ++g) {
      const float *group = weights + r * cols + g * groupSize;
      float scale, zero;
      if (symmetric) {
        float absMax = 0.0f;
        for (int64_t i = 0; i < groupSize; ++i)
          absMax = std::max(absMax, std::fabs(group[i]));
        scale = absMax == 0.0f ? 1.0f : absMax / half;
        zero = float(mid);
      } else {
        float lo = 0.0f, hi = 0.0f;
        for (int64_t i = 0; i < groupSize; ++i) {
          lo = std::min(lo, group[i]);
          hi = std::max(hi, group[i]);
        }
        if (lo == 0.0f && hi == 0.0f)
          lo = -1.0f, hi = 1.0f;
        scale = (hi - lo) / maxq;
        zero = std::nearbyint(-lo / scale);
      }
      w.scales[r * groups + g] = scale;
      w.zeros[r * groups + g] = uint8_t(zero);
      for (int64_t i = 0; i < groupSize; ++i) {
        float q = std::nearbyint(group[i] / scale);
        q = symmetric ? std::clamp(q, -half, half) + float(mid)
                      : std::clamp(q + zero, 0.0f, maxq);
        w.q[r * cols + g * groupSize + i] = uint8_t(q);
      }
    }
  }
  return w;
}

} // namespace qf::quant
