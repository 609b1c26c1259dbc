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

Status checkOptions(const char *what, int64_t cols, int64_t tokens,
                    const AWQOptions &options) {
  auto fail = [&](const std::string &problem) {
    return Status::error(std::string("AWQ ") + what + ": " + problem);
  };
  if (cols <= 0 || tokens <= 0)
    return fail(std::to_string(tokens) + " tokens of " + std::to_string(cols) +
                " channels");
  if (options.bits < 2 || options.bits > 8)
    return fail(std::to_string(options.bits) + " bits");
  if (options.groupSize < 0 ||
      (options.groupSize > 0 && cols % options.groupSize != 0))
    return fail("groups of " + std::to_string(options.groupSize) +
                " cannot split " + std::to_string(cols) + " columns");
  if (options.grid <= 0 || options.clipTokens <= 0 ||
      !(options.maxShrink * options.grid >= 1.0 && options.maxShrink < 1.0))
    return fail("a grid of " + std::to_string(options.grid) +
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

/// d_r^T G d_r for each row of d [rows, n]; G symmetric [n, n].
std::vector<double> rowQuadraticForms(const std::vector<double> &d,
                                      int64_t rows, int64_t n,
                                      const std::vector<double> &g,
                                      int threads) {
  std::vector<double> dg(rows * n, 0.0), forms(rows, 0.0);
  gemm<double>(false, false, rows, n, n, 1.0, d.data(), n, g.data(), n,
               dg.data(), n, threads);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < n; ++c)
      forms[r] += d[r * n + c] * dg[r * n + c];
  return forms;
}

/// X^T X over the given tokens and columns, both triangles.
std::vector<double> gram(const float *x, int64_t tokens, int64_t cols,
                         int64_t ldx, int threads) {
  std::vector<double> g(cols * cols, 0.0);
  gramLower(x, tokens, cols, ldx, 1.0, g.data(), cols, threads);
  symmetrizeFromLower(g.data(), cols);
  return g;
}

} // namespace

Result<AWQScaleSearch>
searchScales(const std::vector<WeightView<const float>> &weights, int64_t cols,
             const float *x, int64_t tokens, const AWQOptions &options) {
  QF_RETURN_IF_ERROR(checkOptions("scale search", cols, tokens, options));
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

  std::vector<float> xMean(cols);
  {
    std::vector<double> sums(cols, 0.0);
    for (int64_t t = 0; t < tokens; ++t)
      for (int64_t c = 0; c < cols; ++c)
        sums[c] += std::fabs(x[t * cols + c]);
    for (int64_t c = 0; c < cols; ++c)
      xMean[c] = float(sums[c] / double(tokens));
  }
  const std::vector<double> g = gram(x, tokens, cols, cols, threads);

  AWQScaleSearch result;
  result.losses.resize(options.grid);
  double best = std::numeric_limits<double>::infinity();
  std::vector<float> s(cols), scaled(cols), quantized(cols);
  constexpr int64_t RowsPerSlice = 256;
  for (int i = 0; i < options.grid; ++i) {
    const float alpha = float(i) / float(options.grid);
    for (int64_t c = 0; c < cols; ++c)
      s[c] = std::max(std::pow(xMean[c], alpha), 1e-4f);
    auto [lo, hi] = std::minmax_element(s.begin(), s.end());
    const float norm = std::sqrt(*hi * *lo);
    for (float &v : s) {
      v /= norm;
      if (!std::isfinite(v))
        v = 1.0f;
    }
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
        for (double form : rowQuadraticForms(d, count, cols, g, threads))
          loss += form;
      }
    loss /= double(tokens) * double(totalRows);
    result.losses[i] = loss;
    if (loss < best) {
      best = loss;
      result.alpha = alpha;
      result.scales = s;
    }
  }
  if (result.scales.empty())
    return Status::error("AWQ scale search: no finite loss");
  return result;
}

Status foldScales(const std::vector<float> &scales, float *normWeight,
                  const std::vector<WeightView<float>> &weights) {
  for (float s : scales)
    if (!(s > 0.0f) || !std::isfinite(s))
      return Status::error("AWQ fold: scale " + std::to_string(s) +
                           " is not positive and finite");
  const int64_t cols = int64_t(scales.size());
  for (int64_t c = 0; c < cols; ++c)
    normWeight[c] /= scales[c];
  for (const WeightView<float> &w : weights)
    for (int64_t r = 0; r < w.rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        w.data[r * cols + c] *= scales[c];
  return Status();
}

Result<AWQClipSearch> searchClip(const float *weight, int64_t rows,
                                 int64_t cols, const float *x, int64_t tokens,
                                 const AWQOptions &options) {
  QF_RETURN_IF_ERROR(checkOptions("clip search", cols, tokens, options));
  if (rows <= 0)
    return Status::error("AWQ clip search: " + std::to_string(rows) + " rows");
  const int threads = resolveThreads(options.threads);
  const int64_t groupSize = groupSizeOf(options, cols);
  const int64_t groups = cols / groupSize;

  // AutoAWQ's input_feat[:, ::step].
  const int64_t step = std::max<int64_t>(1, tokens / options.clipTokens);
  const int64_t used = (tokens + step - 1) / step;
  std::vector<float> sampled(used * cols);
  for (int64_t t = 0; t < used; ++t)
    std::copy(x + t * step * cols, x + (t * step + 1) * cols,
              sampled.begin() + t * cols);

  AWQClipSearch result;
  result.maxValues.resize(rows * groups);
  result.errors.resize(rows * groups);
  result.unclippedErrors.resize(rows * groups);
  const int steps = int(options.maxShrink * options.grid);
  std::vector<float> orgMax(rows), clipped(groupSize), quantized(groupSize);
  std::vector<double> d(rows * groupSize);
  for (int64_t g = 0; g < groups; ++g) {
    // Only the group's own inputs meet its weights.
    const std::vector<double> gg =
        gram(sampled.data() + g * groupSize, used, groupSize, cols, threads);
    for (int64_t r = 0; r < rows; ++r) {
      const float *w = weight + r * cols + g * groupSize;
      orgMax[r] = 0.0f;
      for (int64_t i = 0; i < groupSize; ++i)
        orgMax[r] = std::max(orgMax[r], std::fabs(w[i]));
    }
    for (int i = 0; i < steps; ++i) {
      const float shrink = float(1.0 - double(i) / options.grid);
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
          rowQuadraticForms(d, rows, groupSize, gg, threads);
      for (int64_t r = 0; r < rows; ++r) {
        const double error = forms[r] / double(used);
        const int64_t at = r * groups + g;
        if (i == 0) {
          result.unclippedErrors[at] = result.errors[at] = error;
          result.maxValues[at] = orgMax[r];
        } else if (error < result.errors[at]) {
          result.errors[at] = error;
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

} // namespace qf::quant
