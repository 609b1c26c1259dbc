//===- BpeModel.h - BPE merge engines ---------------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The two BPE variants in use:
//  - RankedBpe, the BPE model of Hugging Face `tokenizers`: merges are pairs
//    of tokens with a rank, the lowest-ranked adjacent pair merges first;
//    characters outside the vocabulary become <0xXX> byte tokens
//    (byte_fallback) or <unk> (fused when fuse_unk).
//  - ScoredBpe, SentencePiece's BPE as llama.cpp runs it from GGUF pieces and
//    scores: the adjacent pair whose concatenation is the piece with the
//    highest score merges first.
// Both merge with a priority queue over a linked list of symbols, so a word
// costs O(n log n). Texts without a pre-tokenizer reach the model as one
// huge word; it is cut where no token can span the cut (no merge result
// holds that pair of characters) and the pieces are memoized per encode call.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_TOKENIZER_BPEMODEL_H
#define QUANTFORGE_RUNTIME_TOKENIZER_BPEMODEL_H

#include "runtime/support/Status.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace qf::bpe {

/// Ids of the segments of one encode call, by segment text.
using SegmentCache = std::unordered_map<std::string, std::vector<int32_t>>;

/// The vocabulary, and the encoding of one pre-token into ids.
class SubwordModel {
public:
  virtual ~SubwordModel();
  SubwordModel(const SubwordModel &) = delete;
  SubwordModel &operator=(const SubwordModel &) = delete;

  /// Appends the ids of `word`.
  void encode(std::string_view word, std::vector<int32_t> &out,
              SegmentCache &cache) const;

  /// One more than the largest id.
  int32_t size() const { return static_cast<int32_t>(pieces_.size()); }
  /// The token of `id` (empty for a gap or an id out of range).
  const std::string &piece(int32_t id) const;
  /// The id of `token`, or -1.
  int32_t find(std::string_view token) const;

protected:
  /// Takes the tokens by id (gaps are empty strings).
  explicit SubwordModel(std::vector<std::string> pieces);

  /// Declares that a merge may produce `token`: the characters it joins may
  /// not be cut apart.
  void addMergeResult(std::string_view token);
  /// Makes every word one segment (merges involve fallback symbols).
  void disableSegmentation() { segmentable_ = false; }
  /// Consecutive segments that end and start with this id fuse it (fuse_unk).
  void setFusedId(int32_t id) { fusedId_ = id; }

  /// The id that stands for the whole word without merging, or -1.
  virtual int32_t wholeWordId(std::string_view word) const;
  /// Appends the ids of one segment.
  virtual void encodeSegment(std::string_view segment,
                             std::vector<int32_t> &out) const = 0;

  /// The ids of "<0x00>".."<0xFF>" (-1 where absent).
  std::array<int32_t, 256> byteTokenIds() const;

private:
  void emitSegment(std::string_view segment, size_t wordBegin,
                   std::vector<int32_t> &out, SegmentCache &cache) const;

  std::vector<std::string> pieces_;
  /// Views into pieces_, which never reallocates after construction.
  std::unordered_map<std::string_view, int32_t> ids_;
  /// Codepoint pairs (first << 32 | second) that occur inside merge results.
  std::unordered_set<uint64_t> joinable_;
  bool segmentable_ = true;
  int32_t fusedId_ = -1;
};

/// Hugging Face's BPE model.
class RankedBpe final : public SubwordModel {
public:
  struct Options {
    int32_t unkId = -1;
    bool fuseUnk = false;
    bool byteFallback = false;
    /// A word that is a token is that token, merges or not (Llama 3).
    bool ignoreMerges = false;
  };

  /// `pieces` by id; `merges` by rank. Fails naming the first merge whose
  /// parts or result are not tokens.
  static Result<std::unique_ptr<RankedBpe>>
  create(std::vector<std::string> pieces,
         const std::vector<std::pair<std::string, std::string>> &merges,
         const Options &options);

private:
  RankedBpe(std::vector<std::string> pieces, const Options &options);
  int32_t wholeWordId(std::string_view word) const override;
  void encodeSegment(std::string_view segment,
                     std::vector<int32_t> &out) const override;

  struct Merge {
    uint32_t rank;
    int32_t result;
  };
  Options options_;
  std::array<int32_t, 256> byteIds_;
  /// (left id << 32 | right id) -> merge.
  std::unordered_map<uint64_t, Merge> merges_;
};

/// SentencePiece BPE from pieces and scores.
class ScoredBpe final : public SubwordModel {
public:
  /// `mergeable[i]`: whether a merge may produce piece i (normal and
  /// user-defined pieces; not control, unknown or byte pieces).
  static Result<std::unique_ptr<ScoredBpe>>
  create(std::vector<std::string> pieces, std::vector<float> scores,
         const std::vector<bool> &mergeable, int32_t unkId);

private:
  ScoredBpe(std::vector<std::string> pieces, std::vector<float> scores,
            int32_t unkId);
  void encodeSegment(std::string_view segment,
                     std::vector<int32_t> &out) const override;

  std::vector<float> scores_;
  std::unordered_map<std::string_view, int32_t> mergeable_;
  std::array<int32_t, 256> byteIds_;
  int32_t unkId_;
};

} // namespace qf::bpe

#endif // QUANTFORGE_RUNTIME_TOKENIZER_BPEMODEL_H
