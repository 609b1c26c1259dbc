//===- ByteLevelTest.cpp - byte-level BPE (GPT-2, Llama 3, Qwen2) ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// No byte-level model is shared, so these tests build a small one: the 256
// byte symbols (id = byte), five merges and a few added tokens, with ids
// derived by hand.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"
#include "runtime/tokenizer/Unicode.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <random>

using namespace qf;
using json = nlohmann::json;
using Ids = std::vector<int32_t>;

namespace {

constexpr const char *kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char *kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Ids of the synthetic vocabulary.
constexpr int32_t kGt = 256, kHe = 257, kGthe = 258, kLo = 259, kLlo = 260,
                  kBegin = 261, kEot = 262, kTool = 263, kGworld = 264;
const int32_t kSpace = ' ';

std::vector<std::string> tokens() {
  std::vector<std::string> pieces;
  for (int b = 0; b < 256; ++b) {
    std::string piece;
    unicode::appendUtf8(piece, unicode::byteToChar(uint8_t(b)));
    pieces.push_back(piece);
  }
  for (const char *piece :
       {"Ġt", "he", "Ġthe", "lo", "llo", "<|begin_of_text|>", "<|eot_id|>",
        "<tool>", "Ġworld"})
    pieces.push_back(piece);
  return pieces;
}

const std::vector<std::string> kMerges = {"Ġ t", "h e", "Ġt he", "l o", "l lo"};

/// A Llama 3 style tokenizer.json over the synthetic vocabulary.
json llama3Json() {
  json vocab = json::object();
  std::vector<std::string> pieces = tokens();
  for (int32_t id = 0; id < kBegin; ++id)
    vocab[pieces[id]] = id;
  vocab["Ġworld"] = kGworld;
  json added = json::array();
  for (auto [id, special] : {std::pair{kBegin, true}, std::pair{kEot, true},
                             std::pair{kTool, false}})
    added.push_back({{"id", id},
                     {"content", pieces[id]},
                     {"special", special},
                     {"normalized", false}});
  return {
      {"added_tokens", added},
      {"normalizer", nullptr},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"},
           {"pattern", {{"Regex", kLlama3Regex}}},
           {"behavior", "Isolated"},
           {"invert", false}},
          {{"type", "ByteLevel"},
           {"add_prefix_space", false},
           {"trim_offsets", true},
           {"use_regex", false}}}}}},
      {"post_processor",
       {{"type", "Sequence"},
        {"processors",
         {{{"type", "ByteLevel"}},
          {{"type", "TemplateProcessing"},
           {"single",
            {{{"SpecialToken", {{"id", "<|begin_of_text|>"}, {"type_id", 0}}}},
             {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}}}}}}},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model",
       {{"type", "BPE"},
        {"vocab", vocab},
        {"merges", kMerges},
        {"ignore_merges", false}}}};
}

std::unique_ptr<Tokenizer> load(const json &tokenizerJson,
                                const std::string &config = "",
                                const std::string &generation = "") {
  Result<std::unique_ptr<Tokenizer>> tokenizer =
      Tokenizer::loadHuggingFaceFromStrings(tokenizerJson.dump(), config,
                                            generation);
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.message();
  return tokenizer.ok() ? tokenizer.take() : nullptr;
}

TEST(TokenizerByteLevel, HandDerivedIds) {
  auto tokenizer = load(llama3Json(),
                        R"({"bos_token": "<|begin_of_text|>",
                            "eos_token": {"content": "<|eot_id|>"}})",
                        R"({"eos_token_id": [262, 100]})");
  ASSERT_NE(tokenizer, nullptr);
  // "hello": h+e (rank 1), l+o (3), then l+lo (4); " the": Ġ+t (0), h+e (1),
  // Ġt+he (2); " world" has no merges.
  Ids hello = {kHe, kLlo};
  Ids world = {kSpace, 'w', 'o', 'r', 'l', 'd'};
  Ids expected = hello;
  expected.push_back(kGthe);
  expected.insert(expected.end(), world.begin(), world.end());
  EXPECT_EQ(tokenizer->encode("hello the world", false), expected);
  expected.insert(expected.begin(), kBegin);
  EXPECT_EQ(tokenizer->encode("hello the world", true), expected);
  // Merges never cross pre-tokens: "Ġt" needs the space and the t together.
  EXPECT_EQ(tokenizer->encode("'the", false), (Ids{'\'', 't', kHe}));
  EXPECT_EQ(tokenizer->encode(" to lo", false), (Ids{kGt, 'o', kSpace, kLo}));
  EXPECT_EQ(tokenizer->encode("", false), Ids{});

  EXPECT_EQ(tokenizer->bosId(), kBegin);
  EXPECT_EQ(tokenizer->eosId(), kEot);
  EXPECT_EQ(tokenizer->stopIds(), (Ids{kEot, 100}));
  EXPECT_TRUE(tokenizer->addsBosByDefault()); // from the template
  EXPECT_EQ(tokenizer->vocabSize(), kGworld + 1);
  EXPECT_EQ(tokenizer->tokenToPiece(kGthe), "Ġthe");
  EXPECT_EQ(tokenizer->tokenToPiece(kSpace), "Ġ");
}

TEST(TokenizerByteLevel, AddedTokensAreMatchedBeforeBpe) {
  auto tokenizer = load(llama3Json());
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(tokenizer->encode("<|begin_of_text|>hi<|eot_id|>", false),
            (Ids{kBegin, 'h', 'i', kEot}));
  EXPECT_EQ(tokenizer->encode("a<tool>b", false), (Ids{'a', kTool, 'b'}));
  EXPECT_EQ(tokenizer->encode("<|eot_id", false),
            (Ids{'<', '|', 'e', 'o', 't', '_', 'i', 'd'}));
  // Special tokens are dropped, other added tokens decode to their text.
  EXPECT_EQ(tokenizer->decode({kBegin, kHe, kLlo, kEot}), "hello");
  EXPECT_EQ(tokenizer->decode({'a', kTool, 'b'}), "a<tool>b");
  // Without tokenizer_config.json, BOS comes from the template.
  EXPECT_EQ(tokenizer->bosId(), kBegin);
  EXPECT_EQ(tokenizer->eosId(), -1);
  EXPECT_TRUE(tokenizer->stopIds().empty());
}

TEST(TokenizerByteLevel, RoundTripsArbitraryBytes) {
  auto tokenizer = load(llama3Json());
  ASSERT_NE(tokenizer, nullptr);
  std::vector<std::string> texts = {
      "héllo wörld 🙂👍🏽 \t\n\r\n 中文 1234567 x'LL  ",
      "\xFF\xFE invalid \xC3 \xED\xA0\x80 bytes\x80",
      std::string("nul\0inside", 10),
  };
  std::mt19937 random(1234);
  for (int i = 0; i < 200; ++i) {
    std::string text(random() % 40, '\0');
    for (char &c : text)
      c = static_cast<char>(random());
    texts.push_back(text);
  }
  for (const std::string &text : texts) {
    Ids ids = tokenizer->encode(text, false);
    for (int32_t id : ids)
      ASSERT_TRUE(id >= 0 && id < tokenizer->vocabSize());
    EXPECT_EQ(tokenizer->decode(ids), text);
  }
}

TEST(TokenizerByteLevel, IgnoreMergesTakesWholeWords) {
  json config = llama3Json();
  EXPECT_EQ(load(config)->encode(" world", false),
            (Ids{kSpace, 'w', 'o', 'r', 'l', 'd'}));
  config["model"]["ignore_merges"] = true;
  EXPECT_EQ(load(config)->encode(" world", false), Ids{kGworld});
}

TEST(TokenizerByteLevel, Gpt2PrefixSpaceAndBuiltInRegex) {
  json config = llama3Json();
  config["pre_tokenizer"] = {
      {"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", true}};
  auto tokenizer = load(config);
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(tokenizer->encode("hello", false), (Ids{kSpace, kHe, kLlo}));
  EXPECT_EQ(tokenizer->encode("hello the", false),
            (Ids{kSpace, kHe, kLlo, kGthe}));
  EXPECT_EQ(tokenizer->decode({kSpace, kHe, kLlo}), " hello");
}

TEST(TokenizerByteLevel, Qwen2NfcNormalizer) {
  json config = llama3Json();
  config["normalizer"] = {{"type", "NFC"}};
  config["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = kQwen2Regex;
  auto tokenizer = load(config);
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(tokenizer->encode("e\u0301", false), (Ids{0xC3, 0xA9}));
  EXPECT_EQ(tokenizer->encode("\u00E9", false), (Ids{0xC3, 0xA9}));
  EXPECT_EQ(tokenizer->encode("123", false), (Ids{'1', '2', '3'}));
}

TEST(TokenizerByteLevel, GgufGpt2MatchesTokenizerJson) {
  json config = llama3Json();
  config["model"]["ignore_merges"] = true; // llama.cpp's Llama 3 setting
  auto fromJson = load(config, R"({"bos_token": "<|begin_of_text|>",
                                   "eos_token": "<|eot_id|>"})");
  ASSERT_NE(fromJson, nullptr);

  GGUFVocab vocab;
  vocab.model = "gpt2";
  vocab.pre = "llama-bpe";
  vocab.tokens = tokens();
  vocab.tokenTypes.assign(vocab.tokens.size(), GGUFVocab::Normal);
  vocab.tokenTypes[kBegin] = vocab.tokenTypes[kEot] = GGUFVocab::Control;
  vocab.tokenTypes[kTool] = GGUFVocab::UserDefined;
  vocab.merges = kMerges;
  vocab.bosId = kBegin;
  vocab.eosId = kEot;
  Result<std::unique_ptr<Tokenizer>> fromGguf =
      Tokenizer::loadFromGGUFVocab(vocab);
  ASSERT_TRUE(fromGguf.ok()) << fromGguf.message();

  for (const char *text :
       {"hello the world", " world", "<|begin_of_text|>hi<|eot_id|> a<tool>b",
        "héllo 1234567 \n\n  x's", "\xFF\xFE"}) {
    Ids ids = (*fromGguf)->encode(text, true);
    EXPECT_EQ(ids, fromJson->encode(text, true)) << text;
    EXPECT_EQ((*fromGguf)->decode(ids), fromJson->decode(ids)) << text;
  }
  EXPECT_EQ((*fromGguf)->stopIds(), Ids{kEot});
  EXPECT_EQ((*fromGguf)->vocabSize(), fromJson->vocabSize());
}

} // namespace
