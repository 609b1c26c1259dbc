//===- ArtifactTokenizer.h - the tokenizer in an artifact -------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Artifacts carry their tokenizer's files. Hugging Face files are parsed from
// memory; a SentencePiece model is written to a private temporary directory
// (the SentencePiece loader reads a path), loaded, and removed.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_SESSION_ARTIFACTTOKENIZER_H
#define QUANTFORGE_RUNTIME_SESSION_ARTIFACTTOKENIZER_H

#include "runtime/artifact/Artifact.h"
#include "runtime/tokenizer/Tokenizer.h"

namespace qf {

/// The tokenizer of `artifact`; an error naming the artifact if it has none
/// or its files do not load.
Result<std::unique_ptr<Tokenizer>>
loadArtifactTokenizer(const Artifact &artifact);

} // namespace qf

#endif // QUANTFORGE_RUNTIME_SESSION_ARTIFACTTOKENIZER_H
