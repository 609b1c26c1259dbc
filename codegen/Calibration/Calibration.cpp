//===- Calibration.cpp - statistics from running the model ----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "codegen/Calibration/Calibration.h"

#include "codegen/Target/TargetBackend.h"
#include "dialects/llm/IR/LLMOps.h"
#include "passes/Pipelines/Pipelines.h"
#include "passes/Quant/Passes.h"
#include "runtime/driver/cpu/CpuDevice.h"
#include "runtime/io/GGUF.h"
#include "runtime/io/Safetensors.h"
#include "runtime/tokenizer/GGUFFileVocab.h"
#include "runtime/tokenizer/Tokenizer.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

using namespace mlir;
using namespace quantforge;
using namespace quantforge::codegen;

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
  func::FuncOp prefill;
  for (auto func : module->getOps<func::FuncOp>())
    if (auto kind = func->getAttrOfType<llm::EntryPointKindAttr>(
            llm::LLMDialect::getABIEntryPointAttrName());
        kind && kind.getValue() == llm::EntryPointKind::prefill)
      prefill = func;
  if (!prefill)
    return emitError(loc) << "calibration needs a prefill entry point";
  struct Argument {
    enum { Parameter, Statistic } kind;
    std::string archive, key;
    std::vector<std::string> keys;
    RankedTensorType type;
    std::string statistic; ///< "hessian" or "abs-mean"
  };
  std::vector<Argument> arguments;
  for (unsigned i = 3; i < prefill.getNumArguments(); ++i) {
    auto type = dyn_cast<RankedTensorType>(prefill.getArgumentTypes()[i]);
    if (!type)
      return prefill.emitError("calibration runs the unquantized model; "
                               "argument ")
             << i << " is quantized";
    if (auto binding = prefill.getArgAttrOfType<DictionaryAttr>(
            i, llm::LLMDialect::getParameterAttrName())) {
      arguments.push_back(
          {Argument::Parameter,
           binding.getAs<FlatSymbolRefAttr>("archive").getValue().str(),
           binding.getAs<StringAttr>("key").str(), {}, type, ""});
    } else {
      auto stat = prefill.getArgAttrOfType<DictionaryAttr>(i, "llm.statistic");
      Argument argument{Argument::Statistic, "", "", {}, type,
                        stat.getAs<StringAttr>("kind").str()};
      for (Attribute key : stat.getAs<ArrayAttr>("keys"))
        argument.keys.push_back(cast<StringAttr>(key).str());
      arguments.push_back(argument);
    }
  }
  auto cache = cast<llm::KVCacheType>(prefill.getArgumentTypes()[2]);
  auto logitsType = cast<RankedTensorType>(prefill.getResultTypes()[0]);
  std::map<std::string, std::string> archivePaths;
  for (auto archive : module->getOps<llm::ParamArchiveOp>())
    archivePaths[archive.getSymName().str()] = archive.getPath().str();

  const TargetBackend *cpu = lookupTargetBackend("cpu");
  if (!cpu)
    return emitError(loc) << "calibration needs the cpu target";
  {
    PassManager pm(module->getContext());
    cpu->buildLoweringPipeline(pm);
    if (failed(pm.run(*module)))
      return failure();
  }
  FailureOr<Executable> executable = cpu->serialize(*module);
  if (failed(executable))
    return failure();

  // The runtime's CPU driver runs it.
  std::unique_ptr<qf::Device> device = qf::createCpuDevice();
  qf::ExecutableSource source{"calibration executable", executable->format,
                              executable->bytes.data(), executable->bytes.size(),
                              {"qf_prefill"}};
  auto loaded = device->loadExecutable(source);
  if (!loaded.ok())
    return emitError(loc) << loaded.message();

  std::map<std::string, std::unique_ptr<qf::io::SafetensorsFile>> files;
  std::vector<std::unique_ptr<qf::Buffer>> buffers;
  std::vector<qf::DispatchArg> args(3);
  auto allocate = [&](uint64_t bytes) -> qf::Buffer * {
    auto buffer = device->allocate(bytes);
    if (!buffer.ok())
      return nullptr;
    std::memset((*buffer)->data(), 0, bytes);
    buffers.push_back(buffer.take());
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
  std::vector<std::pair<qf::Buffer *, const Argument *>> statistics;
  for (const Argument &argument : arguments) {
    std::vector<int64_t> shape(argument.type.getShape().begin(),
                               argument.type.getShape().end());
    uint64_t element = elementBytes(argument.type.getElementType());
    if (argument.kind == Argument::Statistic) {
      qf::Buffer *buffer = allocate(uint64_t(argument.type.getNumElements()) * 4);
      statistics.push_back({buffer, &argument});
      args.push_back(qf::DispatchArg::array(buffer, shape, 4));
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
    auto imported = device->importHost(bytes.data, bytes.size);
    if (!imported.ok())
      return emitError(loc) << imported.message();
    buffers.push_back(imported.take());
    args.push_back(qf::DispatchArg::array(buffers.back().get(), shape, element));
  }
  int64_t vocab = logitsType.getDimSize(1);
  qf::Buffer *logits = allocate(uint64_t(options.seqLen * vocab) * 4);
  qf::Buffer *tokens = allocate(uint64_t(options.seqLen) * 4);
  if (!logits || !tokens)
    return emitError(loc) << "cannot allocate calibration buffers";
  args[0] = qf::DispatchArg::array(tokens, {options.seqLen}, 4);
  args[1] = qf::DispatchArg::scalar(0);
  args.push_back(qf::DispatchArg::array(logits, {options.seqLen, vocab}, 4));

  // GPTQ's recipe: windows of seqLen tokens at random offsets of the text.
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
  if (options.seqLen > cache.getMaxSeq())
    return emitError(loc) << "calibration windows of " << options.seqLen
                          << " tokens do not fit the cache of "
                          << cache.getMaxSeq();
  std::mt19937_64 rng(options.seed);
  std::uniform_int_distribution<int64_t> offset(0, int64_t(ids.size()) -
                                                       options.seqLen - 1);
  for (int64_t sample = 0; sample < options.samples; ++sample) {
    int64_t start = offset(rng);
    std::memcpy(tokens->data(), ids.data() + start, options.seqLen * 4);
    // Each window starts from an empty cache.
    std::memset(cacheBuffer->data(), 0, cacheBuffer->size());
    if (qf::Status status = device->dispatch(**loaded, "qf_prefill", args);
        !status.ok())
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
    int64_t count = argument->type.getNumElements();
    std::vector<uint8_t> bytes(uint64_t(count) * 4);
    const float *sums = static_cast<const float *>(buffer->data());
    for (int64_t i = 0; i < count; ++i) {
      float value = sums[i] * factor;
      std::memcpy(&bytes[i * 4], &value, 4);
    }
    std::vector<int64_t> shape(argument->type.getShape().begin(),
                               argument->type.getShape().end());
    for (const std::string &key : argument->keys)
      if (qf::Status status =
              writer.addTensor(key + (hessian ? ".hessian" : ".absmean"),
                               qf::io::DType::F32, shape, bytes);
          !status.ok())
        return emitError(loc) << status.message();
  }
  if (qf::Status status = writer.write(statisticsPath); !status.ok())
    return emitError(loc) << status.message();
  return success();
}
