//===- GPTQ.cpp - GPTQ weight quantization --------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/quant/GPTQ.h"

#include "runtime/quant/LinearAlgebra.h"
#include "runtime/quant/RTN.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <string>

namespace qf::quant {

namespace {

Status checkOptions(int64_t rows, int64_t cols, const GPTQOptions &options) {
  auto fail = [&](const std::string &what) {
    return Status::error("GPTQ: " + what + " for a " + std::to_string(rows) +
                         "x" + std::to_string(cols) + " weight");
  };
  if (rows <= 0 || cols <= 0)
    return fail("bad shape");
  if (options.bits < 2 || options.bits > 8)
    return fail(std::to_string(options.bits) + " bits");
  if (options.groupSize < 0 ||
      (options.groupSize > 0 && cols % options.groupSize != 0))
    return fail("groups of " + std::to_string(options.groupSize) + " columns");
  if (options.blockSize <= 0)
    return fail("blocks of " + std::to_string(options.blockSize) + " columns");
  if (!(options.dampPercent >= 0.0))
    return fail("damping " + std::to_string(options.dampPercent));
  return Status();
}

/// The rows of U, the upper Cholesky factor of H^-1 (U^T U = H^-1), in
/// float: the reference's Hinv. `h` is H + damp, destroyed on the way.
Result<std::vector<float>> inverseCholeskyRows(std::vector<double> &h,
                                               int64_t n, int threads) {
  // As torch: cholesky(H), cholesky_inverse, cholesky(upper=True). The
  // lower factor L2 of H^-1 gives U = L2^T.
  Status status = choleskyLower(h.data(), n, threads);
  if (!status.ok())
    return status.prepend("GPTQ: H + damp");
  std::vector<double> inverse(n * n);
  choleskyInverse(h.data(), n, inverse.data(), threads);
  std::vector<double>().swap(h);
  status = choleskyLower(inverse.data(), n, threads);
  if (!status.ok())
    return status.prepend("GPTQ: H^-1");
  std::vector<float> u(n * n, 0.0f);
  constexpr int64_t B = 64;
  for (int64_t j0 = 0; j0 < n; j0 += B)
    for (int64_t i0 = 0; i0 <= j0; i0 += B)
      for (int64_t j = j0; j < std::min(n, j0 + B); ++j)
        for (int64_t i = i0; i < std::min(j + 1, i0 + B); ++i)
          u[i * n + j] = float(inverse[j * n + i]);
  return u;
}

} // namespace

Result<UnpackedWeight> quantizeGPTQ(const float *w, int64_t rows, int64_t cols,
                                    const double *h, const GPTQOptions &options,
                                    GPTQReport *report) {
  auto start = std::chrono::steady_clock::now();
  QF_RETURN_IF_ERROR(checkOptions(rows, cols, options));
  const int threads = resolveThreads(options.threads);
  const int bits = options.bits;
  const bool symmetric = options.symmetric;
  const bool perChannel = options.groupSize == 0;
  const bool staticGroups = options.staticGroups && !perChannel;
  const int64_t groupSize = perChannel ? cols : options.groupSize;
  const int64_t groups = cols / groupSize;

  UnpackedWeight out;
  out.rows = rows, out.cols = cols, out.groupSize = groupSize, out.bits = bits;
  out.q.resize(rows * cols);
  out.scales.resize(rows * groups);
  out.zeros.resize(rows * groups);
  auto record = [&](int64_t row, int64_t group, const GroupQuantizer &g) {
    out.scales[row * groups + group] = g.scale;
    out.zeros[row * groups + group] = uint8_t(g.zero);
  };

  auto fitGroup = [&](const float *values, int64_t count) {
    return options.mse ? GroupQuantizer::fitMinError(values, count, bits,
                                                     symmetric, {})
                       : GroupQuantizer::fit(values, count, bits, symmetric);
  };

  // The quantizer each row uses now. Per channel it is fitted once, to W as
  // given (the reference fits it before zeroing dead columns).
  std::vector<GroupQuantizer> current(rows);
  if (perChannel)
    for (int64_t r = 0; r < rows; ++r) {
      current[r] = fitGroup(w + r * cols, cols);
      record(r, 0, current[r]);
    }

  std::vector<float> weights(w, w + rows * cols);
  std::vector<double> diag(cols);
  int64_t dead = 0;
  for (int64_t c = 0; c < cols; ++c) {
    diag[c] = h[c * cols + c];
    if (diag[c] != 0.0)
      continue;
    diag[c] = 1.0;
    ++dead;
    for (int64_t r = 0; r < rows; ++r)
      weights[r * cols + c] = 0.0f;
  }

  std::vector<GroupQuantizer> fixed;
  if (staticGroups) {
    fixed.resize(rows * groups);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t g = 0; g < groups; ++g) {
        fixed[r * groups + g] =
            fitGroup(weights.data() + r * cols + g * groupSize, groupSize);
        record(r, g, fixed[r * groups + g]);
      }
  }

  // perm[p] is the column quantized p-th.
  std::vector<int64_t> perm(cols);
  std::iota(perm.begin(), perm.end(), 0);
  if (options.actOrder)
    std::sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
      return diag[a] != diag[b] ? diag[a] > diag[b] : a < b;
    });

  // W and H in that order; the factorizations read H's lower triangle only.
  std::vector<float> wp(rows * cols);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t p = 0; p < cols; ++p)
      wp[r * cols + p] = weights[r * cols + perm[p]];
  std::vector<float>().swap(weights);
  std::vector<double> hp(cols * cols);
  double diagSum = 0.0;
  for (int64_t p = 0; p < cols; ++p) {
    for (int64_t q = 0; q < p; ++q)
      hp[p * cols + q] = h[perm[p] * cols + perm[q]];
    hp[p * cols + p] = diag[perm[p]];
    diagSum += diag[perm[p]];
  }
  const double damp = options.dampPercent * diagSum / double(cols);
  for (int64_t p = 0; p < cols; ++p)
    hp[p * cols + p] += damp;
  Result<std::vector<float>> factor = inverseCholeskyRows(hp, cols, threads);
  if (!factor.ok())
    return factor.status();
  const std::vector<float> u = factor.take();

  const int64_t blockSize = std::min(options.blockSize, cols);
  std::vector<float> errors(rows * blockSize);
  std::vector<double> rowLoss(rows, 0.0);
  // The reference's column loop over block [i1, i1 + count) for one row,
  // on `block`, the row's copy of it (W1).
  auto quantizeBlockRow = [&](int64_t r, int64_t i1, int64_t count,
                              float *block) {
    const float *row = wp.data() + r * cols;
    std::copy(row + i1, row + i1 + count, block);
    for (int64_t i = 0; i < count; ++i) {
      const int64_t p = i1 + i;
      const GroupQuantizer *quantizer = &current[r];
      if (staticGroups) {
        quantizer = &fixed[r * groups + perm[p] / groupSize];
      } else if (!perChannel && p % groupSize == 0) {
        // W, not the block copy: the weights as of the block's start.
        current[r] = fitGroup(row + p, groupSize);
        record(r, p / groupSize, current[r]);
      }
      const float x = block[i];
      const uint8_t q = quantizer->quantize(x);
      const float diff = x - quantizer->dequantize(q);
      const float *uRow = u.data() + p * cols;
      const float d = uRow[p];
      const float e = diff / d;
      rowLoss[r] += double(diff) * double(diff) / (double(d) * double(d));
      for (int64_t j = i + 1; j < count; ++j)
        block[j] -= e * uRow[i1 + j];
      errors[r * blockSize + i] = e;
      out.q[r * cols + perm[p]] = q;
    }
  };
  constexpr int64_t RowsPerItem = 16;
  for (int64_t i1 = 0; i1 < cols; i1 += blockSize) {
    const int64_t i2 = std::min(i1 + blockSize, cols), count = i2 - i1;
    // Within a block the rows are independent.
    parallelFor((rows + RowsPerItem - 1) / RowsPerItem, threads,
                [&](int64_t item) {
                  std::vector<float> block(count);
                  const int64_t end = std::min(rows, (item + 1) * RowsPerItem);
                  for (int64_t r = item * RowsPerItem; r < end; ++r)
                    quantizeBlockRow(r, i1, count, block.data());
                });
    // The lazy batch update of the columns after the block.
    gemm<float>(false, false, rows, cols - i2, count, -1.0f, errors.data(),
                blockSize, u.data() + i1 * cols + i2, cols, wp.data() + i2,
                cols, threads);
  }

  if (options.actOrder) {
    out.gIdx.resize(cols);
    for (int64_t p = 0; p < cols; ++p) {
      int64_t c = perm[p];
      out.gIdx[c] =
          int32_t(staticGroups || perChannel ? c / groupSize : p / groupSize);
    }
  }
  if (report) {
    report->loss = std::accumulate(rowLoss.begin(), rowLoss.end(), 0.0) / 2.0;
    report->damp = damp;
    report->deadColumns = dead;
    report->seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
  }
  return out;
}

HessianAccumulator::HessianAccumulator(int64_t cols, int threads)
    : cols_(cols), threads_(threads), h_(cols * cols, 0.0) {}

Status HessianAccumulator::add(const float *x, int64_t tokens,
                               int64_t samples) {
  if (tokens <= 0 || samples <= 0)
    return Status::error("Hessian: a batch of " + std::to_string(tokens) +
                         " tokens from " + std::to_string(samples) +
                         " sequences");
  const double keep = double(samples_) / double(samples_ + samples);
  samples_ += samples;
  for (double &v : h_)
    v *= keep;
  gramLower(x, tokens, cols_, cols_, 2.0 / double(samples_), h_.data(), cols_,
            threads_);
  symmetrizeFromLower(h_.data(), cols_);
  return Status();
}

} // namespace qf::quant
