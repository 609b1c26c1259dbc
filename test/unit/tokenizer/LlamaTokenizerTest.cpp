//===- LlamaTokenizerTest.cpp - the shared Llama tokenizer, three ways ----===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// llama-t holds one vocabulary as tokenizer.model and as tokenizer.json; a
// GGUF converter would store its pieces and scores. All three must give the
// reference ids of shared/data/reference.json. The tokenizer comes from the
// bundled copy of llama-t; the tests that read shared/data skip without it.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include "runtime/tokenizer/Tokenizer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sentencepiece_processor.h>

#include <optional>

using namespace qf;
using namespace qf::test;
using json = nlohmann::json;

namespace {

enum class Source { SentencePiece, HuggingFace, GGUF };

/// What a GGUF converter stores for a SentencePiece model; nothing (and a
/// test failure) when the model does not load, since SentencePiece crashes
/// on the queries below without one.
std::optional<GGUFVocab> ggufFromSentencePiece(const std::string &path) {
  sentencepiece::SentencePieceProcessor sp;
  if (sentencepiece::util::Status status = sp.Load(path); !status.ok()) {
    ADD_FAILURE() << path << ": " << status.ToString();
    return std::nullopt;
  }
  GGUFVocab vocab;
  vocab.model = "llama";
  for (int id = 0; id < sp.GetPieceSize(); ++id) {
    vocab.tokens.push_back(sp.IdToPiece(id));
    vocab.scores.push_back(sp.GetScore(id));
    vocab.tokenTypes.push_back(sp.IsUnknown(id)   ? GGUFVocab::Unknown
                               : sp.IsControl(id) ? GGUFVocab::Control
                               : sp.IsByte(id)    ? GGUFVocab::Byte
                               : sp.IsUnused(id)  ? GGUFVocab::Unused
                                                  : GGUFVocab::Normal);
  }
  vocab.bosId = sp.bos_id();
  vocab.eosId = sp.eos_id();
  vocab.unkId = sp.unk_id();
  return vocab;
}

/// llama-t's tokenizer; null (and a test failure) when it does not load.
std::unique_ptr<Tokenizer> load(Source source) {
  const std::string model = bundledLlamaT() + "/tokenizer.model";
  std::optional<GGUFVocab> vocab;
  if (source == Source::GGUF && !(vocab = ggufFromSentencePiece(model)))
    return nullptr;
  Result<std::unique_ptr<Tokenizer>> tokenizer =
      source == Source::SentencePiece ? Tokenizer::loadSentencePiece(model)
      : source == Source::HuggingFace
          ? Tokenizer::loadHuggingFace(bundledLlamaT())
          : Tokenizer::loadFromGGUFVocab(*vocab);
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.message();
  return tokenizer.ok() ? tokenizer.take() : nullptr;
}

/// Equal ids, or where they first differ, with the pieces around it.
::testing::AssertionResult sameIds(const Tokenizer &tokenizer,
                                   const std::vector<int32_t> &actual,
                                   const std::vector<int32_t> &expected) {
  if (actual == expected)
    return ::testing::AssertionSuccess();
  size_t i = 0;
  while (i < actual.size() && i < expected.size() && actual[i] == expected[i])
    ++i;
  auto around = [&](const std::vector<int32_t> &ids) {
    std::string text;
    for (size_t k = i >= 3 ? i - 3 : 0; k < std::min(ids.size(), i + 3); ++k)
      text += "[" + tokenizer.tokenToPiece(ids[k]) + "]";
    return text;
  };
  return ::testing::AssertionFailure()
         << actual.size() << " ids vs " << expected.size()
         << " expected; first difference at " << i << ": " << around(actual)
         << " vs " << around(expected);
}

class LlamaTokenizerTest : public ::testing::TestWithParam<Source> {
protected:
  void SetUp() override {
    tokenizer_ = load(GetParam());
    ASSERT_NE(tokenizer_, nullptr);
  }

  /// shared/data/reference.json; null (and a test failure) when unreadable.
  static json reference() {
    json parsed = json::parse(readFile(sharedPath("data/reference.json")),
                              nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(parsed.is_discarded()) << "reference.json is not JSON";
    return parsed.is_discarded() ? json() : parsed;
  }

  std::unique_ptr<Tokenizer> tokenizer_;
};

TEST_P(LlamaTokenizerTest, SpecialIdsAndPieces) {
  EXPECT_EQ(tokenizer_->vocabSize(), 4096);
  EXPECT_EQ(tokenizer_->bosId(), 1);
  EXPECT_EQ(tokenizer_->eosId(), 2);
  EXPECT_EQ(tokenizer_->stopIds(), std::vector<int32_t>{2});
  EXPECT_TRUE(tokenizer_->addsBosByDefault());
  EXPECT_EQ(tokenizer_->tokenToPiece(13), "<0x0A>");
  EXPECT_EQ(tokenizer_->tokenToPiece(259), "\u2581\u2581");
  EXPECT_EQ(tokenizer_->tokenToPiece(-1), "");
  EXPECT_EQ(tokenizer_->tokenToPiece(4096), "");
}

TEST_P(LlamaTokenizerTest, ValidTxtMatchesReferenceIds) {
  QF_SKIP_WITHOUT_SHARED_DATA();
  json valid = reference()["data"]["valid"];
  ASSERT_TRUE(valid.contains("tokens") && valid.contains("ids_sha256"));
  std::vector<int32_t> ids =
      tokenizer_->encode(readFile(sharedPath("data/valid.txt")), false);
  EXPECT_EQ(ids.size(), valid["tokens"].get<size_t>());
  EXPECT_EQ(idsSha256(ids), valid["ids_sha256"].get<std::string>());
}

TEST_P(LlamaTokenizerTest, CalibTextMatchesSentencePiece) {
  if (GetParam() == Source::SentencePiece)
    GTEST_SKIP() << "SentencePiece is the reference";
  QF_SKIP_WITHOUT_SHARED_DATA();
  // The first 400 KB, up to a line end (no literal special tokens there).
  std::string text = readFile(sharedPath("data/calib.txt")).substr(0, 400000);
  text.resize(text.rfind('\n') + 1);
  std::unique_ptr<Tokenizer> reference = load(Source::SentencePiece);
  ASSERT_NE(reference, nullptr);
  EXPECT_TRUE(sameIds(*tokenizer_, tokenizer_->encode(text, false),
                      reference->encode(text, false)));
}

TEST_P(LlamaTokenizerTest, TrickyStringsMatchSentencePieceAndRoundTrip) {
  std::unique_ptr<Tokenizer> reference = load(Source::SentencePiece);
  ASSERT_NE(reference, nullptr);
  const char *texts[] = {
      "",
      " ",
      "   ",
      "\n",
      "\t",
      "x",
      " leading space",
      "trailing space ",
      "  two  spaces\tand a tab\n\nnew lines\n",
      "digits 1234567890 3.14159 0x7fff_ffff 2024-01-31",
      "µ→ ünïcödé ✓",
      "emoji 🙂👍🏽 and 𝔘𝔫",
      "中文 한국어 Русский",
      "\r\n\r\n",
      "    indented code(x, y)  # comment",
  };
  for (const char *text : texts) {
    std::vector<int32_t> ids = tokenizer_->encode(text, false);
    EXPECT_TRUE(sameIds(*tokenizer_, ids, reference->encode(text, false)))
        << "text: '" << text << "'";
    EXPECT_EQ(tokenizer_->decode(ids), text);
  }
  // U+2581 in the input is a space to SentencePiece: same ids, but it
  // decodes as a space.
  std::string metaspace = "▁already▁metaspace";
  EXPECT_TRUE(sameIds(*tokenizer_, tokenizer_->encode(metaspace, false),
                      reference->encode(metaspace, false)));
}

TEST_P(LlamaTokenizerTest, GreedyPromptsAndTextsOfReferenceJson) {
  QF_SKIP_WITHOUT_SHARED_DATA();
  json models = reference()["models"];
  for (const char *model : {"llama-s", "llama-t"}) {
    const json &greedy = models[model]["greedy"];
    ASSERT_FALSE(greedy.empty()) << model;
    for (const json &run : greedy) {
      std::string prompt = run["prompt"];
      EXPECT_EQ(tokenizer_->encode(prompt, true),
                run["prompt_ids_with_bos"].get<std::vector<int32_t>>())
          << prompt;
      EXPECT_EQ(tokenizer_->decode(run["generated_ids"]),
                run["generated_text"].get<std::string>());
    }
  }
}

TEST_P(LlamaTokenizerTest, ReferenceLogitsInputIds) {
  QF_SKIP_WITHOUT_SHARED_DATA();
  for (const char *model : {"llama-s", "llama-t"}) {
    std::vector<int64_t> expected = readSafetensorsInt64(
        sharedPath("data/ref_logits_" + std::string(model) + ".safetensors"),
        "input_ids");
    std::vector<int32_t> ids = tokenizer_->encode("The Linux kernel is", true);
    EXPECT_EQ(std::vector<int64_t>(ids.begin(), ids.end()), expected) << model;
  }
}

TEST_P(LlamaTokenizerTest, DecodeSkipsSpecialAndUnknownIds) {
  std::vector<int32_t> ids = tokenizer_->encode("The Linux", true);
  ASSERT_EQ(ids.front(), 1);
  ids.insert(ids.end(), {2, -7, 4096, 1 << 30});
  EXPECT_EQ(tokenizer_->decode(ids), "The Linux");
  EXPECT_EQ(tokenizer_->decode({}), "");
}

INSTANTIATE_TEST_SUITE_P(Tokenizer, LlamaTokenizerTest,
                         ::testing::Values(Source::SentencePiece,
                                           Source::HuggingFace, Source::GGUF),
                         [](const ::testing::TestParamInfo<Source> &info) {
                           switch (info.param) {
                           case Source::SentencePiece:
                             return "SentencePiece";
                           case Source::HuggingFace:
                             return "HuggingFace";
                           case Source::GGUF:
                             return "GGUF";
                           }
                           return "Unknown";
                         });

TEST(TokenizerSentencePiece, MissingOrBrokenModelIsAnError) {
  Result<std::unique_ptr<Tokenizer>> missing =
      Tokenizer::loadSentencePiece("/nonexistent/tokenizer.model");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.message().rfind("/nonexistent/tokenizer.model: ", 0), 0u)
      << missing.message();
  Result<std::unique_ptr<Tokenizer>> broken =
      Tokenizer::loadSentencePiece(bundledLlamaT() + "/config.json");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.message().find("config.json: "), std::string::npos)
      << broken.message();
}

} // namespace
