//===- ArtifactTest.cpp - writing, loading and rejecting artifacts --------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "test/unit/artifact/SampleArtifact.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include <unistd.h>

using namespace qf;
using namespace qf::test;

namespace {

/// A path in the test's temporary directory, removed at the end.
class TempFile {
public:
  explicit TempFile(const std::string &name)
      : path_(::testing::TempDir() + "/" + std::to_string(getpid()) + "-" +
              name) {}
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string &path() const { return path_; }

private:
  std::string path_;
};

std::vector<uint8_t> sampleBytes(uint64_t alignment = kMinSectionAlignment) {
  Result<std::vector<uint8_t>> bytes =
      sampleArtifactWriter(alignment).writeToMemory();
  EXPECT_TRUE(bytes.ok()) << bytes.message();
  return bytes.ok() ? *bytes : std::vector<uint8_t>();
}

Result<Artifact> openBytes(const std::vector<uint8_t> &bytes,
                           ArtifactOpenOptions options = {}) {
  return Artifact::openFromMemory(bytes.data(), bytes.size(), "model.qfa",
                                  options);
}

::testing::AssertionResult failsWith(const Result<Artifact> &artifact,
                                     const std::string &expected) {
  if (artifact.ok())
    return ::testing::AssertionFailure() << "opened, expected: " << expected;
  if (artifact.message().find(expected) == std::string::npos ||
      artifact.message().rfind("model.qfa: ", 0) != 0)
    return ::testing::AssertionFailure() << "got: " << artifact.message();
  return ::testing::AssertionSuccess();
}

uint64_t flatbufferSize(const std::vector<uint8_t> &bytes) {
  uint64_t size;
  std::memcpy(&size, bytes.data() + 8, 8);
  return size;
}

/// Recomputes the preamble's checksum after the FlatBuffer was edited, so
/// that the checks behind it are reached.
void rehashFlatBuffer(std::vector<uint8_t> &bytes) {
  uint64_t hash =
      XXH64(bytes.data() + kArtifactPreambleSize, flatbufferSize(bytes), 0);
  std::memcpy(bytes.data() + 16, &hash, 8);
}

/// The byte offset of section `index`'s struct inside the FlatBuffer
/// (offset, size, alignment, xxh64: 32 bytes), found by its contents.
size_t sectionStructOffset(const std::vector<uint8_t> &bytes,
                           const SectionInfo &section) {
  uint64_t fields[4] = {section.offset, section.size, section.alignment,
                        section.xxh64};
  auto begin = bytes.begin() + kArtifactPreambleSize;
  auto end = begin + flatbufferSize(bytes);
  auto found = std::search(begin, end, reinterpret_cast<uint8_t *>(fields),
                           reinterpret_cast<uint8_t *>(fields) + 32);
  EXPECT_NE(found, end);
  return size_t(found - bytes.begin());
}

/// Rewrites one field (0 offset, 1 size, 2 alignment) of a section.
std::vector<uint8_t> withSectionField(uint32_t index, int field,
                                      uint64_t value) {
  std::vector<uint8_t> bytes = sampleBytes();
  Result<Artifact> artifact = openBytes(bytes);
  EXPECT_TRUE(artifact.ok());
  size_t at = sectionStructOffset(bytes, artifact->sections()[index]);
  std::memcpy(bytes.data() + at + 8 * field, &value, 8);
  rehashFlatBuffer(bytes);
  return bytes;
}

TEST(Artifact, RoundTripsEveryField) {
  TempFile file("roundtrip.qfa");
  ArtifactWriter writer = sampleArtifactWriter(kDefaultSectionAlignment);
  ASSERT_TRUE(writer.write(file.path()).ok());
  Result<Artifact> artifact = Artifact::open(file.path());
  ASSERT_TRUE(artifact.ok()) << artifact.message();
  EXPECT_EQ(artifact->name(), file.path());
  EXPECT_EQ(artifact->formatVersion(), kArtifactFormatVersion);
  EXPECT_EQ(artifact->target(), "cpu-x86_64");

  const ModelConfig &config = artifact->config();
  ModelConfig expected = sampleConfig();
  EXPECT_EQ(config.architecture, expected.architecture);
  EXPECT_EQ(config.hiddenSize, expected.hiddenSize);
  EXPECT_EQ(config.numLayers, expected.numLayers);
  EXPECT_EQ(config.numHeads, expected.numHeads);
  EXPECT_EQ(config.numKvHeads, expected.numKvHeads);
  EXPECT_EQ(config.headDim, expected.headDim);
  EXPECT_EQ(config.intermediateSize, expected.intermediateSize);
  EXPECT_EQ(config.vocabSize, expected.vocabSize);
  EXPECT_EQ(config.maxPositions, expected.maxPositions);
  EXPECT_EQ(config.ropeTheta, expected.ropeTheta);
  EXPECT_EQ(config.rmsNormEps, expected.rmsNormEps);
  EXPECT_EQ(config.bosTokenId, expected.bosTokenId);
  EXPECT_EQ(config.eosTokenIds, expected.eosTokenIds);

  ASSERT_EQ(artifact->tokenizer().kind, "hf-json");
  ASSERT_EQ(artifact->tokenizer().files.size(), 1u);
  EXPECT_EQ(artifact->tokenizer().files[0].name, "tokenizer.json");
  ByteView json =
      artifact->sectionBytes(artifact->tokenizer().files[0].section);
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(json.data), json.size),
            "{\"model\": {}}");

  ASSERT_EQ(artifact->sections().size(), 5u);
  for (const SectionInfo &section : artifact->sections()) {
    EXPECT_EQ(section.alignment, kDefaultSectionAlignment);
    EXPECT_EQ(section.offset % kDefaultSectionAlignment, 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(artifact->sectionBytes(0).data) %
                  kDefaultSectionAlignment,
              0u);
  }

  const std::vector<ParameterInfo> &parameters = artifact->parameters();
  ASSERT_EQ(parameters.size(), 3u);
  EXPECT_EQ(parameters[0].name, "model.embed_tokens.weight");
  EXPECT_EQ(parameters[0].dtype, "f32");
  EXPECT_EQ(parameters[0].shape, (std::vector<int64_t>{32, 8}));
  EXPECT_EQ(parameters[1].name, "model.norm.weight");
  EXPECT_EQ(parameters[1].dtype, "bf16");
  EXPECT_EQ(parameters[1].shape, (std::vector<int64_t>{8}));
  EXPECT_EQ(parameters[2].dtype, "i8");
  for (uint32_t i = 0; i < 3; ++i) {
    ByteView bytes = artifact->parameterBytes(i);
    std::vector<uint8_t> expectedBytes = patternBytes(i == 0   ? 1024
                                                      : i == 1 ? 16
                                                               : 128,
                                                      i + 1);
    EXPECT_EQ(std::vector<uint8_t>(bytes.data, bytes.data + bytes.size),
              expectedBytes);
  }
  EXPECT_EQ(artifact->findParameter("model.norm.weight"), 1u);
  EXPECT_FALSE(artifact->findParameter("model.missing").has_value());

  const KvCacheInfo &kv = artifact->kvCache();
  EXPECT_EQ(kv.layers, 2);
  EXPECT_EQ(kv.kvHeads, 1);
  EXPECT_EQ(kv.capacity, 16);
  EXPECT_EQ(kv.headDim, 4);
  ASSERT_EQ(kv.groups.size(), 1u);
  EXPECT_EQ(kv.groups[0].dtype, "f16");
  EXPECT_EQ(kv.groups[0].layers, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(kv.bytesPerToken, 2 * 2 * 1 * 4 * 2);

  ASSERT_EQ(artifact->executables().size(), 1u);
  EXPECT_EQ(artifact->executables()[0].target, "cpu-x86_64");
  EXPECT_EQ(artifact->executables()[0].format, "elf-shared-object");
  EXPECT_FALSE(artifact->executables()[0].programmaticLaunch);
  ByteView code = artifact->executableBytes(0);
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(code.data), code.size),
            "\x7f"
            "ELF placeholder code");

  ASSERT_EQ(artifact->entryPoints().size(), 2u);
  const EntryPointInfo *decode = artifact->findEntryPoint("decode");
  ASSERT_NE(decode, nullptr);
  ASSERT_EQ(decode->dispatches.size(), 1u);
  EXPECT_EQ(decode->dispatches[0].executable, 0u);
  EXPECT_EQ(decode->dispatches[0].symbol, "model_decode");
  std::vector<ArgumentInfo> arguments = standardArguments(3);
  ASSERT_EQ(decode->arguments.size(), arguments.size());
  for (size_t i = 0; i < arguments.size(); ++i) {
    EXPECT_EQ(decode->arguments[i].kind, arguments[i].kind) << i;
    EXPECT_EQ(decode->arguments[i].parameter, arguments[i].parameter) << i;
  }
  EXPECT_EQ(artifact->findEntryPoint("missing"), nullptr);
}

// Whether an executable's kernels may be launched programmatically is kept
// per executable; artifacts written before the field read as false.
TEST(Artifact, RoundTripsProgrammaticLaunch) {
  TempFile file("programmatic.qfa");
  ArtifactWriter writer = sampleArtifactWriter(kDefaultSectionAlignment);
  writer.addExecutable("cpu-x86_64", "elf-shared-object",
                       writer.addSection(textBytes("code")),
                       /*programmaticLaunch=*/true);
  ASSERT_TRUE(writer.write(file.path()).ok());
  Result<Artifact> artifact = Artifact::open(file.path());
  ASSERT_TRUE(artifact.ok()) << artifact.message();
  ASSERT_EQ(artifact->executables().size(), 2u);
  EXPECT_FALSE(artifact->executables()[0].programmaticLaunch);
  EXPECT_TRUE(artifact->executables()[1].programmaticLaunch);
}

TEST(Artifact, RoundTripsAMixedKvCache) {
  ArtifactWriter writer = sampleArtifactWriter(kMinSectionAlignment);
  writer.setKvCache(mixedKvCache());
  writer.addEntryPoint({"mixed", mixedCacheArguments(), {{0, "f"}}});
  Result<std::vector<uint8_t>> bytes = writer.writeToMemory();
  ASSERT_TRUE(bytes.ok()) << bytes.message();
  Result<Artifact> artifact = openBytes(*bytes);
  ASSERT_TRUE(artifact.ok()) << artifact.message();
  const KvCacheInfo &kv = artifact->kvCache();
  ASSERT_EQ(kv.groups.size(), 2u);
  EXPECT_EQ(kv.groups[1].dtype, "i8");
  EXPECT_EQ(kv.groups[1].scaleDtype, "f32");
  EXPECT_EQ(kv.groups[1].layers, (std::vector<int64_t>{1}));
  // K and V of 1 head: f16 layer 2 * 4 * 2, i8 layer 2 * (4 + 4).
  EXPECT_EQ(kv.bytesPerToken, 16 + 16);
  EXPECT_EQ(kv.shape(1), (std::vector<int64_t>{1, 2, 1, 16, 4}));
  EXPECT_EQ(kv.describe(), "layer 0: f16; layer 1: i8, f32 scales");
  KvCacheInfo runs = KvCacheInfo::uniform(5, 1, 16, 4, "f16");
  runs.groups[0].layers = {0, 1, 4};
  runs.groups.push_back({"f8E4M3FN", "", {2, 3}});
  EXPECT_EQ(runs.describe(),
            "layers 0-1: f16; layers 2-3: f8E4M3FN; layer 4: f16");
  const EntryPointInfo *mixed = artifact->findEntryPoint("mixed");
  ASSERT_NE(mixed, nullptr);
  EXPECT_EQ(mixed->arguments[3].kvGroup, 1u);
  EXPECT_EQ(mixed->arguments[4].kind, ArgumentKind::KvScales);
}

TEST(Artifact, CopiesShareTheMapping) {
  std::vector<uint8_t> bytes = sampleBytes();
  Result<Artifact> artifact = openBytes(bytes);
  ASSERT_TRUE(artifact.ok());
  ByteView view = artifact->parameterBytes(0);
  Artifact copy = *artifact;
  artifact = Status::error("dropped");
  EXPECT_EQ(copy.parameterBytes(0).data, view.data);
  EXPECT_EQ(std::vector<uint8_t>(view.data, view.data + view.size),
            patternBytes(1024, 1));
}

TEST(ArtifactWriter, StreamsAndBorrowsSections) {
  std::vector<uint8_t> weights = patternBytes(4096 * 3 + 5, 7);
  std::vector<uint8_t> borrowed = patternBytes(100, 8);
  ArtifactWriter writer = sampleArtifactWriter(kDefaultSectionAlignment);
  uint32_t streamed =
      writer.addSection(weights.size(), [&](SectionSink &sink) -> Status {
        for (size_t at = 0; at < weights.size(); at += 1000)
          QF_RETURN_IF_ERROR(
              sink.write(weights.data() + at,
                         std::min<size_t>(1000, weights.size() - at)));
        return Status();
      });
  uint32_t view = writer.addSectionView(borrowed.data(), borrowed.size());
  writer.addParameter("streamed", "ui8", {int64_t(weights.size())}, streamed);
  writer.addParameter("borrowed", "i32", {25}, view);
  Result<std::vector<uint8_t>> bytes = writer.writeToMemory();
  ASSERT_TRUE(bytes.ok()) << bytes.message();
  Result<Artifact> artifact = openBytes(*bytes);
  ASSERT_TRUE(artifact.ok()) << artifact.message();
  ByteView got = artifact->parameterBytes(3);
  EXPECT_EQ(std::vector<uint8_t>(got.data, got.data + got.size), weights);
  got = artifact->parameterBytes(4);
  EXPECT_EQ(std::vector<uint8_t>(got.data, got.data + got.size), borrowed);
}

TEST(ArtifactWriter, ProducerMustWriteTheDeclaredSize) {
  for (size_t written : {size_t(9), size_t(11)}) {
    ArtifactWriter writer = sampleArtifactWriter(kMinSectionAlignment);
    writer.addSection(10, [&](SectionSink &sink) {
      std::vector<uint8_t> bytes(written);
      return sink.write(bytes.data(), bytes.size());
    });
    Result<std::vector<uint8_t>> bytes = writer.writeToMemory();
    ASSERT_FALSE(bytes.ok());
    EXPECT_NE(bytes.message().find("section 5"), std::string::npos)
        << bytes.message();
  }
}

TEST(ArtifactWriter, FailedWriteLeavesNoFile) {
  TempFile file("invalid.qfa");
  ArtifactWriter writer = sampleArtifactWriter(kMinSectionAlignment);
  writer.addParameter("bad", "f32", {3}, writer.addSection(patternBytes(8, 1)));
  Status status = writer.write(file.path());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(),
            file.path() + ": parameter 'bad': f32 of its shape takes 12 bytes "
                          "but section 5 holds 8");
  EXPECT_NE(access(file.path().c_str(), F_OK), 0);
  EXPECT_NE(access((file.path() + ".tmp").c_str(), F_OK), 0);
}

/// Each edit of a valid description and the error the writer reports.
TEST(ArtifactWriter, RejectsInconsistentDescriptions) {
  struct Case {
    const char *expected;
    std::function<void(ArtifactWriter &)> edit;
  };
  const Case cases[] = {
      {"no entry point 'decode'",
       [](ArtifactWriter &w) {
         ArtifactDescription sample = w.description();
         w = ArtifactWriter();
         w.setTarget(sample.target);
         w.setConfig(sample.config);
         w.setKvCache(sample.kvCache);
         w.addExecutable(sample.target, "elf-shared-object",
                         w.addSection(textBytes("x")));
         w.addEntryPoint({"prefill", {}, {{0, "f"}}});
       }},
      {"unknown dtype 'f12'",
       [](ArtifactWriter &w) {
         w.addParameter("p", "f12", {1}, w.addSection(textBytes("x")));
       }},
      {"parameter 'p': section 99 is out of range",
       [](ArtifactWriter &w) { w.addParameter("p", "i8", {1}, 99); }},
      {"parameter 'model.norm.weight' appears twice",
       [](ArtifactWriter &w) {
         w.addParameter("model.norm.weight", "i8", {1},
                        w.addSection(textBytes("x")));
       }},
      {"invalid shape",
       [](ArtifactWriter &w) {
         w.addParameter("p", "i8", {-1}, w.addSection(textBytes("x")));
       }},
      {"tokenizer file name '../evil' is not a plain file name",
       [](ArtifactWriter &w) {
         w.addTokenizerFile("../evil", textBytes("x"));
       }},
      {"unknown tokenizer kind 'bpe'",
       [](ArtifactWriter &w) { w.setTokenizerKind("bpe"); }},
      {"executable 1: target 'cuda-sm_90' differs from the artifact's "
       "'cpu-x86_64'",
       [](ArtifactWriter &w) {
         w.addExecutable("cuda-sm_90", "cubin", w.addSection(textBytes("x")));
       }},
      {"entry point 'extra': invalid symbol name 'a b'",
       [](ArtifactWriter &w) {
         w.addEntryPoint({"extra", {}, {{0, "a b"}}});
       }},
      {"entry point 'extra': executable 4 is out of range",
       [](ArtifactWriter &w) {
         w.addEntryPoint({"extra", {}, {{4, "f"}}});
       }},
      {"entry point 'extra': argument 0 names parameter 3 of 3",
       [](ArtifactWriter &w) {
         w.addEntryPoint({"extra", {{ArgumentKind::Parameter, 3}}, {{0, "f"}}});
       }},
      {"entry point 'prefill' appears twice",
       [](ArtifactWriter &w) {
         w.addEntryPoint({"prefill", {}, {{0, "f"}}});
       }},
      {"entry point 'extra' has no dispatch",
       [](ArtifactWriter &w) {
         w.addEntryPoint({"extra", {}, {}});
       }},
      {"kv_cache capacity 0 is outside",
       [](ArtifactWriter &w) {
         w.setKvCache(KvCacheInfo::uniform(2, 1, 0, 4, "f16"));
       }},
      {"kv_cache group 0: unknown dtype 'int4'",
       [](ArtifactWriter &w) {
         w.setKvCache(KvCacheInfo::uniform(2, 1, 8, 4, "int4"));
       }},
      {"kv_cache group 1: layer 0 is in more than one place",
       [](ArtifactWriter &w) {
         KvCacheInfo kv = mixedKvCache();
         kv.groups[1].layers = {0, 1};
         w.setKvCache(kv);
       }},
      {"kv_cache layer 1 is in no group",
       [](ArtifactWriter &w) {
         KvCacheInfo kv = mixedKvCache();
         kv.groups.pop_back();
         w.setKvCache(kv);
       }},
      {"kv_cache group 1: layer 2 is outside the cache's 2",
       [](ArtifactWriter &w) {
         KvCacheInfo kv = mixedKvCache();
         kv.groups[1].layers = {1, 2};
         w.setKvCache(kv);
       }},
      {"kv_cache group 1 has no layers",
       [](ArtifactWriter &w) {
         KvCacheInfo kv = mixedKvCache();
         kv.groups[1].layers.clear();
         w.setKvCache(kv);
       }},
      {"kv_cache has no groups",
       [](ArtifactWriter &w) {
         KvCacheInfo kv = mixedKvCache();
         kv.groups.clear();
         w.setKvCache(kv);
       }},
      {"entry point 'extra': argument 0 names kv_cache group 1 of 1",
       [](ArtifactWriter &w) {
         w.addEntryPoint(
             {"extra", {{ArgumentKind::KvCache, 0, 1}}, {{0, "f"}}});
       }},
      {"entry point 'extra': argument 1 is kv_scales but the kv_cache has none",
       [](ArtifactWriter &w) {
         w.setKvCache(mixedKvCache());
         w.addEntryPoint(
             {"extra",
              {{ArgumentKind::KvScales, 0, 1}, {ArgumentKind::KvScales, 0, 0}},
              {{0, "f"}}});
       }},
      {"config eos_token_id 32 is outside the vocabulary of 32",
       [](ArtifactWriter &w) {
         ModelConfig config = sampleConfig();
         config.eosTokenIds = {32};
         w.setConfig(config);
       }},
      {"config vocab_size 0 is outside",
       [](ArtifactWriter &w) {
         ModelConfig config = sampleConfig();
         config.vocabSize = 0;
         w.setConfig(config);
       }},
      {"no target", [](ArtifactWriter &w) { w.setTarget(""); }},
      {"section alignment 100 is not a power of two",
       [](ArtifactWriter &w) { w.setSectionAlignment(100); }},
  };
  for (const Case &c : cases) {
    ArtifactWriter writer = sampleArtifactWriter(kMinSectionAlignment);
    c.edit(writer);
    Result<std::vector<uint8_t>> bytes = writer.writeToMemory();
    ASSERT_FALSE(bytes.ok()) << c.expected;
    EXPECT_NE(bytes.message().find(c.expected), std::string::npos)
        << "expected: " << c.expected << "\ngot: " << bytes.message();
  }
}

TEST(Artifact, OpenReportsFileProblems) {
  Result<Artifact> missing = Artifact::open("/nonexistent/model.qfa");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.message(),
            "/nonexistent/model.qfa: No such file or directory");
  Result<Artifact> directory = Artifact::open(::testing::TempDir());
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.message().find("not a regular file"), std::string::npos);
  TempFile empty("empty.qfa");
  std::ofstream(empty.path()).close();
  Result<Artifact> emptyArtifact = Artifact::open(empty.path());
  ASSERT_FALSE(emptyArtifact.ok());
  EXPECT_EQ(emptyArtifact.message(), empty.path() + ": empty file");
}

TEST(Artifact, RejectsEveryTruncation) {
  std::vector<uint8_t> bytes = sampleBytes();
  for (size_t length = 0; length < bytes.size(); ++length) {
    std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + length);
    Result<Artifact> artifact = openBytes(prefix);
    ASSERT_FALSE(artifact.ok()) << "opened the first " << length << " bytes";
    EXPECT_EQ(artifact.message().rfind("model.qfa: ", 0), 0u);
  }
  EXPECT_TRUE(failsWith(openBytes({bytes.begin(), bytes.begin() + 31}),
                        "truncated: 31 bytes, smaller than the 32-byte"));
  EXPECT_TRUE(failsWith(openBytes({bytes.begin(), bytes.begin() + 40}),
                        "does not fit in the file (40 bytes): truncated?"));
  EXPECT_TRUE(failsWith(openBytes({bytes.begin(), bytes.end() - 1}),
                        "section 4 (executable 0) ["));
}

TEST(Artifact, RejectsFlippedPreambleBytes) {
  std::vector<uint8_t> bytes = sampleBytes();
  for (size_t at = 0; at < kArtifactPreambleSize; ++at) {
    std::vector<uint8_t> corrupt = bytes;
    corrupt[at] ^= 0x01;
    const char *expected = at < 4    ? "bad magic"
                           : at < 8  ? "format version"
                           : at < 16 ? "metadata"
                           : at < 24 ? "metadata checksum mismatch"
                                     : "reserved preamble field is not zero";
    EXPECT_TRUE(failsWith(openBytes(corrupt), expected)) << "byte " << at;
  }
}

TEST(Artifact, RejectsOtherVersions) {
  std::vector<uint8_t> bytes = sampleBytes();
  // Version 1 had one KV cache dtype; version 2 has storage groups.
  bytes[4] = 1;
  EXPECT_TRUE(failsWith(openBytes(bytes),
                        "format version 1, this runtime reads version 2"));
  bytes[4] = 3;
  EXPECT_TRUE(failsWith(openBytes(bytes),
                        "format version 3, this runtime reads version 2"));
}

TEST(Artifact, RejectsFlippedMetadataBytes) {
  std::vector<uint8_t> bytes = sampleBytes();
  size_t end = kArtifactPreambleSize + flatbufferSize(bytes);
  for (size_t at = kArtifactPreambleSize; at < end; ++at) {
    std::vector<uint8_t> corrupt = bytes;
    corrupt[at] ^= 0x10;
    EXPECT_TRUE(failsWith(openBytes(corrupt), "metadata checksum mismatch"))
        << "byte " << at;
    // Behind the checksum, the verifier and the consistency checks must
    // cope with the same damage without crashing.
    rehashFlatBuffer(corrupt);
    Result<Artifact> artifact = openBytes(corrupt);
    if (!artifact.ok())
      EXPECT_EQ(artifact.message().rfind("model.qfa: ", 0), 0u);
  }
}

TEST(Artifact, NamesTheSectionWithABadChecksum) {
  std::vector<uint8_t> bytes = sampleBytes();
  Result<Artifact> artifact = openBytes(bytes);
  ASSERT_TRUE(artifact.ok());
  const char *names[] = {"section 0 (tokenizer file 'tokenizer.json')",
                         "section 1 (parameter 'model.embed_tokens.weight')",
                         "section 2 (parameter 'model.norm.weight')",
                         "section 3 (parameter 'lm_head.qweight')",
                         "section 4 (executable 0)"};
  for (uint32_t i = 0; i < 5; ++i) {
    const SectionInfo &section = artifact->sections()[i];
    for (uint64_t at : {section.offset, section.offset + section.size - 1}) {
      std::vector<uint8_t> corrupt = bytes;
      corrupt[at] ^= 0x80;
      Result<Artifact> reopened = openBytes(corrupt);
      ASSERT_FALSE(reopened.ok());
      EXPECT_EQ(reopened.message(),
                std::string("model.qfa: ") + names[i] + " checksum mismatch");
      ArtifactOpenOptions unchecked;
      unchecked.verifyChecksums = false;
      EXPECT_TRUE(openBytes(corrupt, unchecked).ok());
    }
  }
}

TEST(Artifact, RejectsBadSectionRanges) {
  Result<Artifact> artifact = openBytes(sampleBytes());
  ASSERT_TRUE(artifact.ok());
  const std::vector<SectionInfo> &sections = artifact->sections();
  EXPECT_TRUE(failsWith(
      openBytes(withSectionField(2, 0, sections[2].offset + 8)),
      "section 2 (parameter 'model.norm.weight') at offset " +
          std::to_string(sections[2].offset + 8) + " is not aligned to 64"));
  EXPECT_TRUE(failsWith(openBytes(withSectionField(2, 0, sections[1].offset)),
                        "overlaps the preamble, the metadata or section 1"));
  EXPECT_TRUE(failsWith(openBytes(withSectionField(0, 0, 0)),
                        "section 0 (tokenizer file 'tokenizer.json') at "
                        "offset 0 overlaps"));
  EXPECT_TRUE(failsWith(openBytes(withSectionField(4, 1, 1u << 20)),
                        "ends beyond the file"));
  EXPECT_TRUE(failsWith(openBytes(withSectionField(4, 0, UINT64_MAX - 63)),
                        "ends beyond the file"));
  EXPECT_TRUE(failsWith(openBytes(withSectionField(1, 2, 96)),
                        "has alignment 96, not a power of two >= 64"));
  EXPECT_TRUE(
      failsWith(openBytes(withSectionField(1, 2, 32)), "has alignment 32"));
  // A consistent range with a size the parameter's shape does not have.
  EXPECT_TRUE(failsWith(
      openBytes(withSectionField(2, 1, 15)),
      "parameter 'model.norm.weight': bf16 of its shape takes 16 bytes but "
      "section 2 holds 15"));
}

TEST(Artifact, RejectsNonArtifacts) {
  std::vector<uint8_t> text = textBytes(std::string(64, 'x'));
  EXPECT_TRUE(failsWith(openBytes(text), "not a QuantForge artifact"));
  Result<Artifact> empty = Artifact::openFromMemory(nullptr, 0, "model.qfa");
  EXPECT_TRUE(failsWith(empty, "truncated: 0 bytes"));
}

TEST(Artifact, DtypeSizes) {
  EXPECT_EQ(dtypeSize("f32"), 4u);
  EXPECT_EQ(dtypeSize("bf16"), 2u);
  EXPECT_EQ(dtypeSize("f8E4M3FN"), 1u);
  EXPECT_EQ(dtypeSize("i64"), 8u);
  EXPECT_FALSE(dtypeSize("F32").has_value());
  EXPECT_FALSE(dtypeSize("").has_value());
  EXPECT_STREQ(argumentKindName(ArgumentKind::StartPos), "start_pos");
}

} // namespace
