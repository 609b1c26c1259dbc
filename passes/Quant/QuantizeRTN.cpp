//===- QuantizeRTN.cpp - round-to-nearest weight quantization -------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Quant/Passes.h"

#include "dialects/llm/IR/LLMOps.h"
#include "passes/Quant/WeightArchives.h"
#include "runtime/io/Safetensors.h"
#include "runtime/quant/RTN.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>

namespace quantforge {
#define GEN_PASS_DEF_LLMQUANTIZERTN
#include "passes/Quant/Passes.h.inc"
} // namespace quantforge

using namespace mlir;
using namespace quantforge;

namespace {

/// Weights of the decoder layers; the embedding and the head stay float,
/// as in the reference RTN numbers and in GPTQ/AWQ practice.
bool isDecoderWeight(StringRef key) {
  return key.starts_with("model.layers.") || key.starts_with("blk.");
}


struct LLMQuantizeRTNPass
    : quantforge::impl::LLMQuantizeRTNBase<LLMQuantizeRTNPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    if (output.empty()) {
      module.emitError("llm-quantize-rtn needs output=<parameter file>");
      return signalPassFailure();
    }
    if (scaleType != "f32" && scaleType != "f16") {
      module.emitError("llm-quantize-rtn: scale-type must be f32 or f16, got '")
          << scaleType << "'";
      return signalPassFailure();
    }
    bool f16Scales = scaleType == "f16";

    // The weights to quantize: each distinct (archive, key) feeding a linear.
    llvm::MapVector<std::pair<StringRef, StringRef>, SmallVector<OpOperand *>>
        uses;
    module.walk([&](llm::LinearOp linear) {
      auto weight = linear.getWeight().getDefiningOp<llm::WeightOp>();
      if (weight && isa<RankedTensorType>(weight.getType()) &&
          isDecoderWeight(weight.getKey()))
        uses[{weight.getArchive(), weight.getKey()}].push_back(
            &linear.getWeightMutable());
    });

    SymbolTable symbols(module);
    std::string archiveName = "rtn";
    for (int i = 1; symbols.lookup(archiveName); ++i)
      archiveName = "rtn" + std::to_string(i);
    llvm::SmallString<256> path(output.getValue());
    llvm::sys::fs::make_absolute(path);

    WeightArchives archives(module);
    qf::io::SafetensorsWriter writer;
    int index = 0;
    for (auto &[ref, operands] : uses) {
      auto start = std::chrono::steady_clock::now();
      auto weight = operands.front()->get().getDefiningOp<llm::WeightOp>();
      auto type = cast<RankedTensorType>(weight.getType());
      int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
      int64_t group = groupSize > 0 ? int64_t(groupSize) : cols;
      auto qtype = llm::QWeightType::getChecked(
          [&] { return weight.emitOpError("cannot be quantized: "); }, ctx,
          type.getShape(), unsigned(bits), group, bool(symmetric),
          f16Scales ? cast<FloatType>(Float16Type::get(ctx))
                    : cast<FloatType>(Float32Type::get(ctx)),
          llm::WeightPacking::canonical, /*actOrder=*/false);
      if (!qtype)
        return signalPassFailure();
      qf::Result<std::vector<float>> values = archives.readFloats(weight);
      if (!values.ok()) {
        weight.emitOpError() << values.message();
        return signalPassFailure();
      }
      auto quantized = qf::quant::quantizeRTN(values->data(), rows, cols,
                                              int(bits), group, symmetric);
      qf::Result<qf::quant::CanonicalTensors> packed =
          quantized.ok() ? qf::quant::packCanonical(*quantized, symmetric,
                                                    f16Scales)
                         : qf::Result<qf::quant::CanonicalTensors>(
                               quantized.status());
      if (!packed.ok()) {
        weight.emitOpError() << packed.message();
        return signalPassFailure();
      }
      std::string key = weight.getKey().str();
      int64_t groups = cols / group;
      qf::Status status = writer.addTensor(
          key + ".qweight", qf::io::DType::U8,
          {rows, qf::quant::packedRowBytes(cols, int(bits))}, packed->qweight);
      if (status.ok())
        status = writer.addTensor(key + ".scales",
                                  f16Scales ? qf::io::DType::F16 : qf::io::DType::F32,
                                  {rows, groups}, packed->scales);
      if (status.ok() && !symmetric)
        status = writer.addTensor(
            key + ".zeros", qf::io::DType::U8,
            {rows, qf::quant::packedRowBytes(groups, int(bits))}, packed->zeros);
      if (!status.ok()) {
        weight.emitOpError() << status.message();
        return signalPassFailure();
      }

      OpBuilder b(weight);
      auto replacement = llm::WeightOp::create(
          b, weight.getLoc(), qtype, FlatSymbolRefAttr::get(ctx, archiveName),
          b.getStringAttr(key));
      for (OpOperand *operand : operands)
        operand->set(replacement);
      if (weight->use_empty())
        weight.erase();

      if (progress) {
        std::vector<float> back = quantized->dequantize();
        double error = 0, norm = 0;
        for (size_t i = 0; i < back.size(); ++i) {
          error += double(back[i] - (*values)[i]) * (back[i] - (*values)[i]);
          norm += double((*values)[i]) * (*values)[i];
        }
        double ms = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count();
        llvm::errs() << llvm::format("[rtn %d/%d] %s [%lld x %lld] rel. error %.3e (%.0f ms)\n",
                                     ++index, int(uses.size()), key.c_str(),
                                     (long long)rows, (long long)cols,
                                     std::sqrt(error / std::max(norm, 1e-30)), ms);
      }
    }
    if (qf::Status status = writer.write(path.str().str()); !status.ok()) {
      module.emitError() << status.message();
      return signalPassFailure();
    }
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    llm::ParamArchiveOp::create(b, module.getLoc(), archiveName,
                                llm::ArchiveFormat::safetensors, path.str());
  }
};

} // namespace
