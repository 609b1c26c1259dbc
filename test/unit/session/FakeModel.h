//===- FakeModel.h - artifacts of the fake model ----------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Builds artifacts whose executable is kernels/FakeModel.c, compiled at test
// build time (QF_FAKE_MODEL is its path), and recomputes its logits
// independently so that tests can compare exactly.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_TEST_UNIT_SESSION_FAKEMODEL_H
#define QUANTFORGE_TEST_UNIT_SESSION_FAKEMODEL_H

#include "runtime/artifact/ArtifactWriter.h"
#include "runtime/driver/cpu/CpuDevice.h"
#include "test/unit/artifact/SampleArtifact.h"

#include <fstream>
#include <iterator>

namespace qf::test {

inline std::vector<uint8_t> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

struct FakeModelOptions {
  int64_t vocab = 16;
  int64_t capacity = 8;
  std::string target = hostCpuTarget();
  std::string decodeSymbol = "fake_decode";
  /// > 0: a paged cache with blocks of this many tokens.
  int64_t blockSize = 0;
};

/// The fake model's parameter: bias[j] = 0.25 j - 1.
inline float fakeBias(int64_t j) { return 0.25f * float(j) - 1.0f; }

/// The logits row FakeModel.c computes for `token` when the ids cached at
/// positions 0..pos sum to `cacheSum`.
inline std::vector<float> fakeRow(int32_t token, int64_t cacheSum,
                                  int64_t vocab) {
  std::vector<float> row(vocab);
  for (int64_t j = 0; j < vocab; ++j)
    row[j] = fakeBias(j);
  row[(token + 1) % vocab] += 10.0f;
  row[cacheSum % vocab] += 5.0f;
  return row;
}

/// An artifact running FakeModel.c, with a [1, 2, 1, capacity, 2] f32 cache.
inline ArtifactWriter fakeModelWriter(const FakeModelOptions &options = {}) {
  ArtifactWriter writer;
  writer.setTarget(options.target);
  ModelConfig config = sampleConfig();
  config.vocabSize = options.vocab;
  config.eosTokenIds = {};
  writer.setConfig(config);
  std::vector<float> bias(options.vocab);
  for (int64_t j = 0; j < options.vocab; ++j)
    bias[j] = fakeBias(j);
  const uint8_t *biasBytes = reinterpret_cast<const uint8_t *>(bias.data());
  writer.addParameter("bias", "f32", {options.vocab},
                      writer.addSection(std::vector<uint8_t>(
                          biasBytes, biasBytes + bias.size() * 4)));
  writer.setKvCache(KvCacheInfo::uniform(1, 1, options.capacity, 2, "f32", "",
                                         options.blockSize));
  writer.addExecutable(options.target, kElfSharedObjectFormat,
                       writer.addSection(readFile(QF_FAKE_MODEL)));
  if (options.blockSize > 0) {
    std::vector<ArgumentInfo> arguments = standardArguments(1);
    arguments.insert(arguments.begin() + 3, {ArgumentKind::KvBlockTable, 0});
    writer.addEntryPoint({"prefill", arguments, {{0, "fake_paged_step"}}});
    writer.addEntryPoint({"decode", arguments, {{0, "fake_paged_step"}}});
    return writer;
  }
  writer.addEntryPoint(
      {"prefill", standardArguments(1), {{0, "fake_prefill"}}});
  writer.addEntryPoint(
      {"decode", standardArguments(1), {{0, options.decodeSymbol}}});
  return writer;
}

/// The fake model as an opened artifact named "fake.qfa".
inline Result<Artifact> openFakeModel(const FakeModelOptions &options = {}) {
  Result<std::vector<uint8_t>> bytes = fakeModelWriter(options).writeToMemory();
  if (!bytes)
    return bytes.status();
  return Artifact::openFromMemory(bytes->data(), bytes->size(), "fake.qfa");
}

} // namespace qf::test

#endif // QUANTFORGE_TEST_UNIT_SESSION_FAKEMODEL_H
