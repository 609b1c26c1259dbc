//===- Tokenizer.h - text to token ids and back -----------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// One interface over three sources of a vocabulary:
//  - a SentencePiece model file, through libsentencepiece;
//  - a Hugging Face tokenizer.json (+ tokenizer_config.json and
//    generation_config.json), with the BPE model of the `tokenizers` library
//    reimplemented: SentencePiece-style BPE (Llama 1/2, Mistral: byte
//    fallback, merges by rank) and byte-level BPE (GPT-2, Llama 3, Qwen2);
//  - the tokenizer.ggml.* metadata of a GGUF file (GGUFVocab).
// Components we do not implement are load errors naming the file and the
// component, never a silently different tokenization.
//
// Semantics worth knowing:
//  - Hugging Face tokenizers match the added/special tokens written in the
//    text, as `tokenizers` does; GGUF ones match user-defined tokens (and,
//    for "gpt2", control tokens), as llama.cpp does; SentencePiece none.
//  - Decoding drops special tokens (BOS, EOS, control tokens), like
//    SentencePiece. Byte-level decoding returns the raw bytes, so
//    decode(encode(x)) == x for any bytes x (`tokenizers` would replace
//    invalid UTF-8 with U+FFFD); <0xXX> byte runs that are not UTF-8 decode
//    to U+FFFD per byte, as in `tokenizers`.
//  - Letters and numbers of the split regexes follow Unicode 14 (see
//    Unicode.h); only the GPT-2, Llama 3 and Qwen2 regexes are recognized.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_TOKENIZER_TOKENIZER_H
#define QUANTFORGE_RUNTIME_TOKENIZER_TOKENIZER_H

#include "runtime/support/Status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qf {

/// The vocabulary of a GGUF file (its tokenizer.ggml.* keys), as a GGUF
/// reader fills it.
struct GGUFVocab {
  /// tokenizer.ggml.token_type values.
  enum TokenType : int32_t {
    Undefined = 0,
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
  };

  /// tokenizer.ggml.model: "llama" (SentencePiece BPE: pieces with scores)
  /// or "gpt2" (byte-level BPE with merges).
  std::string model;
  /// tokenizer.ggml.pre, for "gpt2": the pre-tokenizer regex, one of
  /// "gpt-2", "llama-bpe" (Llama 3) or "qwen2".
  std::string pre;
  /// tokenizer.ggml.tokens, indexed by id.
  std::vector<std::string> tokens;
  /// tokenizer.ggml.scores: merge priorities of "llama" (higher first).
  std::vector<float> scores;
  /// tokenizer.ggml.token_type (TokenType values); empty means all Normal.
  std::vector<int32_t> tokenTypes;
  /// tokenizer.ggml.merges of "gpt2", each "left right", by priority.
  std::vector<std::string> merges;
  /// tokenizer.ggml.{bos,eos,unknown,padding}_token_id; -1 if absent.
  int32_t bosId = -1;
  int32_t eosId = -1;
  int32_t unkId = -1;
  int32_t padId = -1;
  /// Further end-of-generation ids (tokenizer.ggml.eot_token_id, ...).
  std::vector<int32_t> extraStopIds;
  /// tokenizer.ggml.add_bos_token.
  bool addBos = true;
  /// tokenizer.ggml.add_space_prefix ("llama" only).
  bool addSpacePrefix = true;
};

/// Encodes text to token ids and decodes them back. Instances are immutable
/// after loading; encode and decode may run concurrently.
class Tokenizer {
public:
  virtual ~Tokenizer();

  /// The ids of `text` (any bytes; invalid UTF-8 is tokenized byte by byte
  /// where the vocabulary allows), preceded by BOS when `addBos` and the
  /// vocabulary has one.
  virtual std::vector<int32_t> encode(std::string_view text,
                                      bool addBos) const = 0;
  /// The text of `ids`; special tokens and ids outside the vocabulary are
  /// skipped.
  virtual std::string decode(const std::vector<int32_t> &ids) const = 0;
  /// The vocabulary entry of `id` as stored (e.g. "▁the", "<0x0A>", "Ġthe");
  /// empty for an id outside the vocabulary.
  virtual std::string tokenToPiece(int32_t id) const = 0;
  /// One more than the largest id.
  virtual int32_t vocabSize() const = 0;

  /// Beginning-of-sequence id, or -1.
  int32_t bosId() const { return bosId_; }
  /// End-of-sequence id, or -1.
  int32_t eosId() const { return eosId_; }
  /// Ids that end generation: EOS and the extra ones of
  /// generation_config.json (`eos_token_id`, an int or a list).
  const std::vector<int32_t> &stopIds() const { return stopIds_; }
  /// Whether the model expects BOS in front of a prompt (add_bos_token).
  bool addsBosByDefault() const { return addBos_; }

  /// Loads a SentencePiece model file. A generation_config.json beside it,
  /// if any, adds its stop ids.
  static Result<std::unique_ptr<Tokenizer>>
  loadSentencePiece(const std::string &path);

  /// Loads `dir`/tokenizer.json with `dir`/tokenizer_config.json and
  /// `dir`/generation_config.json when present.
  static Result<std::unique_ptr<Tokenizer>>
  loadHuggingFace(const std::string &dir);

  /// Like loadHuggingFace, from file contents; an empty config string means
  /// the file is absent. Errors name the files as `where` + file name.
  static Result<std::unique_ptr<Tokenizer>> loadHuggingFaceFromStrings(
      std::string_view tokenizerJson, std::string_view tokenizerConfigJson,
      std::string_view generationConfigJson, const std::string &where = "");

  /// Builds the tokenizer a GGUF file describes.
  static Result<std::unique_ptr<Tokenizer>>
  loadFromGGUFVocab(const GGUFVocab &vocab);

protected:
  /// Sets the special ids; `stopIds` gets `eosId` first when it is valid.
  void setSpecialIds(int32_t bosId, int32_t eosId,
                     const std::vector<int32_t> &extraStopIds, bool addBos);

private:
  int32_t bosId_ = -1;
  int32_t eosId_ = -1;
  std::vector<int32_t> stopIds_;
  bool addBos_ = false;
};

} // namespace qf

#endif // QUANTFORGE_RUNTIME_TOKENIZER_TOKENIZER_H
