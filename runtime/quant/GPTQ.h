//===- GPTQ.h - GPTQ weight quantization -------------------------*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// GPTQ (Frantar et al., 2022) as the authors' gptq.py fasterquant and
// AutoGPTQ implement it: columns are quantized one at a time and the error
// of each is spread over the columns not yet quantized through the rows of
// the upper Cholesky factor of the inverse Hessian, in lazy blocks.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_QUANT_GPTQ_H
#define QUANTFORGE_RUNTIME_QUANT_GPTQ_H

#include "runtime/quant/PackedWeights.h"

#include <cstdint>
#include <vector>

namespace qf::quant {

struct GPTQOptions {
  int bits = 4;
  /// Columns per scale; 0 = one group per output channel.
  int64_t groupSize = 128;
  bool symmetric = false;
  /// Adds dampPercent * mean(diag H) to the diagonal of H.
  double dampPercent = 0.01;
  /// Columns per lazy batch update.
  int64_t blockSize = 128;
  /// desc_act: quantize columns in order of decreasing diag(H).
  bool actOrder = false;
  /// Fits every group's scale and zero point up front on the unquantized
  /// weights (static_groups); otherwise when the algorithm reaches it.
  bool staticGroups = false;
  /// Fits each group's range by the reference quantizer's error search
  /// (its mse=True: GroupQuantizer::fitMinError) instead of min/max.
  bool mse = false;
  /// 0 = every hardware thread. Results do not depend on it.
  int threads = 0;
};

struct GPTQReport {
  /// The reference's sum of Losses: sum of (w - q)^2 / (2 d^2) with d the
  /// column's diagonal entry of the upper Cholesky factor of H^-1 (d^2 is
  /// OBS's [H_F^-1]_qq over the columns F not yet quantized).
  double loss = 0.0;
  /// Wall time of quantizeGPTQ.
  double seconds = 0.0;
  /// The damping added to the diagonal of H.
  double damp = 0.0;
  /// Columns with diag(H) == 0, quantized as zero.
  int64_t deadColumns = 0;
};

/// Quantizes the row-major [rows, cols] weight W (rows = output features)
/// given H [cols, cols], the Hessian of the layer's inputs. H is expected as
/// the reference accumulates it (HessianAccumulator): 2/nsamples * sum of
/// x x^T over the calibration tokens; any positive multiple gives the same
/// weights, only the reported loss scales with it.
///
/// The Hessian algebra (damping, Cholesky factor, inverse, upper Cholesky
/// factor of the inverse) runs in double; the weights, the factor's rows used
/// for the updates and the quantizer run in float32, as the reference does.
/// The quantizer is RTN's (GroupQuantizer). Faithful to the reference:
///  - per-channel parameters are fitted to W before dead columns (diag(H) ==
///    0) are zeroed; those columns get H[i][i] = 1 and W[:, i] = 0;
///  - with groups, a group's parameters are fitted when the algorithm
///    reaches its first column, to the weights as updated up to the start of
///    the current lazy block;
///  - act-order sorts by decreasing diag(H), ties in column order; groups
///    are consecutive in that order unless staticGroups, and gIdx gives each
///    original column's group (filled whenever actOrder).
Result<UnpackedWeight> quantizeGPTQ(const float *w, int64_t rows, int64_t cols,
                                    const double *h, const GPTQOptions &options,
                                    GPTQReport *report = nullptr);

/// Accumulates a layer's Hessian as the reference's add_batch: for each batch
/// of `samples` sequences, H *= n / (n + samples); n += samples;
/// H += 2/n * sum of x x^T over the batch's tokens (in double).
class HessianAccumulator {
public:
  explicit HessianAccumulator(int64_t cols, int threads = 0);

  /// Adds the tokens x [tokens, cols] of `samples` sequences.
  Status add(const float *x, int64_t tokens, int64_t samples);

  /// H, [cols, cols] row-major, symmetric.
  const std::vector<double> &hessian() const { return h_; }
  int64_t samples() const { return samples_; }

private:
  int64_t cols_;
  int threads_;
  int64_t samples_ = 0;
  std::vector<double> h_;
};

} // namespace qf::quant

#endif // QUANTFORGE_RUNTIME_QUANT_GPTQ_H
