//===- AWQGroups.cpp - which linears share AWQ scales, and their folds ----===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Quant/AWQGroups.h"

#include "passes/Quant/QuantizeLinears.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <map>

using namespace mlir;
using namespace quantforge;

namespace {

/// The weight a linear reads if it is one the quantization loop quantizes.
llm::WeightOp quantizedWeight(llm::LinearOp linear) {
  auto weight = linear.getWeight().getDefiningOp<llm::WeightOp>();
  if (weight && isa<RankedTensorType>(weight.getType()) &&
      isDecoderWeight(weight.getKey()))
    return weight;
  return {};
}

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

} // namespace

AWQGroups quantforge::analyzeAWQGroups(ModuleOp module) {
  AWQGroups result;
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
    AWQGroup group;
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
        group.producer = AWQProducer::Norm;
        group.producerKey = weight.getKey().str();
        group.normUses.push_back(&norm.getWeightMutable());
      } else {
        group.why = "the RMSNorm weight is not a stored tensor";
      }
    } else if ((producer = producingLinear(input, group.why))) {
      group.producer = AWQProducer::Linear;
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
  for (const AWQGroup &group : result.groups) {
    for (const std::string &key : group.keys)
      ++groupsPerKey[key];
    if (group.producer != AWQProducer::None)
      ++groupsPerProducer[group.producerKey];
  }
  for (AWQGroup &group : result.groups) {
    if (group.producer == AWQProducer::None)
      continue;
    if (llvm::any_of(group.keys,
                     [&](const std::string &k) { return groupsPerKey[k] > 1; }))
      group.why = "a weight is read with different inputs";
    else if (groupsPerProducer[group.producerKey] > 1)
      group.why = "its producer feeds other groups too";
    else if (group.producer == AWQProducer::Linear &&
             producerLinears[group.producerKey] !=
                 linearsPerKey[group.producerKey])
      group.why = "the producing weight has other uses";
    else
      continue;
    group.producer = AWQProducer::None;
    group.normUses.clear();
  }
  for (auto [index, group] : llvm::enumerate(result.groups))
    for (const std::string &key : group.keys)
      result.groupOf[key] = index;
  return result;
}

qf::Result<AWQGroupScales> quantforge::searchAWQGroupScales(
    const AWQGroup &group, const std::vector<std::vector<float>> &weights,
    int64_t cols, const std::vector<float> &absMean,
    const std::vector<double> &hessian, const qf::quant::AWQOptions &options,
    int index, int count, bool progress) {
  auto start = std::chrono::steady_clock::now();
  std::vector<qf::quant::WeightView<const float>> views;
  double rows = 0.0;
  for (const std::vector<float> &w : weights) {
    views.push_back({w.data(), int64_t(w.size()) / cols});
    rows += double(views.back().rows);
  }
  auto search = qf::quant::searchScales(views, cols,
                                        {absMean.data(), hessian.data()},
                                        options);
  if (!search.ok())
    return search.status();
  AWQGroupScales result;
  result.scales = std::move(search->scales);
  result.alpha = search->alpha;
  result.seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  if (progress) {
    std::string keys;
    for (const std::string &key : group.keys)
      keys += (keys.empty() ? "" : ", ") + key;
    // The losses are per row; the line sums over rows.
    llvm::errs() << llvm::format(
        "[awq scales %d/%d] %s alpha %.2f output error %.3e (alpha 0: "
        "%.3e) (%.0f ms)\n",
        index + 1, count, keys.c_str(), double(result.alpha),
        rows * search->losses[size_t(
                   std::lround(result.alpha * float(options.grid)))],
        rows * search->losses.front(), result.seconds * 1e3);
  }
  return result;
}

void quantforge::describeAWQGroup(const AWQGroup &group,
                                  const AWQGroupScales &scales,
                                  LinearReport &entry) {
  if (scales.scales.empty()) {
    entry.unscaled = group.why;
    return;
  }
  entry.alpha = scales.alpha;
  entry.fold = group.producerKey;
  entry.seconds += scales.seconds / double(group.keys.size());
}
