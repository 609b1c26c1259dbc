//===- GGUFFileVocab.h - the tokenizer.ggml.* keys of a GGUF file -*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_TOKENIZER_GGUFFILEVOCAB_H
#define QUANTFORGE_RUNTIME_TOKENIZER_GGUFFILEVOCAB_H

#include "runtime/io/GGUF.h"
#include "runtime/tokenizer/Tokenizer.h"

namespace qf {

/// Reads the embedded tokenizer of `file`; errors name the file and key.
Result<GGUFVocab> readGGUFVocab(const io::GGUFFile &file);

/// The tokenizer embedded in `file`.
Result<std::unique_ptr<Tokenizer>> loadGGUFTokenizer(const io::GGUFFile &file);

} // namespace qf

#endif // QUANTFORGE_RUNTIME_TOKENIZER_GGUFFILEVOCAB_H
