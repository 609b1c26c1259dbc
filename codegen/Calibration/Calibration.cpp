//===- Calibration.cpp - statistics from running the model ----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "codegen/Calibration/Calibration.h"

#include "codegen/Calibration/HostEntryPoint.h"
#include "dialects/llm/IR/LLMOps.h"
#include "passes/Pipelines/Pipelines.h"
#include "passes/Quant/Passes.h"
#include "runtime/io/Safetensors.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <map>

using namespace mlir;
using namespace quantforge;
using namespace quantforge::codegen;

namespace {

/// Element size of a weight's stored type.
uint64_t elementBytes(Type type) { return type.getIntOrFloatBitWidth() / 8; }

} // namespace

LogicalResult codegen::calibrateHessians(ModuleOp original,
                                         const CalibrationOptions &options,
                                         const std::string &statisticsPath) {
  Location loc = original.getLoc();
  OwningOpRef<ModuleOp> module = original.clone();
  // Bind and instrument, keeping the bound signature: it says which buffer
  // each argument of the executable is.
  {
    PassManager pm(module->getContext());
    buildLLMBindPipeline(pm);
    LLMInstrumentLinearInputsOptions observe;
    observe.absMean = options.absMean;
    pm.addPass(createLLMInstrumentLinearInputs(observe));
    if (failed(pm.run(*module)))
      return failure();
  }
  func::FuncOp prefill = findEntryPoint(*module, llm::EntryPointKind::prefill);
  if (!prefill)
    return emitError(loc) << "calibration needs a prefill entry point";
  FailureOr<std::vector<EntryArgument>> arguments = describeArguments(prefill);
  if (failed(arguments))
    return failure();
  auto cache = cast<llm::KVCacheType>(prefill.getArgumentTypes()[2]);
  auto logitsType = cast<RankedTensorType>(prefill.getResultTypes()[0]);
  std::map<std::string, std::string> archivePaths;
  for (auto archive : module->getOps<llm::ParamArchiveOp>())
    archivePaths[archive.getSymName().str()] = archive.getPath().str();

  auto device = CalibrationDevice::create(loc, options);
  if (failed(device))
    return failure();
  auto compiled = (*device)->compile(*module, llm::EntryPointKind::prefill);
  if (failed(compiled))
    return failure();
  HostEntryPoint &entry = **compiled;

  std::map<std::string, std::unique_ptr<qf::io::SafetensorsFile>> files;
  std::vector<std::unique_ptr<qf::Buffer>> buffers;
  std::vector<qf::DispatchArg> args(3);
  auto allocate = [&](uint64_t bytes) -> qf::Buffer * {
    auto buffer = (*device)->allocate(bytes);
    if (failed(buffer) || failed((*device)->zero(**buffer)))
      return nullptr;
    buffers.push_back(std::move(*buffer));
    return buffers.back().get();
  };
  std::vector<int64_t> cacheShape = {cache.getLayers(), 2, cache.getKvHeads(),
                                     cache.getMaxSeq(), cache.getHeadDim()};
  uint64_t cacheBytes = elementBytes(cache.getElementType());
  for (int64_t d : cacheShape)
    cacheBytes *= uint64_t(d);
  qf::Buffer *cacheBuffer = allocate(cacheBytes);
  if (!cacheBuffer)
    return emitError(loc) << "cannot allocate the KV cache";
  args[2] = qf::DispatchArg::array(cacheBuffer, cacheShape,
                                   elementBytes(cache.getElementType()));
  std::vector<std::pair<qf::Buffer *, const EntryArgument *>> statistics;
  for (const EntryArgument &argument : *arguments) {
    if (argument.kind == EntryArgument::Kind::Statistic) {
      qf::Buffer *buffer = allocate(argument.elements() * 4);
      if (!buffer)
        return emitError(loc) << "cannot allocate calibration buffers";
      statistics.push_back({buffer, &argument});
      args.push_back(qf::DispatchArg::array(buffer, argument.shape, 4));
      continue;
    }
    std::string path = archivePaths[argument.archive];
    if (!files.count(path)) {
      auto file = qf::io::SafetensorsFile::open(path);
      if (!file.ok())
        return emitError(loc) << file.message()
                              << " (calibration reads safetensors checkpoints)";
      files[path] = std::make_unique<qf::io::SafetensorsFile>(file.take());
    }
    const qf::io::TensorInfo *info = files[path]->find(argument.key);
    if (!info)
      return emitError(loc) << path << ": no tensor '" << argument.key << "'";
    qf::io::ByteSpan bytes = files[path]->bytes(*info);
    auto imported = (*device)->device().importHost(bytes.data, bytes.size);
    if (!imported.ok())
      return emitError(loc) << imported.message();
    buffers.push_back(imported.take());
    args.push_back(qf::DispatchArg::array(buffers.back().get(), argument.shape,
                                          argument.elementBytes()));
  }
  FailureOr<std::vector<int32_t>> windows =
      calibrationWindows(loc, options, cache.getMaxSeq());
  if (failed(windows))
    return failure();
  int64_t vocab = logitsType.getDimSize(1);
  qf::Buffer *logits = allocate(uint64_t(options.seqLen * vocab) * 4);
  qf::Buffer *tokens = allocate(uint64_t(options.seqLen) * 4);
  if (!logits || !tokens)
    return emitError(loc) << "cannot allocate calibration buffers";
  args[0] = qf::DispatchArg::array(tokens, {options.seqLen}, 4);
  args[1] = qf::DispatchArg::scalar(0);
  args.push_back(qf::DispatchArg::array(logits, {options.seqLen, vocab}, 4));

  for (int64_t sample = 0; sample < options.samples; ++sample) {
    // Each window starts from an empty cache.
    if (failed((*device)->write(*tokens,
                                windows->data() + sample * options.seqLen,
                                options.seqLen * 4)) ||
        failed((*device)->zero(*cacheBuffer)))
      return failure();
    if (qf::Status status = entry.run(args); !status.ok())
      return emitError(loc) << status.message();
    if (options.progress)
      llvm::errs() << "\r[calibrate] sample " << sample + 1 << "/"
                   << options.samples;
  }
  if (options.progress)
    llvm::errs() << "\n";

  qf::io::SafetensorsWriter writer;
  for (auto [buffer, argument] : statistics) {
    // The GPTQ reference averages per sequence: H = 2/samples * sum of
    // x x^T; mean |x| is per token.
    bool hessian = argument->statistic == "hessian";
    float factor = hessian ? 2.0f / float(options.samples)
                           : 1.0f / float(options.samples * options.seqLen);
    uint64_t count = argument->elements();
    std::vector<uint8_t> bytes(count * 4);
    FailureOr<std::vector<float>> read = (*device)->readFloats(*buffer);
    if (failed(read))
      return failure();
    const float *sums = read->data();
    for (uint64_t i = 0; i < count; ++i) {
      float value = sums[i] * factor;
      std::memcpy(&bytes[i * 4], &value, 4);
    }
    for (const std::string &key : argument->keys)
      if (qf::Status status =
              writer.addTensor(key + (hessian ? ".hessian" : ".absmean"),
                               qf::io::DType::F32, argument->shape, bytes);
          !status.ok())
        return emitError(loc) << status.message();
  }
  if (qf::Status status = writer.write(statisticsPath); !status.ok())
    return emitError(loc) << status.message();
  return success();
}
