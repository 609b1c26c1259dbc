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
  /// Quantizes one [rows, cols] matrix (key names the weight).
  std::function<qf::Result<qf::quant::UnpackedWeight>(
      const std::string &key, const std::vector<float> &weights, int64_t rows,
      int64_t cols, int64_t groupSize)>
      quantize;
};

/// Adds `weight` to `writer` in the canonical layout (docs/quantization.md):
/// "<key>.qweight", "<key>.scales", unless symmetric "<key>.zeros", and with
/// a g_idx "<key>.g_idx".
qf::Status addCanonicalWeight(qf::io::SafetensorsWriter &writer,
                              const std::string &key,
                              const qf::quant::UnpackedWeight &weight,
                              bool symmetric, bool f16Scales);

/// Quantizes every linear weight of the decoder layers of `module` with
/// `settings.quantize`; reports errors on the module or the weight.
mlir::LogicalResult quantizeLinears(mlir::ModuleOp module,
                                    const LinearQuantization &settings);

} // namespace quantforge

#endif // QUANTFORGE_PASSES_QUANT_QUANTIZELINEARS_H
