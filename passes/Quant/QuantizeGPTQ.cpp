//===- QuantizeGPTQ.cpp - GPTQ weight quantization ------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Quant/Passes.h"

#include "passes/Quant/QuantizeLinears.h"
#include "runtime/io/Safetensors.h"
#include "runtime/quant/GPTQ.h"

#include <cstring>

namespace quantforge {
#define GEN_PASS_DEF_LLMQUANTIZEGPTQ
#include "passes/Quant/Passes.h.inc"
} // namespace quantforge

using namespace mlir;
using namespace quantforge;

namespace {

/// `<key>.hessian` of the statistics file, widened to double.
qf::Result<std::vector<double>> readHessian(const qf::io::SafetensorsFile &file,
                                            const std::string &key,
                                            int64_t cols) {
  std::string name = key + ".hessian";
  const qf::io::TensorInfo *info = file.find(name);
  if (!info)
    return qf::Status::error(file.name() + ": no tensor '" + name + "'");
  if (info->shape != std::vector<int64_t>{cols, cols} ||
      (info->dtype != qf::io::DType::F32 && info->dtype != qf::io::DType::F64))
    return qf::Status::error(file.name() + ": tensor '" + name + "' must be "
                             "F32 or F64 of shape [" + std::to_string(cols) +
                             ", " + std::to_string(cols) + "]");
  qf::io::ByteSpan bytes = file.bytes(*info);
  std::vector<double> h(cols * cols);
  if (info->dtype == qf::io::DType::F64) {
    std::memcpy(h.data(), bytes.data, bytes.size);
  } else {
    for (int64_t i = 0; i < cols * cols; ++i) {
      float value;
      std::memcpy(&value, bytes.data + 4 * i, 4);
      h[i] = value;
    }
  }
  return h;
}

struct LLMQuantizeGPTQPass
    : quantforge::impl::LLMQuantizeGPTQBase<LLMQuantizeGPTQPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (statistics.empty()) {
      module.emitError("llm-quantize-gptq needs statistics=<file of Hessians>");
      return signalPassFailure();
    }
    auto file = qf::io::SafetensorsFile::open(statistics);
    if (!file.ok()) {
      module.emitError() << file.message();
      return signalPassFailure();
    }
    qf::quant::GPTQOptions gptq;
    gptq.bits = int(bits);
    gptq.symmetric = symmetric;
    gptq.dampPercent = dampPercent;
    gptq.blockSize = blockSize;
    gptq.staticGroups = staticGroups;
    gptq.actOrder = actOrder;

    LinearQuantization settings;
    settings.method = "gptq";
    settings.bits = bits;
    settings.groupSize = groupSize;
    settings.symmetric = symmetric;
    settings.scaleType = scaleType;
    settings.output = output;
    settings.progress = progress;
    settings.actOrder = actOrder;
    settings.quantize = [&](const std::string &key, const std::vector<float> &w,
                            int64_t rows, int64_t cols, int64_t group)
        -> qf::Result<qf::quant::UnpackedWeight> {
      qf::Result<std::vector<double>> h = readHessian(*file, key, cols);
      if (!h.ok())
        return h.status();
      qf::quant::GPTQOptions options = gptq;
      options.groupSize = group == cols ? 0 : group;
      return qf::quant::quantizeGPTQ(w.data(), rows, cols, h->data(), options);
    };
    if (failed(quantizeLinears(module, settings)))
      signalPassFailure();
  }
};

} // namespace
