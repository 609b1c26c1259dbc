//===- WeightArchives.cpp - read weights named by llm.weight --------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Quant/WeightArchives.h"

#include "runtime/io/GGMLQuants.h"
#include "runtime/io/GGUF.h"
#include "runtime/io/Safetensors.h"
#include "runtime/quant/PackedWeights.h"

using namespace quantforge;

WeightArchives::WeightArchives(mlir::ModuleOp module) {
  for (auto archive : module.getOps<llm::ParamArchiveOp>())
    archives[archive.getSymName().str()] = archive;
}

WeightArchives::~WeightArchives() = default;

qf::Result<std::vector<float>> WeightArchives::readFloats(llm::WeightOp weight) {
  if (auto qtype = dyn_cast<llm::QWeightType>(weight.getType()))
    return readQuantized(weight, qtype);
  return readTensor(weight.getArchive().str(), weight.getKey().str());
}

qf::Result<std::vector<float>>
WeightArchives::readQuantized(llm::WeightOp weight, llm::QWeightType type) {
  if (type.getPacking() != llm::WeightPacking::canonical)
    return qf::Status::error(
        "decoding '" + llm::stringifyWeightPacking(type.getPacking()).str() +
        "' weights is not supported here; only the canonical layout");
  std::string symbol = weight.getArchive().str(), key = weight.getKey().str();
  auto bytes = [&](llm::ParamArchiveOp archive,
                   const std::string &name) -> qf::Result<std::vector<uint8_t>> {
    auto status = openArchive(symbol);
    if (!status.ok())
      return status;
    const qf::io::TensorInfo *info = safetensors[symbol]->find(name);
    if (!info)
      return qf::Status::error(archive.getPath().str() + ": no tensor '" + name + "'");
    qf::io::ByteSpan span = safetensors[symbol]->bytes(*info);
    return std::vector<uint8_t>(span.data, span.data + span.size);
  };
  auto it = archives.find(symbol);
  if (it == archives.end() ||
      it->second.getFormat() != llm::ArchiveFormat::safetensors)
    return qf::Status::error("quantized weights live in safetensors archives");
  qf::quant::CanonicalTensors parts;
  for (auto [name, part] : type.getCanonicalParts()) {
    auto data = bytes(it->second, key + "." + name.str());
    if (!data.ok())
      return data.status();
    (name == "qweight"  ? parts.qweight
     : name == "scales" ? parts.scales
                        : parts.zeros) = data.take();
  }
  auto unpacked = qf::quant::unpackCanonical(
      parts, type.getRows(), type.getCols(), int(type.getBits()),
      type.getGroupSize(), type.getSymmetric(), type.getScaleType().isF16());
  if (!unpacked.ok())
    return qf::Status::error(key + ": " + unpacked.message());
  return unpacked->dequantize();
}

qf::Status WeightArchives::openArchive(const std::string &symbol) {
  if (safetensors.count(symbol))
    return qf::Status();
  auto file = qf::io::SafetensorsFile::open(archives[symbol].getPath().str());
  if (!file.ok())
    return file.status();
  safetensors[symbol] = std::make_unique<qf::io::SafetensorsFile>(file.take());
  return qf::Status();
}

qf::Result<std::vector<float>>
WeightArchives::readTensor(const std::string &symbol, const std::string &key) {
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
    if (qf::Status status = openArchive(symbol); !status.ok())
      return status;
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
