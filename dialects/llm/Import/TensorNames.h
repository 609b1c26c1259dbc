//===- TensorNames.h - Hugging Face and GGUF tensor names --------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_DIALECTS_LLM_IMPORT_TENSORNAMES_H
#define QUANTFORGE_DIALECTS_LLM_IMPORT_TENSORNAMES_H

#include <optional>
#include <string>

namespace quantforge::llm {

/// The llama.cpp name of a Hugging Face tensor name
/// (`model.layers.3.mlp.up_proj.weight` -> `blk.3.ffn_up.weight`), or none
/// for names outside the decoder (rotary caches and the like).
std::optional<std::string> ggufTensorName(const std::string &hfName);

} // namespace quantforge::llm

#endif // QUANTFORGE_DIALECTS_LLM_IMPORT_TENSORNAMES_H
