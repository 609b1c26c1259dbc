//===- QuantizeRTN.cpp - round-to-nearest weight quantization -------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Quant/Passes.h"

#include "passes/Quant/QuantizeLinears.h"
#include "runtime/quant/RTN.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMQUANTIZERTN
#include "passes/Quant/Passes.h.inc"
} // namespace quantforge

using namespace mlir;
using namespace quantforge;

namespace {
struct LLMQuantizeRTNPass
    : quantforge::impl::LLMQuantizeRTNBase<LLMQuantizeRTNPass> {
  using Base::Base;

  void runOnOperation() override {
    LinearQuantization settings;
    settings.method = "rtn";
    settings.bits = bits;
    settings.groupSize = groupSize;
    settings.symmetric = symmetric;
    settings.scaleType = scaleType;
    settings.output = output;
    settings.progress = progress;
    settings.quantize = [&](const std::string &, const std::vector<float> &w,
                            int64_t rows, int64_t cols, int64_t group,
                            LinearReport &) {
      return qf::quant::quantizeRTN(w.data(), rows, cols, int(bits), group,
                                    symmetric);
    };
    std::vector<LinearReport> linears;
    settings.report = &linears;
    if (failed(quantizeLinears(getOperation(), settings)) ||
        failed(writePassReport(getOperation(), report, settings, "", {},
                               std::move(linears))))
      signalPassFailure();
  }
};
} // namespace
