//===- ModelConfig.h - Hugging Face config.json of decoder models -*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The hyperparameters of a Llama / Qwen2 / Mistral model, read from a Hugging
// Face config.json. Settings we cannot honour (another activation, an
// unsupported rope scaling, partial rotary, ...) are errors naming the key,
// never silently ignored. The compiler's importer and the runtime both use it.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_MODEL_MODELCONFIG_H
#define QUANTFORGE_RUNTIME_MODEL_MODELCONFIG_H

#include "runtime/support/Status.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qf {

enum class Architecture { Llama, Qwen2, Mistral };

/// "llama", "qwen2" or "mistral": the GGUF `general.architecture` spelling.
const char *architectureName(Architecture arch);

struct RopeScaling {
  enum class Kind { None, Linear, Llama3 };
  Kind kind = Kind::None;
  double factor = 1.0;
  double lowFreqFactor = 1.0;
  double highFreqFactor = 4.0;
  int64_t originalMaxPosition = 8192;
};

/// A pre-quantized checkpoint's `quantization_config`.
struct QuantizationConfig {
  enum class Method { None, GPTQ, AWQ };
  Method method = Method::None;
  int bits = 0;
  /// Columns per group; equal to the layer's input width for per-channel,
  /// which config.json spells group_size = -1 (kept as -1 here).
  int64_t groupSize = 0;
  /// GPTQ desc_act: columns were quantized in Hessian order; g_idx present.
  bool actOrder = false;
  /// GPTQ checkpoint_format "gptq" stores zero points minus one (v1);
  /// "gptq_v2" stores them as they are.
  bool gptqV2 = false;
};

struct ModelConfig {
  Architecture architecture = Architecture::Llama;
  int64_t hiddenSize = 0;
  int64_t numLayers = 0;
  int64_t numHeads = 0;
  int64_t numKvHeads = 0;
  int64_t headDim = 0;
  int64_t intermediateSize = 0;
  int64_t vocabSize = 0;
  int64_t maxPositions = 0;
  bool tieWordEmbeddings = false;
  /// Bias on the q, k and v projections (Qwen2 always; Llama optionally).
  bool qkvBias = false;
  /// Bias on o_proj (Llama's attention_bias covers it too).
  bool outputBias = false;
  /// Bias on gate, up and down projections (Llama mlp_bias).
  bool mlpBias = false;
  double ropeTheta = 10000.0;
  RopeScaling ropeScaling;
  double rmsNormEps = 1e-6;
  /// Attention window of the layers that use one (Mistral, Qwen2).
  std::optional<int64_t> slidingWindow;
  /// Layers [firstSlidingLayer, numLayers) use the window (Qwen2's
  /// max_window_layers); 0 for Mistral, where every layer does.
  int64_t firstSlidingLayer = 0;
  /// The checkpoint's stored dtype ("float32", "bfloat16", "float16"), or
  /// empty when config.json does not say.
  std::string dtype;
  std::optional<int64_t> bosTokenId;
  std::vector<int64_t> eosTokenIds;
  QuantizationConfig quantization;

  /// Parses config.json text; `fileName` prefixes every error message.
  static Result<ModelConfig> parse(std::string_view json,
                                   const std::string &fileName);
  /// Reads and parses a config.json file.
  static Result<ModelConfig> load(const std::string &path);

  /// Query heads per KV head.
  int64_t groupsPerKvHead() const { return numHeads / numKvHeads; }
  std::optional<int64_t> slidingWindowOfLayer(int64_t layer) const {
    if (slidingWindow && layer >= firstSlidingLayer)
      return slidingWindow;
    return std::nullopt;
  }
};

} // namespace qf

#endif // QUANTFORGE_RUNTIME_MODEL_MODELCONFIG_H
