//===- Sequential.h - block-sequential calibration and quantization -*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The GPTQ authors' order: the model is calibrated and quantized one decoder
// layer at a time, each layer seeing the outputs of the already-quantized
// layers before it, and inside a layer the linears that read one input
// (q/k/v, then o, then gate/up, then down) are quantized after the ones
// before them, the layer re-run with those quantized ("true sequential").
// Each stage (llm-extract-decoder-stage) is compiled for the calibration
// device (CPU or GPU) once per distinct shape and run by its driver with the
// layer's weights bound, so memory holds the calibration activations and one
// layer.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_CODEGEN_CALIBRATION_SEQUENTIAL_H
#define QUANTFORGE_CODEGEN_CALIBRATION_SEQUENTIAL_H

#include "codegen/Calibration/Calibration.h"
#include "passes/Quant/QuantizeLinears.h"
#include "runtime/quant/GPTQ.h"

#include "mlir/Pass/PassManager.h"

#include <functional>
#include <map>
#include <optional>

namespace quantforge::codegen {

/// What the instrumentation observed on one linear's input.
struct InputStatistics {
  int64_t samples = 0;
  int64_t tokens = 0;
  /// Per statistic kind, the sums the instrumented code accumulated
  /// ("hessian": sum of x x^T over the tokens, [in, in]).
  std::map<std::string, std::vector<float>> sums;
  /// GPTQ's H = 2/samples * sum of x x^T.
  std::vector<double> hessian() const;
};

/// One quantized weight, for the report.
struct LinearReport {
  std::string key, method;
  int64_t layer = 0;
  unsigned bits = 0;
  int64_t groupSize = 0, rows = 0, cols = 0;
  /// trace(dW H dW^T) on the calibration inputs the weight saw: with
  /// round-to-nearest (before) and with the method (after).
  double errorBefore = 0, errorAfter = 0;
  double seconds = 0;
  /// Set by methods that search them (AWQ).
  std::optional<double> alpha, clip;
};

/// A weight quantizer the driver runs: the statistics it needs beyond the
/// Hessians (instrumentation passes run on each bound stage) and how it
/// quantizes one [rows, cols] weight from them.
struct SequentialQuantizer {
  std::string method;
  std::function<void(mlir::OpPassManager &)> instrument;
  std::function<qf::Result<qf::quant::UnpackedWeight>(
      const std::string &key, const std::vector<float> &weights, int64_t rows,
      int64_t cols, int64_t groupSize, const InputStatistics &statistics,
      LinearReport &report)>
      quantize;
};

/// GPTQ (runtime/quant/GPTQ.cpp) from the Hessian of each input.
SequentialQuantizer gptqQuantizer(const qf::quant::GPTQOptions &options);

/// Calibrates and quantizes the decoder linears of `module` (an llm module
/// before binding) layer by layer, then rewrites it as the quantization
/// passes do (`packing`: bits, groups, scales, output file; its `quantize`
/// is ignored). Appends one entry per weight to `report` when given.
mlir::LogicalResult quantizeSequentially(mlir::ModuleOp module,
                                         const CalibrationOptions &calibration,
                                         const LinearQuantization &packing,
                                         const SequentialQuantizer &quantizer,
                                         std::vector<LinearReport> *report);

} // namespace quantforge::codegen

#endif // QUANTFORGE_CODEGEN_CALIBRATION_SEQUENTIAL_H
