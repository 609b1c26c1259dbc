//===- RegexSplit.h - the pre-tokenizer regexes of byte-level BPE -*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Hand-written matchers for the three split regexes byte-level BPE models
// use, with the semantics of a backtracking engine (leftmost alternative
// first, greedy quantifiers), as `tokenizers` runs them with Split(...,
// behavior = Isolated). \p{L}, \p{N} and \s follow Unicode.h (Unicode 14).
// The (?i) contractions fold ASCII case and U+017F (long s) to 's' as
// Unicode simple case folding does.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_TOKENIZER_REGEXSPLIT_H
#define QUANTFORGE_RUNTIME_TOKENIZER_REGEXSPLIT_H

#include <optional>
#include <string_view>
#include <vector>

namespace qf {

enum class SplitRegex {
  /// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  Gpt2,
  /// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
  ///  ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
  Llama3,
  /// Llama3 with \p{N} instead of \p{N}{1,3}.
  Qwen2,
};

/// The SplitRegex whose pattern is exactly `pattern` (as tokenizer.json
/// spells it), or nullopt.
std::optional<SplitRegex> recognizeSplitRegex(std::string_view pattern);

/// Appends the consecutive pieces of `text` that the regex's matches cut it
/// into; their concatenation is `text`.
void regexSplit(std::string_view text, SplitRegex regex,
                std::vector<std::string_view> &pieces);

} // namespace qf

#endif // QUANTFORGE_RUNTIME_TOKENIZER_REGEXSPLIT_H
