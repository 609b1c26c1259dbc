//===- QuantizeGPTQ.cpp - GPTQ weight quantization ------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Quant/Passes.h"

#include "passes/Quant/QuantizeLinears.h"
#include "passes/Quant/Statistics.h"
#include "runtime/quant/GPTQ.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMQUANTIZEGPTQ
#include "passes/Quant/Passes.h.inc"
} // namespace quantforge

using namespace mlir;
using namespace quantforge;

namespace {

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
    gptq.mse = mse;
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
      qf::Result<std::vector<double>> h =
          readStatistic(*file, key + ".hessian", {cols, cols});
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
