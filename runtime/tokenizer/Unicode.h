//===- Unicode.h - UTF-8, categories and NFC for the tokenizers --*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The little Unicode the tokenizers need, without ICU: a UTF-8 codec that
// passes invalid bytes through, the \p{L} / \p{N} / \s classes of the
// pre-tokenizer regexes, canonical composition (NFC) and GPT-2's byte-to-
// character map. The data comes from UnicodeTables.inc (Unicode 14, see
// gen_unicode_tables.py); characters assigned later are neither letters nor
// numbers here.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_TOKENIZER_UNICODE_H
#define QUANTFORGE_RUNTIME_TOKENIZER_UNICODE_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace qf::unicode {

/// An invalid UTF-8 byte `b` decodes to kInvalidByte + b, which is outside
/// Unicode, is no letter, number or space, and encodes back to `b` alone, so
/// that arbitrary bytes survive a decode/encode round trip.
constexpr uint32_t kInvalidByte = 0x110000;

/// Decodes the character at `text[pos]` (pos < size) and sets `length` to
/// its byte length (1 for an invalid byte). Rejects overlong forms,
/// surrogates and values above U+10FFFF.
uint32_t decodeUtf8(std::string_view text, size_t pos, size_t &length);

/// Appends the UTF-8 form of `cp` (or the raw byte of an invalid-byte value).
void appendUtf8(std::string &out, uint32_t cp);

/// Byte length of the character starting at `text[pos]`.
inline size_t utf8Length(std::string_view text, size_t pos) {
  size_t length;
  decodeUtf8(text, pos, length);
  return length;
}

/// General category L* (the regex class \p{L}).
bool isLetter(uint32_t cp);
/// General category N* (the regex class \p{N}).
bool isNumber(uint32_t cp);
/// The White_Space property (the regex class \s of Oniguruma and Rust).
bool isWhitespace(uint32_t cp);

/// Unicode Normalization Form C. Invalid bytes are kept as they are.
std::string toNfc(std::string_view text);

/// GPT-2's bytes_to_unicode: printable Latin-1 bytes map to themselves, the
/// others to U+0100 upwards in byte order.
uint32_t byteToChar(uint8_t byte);
/// The inverse of byteToChar, or -1 for a character no byte maps to.
int charToByte(uint32_t cp);

} // namespace qf::unicode

#endif // QUANTFORGE_RUNTIME_TOKENIZER_UNICODE_H
