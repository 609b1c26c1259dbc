//===- WeightArchives.cpp - read weights named by llm.weight --------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Quant/WeightArchives.h"

#include "runtime/io/GGMLQuants.h"
#include "runtime/io/GGUF.h"
#include "runtime/io/Safetensors.h"

using namespace quantforge;

WeightArchives::WeightArchives(mlir::ModuleOp module) {
  for (auto archive : module.getOps<llm::ParamArchiveOp>())
    archives[archive.getSymName().str()] = archive;
}

WeightArchives::~WeightArchives() = default;

qf::Result<std::vector<float>> WeightArchives::readFloats(llm::WeightOp weight) {
  std::string symbol = weight.getArchive().str(), key = weight.getKey().str();
  auto it = archives.find(symbol);
  if (it == archives.end())
    return qf::Status::error("no archive @" + symbol);
  llm::ParamArchiveOp archive = it->second;
  std::string path = archive.getPath().str();
  qf::io::DType dtype;
  qf::io::ByteSpan bytes;
  uint64_t count;
  if (archive.getFormat() == llm::ArchiveFormat::gguf) {
    if (!gguf.count(symbol)) {
      auto file = qf::io::GGUFFile::open(path);
      if (!file.ok())
        return file.status();
      gguf[symbol] = std::make_unique<qf::io::GGUFFile>(file.take());
    }
    const qf::io::GGUFTensorInfo *info = gguf[symbol]->find(key);
    if (!info)
      return qf::Status::error(path + ": no tensor '" + key + "'");
    dtype = info->dtype, bytes = gguf[symbol]->bytes(*info);
    auto n = qf::io::numElements(info->shape());
    if (!n.ok())
      return n.status();
    count = *n;
  } else {
    if (!safetensors.count(symbol)) {
      auto file = qf::io::SafetensorsFile::open(path);
      if (!file.ok())
        return file.status();
      safetensors[symbol] = std::make_unique<qf::io::SafetensorsFile>(file.take());
    }
    const qf::io::TensorInfo *info = safetensors[symbol]->find(key);
    if (!info)
      return qf::Status::error(path + ": no tensor '" + key + "'");
    dtype = info->dtype, bytes = safetensors[symbol]->bytes(*info);
    auto n = qf::io::numElements(info->shape);
    if (!n.ok())
      return n.status();
    count = *n;
  }
  std::vector<float> values(count);
  qf::Status status = qf::io::dequantize(dtype, bytes, values.data(), count);
  if (!status.ok())
    return qf::Status::error(path + ": tensor '" + key + "': " + status.message());
  return values;
}
