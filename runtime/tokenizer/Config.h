//===- Config.h - files beside a tokenizer ----------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Reading the optional files that come with a tokenizer, shared by the
// SentencePiece and Hugging Face loaders.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_TOKENIZER_CONFIG_H
#define QUANTFORGE_RUNTIME_TOKENIZER_CONFIG_H

#include "runtime/support/Status.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qf::tokconfig {

/// The contents of `path`; nullopt when it does not exist; an error when it
/// exists but cannot be read.
Result<std::optional<std::string>> readFileIfExists(const std::string &path);

/// The special ids of a generation_config.json.
struct GenerationConfig {
  int32_t bosId = -1;
  /// `eos_token_id`, an int or a list.
  std::vector<int32_t> eosIds;
};

/// Parses generation_config.json text; errors do not name the file.
Result<GenerationConfig> parseGenerationConfig(std::string_view text);

} // namespace qf::tokconfig

#endif // QUANTFORGE_RUNTIME_TOKENIZER_CONFIG_H
