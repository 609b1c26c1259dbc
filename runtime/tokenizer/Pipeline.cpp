//===- Pipeline.cpp - the tokenizers pipeline as data ---------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Pipeline.h"

#include "runtime/tokenizer/Unicode.h"

#include <algorithm>
#include <array>
#include <unordered_map>
#include <unordered_set>

namespace qf::pipeline {

namespace {

/// Added ids above this are refused: far above any real vocabulary.
constexpr int32_t kMaxId = 1 << 24;

void replaceAll(std::string &text, std::string_view pattern,
                std::string_view content) {
  std::string out;
  size_t done = 0;
  for (size_t hit = text.find(pattern); hit != std::string::npos;
       hit = text.find(pattern, done)) {
    out.append(text, done, hit - done);
    out += content;
    done = hit + pattern.size();
  }
  if (done == 0)
    return;
  out.append(text, done, std::string::npos);
  text = std::move(out);
}

bool isValidUtf8(std::string_view text) {
  for (size_t pos = 0, length; pos < text.size(); pos += length)
    if (unicode::decodeUtf8(text, pos, length) >= unicode::kInvalidByte)
      return false;
  return true;
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
    return (c | 0x20) - 'a' + 10;
  return -1;
}

/// Leftmost-longest matching of the added tokens in a text, as the
/// Aho-Corasick automaton of `tokenizers` does.
class TokenMatcher {
public:
  /// Matches the content (or normalized content) of the added tokens whose
  /// `normalized` flag is `normalized`.
  TokenMatcher(const Spec &spec, bool normalized) {
    for (size_t i = 0; i < spec.addedTokens.size(); ++i) {
      const AddedToken &token = spec.addedTokens[i];
      if (token.normalized != normalized)
        continue;
      std::string pattern = normalized
                                ? normalize(spec.normalizers, token.content)
                                : token.content;
      if (pattern.empty())
        continue;
      byFirstByte_[static_cast<uint8_t>(pattern[0])].emplace_back(
          std::move(pattern), i);
      empty_ = false;
    }
    // Longest first; among equals, the first added.
    for (auto &bucket : byFirstByte_)
      std::sort(bucket.begin(), bucket.end(), [](const auto &a, const auto &b) {
        return a.first.size() != b.first.size()
                   ? a.first.size() > b.first.size()
                   : a.second < b.second;
      });
  }

  struct Match {
    size_t begin, end, token;
  };
  std::optional<Match> find(std::string_view text, size_t from) const {
    if (empty_)
      return std::nullopt;
    for (size_t pos = from; pos < text.size(); ++pos)
      for (const auto &[pattern, token] :
           byFirstByte_[static_cast<uint8_t>(text[pos])])
        if (text.compare(pos, pattern.size(), pattern) == 0)
          return Match{pos, pos + pattern.size(), token};
    return std::nullopt;
  }

private:
  std::array<std::vector<std::pair<std::string, size_t>>, 256> byFirstByte_;
  bool empty_ = true;
};

/// A stretch of text, or an added token (id >= 0).
struct Piece {
  std::string_view text;
  int32_t id;
};

/// Cuts `text` at the added tokens `matcher` finds.
void splitOnTokens(std::string_view text, const TokenMatcher &matcher,
                   const std::vector<AddedToken> &tokens,
                   std::vector<Piece> &pieces) {
  size_t done = 0;
  while (auto match = matcher.find(text, done)) {
    const AddedToken &token = tokens[match->token];
    size_t begin = match->begin, end = match->end;
    if (token.lstrip) {
      // Start of the whitespace run that ends at `begin`.
      size_t runStart = begin;
      for (size_t pos = done, length; pos < begin; pos += length) {
        bool space =
            unicode::isWhitespace(unicode::decodeUtf8(text, pos, length));
        if (!space)
          runStart = begin;
        else if (runStart == begin)
          runStart = pos;
      }
      begin = runStart;
    }
    if (token.rstrip) {
      size_t length;
      while (end < text.size() &&
             unicode::isWhitespace(unicode::decodeUtf8(text, end, length)))
        end += length;
    }
    if (done < begin)
      pieces.push_back({text.substr(done, begin - done), -1});
    pieces.push_back({text.substr(begin, end - begin), token.id});
    done = end;
  }
  if (done < text.size())
    pieces.push_back({text.substr(done), -1});
}

/// A word between pre-tokenizers; `atStart` when it begins the input text.
struct Word {
  std::string text;
  bool atStart;
};

void applyPreTokenizer(const PreTokenizer &step, std::vector<Word> &words) {
  std::vector<Word> next;
  std::vector<std::string_view> parts;
  for (Word &word : words) {
    parts.clear();
    switch (step.kind) {
    case PreTokenizer::Kind::Split:
      regexSplit(word.text, step.regex, parts);
      for (size_t i = 0; i < parts.size(); ++i)
        next.push_back({std::string(parts[i]), word.atStart && i == 0});
      break;
    case PreTokenizer::Kind::ByteLevel: {
      if (step.addPrefixSpace && word.text.rfind(' ', 0) != 0)
        word.text.insert(0, " ");
      if (step.useRegex)
        regexSplit(word.text, SplitRegex::Gpt2, parts);
      else
        parts.push_back(word.text);
      for (size_t i = 0; i < parts.size(); ++i) {
        std::string mapped;
        for (char c : parts[i])
          unicode::appendUtf8(mapped,
                              unicode::byteToChar(static_cast<uint8_t>(c)));
        next.push_back({std::move(mapped), word.atStart && i == 0});
      }
      break;
    }
    case PreTokenizer::Kind::Metaspace: {
      const std::string &rep = step.replacement;
      replaceAll(word.text, " ", rep);
      bool prepend =
          step.prependScheme == PrependScheme::Always ||
          (step.prependScheme == PrependScheme::First && word.atStart);
      if (prepend && word.text.rfind(rep, 0) != 0)
        word.text.insert(0, rep);
      if (!step.split) {
        next.push_back(std::move(word));
        break;
      }
      // MergedWithNext: each replacement opens a new word.
      size_t begin = 0;
      for (size_t hit = word.text.find(rep, 1); hit != std::string::npos;
           hit = word.text.find(rep, hit + rep.size())) {
        next.push_back(
            {word.text.substr(begin, hit - begin), word.atStart && begin == 0});
        begin = hit;
      }
      next.push_back({word.text.substr(begin), word.atStart && begin == 0});
      break;
    }
    }
  }
  words = std::move(next);
}

std::vector<std::string> applyDecoder(const Decoder &step,
                                      std::vector<std::string> tokens) {
  std::vector<std::string> out;
  switch (step.kind) {
  case Decoder::Kind::Replace:
    for (std::string &token : tokens)
      replaceAll(token, step.pattern, step.content);
    return tokens;
  case Decoder::Kind::ByteFallback: {
    // Runs of <0xXX> become their bytes when those are UTF-8, else one
    // U+FFFD per byte.
    std::string bytes;
    size_t count = 0;
    auto flush = [&] {
      if (isValidUtf8(bytes))
        out.push_back(bytes);
      else
        out.insert(out.end(), count, "\xEF\xBF\xBD");
      bytes.clear();
      count = 0;
    };
    for (std::string &token : tokens) {
      int high = -1, low = -1;
      if (token.size() == 6 && token.compare(0, 3, "<0x") == 0 &&
          token[5] == '>') {
        high = hexDigit(token[3]);
        low = hexDigit(token[4]);
      }
      if (high >= 0 && low >= 0) {
        bytes += static_cast<char>(high * 16 + low);
        ++count;
        continue;
      }
      if (count)
        flush();
      out.push_back(std::move(token));
    }
    if (count)
      flush();
    return out;
  }
  case Decoder::Kind::Fuse: {
    std::string joined;
    for (const std::string &token : tokens)
      joined += token;
    out.push_back(std::move(joined));
    return out;
  }
  case Decoder::Kind::Strip:
    for (std::string &token : tokens) {
      std::vector<size_t> offsets; // of each character, then the end
      for (size_t pos = 0; pos < token.size();
           pos += unicode::utf8Length(token, pos))
        offsets.push_back(pos);
      offsets.push_back(token.size());
      size_t chars = offsets.size() - 1, first = 0, last = chars;
      auto is = [&](size_t i) {
        size_t length;
        return unicode::decodeUtf8(token, offsets[i], length) == step.stripChar;
      };
      while (first < std::min(step.start, chars) && is(first))
        ++first;
      while (last > first && chars - last < step.stop && is(last - 1))
        --last;
      token = token.substr(offsets[first], offsets[last] - offsets[first]);
    }
    return tokens;
  case Decoder::Kind::ByteLevel: {
    // Characters map back to bytes; a token with an unmapped character
    // keeps its own bytes. Invalid UTF-8 stays as it is.
    std::string bytes;
    for (const std::string &token : tokens) {
      std::string mapped;
      bool allMapped = true;
      for (size_t pos = 0, length; pos < token.size() && allMapped;
           pos += length) {
        int b = unicode::charToByte(unicode::decodeUtf8(token, pos, length));
        allMapped = b >= 0;
        mapped += static_cast<char>(b);
      }
      bytes += allMapped ? mapped : token;
    }
    out.push_back(std::move(bytes));
    return out;
  }
  case Decoder::Kind::Metaspace:
    for (size_t i = 0; i < tokens.size(); ++i) {
      bool dropFirst = i == 0 && step.prependScheme != PrependScheme::Never;
      replaceAll(tokens[i], step.pattern, dropFirst ? "" : " ");
    }
    return tokens;
  }
  return tokens;
}

/// One more than the largest id of the model and the added tokens.
int32_t vocabularySize(const Spec &spec) {
  int32_t size = spec.model->size();
  for (const AddedToken &token : spec.addedTokens)
    size = std::max(size, token.id + 1);
  return size;
}

class PipelineTokenizer final : public Tokenizer {
public:
  explicit PipelineTokenizer(Spec spec)
      : spec_(std::move(spec)), vocabSize_(vocabularySize(spec_)),
        rawMatcher_(spec_, /*normalized=*/false),
        normalizedMatcher_(spec_, /*normalized=*/true) {
    for (size_t i = 0; i < spec_.addedTokens.size(); ++i) {
      const AddedToken &token = spec_.addedTokens[i];
      addedById_[token.id] = i;
      if (token.special)
        skipped_.insert(token.id);
    }
    skipped_.insert(spec_.controlIds.begin(), spec_.controlIds.end());
    setSpecialIds(spec_.bosId, spec_.eosId, spec_.extraStopIds, spec_.addBos);
  }

  std::vector<int32_t> encode(std::string_view text,
                              bool addBos) const override {
    std::vector<int32_t> ids;
    if (addBos && bosId() >= 0)
      ids.push_back(bosId());
    bpe::SegmentCache cache;
    std::vector<Piece> raw, normalizedPieces;
    splitOnTokens(text, rawMatcher_, spec_.addedTokens, raw);
    for (const Piece &piece : raw) {
      if (piece.id >= 0) {
        ids.push_back(piece.id);
        continue;
      }
      bool atStart = piece.text.data() == text.data();
      std::string normalized = normalize(spec_.normalizers, piece.text);
      normalizedPieces.clear();
      splitOnTokens(normalized, normalizedMatcher_, spec_.addedTokens,
                    normalizedPieces);
      for (const Piece &sub : normalizedPieces) {
        if (sub.id >= 0)
          ids.push_back(sub.id);
        else
          encodeWords(sub.text, atStart && sub.text.data() == normalized.data(),
                      ids, cache);
      }
    }
    return ids;
  }

  std::string decode(const std::vector<int32_t> &ids) const override {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int32_t id : ids) {
      if (skipped_.count(id))
        continue;
      if (std::string piece = tokenToPiece(id); !piece.empty())
        tokens.push_back(std::move(piece));
    }
    if (!spec_.decoders) {
      std::string joined;
      for (size_t i = 0; i < tokens.size(); ++i)
        joined += (i ? " " : "") + tokens[i];
      return joined;
    }
    for (const Decoder &step : *spec_.decoders)
      tokens = applyDecoder(step, std::move(tokens));
    std::string text;
    for (const std::string &token : tokens)
      text += token;
    return text;
  }

  std::string tokenToPiece(int32_t id) const override {
    auto added = addedById_.find(id);
    if (added != addedById_.end())
      return spec_.addedTokens[added->second].content;
    return spec_.model->piece(id);
  }

  int32_t vocabSize() const override { return vocabSize_; }

private:
  void encodeWords(std::string_view text, bool atStart,
                   std::vector<int32_t> &ids, bpe::SegmentCache &cache) const {
    if (spec_.preTokenizers.empty()) {
      spec_.model->encode(text, ids, cache);
      return;
    }
    std::vector<Word> words{{std::string(text), atStart}};
    for (const PreTokenizer &step : spec_.preTokenizers)
      applyPreTokenizer(step, words);
    for (const Word &word : words)
      spec_.model->encode(word.text, ids, cache);
  }

  Spec spec_;
  int32_t vocabSize_;
  TokenMatcher rawMatcher_;
  TokenMatcher normalizedMatcher_;
  std::unordered_map<int32_t, size_t> addedById_;
  /// Ids decode drops: special added tokens and control ids.
  std::unordered_set<int32_t> skipped_;
};

} // namespace

std::string normalize(const std::vector<Normalizer> &normalizers,
                      std::string_view text) {
  std::string out(text);
  for (const Normalizer &step : normalizers) {
    switch (step.kind) {
    case Normalizer::Kind::Prepend:
      if (!out.empty())
        out.insert(0, step.content);
      break;
    case Normalizer::Kind::Replace:
      replaceAll(out, step.pattern, step.content);
      break;
    case Normalizer::Kind::Nfc:
      out = unicode::toNfc(out);
      break;
    }
  }
  return out;
}

Result<std::unique_ptr<Tokenizer>> build(Spec spec) {
  if (!spec.model)
    return Status::error("no model");
  for (const AddedToken &token : spec.addedTokens)
    if (token.id < 0 || token.id >= kMaxId)
      return Status::error("added token '" + token.content + "' has id " +
                           std::to_string(token.id) + ", outside [0, " +
                           std::to_string(kMaxId) + ")");
  int32_t size = vocabularySize(spec);
  auto checkId = [&](int32_t id, const char *what) {
    if (id < -1 || id >= size)
      return Status::error(std::string(what) + " id " + std::to_string(id) +
                           " is outside the vocabulary of " +
                           std::to_string(size));
    return Status();
  };
  QF_RETURN_IF_ERROR(checkId(spec.bosId, "BOS"));
  QF_RETURN_IF_ERROR(checkId(spec.eosId, "EOS"));
  for (int32_t id : spec.extraStopIds)
    QF_RETURN_IF_ERROR(checkId(id, "stop token"));
  for (int32_t id : spec.controlIds)
    QF_RETURN_IF_ERROR(checkId(id, "control token"));
  return std::unique_ptr<Tokenizer>(new PipelineTokenizer(std::move(spec)));
}

} // namespace qf::pipeline
