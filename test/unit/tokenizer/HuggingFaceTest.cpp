//===- HuggingFaceTest.cpp - tokenizer.json loading and its errors --------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include "runtime/tokenizer/Tokenizer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace qf;
using json = nlohmann::json;
using Ids = std::vector<int32_t>;

namespace {

/// A SentencePiece-style tokenizer.json: <unk>, <s>, </s>, 256 byte tokens
/// (ids 3..258), then "▁" 259, "a" 260, "b" 261, "▁a" 262, "ab" 263,
/// "▁ab" 264; the post-processor puts <s> first.
json sentencePieceStyle() {
  json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    vocab[name] = 3 + b;
  }
  int32_t id = 259;
  for (const char *piece : {"▁", "a", "b", "▁a", "ab", "▁ab"})
    vocab[piece] = id++;
  json added = json::array();
  for (auto [content, tokenId] :
       {std::pair{"<unk>", 0}, std::pair{"<s>", 1}, std::pair{"</s>", 2}})
    added.push_back({{"id", tokenId},
                     {"content", content},
                     {"special", true},
                     {"normalized", false}});
  return {
      {"added_tokens", added},
      {"normalizer",
       {{"type", "Sequence"},
        {"normalizers",
         {{{"type", "Prepend"}, {"prepend", "▁"}},
          {{"type", "Replace"},
           {"pattern", {{"String", " "}}},
           {"content", "▁"}}}}}},
      {"pre_tokenizer", nullptr},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single",
         {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
          {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}}}},
      {"decoder",
       {{"type", "Sequence"},
        {"decoders",
         {{{"type", "Replace"},
           {"pattern", {{"String", "▁"}}},
           {"content", " "}},
          {{"type", "ByteFallback"}},
          {{"type", "Fuse"}},
          {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}}},
      {"model",
       {{"type", "BPE"},
        {"vocab", vocab},
        {"merges", {"▁ a", "a b", "▁a b"}},
        {"unk_token", "<unk>"},
        {"fuse_unk", true},
        {"byte_fallback", true}}}};
}

Result<std::unique_ptr<Tokenizer>>
loadJson(const json &tokenizer, const std::string &config = "",
         const std::string &generation = "") {
  return Tokenizer::loadHuggingFaceFromStrings(tokenizer.dump(), config,
                                               generation, "dir/");
}

std::unique_ptr<Tokenizer> load(const json &tokenizer) {
  Result<std::unique_ptr<Tokenizer>> result = loadJson(tokenizer);
  EXPECT_TRUE(result.ok()) << result.message();
  return result.ok() ? result.take() : nullptr;
}

/// The load fails with a message that starts with `file` and holds
/// `problem`.
::testing::AssertionResult
failsWith(const Result<std::unique_ptr<Tokenizer>> &result,
          const std::string &file, const std::string &problem) {
  if (result.ok())
    return ::testing::AssertionFailure() << "loaded; expected " << problem;
  if (result.message().rfind("dir/" + file + ": ", 0) != 0 ||
      result.message().find(problem) == std::string::npos)
    return ::testing::AssertionFailure() << "got: " << result.message();
  return ::testing::AssertionSuccess();
}

TEST(TokenizerHuggingFace, SentencePieceStyleMergesAndFallback) {
  auto tokenizer = load(sentencePieceStyle());
  ASSERT_NE(tokenizer, nullptr);
  // "▁ab▁ab": ▁+a (rank 0) twice, then ▁a+b (rank 2) twice.
  EXPECT_EQ(tokenizer->encode("ab ab", false), (Ids{264, 264}));
  EXPECT_EQ(tokenizer->encode("ba", true), (Ids{1, 259, 261, 260}));
  // é (C3 A9) is not in the vocabulary: its bytes.
  EXPECT_EQ(tokenizer->encode("é", false), (Ids{259, 3 + 0xC3, 3 + 0xA9}));
  EXPECT_EQ(tokenizer->decode({259, 3 + 0xC3, 3 + 0xA9, 264}), "é ab");
  // Bytes that are not UTF-8 decode to one U+FFFD each.
  EXPECT_EQ(tokenizer->decode({262, 3 + 0xC3, 3 + 0xFF}),
            "a\xEF\xBF\xBD\xEF\xBF\xBD");
  // Added tokens are matched in the text; each remaining piece is
  // normalized on its own, so it gets its own "▁".
  EXPECT_EQ(tokenizer->encode("a</s>a", false), (Ids{262, 2, 262}));
}

TEST(TokenizerHuggingFace, MergesAsPairs) {
  // Newer `tokenizers` versions write merges as ["left", "right"].
  json config = sentencePieceStyle();
  config["model"]["merges"] =
      json::array({json::array({"▁", "a"}), json::array({"a", "b"}),
                   json::array({"▁a", "b"})});
  auto tokenizer = load(config);
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(tokenizer->encode("ab ab", false), (Ids{264, 264}));
}

TEST(TokenizerHuggingFace, AddedTokenOptions) {
  json config = sentencePieceStyle();
  config["added_tokens"].push_back({{"id", 265},
                                    {"content", "<mask>"},
                                    {"lstrip", true},
                                    {"rstrip", true},
                                    {"normalized", false}});
  // Matched in the normalized text, as the normalizer spells it: "▁ab".
  config["added_tokens"].push_back(
      {{"id", 266}, {"content", "ab"}, {"normalized", true}});
  auto tokenizer = load(config);
  ASSERT_NE(tokenizer, nullptr);
  // <mask> swallows the spaces around it; "b" alone is "▁" "b".
  EXPECT_EQ(tokenizer->encode("a <mask>  b", false), (Ids{262, 265, 259, 261}));
  EXPECT_EQ(tokenizer->encode("ab ab", false), (Ids{266, 266}));
  EXPECT_EQ(tokenizer->vocabSize(), 267);
  EXPECT_EQ(tokenizer->tokenToPiece(266), "ab");
}

TEST(TokenizerHuggingFace, UnknownCharactersWithoutByteFallback) {
  json config = sentencePieceStyle();
  config["model"]["byte_fallback"] = false;
  // "€€" are two unknown characters, fused into one <unk>, also across the
  // cut the model makes between characters no merge joins.
  EXPECT_EQ(load(config)->encode("a€€b", false), (Ids{262, 0, 261}));
  config["model"]["fuse_unk"] = false;
  EXPECT_EQ(load(config)->encode("a€€b", false), (Ids{262, 0, 0, 261}));
  config["model"]["unk_token"] = nullptr;
  EXPECT_EQ(load(config)->encode("a€€b", false), (Ids{262, 261}));
}

TEST(TokenizerHuggingFace, MetaspacePreTokenizer) {
  json config = sentencePieceStyle();
  config["normalizer"] = nullptr;
  config["pre_tokenizer"] = {{"type", "Metaspace"},
                             {"replacement", "▁"},
                             {"prepend_scheme", "first"},
                             {"split", false}};
  config["decoder"] = {
      {"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "first"}};
  auto first = load(config);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->encode("ab ab", false), (Ids{264, 264}));
  // Only the piece at the start of the text gets the prefix.
  EXPECT_EQ(first->encode("<s>ab", false), (Ids{1, 263}));
  EXPECT_EQ(first->decode({264, 264}), "ab ab");

  config["pre_tokenizer"]["prepend_scheme"] = "always";
  EXPECT_EQ(load(config)->encode("<s>ab", false), (Ids{1, 264}));
  // split: true cuts before each "▁": no merge can span "b▁".
  config["pre_tokenizer"]["split"] = true;
  EXPECT_EQ(load(config)->encode("ab ab", false), (Ids{264, 264}));
  config["pre_tokenizer"]["prepend_scheme"] = "never";
  EXPECT_EQ(load(config)->encode("ab ab", false), (Ids{263, 264}));
}

TEST(TokenizerHuggingFace, SpecialIdsFromConfigFiles) {
  json tokenizer = sentencePieceStyle();
  Result<std::unique_ptr<Tokenizer>> loaded =
      loadJson(tokenizer, R"({"bos_token": {"content": "<s>"},
                              "eos_token": "</s>", "add_bos_token": false})",
               R"({"bos_token_id": 1, "eos_token_id": [2, 0]})");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_EQ((*loaded)->bosId(), 1);
  EXPECT_EQ((*loaded)->eosId(), 2);
  EXPECT_EQ((*loaded)->stopIds(), (Ids{2, 0}));
  EXPECT_FALSE((*loaded)->addsBosByDefault());

  loaded = loadJson(tokenizer, "", R"({"bos_token_id": 1, "eos_token_id": 2})");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_EQ((*loaded)->bosId(), 1);
  EXPECT_EQ((*loaded)->stopIds(), Ids{2});

  EXPECT_TRUE(failsWith(loadJson(tokenizer, R"({"bos_token": "<bos>"})"),
                        "tokenizer_config.json",
                        "bos_token '<bos>' is not in the vocabulary"));
  EXPECT_TRUE(failsWith(loadJson(tokenizer, R"({"eos_token": 5})"),
                        "tokenizer_config.json", "eos_token: must be"));
  EXPECT_TRUE(failsWith(loadJson(tokenizer, "[1]"), "tokenizer_config.json",
                        "not a JSON object"));
  EXPECT_TRUE(failsWith(loadJson(tokenizer, "", R"({"eos_token_id": "2"})"),
                        "generation_config.json",
                        "'eos_token_id' must be a token id"));
  EXPECT_TRUE(failsWith(
      loadJson(tokenizer, "", R"({"eos_token_id": [2, 7000]})"),
      "tokenizer.json", "stop token id 7000 is outside the vocabulary"));
}

TEST(TokenizerHuggingFace, MalformedTokenizerJsonNamesFileAndProblem) {
  auto withModel = [](const char *key, json value) {
    json config = sentencePieceStyle();
    config["model"][key] = std::move(value);
    return config.dump();
  };
  auto load = [](const std::string &text) {
    return Tokenizer::loadHuggingFaceFromStrings(text, "", "", "dir/");
  };
  std::pair<std::string, std::string> cases[] = {
      {"{\"model\": ", "not valid JSON"},
      {"[1, 2]", "must be a JSON object, got an array"},
      {"{}", "model: is missing"},
      {R"({"model": 3})", "model: must be an object, got 3"},
      {withModel("type", "WordPiece"),
       "model.type: 'WordPiece' is not supported"},
      {withModel("type", "Unigram"), "model.type: 'Unigram' is not supported"},
      {withModel("vocab", json::array()), "model.vocab: must be an object"},
      {withModel("vocab", {{"a", "0"}}), "model.vocab: 'a' has id '0'"},
      {withModel("vocab", {{"a", 0}, {"b", 0}}),
       "model.vocab: id 0 is given to both 'a' and 'b'"},
      {withModel("vocab", {{"a", 0}, {"b", 100000}}), "too sparse"},
      {withModel("merges", nullptr), "model.merges: is missing"},
      {withModel("merges", {"a z"}),
       "model.merges: merge 0 ('a', 'z'): 'z' is not in the vocabulary"},
      {withModel("merges", {"b a"}), "'ba' is not in the vocabulary"},
      {withModel("merges", {"ab"}), "model.merges[0]: must be"},
      {withModel("merges", {json::array({"a"})}), "model.merges[0]: must be"},
      {withModel("merges", {7}), "model.merges[0]: must be"},
      {withModel("unk_token", "<oov>"), "model.unk_token: '<oov>' is not in"},
      {withModel("byte_fallback", "yes"),
       "model.byte_fallback: must be a boolean"},
      {withModel("dropout", 0.1), "model.dropout: 0.1 is not supported"},
      {withModel("end_of_word_suffix", "</w>"),
       "model.end_of_word_suffix: '</w>' is not supported"},
      {R"({"added_tokens": {}, "model": {"vocab": {}, "merges": []}})",
       "added_tokens: must be an array"},
      {R"({"added_tokens": [{"id": "1", "content": "x"}],
           "model": {"vocab": {}, "merges": []}})",
       "added_tokens[0].id: must be an integer"},
      {R"({"added_tokens": [{"id": 1, "content": "x", "single_word": true}],
           "model": {"vocab": {}, "merges": []}})",
       "added_tokens[0].single_word: true is not supported"},
  };
  for (const auto &[text, problem] : cases)
    EXPECT_TRUE(failsWith(load(text), "tokenizer.json", problem)) << text;
}

TEST(TokenizerHuggingFace, UnsupportedComponentsAreErrors) {
  auto with = [](const char *key, json value) {
    json config = sentencePieceStyle();
    config[key] = std::move(value);
    return loadJson(config);
  };
  EXPECT_TRUE(failsWith(with("normalizer", {{"type", "Lowercase"}}),
                        "tokenizer.json",
                        "normalizer: normalizer 'Lowercase' is not supported"));
  EXPECT_TRUE(failsWith(
      with("normalizer",
           {{"type", "Sequence"},
            {"normalizers", {{{"type", "NFC"}}, {{"type", "NFKC"}}}}}),
      "tokenizer.json", "normalizer.normalizers[1]: normalizer 'NFKC'"));
  EXPECT_TRUE(
      failsWith(with("normalizer", {{"type", "Replace"},
                                    {"pattern", {{"Regex", " +"}}},
                                    {"content", " "}}),
                "tokenizer.json",
                "normalizer.pattern: a Regex pattern is not supported"));
  EXPECT_TRUE(failsWith(with("pre_tokenizer", {{"type", "Whitespace"}}),
                        "tokenizer.json",
                        "pre_tokenizer: pre-tokenizer 'Whitespace' is not"));
  EXPECT_TRUE(failsWith(with("pre_tokenizer", {{"type", "Split"},
                                               {"pattern", {{"Regex", "\\d+"}}},
                                               {"behavior", "Isolated"}}),
                        "tokenizer.json",
                        "pre_tokenizer.pattern: the regex '\\d+' (only those"));
  EXPECT_TRUE(failsWith(
      with("pre_tokenizer", {{"type", "Metaspace"}, {"replacement", "ab"}}),
      "tokenizer.json", "pre_tokenizer.replacement: must be one character"));
  EXPECT_TRUE(failsWith(with("decoder", {{"type", "WordPiece"}}),
                        "tokenizer.json",
                        "decoder: decoder 'WordPiece' is not supported"));
  EXPECT_TRUE(failsWith(with("decoder", {{"kind", "Fuse"}}), "tokenizer.json",
                        "decoder.type: is missing"));
}

TEST(TokenizerHuggingFace, LoadsFromADirectory) {
  Result<std::unique_ptr<Tokenizer>> missing =
      Tokenizer::loadHuggingFace("/nonexistent");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.message(), "/nonexistent/tokenizer.json: does not exist");
  // The real directory also has tokenizer_config.json and
  // generation_config.json.
  Result<std::unique_ptr<Tokenizer>> llama =
      Tokenizer::loadHuggingFace(test::bundledLlamaT() + "/");
  ASSERT_TRUE(llama.ok()) << llama.message();
  EXPECT_EQ((*llama)->encode("The", true), (Ids{1, 369}));
}

} // namespace
