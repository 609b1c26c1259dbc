//===- FoldActOrder.cpp - remove act-order's g_idx from the matmuls -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// y = x W^T = x[perm] W[:, perm]^T for any permutation of the columns. With
// perm the columns sorted by g_idx, W[:, perm] has contiguous groups and needs
// no g_idx; the gather x[perm] is folded into x's producer where that is
// exact, and kept as an O(in)-per-token llm.permute elsewhere.
//
//===----------------------------------------------------------------------===//

#include "passes/Quant/Passes.h"

#include "passes/Quant/QuantizeLinears.h"
#include "passes/Quant/WeightArchives.h"
#include "runtime/io/Safetensors.h"
#include "runtime/quant/ActOrder.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

namespace quantforge {
#define GEN_PASS_DEF_LLMFOLDACTORDER
#include "passes/Quant/Passes.h.inc"
} // namespace quantforge

using namespace mlir;
using namespace quantforge;

namespace {

using Permutation = std::vector<int32_t>;

/// A weight written to the new archive: an act-order matrix with its columns
/// in group order, and/or a matrix or bias vector with permuted rows.
struct WeightEdit {
  llm::WeightOp op;
  /// Set for quantized weights; otherwise `floats` holds the values.
  std::optional<qf::quant::UnpackedWeight> quantized;
  std::vector<float> floats;
  /// The column permutation of an act-order weight (empty otherwise).
  Permutation columns;
  /// Row i of the result is row rows[i] (empty: rows unchanged).
  Permutation rows;
};

/// How one input's act-order linears lost their g_idx.
enum class Placement { Norm, Producer, Gather };

std::vector<uint8_t> bytesOf(const void *data, size_t size) {
  const auto *bytes = static_cast<const uint8_t *>(data);
  return std::vector<uint8_t>(bytes, bytes + size);
}

/// Weights whose rows the pass can rewrite: float, or quantized in a layout
/// WeightArchives unpacks.
bool rowsPermutable(Value value) {
  auto weight = value.getDefiningOp<llm::WeightOp>();
  if (!weight || !weight->hasOneUse())
    return false;
  auto qtype = dyn_cast<llm::QWeightType>(weight.getType());
  if (!qtype)
    return true;
  switch (qtype.getPacking()) {
  case llm::WeightPacking::canonical:
  case llm::WeightPacking::gptq_v1:
  case llm::WeightPacking::gptq_v2:
  case llm::WeightPacking::awq_gemm:
    return !qtype.getScaleType().isBF16();
  default:
    return false;
  }
}

/// The gate and up projections of `x` = llm.swiglu(gate, up) when their
/// output rows can carry the permutation of x's only reader.
std::optional<std::pair<llm::LinearOp, llm::LinearOp>> swigluProducers(Value x) {
  auto swiglu = x.getDefiningOp<llm::SwiGLUOp>();
  if (!swiglu || !x.hasOneUse())
    return std::nullopt;
  auto gate = swiglu.getGate().getDefiningOp<llm::LinearOp>();
  auto up = swiglu.getUp().getDefiningOp<llm::LinearOp>();
  if (!gate || !up || gate == up)
    return std::nullopt;
  for (llm::LinearOp linear : {gate, up}) {
    if (!linear->hasOneUse() || !rowsPermutable(linear.getWeight()) ||
        (linear.getBias() && !rowsPermutable(linear.getBias())))
      return std::nullopt;
  }
  return std::make_pair(gate, up);
}

struct LLMFoldActOrderPass
    : quantforge::impl::LLMFoldActOrderBase<LLMFoldActOrderPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(run(getOperation())))
      signalPassFailure();
  }

  LogicalResult run(ModuleOp module) {
    SmallVector<llm::LinearOp> linears;
    module.walk([&](llm::LinearOp linear) {
      auto qtype = dyn_cast<llm::QWeightType>(linear.getWeight().getType());
      if (qtype && qtype.getActOrder())
        linears.push_back(linear);
    });
    edits.clear();
    columns.clear();
    counts.clear();
    if (linears.empty())
      return success();
    if (failed(checkStructure(linears)))
      return failure();

    WeightArchives archives(module);
    // Column permutations first: the placement compares them.
    for (llm::LinearOp linear : linears) {
      auto weight = linear.getWeight().getDefiningOp<llm::WeightOp>();
      if (edits.count(weight))
        continue;
      auto unpacked = archives.readUnpacked(weight);
      if (!unpacked.ok())
        return weight.emitOpError() << unpacked.message();
      auto sorted = qf::quant::sortColumnsByGroup(*unpacked);
      if (!sorted.ok())
        return weight.emitOpError("cannot fold act-order: ")
               << sorted.message();
      WeightEdit edit;
      edit.op = weight;
      edit.quantized = std::move(sorted->weight);
      edit.columns = std::move(sorted->perm);
      edits[weight] = std::move(edit);
    }
    for (llm::LinearOp linear : linears)
      columns[linear] = edits[linear.getWeight().getDefiningOp()].columns;
    if (output.empty())
      return module.emitError("llm-fold-act-order: the module has act-order "
                              "weights; it needs output=<parameter file>");

    // Group the linears that need a permuted input by that input.
    llvm::MapVector<Value, SmallVector<llm::LinearOp>> byInput;
    for (llm::LinearOp linear : linears) {
      if (qf::quant::isIdentity(columnsOf(linear)))
        report(linear, "dropped g_idx", "already in column order");
      else
        byInput[linear.getInput()].push_back(linear);
    }
    SmallVector<std::pair<Value, Placement>> placements;
    for (auto &[x, readers] : byInput) {
      FailureOr<Placement> placement = place(archives, x, readers);
      if (failed(placement))
        return failure();
      placements.push_back({x, *placement});
    }

    return rewrite(module, placements, byInput);
  }

private:
  /// Errors that need no archive: what the rewrite relies on.
  LogicalResult checkStructure(ArrayRef<llm::LinearOp> linears) {
    for (llm::LinearOp linear : linears) {
      auto weight = linear.getWeight().getDefiningOp<llm::WeightOp>();
      if (!weight)
        return linear.emitOpError(
            "has an act-order weight that is not an llm.weight; run "
            "llm-fold-act-order before llm-bind-parameters");
      if (cast<llm::QWeightType>(weight.getType()).getScaleType().isBF16())
        return weight.emitOpError(
            "has bf16 scales, which the canonical layout cannot hold");
      for (OpOperand &use : weight->getUses())
        if (!isa<llm::LinearOp>(use.getOwner()) || use.getOperandNumber() != 1)
          return weight.emitOpError("act-order weight is also used by '")
                 << use.getOwner()->getName()
                 << "'; only linear layers can be folded";
    }
    return success();
  }

  const Permutation &columnsOf(llm::LinearOp linear) {
    return columns[linear];
  }

  /// Decides where the permutation of `x`'s act-order readers goes, and
  /// records the row permutations of case (b).
  FailureOr<Placement> place(WeightArchives &archives, Value x,
                             ArrayRef<llm::LinearOp> readers) {
    const Permutation &perm = columnsOf(readers.front());
    bool shared = llvm::all_of(readers, [&](llm::LinearOp linear) {
      return columnsOf(linear) == perm;
    });
    bool onlyThese = llvm::all_of(x.getUsers(), [&](Operation *user) {
      return llvm::is_contained(readers, user);
    });
    auto norm = x.getDefiningOp<llm::RMSNormOp>();
    if (norm && !norm.getPermutation() && shared && onlyThese) {
      for (llm::LinearOp linear : readers)
        report(linear, "folded into the norm", "");
      return Placement::Norm;
    }
    auto producers = readers.size() == 1 ? swigluProducers(x) : std::nullopt;
    if (producers) {
      auto [gate, up] = *producers;
      for (llm::LinearOp producer : {gate, up})
        for (Value value : {Value(producer.getWeight()), Value(producer.getBias())})
          if (value && failed(permuteRows(archives, value, perm)))
            return failure();
      report(readers.front(), "folded into the producers' rows",
             keyOf(gate.getWeight()) + ", " + keyOf(up.getWeight()));
      return Placement::Producer;
    }
    std::string why = !shared ? "its input's linears differ in permutation"
                      : x.getDefiningOp()
                          ? "input from " +
                                x.getDefiningOp()->getName().getStringRef().str()
                          : "input is a block argument";
    for (llm::LinearOp linear : readers)
      report(linear, "kept a gather", why);
    return Placement::Gather;
  }

  /// Records that the rows of weight or bias `value` are permuted by `perm`.
  LogicalResult permuteRows(WeightArchives &archives, Value value,
                            const Permutation &perm) {
    auto weight = value.getDefiningOp<llm::WeightOp>();
    auto it = edits.find(weight);
    if (it == edits.end()) {
      WeightEdit edit;
      edit.op = weight;
      if (isa<llm::QWeightType>(weight.getType())) {
        auto unpacked = archives.readUnpacked(weight);
        if (!unpacked.ok())
          return weight.emitOpError() << unpacked.message();
        edit.quantized = unpacked.take();
      } else {
        auto values = archives.readFloats(weight);
        if (!values.ok())
          return weight.emitOpError() << values.message();
        edit.floats = values.take();
      }
      it = edits.insert({weight, std::move(edit)}).first;
    }
    it->second.rows = perm;
    return success();
  }

  static std::string keyOf(Value value) {
    return value.getDefiningOp<llm::WeightOp>().getKey().str();
  }

  /// One progress line per linear: what happened to its g_idx and why; the
  /// same on the linear as `qf.g_idx_fold` for the per-weight report.
  void report(llm::LinearOp linear, const std::string &how,
              const std::string &detail) {
    ++counts[how];
    linear->setAttr("qf.g_idx_fold",
                    StringAttr::get(linear.getContext(),
                                    detail.empty() ? how
                                                   : how + " (" + detail + ")"));
    if (!progress)
      return;
    llvm::errs() << "[fold-act-order] " << keyOf(linear.getWeight()) << ": "
                 << how;
    if (!detail.empty())
      llvm::errs() << " (" << detail << ")";
    llvm::errs() << "\n";
  }

  /// Writes the archive and rewrites the IR.
  LogicalResult
  rewrite(ModuleOp module, ArrayRef<std::pair<Value, Placement>> placements,
          llvm::MapVector<Value, SmallVector<llm::LinearOp>> &byInput) {
    MLIRContext *ctx = module.getContext();
    SymbolTable symbols(module);
    std::string archive = "actorder";
    for (int i = 1; symbols.lookup(archive); ++i)
      archive = "actorder" + std::to_string(i);
    auto archiveRef = FlatSymbolRefAttr::get(ctx, archive);
    qf::io::SafetensorsWriter writer;

    for (auto &[op, edit] : edits) {
      llm::WeightOp weight = edit.op;
      std::string key = weight.getKey().str();
      Type type;
      qf::Status status;
      if (edit.quantized) {
        qf::quant::UnpackedWeight &q = *edit.quantized;
        if (!edit.rows.empty()) {
          auto permuted = qf::quant::permuteRows(q, edit.rows);
          if (!permuted.ok())
            return weight.emitOpError() << permuted.message();
          q = permuted.take();
        }
        auto qtype = cast<llm::QWeightType>(weight.getType());
        type = llm::QWeightType::get(
            ctx, qtype.getShape(), qtype.getBits(), qtype.getGroupSize(),
            qtype.getSymmetric(), qtype.getScaleType(),
            llm::WeightPacking::canonical, /*actOrder=*/false);
        status = addCanonicalWeight(writer, key, q, qtype.getSymmetric(),
                                    qtype.getScaleType().isF16());
      } else {
        auto tensor = cast<RankedTensorType>(weight.getType());
        int64_t rows = tensor.getDimSize(0);
        int64_t width = int64_t(edit.floats.size()) / rows;
        std::vector<float> values(edit.floats.size());
        for (int64_t i = 0; i < rows; ++i)
          std::memcpy(&values[i * width], &edit.floats[edit.rows[i] * width],
                      width * sizeof(float));
        type = RankedTensorType::get(tensor.getShape(), Float32Type::get(ctx));
        status = writer.addTensor(
            key, qf::io::DType::F32,
            std::vector<int64_t>(tensor.getShape().begin(), tensor.getShape().end()),
            bytesOf(values.data(), values.size() * sizeof(float)));
      }
      if (!status.ok())
        return weight.emitOpError() << status.message();
      OpBuilder b(weight);
      auto replacement = llm::WeightOp::create(b, weight.getLoc(), type, archiveRef,
                                               weight.getKeyAttr());
      weight.getResult().replaceAllUsesWith(replacement.getResult());
      weight.erase();
    }

    // The permutations: one tensor per input, named after its first reader.
    auto permutation = [&](OpBuilder &b, Location loc, llm::LinearOp reader,
                           const Permutation &perm) -> FailureOr<Value> {
      std::string key = keyOf(reader.getWeight()) + ".perm";
      if (qf::Status status = writer.addTensor(
              key, qf::io::DType::I32, {int64_t(perm.size())},
              bytesOf(perm.data(), perm.size() * sizeof(int32_t)));
          !status.ok())
        return reader.emitOpError() << status.message();
      auto type = RankedTensorType::get({int64_t(perm.size())}, b.getI32Type());
      return llm::WeightOp::create(b, loc, type, archiveRef, b.getStringAttr(key))
          .getResult();
    };
    for (auto [x, placement] : placements) {
      ArrayRef<llm::LinearOp> readers = byInput[x];
      if (placement == Placement::Producer)
        continue;
      if (placement == Placement::Norm) {
        auto norm = x.getDefiningOp<llm::RMSNormOp>();
        OpBuilder b(norm);
        FailureOr<Value> perm =
            permutation(b, norm.getLoc(), readers.front(), columnsOf(readers.front()));
        if (failed(perm))
          return failure();
        norm.getPermutationMutable().assign(*perm);
        continue;
      }
      // One gather per distinct permutation, where x is defined.
      OpBuilder b(ctx);
      if (Operation *def = x.getDefiningOp())
        b.setInsertionPointAfter(def);
      else
        b.setInsertionPointToStart(cast<BlockArgument>(x).getOwner());
      std::map<Permutation, Value> gathered;
      for (llm::LinearOp linear : readers) {
        const Permutation &columns = columnsOf(linear);
        Value &permuted = gathered[columns];
        if (!permuted) {
          FailureOr<Value> perm = permutation(b, linear.getLoc(), linear, columns);
          if (failed(perm))
            return failure();
          permuted = llm::PermuteOp::create(b, linear.getLoc(), x, *perm);
        }
        linear.getInputMutable().assign(permuted);
      }
    }

    llvm::SmallString<256> path(output);
    llvm::sys::fs::make_absolute(path);
    if (qf::Status status = writer.write(path.str().str()); !status.ok())
      return module.emitError() << status.message();
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    llm::ParamArchiveOp::create(b, module.getLoc(), archive,
                                llm::ArchiveFormat::safetensors, path.str());
    if (progress) {
      llvm::errs() << "[fold-act-order] summary:";
      for (auto &[how, count] : counts)
        llvm::errs() << " " << count << " " << how << ";";
      llvm::errs() << "\n";
    }
    return success();
  }

  llvm::MapVector<Operation *, WeightEdit> edits;
  /// Each act-order linear's column permutation (its weight's).
  llvm::DenseMap<Operation *, Permutation> columns;
  std::map<std::string, int> counts;
};

} // namespace
