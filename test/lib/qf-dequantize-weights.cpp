//===- qf-dequantize-weights.cpp - test tool: dequantize imported weights -===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
//   qf-dequantize-weights MODULE.mlir OUT.safetensors
//
// For every llm.weight of !llm.qweight type in MODULE, reads its packed parts
// from the referenced archive, unpacks them (WeightArchives) and writes the
// dequantized float32 matrix as OUT["<key>.weight"]. Tests compare OUT with
// the weights a checkpoint generator started from. Test-only: never linked
// into products.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/IR/LLMOps.h"
#include "passes/Quant/WeightArchives.h"
#include "runtime/io/Safetensors.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace mlir;
using namespace quantforge;

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
  WeightArchives archives(*module);
  qf::io::SafetensorsWriter writer;
  int failures = 0, count = 0;
  module->walk([&](llm::WeightOp weight) {
    auto type = dyn_cast<llm::QWeightType>(weight.getType());
    if (!type)
      return;
    auto unpacked = archives.readUnpacked(weight);
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
