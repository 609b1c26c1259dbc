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

#include "passes/Quant/QuantizeLinears.h"
#include "passes/Quant/Statistics.h"
#include "passes/Quant/WeightArchives.h"
#include "runtime/quant/AWQ.h"
#include "runtime/quant/RTN.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <map>
#include <optional>

namespace quantforge {
#define GEN_PASS_DEF_LLMQUANTIZEAWQ
#include "passes/Quant/Passes.h.inc"
} // namespace quantforge

using namespace mlir;
using namespace quantforge;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// The weight a linear reads if it is one the quantization loop quantizes.
llm::WeightOp quantizedWeight(llm::LinearOp linear) {
  auto weight = linear.getWeight().getDefiningOp<llm::WeightOp>();
  if (weight && isa<RankedTensorType>(weight.getType()) &&
      isDecoderWeight(weight.getKey()))
    return weight;
  return {};
}

/// Where the input of a group comes from, if the scales fold into it
/// exactly.
enum class Producer { None, Norm, Linear };

/// The linears that read one input; identical groups in several functions
/// are one.
struct ScaleGroup {
  SmallVector<std::string> keys;
  Producer producer = Producer::None;
  /// The RMSNorm weight or the producing linear's weight.
  std::string producerKey;
  /// Why the scales stay 1 (Producer::None).
  std::string why;
  /// The RMSNorm weight operands to rewrite.
  SmallVector<OpOperand *> normUses;
  /// Where diagnostics about the group go.
  Operation *anchor = nullptr;

  std::vector<float> scales; ///< empty = all 1
  float alpha = 0.0f;
  double seconds = 0.0;
};

bool isFloatCache(Type element) {
  return isa<Float32Type, Float16Type, BFloat16Type>(element);
}

/// The linear (with a quantized weight, no bias, no other user) whose
/// output channels become the channels of `input` one to one: swiglu's
/// `up`, or the values of attention where every query head has its own KV
/// head, collapsed back to [tokens, heads * head_dim].
llm::LinearOp producingLinear(Value input, std::string &why) {
  auto single = [](Value v) { return v.hasOneUse(); };
  auto exactLinear = [&](Value v) -> llm::LinearOp {
    auto linear = v.getDefiningOp<llm::LinearOp>();
    if (!linear || !quantizedWeight(linear) || linear.getBias() ||
        !single(v))
      return {};
    return linear;
  };
  if (auto swiglu = input.getDefiningOp<llm::SwiGLUOp>()) {
    if (llm::LinearOp up = exactLinear(swiglu.getUp()))
      return up;
    why = "swiglu's up is not a quantized linear of its own";
    return {};
  }
  auto collapse = input.getDefiningOp<tensor::CollapseShapeOp>();
  auto attention =
      collapse ? collapse.getSrc().getDefiningOp<llm::AttentionOp>() : nullptr;
  if (!attention) {
    why = "no RMSNorm or linear to fold into";
    return {};
  }
  auto query = cast<RankedTensorType>(attention.getQuery().getType());
  auto value = cast<RankedTensorType>(attention.getValue().getType());
  auto expand = attention.getValue().getDefiningOp<tensor::ExpandShapeOp>();
  auto perHead = [](ArrayRef<ReassociationIndices> indices) {
    return indices.size() == 2 && indices[0] == ReassociationIndices{0} &&
           indices[1] == ReassociationIndices{1, 2};
  };
  if (query.getDimSize(1) != value.getDimSize(1)) {
    why = "query heads share KV heads";
    return {};
  }
  if (!isFloatCache(cast<llm::KVCacheType>(attention.getCache().getType())
                        .getLayerStorage(int64_t(attention.getLayer()))
                        .elementType)) {
    why = "the KV cache is quantized";
    return {};
  }
  if (!expand || !single(expand.getResult()) ||
      !single(attention.getResult()) ||
      !perHead(expand.getReassociationIndices()) ||
      !perHead(collapse.getReassociationIndices())) {
    why = "attention's values do not come from one linear";
    return {};
  }
  if (llm::LinearOp v = exactLinear(expand.getSrc()))
    return v;
  why = "attention's values do not come from one linear";
  return {};
}

/// Whether the linear's output reaches attention's query or key (through
/// reshapes and the rotary embedding): llm-awq leaves those unclipped.
bool feedsAttentionScores(llm::LinearOp linear) {
  Value v = linear.getResult();
  while (v.hasOneUse()) {
    OpOperand &use = *v.getUses().begin();
    Operation *user = use.getOwner();
    if (auto attention = dyn_cast<llm::AttentionOp>(user))
      return use.getOperandNumber() < 2;
    if (!isa<tensor::ExpandShapeOp, llm::RotaryEmbeddingOp>(user))
      return false;
    v = user->getResult(0);
  }
  return false;
}

struct Analysis {
  std::vector<ScaleGroup> groups;
  /// Keys whose linears feed attention scores.
  llvm::StringSet<> noClip;
};

/// Finds the groups of linears that share an input and the exact folds of
/// their scales; a weight read in two different groups, or a producer that
/// would fold two groups, keeps scales of 1.
Analysis analyze(ModuleOp module) {
  Analysis result;
  llvm::MapVector<Value, SmallVector<llm::LinearOp>> readers;
  llvm::StringMap<unsigned> linearsPerKey;
  module.walk([&](llm::LinearOp linear) {
    if (llm::WeightOp weight = quantizedWeight(linear)) {
      readers[linear.getInput()].push_back(linear);
      ++linearsPerKey[weight.getKey()];
      if (feedsAttentionScores(linear))
        result.noClip.insert(weight.getKey());
    }
  });

  std::map<std::string, unsigned> bySignature;
  // Per producer linear key: the groups it folds into and its linears.
  llvm::StringMap<llvm::SetVector<unsigned>> producedGroups;
  llvm::StringMap<unsigned> producerLinears;
  for (auto &entry : readers) {
    Value input = entry.first;
    ArrayRef<llm::LinearOp> linears = entry.second;
    ScaleGroup group;
    for (llm::LinearOp linear : linears) {
      std::string key = quantizedWeight(linear).getKey().str();
      if (!llvm::is_contained(group.keys, key))
        group.keys.push_back(key);
    }
    group.anchor = quantizedWeight(linears.front());
    llm::LinearOp producer;
    if (!llvm::all_of(input.getUsers(), [&](Operation *user) {
          return llvm::is_contained(linears, user);
        })) {
      group.why = "the input has other users";
    } else if (auto norm = input.getDefiningOp<llm::RMSNormOp>()) {
      auto weight = norm.getWeight().getDefiningOp<llm::WeightOp>();
      if (weight && isa<RankedTensorType>(weight.getType())) {
        group.producer = Producer::Norm;
        group.producerKey = weight.getKey().str();
        group.normUses.push_back(&norm.getWeightMutable());
      } else {
        group.why = "the RMSNorm weight is not a stored tensor";
      }
    } else if ((producer = producingLinear(input, group.why))) {
      group.producer = Producer::Linear;
      group.producerKey = quantizedWeight(producer).getKey().str();
    }
    std::string signature = std::to_string(int(group.producer)) + "|" +
                            group.producerKey;
    for (const std::string &key : group.keys)
      signature += "|" + key;
    auto [it, added] = bySignature.try_emplace(signature, result.groups.size());
    if (added)
      result.groups.push_back(std::move(group));
    else
      result.groups[it->second].normUses.append(group.normUses);
    if (producer) {
      producedGroups[result.groups[it->second].producerKey].insert(it->second);
      ++producerLinears[result.groups[it->second].producerKey];
    }
  }

  llvm::StringMap<unsigned> groupsPerKey, groupsPerProducer;
  for (const ScaleGroup &group : result.groups) {
    for (const std::string &key : group.keys)
      ++groupsPerKey[key];
    if (group.producer != Producer::None)
      ++groupsPerProducer[group.producerKey];
  }
  for (ScaleGroup &group : result.groups) {
    if (group.producer == Producer::None)
      continue;
    if (llvm::any_of(group.keys,
                     [&](const std::string &k) { return groupsPerKey[k] > 1; }))
      group.why = "a weight is read with different inputs";
    else if (groupsPerProducer[group.producerKey] > 1)
      group.why = "its producer feeds other groups too";
    else if (group.producer == Producer::Linear &&
             producerLinears[group.producerKey] !=
                 linearsPerKey[group.producerKey])
      group.why = "the producing weight has other uses";
    else
      continue;
    group.producer = Producer::None;
    group.normUses.clear();
  }
  return result;
}

std::string formatList(const SmallVector<std::string> &keys) {
  std::string text;
  for (const std::string &key : keys)
    text += (text.empty() ? "" : ", ") + key;
  return text;
}

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
    // The lines below say more than the shared loop's.
    settings.progress = false;
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

    Analysis analysis = analyze(module);
    WeightArchives archives(module);
    llvm::StringMap<llm::WeightOp> weightOps;
    module.walk([&](llm::WeightOp op) { weightOps.try_emplace(op.getKey(), op); });

    // Phase 1: the scale searches, on the stored weights.
    llvm::StringMap<unsigned> groupOf;
    for (auto [index, group] : llvm::enumerate(analysis.groups)) {
      for (const std::string &key : group.keys)
        groupOf[key] = index;
      if (group.producer == Producer::None)
        continue;
      auto start = Clock::now();
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
      std::vector<float> mean(absMean->begin(), absMean->end());
      std::vector<std::vector<float>> values;
      std::vector<qf::quant::WeightView<const float>> views;
      for (const std::string &key : group.keys) {
        auto w = archives.readFloats(weightOps[key]);
        if (!w.ok())
          return weightOps[key].emitOpError() << w.message();
        values.push_back(w.take());
      }
      for (const std::vector<float> &w : values)
        views.push_back({w.data(), int64_t(w.size()) / cols});
      qf::quant::AWQOptions options = awq;
      options.groupSize = groupSize > 0 ? groupSize : 0;
      auto search = qf::quant::searchScales(
          views, cols, {mean.data(), hessian->data()}, options);
      if (!search.ok())
        return group.anchor->emitOpError() << search.message();
      group.scales = std::move(search->scales);
      group.alpha = search->alpha;
      group.seconds = secondsSince(start);
      // The losses are per row; the lines below sum over rows.
      double rows = 0.0;
      for (const auto &view : views)
        rows += double(view.rows);
      if (progress)
        llvm::errs() << llvm::format(
            "[awq scales %d/%d] %s alpha %.2f output error %.3e (alpha 0: "
            "%.3e) (%.0f ms)\n",
            int(index + 1), int(analysis.groups.size()),
            formatList(group.keys).c_str(), double(group.alpha),
            rows * search->losses[size_t(std::lround(group.alpha * grid))],
            rows * search->losses.front(), group.seconds * 1e3);
    }

    // Phase 2: the folds. A weight's columns take its group's scales, a
    // producer's rows the inverse of the group it feeds.
    llvm::StringMap<const std::vector<float> *> columnScales, rowScales;
    for (ScaleGroup &group : analysis.groups) {
      if (group.scales.empty())
        continue;
      for (const std::string &key : group.keys)
        columnScales[key] = &group.scales;
      if (group.producer == Producer::Linear) {
        rowScales[group.producerKey] = &group.scales;
        continue;
      }
      auto norm = archives.readFloats(weightOps[group.producerKey]);
      if (!norm.ok())
        return weightOps[group.producerKey].emitOpError() << norm.message();
      if (qf::Status status = qf::quant::foldScales<float>(
              group.scales, norm->data(), 1, {});
          !status.ok())
        return group.anchor->emitOpError() << status.message();
      settings.floatTensors.push_back(
          {group.producerKey, norm.take(), group.normUses});
    }

    // Phase 3: clip and quantize each linear, inside the shared loop.
    llvm::json::Array layers;
    int done = 0, total = int(groupOf.size());
    settings.quantize =
        [&](const std::string &key, const std::vector<float> &w, int64_t rows,
            int64_t cols,
            int64_t group) -> qf::Result<qf::quant::UnpackedWeight> {
      auto start = Clock::now();
      auto h = readStatistic(*file, key + ".hessian", {cols, cols});
      if (!h.ok())
        return h.status();
      auto rtn = qf::quant::quantizeRTN(w.data(), rows, cols, int(bits), group,
                                        symmetric);
      if (!rtn.ok())
        return rtn.status();
      const double errorRTN =
          qf::quant::outputError(w.data(), rtn->dequantize().data(), rows,
                                 cols, h->data());

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
      std::vector<double> hs(*h);
      for (int64_t i = 0; i < cols; ++i)
        for (int64_t j = 0; j < cols; ++j)
          hs[i * cols + j] /= double(in[i]) * double(in[j]);

      std::optional<double> clipRatio;
      if (clip && !analysis.noClip.contains(key)) {
        qf::quant::AWQOptions options = awq;
        options.groupSize = group;
        auto search =
            qf::quant::searchClip(scaled.data(), rows, cols, hs.data(), options);
        if (!search.ok())
          return search.status();
        // The mean kept fraction of each group's max |w|.
        std::vector<float> original(search->maxValues.size(), 0.0f);
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t c = 0; c < cols; ++c) {
            float &m = original[r * (cols / group) + c / group];
            m = std::max(m, std::fabs(scaled[r * cols + c]));
          }
        double sum = 0.0;
        for (size_t i = 0; i < original.size(); ++i)
          sum += original[i] > 0.0f ? search->maxValues[i] / original[i] : 1.0;
        clipRatio = sum / double(original.size());
        if (qf::Status status = qf::quant::applyClip(
                scaled.data(), rows, cols, group, search->maxValues);
            !status.ok())
          return status;
      }
      auto quantized = qf::quant::quantizeRTN(scaled.data(), rows, cols,
                                              int(bits), group, symmetric);
      if (!quantized.ok())
        return quantized.status();
      // The error of what the model now computes, in the stored weight's
      // terms.
      std::vector<float> effective = quantized->dequantize();
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c)
          effective[r * cols + c] = effective[r * cols + c] * out[r] / in[c];
      const double error = qf::quant::outputError(
          w.data(), effective.data(), rows, cols, h->data());

      auto found = groupOf.find(key);
      const ScaleGroup *scaleGroup =
          found == groupOf.end() ? nullptr
                                 : &analysis.groups[found->second];
      bool scaledGroup = scaleGroup && !scaleGroup->scales.empty();
      double seconds =
          secondsSince(start) +
          (scaledGroup ? scaleGroup->seconds / scaleGroup->keys.size() : 0.0);
      llvm::json::Object entry{
          {"key", key},
          {"method", "awq"},
          {"bits", int64_t(bits)},
          {"group_size", group},
          {"rows", rows},
          {"cols", cols},
          {"error_rtn", errorRTN},
          {"error", error},
          {"seconds", seconds},
          {"alpha", scaledGroup ? llvm::json::Value(double(scaleGroup->alpha))
                                : llvm::json::Value(nullptr)},
          {"fold", scaledGroup ? llvm::json::Value(scaleGroup->producerKey)
                               : llvm::json::Value(nullptr)},
          {"clip", clipRatio ? llvm::json::Value(*clipRatio)
                             : llvm::json::Value(nullptr)}};
      if (scaleGroup && !scaledGroup)
        entry["unscaled"] = scaleGroup->why;
      layers.push_back(std::move(entry));
      if (progress) {
        std::string alpha = scaledGroup
                                ? llvm::formatv("{0:F2}", scaleGroup->alpha).str()
                                : std::string("-");
        std::string kept =
            clipRatio ? llvm::formatv("{0:F3}", *clipRatio).str() : "-";
        llvm::errs() << llvm::format(
            "[awq %d/%d] %s [%lld x %lld] alpha %s clip %s output error "
            "%.3e (RTN %.3e) (%.0f ms)\n",
            ++done, total, key.c_str(), (long long)rows, (long long)cols,
            alpha.c_str(), kept.c_str(), error, errorRTN, seconds * 1e3);
      }
      return quantized;
    };
    if (failed(quantizeLinears(module, settings)))
      return failure();
    return writeReport(module, std::move(layers));
  }

  LogicalResult writeReport(ModuleOp module, llvm::json::Array layers) {
    if (report.empty())
      return success();
    std::error_code ec;
    llvm::raw_fd_ostream os(report, ec, llvm::sys::fs::OF_Text);
    if (ec)
      return module.emitError() << report << ": " << ec.message();
    llvm::json::Object root{{"method", "awq"},
                            {"bits", int64_t(bits)},
                            {"group_size", int64_t(groupSize)},
                            {"symmetric", bool(symmetric)},
                            {"grid", int64_t(grid)},
                            {"clip", bool(clip)},
                            {"clip_grid", int64_t(clipGrid)},
                            {"max_shrink", double(maxShrink)},
                            {"statistics", std::string(statistics)},
                            {"layers", std::move(layers)}};
    os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
    return success();
  }
};

} // namespace
