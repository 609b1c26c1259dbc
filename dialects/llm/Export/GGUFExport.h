//===- GGUFExport.h - write models as llama.cpp GGUF files -------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_DIALECTS_LLM_EXPORT_GGUFEXPORT_H
#define QUANTFORGE_DIALECTS_LLM_EXPORT_GGUFEXPORT_H

#include "runtime/support/Status.h"

#include <string>

namespace quantforge::llm {

enum class GGUFExportType { F16, Q8_0, Q4_0 };

struct GGUFExportReport {
  int tensors = 0;
  /// Matrices whose width is not a multiple of the block size and were
  /// written as F16 instead (llama.cpp does the same).
  int fallbacks = 0;
};

/// Writes the model at `source` (a Hugging Face directory with a
/// SentencePiece tokenizer.model, a .gguf file, or an .mlir module imported
/// from such a directory and possibly quantized by our passes, whose
/// quantized weights are decoded and re-encoded) to `destination` as GGUF
/// v3 with the metadata keys llama.cpp reads. Norms and other vectors stay
/// F32; matrices become `type`. Llama q/k rows are permuted to llama.cpp's
/// interleaved rotary layout. A GGUF source keeps its metadata, and tensors
/// already of the target type are copied byte for byte, so exporting an
/// exported file again reproduces it exactly.
qf::Result<GGUFExportReport> exportGGUF(const std::string &source,
                                        const std::string &destination,
                                        GGUFExportType type);

} // namespace quantforge::llm

#endif // QUANTFORGE_DIALECTS_LLM_EXPORT_GGUFEXPORT_H
