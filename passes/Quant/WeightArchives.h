//===- WeightArchives.h - read weights named by llm.weight -------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Quantization passes read the float values of weights the module only
// references. This opens each llm.param_archive once and returns a weight as
// float32, whatever it is stored as (F32, F16, BF16 or a GGUF block type).
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_PASSES_QUANT_WEIGHTARCHIVES_H
#define QUANTFORGE_PASSES_QUANT_WEIGHTARCHIVES_H

#include "dialects/llm/IR/LLMOps.h"
#include "runtime/quant/PackedWeights.h"
#include "runtime/support/Status.h"

#include <map>
#include <memory>
#include <vector>

namespace qf::io {
class GGUFFile;
class SafetensorsFile;
} // namespace qf::io

namespace quantforge {

class WeightArchives {
public:
  explicit WeightArchives(mlir::ModuleOp module);
  ~WeightArchives();

  /// The values of `weight` as a row-major float32 array; quantized weights
  /// in the canonical, GPTQ or AWQ layouts are decoded.
  qf::Result<std::vector<float>> readFloats(llm::WeightOp weight);

  /// A quantized weight (canonical, GPTQ v1/v2 or AWQ GEMM packing, with
  /// g_idx when act-order) with one integer per element.
  qf::Result<qf::quant::UnpackedWeight> readUnpacked(llm::WeightOp weight);

private:
  qf::Result<std::vector<float>> readTensor(const std::string &archive,
                                            const std::string &key);
  /// The raw bytes of tensor `name` of safetensors archive `symbol`, as
  /// elements of type T.
  template <typename T>
  qf::Result<std::vector<T>> readRaw(const std::string &symbol,
                                     const std::string &name);
  qf::Status openArchive(const std::string &symbol);

  std::map<std::string, llm::ParamArchiveOp> archives;
  std::map<std::string, std::unique_ptr<qf::io::SafetensorsFile>> safetensors;
  std::map<std::string, std::unique_ptr<qf::io::GGUFFile>> gguf;
};

} // namespace quantforge

#endif // QUANTFORGE_PASSES_QUANT_WEIGHTARCHIVES_H
