//===- ModelLoaderTest.cpp - tokenizers stored in artifacts ---------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/session/LoadedModel.h"
#include "test/unit/session/FakeModel.h"

#include <gtest/gtest.h>

#include <cstdio>

#include <unistd.h>

using namespace qf;
using namespace qf::test;

namespace {

const std::string kFixture = QF_SOURCE_DIR "/test/fixtures/llama-t/";

/// The fake model with the fixture's tokenizer files of `kind`.
Result<Artifact> withTokenizer(const std::string &kind,
                               const std::vector<std::string> &files) {
  ArtifactWriter writer = fakeModelWriter();
  writer.setTokenizerKind(kind);
  for (const std::string &file : files)
    writer.addTokenizerFile(file, readFile(kFixture + file));
  Result<std::vector<uint8_t>> bytes = writer.writeToMemory();
  if (!bytes)
    return bytes.status();
  return Artifact::openFromMemory(bytes->data(), bytes->size(), "fake.qfa");
}

TEST(ArtifactTokenizer, LoadsBothKindsAlike) {
  Result<Artifact> sentencePiece = withTokenizer(
      "sentencepiece", {"tokenizer.model", "generation_config.json"});
  ASSERT_TRUE(sentencePiece.ok()) << sentencePiece.message();
  Result<Artifact> huggingFace =
      withTokenizer("hf-json", {"tokenizer.json", "tokenizer_config.json",
                                "generation_config.json"});
  ASSERT_TRUE(huggingFace.ok()) << huggingFace.message();

  Result<std::unique_ptr<Tokenizer>> a = loadArtifactTokenizer(*sentencePiece);
  ASSERT_TRUE(a.ok()) << a.message();
  Result<std::unique_ptr<Tokenizer>> b = loadArtifactTokenizer(*huggingFace);
  ASSERT_TRUE(b.ok()) << b.message();
  const std::string text = "The Linux kernel is";
  std::vector<int32_t> ids = (*a)->encode(text, true);
  EXPECT_EQ(ids.front(), 1); // BOS
  EXPECT_GT(ids.size(), 2u);
  EXPECT_EQ((*b)->encode(text, true), ids);
  EXPECT_EQ((*a)->decode(ids), text);
  EXPECT_EQ((*a)->stopIds(), (*b)->stopIds());
}

TEST(ArtifactTokenizer, ExplainsMissingTokenizers) {
  Result<Artifact> none = withTokenizer("", {});
  ASSERT_TRUE(none.ok());
  Result<std::unique_ptr<Tokenizer>> tokenizer = loadArtifactTokenizer(*none);
  ASSERT_FALSE(tokenizer.ok());
  EXPECT_EQ(tokenizer.message(), "fake.qfa: the artifact has no tokenizer");

  Result<Artifact> noModel =
      withTokenizer("sentencepiece", {"generation_config.json"});
  ASSERT_TRUE(noModel.ok());
  tokenizer = loadArtifactTokenizer(*noModel);
  ASSERT_FALSE(tokenizer.ok());
  EXPECT_EQ(tokenizer.message(), "fake.qfa: tokenizer: sentencepiece "
                                 "tokenizer without tokenizer.model");

  Result<Artifact> noJson = withTokenizer("hf-json", {"tokenizer_config.json"});
  ASSERT_TRUE(noJson.ok());
  tokenizer = loadArtifactTokenizer(*noJson);
  ASSERT_FALSE(tokenizer.ok());
  EXPECT_EQ(tokenizer.message(),
            "fake.qfa: hf-json tokenizer without tokenizer.json");
}

TEST(LoadedModel, OpensEverything) {
  std::string path =
      ::testing::TempDir() + "/loaded-" + std::to_string(getpid()) + ".qfa";
  ArtifactWriter writer = fakeModelWriter();
  writer.setTokenizerKind("hf-json");
  writer.addTokenizerFile("tokenizer.json",
                          readFile(kFixture + "tokenizer.json"));
  ASSERT_TRUE(writer.write(path).ok());
  Result<LoadedModel> model = loadModel(path, "cpu");
  ASSERT_TRUE(model.ok()) << model.message();
  EXPECT_EQ(model->artifact().name(), path);
  EXPECT_EQ(model->session->capacity(), 8);
  EXPECT_GT(model->tokenizer->vocabSize(), 16);

  Result<LoadedModel> wrongDevice = loadModel(path, "hip");
  ASSERT_FALSE(wrongDevice.ok());
  EXPECT_EQ(wrongDevice.message(),
            "device 'hip': the hip driver is not built into this runtime "
            "(available: " QF_AVAILABLE_DRIVERS ")");
  std::remove(path.c_str());
  EXPECT_FALSE(loadModel(path, "cpu").ok());
}

} // namespace
