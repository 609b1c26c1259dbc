//===- BpeModel.cpp - BPE merge engines -----------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/BpeModel.h"

#include "runtime/tokenizer/Unicode.h"

#include <cstdio>
#include <queue>

namespace qf::bpe {

namespace {

uint64_t pairKey(uint32_t first, uint32_t second) {
  return (uint64_t(first) << 32) | second;
}

/// Segments longer than this are rarely repeated; they are not memoized.
constexpr size_t kMaxCachedSegment = 256;

/// A symbol of the word being merged; merged-away symbols have len 0.
struct Symbol {
  int32_t id; // RankedBpe: the token id; ScoredBpe: unused
  int32_t prev, next;
  uint32_t begin, len; // bytes of the segment
};

/// Splits `text` into one symbol per character.
std::vector<Symbol> charSymbols(std::string_view text) {
  std::vector<Symbol> symbols;
  symbols.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    size_t length = unicode::utf8Length(text, pos);
    int32_t index = static_cast<int32_t>(symbols.size());
    symbols.push_back({-1, index - 1, index + 1, static_cast<uint32_t>(pos),
                       static_cast<uint32_t>(length)});
    pos += length;
  }
  if (!symbols.empty())
    symbols.back().next = -1;
  return symbols;
}

/// Unlinks `right`, the successor of `left`, after merging it into `left`.
void absorbNext(std::vector<Symbol> &symbols, int32_t left) {
  Symbol &l = symbols[left];
  Symbol &r = symbols[l.next];
  l.len += r.len;
  l.next = r.next;
  r.len = 0;
  if (l.next >= 0)
    symbols[l.next].prev = left;
}

} // namespace

//===----------------------------------------------------------------------===//
// SubwordModel
//===----------------------------------------------------------------------===//

SubwordModel::~SubwordModel() = default;

SubwordModel::SubwordModel(std::vector<std::string> pieces)
    : pieces_(std::move(pieces)) {
  ids_.reserve(pieces_.size());
  for (size_t id = 0; id < pieces_.size(); ++id)
    if (!pieces_[id].empty())
      ids_.emplace(pieces_[id], static_cast<int32_t>(id));
}

const std::string &SubwordModel::piece(int32_t id) const {
  static const std::string empty;
  return id >= 0 && id < size() ? pieces_[id] : empty;
}

int32_t SubwordModel::find(std::string_view token) const {
  auto it = ids_.find(token);
  return it == ids_.end() ? -1 : it->second;
}

void SubwordModel::addMergeResult(std::string_view token) {
  size_t length;
  uint32_t prev = unicode::decodeUtf8(token, 0, length);
  for (size_t pos = length; pos < token.size(); pos += length) {
    uint32_t cp = unicode::decodeUtf8(token, pos, length);
    joinable_.insert(pairKey(prev, cp));
    prev = cp;
  }
}

int32_t SubwordModel::wholeWordId(std::string_view) const { return -1; }

std::array<int32_t, 256> SubwordModel::byteTokenIds() const {
  std::array<int32_t, 256> ids;
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    ids[b] = find(name);
  }
  return ids;
}

void SubwordModel::encode(std::string_view word, std::vector<int32_t> &out,
                          SegmentCache &cache) const {
  if (word.empty())
    return;
  if (int32_t id = wholeWordId(word); id >= 0) {
    out.push_back(id);
    return;
  }
  size_t wordBegin = out.size();
  if (!segmentable_) {
    emitSegment(word, wordBegin, out, cache);
    return;
  }
  size_t length;
  uint32_t prev = unicode::decodeUtf8(word, 0, length);
  size_t start = 0;
  for (size_t pos = length; pos < word.size(); pos += length) {
    uint32_t cp = unicode::decodeUtf8(word, pos, length);
    if (!joinable_.count(pairKey(prev, cp))) {
      emitSegment(word.substr(start, pos - start), wordBegin, out, cache);
      start = pos;
    }
    prev = cp;
  }
  emitSegment(word.substr(start), wordBegin, out, cache);
}

void SubwordModel::emitSegment(std::string_view segment, size_t wordBegin,
                               std::vector<int32_t> &out,
                               SegmentCache &cache) const {
  size_t begin = out.size();
  if (segment.size() > kMaxCachedSegment) {
    encodeSegment(segment, out);
  } else {
    auto [it, inserted] = cache.try_emplace(std::string(segment));
    if (inserted)
      encodeSegment(segment, it->second);
    out.insert(out.end(), it->second.begin(), it->second.end());
  }
  // Unknown characters on both sides of a cut are one run within the word.
  if (fusedId_ >= 0 && begin > wordBegin && begin < out.size() &&
      out[begin - 1] == fusedId_ && out[begin] == fusedId_)
    out.erase(out.begin() + begin);
}

//===----------------------------------------------------------------------===//
// RankedBpe
//===----------------------------------------------------------------------===//

RankedBpe::RankedBpe(std::vector<std::string> pieces, const Options &options)
    : SubwordModel(std::move(pieces)), options_(options) {
  byteIds_ = byteTokenIds();
  if (options_.fuseUnk)
    setFusedId(options_.unkId);
}

Result<std::unique_ptr<RankedBpe>> RankedBpe::create(
    std::vector<std::string> pieces,
    const std::vector<std::pair<std::string, std::string>> &merges,
    const Options &options) {
  std::unique_ptr<RankedBpe> model(new RankedBpe(std::move(pieces), options));
  // Symbols that stand for other text (byte tokens, <unk>): a merge of one
  // could span a cut.
  std::vector<bool> isFallback(model->size());
  if (options.unkId >= 0 && options.unkId < model->size())
    isFallback[options.unkId] = true;
  if (options.byteFallback)
    for (int32_t id : model->byteIds_)
      if (id >= 0)
        isFallback[id] = true;
  model->merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto &[left, right] = merges[rank];
    const std::string joined = left + right;
    for (const std::string *token : {&left, &right, &joined})
      if (model->find(*token) < 0)
        return Status::error("merge " + std::to_string(rank) + " ('" + left +
                             "', '" + right + "'): '" + *token +
                             "' is not in the vocabulary");
    int32_t leftId = model->find(left), rightId = model->find(right);
    // Like `tokenizers`, a repeated pair keeps its last rank.
    model->merges_[pairKey(leftId, rightId)] = {static_cast<uint32_t>(rank),
                                                model->find(joined)};
    model->addMergeResult(joined);
    if (isFallback[leftId] || isFallback[rightId])
      model->disableSegmentation();
  }
  return model;
}

int32_t RankedBpe::wholeWordId(std::string_view word) const {
  return options_.ignoreMerges ? find(word) : -1;
}

void RankedBpe::encodeSegment(std::string_view segment,
                              std::vector<int32_t> &out) const {
  // Initial symbols: characters, byte tokens for characters outside the
  // vocabulary, or one <unk> per unknown run when fuse_unk.
  std::vector<Symbol> symbols;
  symbols.reserve(segment.size());
  auto add = [&](int32_t id, size_t begin, size_t len) {
    int32_t index = static_cast<int32_t>(symbols.size());
    if (index > 0)
      symbols.back().next = index;
    symbols.push_back({id, index - 1, -1, static_cast<uint32_t>(begin),
                       static_cast<uint32_t>(len)});
  };
  bool lastWasUnk = false;
  for (size_t pos = 0, length; pos < segment.size(); pos += length) {
    length = unicode::utf8Length(segment, pos);
    if (int32_t id = find(segment.substr(pos, length)); id >= 0) {
      add(id, pos, length);
      lastWasUnk = false;
      continue;
    }
    if (options_.byteFallback) {
      bool allBytes = true;
      for (size_t i = 0; i < length; ++i)
        allBytes &= byteIds_[static_cast<uint8_t>(segment[pos + i])] >= 0;
      if (allBytes) {
        for (size_t i = 0; i < length; ++i)
          add(byteIds_[static_cast<uint8_t>(segment[pos + i])], pos + i, 1);
        lastWasUnk = false;
        continue;
      }
    }
    if (options_.unkId < 0)
      continue; // `tokenizers` drops what it cannot represent
    if (lastWasUnk && options_.fuseUnk)
      symbols.back().len += static_cast<uint32_t>(length);
    else
      add(options_.unkId, pos, length);
    lastWasUnk = true;
  }

  struct Candidate {
    uint32_t rank;
    int32_t pos;
    int32_t result;
    bool operator>(const Candidate &o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  auto consider = [&](int32_t left) {
    if (left < 0 || symbols[left].next < 0)
      return;
    auto it =
        merges_.find(pairKey(symbols[left].id, symbols[symbols[left].next].id));
    if (it != merges_.end())
      queue.push({it->second.rank, left, it->second.result});
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(symbols.size()); ++i)
    consider(i);

  while (!queue.empty()) {
    Candidate top = queue.top();
    queue.pop();
    Symbol &left = symbols[top.pos];
    if (left.len == 0 || left.next < 0)
      continue;
    // Stale when either side changed since the candidate was queued.
    auto it = merges_.find(pairKey(left.id, symbols[left.next].id));
    if (it == merges_.end() || it->second.result != top.result)
      continue;
    absorbNext(symbols, top.pos);
    left.id = top.result;
    consider(left.prev);
    consider(top.pos);
  }

  for (const Symbol &s : symbols)
    if (s.len != 0)
      out.push_back(s.id);
}

//===----------------------------------------------------------------------===//
// ScoredBpe
//===----------------------------------------------------------------------===//

ScoredBpe::ScoredBpe(std::vector<std::string> pieces, std::vector<float> scores,
                     int32_t unkId)
    : SubwordModel(std::move(pieces)), scores_(std::move(scores)),
      unkId_(unkId) {
  byteIds_ = byteTokenIds();
}

Result<std::unique_ptr<ScoredBpe>>
ScoredBpe::create(std::vector<std::string> pieces, std::vector<float> scores,
                  const std::vector<bool> &mergeable, int32_t unkId) {
  if (scores.size() != pieces.size() || mergeable.size() != pieces.size())
    return Status::error("expected one score and one type per token");
  std::unique_ptr<ScoredBpe> model(
      new ScoredBpe(std::move(pieces), std::move(scores), unkId));
  for (int32_t id = 0; id < model->size(); ++id) {
    const std::string &piece = model->piece(id);
    if (!mergeable[id] || piece.empty())
      continue;
    model->mergeable_.emplace(piece, id);
    model->addMergeResult(piece);
  }
  return model;
}

void ScoredBpe::encodeSegment(std::string_view segment,
                              std::vector<int32_t> &out) const {
  std::vector<Symbol> symbols = charSymbols(segment);
  auto text = [&](const Symbol &s) { return segment.substr(s.begin, s.len); };

  struct Candidate {
    float score;
    int32_t left;
    uint32_t len; // bytes of the pair when queued; differs once stale
    bool operator<(const Candidate &o) const {
      return score != o.score ? score < o.score : left > o.left;
    }
  };
  std::priority_queue<Candidate> queue;
  auto consider = [&](int32_t left) {
    if (left < 0 || symbols[left].next < 0)
      return;
    const Symbol &l = symbols[left];
    uint32_t len = l.len + symbols[l.next].len;
    auto it = mergeable_.find(segment.substr(l.begin, len));
    if (it != mergeable_.end())
      queue.push({scores_[it->second], left, len});
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(symbols.size()); ++i)
    consider(i);

  while (!queue.empty()) {
    Candidate top = queue.top();
    queue.pop();
    Symbol &left = symbols[top.left];
    if (left.len == 0 || left.next < 0 ||
        left.len + symbols[left.next].len != top.len)
      continue;
    absorbNext(symbols, top.left);
    consider(left.prev);
    consider(top.left);
  }

  for (const Symbol &s : symbols) {
    if (s.len == 0)
      continue;
    if (auto it = mergeable_.find(text(s)); it != mergeable_.end()) {
      out.push_back(it->second);
      continue;
    }
    for (char c : text(s)) {
      int32_t id = byteIds_[static_cast<uint8_t>(c)];
      if (id < 0)
        id = unkId_;
      if (id >= 0)
        out.push_back(id);
    }
  }
}

} // namespace qf::bpe
