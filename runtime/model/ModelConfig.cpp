//===- ModelConfig.cpp - Hugging Face config.json of decoder models -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/model/ModelConfig.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using json = nlohmann::json;

namespace qf {

const char *architectureName(Architecture arch) {
  switch (arch) {
  case Architecture::Llama:
    return "llama";
  case Architecture::Qwen2:
    return "qwen2";
  case Architecture::Mistral:
    return "mistral";
  }
  return "unknown";
}

namespace {

/// Largest dimension we accept: far above any real model (Llama 3 405B has
/// hidden 16384, vocab 128256), small enough that products of a few dims
/// cannot overflow int64.
constexpr int64_t kMaxDim = int64_t(1) << 24;

/// Typed, checked access to one JSON object; errors name the key.
class ConfigReader {
public:
  explicit ConfigReader(const json &object, std::string where = "")
      : object_(object), where_(std::move(where)) {}

  bool has(const char *key) const {
    return object_.contains(key) && !object_[key].is_null();
  }

  Status error(const std::string &key, const std::string &problem) const {
    return Status::error("'" + where_ + key + "' " + problem);
  }

  /// An integer in [minValue, maxValue]; `fallback` when absent or null.
  Result<int64_t> integer(const char *key, std::optional<int64_t> fallback,
                          int64_t minValue = 1,
                          int64_t maxValue = kMaxDim) const {
    if (!has(key)) {
      if (fallback)
        return *fallback;
      return error(key, "is missing");
    }
    const json &value = object_[key];
    if (!value.is_number_integer())
      return error(key, "must be an integer, got " + value.dump());
    if (value.is_number_unsigned() &&
        value.get<uint64_t>() > uint64_t(INT64_MAX))
      return error(key, "is out of range: " + value.dump());
    int64_t result = value.get<int64_t>();
    if (result < minValue || result > maxValue)
      return error(key, "must be in [" + std::to_string(minValue) + ", " +
                            std::to_string(maxValue) + "], got " +
                            std::to_string(result));
    return result;
  }

  Result<double> number(const char *key, std::optional<double> fallback,
                        bool positive = true) const {
    if (!has(key)) {
      if (fallback)
        return *fallback;
      return error(key, "is missing");
    }
    const json &value = object_[key];
    if (!value.is_number())
      return error(key, "must be a number, got " + value.dump());
    double result = value.get<double>();
    if (positive && !(result > 0.0))
      return error(key, "must be positive, got " + value.dump());
    return result;
  }

  Result<bool> boolean(const char *key, bool fallback) const {
    if (!has(key))
      return fallback;
    const json &value = object_[key];
    if (!value.is_boolean())
      return error(key, "must be true or false, got " + value.dump());
    return value.get<bool>();
  }

  Result<std::string> string(const char *key,
                             std::optional<std::string> fallback) const {
    if (!has(key)) {
      if (fallback)
        return *fallback;
      return error(key, "is missing");
    }
    const json &value = object_[key];
    if (!value.is_string())
      return error(key, "must be a string, got " + value.dump());
    return value.get<std::string>();
  }

  const json &object() const { return object_; }

private:
  const json &object_;
  std::string where_;
};

#define QF_ASSIGN_OR_RETURN(lhs, expr)                                         \
  do {                                                                         \
    auto qf_result_ = (expr);                                                  \
    if (!qf_result_.ok())                                                      \
      return qf_result_.status();                                              \
    lhs = qf_result_.take();                                                   \
  } while (false)

Result<Architecture> parseArchitecture(const ConfigReader &config) {
  const json &root = config.object();
  if (!config.has("architectures"))
    return config.error("architectures", "is missing");
  const json &list = root["architectures"];
  if (!list.is_array() || list.size() != 1 || !list[0].is_string())
    return config.error("architectures",
                        "must be a list of one class name, got " + list.dump());
  std::string name = list[0].get<std::string>();
  if (name == "LlamaForCausalLM")
    return Architecture::Llama;
  if (name == "Qwen2ForCausalLM")
    return Architecture::Qwen2;
  if (name == "MistralForCausalLM")
    return Architecture::Mistral;
  return config.error("architectures",
                      "names '" + name +
                          "', which is not supported (supported: "
                          "LlamaForCausalLM, Qwen2ForCausalLM, "
                          "MistralForCausalLM)");
}

/// rope_scaling (transformers 4) or rope_parameters (transformers 5): the
/// scaling kind and its parameters, plus rope_theta in the latter.
Status parseRope(const ConfigReader &config, ModelConfig &model) {
  QF_ASSIGN_OR_RETURN(model.ropeTheta, config.number("rope_theta", 10000.0));
  for (const char *key : {"rope_scaling", "rope_parameters"}) {
    if (!config.has(key))
      continue;
    const json &params = config.object()[key];
    if (!params.is_object())
      return config.error(key, "must be an object, got " + params.dump());
    ConfigReader reader(params, std::string(key) + ".");
    if (reader.has("rope_theta"))
      QF_ASSIGN_OR_RETURN(model.ropeTheta, reader.number("rope_theta", {}));
    // transformers 4 spelled it "type", later "rope_type".
    const char *typeKey = reader.has("rope_type") ? "rope_type" : "type";
    std::string type;
    QF_ASSIGN_OR_RETURN(type, reader.string(typeKey, std::string("default")));
    RopeScaling &scaling = model.ropeScaling;
    if (type == "default") {
      scaling.kind = RopeScaling::Kind::None;
    } else if (type == "linear") {
      scaling.kind = RopeScaling::Kind::Linear;
      QF_ASSIGN_OR_RETURN(scaling.factor, reader.number("factor", {}));
    } else if (type == "llama3") {
      scaling.kind = RopeScaling::Kind::Llama3;
      QF_ASSIGN_OR_RETURN(scaling.factor, reader.number("factor", {}));
      QF_ASSIGN_OR_RETURN(scaling.lowFreqFactor,
                          reader.number("low_freq_factor", {}));
      QF_ASSIGN_OR_RETURN(scaling.highFreqFactor,
                          reader.number("high_freq_factor", {}));
      QF_ASSIGN_OR_RETURN(
          scaling.originalMaxPosition,
          reader.integer("original_max_position_embeddings", {}));
      if (scaling.highFreqFactor <= scaling.lowFreqFactor)
        return reader.error("high_freq_factor",
                            "must be larger than low_freq_factor");
    } else {
      return reader.error(typeKey, "is '" + type +
                              "', which is not supported (supported: "
                              "default, linear, llama3)");
    }
    if (reader.has("partial_rotary_factor")) {
      double partial;
      QF_ASSIGN_OR_RETURN(partial, reader.number("partial_rotary_factor", {}));
      if (partial != 1.0)
        return reader.error("partial_rotary_factor",
                            "is not supported (only 1.0)");
    }
  }
  return Status();
}

Status parseQuantization(const ConfigReader &config, ModelConfig &model) {
  if (!config.has("quantization_config"))
    return Status();
  const json &params = config.object()["quantization_config"];
  if (!params.is_object())
    return config.error("quantization_config",
                        "must be an object, got " + params.dump());
  ConfigReader reader(params, "quantization_config.");
  std::string method;
  QF_ASSIGN_OR_RETURN(method, reader.string("quant_method", {}));
  QuantizationConfig &quant = model.quantization;
  int64_t bits;
  QF_ASSIGN_OR_RETURN(bits, reader.integer("bits", {}, 2, 8));
  quant.bits = int(bits);
  QF_ASSIGN_OR_RETURN(quant.groupSize,
                      reader.integer("group_size", int64_t(128), -1, kMaxDim));
  if (quant.groupSize == 0)
    return reader.error("group_size", "must be positive or -1");
  if (method == "gptq") {
    quant.method = QuantizationConfig::Method::GPTQ;
    if (bits != 2 && bits != 3 && bits != 4 && bits != 8)
      return reader.error("bits", "must be 2, 3, 4 or 8 for GPTQ");
    QF_ASSIGN_OR_RETURN(quant.actOrder, reader.boolean("desc_act", false));
    std::string format;
    QF_ASSIGN_OR_RETURN(format,
                        reader.string("checkpoint_format", std::string("gptq")));
    if (format != "gptq" && format != "gptq_v2")
      return reader.error("checkpoint_format",
                          "is '" + format +
                              "' (supported: gptq, gptq_v2)");
    quant.gptqV2 = format == "gptq_v2";
  } else if (method == "awq") {
    quant.method = QuantizationConfig::Method::AWQ;
    if (bits != 4)
      return reader.error("bits", "must be 4 for AWQ");
    std::string version;
    QF_ASSIGN_OR_RETURN(version, reader.string("version", std::string("gemm")));
    if (version != "gemm" && version != "GEMM")
      return reader.error("version", "is '" + version +
                                         "' (only the GEMM packing is "
                                         "supported)");
    bool zeroPoint;
    QF_ASSIGN_OR_RETURN(zeroPoint, reader.boolean("zero_point", true));
    if (!zeroPoint)
      return reader.error("zero_point", "false is not supported");
    if (quant.groupSize == -1)
      return reader.error("group_size", "-1 is not supported for AWQ");
  } else {
    return reader.error("quant_method",
                        "is '" + method +
                            "', which is not supported (supported: gptq, awq)");
  }
  return Status();
}

Result<ModelConfig> parseRoot(const json &root) {
  if (!root.is_object())
    return Status::error("top level must be a JSON object");
  ConfigReader config(root);
  ModelConfig model;
  QF_ASSIGN_OR_RETURN(model.architecture, parseArchitecture(config));

  std::string activation;
  QF_ASSIGN_OR_RETURN(activation,
                      config.string("hidden_act", std::string("silu")));
  if (activation != "silu")
    return config.error("hidden_act", "is '" + activation +
                                          "' (only silu is supported)");

  QF_ASSIGN_OR_RETURN(model.hiddenSize, config.integer("hidden_size", {}));
  QF_ASSIGN_OR_RETURN(model.numLayers,
                      config.integer("num_hidden_layers", {}, 1, 1024));
  QF_ASSIGN_OR_RETURN(model.numHeads,
                      config.integer("num_attention_heads", {}, 1, 4096));
  QF_ASSIGN_OR_RETURN(model.numKvHeads,
                      config.integer("num_key_value_heads", model.numHeads, 1,
                                     4096));
  if (model.numHeads % model.numKvHeads != 0)
    return config.error("num_key_value_heads",
                        "(" + std::to_string(model.numKvHeads) +
                            ") must divide num_attention_heads (" +
                            std::to_string(model.numHeads) + ")");
  if (!config.has("head_dim") && model.hiddenSize % model.numHeads != 0)
    return config.error("hidden_size",
                        "is not divisible by num_attention_heads and no "
                        "head_dim is given");
  QF_ASSIGN_OR_RETURN(model.headDim,
                      config.integer("head_dim",
                                     model.hiddenSize / model.numHeads, 2,
                                     4096));
  if (model.headDim % 2 != 0)
    return config.error("head_dim", "must be even for rotary embeddings");
  QF_ASSIGN_OR_RETURN(model.intermediateSize,
                      config.integer("intermediate_size", {}));
  QF_ASSIGN_OR_RETURN(model.vocabSize, config.integer("vocab_size", {}));
  QF_ASSIGN_OR_RETURN(model.maxPositions,
                      config.integer("max_position_embeddings", int64_t(2048)));
  QF_ASSIGN_OR_RETURN(model.tieWordEmbeddings,
                      config.boolean("tie_word_embeddings", false));
  QF_ASSIGN_OR_RETURN(model.rmsNormEps, config.number("rms_norm_eps", 1e-6));

  bool attentionBias;
  QF_ASSIGN_OR_RETURN(attentionBias, config.boolean("attention_bias", false));
  QF_ASSIGN_OR_RETURN(model.mlpBias, config.boolean("mlp_bias", false));
  switch (model.architecture) {
  case Architecture::Llama:
    model.qkvBias = model.outputBias = attentionBias;
    break;
  case Architecture::Qwen2:
    // Qwen2 hard-codes bias on q, k and v and none on o.
    model.qkvBias = true;
    break;
  case Architecture::Mistral:
    break;
  }

  QF_RETURN_IF_ERROR(parseRope(config, model));

  if (model.architecture == Architecture::Mistral) {
    if (config.has("sliding_window"))
      QF_ASSIGN_OR_RETURN(model.slidingWindow,
                          config.integer("sliding_window", {}, 1, INT64_MAX));
  } else if (model.architecture == Architecture::Qwen2) {
    bool useWindow;
    QF_ASSIGN_OR_RETURN(useWindow,
                        config.boolean("use_sliding_window", false));
    if (useWindow) {
      QF_ASSIGN_OR_RETURN(model.slidingWindow,
                          config.integer("sliding_window", {}, 1, INT64_MAX));
      QF_ASSIGN_OR_RETURN(model.firstSlidingLayer,
                          config.integer("max_window_layers", model.numLayers,
                                         0, model.numLayers));
      if (model.firstSlidingLayer == model.numLayers)
        model.slidingWindow.reset();
    }
  }

  for (const char *key : {"torch_dtype", "dtype"})
    if (config.has(key))
      QF_ASSIGN_OR_RETURN(model.dtype, config.string(key, {}));

  if (config.has("bos_token_id"))
    QF_ASSIGN_OR_RETURN(model.bosTokenId,
                        config.integer("bos_token_id", {}, 0, kMaxDim));
  if (config.has("eos_token_id")) {
    const json &eos = root["eos_token_id"];
    if (eos.is_array()) {
      for (const json &id : eos) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0)
          return config.error("eos_token_id",
                              "must be token ids, got " + eos.dump());
        model.eosTokenIds.push_back(id.get<int64_t>());
      }
    } else {
      int64_t id;
      QF_ASSIGN_OR_RETURN(id, config.integer("eos_token_id", {}, 0, kMaxDim));
      model.eosTokenIds.push_back(id);
    }
  }

  QF_RETURN_IF_ERROR(parseQuantization(config, model));
  return model;
}

} // namespace

Result<ModelConfig> ModelConfig::parse(std::string_view text,
                                       const std::string &fileName) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception &e) {
    return Status::error(fileName + ": malformed JSON: " + e.what());
  }
  Result<ModelConfig> result = parseRoot(root);
  if (!result.ok())
    return Status::error(fileName + ": " + result.message());
  return result;
}

Result<ModelConfig> ModelConfig::load(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    return Status::error(path + ": cannot open file");
  std::ostringstream text;
  text << file.rdbuf();
  return parse(text.str(), path);
}

} // namespace qf
