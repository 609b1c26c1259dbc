//===- AWQ.h - activation-aware weight quantization searches ----*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// AWQ (Lin et al., 2023) as llm-awq's auto_scale and auto_clip and AutoAWQ
// implement them: per input channel scales s = mean|x|^alpha that protect
// the salient channels (folded into the layer that produces the input),
// then per group clipping of the weights' range, both chosen by the output
// error they leave on calibration activations. The weights are then
// quantized with RTN.
//
// The searches read the calibration statistics rather than the activations:
// mean |x| per input channel and H = sum of x x^T (any positive multiple of
// it). The output error of a weight change D = W - W' over the tokens is
// sum_t |D x_t|^2 = trace(D H D^T), so the objective of the paper,
// ||Q(W diag(s)) diag(s)^-1 X - W X||^2, is evaluated exactly at a cost
// independent of the number of tokens.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_QUANT_AWQ_H
#define QUANTFORGE_RUNTIME_QUANT_AWQ_H

#include "runtime/quant/PackedWeights.h"
#include "runtime/support/Status.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace qf::quant {

struct AWQOptions {
  int bits = 4;
  /// Columns per scale; 0 = one group per output channel.
  int64_t groupSize = 128;
  /// false = AutoAWQ's zero_point.
  bool symmetric = false;
  /// The scale search tries alpha = i / grid, i < grid (AutoAWQ's n_grid).
  int grid = 20;
  /// The clip search tries shrink = 1 - i / clipGrid for i < maxShrink *
  /// clipGrid, keeping at least (1 - maxShrink) of a group's max |w|.
  int clipGrid = 20;
  double maxShrink = 0.5;
  /// 0 = every hardware thread. Results do not depend on it.
  int threads = 0;
};

/// A row-major [rows, cols] weight; cols is the size of the shared input.
template <typename T> struct WeightView {
  T *data;
  int64_t rows;
};

/// Calibration statistics of one linear input of `cols` channels.
struct InputStatistics {
  const float *absMean; ///< [cols], mean |x| per channel
  const double *hessian; ///< [cols, cols], a multiple of sum x x^T, symmetric
};

struct AWQScaleSearch {
  std::vector<float> scales; ///< cols, the best grid point's
  float alpha = 0.0f;        ///< the best grid point
  /// Per grid point: sum over the rows d of all the weights of d^T H d,
  /// d = w - Q(w s) / s, divided by the number of rows.
  std::vector<double> losses;
};

/// The scales of grid point alpha: s = max(absMean^alpha, 1e-4) per channel,
/// divided by sqrt(max(s) * min(s)) (AutoAWQ's normalization).
std::vector<float> scalesForAlpha(const float *absMean, int64_t cols,
                                  float alpha);

/// Searches the scales of the linears `weights` that read the same input
/// (e.g. q/k/v or gate/up) over alpha = i / grid, keeping the first alpha
/// of least loss. Q is RTN's quantizer (GroupQuantizer) per group of the
/// scaled weight, in float32 as the weights are; the loss in double.
Result<AWQScaleSearch>
searchScales(const std::vector<WeightView<const float>> &weights, int64_t cols,
             const InputStatistics &input, const AWQOptions &options);

/// Folds the scales into the model so that its function is unchanged up to
/// rounding: every consumer's input column c is multiplied by s[c] and row c
/// of the producer divided by s[c]. The producer is the RMSNorm weight
/// ([cols], producerCols = 1) or the weight [cols, producerCols] of the
/// linear whose output channels become the consumers' input channels one to
/// one (swiglu's `up`, or the values of multi-head attention).
template <typename T>
Status foldScales(const std::vector<float> &scales, T *producer,
                  int64_t producerCols,
                  const std::vector<WeightView<T>> &consumers);

struct AWQClipSearch {
  /// [rows, groups]: the largest |w| to keep in each group.
  std::vector<float> maxValues;
  /// [rows, groups]: the group's output error d_g^T H_gg d_g with that
  /// clipping and with none (the search's objective).
  std::vector<double> errors, unclippedErrors;
};

/// Searches per output channel and group the clipping max = shrink *
/// max|w|, keeping the first of least error over the group's own inputs
/// (H's diagonal block of the group, as llm-awq's auto_clip). Like llm-awq,
/// call it on the weight after foldScales with the Hessian of the scaled
/// input, diag(1/s) H diag(1/s), and skip q/k (their outputs meet in a
/// product).
Result<AWQClipSearch> searchClip(const float *weight, int64_t rows,
                                 int64_t cols, const double *hessian,
                                 const AWQOptions &options);

/// Clamps each group of `weight` to [-max, max] (AutoAWQ's apply_clip).
Status applyClip(float *weight, int64_t rows, int64_t cols, int64_t groupSize,
                 const std::vector<float> &maxValues);

/// diag(1/s) H diag(1/s) for a symmetric H [cols, cols]: the Hessian of
/// the input x / s that a linear reads once its columns carry s.
std::vector<double> scaleHessian(const double *hessian,
                                 const std::vector<float> &scales);

struct AWQQuantized {
  UnpackedWeight weight;
  /// The mean kept fraction of the groups' max |w|; unset when not clipped.
  std::optional<double> clip;
};

/// AWQ's last step for one linear whose weight already carries its scales
/// (`hessian` is that of the scaled input, see scaleHessian): the clip
/// search and its clamp unless `clip` is false, then RTN in groups of
/// options.groupSize (0: one per row).
Result<AWQQuantized> clipAndQuantize(const float *scaled, int64_t rows,
                                     int64_t cols, const double *hessian,
                                     bool clip, const AWQOptions &options);

/// trace((A - B) H (A - B)^T) for [rows, cols] A and B and a symmetric H
/// [cols, cols]: the summed squared output error of B in place of A.
double outputError(const float *a, const float *b, int64_t rows, int64_t cols,
                   const double *hessian, int threads = 0);

} // namespace qf::quant

#endif // QUANTFORGE_RUNTIME_QUANT_AWQ_H
