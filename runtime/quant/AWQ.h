//===- AWQ.h - activation-aware weight quantization searches -----*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// AWQ (Lin et al., 2023) as llm-awq's auto_scale and auto_clip and AutoAWQ
// implement them: per input channel scales s = mean|x|^alpha that protect
// the salient channels (folded into the preceding RMSNorm), then per group
// clipping of the weights' range, both chosen by the output error they leave
// on calibration activations. The weights are then quantized with RTN.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_QUANT_AWQ_H
#define QUANTFORGE_RUNTIME_QUANT_AWQ_H

#include "runtime/support/Status.h"

#include <cstdint>
#include <vector>

namespace qf::quant {

struct AWQOptions {
  int bits = 4;
  /// Columns per scale; 0 = one group per output channel.
  int64_t groupSize = 128;
  /// false = AutoAWQ's zero_point.
  bool symmetric = false;
  /// Grid points: alpha = i / grid for the scales, shrink = i / grid for
  /// the clipping (AutoAWQ's n_grid).
  int grid = 20;
  /// Clipping keeps at least (1 - maxShrink) of a group's max |w|.
  double maxShrink = 0.5;
  /// The clip search reads every (tokens / clipTokens)-th token
  /// (n_sample_token).
  int64_t clipTokens = 512;
  /// 0 = every hardware thread. Results do not depend on it.
  int threads = 0;
};

/// A row-major [rows, cols] weight; cols is the size of the shared input.
template <typename T> struct WeightView {
  T *data;
  int64_t rows;
};

struct AWQScaleSearch {
  std::vector<float> scales; ///< cols, the best grid point's
  float alpha = 0.0f;        ///< the best grid point
  /// Per grid point: mean over the outputs of all the weights of
  /// (X W^T - X Q(W diag(s))^T diag(s)^-1)^2.
  std::vector<double> losses;
};

/// Searches the scales of the linears `weights` that read the same input,
/// X [tokens, cols] (e.g. q/k/v or gate/up): s = max(mean|x|^alpha, 1e-4)
/// per input channel, divided by sqrt(max(s) * min(s)), for alpha = i / grid,
/// i < grid; keeps the first alpha of least loss. Q is RTN's quantizer
/// (GroupQuantizer) per group of the scaled weight, in float32 as the
/// weights are. The loss is evaluated as sum_r d_r^T (X^T X) d_r over the
/// rows d_r of W - Q(W s)/s, in double: equal to the output error, at a
/// cost independent of the number of tokens.
Result<AWQScaleSearch>
searchScales(const std::vector<WeightView<const float>> &weights, int64_t cols,
             const float *x, int64_t tokens, const AWQOptions &options);

/// Folds the scales into the model: the preceding RMSNorm weight [cols] is
/// divided by s, every linear's input column c multiplied by s[c]. The float
/// function is unchanged up to rounding.
Status foldScales(const std::vector<float> &scales, float *normWeight,
                  const std::vector<WeightView<float>> &weights);

struct AWQClipSearch {
  /// [rows, groups]: the largest |w| to keep in each group.
  std::vector<float> maxValues;
  /// [rows, groups]: the group's output error with that clipping and with
  /// none (the search's objective).
  std::vector<double> errors, unclippedErrors;
};

/// Searches per output channel and group the clipping max = (1 - i / grid)
/// * max|w| for i < maxShrink * grid, keeping the first of least error
/// mean_t (x_t,g . (w_g - Q(clamp(w_g, -max, max))))^2 over the sampled
/// tokens. Like llm-awq, call it on the weight after foldScales with X
/// divided by the scales, and skip q/k (their outputs meet in a product).
Result<AWQClipSearch> searchClip(const float *weight, int64_t rows,
                                 int64_t cols, const float *x, int64_t tokens,
                                 const AWQOptions &options);

/// Clamps each group of `weight` to [-max, max] (AutoAWQ's apply_clip).
Status applyClip(float *weight, int64_t rows, int64_t cols, int64_t groupSize,
                 const std::vector<float> &maxValues);

} // namespace qf::quant

#endif // QUANTFORGE_RUNTIME_QUANT_AWQ_H
