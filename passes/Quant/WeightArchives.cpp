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

#include <cstring>

using namespace quantforge;

WeightArchives::WeightArchives(mlir::ModuleOp module) {
  for (auto archive : module.getOps<llm::ParamArchiveOp>())
    archives[archive.getSymName().str()] = archive;
}

WeightArchives::~WeightArchives() = default;

qf::Result<std::vector<float>> WeightArchives::readFloats(llm::WeightOp weight) {
  if (mlir::isa<llm::QWeightType>(weight.getType())) {
    auto unpacked = readUnpacked(weight);
    if (!unpacked.ok())
      return unpacked.status();
    return unpacked->dequantize();
  }
  return readTensor(weight.getArchive().str(), weight.getKey().str());
}

template <typename T>
qf::Result<std::vector<T>> WeightArchives::readRaw(const std::string &symbol,
                                                   const std::string &name) {
  auto it = archives.find(symbol);
  if (it == archives.end() ||
      it->second.getFormat() != llm::ArchiveFormat::safetensors)
    return qf::Status::error("quantized weights live in safetensors archives");
  if (qf::Status status = openArchive(symbol); !status.ok())
    return status;
  const qf::io::TensorInfo *info = safetensors[symbol]->find(name);
  if (!info)
    return qf::Status::error(it->second.getPath().str() + ": no tensor '" +
                             name + "'");
  qf::io::ByteSpan span = safetensors[symbol]->bytes(*info);
  std::vector<T> values(span.size / sizeof(T));
  std::memcpy(values.data(), span.data, values.size() * sizeof(T));
  return values;
}

qf::Result<qf::quant::UnpackedWeight>
WeightArchives::readUnpacked(llm::WeightOp weight) {
  auto type = mlir::dyn_cast<llm::QWeightType>(weight.getType());
  if (!type)
    return qf::Status::error("not a quantized weight");
  std::string symbol = weight.getArchive().str(), key = weight.getKey().str();
  qf::Status status;
  // Reads "<key><suffix>", remembering the first failure.
  auto part = [&](const std::string &suffix, auto tag) {
    using T = decltype(tag);
    if (!status.ok())
      return std::vector<T>();
    auto values = readRaw<T>(symbol, key + suffix);
    if (!values.ok()) {
      status = values.status();
      return std::vector<T>();
    }
    return values.take();
  };
  qf::Result<qf::quant::UnpackedWeight> unpacked =
      qf::Status::error("decoding '" +
                        llm::stringifyWeightPacking(type.getPacking()).str() +
                        "' weights is not supported here; only the canonical, "
                        "GPTQ and AWQ layouts");
  switch (type.getPacking()) {
  case llm::WeightPacking::canonical: {
    qf::quant::CanonicalTensors t;
    t.qweight = part(".qweight", uint8_t());
    t.scales = part(".scales", uint8_t());
    if (!type.getSymmetric())
      t.zeros = part(".zeros", uint8_t());
    if (type.getActOrder())
      t.gIdx = part(".g_idx", int32_t());
    if (!status.ok())
      return status;
    unpacked = qf::quant::unpackCanonical(
        t, type.getRows(), type.getCols(), int(type.getBits()),
        type.getGroupSize(), type.getSymmetric(), type.getScaleType().isF16());
    break;
  }
  case llm::WeightPacking::gptq_v1:
  case llm::WeightPacking::gptq_v2: {
    if (!type.getScaleType().isF16())
      return qf::Status::error(key + ": GPTQ scales are f16");
    qf::quant::GPTQTensors t;
    t.qweight = part(".qweight", int32_t());
    t.qzeros = part(".qzeros", int32_t());
    t.scales = part(".scales", uint16_t());
    if (type.getActOrder())
      t.gIdx = part(".g_idx", int32_t());
    if (!status.ok())
      return status;
    unpacked = qf::quant::unpackGPTQ(
        t, type.getRows(), type.getCols(), int(type.getBits()),
        type.getGroupSize(), type.getPacking() == llm::WeightPacking::gptq_v2);
    break;
  }
  case llm::WeightPacking::awq_gemm: {
    qf::quant::AWQTensors t;
    t.qweight = part(".qweight", int32_t());
    t.qzeros = part(".qzeros", int32_t());
    t.scales = part(".scales", uint16_t());
    if (!status.ok())
      return status;
    unpacked = qf::quant::unpackAWQ(t, type.getRows(), type.getCols(),
                                    type.getGroupSize());
    break;
  }
  default:
    break;
  }
  if (!unpacked.ok())
    return qf::Status::error(key + ": " + unpacked.message());
  return unpacked;
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
