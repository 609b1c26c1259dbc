//===- AWQ.cpp - activation-aware weight quantization searches ------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/quant/AWQ.h"

#include "runtime/quant/LinearAlgebra.h"
#include "runtime/quant/RTN.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace qf::quant {

namespace {

Status checkOptions(const char *what, int64_t cols, const AWQOptions &options) {
  auto fail = [&](const std::string &problem) {
    return Status::error(std::string("AWQ ") + what + ": " + problem);
  };
  if (cols <= 0)
    return fail(std::to_string(cols) + " channels");
  if (options.bits < 2 || options.bits > 8)
    return fail(std::to_string(options.bits) + " bits");
  if (options.groupSize < 0 ||
      (options.groupSize > 0 && cols % options.groupSize != 0))
    return fail("groups of " + std::to_string(options.groupSize) +
                " cannot split " + std::to_string(cols) + " columns");
  if (options.grid <= 0)
    return fail("a grid of " + std::to_string(options.grid));
  if (options.clipGrid <= 0 ||
      !(options.maxShrink * options.clipGrid >= 1.0 && options.maxShrink < 1.0))
    return fail("a clip grid of " + std::to_string(options.clipGrid) +
                " with max shrink " + std::to_string(options.maxShrink));
  return Status();
}

int64_t groupSizeOf(const AWQOptions &options, int64_t cols) {
  return options.groupSize > 0 ? options.groupSize : cols;
}

/// out = Q(in), RTN's quantize-dequantize, group by group.
void fakeQuantize(const float *in, int64_t count, int64_t groupSize,
                  const AWQOptions &options, float *out) {
  for (int64_t g0 = 0; g0 < count; g0 += groupSize) {
    GroupQuantizer quantizer = GroupQuantizer::fit(
        in + g0, groupSize, options.bits, options.symmetric);
    for (int64_t i = g0; i < g0 + groupSize; ++i)
      out[i] = quantizer.dequantize(quantizer.quantize(in[i]));
  }
}

/// d_r^T H d_r for each row of d [rows, n]; H symmetric [n, n] with leading
/// dimension ldh.
std::vector<double> rowQuadraticForms(const std::vector<double> &d,
                                      int64_t rows, int64_t n, const double *h,
                                      int64_t ldh, int threads) {
  std::vector<double> dh(rows * n, 0.0), forms(rows, 0.0);
  gemm<double>(false, false, rows, n, n, 1.0, d.data(), n, h, ldh, dh.data(),
               n, threads);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < n; ++c)
      forms[r] += d[r * n + c] * dh[r * n + c];
  return forms;
}

/// Rows per product with H: bounds the memory of the differences.
constexpr int64_t RowsPerSlice = 256;

} // namespace

std::vector<float> scalesForAlpha(const float *absMean, int64_t cols,
                                  float alpha) {
  std::vector<float> s(cols);
  for (int64_t c = 0; c < cols; ++c)
    s[c] = std::max(std::pow(absMean[c], alpha), 1e-4f);
  auto [lo, hi] = std::minmax_element(s.begin(), s.end());
  const float norm = std::sqrt(*hi * *lo);
  for (float &v : s) {
    v /= norm;
    if (!std::isfinite(v))
      v = 1.0f;
  }
  return s;
}

Result<AWQScaleSearch>
searchScales(const std::vector<WeightView<const float>> &weights, int64_t cols,
             const InputStatistics &input, const AWQOptions &options) {
  QF_RETURN_IF_ERROR(checkOptions("scale search", cols, options));
  int64_t totalRows = 0;
  for (const WeightView<const float> &w : weights) {
    if (!w.data || w.rows <= 0)
      return Status::error("AWQ scale search: an empty weight");
    totalRows += w.rows;
  }
  if (totalRows == 0)
    return Status::error("AWQ scale search: no weights");
  const int threads = resolveThreads(options.threads);
  const int64_t groupSize = groupSizeOf(options, cols);

  AWQScaleSearch result;
  result.losses.resize(options.grid);
  double best = std::numeric_limits<double>::infinity();
  std::vector<float> scaled(cols), quantized(cols);
  for (int i = 0; i < options.grid; ++i) {
    const float alpha = float(i) / float(options.grid);
    std::vector<float> s = scalesForAlpha(input.absMean, cols, alpha);
    double loss = 0.0;
    for (const WeightView<const float> &w : weights)
      for (int64_t r0 = 0; r0 < w.rows; r0 += RowsPerSlice) {
        const int64_t count = std::min(RowsPerSlice, w.rows - r0);
        std::vector<double> d(count * cols);
        for (int64_t r = 0; r < count; ++r) {
          const float *row = w.data + (r0 + r) * cols;
          for (int64_t c = 0; c < cols; ++c)
            scaled[c] = row[c] * s[c];
          fakeQuantize(scaled.data(), cols, groupSize, options,
                       quantized.data());
          for (int64_t c = 0; c < cols; ++c)
            d[r * cols + c] = double(row[c]) - double(quantized[c] / s[c]);
        }
        for (double form : rowQuadraticForms(d, count, cols, input.hessian,
                                             cols, threads))
          loss += form;
      }
    loss /= double(totalRows);
    result.losses[i] = loss;
    if (loss < best) {
      best = loss;
      result.alpha = alpha;
      result.scales = std::move(s);
    }
  }
  if (result.scales.empty())
    return Status::error("AWQ scale search: no finite loss");
  return result;
}

template <typename T>
Status foldScales(const std::vector<float> &scales, T *producer,
                  int64_t producerCols,
                  const std::vector<WeightView<T>> &consumers) {
  for (float s : scales)
    if (!(s > 0.0f) || !std::isfinite(s))
      return Status::error("AWQ fold: scale " + std::to_string(s) +
                           " is not positive and finite");
  if (producerCols <= 0)
    return Status::error("AWQ fold: a producer of " +
                         std::to_string(producerCols) + " columns");
  const int64_t cols = int64_t(scales.size());
  for (int64_t c = 0; c < cols; ++c)
    for (int64_t j = 0; j < producerCols; ++j)
      producer[c * producerCols + j] /= T(scales[c]);
  for (const WeightView<T> &w : consumers)
    for (int64_t r = 0; r < w.rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        w.data[r * cols + c] *= T(scales[c]);
  return Status();
}

template Status foldScales<float>(const std::vector<float> &, float *, int64_t,
                                  const std::vector<WeightView<float>> &);
template Status foldScales<double>(const std::vector<float> &, double *,
                                   int64_t,
                                   const std::vector<WeightView<double>> &);

Result<AWQClipSearch> searchClip(const float *weight, int64_t rows,
                                 int64_t cols, const double *hessian,
                                 const AWQOptions &options) {
  QF_RETURN_IF_ERROR(checkOptions("clip search", cols, options));
  if (rows <= 0)
    return Status::error("AWQ clip search: " + std::to_string(rows) + " rows");
  const int threads = resolveThreads(options.threads);
  const int64_t groupSize = groupSizeOf(options, cols);
  const int64_t groups = cols / groupSize;

  AWQClipSearch result;
  result.maxValues.resize(rows * groups);
  result.errors.resize(rows * groups);
  result.unclippedErrors.resize(rows * groups);
  const int steps = int(options.maxShrink * options.clipGrid);
  std::vector<float> orgMax(rows), clipped(groupSize), quantized(groupSize);
  std::vector<double> d(rows * groupSize);
  for (int64_t g = 0; g < groups; ++g) {
    // Only the group's own inputs meet its weights.
    const double *hg = hessian + g * groupSize * cols + g * groupSize;
    for (int64_t r = 0; r < rows; ++r) {
      const float *w = weight + r * cols + g * groupSize;
      orgMax[r] = 0.0f;
      for (int64_t i = 0; i < groupSize; ++i)
        orgMax[r] = std::max(orgMax[r], std::fabs(w[i]));
    }
    for (int i = 0; i < steps; ++i) {
      const float shrink = float(1.0 - double(i) / options.clipGrid);
      for (int64_t r = 0; r < rows; ++r) {
        const float *w = weight + r * cols + g * groupSize;
        const float maxValue = orgMax[r] * shrink;
        for (int64_t j = 0; j < groupSize; ++j)
          clipped[j] = std::clamp(w[j], -maxValue, maxValue);
        fakeQuantize(clipped.data(), groupSize, groupSize, options,
                     quantized.data());
        for (int64_t j = 0; j < groupSize; ++j)
          d[r * groupSize + j] = double(w[j]) - double(quantized[j]);
      }
      std::vector<double> forms =
          rowQuadraticForms(d, rows, groupSize, hg, cols, threads);
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t at = r * groups + g;
        if (i == 0) {
          result.unclippedErrors[at] = result.errors[at] = forms[r];
          result.maxValues[at] = orgMax[r];
        } else if (forms[r] < result.errors[at]) {
          result.errors[at] = forms[r];
          result.maxValues[at] = orgMax[r] * shrink;
        }
      }
    }
  }
  return result;
}

Status applyClip(float *weight, int64_t rows, int64_t cols, int64_t groupSize,
                 const std::vector<float> &maxValues) {
  if (groupSize == 0)
    groupSize = cols;
  if (rows <= 0 || cols <= 0 || groupSize < 0 || cols % groupSize != 0 ||
      int64_t(maxValues.size()) != rows * (cols / groupSize))
    return Status::error("AWQ clip: " + std::to_string(maxValues.size()) +
                         " max values for a " + std::to_string(rows) + "x" +
                         std::to_string(cols) + " weight in groups of " +
                         std::to_string(groupSize));
  const int64_t groups = cols / groupSize;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const float m = maxValues[r * groups + c / groupSize];
      weight[r * cols + c] = std::clamp(weight[r * cols + c], -m, m);
    }
  return Status();
}

std::vector<double> scaleHessian(const double *hessian,
                                 const std::vector<float> &scales) {
  const int64_t cols = int64_t(scales.size());
  std::vector<double> scaled(hessian, hessian + cols * cols);
  for (int64_t i = 0; i < cols; ++i)
    for (int64_t j = 0; j < cols; ++j)
      scaled[i * cols + j] /= double(scales[i]) * double(scales[j]);
  return scaled;
}

Result<AWQQuantized> clipAndQuantize(const float *scaled, int64_t rows,
                                     int64_t cols, const double *hessian,
                                     bool clip, const AWQOptions &options) {
  const int64_t groupSize = groupSizeOf(options, cols);
  AWQQuantized result;
  std::vector<float> clipped(scaled, scaled + rows * cols);
  if (clip) {
    auto search = searchClip(scaled, rows, cols, hessian, options);
    if (!search.ok())
      return search.status();
    // The mean kept fraction of each group's max |w|.
    const int64_t groups = cols / groupSize;
    std::vector<float> original(rows * groups, 0.0f);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        float &m = original[r * groups + c / groupSize];
        m = std::max(m, std::fabs(scaled[r * cols + c]));
      }
    double sum = 0.0;
    for (size_t i = 0; i < original.size(); ++i)
      sum += original[i] > 0.0f ? search->maxValues[i] / original[i] : 1.0;
    result.clip = sum / double(original.size());
    QF_RETURN_IF_ERROR(
        applyClip(clipped.data(), rows, cols, groupSize, search->maxValues));
  }
  auto quantized = quantizeRTN(clipped.data(), rows, cols, options.bits,
                               groupSize, options.symmetric);
  if (!quantized.ok())
    return quantized.status();
  result.weight = quantized.take();
  return result;
}

double outputError(const float *a, const float *b, int64_t rows, int64_t cols,
                   const double *hessian, int threads) {
  threads = resolveThreads(threads);
  double total = 0.0;
  for (int64_t r0 = 0; r0 < rows; r0 += RowsPerSlice) {
    const int64_t count = std::min(RowsPerSlice, rows - r0);
    std::vector<double> d(count * cols);
    for (int64_t i = 0; i < count * cols; ++i)
      d[i] = double(a[r0 * cols + i]) - double(b[r0 * cols + i]);
    for (double form :
         rowQuadraticForms(d, count, cols, hessian, cols, threads))
      total += form;
  }
  return total;
}

} // namespace qf::quant
