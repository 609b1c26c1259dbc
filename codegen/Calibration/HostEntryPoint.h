//===- HostEntryPoint.h - run a bound entry point on the host ----*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Calibration compiles instrumented entry points (the whole prefill, or one
// stage of the model) for the calibration device and runs them through the
// runtime's driver for it. This is the part both calibration flows share:
// reading what each argument of a bound entry point is, where entry points
// run (CalibrationDevice: the CPU, or a GPU whose buffers the host reaches
// only by copies), lowering and loading them, and the calibration windows of
// the user's text. Either way an entry point is host code (docs/cuda.md).
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_CODEGEN_CALIBRATION_HOSTENTRYPOINT_H
#define QUANTFORGE_CODEGEN_CALIBRATION_HOSTENTRYPOINT_H

#include "codegen/Calibration/Calibration.h"
#include "codegen/Target/TargetBackend.h"
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

class HostEntryPoint;

/// Where calibration runs: a runtime device (CalibrationOptions::device) and
/// the target that compiles for it. Buffers are that device's memory, so the
/// drivers copy through write/read/zero rather than Buffer::data(), and only
/// windows, hidden states and the accumulated statistics cross.
class CalibrationDevice {
public:
  /// Opens the device; a missing driver is an error naming the option
  /// ("--calib-device=cuda:0: no CUDA driver (...)").
  static mlir::FailureOr<std::unique_ptr<CalibrationDevice>>
  create(mlir::Location loc, const CalibrationOptions &options);

  qf::Device &device() { return *device_; }
  /// "cpu", "cuda:0": for progress lines.
  std::string name() const { return device_->name(); }

  /// Lowers `bound` (rewritten) with the target and loads it.
  mlir::FailureOr<std::unique_ptr<HostEntryPoint>>
  compile(mlir::ModuleOp bound, llm::EntryPointKind kind);

  /// A buffer of `bytes` (contents undefined: GPU drivers may poison it).
  mlir::FailureOr<std::unique_ptr<qf::Buffer>> allocate(uint64_t bytes);
  mlir::LogicalResult write(qf::Buffer &buffer, const void *data,
                            uint64_t bytes);
  mlir::LogicalResult read(qf::Buffer &buffer, void *data, uint64_t bytes);
  mlir::LogicalResult zero(qf::Buffer &buffer);
  /// The whole buffer as float32 values.
  mlir::FailureOr<std::vector<float>> readFloats(qf::Buffer &buffer);

private:
  CalibrationDevice(mlir::Location loc) : loc(loc) {}
  mlir::Location loc;
  std::unique_ptr<qf::Device> device_;
  std::unique_ptr<TargetBackend> configured;
  const TargetBackend *target = nullptr;
  std::vector<uint8_t> zeros;
};

/// A bound module lowered by the calibration device's target and loaded by
/// its driver.
class HostEntryPoint {
public:

  /// Runs it: args as the packed ABI orders them (docs/artifact-and-abi.md).
  qf::Status run(const std::vector<qf::DispatchArg> &args);

private:
  friend class CalibrationDevice;
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
