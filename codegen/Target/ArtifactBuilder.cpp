//===- ArtifactBuilder.cpp - pack a compiled model into a .qfa ------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "codegen/Target/ArtifactBuilder.h"

#include "dialects/llm/IR/LLMOps.h"
#include "runtime/artifact/ArtifactWriter.h"
#include "runtime/io/GGUF.h"
#include "runtime/io/Safetensors.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <map>

using namespace mlir;
using namespace quantforge;
using namespace quantforge::codegen;

namespace {

/// The runtime's name of an element type (the artifact's dtype strings).
std::string dtypeName(Type type) {
  std::string name;
  llvm::raw_string_ostream os(name);
  type.print(os);
  return name;
}

/// Maps archives (kept open for the lifetime of the writer, whose sections
/// are views into them) and finds tensors by archive symbol and key.
class ParameterSource {
public:
  LogicalResult open(ModuleOp module) {
    for (auto archive : module.getOps<llm::ParamArchiveOp>()) {
      std::string path = archive.getPath().str();
      if (archive.getFormat() == llm::ArchiveFormat::gguf) {
        auto file = qf::io::GGUFFile::open(path);
        if (!file.ok())
          return archive.emitError() << file.message();
        gguf[archive.getSymName().str()] =
            std::make_unique<qf::io::GGUFFile>(file.take());
      } else if (archive.getFormat() == llm::ArchiveFormat::safetensors) {
        auto file = qf::io::SafetensorsFile::open(path);
        if (!file.ok())
          return archive.emitError() << file.message();
        safetensors[archive.getSymName().str()] =
            std::make_unique<qf::io::SafetensorsFile>(file.take());
      } else {
        return archive.emitError("archive format is not packed yet");
      }
    }
    return success();
  }

  /// The bytes of `key` in `archive`; null data when absent.
  qf::io::ByteSpan bytes(const std::string &archive, const std::string &key) {
    if (auto it = safetensors.find(archive); it != safetensors.end())
      if (const qf::io::TensorInfo *info = it->second->find(key))
        return it->second->bytes(*info);
    if (auto it = gguf.find(archive); it != gguf.end())
      if (const qf::io::GGUFTensorInfo *info = it->second->find(key))
        return it->second->bytes(*info);
    return {};
  }

private:
  std::map<std::string, std::unique_ptr<qf::io::SafetensorsFile>> safetensors;
  std::map<std::string, std::unique_ptr<qf::io::GGUFFile>> gguf;
};

std::vector<uint8_t> readFile(const std::string &path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return {};
  return {(*buffer)->getBufferStart(), (*buffer)->getBufferEnd()};
}

/// Tokenizer files of a Hugging Face directory: SentencePiece when
/// tokenizer.model exists (exact for Llama 1/2 and Mistral), else
/// tokenizer.json.
LogicalResult addTokenizer(qf::ArtifactWriter &writer, Location loc,
                           const std::string &checkpoint) {
  if (llvm::StringRef(checkpoint).ends_with(".gguf")) {
    // The embedded vocabulary travels as a GGUF file of just its
    // tokenizer.* keys; the runtime reads it with the same GGUF reader.
    auto source = qf::io::GGUFFile::open(checkpoint);
    if (!source.ok())
      return emitError(loc) << source.message();
    qf::io::GGUFWriter vocabulary;
    for (const auto &[key, value] : source->metadata())
      if (llvm::StringRef(key).starts_with("tokenizer."))
        if (qf::Status status = vocabulary.setMetadata(key, value); !status.ok())
          return emitError(loc) << checkpoint << ": " << status.message();
    writer.setTokenizerKind("gguf");
    writer.addTokenizerFile("tokenizer.gguf", vocabulary.serialize());
    return success();
  }
  auto file = [&](const char *name) {
    llvm::SmallString<256> path(checkpoint);
    llvm::sys::path::append(path, name);
    return path.str().str();
  };
  bool sentencePiece = llvm::sys::fs::exists(file("tokenizer.model"));
  writer.setTokenizerKind(sentencePiece ? "sentencepiece" : "hf-json");
  std::vector<const char *> names = {"generation_config.json"};
  if (sentencePiece)
    names.push_back("tokenizer.model");
  else
    names.insert(names.end(), {"tokenizer.json", "tokenizer_config.json"});
  for (const char *name : names) {
    if (!llvm::sys::fs::exists(file(name)))
      continue;
    writer.addTokenizerFile(name, readFile(file(name)));
  }
  if (!sentencePiece && !llvm::sys::fs::exists(file("tokenizer.json")))
    return emitError(loc) << checkpoint
                          << ": no tokenizer.model or tokenizer.json";
  return success();
}

} // namespace

LogicalResult quantforge::codegen::writeArtifact(const ArtifactInputs &inputs,
                                                 const std::string &path) {
  ModuleOp module = inputs.boundModule;
  Location loc = module.getLoc();
  qf::ArtifactWriter writer;
  writer.setTarget(inputs.executable.target);
  writer.setConfig(inputs.config);
  if (failed(addTokenizer(writer, loc, inputs.checkpoint)))
    return failure();

  ParameterSource source;
  if (failed(source.open(module)))
    return failure();
  uint32_t executable = writer.addExecutable(
      inputs.executable.target, inputs.executable.format,
      writer.addSectionView(inputs.executable.bytes.data(),
                            inputs.executable.bytes.size()),
      inputs.executable.programmaticLaunch);

  // One parameter per distinct archive tensor, shared by the entry points.
  std::map<std::pair<std::string, std::string>, uint32_t> parameters;
  bool cacheSet = false;
  for (auto func : module.getOps<func::FuncOp>()) {
    auto kind = func->getAttrOfType<llm::EntryPointKindAttr>(
        llm::LLMDialect::getABIEntryPointAttrName());
    if (!kind)
      continue;
    qf::EntryPointInfo entry;
    entry.name = llm::stringifyEntryPointKind(kind.getValue()).str();
    entry.arguments = {{qf::ArgumentKind::Tokens},
                       {qf::ArgumentKind::StartPos}};
    // The cache lowers to the elements and scales of each storage group,
    // then the block table, in this order (convert-llm-to-linalg).
    auto cache = cast<llm::KVCacheType>(func.getArgumentTypes()[2]);
    SmallVector<llm::KVStorageGroup> groups = cache.getStorageGroups();
    for (auto [index, group] : llvm::enumerate(groups)) {
      entry.arguments.push_back(
          {qf::ArgumentKind::KvCache, 0, uint32_t(index)});
      if (group.storage.scaleType)
        entry.arguments.push_back(
            {qf::ArgumentKind::KvScales, 0, uint32_t(index)});
    }
    if (cache.isPaged())
      entry.arguments.push_back({qf::ArgumentKind::KvBlockTable});
    if (!cacheSet) {
      qf::KvCacheInfo info;
      info.layers = cache.getLayers();
      info.kvHeads = cache.getKvHeads();
      info.capacity = cache.getMaxSeq();
      info.headDim = cache.getHeadDim();
      for (const llm::KVStorageGroup &group : groups) {
        qf::KvGroupInfo groupInfo;
        groupInfo.dtype = dtypeName(group.storage.elementType);
        if (group.storage.scaleType)
          groupInfo.scaleDtype = dtypeName(group.storage.scaleType);
        groupInfo.layers.assign(group.layers.begin(), group.layers.end());
        info.groups.push_back(std::move(groupInfo));
      }
      info.blockSize = cache.getBlockSize();
      writer.setKvCache(std::move(info));
      cacheSet = true;
    }
    for (unsigned i = 3; i < func.getNumArguments(); ++i) {
      auto binding = func.getArgAttrOfType<DictionaryAttr>(
          i, llm::LLMDialect::getParameterAttrName());
      if (!binding)
        return func.emitError("argument ") << i << " is not a bound parameter";
      std::string archive =
          binding.getAs<FlatSymbolRefAttr>("archive").getValue().str();
      std::string key = binding.getAs<StringAttr>("key").str();
      // A quantized weight is passed as its canonical parts, each stored
      // under "<key>.<part>".
      SmallVector<std::pair<std::string, RankedTensorType>> tensors;
      Type type = func.getArgumentTypes()[i];
      if (auto qtype = dyn_cast<llm::QWeightType>(type))
        for (auto [part, partType] : qtype.getCanonicalParts())
          tensors.push_back({key + "." + part.str(), partType});
      else
        tensors.push_back({key, cast<RankedTensorType>(type)});
      for (auto &[name, tensorType] : tensors) {
        auto [it, inserted] = parameters.try_emplace({archive, name}, 0);
        if (inserted) {
          qf::io::ByteSpan bytes = source.bytes(archive, name);
          if (!bytes.data)
            return func.emitError("parameter '")
                   << name << "' is not in archive @" << archive;
          it->second = writer.addParameter(
              name, dtypeName(tensorType.getElementType()),
              std::vector<int64_t>(tensorType.getShape().begin(),
                                   tensorType.getShape().end()),
              writer.addSectionView(bytes.data, bytes.size));
        }
        entry.arguments.push_back({qf::ArgumentKind::Parameter, it->second});
      }
    }
    entry.arguments.push_back({qf::ArgumentKind::Logits});
    entry.dispatches.push_back({executable, "qf_" + entry.name});
    writer.addEntryPoint(std::move(entry));
  }
  qf::Status status = writer.write(path);
  if (!status.ok())
    return emitError(loc) << status.message();
  return success();
}
