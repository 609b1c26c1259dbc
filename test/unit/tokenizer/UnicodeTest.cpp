//===- UnicodeTest.cpp - UTF-8, categories, NFC and the split regexes -----===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Unicode.h"
#include "runtime/tokenizer/RegexSplit.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace qf;

namespace {

std::vector<uint32_t> codepoints(std::string_view text) {
  std::vector<uint32_t> cps;
  for (size_t pos = 0, length; pos < text.size(); pos += length)
    cps.push_back(unicode::decodeUtf8(text, pos, length));
  return cps;
}

TEST(TokenizerUnicode, Utf8DecodesValidAndPassesInvalidBytesThrough) {
  EXPECT_EQ(codepoints("aé€🙂"),
            (std::vector<uint32_t>{'a', 0xE9, 0x20AC, 0x1F642}));
  // Overlong, surrogate, truncated, stray continuation, above U+10FFFF.
  std::string bad = "\xC0\xAF\xED\xA0\x80\xE2\x82\xF4\x90\x80\x80";
  std::vector<uint32_t> cps = codepoints(bad);
  ASSERT_EQ(cps.size(), bad.size());
  for (size_t i = 0; i < bad.size(); ++i)
    EXPECT_EQ(cps[i], unicode::kInvalidByte + uint8_t(bad[i]));
  std::string mixed = "ok\xFF\xC3\xA9\xC3";
  std::string again;
  for (uint32_t cp : codepoints(mixed))
    unicode::appendUtf8(again, cp);
  EXPECT_EQ(again, mixed);
}

TEST(TokenizerUnicode, Categories) {
  for (uint32_t cp : {uint32_t('a'), uint32_t('Z'), 0xE9u, 0x416u, 0x4E2Du,
                      0x3042u, 0x1D518u})
    EXPECT_TRUE(unicode::isLetter(cp)) << std::hex << cp;
  for (uint32_t cp :
       {uint32_t('0'), uint32_t('9'), 0xBDu, 0x663u, 0xFF10u, 0x2160u})
    EXPECT_TRUE(unicode::isNumber(cp)) << std::hex << cp;
  for (uint32_t cp : {uint32_t(' '), uint32_t('_'), uint32_t('-'), 0x301u,
                      0x1F642u, unicode::kInvalidByte})
    EXPECT_FALSE(unicode::isLetter(cp) || unicode::isNumber(cp))
        << std::hex << cp;
  for (uint32_t cp : {uint32_t('\t'), uint32_t('\n'), uint32_t('\r'),
                      uint32_t(' '), 0x85u, 0xA0u, 0x2009u, 0x3000u})
    EXPECT_TRUE(unicode::isWhitespace(cp)) << std::hex << cp;
  for (uint32_t cp : {uint32_t('x'), 0x1Cu, 0x200Bu, 0xFEFFu})
    EXPECT_FALSE(unicode::isWhitespace(cp)) << std::hex << cp;
}

TEST(TokenizerUnicode, NfcMatchesPythonUnicodedata) {
  // Expected values from Python's unicodedata.normalize("NFC", ...).
  EXPECT_EQ(unicode::toNfc("plain ASCII, Latin-1 é"), "plain ASCII, Latin-1 é");
  EXPECT_EQ(unicode::toNfc("e\u0301"), "\u00E9");
  EXPECT_EQ(unicode::toNfc("\u1E0B\u0323"), "\u1E0D\u0307"); // reordering
  EXPECT_EQ(unicode::toNfc("a\u0323\u0302"), "\u1EAD");
  EXPECT_EQ(unicode::toNfc("a\u0302\u0323"), "\u1EAD");
  EXPECT_EQ(unicode::toNfc("\u212B"), "\u00C5");             // singleton
  EXPECT_EQ(unicode::toNfc("\u0958"), "\u0915\u093C");       // exclusion
  EXPECT_EQ(unicode::toNfc("\u1100\u1161\u11A8"), "\uAC01"); // Hangul LVT
  EXPECT_EQ(unicode::toNfc("\uAC00\u11A8"), "\uAC01");       // Hangul LV+T
  EXPECT_EQ(unicode::toNfc("A\u0301\u0316"), "\u00C1\u0316");
  EXPECT_EQ(unicode::toNfc("x\u0300\u0300"), "x\u0300\u0300");
  EXPECT_EQ(unicode::toNfc("\xFF"
                           "e\u0301\xC3"),
            "\xFF\u00E9\xC3");
}

TEST(TokenizerUnicode, GptByteMapIsABijection) {
  EXPECT_EQ(unicode::byteToChar('!'), uint32_t('!'));
  EXPECT_EQ(unicode::byteToChar(' '), 0x120u);  // 'Ġ'
  EXPECT_EQ(unicode::byteToChar('\n'), 0x10Au); // 'Ċ'
  EXPECT_EQ(unicode::byteToChar(0xAD), 0x143u);
  for (int b = 0; b < 256; ++b)
    EXPECT_EQ(unicode::charToByte(unicode::byteToChar(uint8_t(b))), b);
  EXPECT_EQ(unicode::charToByte(' '), -1);
  EXPECT_EQ(unicode::charToByte(0x144), -1);
}

std::vector<std::string> split(std::string_view text, SplitRegex regex) {
  std::vector<std::string_view> pieces;
  regexSplit(text, regex, pieces);
  return std::vector<std::string>(pieces.begin(), pieces.end());
}

using Pieces = std::vector<std::string>;

// Expected pieces from Python's `regex` module with the same patterns.
TEST(TokenizerRegexSplit, Contractions) {
  const char *text = "Hello world's HE'LL 1234567 x";
  EXPECT_EQ(
      split(text, SplitRegex::Gpt2),
      (Pieces{"Hello", " world", "'s", " HE", "'", "LL", " 1234567", " x"}));
  EXPECT_EQ(split(text, SplitRegex::Llama3),
            (Pieces{"Hello", " world", "'s", " HE", "'LL", " ", "123", "456",
                    "7", " x"}));
  EXPECT_EQ(split(text, SplitRegex::Qwen2),
            (Pieces{"Hello", " world", "'s", " HE", "'LL", " ", "1", "2", "3",
                    "4", "5", "6", "7", " x"}));
}

TEST(TokenizerRegexSplit, Whitespace) {
  const char *text =
      "  leading\tand  trailing  \n\n  code(x, y);\r\n\tdone!!\n";
  EXPECT_EQ(split(text, SplitRegex::Gpt2),
            (Pieces{" ", " leading", "\t", "and", " ", " trailing", "  \n\n ",
                    " code", "(", "x", ",", " y", ");", "\r\n", "\t", "done",
                    "!!", "\n"}));
  Pieces llama = {" ",      " leading", "\tand",  " ",   " trailing",
                  "  \n\n", " ",        " code",  "(x",  ",",
                  " y",     ");\r\n",   "\tdone", "!!\n"};
  EXPECT_EQ(split(text, SplitRegex::Llama3), llama);
  EXPECT_EQ(split(text, SplitRegex::Qwen2), llama);
  EXPECT_EQ(split("don'T  I'M\u00A0\u3000ok  ", SplitRegex::Gpt2),
            (Pieces{"don", "'", "T", " ", " I", "'", "M", "\u00A0", "\u3000",
                    "ok", "  "}));
  EXPECT_EQ(split("don'T  I'M\u00A0\u3000ok  ", SplitRegex::Llama3),
            (Pieces{"don", "'T", " ", " I", "'M", "\u00A0", "\u3000ok", "  "}));
}

TEST(TokenizerRegexSplit, UnicodeLettersAndNumbers) {
  const char *text = "naïve café ½ ١٢٣٤ 中文字符 🙂🙂 end";
  EXPECT_EQ(split(text, SplitRegex::Gpt2),
            (Pieces{"naïve", " café", " ½", " ١٢٣٤", " 中文字符", " 🙂🙂",
                    " end"}));
  EXPECT_EQ(split(text, SplitRegex::Llama3),
            (Pieces{"naïve", " café", " ", "½", " ", "١٢٣", "٤", " 中文字符",
                    " 🙂🙂", " end"}));
  // Invalid bytes are neither letters, numbers nor spaces.
  EXPECT_EQ(split("\xFF\xFEx\xFFy", SplitRegex::Llama3),
            (Pieces{"\xFF\xFE", "x", "\xFFy"}));
  EXPECT_TRUE(split("", SplitRegex::Llama3).empty());
}

TEST(TokenizerRegexSplit, RecognizesOnlyTheKnownPatterns) {
  EXPECT_EQ(
      recognizeSplitRegex(
          R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"),
      SplitRegex::Llama3);
  EXPECT_EQ(recognizeSplitRegex(R"(\p{N}+)"), std::nullopt);
}

} // namespace
