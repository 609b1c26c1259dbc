//===- ModelConfigTest.cpp - config.json parsing --------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/model/ModelConfig.h"

#include "test/unit/SharedData.h"

#include <gtest/gtest.h>

using namespace qf;

namespace {

/// A Llama config with `extra` spliced into the top-level object.
std::string llamaWith(const std::string &extra) {
  std::string base = R"({"architectures": ["LlamaForCausalLM"],
    "hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
    "intermediate_size": 11008, "vocab_size": 32000)";
  return base + (extra.empty() ? "" : ", " + extra) + "}";
}

::testing::AssertionResult failsWith(const std::string &json,
                                     const std::string &expected) {
  Result<ModelConfig> config = ModelConfig::parse(json, "config.json");
  if (config.ok())
    return ::testing::AssertionFailure() << "parsed, expected: " << expected;
  if (config.message().find(expected) == std::string::npos ||
      config.message().rfind("config.json: ", 0) != 0)
    return ::testing::AssertionFailure() << "got: " << config.message();
  return ::testing::AssertionSuccess();
}

TEST(ModelConfig, BundledLlamaT) {
  Result<ModelConfig> config =
      ModelConfig::load(QF_SOURCE_DIR "/test/fixtures/llama-t/config.json");
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->architecture, Architecture::Llama);
  EXPECT_EQ(config->hiddenSize, 128);
  EXPECT_EQ(config->numLayers, 2);
  EXPECT_EQ(config->numHeads, 4);
  EXPECT_EQ(config->numKvHeads, 4);
  EXPECT_EQ(config->headDim, 32);
  EXPECT_EQ(config->intermediateSize, 256);
  EXPECT_EQ(config->vocabSize, 4096);
  EXPECT_EQ(config->maxPositions, 1024);
  EXPECT_FALSE(config->tieWordEmbeddings);
  EXPECT_FALSE(config->qkvBias);
  // transformers 5 keeps rope_theta inside rope_parameters.
  EXPECT_EQ(config->ropeTheta, 10000.0);
  EXPECT_EQ(config->ropeScaling.kind, RopeScaling::Kind::None);
  EXPECT_DOUBLE_EQ(config->rmsNormEps, 1e-5);
  EXPECT_EQ(config->dtype, "float32");
  EXPECT_EQ(config->bosTokenId, 1);
  EXPECT_EQ(config->eosTokenIds, std::vector<int64_t>{2});
  EXPECT_EQ(config->quantization.method, QuantizationConfig::Method::None);
}

TEST(ModelConfig, SharedLlamaSUsesGroupedQueryAttention) {
  QF_SKIP_WITHOUT_SHARED_DATA();
  Result<ModelConfig> config =
      ModelConfig::load(qf::test::sharedPath("models/llama-s/config.json"));
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->hiddenSize, 384);
  EXPECT_EQ(config->numHeads, 6);
  EXPECT_EQ(config->numKvHeads, 2);
  EXPECT_EQ(config->groupsPerKvHead(), 3);
  EXPECT_EQ(config->headDim, 64);
  EXPECT_EQ(config->dtype, "bfloat16");
}

TEST(ModelConfig, Llama3RopeScalingInBothSpellings) {
  for (const char *key : {"rope_scaling", "rope_parameters"}) {
    std::string json = llamaWith(std::string("\"") + key +
                                 R"(": {"rope_type": "llama3", "factor": 8.0,
        "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8192, "rope_theta": 500000.0},
        "eos_token_id": [128001, 128008, 128009], "tie_word_embeddings": true)");
    Result<ModelConfig> config = ModelConfig::parse(json, "config.json");
    ASSERT_TRUE(config.ok()) << config.message();
    EXPECT_EQ(config->ropeScaling.kind, RopeScaling::Kind::Llama3);
    EXPECT_EQ(config->ropeScaling.factor, 8.0);
    EXPECT_EQ(config->ropeScaling.originalMaxPosition, 8192);
    EXPECT_EQ(config->ropeTheta, 500000.0);
    EXPECT_TRUE(config->tieWordEmbeddings);
    EXPECT_EQ(config->eosTokenIds, (std::vector<int64_t>{128001, 128008, 128009}));
  }
}

TEST(ModelConfig, LinearRopeScalingWithTheOldTypeKey) {
  Result<ModelConfig> config = ModelConfig::parse(
      llamaWith(R"("rope_scaling": {"type": "linear", "factor": 2.0},
                   "rope_theta": 1000000.0)"),
      "config.json");
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->ropeScaling.kind, RopeScaling::Kind::Linear);
  EXPECT_EQ(config->ropeScaling.factor, 2.0);
  EXPECT_EQ(config->ropeTheta, 1e6);
}

TEST(ModelConfig, Qwen2HasQkvBiasAndLayerwiseWindows) {
  std::string json = R"({"architectures": ["Qwen2ForCausalLM"],
    "hidden_size": 896, "num_hidden_layers": 24, "num_attention_heads": 14,
    "num_key_value_heads": 2, "intermediate_size": 4864, "vocab_size": 151936,
    "use_sliding_window": true, "sliding_window": 4096, "max_window_layers": 21,
    "tie_word_embeddings": true, "torch_dtype": "bfloat16"})";
  Result<ModelConfig> config = ModelConfig::parse(json, "config.json");
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->architecture, Architecture::Qwen2);
  EXPECT_TRUE(config->qkvBias);
  EXPECT_FALSE(config->outputBias);
  EXPECT_EQ(config->headDim, 64);
  EXPECT_EQ(config->slidingWindowOfLayer(20), std::nullopt);
  EXPECT_EQ(config->slidingWindowOfLayer(21), 4096);
}

TEST(ModelConfig, Qwen2WindowOffMeansNoWindow) {
  std::string json = R"({"architectures": ["Qwen2ForCausalLM"],
    "hidden_size": 896, "num_hidden_layers": 24, "num_attention_heads": 14,
    "num_key_value_heads": 2, "intermediate_size": 4864, "vocab_size": 151936,
    "use_sliding_window": false, "sliding_window": 131072})";
  Result<ModelConfig> config = ModelConfig::parse(json, "config.json");
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->slidingWindowOfLayer(23), std::nullopt);
}

TEST(ModelConfig, MistralSlidingWindowOnEveryLayer) {
  std::string json = R"({"architectures": ["MistralForCausalLM"],
    "hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
    "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 32000,
    "sliding_window": 4096})";
  Result<ModelConfig> config = ModelConfig::parse(json, "config.json");
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->slidingWindowOfLayer(0), 4096);
  EXPECT_FALSE(config->qkvBias);
}

TEST(ModelConfig, PreQuantizedGPTQAndAWQ) {
  Result<ModelConfig> gptq = ModelConfig::parse(
      llamaWith(R"("quantization_config": {"quant_method": "gptq", "bits": 4,
        "group_size": 128, "desc_act": true, "sym": true})"),
      "config.json");
  ASSERT_TRUE(gptq.ok()) << gptq.message();
  EXPECT_EQ(gptq->quantization.method, QuantizationConfig::Method::GPTQ);
  EXPECT_EQ(gptq->quantization.bits, 4);
  EXPECT_TRUE(gptq->quantization.actOrder);
  EXPECT_FALSE(gptq->quantization.gptqV2);

  Result<ModelConfig> v2 = ModelConfig::parse(
      llamaWith(R"("quantization_config": {"quant_method": "gptq", "bits": 3,
        "group_size": -1, "checkpoint_format": "gptq_v2"})"),
      "config.json");
  ASSERT_TRUE(v2.ok()) << v2.message();
  EXPECT_TRUE(v2->quantization.gptqV2);
  EXPECT_EQ(v2->quantization.groupSize, -1);

  Result<ModelConfig> awq = ModelConfig::parse(
      llamaWith(R"("quantization_config": {"quant_method": "awq", "bits": 4,
        "group_size": 128, "zero_point": true, "version": "gemm"})"),
      "config.json");
  ASSERT_TRUE(awq.ok()) << awq.message();
  EXPECT_EQ(awq->quantization.method, QuantizationConfig::Method::AWQ);
}

TEST(ModelConfig, UnsupportedSettingsAreNamed) {
  EXPECT_TRUE(failsWith(R"({"architectures": ["GPT2LMHeadModel"]})",
                        "'architectures' names 'GPT2LMHeadModel', which is "
                        "not supported"));
  EXPECT_TRUE(failsWith(llamaWith(R"("hidden_act": "gelu")"),
                        "'hidden_act' is 'gelu' (only silu is supported)"));
  EXPECT_TRUE(failsWith(
      llamaWith(R"("rope_scaling": {"rope_type": "yarn", "factor": 4.0})"),
      "'rope_scaling.rope_type' is 'yarn', which is not supported"));
  EXPECT_TRUE(failsWith(
      llamaWith(R"("rope_scaling": {"type": "dynamic", "factor": 4.0})"),
      "'rope_scaling.type' is 'dynamic'"));
  EXPECT_TRUE(failsWith(
      llamaWith(R"("rope_parameters": {"rope_type": "default", "partial_rotary_factor": 0.5})"),
      "'rope_parameters.partial_rotary_factor' is not supported"));
  EXPECT_TRUE(failsWith(
      llamaWith(R"("rope_scaling": {"rope_type": "llama3", "factor": 8.0})"),
      "'rope_scaling.low_freq_factor' is missing"));
  EXPECT_TRUE(failsWith(
      llamaWith(R"("quantization_config": {"quant_method": "bitsandbytes", "bits": 4})"),
      "'quantization_config.quant_method' is 'bitsandbytes'"));
  EXPECT_TRUE(failsWith(
      llamaWith(R"("quantization_config": {"quant_method": "awq", "bits": 4, "version": "gemv"})"),
      "'quantization_config.version' is 'gemv'"));
  EXPECT_TRUE(failsWith(
      llamaWith(R"("quantization_config": {"quant_method": "gptq", "bits": 5})"),
      "'quantization_config.bits' must be 2, 3, 4 or 8 for GPTQ"));
}

TEST(ModelConfig, BadValuesAreNamed) {
  EXPECT_TRUE(failsWith("{\"architectures\": [", "malformed JSON"));
  EXPECT_TRUE(failsWith("[1, 2]", "top level must be a JSON object"));
  EXPECT_TRUE(failsWith(R"({"architectures": ["LlamaForCausalLM"]})",
                        "'hidden_size' is missing"));
  EXPECT_TRUE(failsWith(llamaWith(R"("num_key_value_heads": 5)"),
                        "'num_key_value_heads' (5) must divide "
                        "num_attention_heads (32)"));
  EXPECT_TRUE(failsWith(
      R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 99999999999999,
          "num_hidden_layers": 2, "num_attention_heads": 2,
          "intermediate_size": 8, "vocab_size": 8})",
      "'hidden_size' must be in [1, 16777216], got 99999999999999"));
  EXPECT_TRUE(failsWith(
      R"({"architectures": ["LlamaForCausalLM"], "hidden_size": "4096"})",
      "'hidden_size' must be an integer, got \"4096\""));
  EXPECT_TRUE(failsWith(llamaWith(R"("vocab_size": 18446744073709551615)"),
                        "'vocab_size' is out of range"));
  EXPECT_TRUE(failsWith(llamaWith(R"("rms_norm_eps": -1)"),
                        "'rms_norm_eps' must be positive"));
  EXPECT_TRUE(failsWith(llamaWith(R"("tie_word_embeddings": "yes")"),
                        "'tie_word_embeddings' must be true or false"));
  EXPECT_TRUE(failsWith(llamaWith(R"("head_dim": 63)"),
                        "'head_dim' must be even"));
  EXPECT_TRUE(failsWith(llamaWith(R"("eos_token_id": [2, "x"])"),
                        "'eos_token_id' must be token ids"));
}

TEST(ModelConfig, MissingFileIsNamed) {
  Result<ModelConfig> config = ModelConfig::load("/nonexistent/config.json");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.message(), "/nonexistent/config.json: cannot open file");
}

} // namespace
