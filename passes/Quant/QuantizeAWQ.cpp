//===- QuantizeAWQ.cpp - activation-aware weight quantization -------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Three phases. The scale search of every group of linears that read one
// input runs first, on the stored weights (as AutoAWQ searches all of a
// block's groups before applying any). The folds are then exact rewrites of
// the module: columns of the consumers times s, the producer (an RMSNorm
// weight, written anew as F32, or the rows of the linear that produces the
// input) divided by s. Last, inside the loop shared with RTN and GPTQ, each
// linear's clipping is searched on its scaled weight and the result is
// quantized with RTN.
//
//===----------------------------------------------------------------------===//

#include "passes/Quant/Passes.h"

#include "passes/Quant/AWQGroups.h"
#include "passes/Quant/QuantizeLinears.h"
#include "passes/Quant/Statistics.h"
#include "passes/Quant/WeightArchives.h"
#include "runtime/quant/AWQ.h"
#include "runtime/quant/RTN.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMQUANTIZEAWQ
#include "passes/Quant/Passes.h.inc"
} // namespace quantforge

using namespace mlir;
using namespace quantforge;

namespace {

struct LLMQuantizeAWQPass
    : quantforge::impl::LLMQuantizeAWQBase<LLMQuantizeAWQPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(run()))
      signalPassFailure();
  }

  LogicalResult run() {
    ModuleOp module = getOperation();
    LinearQuantization settings;
    settings.method = "awq";
    settings.bits = bits;
    settings.groupSize = groupSize;
    settings.symmetric = symmetric;
    settings.scaleType = scaleType;
    settings.output = output;
    settings.progress = progress;
    if (failed(checkLinearQuantization(module, settings)))
      return failure();
    if (statistics.empty())
      return module.emitError(
          "llm-quantize-awq needs statistics=<calibration statistics file>");
    if (grid < 1 || clipGrid < 1 || !(maxShrink >= 1.0 / double(clipGrid)) ||
        maxShrink >= 1.0)
      return module.emitError("llm-quantize-awq: grid and clip-grid must be "
                              "positive and 1/clip-grid <= max-shrink < 1");
    auto file = qf::io::SafetensorsFile::open(statistics);
    if (!file.ok())
      return module.emitError() << file.message();

    qf::quant::AWQOptions awq;
    awq.bits = int(bits);
    awq.symmetric = symmetric;
    awq.grid = int(grid);
    awq.clipGrid = int(clipGrid);
    awq.maxShrink = maxShrink;

    AWQGroups analysis = analyzeAWQGroups(module);
    WeightArchives archives(module);
    llvm::StringMap<llm::WeightOp> weightOps;
    module.walk([&](llm::WeightOp op) { weightOps.try_emplace(op.getKey(), op); });

    // Phase 1: the scale searches, on the stored weights.
    std::vector<AWQGroupScales> searched(analysis.groups.size());
    for (auto [index, group] : llvm::enumerate(analysis.groups)) {
      if (group.producer == AWQProducer::None)
        continue;
      llm::WeightOp first = weightOps[group.keys.front()];
      int64_t cols = cast<RankedTensorType>(first.getType()).getDimSize(1);
      auto absMean =
          readStatistic(*file, group.keys.front() + ".absmean", {cols});
      if (!absMean.ok())
        return group.anchor->emitOpError() << absMean.message();
      auto hessian =
          readStatistic(*file, group.keys.front() + ".hessian", {cols, cols});
      if (!hessian.ok())
        return group.anchor->emitOpError() << hessian.message();
      std::vector<std::vector<float>> values;
      for (const std::string &key : group.keys) {
        auto w = archives.readFloats(weightOps[key]);
        if (!w.ok())
          return weightOps[key].emitOpError() << w.message();
        values.push_back(w.take());
      }
      qf::quant::AWQOptions options = awq;
      options.groupSize = groupSize > 0 ? groupSize : 0;
      auto search = searchAWQGroupScales(
          group, values, cols,
          std::vector<float>(absMean->begin(), absMean->end()), *hessian,
          options, int(index), int(analysis.groups.size()), progress);
      if (!search.ok())
        return group.anchor->emitOpError() << search.message();
      searched[index] = search.take();
    }

    // Phase 2: the folds. A weight's columns take its group's scales, a
    // producer's rows the inverse of the group it feeds.
    llvm::StringMap<const std::vector<float> *> columnScales, rowScales;
    for (auto [group, scales] : llvm::zip(analysis.groups, searched)) {
      if (scales.scales.empty())
        continue;
      for (const std::string &key : group.keys)
        columnScales[key] = &scales.scales;
      if (group.producer == AWQProducer::Linear) {
        rowScales[group.producerKey] = &scales.scales;
        continue;
      }
      auto norm = archives.readFloats(weightOps[group.producerKey]);
      if (!norm.ok())
        return weightOps[group.producerKey].emitOpError() << norm.message();
      if (qf::Status status = qf::quant::foldScales<float>(
              scales.scales, norm->data(), 1, {});
          !status.ok())
        return group.anchor->emitOpError() << status.message();
      settings.floatTensors.push_back(
          {group.producerKey, norm.take(), group.normUses});
    }

    // Phase 3: clip and quantize each linear, inside the shared loop.
    std::vector<LinearReport> linears;
    settings.report = &linears;
    settings.quantize =
        [&](const std::string &key, const std::vector<float> &w, int64_t rows,
            int64_t cols, int64_t group,
            LinearReport &entry) -> qf::Result<qf::quant::UnpackedWeight> {
      auto h = readStatistic(*file, key + ".hessian", {cols, cols});
      if (!h.ok())
        return h.status();
      // W' = diag(1/s_out) W diag(s_in), and the Hessian of x / s_in.
      const std::vector<float> in = columnScales.count(key)
                                        ? *columnScales[key]
                                        : std::vector<float>(cols, 1.0f);
      const std::vector<float> out = rowScales.count(key)
                                         ? *rowScales[key]
                                         : std::vector<float>(rows, 1.0f);
      std::vector<float> scaled(w);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c)
          scaled[r * cols + c] = scaled[r * cols + c] * in[c] / out[r];
      qf::quant::AWQOptions options = awq;
      options.groupSize = group;
      auto quantized = qf::quant::clipAndQuantize(
          scaled.data(), rows, cols,
          qf::quant::scaleHessian(h->data(), in).data(),
          clip && !analysis.noClip.contains(key), options);
      if (!quantized.ok())
        return quantized.status();
      auto rtn = qf::quant::quantizeRTN(w.data(), rows, cols, int(bits), group,
                                        symmetric);
      if (!rtn.ok())
        return rtn.status();
      // The errors of what the model now computes, in the stored weight's
      // terms.
      std::vector<float> effective = quantized->weight.dequantize();
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c)
          effective[r * cols + c] = effective[r * cols + c] * out[r] / in[c];
      entry.errorBefore = outputError(rtn->dequantize(), w, rows, cols, *h);
      entry.errorAfter = outputError(effective, w, rows, cols, *h);
      entry.relativeError = relativeError(effective, w);
      entry.clip = quantized->clip;
      if (auto found = analysis.groupOf.find(key);
          found != analysis.groupOf.end())
        describeAWQGroup(analysis.groups[found->second],
                         searched[found->second], entry);
      return std::move(quantized->weight);
    };
    if (failed(quantizeLinears(module, settings)))
      return failure();
    return writePassReport(module, report, settings, statistics,
                           {{"grid", double(grid)},
                            {"clip", double(clip)},
                            {"clip_grid", double(clipGrid)},
                            {"max_shrink", double(maxShrink)}},
                           std::move(linears));
  }
};

} // namespace
