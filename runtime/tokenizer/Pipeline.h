//===- Pipeline.h - the tokenizers pipeline as data -------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The stages of a Hugging Face `tokenizers` pipeline that we implement, as
// plain data that the tokenizer.json and GGUF loaders fill:
//   added tokens -> normalizers -> pre-tokenizers -> BPE model,
//   and for decoding, the decoders.
// Each stage follows the `tokenizers` semantics of the same name.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_TOKENIZER_PIPELINE_H
#define QUANTFORGE_RUNTIME_TOKENIZER_PIPELINE_H

#include "runtime/tokenizer/BpeModel.h"
#include "runtime/tokenizer/RegexSplit.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <optional>

namespace qf::pipeline {

/// A token matched in the text before the model sees it.
struct AddedToken {
  std::string content;
  int32_t id = -1;
  /// Dropped by decode.
  bool special = false;
  /// Also swallows the whitespace on its left / right.
  bool lstrip = false;
  bool rstrip = false;
  /// Matched in the normalized text (as the normalizer rewrites it).
  bool normalized = false;
};

struct Normalizer {
  enum class Kind { Prepend, Replace, Nfc };
  explicit Normalizer(Kind kind, std::string pattern = "",
                      std::string content = "")
      : kind(kind), pattern(std::move(pattern)), content(std::move(content)) {}
  Kind kind;
  /// Replace: the text replaced (never empty).
  std::string pattern;
  /// Prepend: what is prepended to non-empty text; Replace: the replacement.
  std::string content;
};

/// Metaspace's prepend_scheme.
enum class PrependScheme { Always, First, Never };

struct PreTokenizer {
  enum class Kind { Split, ByteLevel, Metaspace };
  explicit PreTokenizer(Kind kind) : kind(kind) {}
  Kind kind;
  /// Split: the regex (Isolated).
  SplitRegex regex = SplitRegex::Gpt2;
  /// ByteLevel: prepend a space to pieces that lack one; split with the
  /// GPT-2 regex.
  bool addPrefixSpace = false;
  bool useRegex = false;
  /// Metaspace: the character spaces become; when to prepend it; whether to
  /// cut before each occurrence.
  std::string replacement;
  PrependScheme prependScheme = PrependScheme::Always;
  bool split = true;
};

struct Decoder {
  enum class Kind { Replace, ByteFallback, Fuse, Strip, ByteLevel, Metaspace };
  explicit Decoder(Kind kind, std::string pattern = "",
                   std::string content = "")
      : kind(kind), pattern(std::move(pattern)), content(std::move(content)) {}
  Kind kind;
  /// Replace: pattern -> content. Metaspace: pattern is the replacement char.
  std::string pattern;
  std::string content;
  /// Strip: removes up to `start` leading and `stop` trailing `stripChar`s.
  uint32_t stripChar = ' ';
  size_t start = 0;
  size_t stop = 0;
  /// Metaspace.
  PrependScheme prependScheme = PrependScheme::Always;
};

struct Spec {
  std::unique_ptr<bpe::SubwordModel> model;
  std::vector<AddedToken> addedTokens;
  /// Further ids that decode drops (control tokens never matched in text).
  std::vector<int32_t> controlIds;
  std::vector<Normalizer> normalizers;
  std::vector<PreTokenizer> preTokenizers;
  /// Absent: tokens are joined with spaces, as `tokenizers` does without a
  /// decoder.
  std::optional<std::vector<Decoder>> decoders;
  int32_t bosId = -1;
  int32_t eosId = -1;
  std::vector<int32_t> extraStopIds;
  bool addBos = false;
};

/// Checks `spec` (ids in range) and builds its tokenizer.
Result<std::unique_ptr<Tokenizer>> build(Spec spec);

/// Applies the normalizers to `text`.
std::string normalize(const std::vector<Normalizer> &normalizers,
                      std::string_view text);

} // namespace qf::pipeline

#endif // QUANTFORGE_RUNTIME_TOKENIZER_PIPELINE_H
