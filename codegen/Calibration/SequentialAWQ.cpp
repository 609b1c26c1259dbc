//===- SequentialAWQ.cpp - AWQ in the block-sequential driver -------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Per input of a layer, in program order (q/k/v, o, gate/up, down), with the
// inputs before it already quantized: the scale search on the statistics
// the driver just observed, the fold (into the RMSNorm weight, or into the
// rows of `v_proj` / `up_proj`, which are quantized by then: their scales
// are divided, which is what quantizing the divided rows gives since RTN
// and the clip search are invariant to a positive row scale), then each
// linear's clip search and RTN on the rescaled weight and statistics.
//
//===----------------------------------------------------------------------===//

#include "codegen/Calibration/Sequential.h"

#include "passes/Quant/AWQGroups.h"
#include "passes/Quant/Passes.h"

#include <memory>

using namespace mlir;
using namespace quantforge;
using namespace quantforge::codegen;

namespace {

struct AWQState {
  AWQGroups analysis;
  qf::quant::AWQOptions options;
  bool clip = true, progress = true;
  /// Per group of the analysis, its scales once searched.
  std::vector<AWQGroupScales> scales;
  /// The rescaled RMSNorm weights, with the group whose uses they replace.
  std::vector<std::pair<std::vector<float>, unsigned>> norms;
};

LogicalResult prepare(AWQState &state, ArrayRef<std::string> keys,
                      InputStatistics &statistics, LayerWeights &layer,
                      Location loc) {
  auto found = state.analysis.groupOf.find(keys.front());
  if (found == state.analysis.groupOf.end())
    return emitError(loc) << "AWQ: '" << keys.front()
                          << "' is in no group of linears of the module";
  unsigned index = found->second;
  const AWQGroup &group = state.analysis.groups[index];
  if (group.producer == AWQProducer::None)
    return success();
  std::vector<std::vector<float>> weights;
  for (const std::string &key : group.keys) {
    MutableArrayRef<float> w = layer.values(key);
    weights.emplace_back(w.begin(), w.end());
  }
  int64_t cols = int64_t(statistics.sums.at("abs-mean").size());
  auto search = searchAWQGroupScales(
      group, weights, cols, statistics.absMean(), statistics.hessian(),
      state.options, int(index), int(state.analysis.groups.size()),
      state.progress);
  if (!search.ok())
    return group.anchor->emitOpError() << search.message();
  const std::vector<float> &s = search->scales;
  // Consumers' columns times s, the producer divided by s.
  for (const std::string &key : group.keys) {
    MutableArrayRef<float> w = layer.values(key);
    for (size_t i = 0; i < w.size(); ++i)
      w[i] *= s[i % cols];
  }
  if (group.producer == AWQProducer::Linear) {
    if (failed(layer.divideRows(group.producerKey, s)))
      return failure();
  } else {
    MutableArrayRef<float> norm = layer.values(group.producerKey);
    if (int64_t(norm.size()) != cols)
      return group.anchor->emitOpError()
             << "AWQ: the layer does not compute with the RMSNorm weight '"
             << group.producerKey << "' of " << cols << " channels";
    for (int64_t c = 0; c < cols; ++c)
      norm[c] /= s[c];
    state.norms.push_back({std::vector<float>(norm.begin(), norm.end()),
                           index});
  }
  statistics.scales = s;
  state.scales[index] = search.take();
  return success();
}

} // namespace

SequentialQuantizer codegen::awqQuantizer(ModuleOp module,
                                          const qf::quant::AWQOptions &options,
                                          bool clip, bool progress) {
  auto state = std::make_shared<AWQState>();
  state->analysis = analyzeAWQGroups(module);
  state->options = options;
  state->clip = clip;
  state->progress = progress;
  state->scales.resize(state->analysis.groups.size());
  Location loc = module.getLoc();

  SequentialQuantizer quantizer;
  quantizer.method = "awq";
  quantizer.instrument = [](OpPassManager &pm) {
    LLMInstrumentLinearInputsOptions absMean;
    absMean.hessian = false;
    absMean.absMean = true;
    pm.addPass(createLLMInstrumentLinearInputs(absMean));
  };
  quantizer.prepare = [state, loc](ArrayRef<std::string> keys,
                                   InputStatistics &statistics,
                                   LayerWeights &layer) {
    return prepare(*state, keys, statistics, layer, loc);
  };
  quantizer.quantize = [state](const std::string &key,
                               const std::vector<float> &w, int64_t rows,
                               int64_t cols, int64_t group,
                               const InputStatistics &statistics,
                               LinearReport &entry)
      -> qf::Result<qf::quant::UnpackedWeight> {
    qf::quant::AWQOptions options = state->options;
    options.groupSize = group;
    auto quantized = qf::quant::clipAndQuantize(
        w.data(), rows, cols, statistics.hessian().data(),
        state->clip && !state->analysis.noClip.contains(key), options);
    if (!quantized.ok())
      return quantized.status();
    entry.clip = quantized->clip;
    if (auto found = state->analysis.groupOf.find(key);
        found != state->analysis.groupOf.end())
      describeAWQGroup(state->analysis.groups[found->second],
                       state->scales[found->second], entry);
    return std::move(quantized->weight);
  };
  quantizer.finish = [state](LinearQuantization &rewrite) {
    for (auto &[values, index] : state->norms) {
      const AWQGroup &group = state->analysis.groups[index];
      rewrite.floatTensors.push_back(
          {group.producerKey, std::move(values), group.normUses});
    }
  };
  return quantizer;
}
