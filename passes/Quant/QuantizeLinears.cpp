//===- QuantizeLinears.cpp - the loop every weight quantizer shares -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Quant/QuantizeLinears.h"

#include "passes/Quant/WeightArchives.h"
#include "runtime/io/Safetensors.h"
#include "runtime/quant/AWQ.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstring>

using namespace mlir;
using namespace quantforge;


double quantforge::relativeError(const std::vector<float> &approx,
                                 const std::vector<float> &exact) {
  double error = 0, norm = 0;
  for (size_t i = 0; i < exact.size(); ++i) {
    double d = double(approx[i]) - exact[i];
    error += d * d;
    norm += double(exact[i]) * exact[i];
  }
  return std::sqrt(error / std::max(norm, 1e-30));
}

double quantforge::outputError(const std::vector<float> &approx,
                               const std::vector<float> &exact, int64_t rows,
                               int64_t cols,
                               const std::vector<double> &hessian) {
  return qf::quant::outputError(exact.data(), approx.data(), rows, cols,
                                hessian.data());
}

bool quantforge::isDecoderWeight(StringRef key) {
  return key.starts_with("model.layers.") || key.starts_with("blk.");
}

LogicalResult
quantforge::checkLinearQuantization(ModuleOp module,
                                    const LinearQuantization &settings) {
  std::string pass = "llm-quantize-" + settings.method;
  if (settings.output.empty())
    return module.emitError(pass + " needs output=<parameter file>");
  if (settings.scaleType != "f32" && settings.scaleType != "f16")
    return module.emitError(pass + ": scale-type must be f32 or f16, got '")
           << settings.scaleType << "'";
  if (settings.bits < 2 || settings.bits > 8)
    return module.emitError(pass + ": bits must be 2 to 8, got ")
           << settings.bits;
  return success();
}

qf::Status quantforge::addCanonicalWeight(qf::io::SafetensorsWriter &writer,
                                          const std::string &key,
                                          const qf::quant::UnpackedWeight &weight,
                                          bool symmetric, bool f16Scales) {
  auto packed = qf::quant::packCanonical(weight, symmetric, f16Scales);
  if (!packed.ok())
    return packed.status();
  int64_t rows = weight.rows, cols = weight.cols, groups = weight.numGroups();
  qf::Status status = writer.addTensor(
      key + ".qweight", qf::io::DType::U8,
      {rows, qf::quant::packedRowBytes(cols, weight.bits)}, packed->qweight);
  if (status.ok())
    status = writer.addTensor(key + ".scales",
                              f16Scales ? qf::io::DType::F16 : qf::io::DType::F32,
                              {rows, groups}, packed->scales);
  if (status.ok() && !symmetric)
    status = writer.addTensor(
        key + ".zeros", qf::io::DType::U8,
        {rows, qf::quant::packedRowBytes(groups, weight.bits)}, packed->zeros);
  if (status.ok() && !weight.gIdx.empty()) {
    std::vector<uint8_t> bytes(cols * sizeof(int32_t));
    std::memcpy(bytes.data(), weight.gIdx.data(), bytes.size());
    status = writer.addTensor(key + ".g_idx", qf::io::DType::I32, {cols},
                              std::move(bytes));
  }
  return status;
}

LogicalResult quantforge::quantizeLinears(ModuleOp module,
                                          const LinearQuantization &settings) {
  MLIRContext *ctx = module.getContext();
  if (failed(checkLinearQuantization(module, settings)))
    return failure();
  bool f16Scales = settings.scaleType == "f16";

  // Each distinct (archive, key) feeding a linear, with its uses.
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
  std::string archiveName = settings.method;
  for (int i = 1; symbols.lookup(archiveName); ++i)
    archiveName = settings.method + std::to_string(i);
  llvm::SmallString<256> path(settings.output);
  llvm::sys::fs::make_absolute(path);

  WeightArchives archives(module);
  qf::io::SafetensorsWriter writer;
  int index = 0;
  for (auto &[ref, operands] : uses) {
    auto start = std::chrono::steady_clock::now();
    auto weight = operands.front()->get().getDefiningOp<llm::WeightOp>();
    auto type = cast<RankedTensorType>(weight.getType());
    int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
    int64_t group = settings.groupSize > 0 ? settings.groupSize : cols;
    auto qtype = llm::QWeightType::getChecked(
        [&] { return weight.emitOpError("cannot be quantized: "); }, ctx,
        type.getShape(), settings.bits, group, settings.symmetric,
        f16Scales ? cast<FloatType>(Float16Type::get(ctx))
                  : cast<FloatType>(Float32Type::get(ctx)),
        llm::WeightPacking::canonical, settings.actOrder);
    if (!qtype)
      return failure();
    std::string key = weight.getKey().str();
    qf::Result<std::vector<float>> values = archives.readFloats(weight);
    if (!values.ok())
      return weight.emitOpError() << values.message();
    LinearReport entry;
    entry.key = key;
    entry.method = settings.method;
    entry.layer = decoderLayerOf(key);
    entry.bits = settings.bits;
    entry.groupSize = group;
    entry.rows = rows;
    entry.cols = cols;
    auto quantized = settings.quantize(key, *values, rows, cols, group, entry);
    if (!quantized.ok())
      return weight.emitOpError() << quantized.message();
    // The type says whether a g_idx part exists; the quantizer must agree.
    if (settings.actOrder != !quantized->gIdx.empty())
      return weight.emitOpError(settings.actOrder
                                    ? "act-order quantization gave no g_idx"
                                    : "quantization gave an unexpected g_idx");
    qf::Status status = addCanonicalWeight(writer, key, *quantized,
                                           settings.symmetric, f16Scales);
    if (!status.ok())
      return weight.emitOpError() << status.message();

    OpBuilder b(weight);
    auto replacement = llm::WeightOp::create(
        b, weight.getLoc(), qtype, FlatSymbolRefAttr::get(ctx, archiveName),
        b.getStringAttr(key));
    for (OpOperand *operand : operands)
      operand->set(replacement);
    if (weight->use_empty())
      weight.erase();

    if (settings.progress || settings.report) {
      // The quantizer may have added time spent outside this loop.
      entry.seconds += std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count();
      // It knows better what the model computes when it rescaled (AWQ).
      if (!entry.relativeError)
        entry.relativeError = relativeError(quantized->dequantize(), *values);
    }
    if (settings.progress)
      llvm::errs() << progressLine(entry, ++index, int(uses.size())) << "\n";
    if (settings.report)
      settings.report->push_back(std::move(entry));
  }
  for (const LinearQuantization::FloatTensor &tensor : settings.floatTensors) {
    auto first = tensor.uses.front()->get().getDefiningOp<llm::WeightOp>();
    auto type =
        cast<RankedTensorType>(first.getType()).clone(Float32Type::get(ctx));
    std::vector<uint8_t> bytes(tensor.values.size() * 4);
    std::memcpy(bytes.data(), tensor.values.data(), bytes.size());
    if (qf::Status status = writer.addTensor(
            tensor.key, qf::io::DType::F32,
            std::vector<int64_t>(type.getShape().begin(), type.getShape().end()),
            std::move(bytes));
        !status.ok())
      return first.emitOpError() << status.message();
    // One replacement beside each weight op, so that it dominates the uses.
    llvm::DenseMap<Operation *, Value> replacements;
    for (OpOperand *operand : tensor.uses) {
      auto weight = operand->get().getDefiningOp<llm::WeightOp>();
      Value &replacement = replacements[weight];
      if (!replacement) {
        OpBuilder b(weight);
        replacement = llm::WeightOp::create(
            b, weight.getLoc(), type, FlatSymbolRefAttr::get(ctx, archiveName),
            b.getStringAttr(tensor.key));
      }
      operand->set(replacement);
    }
    for (auto [weight, replacement] : replacements)
      if (weight->use_empty())
        weight->erase();
  }
  if (qf::Status status = writer.write(path.str().str()); !status.ok())
    return module.emitError() << status.message();
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  llm::ParamArchiveOp::create(b, module.getLoc(), archiveName,
                              llm::ArchiveFormat::safetensors, path.str());
  return success();
}

LogicalResult quantforge::writePassReport(
    ModuleOp module, const std::string &path,
    const LinearQuantization &settings, const std::string &statistics,
    std::vector<std::pair<std::string, double>> knobs,
    std::vector<LinearReport> linears) {
  if (path.empty())
    return success();
  QuantizationReport report;
  // The module names no checkpoint; its first parameter file other than
  // the one just written says which.
  llvm::SmallString<256> written(settings.output);
  llvm::sys::fs::make_absolute(written);
  for (auto archive : module.getOps<llm::ParamArchiveOp>())
    if (archive.getPath() != written) {
      report.model = archive.getPath().str();
      break;
    }
  report.method = settings.method;
  report.bits = settings.bits;
  report.groupSize = settings.groupSize;
  report.symmetric = settings.symmetric;
  report.scaleType = settings.scaleType;
  report.order = statistics.empty() ? "none" : "parallel";
  report.statistics = statistics;
  report.settings = std::move(knobs);
  report.linears = std::move(linears);
  std::string error = writeQuantizationReport(path, report);
  if (!error.empty())
    return module.emitError() << error;
  return success();
}
