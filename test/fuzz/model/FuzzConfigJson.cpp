//===- FuzzConfigJson.cpp - fuzz config.json parsing ----------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/model/ModelConfig.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  qf::Result<qf::ModelConfig> config = qf::ModelConfig::parse(text, "fuzz.json");
  // Whatever parses must satisfy the invariants the importer relies on.
  if (config.ok()) {
    const qf::ModelConfig &c = *config;
    if (c.numHeads % c.numKvHeads != 0 || c.headDim % 2 != 0 ||
        c.hiddenSize <= 0 || c.vocabSize <= 0 || c.numLayers <= 0)
      std::abort();
  } else if (config.message().rfind("fuzz.json: ", 0) != 0) {
    std::abort(); // every error names the file
  }
  return 0;
}
