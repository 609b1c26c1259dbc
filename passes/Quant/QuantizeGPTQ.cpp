//===- QuantizeGPTQ.cpp - GPTQ weight quantization ------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Quant/Passes.h"

#include "passes/Quant/QuantizeLinears.h"
#include "passes/Quant/Statistics.h"
#include "runtime/quant/GPTQ.h"
#include "runtime/quant/RTN.h"

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
                            int64_t rows, int64_t cols, int64_t group,
                            LinearReport &entry)
        -> qf::Result<qf::quant::UnpackedWeight> {
      qf::Result<std::vector<double>> h =
          readStatistic(*file, key + ".hessian", {cols, cols});
      if (!h.ok())
        return h.status();
      qf::quant::GPTQOptions options = gptq;
      options.groupSize = group == cols ? 0 : group;
      auto quantized =
          qf::quant::quantizeGPTQ(w.data(), rows, cols, h->data(), options);
      if (quantized.ok() && !report.empty()) {
        auto rtn = qf::quant::quantizeRTN(w.data(), rows, cols, int(bits),
                                          group, symmetric);
        if (!rtn.ok())
          return rtn.status();
        entry.errorBefore = outputError(rtn->dequantize(), w, rows, cols, *h);
        entry.errorAfter =
            outputError(quantized->dequantize(), w, rows, cols, *h);
      }
      return quantized;
    };
    std::vector<LinearReport> linears;
    settings.report = &linears;
    if (failed(quantizeLinears(module, settings)) ||
        failed(writePassReport(module, report, settings, statistics,
                               {{"damp_percent", dampPercent},
                                {"block_size", double(blockSize)},
                                {"static_groups", double(staticGroups)},
                                {"mse", double(mse)},
                                {"act_order", double(actOrder)}},
                               std::move(linears))))
      signalPassFailure();
  }
};

} // namespace
