//===- QuantizeLinears.h - the loop every weight quantizer shares -*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// RTN, GPTQ and AWQ differ only in how one matrix is quantized. Finding the
// decoder's linear layers, reading their weights, packing the result into a
// new parameter file, retyping the uses and reporting progress is the same
// for all of them and lives here.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_PASSES_QUANT_QUANTIZELINEARS_H
#define QUANTFORGE_PASSES_QUANT_QUANTIZELINEARS_H

#include "dialects/llm/IR/LLMOps.h"
#include "passes/Quant/Report.h"
#include "runtime/io/Safetensors.h"
#include "runtime/quant/PackedWeights.h"

#include <functional>

namespace quantforge {

struct LinearQuantization {
  /// Short name for progress lines ("rtn", "gptq").
  std::string method;
  unsigned bits = 4;
  /// Columns per scale; 0 = one group per output channel.
  int64_t groupSize = 128;
  bool symmetric = false;
  /// "f32" or "f16".
  std::string scaleType = "f32";
  /// The parameter file to write.
  std::string output;
  bool progress = true;
  /// The weights carry g_idx (GPTQ desc_act): typed act_order.
  bool actOrder = false;
  /// Quantizes one [rows, cols] matrix (key names the weight); may add
  /// what only it knows (output errors, AWQ's alpha) to `report`.
  std::function<qf::Result<qf::quant::UnpackedWeight>(
      const std::string &key, const std::vector<float> &weights, int64_t rows,
      int64_t cols, int64_t groupSize, LinearReport &report)>
      quantize;
  /// Receives one entry per weight, in order, when set.
  std::vector<LinearReport> *report = nullptr;
  /// Float tensors written as F32 beside the packed weights (AWQ's
  /// rescaled RMSNorm weights); `uses` then read them instead of the
  /// weight they had.
  struct FloatTensor {
    std::string key;
    std::vector<float> values;
    llvm::SmallVector<mlir::OpOperand *> uses;
  };
  std::vector<FloatTensor> floatTensors;
};

/// Weights of the decoder layers (`model.layers.*`, GGUF `blk.*`): the
/// quantized ones; the embedding and the head stay float, as in the
/// reference numbers and in GPTQ/AWQ practice.
bool isDecoderWeight(llvm::StringRef key);

/// Checks what every quantizer shares (output, scale type, bits) before
/// any work; errors go to the module.
mlir::LogicalResult checkLinearQuantization(mlir::ModuleOp module,
                                            const LinearQuantization &settings);

/// Adds `weight` to `writer` in the canonical layout (docs/quantization.md):
/// "<key>.qweight", "<key>.scales", unless symmetric "<key>.zeros", and with
/// a g_idx "<key>.g_idx".
qf::Status addCanonicalWeight(qf::io::SafetensorsWriter &writer,
                              const std::string &key,
                              const qf::quant::UnpackedWeight &weight,
                              bool symmetric, bool f16Scales);

/// ||approx - exact|| / ||exact||.
double relativeError(const std::vector<float> &approx,
                     const std::vector<float> &exact);

/// trace((A - W) H (A - W)^T) for [rows, cols] A and W and a symmetric H:
/// the summed squared output error of A in place of W on the inputs whose
/// second moment H is.
double outputError(const std::vector<float> &approx,
                   const std::vector<float> &exact, int64_t rows, int64_t cols,
                   const std::vector<double> &hessian);

/// Quantizes every linear weight of the decoder layers of `module` with
/// `settings.quantize`; reports errors on the module or the weight.
mlir::LogicalResult quantizeLinears(mlir::ModuleOp module,
                                    const LinearQuantization &settings);

/// Writes the report of a pass's `report=PATH` option (Report.h):
/// `statistics` is the calibration file it read ("" for RTN), `knobs` the
/// method's settings. Nothing when `path` is empty.
mlir::LogicalResult
writePassReport(mlir::ModuleOp module, const std::string &path,
                const LinearQuantization &settings,
                const std::string &statistics,
                std::vector<std::pair<std::string, double>> knobs,
                std::vector<LinearReport> linears);

} // namespace quantforge

#endif // QUANTFORGE_PASSES_QUANT_QUANTIZELINEARS_H
