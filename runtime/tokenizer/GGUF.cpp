//===- GGUF.cpp - tokenizers from GGUF vocabularies -----------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Builds the pipeline llama.cpp runs for a GGUF vocabulary:
//  - "llama": a space prefix and spaces as U+2581, then SentencePiece BPE by
//    score with <0xXX> byte fallback; user-defined pieces are matched whole
//    first, control pieces never come from text (as in SentencePiece).
//  - "gpt2": the split regex named by tokenizer.ggml.pre, the GPT-2 byte map
//    and BPE by merge rank; control and user-defined tokens are matched
//    whole first.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Pipeline.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <algorithm>
#include <cmath>

namespace qf {

namespace {

using Type = GGUFVocab::TokenType;

/// Vocabularies above this size are refused: far above any real one.
constexpr size_t kMaxTokens = size_t(1) << 24;

int32_t typeOf(const GGUFVocab &vocab, size_t id) {
  return vocab.tokenTypes.empty() ? Type::Normal : vocab.tokenTypes[id];
}

Status checkVocab(const GGUFVocab &vocab) {
  size_t n = vocab.tokens.size();
  if (n == 0 || n > kMaxTokens)
    return Status::error("tokenizer.ggml.tokens: " + std::to_string(n) +
                         " tokens, expected 1 to " +
                         std::to_string(kMaxTokens));
  if (!vocab.tokenTypes.empty() && vocab.tokenTypes.size() != n)
    return Status::error("tokenizer.ggml.token_type: " +
                         std::to_string(vocab.tokenTypes.size()) +
                         " entries for " + std::to_string(n) + " tokens");
  for (size_t id = 0; id < n; ++id) {
    int32_t type = typeOf(vocab, id);
    if (type < Type::Undefined || type > Type::Byte)
      return Status::error("tokenizer.ggml.token_type[" + std::to_string(id) +
                           "]: unknown type " + std::to_string(type));
  }
  int32_t ids[] = {vocab.bosId, vocab.eosId, vocab.unkId, vocab.padId};
  for (int32_t id : ids)
    if (id < -1 || id >= static_cast<int64_t>(n))
      return Status::error("special token id " + std::to_string(id) +
                           " is outside the vocabulary of " +
                           std::to_string(n));
  return Status();
}

/// Tokens of the given types, matched whole before the model runs.
std::vector<pipeline::AddedToken>
wholeTokens(const GGUFVocab &vocab, std::initializer_list<int32_t> types) {
  std::vector<pipeline::AddedToken> tokens;
  for (size_t id = 0; id < vocab.tokens.size(); ++id) {
    int32_t type = typeOf(vocab, id);
    if (vocab.tokens[id].empty() ||
        std::find(types.begin(), types.end(), type) == types.end())
      continue;
    pipeline::AddedToken token;
    token.content = vocab.tokens[id];
    token.id = static_cast<int32_t>(id);
    token.special = type == Type::Control;
    tokens.push_back(std::move(token));
  }
  return tokens;
}

Status buildLlama(const GGUFVocab &vocab, pipeline::Spec &spec) {
  if (vocab.scores.size() != vocab.tokens.size())
    return Status::error(
        "tokenizer.ggml.scores: " + std::to_string(vocab.scores.size()) +
        " scores for " + std::to_string(vocab.tokens.size()) + " tokens");
  std::vector<bool> mergeable(vocab.tokens.size());
  for (size_t id = 0; id < vocab.tokens.size(); ++id) {
    if (!std::isfinite(vocab.scores[id]))
      return Status::error("tokenizer.ggml.scores[" + std::to_string(id) +
                           "] is not finite");
    int32_t type = typeOf(vocab, id);
    mergeable[id] = type == Type::Normal || type == Type::UserDefined ||
                    type == Type::Unused || type == Type::Undefined;
  }
  Result<std::unique_ptr<bpe::ScoredBpe>> model = bpe::ScoredBpe::create(
      vocab.tokens, vocab.scores, mergeable, vocab.unkId);
  if (!model)
    return model.status();
  spec.model = model.take();
  spec.addedTokens = wholeTokens(vocab, {Type::UserDefined});
  for (size_t id = 0; id < vocab.tokens.size(); ++id)
    if (typeOf(vocab, id) == Type::Control)
      spec.controlIds.push_back(static_cast<int32_t>(id));
  const std::string space = "\u2581";
  if (vocab.addSpacePrefix)
    spec.normalizers.emplace_back(pipeline::Normalizer::Kind::Prepend, "",
                                  space);
  spec.normalizers.emplace_back(pipeline::Normalizer::Kind::Replace, " ",
                                space);
  using Kind = pipeline::Decoder::Kind;
  spec.decoders.emplace();
  spec.decoders->emplace_back(Kind::Replace, space, " ");
  spec.decoders->emplace_back(Kind::ByteFallback);
  spec.decoders->emplace_back(Kind::Fuse);
  if (vocab.addSpacePrefix) {
    pipeline::Decoder strip(Kind::Strip);
    strip.start = 1;
    spec.decoders->push_back(strip);
  }
  return Status();
}

Status buildGpt2(const GGUFVocab &vocab, pipeline::Spec &spec) {
  SplitRegex regex;
  bool ignoreMerges = false;
  if (vocab.pre == "gpt-2" || vocab.pre == "gpt2") {
    regex = SplitRegex::Gpt2;
  } else if (vocab.pre == "llama-bpe" || vocab.pre == "llama3") {
    regex = SplitRegex::Llama3;
    ignoreMerges = true; // as llama.cpp does for Llama 3
  } else if (vocab.pre == "qwen2") {
    regex = SplitRegex::Qwen2;
  } else {
    return Status::error("tokenizer.ggml.pre: '" + vocab.pre +
                         "' is not supported (gpt-2, llama-bpe, qwen2 are)");
  }
  std::vector<std::pair<std::string, std::string>> merges;
  merges.reserve(vocab.merges.size());
  for (size_t i = 0; i < vocab.merges.size(); ++i) {
    const std::string &merge = vocab.merges[i];
    size_t space = merge.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == merge.size() ||
        merge.find(' ', space + 1) != std::string::npos)
      return Status::error("tokenizer.ggml.merges[" + std::to_string(i) +
                           "]: '" + merge + "' is not \"left right\"");
    merges.emplace_back(merge.substr(0, space), merge.substr(space + 1));
  }
  bpe::RankedBpe::Options options;
  options.ignoreMerges = ignoreMerges;
  Result<std::unique_ptr<bpe::RankedBpe>> model =
      bpe::RankedBpe::create(vocab.tokens, merges, options);
  if (!model)
    return Status(model.status()).prepend("tokenizer.ggml.merges");
  spec.model = model.take();
  spec.addedTokens = wholeTokens(vocab, {Type::Control, Type::UserDefined});
  pipeline::PreTokenizer split(pipeline::PreTokenizer::Kind::Split);
  split.regex = regex;
  spec.preTokenizers.push_back(split);
  spec.preTokenizers.emplace_back(pipeline::PreTokenizer::Kind::ByteLevel);
  spec.decoders.emplace();
  spec.decoders->emplace_back(pipeline::Decoder::Kind::ByteLevel);
  return Status();
}

} // namespace

Result<std::unique_ptr<Tokenizer>>
Tokenizer::loadFromGGUFVocab(const GGUFVocab &vocab) {
  auto fail = [](Status status) { return status.prepend("GGUF vocabulary"); };
  QF_RETURN_IF_ERROR(fail(checkVocab(vocab)));
  pipeline::Spec spec;
  if (vocab.model == "llama")
    QF_RETURN_IF_ERROR(fail(buildLlama(vocab, spec)));
  else if (vocab.model == "gpt2")
    QF_RETURN_IF_ERROR(fail(buildGpt2(vocab, spec)));
  else
    return fail(Status::error("tokenizer.ggml.model: '" + vocab.model +
                              "' is not supported (llama and gpt2 are)"));
  spec.bosId = vocab.bosId;
  spec.eosId = vocab.eosId;
  spec.extraStopIds = vocab.extraStopIds;
  spec.addBos = vocab.addBos;
  Result<std::unique_ptr<Tokenizer>> tokenizer =
      pipeline::build(std::move(spec));
  if (!tokenizer)
    return fail(tokenizer.status());
  return tokenizer;
}

} // namespace qf
