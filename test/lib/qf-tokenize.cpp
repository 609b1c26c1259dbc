//===- qf-tokenize.cpp - test tool: encode a text file --------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
//   qf-tokenize (hf DIR | sp FILE.model | gguf FILE.gguf) TEXT OUT.bin
//
// Encodes TEXT as one string without BOS and writes the ids as
// little-endian int32 to OUT.bin (the form reference.json hashes), then
// checks decode(encode(text)) == text. Test-only.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/GGUFFileVocab.h"

#include <fstream>
#include <iostream>
#include <sstream>

int main(int argc, char **argv) {
  if (argc != 5) {
    std::cerr << "usage: qf-tokenize (hf|sp|gguf) SOURCE TEXT OUT.bin\n";
    return 2;
  }
  std::string kind = argv[1], source = argv[2];
  qf::Result<std::unique_ptr<qf::Tokenizer>> tokenizer =
      qf::Status::error("unknown tokenizer kind '" + kind + "'");
  if (kind == "hf")
    tokenizer = qf::Tokenizer::loadHuggingFace(source);
  else if (kind == "sp")
    tokenizer = qf::Tokenizer::loadSentencePiece(source);
  else if (kind == "gguf") {
    auto file = qf::io::GGUFFile::open(source);
    tokenizer = file.ok() ? qf::loadGGUFTokenizer(*file)
                          : qf::Result<std::unique_ptr<qf::Tokenizer>>(file.status());
  }
  if (!tokenizer.ok()) {
    std::cerr << "qf-tokenize: " << tokenizer.message() << "\n";
    return 1;
  }
  std::ifstream in(argv[3], std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::vector<int32_t> ids = (*tokenizer)->encode(text.str(), /*addBos=*/false);
  std::ofstream out(argv[4], std::ios::binary);
  for (int32_t id : ids) {
    char bytes[4] = {char(id & 0xFF), char((id >> 8) & 0xFF),
                     char((id >> 16) & 0xFF), char((id >> 24) & 0xFF)};
    out.write(bytes, 4);
  }
  bool roundTrip = (*tokenizer)->decode(ids) == text.str();
  std::cout << ids.size() << " tokens, decode " << (roundTrip ? "exact" : "DIFFERS")
            << "\n";
  return roundTrip ? 0 : 1;
}
