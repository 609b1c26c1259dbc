//===- GGUFVocabTest.cpp - tokenizers from GGUF vocabularies --------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// LlamaTokenizerTest checks the "llama" path against SentencePiece on the
// real vocabulary and ByteLevelTest the "gpt2" path against tokenizer.json;
// these tests cover token types, options and errors.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace qf;
using Ids = std::vector<int32_t>;

namespace {

/// <unk>, <s>, </s>, <0x00>..<0xFF> (ids 3..258), "▁" 259, "a" 260, "b" 261,
/// "▁a" 262, "ab" 263, "▁ab" 264, user-defined "[INST]" 265.
GGUFVocab llamaVocab() {
  GGUFVocab vocab;
  vocab.model = "llama";
  auto add = [&](std::string token, float score, int32_t type) {
    vocab.tokens.push_back(std::move(token));
    vocab.scores.push_back(score);
    vocab.tokenTypes.push_back(type);
  };
  add("<unk>", 0, GGUFVocab::Unknown);
  add("<s>", 0, GGUFVocab::Control);
  add("</s>", 0, GGUFVocab::Control);
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    add(name, 0, GGUFVocab::Byte);
  }
  add("▁", -10, GGUFVocab::Normal);
  add("a", -11, GGUFVocab::Normal);
  add("b", -12, GGUFVocab::Normal);
  add("▁a", -1, GGUFVocab::Normal);
  add("ab", -2, GGUFVocab::Normal);
  add("▁ab", -3, GGUFVocab::Normal);
  add("[INST]", 0, GGUFVocab::UserDefined);
  vocab.bosId = 1;
  vocab.eosId = 2;
  vocab.unkId = 0;
  return vocab;
}

std::unique_ptr<Tokenizer> load(const GGUFVocab &vocab) {
  Result<std::unique_ptr<Tokenizer>> tokenizer =
      Tokenizer::loadFromGGUFVocab(vocab);
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.message();
  return tokenizer.ok() ? tokenizer.take() : nullptr;
}

TEST(TokenizerGGUF, LlamaTokenTypes) {
  auto tokenizer = load(llamaVocab());
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(tokenizer->encode("ab ab", true), (Ids{1, 264, 264}));
  // User-defined pieces are matched whole; the text after one gets the
  // space prefix again, as in llama.cpp.
  EXPECT_EQ(tokenizer->encode("[INST]ab", false), (Ids{265, 264}));
  EXPECT_EQ(tokenizer->encode("ab[INST]", false), (Ids{264, 265}));
  // Control pieces never come from text; what is not a piece falls back to
  // bytes.
  EXPECT_EQ(tokenizer->encode("<s>", false),
            (Ids{259, 3 + '<', 3 + 's', 3 + '>'}));
  EXPECT_EQ(tokenizer->encode("é", false), (Ids{259, 3 + 0xC3, 3 + 0xA9}));
  EXPECT_EQ(tokenizer->decode({1, 265, 264, 3 + 0xC3, 3 + 0xA9, 2}),
            "[INST] abé");
  EXPECT_EQ(tokenizer->stopIds(), Ids{2});
  EXPECT_TRUE(tokenizer->addsBosByDefault());
}

TEST(TokenizerGGUF, LlamaWithoutSpacePrefix) {
  GGUFVocab vocab = llamaVocab();
  vocab.addSpacePrefix = false;
  vocab.addBos = false;
  vocab.extraStopIds = {0};
  auto tokenizer = load(vocab);
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(tokenizer->encode("ab ab", false), (Ids{263, 264}));
  EXPECT_EQ(tokenizer->decode({263, 264}), "ab ab");
  EXPECT_FALSE(tokenizer->addsBosByDefault());
  EXPECT_EQ(tokenizer->stopIds(), (Ids{2, 0}));
}

TEST(TokenizerGGUF, ScoresDecideTheMergeOrder) {
  // Without "▁ab", "▁a" (score -1) wins over "ab" (-2): "▁a" "b"; with the
  // scores swapped, "▁" "ab".
  GGUFVocab vocab = llamaVocab();
  vocab.tokens[264] = "unused";
  EXPECT_EQ(load(vocab)->encode("ab", false), (Ids{262, 261}));
  std::swap(vocab.scores[262], vocab.scores[263]);
  EXPECT_EQ(load(vocab)->encode("ab", false), (Ids{259, 263}));
}

TEST(TokenizerGGUF, ErrorsNameTheKey) {
  auto failsWith =
      [](const GGUFVocab &vocab,
         const std::string &problem) -> ::testing::AssertionResult {
    Result<std::unique_ptr<Tokenizer>> result =
        Tokenizer::loadFromGGUFVocab(vocab);
    if (result.ok())
      return ::testing::AssertionFailure() << "loaded; expected " << problem;
    if (result.message().rfind("GGUF vocabulary: ", 0) != 0 ||
        result.message().find(problem) == std::string::npos)
      return ::testing::AssertionFailure() << "got: " << result.message();
    return ::testing::AssertionSuccess();
  };
  GGUFVocab vocab = llamaVocab();
  vocab.model = "bert";
  EXPECT_TRUE(
      failsWith(vocab, "tokenizer.ggml.model: 'bert' is not supported"));
  vocab = llamaVocab();
  vocab.tokens.clear();
  EXPECT_TRUE(failsWith(vocab, "tokenizer.ggml.tokens: 0 tokens"));
  vocab = llamaVocab();
  vocab.scores.pop_back();
  EXPECT_TRUE(failsWith(vocab, "tokenizer.ggml.scores: 265 scores for 266"));
  vocab = llamaVocab();
  vocab.scores[260] = std::nanf("");
  EXPECT_TRUE(failsWith(vocab, "tokenizer.ggml.scores[260] is not finite"));
  vocab = llamaVocab();
  vocab.tokenTypes[7] = 9;
  EXPECT_TRUE(failsWith(vocab, "tokenizer.ggml.token_type[7]: unknown type 9"));
  vocab.tokenTypes.pop_back();
  EXPECT_TRUE(failsWith(vocab, "tokenizer.ggml.token_type: 265 entries"));
  vocab = llamaVocab();
  vocab.bosId = 266;
  EXPECT_TRUE(failsWith(vocab, "special token id 266 is outside"));
  vocab = llamaVocab();
  vocab.extraStopIds = {-5};
  EXPECT_TRUE(failsWith(vocab, "stop token id -5 is outside"));

  vocab = llamaVocab();
  vocab.model = "gpt2";
  vocab.pre = "falcon";
  EXPECT_TRUE(
      failsWith(vocab, "tokenizer.ggml.pre: 'falcon' is not supported"));
  vocab.pre = "qwen2";
  vocab.merges = {"a"};
  EXPECT_TRUE(failsWith(vocab, "tokenizer.ggml.merges[0]: 'a' is not"));
  vocab.merges = {"a b", "x y"};
  EXPECT_TRUE(failsWith(
      vocab, "tokenizer.ggml.merges: merge 1 ('x', 'y'): 'x' is not in"));
}

} // namespace
