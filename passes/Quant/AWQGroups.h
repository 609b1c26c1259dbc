//===- AWQGroups.h - which linears share AWQ scales, and their folds -*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// AWQ gives the linears that read one input one set of per-channel scales
// and folds their inverse into the op that produced the input. Which groups
// exist and where their scales fold is a property of the module, shared by
// llm-quantize-awq (all statistics from the float model) and the
// block-sequential driver (statistics per layer, codegen/Calibration).
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_PASSES_QUANT_AWQGROUPS_H
#define QUANTFORGE_PASSES_QUANT_AWQGROUPS_H

#include "dialects/llm/IR/LLMOps.h"
#include "passes/Quant/Report.h"
#include "runtime/quant/AWQ.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <string>
#include <vector>

namespace quantforge {

/// Where the input of a group comes from, if the scales fold into it
/// exactly.
enum class AWQProducer { None, Norm, Linear };

/// The linears that read one input; identical groups in several functions
/// are one.
struct AWQGroup {
  llvm::SmallVector<std::string> keys;
  AWQProducer producer = AWQProducer::None;
  /// The RMSNorm weight or the producing linear's weight.
  std::string producerKey;
  /// Why the scales stay 1 (AWQProducer::None).
  std::string why;
  /// The RMSNorm weight operands to rewrite.
  llvm::SmallVector<mlir::OpOperand *> normUses;
  /// Where diagnostics about the group go.
  mlir::Operation *anchor = nullptr;
};

struct AWQGroups {
  std::vector<AWQGroup> groups;
  /// Each quantized weight's group.
  llvm::StringMap<unsigned> groupOf;
  /// Keys whose linears feed attention scores: llm-awq leaves them unclipped.
  llvm::StringSet<> noClip;
};

/// Finds the groups of decoder linears that share an input and the exact
/// folds of their scales: q/k/v and gate/up into their RMSNorm, down into
/// the rows of swiglu's `up`, o into the rows of `v` when every query head
/// has its own KV head and the cache holds floats. A weight read in two
/// different groups, or a producer that would fold two groups, keeps scales
/// of 1.
AWQGroups analyzeAWQGroups(mlir::ModuleOp module);

/// A group's scales, as the search chose them.
struct AWQGroupScales {
  std::vector<float> scales; ///< empty: all 1 (no fold)
  float alpha = 0.0f;
  double seconds = 0.0;
};

/// Searches the scales of `group` (its weights in key order, `cols` input
/// channels, the input's mean |x| and Hessian), timed; with `progress`,
/// prints `[awq scales INDEX/COUNT] KEYS alpha A output error E (alpha 0:
/// E0)`.
qf::Result<AWQGroupScales>
searchAWQGroupScales(const AWQGroup &group,
                     const std::vector<std::vector<float>> &weights,
                     int64_t cols, const std::vector<float> &absMean,
                     const std::vector<double> &hessian,
                     const qf::quant::AWQOptions &options, int index, int count,
                     bool progress);

/// Fills a weight's alpha and fold (or why its scales stay 1) and adds its
/// share of the group's search time.
void describeAWQGroup(const AWQGroup &group, const AWQGroupScales &scales,
                      LinearReport &entry);

} // namespace quantforge

#endif // QUANTFORGE_PASSES_QUANT_AWQGROUPS_H
