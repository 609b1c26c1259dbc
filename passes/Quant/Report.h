//===- Report.h - the per-layer quantization report ---------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// One report for every method (RTN, GPTQ, AWQ) and calibration order: a
// JSON file and a self-contained HTML page with a plot, written by the
// passes' `report` option and by quant-compile --report.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_PASSES_QUANT_REPORT_H
#define QUANTFORGE_PASSES_QUANT_REPORT_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace quantforge {

/// One quantized weight.
struct LinearReport {
  std::string key, method;
  /// The decoder layer the key names (model.layers.N, blk.N).
  int64_t layer = 0;
  unsigned bits = 0;
  int64_t groupSize = 0, rows = 0, cols = 0;
  /// ||W' - W|| / ||W|| (Frobenius), of what the model computes.
  std::optional<double> relativeError;
  /// trace(dW H dW^T) on the calibration inputs the weight saw, with
  /// round-to-nearest (before) and with the method (after); unset without
  /// calibration (RTN).
  std::optional<double> errorBefore, errorAfter;
  double seconds = 0;
  /// AWQ: the group's alpha and the producer its scales fold into (or why
  /// they stay 1: `unscaled`); the mean kept fraction of the groups' max
  /// |w| when clipped.
  std::optional<double> alpha, clip;
  std::string fold, unscaled;
  /// Act-order: what llm-fold-act-order did with the weight's g_idx (the
  /// `qf.g_idx_fold` attribute it leaves on the linear); a gather kept
  /// is the one left in the hot loop.
  std::string actOrderFold;
};

/// What the numbers came from.
struct QuantizationReport {
  std::string model;
  std::string method;
  unsigned bits = 4;
  int64_t groupSize = 128;
  bool symmetric = false;
  std::string scaleType = "f32";
  /// "block-sequential" (each layer calibrated on the quantized layers'
  /// outputs), "parallel" (the float model's statistics) or "none" (RTN).
  std::string order = "none";
  /// The calibration text and windows, when known (quant-compile), or the
  /// statistics file the pass read.
  std::string text, statistics;
  int64_t samples = 0, seqLen = 0;
  uint64_t seed = 0;
  /// The method's knobs (AWQ's grid, GPTQ's damping, ...).
  std::vector<std::pair<std::string, double>> settings;
  std::vector<LinearReport> linears;
};

/// The decoder layer of a weight key, -1 if it names none.
int64_t decoderLayerOf(llvm::StringRef key);

/// One weight's progress line: `[METHOD INDEX/TOTAL] KEY [ROWS x COLS]`,
/// AWQ's `alpha A clip C`, `rel. error R`, the output errors when known
/// (`error E (rtn E')`) and the time.
std::string progressLine(const LinearReport &entry, int index, int total);

/// Writes `path`.json (the settings and one object per weight in
/// quantization order) and `path`.html (a self-contained page: an inline
/// SVG plot of the errors per weight and the same table); a trailing
/// ".json" of `path` is dropped. Returns "" or the error.
std::string writeQuantizationReport(std::string path,
                                    const QuantizationReport &report);

} // namespace quantforge

#endif // QUANTFORGE_PASSES_QUANT_REPORT_H
