//===- HostEntryPoint.h - run a bound entry point on the host ----*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Calibration compiles instrumented entry points (the whole prefill, or one
// stage of the model) with the CPU backend and runs them through the
// runtime's CPU driver. This is the part both calibration flows share:
// reading what each argument of a bound entry point is, lowering and
// loading it, and the calibration windows of the user's text.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_CODEGEN_CALIBRATION_HOSTENTRYPOINT_H
#define QUANTFORGE_CODEGEN_CALIBRATION_HOSTENTRYPOINT_H

#include "codegen/Calibration/Calibration.h"
#include "dialects/llm/IR/LLMOps.h"
#include "runtime/driver/Device.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <memory>
#include <string>
#include <vector>

namespace quantforge::codegen {

/// An argument of a bound entry point after its (tokens, start, cache).
struct EntryArgument {
  enum class Kind { Hidden, Parameter, Statistic } kind;
  /// Parameter: where its value is stored.
  std::string archive, key;
  /// Statistic: what it accumulates ("hessian", ...) and for which weights.
  std::string statistic;
  std::vector<std::string> keys;
  /// Dynamic dimensions are -1 (the hidden state's token count).
  std::vector<int64_t> shape;
  mlir::Type elementType;
  uint64_t elementBytes() const;
  uint64_t elements() const;
};

/// The entry point of `kind` of a bound module (llm.abi_entry_point).
mlir::func::FuncOp findEntryPoint(mlir::ModuleOp bound, llm::EntryPointKind kind);

/// What the arguments after (tokens, start, cache) are; the hidden state is
/// the stage entry point's fourth argument.
mlir::FailureOr<std::vector<EntryArgument>>
describeArguments(mlir::func::FuncOp entry);

/// A bound module lowered by the CPU backend and loaded by the runtime's
/// CPU driver; `bound` is rewritten by the lowering.
class HostEntryPoint {
public:
  static mlir::FailureOr<std::unique_ptr<HostEntryPoint>>
  compile(mlir::ModuleOp bound, llm::EntryPointKind kind, qf::Device &device);

  /// Runs it: args as the packed ABI orders them (docs/artifact-and-abi.md).
  qf::Status run(const std::vector<qf::DispatchArg> &args);

private:
  HostEntryPoint(qf::Device &device, std::string symbol)
      : device(device), symbol(std::move(symbol)) {}
  qf::Device &device;
  std::string symbol;
  std::unique_ptr<qf::LoadedExecutable> executable;
};

/// `options.samples` windows of `options.seqLen` tokens of the text at
/// seeded random offsets (GPTQ's recipe), one after the other; checks they
/// fit a cache of `maxSeq` positions.
mlir::FailureOr<std::vector<int32_t>>
calibrationWindows(mlir::Location loc, const CalibrationOptions &options,
                   int64_t maxSeq);

} // namespace quantforge::codegen

#endif // QUANTFORGE_CODEGEN_CALIBRATION_HOSTENTRYPOINT_H
