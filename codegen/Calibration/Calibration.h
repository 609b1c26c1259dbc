//===- Calibration.h - statistics from running the model ---------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Calibration runs our own compiled code: the model, instrumented by
// llm-instrument-linear-inputs, is compiled for the calibration device (the
// host CPU by default, or a GPU through the same target as --target=cuda)
// and executed through the runtime's driver for it on windows of the user's
// text; the statistics buffers it fills are written to a file the
// quantization passes read.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_CODEGEN_CALIBRATION_CALIBRATION_H
#define QUANTFORGE_CODEGEN_CALIBRATION_CALIBRATION_H

#include "codegen/Target/TargetBackend.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace quantforge::codegen {

struct CalibrationOptions {
  /// UTF-8 text, tokenized whole without BOS (a .jsonl file contributes the
  /// "text" field of each line).
  std::string textPath;
  /// Where the tokenizer comes from: a Hugging Face directory or a .gguf.
  std::string checkpoint;
  /// Windows of `seqLen` tokens drawn at random positions (GPTQ's recipe).
  int64_t samples = 128;
  int64_t seqLen = 512;
  uint64_t seed = 0;
  bool progress = true;
  /// Also record mean |x| per input channel (AWQ's scales).
  bool absMean = false;
  /// Where the instrumented code runs: a runtime device as quant-run's
  /// --device spells it ("cpu", "cuda:0"), compiled by the target of the
  /// same name.
  std::string device = "cpu";
  /// That target's settings (--gpu-arch, --gpu-format); empty: defaults.
  TargetOptions target;
  /// Block-sequential calibration also writes the statistics each weight
  /// was quantized with here, in calibrateHessians' format; empty: not.
  std::string statisticsOutput;
};

/// Writes, for every decoder linear of `module` (an llm module before
/// binding; it is not modified), `<weight key>.hessian` = 2/samples * sum of
/// x x^T over the calibration tokens (F32, [in, in]) and, with
/// `options.absMean`, `<weight key>.absmean` = mean |x| per input channel
/// (F32, [in]) to `statisticsPath`.
mlir::LogicalResult calibrateHessians(mlir::ModuleOp module,
                                      const CalibrationOptions &options,
                                      const std::string &statisticsPath);

} // namespace quantforge::codegen

#endif // QUANTFORGE_CODEGEN_CALIBRATION_CALIBRATION_H
