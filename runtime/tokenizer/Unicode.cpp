//===- Unicode.cpp - UTF-8, categories and NFC for the tokenizers ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Unicode.h"

#include <algorithm>
#include <array>
#include <vector>

namespace qf::unicode {

namespace {

enum CategoryClass : uint8_t { kLetter = 1, kNumber = 2 };

struct CategoryRange {
  uint32_t lo, hi;
  CategoryClass cls;
};
struct CombiningRange {
  uint32_t lo, hi;
  uint8_t ccc;
};
struct Decomposition {
  uint32_t cp, first, second; // second == 0: a singleton
};
struct Composition {
  uint32_t first, second, composite;
};

#include "runtime/tokenizer/UnicodeTables.inc"

/// The range of a sorted [lo, hi] table that holds `cp`, or nullptr.
template <typename Range, size_t N>
const Range *findRange(const Range (&table)[N], uint32_t cp) {
  const Range *it =
      std::upper_bound(table, table + N, cp,
                       [](uint32_t v, const Range &r) { return v < r.lo; });
  if (it == table)
    return nullptr;
  --it;
  return cp <= it->hi ? it : nullptr;
}

uint8_t categoryOf(uint32_t cp) {
  if (cp < 0x80) {
    if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
      return kLetter;
    return cp >= '0' && cp <= '9' ? kNumber : 0;
  }
  const CategoryRange *r = findRange(kCategoryRanges, cp);
  return r ? r->cls : 0;
}

uint8_t combiningClass(uint32_t cp) {
  if (cp < 0x300)
    return 0;
  const CombiningRange *r = findRange(kCombiningClass, cp);
  return r ? r->ccc : 0;
}

// Hangul syllables decompose and compose arithmetically (Unicode 3.12).
constexpr uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161,
                   kTBase = 0x11A7;
constexpr uint32_t kLCount = 19, kVCount = 21, kTCount = 28;
constexpr uint32_t kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

void decompose(uint32_t cp, std::vector<uint32_t> &out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    uint32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount)
      out.push_back(kTBase + s % kTCount);
    return;
  }
  const Decomposition *end = std::end(kDecompositions);
  const Decomposition *it = std::lower_bound(
      std::begin(kDecompositions), end, cp,
      [](const Decomposition &d, uint32_t v) { return d.cp < v; });
  if (it == end || it->cp != cp) {
    out.push_back(cp);
    return;
  }
  decompose(it->first, out);
  if (it->second)
    decompose(it->second, out);
}

/// The primary composite of `first` + `second`, or 0.
uint32_t compose(uint32_t first, uint32_t second) {
  if (first >= kLBase && first < kLBase + kLCount && second >= kVBase &&
      second < kVBase + kVCount)
    return kSBase + ((first - kLBase) * kVCount + second - kVBase) * kTCount;
  if (first >= kSBase && first < kSBase + kSCount &&
      (first - kSBase) % kTCount == 0 && second > kTBase &&
      second < kTBase + kTCount)
    return first + (second - kTBase);
  const Composition *end = std::end(kCompositions);
  const Composition *it = std::lower_bound(
      std::begin(kCompositions), end, std::make_pair(first, second),
      [](const Composition &c, std::pair<uint32_t, uint32_t> v) {
        return std::make_pair(c.first, c.second) < v;
      });
  return it != end && it->first == first && it->second == second ? it->composite
                                                                 : 0;
}

/// GPT-2's byte map and its inverse; the 68 remapped bytes end at U+0143.
struct ByteMaps {
  static constexpr uint32_t kChars = 256 + 68;
  std::array<uint32_t, 256> toChar{};
  std::array<int16_t, kChars> toByte{};

  ByteMaps() {
    toByte.fill(-1);
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) ||
                       (b >= 0xAE && b <= 0xFF);
      toChar[b] = printable ? b : next++;
      toByte[toChar[b]] = static_cast<int16_t>(b);
    }
  }
};

const ByteMaps &byteMaps() {
  static const ByteMaps maps;
  return maps;
}

} // namespace

uint32_t decodeUtf8(std::string_view text, size_t pos, size_t &length) {
  auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  uint8_t lead = byte(pos);
  length = 1;
  if (lead < 0x80)
    return lead;
  size_t n;
  uint32_t cp, min;
  if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2, cp = lead & 0x1F, min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3, cp = lead & 0x0F, min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return kInvalidByte + lead;
  }
  if (pos + n > text.size())
    return kInvalidByte + lead;
  for (size_t i = 1; i < n; ++i) {
    uint8_t c = byte(pos + i);
    if ((c & 0xC0) != 0x80)
      return kInvalidByte + lead;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return kInvalidByte + lead;
  length = n;
  return cp;
}

void appendUtf8(std::string &out, uint32_t cp) {
  if (cp >= kInvalidByte) {
    out += static_cast<char>(cp - kInvalidByte);
  } else if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool isLetter(uint32_t cp) { return categoryOf(cp) == kLetter; }
bool isNumber(uint32_t cp) { return categoryOf(cp) == kNumber; }

bool isWhitespace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

std::string toNfc(std::string_view text) {
  // Below U+0300 nothing decomposes or composes; such characters are at most
  // two bytes with a lead byte below 0xCC.
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return static_cast<uint8_t>(c) < 0xCC; }))
    return std::string(text);

  std::vector<uint32_t> chars;
  for (size_t pos = 0, length; pos < text.size(); pos += length)
    decompose(decodeUtf8(text, pos, length), chars);

  // Canonical ordering: within each run of non-starters, a stable
  // insertion sort by class (the runs are a few characters long).
  for (size_t i = 1; i < chars.size(); ++i) {
    uint32_t c = chars[i];
    uint8_t cls = combiningClass(c);
    size_t j = i;
    for (; cls != 0 && j > 0 && combiningClass(chars[j - 1]) > cls; --j)
      chars[j] = chars[j - 1];
    chars[j] = c;
  }

  // Canonical composition: a character joins the last starter unless a
  // character in between blocks it (class 0, or a class >= its own).
  std::vector<uint32_t> composed;
  composed.reserve(chars.size());
  size_t starter = SIZE_MAX;
  int lastClass = -1; // -1: the previous character is the starter itself
  for (uint32_t c : chars) {
    int cls = combiningClass(c);
    if (starter != SIZE_MAX && (lastClass == -1 || lastClass < cls)) {
      if (uint32_t composite = compose(composed[starter], c)) {
        composed[starter] = composite;
        continue;
      }
    }
    if (cls == 0) {
      starter = composed.size();
      lastClass = -1;
    } else {
      lastClass = cls;
    }
    composed.push_back(c);
  }

  std::string out;
  out.reserve(text.size());
  for (uint32_t c : composed)
    appendUtf8(out, c);
  return out;
}

uint32_t byteToChar(uint8_t byte) { return byteMaps().toChar[byte]; }

int charToByte(uint32_t cp) {
  return cp < ByteMaps::kChars ? byteMaps().toByte[cp] : -1;
}

} // namespace qf::unicode
