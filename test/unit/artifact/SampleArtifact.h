//===- SampleArtifact.h - small valid artifacts -----------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// One builder for the artifacts the unit tests corrupt and the fuzzer's seed
// corpus starts from, so both exercise the same shapes of file.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_TEST_UNIT_ARTIFACT_SAMPLEARTIFACT_H
#define QUANTFORGE_TEST_UNIT_ARTIFACT_SAMPLEARTIFACT_H

#include "runtime/artifact/ArtifactWriter.h"

#include <cstring>
#include <string>

namespace qf::test {

/// `size` deterministic pseudo-random bytes (a 64-bit LCG seeded by `seed`).
inline std::vector<uint8_t> patternBytes(size_t size, uint64_t seed) {
  std::vector<uint8_t> bytes(size);
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (uint8_t &byte : bytes) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    byte = uint8_t(state >> 56);
  }
  return bytes;
}

inline std::vector<uint8_t> textBytes(const std::string &text) {
  return std::vector<uint8_t>(text.begin(), text.end());
}

/// The arguments the CPU compiler emits: tokens, start_pos, the cache, each
/// parameter in order, logits.
inline std::vector<ArgumentInfo> standardArguments(uint32_t parameters) {
  std::vector<ArgumentInfo> arguments = {{ArgumentKind::Tokens, 0},
                                         {ArgumentKind::StartPos, 0},
                                         {ArgumentKind::KvCache, 0}};
  for (uint32_t i = 0; i < parameters; ++i)
    arguments.push_back({ArgumentKind::Parameter, i});
  arguments.push_back({ArgumentKind::Logits, 0});
  return arguments;
}

/// A cache of 2 layers whose layer 0 stores f16 and layer 1 i8 with f32
/// scales, and the arguments that pass it: one array per group.
inline KvCacheInfo mixedKvCache() {
  KvCacheInfo kv = KvCacheInfo::uniform(2, 1, 16, 4, "f16");
  kv.groups[0].layers = {0};
  kv.groups.push_back({"i8", "f32", {1}});
  return kv;
}
inline std::vector<ArgumentInfo> mixedCacheArguments() {
  return {{ArgumentKind::Tokens, 0},      {ArgumentKind::StartPos, 0},
          {ArgumentKind::KvCache, 0, 0},  {ArgumentKind::KvCache, 0, 1},
          {ArgumentKind::KvScales, 0, 1}, {ArgumentKind::Logits, 0}};
}

/// A tiny Llama-like config with every field set to a distinct value.
inline ModelConfig sampleConfig() {
  ModelConfig config;
  config.architecture = Architecture::Qwen2;
  config.hiddenSize = 8;
  config.numLayers = 2;
  config.numHeads = 2;
  config.numKvHeads = 1;
  config.headDim = 4;
  config.intermediateSize = 16;
  config.vocabSize = 32;
  config.maxPositions = 64;
  config.ropeTheta = 500000.0;
  config.rmsNormEps = 1e-5;
  config.bosTokenId = 1;
  config.eosTokenIds = {2, 3};
  return config;
}

/// A valid artifact: an hf-json tokenizer file, three parameters (f32, bf16
/// and quantized bytes), an f16 KV cache, one executable of placeholder
/// bytes, and prefill/decode entry points.
inline ArtifactWriter sampleArtifactWriter(uint64_t alignment) {
  ArtifactWriter writer;
  writer.setSectionAlignment(alignment);
  writer.setTarget("cpu-x86_64");
  ModelConfig config = sampleConfig();
  writer.setConfig(config);
  writer.setTokenizerKind("hf-json");
  writer.addTokenizerFile("tokenizer.json", textBytes("{\"model\": {}}"));
  writer.addParameter("model.embed_tokens.weight", "f32", {32, 8},
                      writer.addSection(patternBytes(32 * 8 * 4, 1)));
  writer.addParameter("model.norm.weight", "bf16", {8},
                      writer.addSection(patternBytes(8 * 2, 2)));
  writer.addParameter("lm_head.qweight", "i8", {128},
                      writer.addSection(patternBytes(128, 3)));
  writer.setKvCache(KvCacheInfo::uniform(2, 1, 16, 4, "f16"));
  std::vector<uint8_t> code = textBytes("\x7f"
                                        "ELF placeholder code");
  writer.addExecutable("cpu-x86_64", "elf-shared-object",
                       writer.addSection(std::move(code)));
  writer.addEntryPoint(
      {"prefill", standardArguments(3), {{0, "model_prefill"}}});
  writer.addEntryPoint({"decode", standardArguments(3), {{0, "model_decode"}}});
  return writer;
}

} // namespace qf::test

#endif // QUANTFORGE_TEST_UNIT_ARTIFACT_SAMPLEARTIFACT_H
