//===- FuzzTokenizerJson.cpp - fuzz tokenizer.json loading ----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Arbitrary bytes as tokenizer.json. What loads must encode and decode a
// fixed text into ids of its vocabulary; what fails must name the file.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view json(reinterpret_cast<const char *>(data), size);
  qf::Result<std::unique_ptr<qf::Tokenizer>> tokenizer =
      qf::Tokenizer::loadHuggingFaceFromStrings(json, "", "", "fuzz/");
  if (!tokenizer.ok()) {
    if (tokenizer.message().rfind("fuzz/tokenizer.json: ", 0) != 0)
      std::abort(); // every error names the file
    return 0;
  }
  static const std::string kText = "Hello, world's  <s>\t12345\n\n naïve café "
                                   "🙂 \xFF\xC3 ▁x <|endoftext|>";
  const qf::Tokenizer &t = **tokenizer;
  std::vector<int32_t> ids = t.encode(kText, /*addBos=*/true);
  for (int32_t id : ids) {
    if (id < 0 || id >= t.vocabSize())
      std::abort();
    (void)t.tokenToPiece(id);
  }
  (void)t.decode(ids);
  (void)t.decode({-1, t.vocabSize(), 0, 1});
  return 0;
}
