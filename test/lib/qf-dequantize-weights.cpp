//===- qf-dequantize-weights.cpp - test tool: dequantize imported weights -===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
//   qf-dequantize-weights MODULE.mlir OUT.safetensors
//
// For every llm.weight of !llm.qweight type in MODULE, reads its packed parts
// from the referenced archive, unpacks them with runtime/quant and writes the
// dequantized float32 matrix as OUT["<key>.weight"]. Tests compare OUT with
// the weights a checkpoint generator started from. Test-only: never linked
// into products.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/IR/LLMOps.h"
#include "runtime/io/Safetensors.h"
#include "runtime/quant/PackedWeights.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace mlir;
using namespace quantforge;

namespace {

template <typename T>
std::vector<T> tensorData(const qf::io::SafetensorsFile &file,
                          const std::string &name, std::string &error) {
  const qf::io::TensorInfo *info = file.find(name);
  if (!info) {
    error = file.name() + ": no tensor '" + name + "'";
    return {};
  }
  qf::io::ByteSpan bytes = file.bytes(*info);
  std::vector<T> values(bytes.size / sizeof(T));
  std::memcpy(values.data(), bytes.data, values.size() * sizeof(T));
  return values;
}

qf::Result<qf::quant::UnpackedWeight>
unpack(const qf::io::SafetensorsFile &file, const std::string &prefix,
       llm::QWeightType type) {
  std::string error;
  auto words = [&](const char *part) {
    return tensorData<int32_t>(file, prefix + part, error);
  };
  switch (type.getPacking()) {
  case llm::WeightPacking::gptq_v1:
  case llm::WeightPacking::gptq_v2: {
    qf::quant::GPTQTensors t{words(".qweight"), words(".qzeros"),
                             tensorData<uint16_t>(file, prefix + ".scales", error),
                             type.getActOrder() ? words(".g_idx")
                                                : std::vector<int32_t>()};
    if (!error.empty())
      return qf::Status::error(error);
    return qf::quant::unpackGPTQ(t, type.getRows(), type.getCols(),
                                 int(type.getBits()), type.getGroupSize(),
                                 type.getPacking() == llm::WeightPacking::gptq_v2);
  }
  case llm::WeightPacking::awq_gemm: {
    qf::quant::AWQTensors t{words(".qweight"), words(".qzeros"),
                            tensorData<uint16_t>(file, prefix + ".scales", error)};
    if (!error.empty())
      return qf::Status::error(error);
    return qf::quant::unpackAWQ(t, type.getRows(), type.getCols(),
                                type.getGroupSize());
  }
  case llm::WeightPacking::canonical: {
    auto bytes = [&](const char *part) {
      return tensorData<uint8_t>(file, prefix + part, error);
    };
    qf::quant::CanonicalTensors t{bytes(".qweight"), bytes(".scales"),
                                  type.getSymmetric() ? std::vector<uint8_t>()
                                                      : bytes(".zeros")};
    if (!error.empty())
      return qf::Status::error(error);
    return qf::quant::unpackCanonical(t, type.getRows(), type.getCols(),
                                      int(type.getBits()), type.getGroupSize(),
                                      type.getSymmetric(),
                                      type.getScaleType().isF16());
  }
  default:
    return qf::Status::error(prefix + ": packing " +
                             llm::stringifyWeightPacking(type.getPacking()).str() +
                             " is not handled by this tool");
  }
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    llvm::errs() << "usage: qf-dequantize-weights MODULE.mlir OUT.safetensors\n";
    return 2;
  }
  MLIRContext context;
  context.loadDialect<llm::LLMDialect, arith::ArithDialect, func::FuncDialect,
                      tensor::TensorDialect>();
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(argv[1], &context);
  if (!module)
    return 1;
  std::map<std::string, std::string> archivePaths;
  for (auto archive : module->getOps<llm::ParamArchiveOp>())
    archivePaths[archive.getSymName().str()] = archive.getPath().str();

  std::map<std::string, std::unique_ptr<qf::io::SafetensorsFile>> files;
  qf::io::SafetensorsWriter writer;
  int failures = 0, count = 0;
  module->walk([&](llm::WeightOp weight) {
    auto type = dyn_cast<llm::QWeightType>(weight.getType());
    if (!type)
      return;
    std::string path = archivePaths[weight.getArchive().str()];
    if (!files.count(path)) {
      auto file = qf::io::SafetensorsFile::open(path);
      if (!file.ok()) {
        llvm::errs() << file.message() << "\n";
        ++failures;
        return;
      }
      files[path] = std::make_unique<qf::io::SafetensorsFile>(file.take());
    }
    auto unpacked = unpack(*files[path], weight.getKey().str(), type);
    if (!unpacked.ok()) {
      llvm::errs() << unpacked.message() << "\n";
      ++failures;
      return;
    }
    std::vector<float> values = unpacked->dequantize();
    std::vector<uint8_t> bytes(values.size() * sizeof(float));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    // Keys of checkpoint weights already end in ".weight".
    std::string name = weight.getKey().str();
    if (!llvm::StringRef(name).ends_with(".weight"))
      name += ".weight";
    qf::Status status = writer.addTensor(name,
                                         qf::io::DType::F32,
                                         {type.getRows(), type.getCols()},
                                         std::move(bytes));
    if (!status.ok()) {
      llvm::errs() << status.message() << "\n";
      ++failures;
    }
    ++count;
  });
  if (failures)
    return 1;
  if (qf::Status status = writer.write(argv[2]); !status.ok()) {
    llvm::errs() << status.message() << "\n";
    return 1;
  }
  llvm::outs() << "dequantized " << count << " weights\n";
  return 0;
}
