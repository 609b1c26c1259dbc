//===- RegexSplit.cpp - the pre-tokenizer regexes of byte-level BPE -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/RegexSplit.h"

#include "runtime/tokenizer/Unicode.h"

#include <cstdint>

namespace qf {

namespace {

constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr std::string_view kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

/// The text as codepoints, with a position past the end that no class
/// matches.
class Chars {
public:
  explicit Chars(std::string_view text) {
    for (size_t pos = 0, length; pos < text.size(); pos += length) {
      offsets_.push_back(pos);
      cps_.push_back(unicode::decodeUtf8(text, pos, length));
    }
    offsets_.push_back(text.size());
  }
  size_t size() const { return cps_.size(); }
  size_t offset(size_t i) const { return offsets_[i]; }
  /// The codepoint at i, or UINT32_MAX past the end.
  uint32_t at(size_t i) const { return i < cps_.size() ? cps_[i] : UINT32_MAX; }
  bool letter(size_t i) const { return i < size() && unicode::isLetter(at(i)); }
  bool number(size_t i) const { return i < size() && unicode::isNumber(at(i)); }
  bool space(size_t i) const {
    return i < size() && unicode::isWhitespace(at(i));
  }
  bool newline(size_t i) const { return at(i) == '\r' || at(i) == '\n'; }
  /// [^\s\p{L}\p{N}]
  bool other(size_t i) const {
    return i < size() && !space(i) && !letter(i) && !number(i);
  }
  /// The end of the run of class `is` that starts at i.
  template <typename Pred> size_t runEnd(size_t i, Pred is) const {
    while (is(i))
      ++i;
    return i;
  }

private:
  std::vector<uint32_t> cps_;
  std::vector<size_t> offsets_;
};

/// Lowercase for the contraction letters; U+017F folds to 's'.
uint32_t foldCase(uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z')
    return cp + ('a' - 'A');
  return cp == 0x17F ? 's' : cp;
}

/// The end of the contraction at i ('s 't 're 've 'm 'll 'd), or i.
size_t matchContraction(const Chars &c, size_t i, bool ignoreCase) {
  if (c.at(i) != '\'')
    return i;
  auto letter = [&](size_t k) {
    return ignoreCase ? foldCase(c.at(k)) : c.at(k);
  };
  uint32_t a = letter(i + 1), b = letter(i + 2);
  if (a == 's' || a == 't' || a == 'm' || a == 'd')
    return i + 2;
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') ||
      (a == 'l' && b == 'l'))
    return i + 3;
  return i;
}

/// \s+(?!\S)|\s+ at i, which is a space: a run followed by a non-space gives
/// its last space to what follows.
size_t matchSpaces(const Chars &c, size_t i) {
  size_t end = c.runEnd(i, [&](size_t k) { return c.space(k); });
  return end - i > 1 && end < c.size() ? end - 1 : end;
}

size_t matchGpt2(const Chars &c, size_t i) {
  if (size_t end = matchContraction(c, i, /*ignoreCase=*/false); end != i)
    return end;
  // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
  size_t j = c.at(i) == ' ' ? i + 1 : i;
  if (c.letter(j))
    return c.runEnd(j, [&](size_t k) { return c.letter(k); });
  if (c.number(j))
    return c.runEnd(j, [&](size_t k) { return c.number(k); });
  if (c.other(j))
    return c.runEnd(j, [&](size_t k) { return c.other(k); });
  return matchSpaces(c, i);
}

size_t matchLlama3(const Chars &c, size_t i, size_t maxDigits) {
  if (size_t end = matchContraction(c, i, /*ignoreCase=*/true); end != i)
    return end;
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (!c.newline(i) && !c.number(i)) {
    if (c.letter(i))
      return c.runEnd(i, [&](size_t k) { return c.letter(k); });
    if (c.letter(i + 1))
      return c.runEnd(i + 1, [&](size_t k) { return c.letter(k); });
  }
  // \p{N}{1,maxDigits}
  if (c.number(i)) {
    size_t end = i;
    while (end - i < maxDigits && c.number(end))
      ++end;
    return end;
  }
  // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
  size_t j = c.at(i) == ' ' ? i + 1 : i;
  if (c.other(j)) {
    size_t end = c.runEnd(j, [&](size_t k) { return c.other(k); });
    return c.runEnd(end, [&](size_t k) { return c.newline(k); });
  }
  // \s*[\r\n]+ ends at the last newline of the space run.
  size_t end = c.runEnd(i, [&](size_t k) { return c.space(k); });
  for (size_t k = end; k > i; --k)
    if (c.newline(k - 1))
      return k;
  return matchSpaces(c, i);
}

} // namespace

std::optional<SplitRegex> recognizeSplitRegex(std::string_view pattern) {
  if (pattern == kGpt2Pattern)
    return SplitRegex::Gpt2;
  if (pattern == kLlama3Pattern)
    return SplitRegex::Llama3;
  if (pattern == kQwen2Pattern)
    return SplitRegex::Qwen2;
  return std::nullopt;
}

void regexSplit(std::string_view text, SplitRegex regex,
                std::vector<std::string_view> &pieces) {
  Chars chars(text);
  for (size_t i = 0; i < chars.size();) {
    size_t end;
    switch (regex) {
    case SplitRegex::Gpt2:
      end = matchGpt2(chars, i);
      break;
    case SplitRegex::Llama3:
      end = matchLlama3(chars, i, 3);
      break;
    case SplitRegex::Qwen2:
      end = matchLlama3(chars, i, 1);
      break;
    }
    // Every character matches some alternative; guard the loop anyway.
    if (end <= i)
      end = i + 1;
    pieces.push_back(
        text.substr(chars.offset(i), chars.offset(end) - chars.offset(i)));
    i = end;
  }
}

} // namespace qf
