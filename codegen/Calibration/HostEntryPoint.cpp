//===- HostEntryPoint.cpp - run a bound entry point on the host -----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "codegen/Calibration/HostEntryPoint.h"

#include "codegen/Target/TargetBackend.h"
#include "runtime/io/GGUF.h"
#include "runtime/tokenizer/GGUFFileVocab.h"
#include "runtime/tokenizer/Tokenizer.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

using namespace mlir;
using namespace quantforge;
using namespace quantforge::codegen;

uint64_t EntryArgument::elementBytes() const {
  return elementType.getIntOrFloatBitWidth() / 8;
}

uint64_t EntryArgument::elements() const {
  uint64_t count = 1;
  for (int64_t d : shape)
    count *= uint64_t(std::max<int64_t>(d, 0));
  return count;
}

func::FuncOp codegen::findEntryPoint(ModuleOp bound, llm::EntryPointKind kind) {
  for (auto func : bound.getOps<func::FuncOp>())
    if (auto attr = func->getAttrOfType<llm::EntryPointKindAttr>(
            llm::LLMDialect::getABIEntryPointAttrName());
        attr && attr.getValue() == kind)
      return func;
  return {};
}

FailureOr<std::vector<EntryArgument>>
codegen::describeArguments(func::FuncOp entry) {
  std::vector<EntryArgument> arguments;
  for (unsigned i = 3; i < entry.getNumArguments(); ++i) {
    auto type = dyn_cast<RankedTensorType>(entry.getArgumentTypes()[i]);
    if (!type)
      return entry.emitError("calibration runs unquantized weights; argument ")
             << i << " is " << entry.getArgumentTypes()[i];
    EntryArgument argument{EntryArgument::Kind::Hidden, {}, {}, {}, {},
                           type.getShape().vec(),
                           type.getElementType()};
    for (int64_t &d : argument.shape)
      if (ShapedType::isDynamic(d))
        d = -1;
    if (auto binding = entry.getArgAttrOfType<DictionaryAttr>(
            i, llm::LLMDialect::getParameterAttrName())) {
      argument.kind = EntryArgument::Kind::Parameter;
      argument.archive =
          binding.getAs<FlatSymbolRefAttr>("archive").getValue().str();
      argument.key = binding.getAs<StringAttr>("key").str();
    } else if (auto stat =
                   entry.getArgAttrOfType<DictionaryAttr>(i, "llm.statistic")) {
      argument.kind = EntryArgument::Kind::Statistic;
      argument.statistic = stat.getAs<StringAttr>("kind").str();
      for (Attribute key : stat.getAs<ArrayAttr>("keys"))
        argument.keys.push_back(cast<StringAttr>(key).str());
    } else if (i != 3) {
      return entry.emitError("calibration cannot bind argument ") << i;
    }
    arguments.push_back(std::move(argument));
  }
  return arguments;
}

FailureOr<std::unique_ptr<CalibrationDevice>>
CalibrationDevice::create(Location loc, const CalibrationOptions &options) {
  std::unique_ptr<CalibrationDevice> result(new CalibrationDevice(loc));
  std::string option = "--calib-device=" + options.device;
  auto device = qf::createDevice(options.device, option);
  if (!device.ok())
    return emitError(loc) << device.message();
  result->device_ = device.take();
  // The target of the driver's name compiles for it: "cuda:1" -> "cuda".
  std::string targetName = options.device.substr(0, options.device.find(':'));
  result->target = lookupTargetBackend(targetName);
  if (!result->target)
    return emitError(loc) << option << ": no code generator for '"
                          << targetName << "'";
  if (!options.target.gpuArch.empty() || !options.target.gpuFormat.empty()) {
    std::string error;
    result->configured = result->target->configure(options.target, error);
    if (!result->configured)
      return emitError(loc) << option << ": " << error;
    result->target = result->configured.get();
  }
  return result;
}

FailureOr<std::unique_ptr<HostEntryPoint>>
CalibrationDevice::compile(ModuleOp bound, llm::EntryPointKind kind) {
  PassManager pm(bound.getContext());
  target->buildLoweringPipeline(pm);
  if (failed(pm.run(bound)))
    return failure();
  FailureOr<Executable> executable = target->serialize(bound);
  if (failed(executable))
    return failure();
  std::vector<std::string> runs = device_->targets();
  if (!llvm::is_contained(runs, executable->target)) {
    InFlightDiagnostic diag = emitError(loc)
                              << "calibration code compiled for '"
                              << executable->target << "', but device '"
                              << device_->name() << "' runs";
    for (const std::string &name : runs)
      diag << " '" << name << "'";
    return diag << " (see --gpu-arch)";
  }
  std::string symbol = "qf_" + llm::stringifyEntryPointKind(kind).str();
  std::unique_ptr<HostEntryPoint> entry(new HostEntryPoint(*device_, symbol));
  qf::ExecutableSource source{"calibration executable", executable->format,
                              executable->bytes.data(),
                              executable->bytes.size(), {symbol}};
  auto loaded = device_->loadExecutable(source);
  if (!loaded.ok())
    return emitError(loc) << loaded.message();
  entry->executable = loaded.take();
  return entry;
}

FailureOr<std::unique_ptr<qf::Buffer>>
CalibrationDevice::allocate(uint64_t bytes) {
  auto buffer = device_->allocate(bytes);
  if (!buffer.ok())
    return emitError(loc) << "cannot allocate calibration buffers on "
                          << device_->name() << ": " << buffer.message();
  return buffer.take();
}

LogicalResult CalibrationDevice::write(qf::Buffer &buffer, const void *data,
                                       uint64_t bytes) {
  if (qf::Status status = device_->write(buffer, 0, data, bytes); !status.ok())
    return emitError(loc) << status.message();
  return success();
}

LogicalResult CalibrationDevice::read(qf::Buffer &buffer, void *data,
                                      uint64_t bytes) {
  if (qf::Status status = device_->read(buffer, 0, data, bytes); !status.ok())
    return emitError(loc) << status.message();
  return success();
}

LogicalResult CalibrationDevice::zero(qf::Buffer &buffer) {
  if (zeros.size() < buffer.size())
    zeros.assign(buffer.size(), 0);
  return write(buffer, zeros.data(), buffer.size());
}

FailureOr<std::vector<float>> CalibrationDevice::readFloats(qf::Buffer &buffer) {
  std::vector<float> values(buffer.size() / 4);
  if (failed(read(buffer, values.data(), values.size() * 4)))
    return failure();
  return values;
}

qf::Status HostEntryPoint::run(const std::vector<qf::DispatchArg> &args) {
  return device.dispatch(*executable, symbol, args);
}

namespace {

/// The calibration text: a plain file, or the "text" fields of a JSONL file.
qf::Result<std::string> readText(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return qf::Status::error(path + ": cannot open file");
  std::stringstream contents;
  contents << in.rdbuf();
  if (!llvm::StringRef(path).ends_with(".jsonl"))
    return contents.str();
  std::string text, line;
  for (int number = 1; std::getline(contents, line); ++number) {
    if (line.empty())
      continue;
    nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object() ||
        !record.contains("text") || !record["text"].is_string())
      return qf::Status::error(path + ":" + std::to_string(number) +
                               ": expected an object with a \"text\" string");
    text += record["text"].get<std::string>() + "\n";
  }
  return text;
}

qf::Result<std::unique_ptr<qf::Tokenizer>>
loadTokenizer(const std::string &checkpoint) {
  if (llvm::StringRef(checkpoint).ends_with(".gguf")) {
    auto file = qf::io::GGUFFile::open(checkpoint);
    if (!file.ok())
      return file.status();
    return qf::loadGGUFTokenizer(*file);
  }
  if (llvm::sys::fs::exists(checkpoint + "/tokenizer.model"))
    return qf::Tokenizer::loadSentencePiece(checkpoint + "/tokenizer.model");
  return qf::Tokenizer::loadHuggingFace(checkpoint);
}

} // namespace

FailureOr<std::vector<int32_t>>
codegen::calibrationWindows(Location loc, const CalibrationOptions &options,
                            int64_t maxSeq) {
  if (options.samples < 1 || options.seqLen < 1)
    return emitError(loc) << "calibration needs at least one window of at "
                             "least one token";
  auto tokenizer = loadTokenizer(options.checkpoint);
  if (!tokenizer.ok())
    return emitError(loc) << tokenizer.message();
  auto text = readText(options.textPath);
  if (!text.ok())
    return emitError(loc) << text.message();
  std::vector<int32_t> ids = (*tokenizer)->encode(*text, /*addBos=*/false);
  if (int64_t(ids.size()) <= options.seqLen)
    return emitError(loc) << options.textPath << ": " << ids.size()
                          << " tokens, fewer than one window of "
                          << options.seqLen;
  if (options.seqLen > maxSeq)
    return emitError(loc) << "calibration windows of " << options.seqLen
                          << " tokens do not fit the cache of " << maxSeq;
  std::mt19937_64 rng(options.seed);
  std::uniform_int_distribution<int64_t> offset(0, int64_t(ids.size()) -
                                                       options.seqLen - 1);
  std::vector<int32_t> windows;
  windows.reserve(options.samples * options.seqLen);
  for (int64_t sample = 0; sample < options.samples; ++sample) {
    int64_t start = offset(rng);
    windows.insert(windows.end(), ids.begin() + start,
                   ids.begin() + start + options.seqLen);
  }
  return windows;
}
