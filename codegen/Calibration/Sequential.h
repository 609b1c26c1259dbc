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
// layer. The method is a SequentialQuantizer: GPTQ, or AWQ with its scales
// folded inside the layer before each input's linears are quantized.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_CODEGEN_CALIBRATION_SEQUENTIAL_H
#define QUANTFORGE_CODEGEN_CALIBRATION_SEQUENTIAL_H

#include "codegen/Calibration/Calibration.h"
#include "passes/Quant/QuantizeLinears.h"
#include "runtime/quant/AWQ.h"
#include "runtime/quant/GPTQ.h"

#include "mlir/Pass/PassManager.h"

#include <functional>
#include <map>

namespace quantforge::codegen {

/// What the instrumentation observed on one linear's input.
struct InputStatistics {
  int64_t samples = 0;
  int64_t tokens = 0;
  /// Per statistic kind, the sums the instrumented code accumulated
  /// ("hessian": sum of x x^T over the tokens, [in, in]; "abs-mean": sum of
  /// |x| per channel, [in]).
  std::map<std::string, std::vector<float>> sums;
  /// Set when the linears were rescaled to read x / scales (AWQ): the
  /// statistics below are those of the scaled input.
  std::vector<float> scales;
  /// GPTQ's H = 2/samples * sum of x x^T (normalized as statisticFactor).
  std::vector<double> hessian() const;
  /// Mean |x| per channel over the tokens.
  std::vector<float> absMean() const;
};

/// The weights of the decoder layer being quantized, as its stage computes
/// with them (float32, row-major).
class LayerWeights {
public:
  virtual ~LayerWeights() = default;
  /// The values of the stage's parameter `key`; empty if it has none.
  virtual llvm::MutableArrayRef<float> values(llvm::StringRef key) = 0;
  /// Divides row r of the weight `key` by scales[r]. A weight already
  /// quantized keeps its integers and has its scales divided, so that the
  /// stage and the rewritten module compute the same.
  virtual mlir::LogicalResult divideRows(llvm::StringRef key,
                                         const std::vector<float> &scales) = 0;
};

/// A weight quantizer the driver runs: the statistics it needs beyond the
/// Hessians (instrumentation passes run on each bound stage) and how it
/// quantizes one [rows, cols] weight from them.
struct SequentialQuantizer {
  std::string method;
  std::function<void(mlir::OpPassManager &)> instrument;
  /// Optional: runs once per input, on its statistics, before the linears
  /// that read it (`keys`) are quantized. It may rewrite the layer's
  /// weights where the layer's function stays the same (AWQ's scales and
  /// their folds) and then sets `statistics.scales`.
  std::function<mlir::LogicalResult(llvm::ArrayRef<std::string> keys,
                                    InputStatistics &statistics,
                                    LayerWeights &layer)>
      prepare;
  /// Quantizes one weight as the layer now holds it; may add to `report`
  /// what only it knows (AWQ's alpha and clip).
  std::function<qf::Result<qf::quant::UnpackedWeight>(
      const std::string &key, const std::vector<float> &weights, int64_t rows,
      int64_t cols, int64_t groupSize, const InputStatistics &statistics,
      LinearReport &report)>
      quantize;
  /// Optional: adds to the module's rewrite what the method changed besides
  /// the linears (AWQ's rescaled norms).
  std::function<void(LinearQuantization &rewrite)> finish;
};

/// GPTQ (runtime/quant/GPTQ.cpp) from the Hessian of each input.
SequentialQuantizer gptqQuantizer(const qf::quant::GPTQOptions &options);

/// AWQ (runtime/quant/AWQ.cpp) with the groups and folds of `module`
/// (passes/Quant/AWQGroups.h), which must be the module given to
/// quantizeSequentially: per input, the scale search on its statistics with
/// the earlier inputs of the layer quantized, the fold, then per linear the
/// clip search and RTN.
SequentialQuantizer awqQuantizer(mlir::ModuleOp module,
                                 const qf::quant::AWQOptions &options,
                                 bool clip, bool progress);

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
