//===- ModelBuilder.cpp - build an llm module from a model config ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/Import/ModelBuilder.h"

#include "dialects/llm/IR/LLMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace quantforge::llm;

namespace {

/// Emits the ops of one model into @forward.
class ForwardBuilder {
public:
  ForwardBuilder(OpBuilder &builder, const qf::ModelConfig &config,
                 WeightSource &weights, KVCacheType cacheType)
      : b(builder), config(config), weights(weights), cacheType(cacheType),
        loc(builder.getUnknownLoc()), f32(builder.getF32Type()) {}

  /// Fills the body of @forward(%tokens, %start, %cache); false on error.
  bool build(Value tokens, Value start, Value cache);

private:
  RankedTensorType activation(int64_t width) {
    return RankedTensorType::get({ShapedType::kDynamic, width}, f32);
  }
  RankedTensorType heads(int64_t count) {
    return RankedTensorType::get({ShapedType::kDynamic, count, config.headDim},
                                 f32);
  }
  FailureOr<Value> weight(const std::string &name, ArrayRef<int64_t> shape) {
    FailureOr<WeightRef> ref = weights.resolve(b.getContext(), name, shape);
    if (failed(ref))
      return failure();
    return WeightOp::create(b, loc, ref->type,
                            FlatSymbolRefAttr::get(b.getContext(), ref->archive),
                            b.getStringAttr(ref->key))
        .getResult();
  }
  FailureOr<Value> rmsNorm(Value input, const std::string &name);
  FailureOr<Value> linear(Value input, const std::string &prefix, int64_t out,
                          int64_t in, bool withBias);
  FailureOr<Value> rope(Value input);
  FailureOr<Value> decoderLayer(int64_t layer, Value hidden);

  OpBuilder &b;
  const qf::ModelConfig &config;
  WeightSource &weights;
  KVCacheType cacheType;
  Location loc;
  Type f32;
  Value numTokens, positions, startPos, cache;
};

FailureOr<Value> ForwardBuilder::rmsNorm(Value input, const std::string &name) {
  FailureOr<Value> gamma = weight(name, {config.hiddenSize});
  if (failed(gamma))
    return failure();
  return RMSNormOp::create(b, loc, input, *gamma,
                           b.getF64FloatAttr(config.rmsNormEps))
      .getResult();
}

FailureOr<Value> ForwardBuilder::linear(Value input, const std::string &prefix,
                                        int64_t out, int64_t in,
                                        bool withBias) {
  FailureOr<Value> w = weight(prefix + ".weight", {out, in});
  if (failed(w))
    return failure();
  Value bias;
  if (withBias) {
    FailureOr<Value> loaded = weight(prefix + ".bias", {out});
    if (failed(loaded))
      return failure();
    bias = *loaded;
  }
  return LinearOp::create(b, loc, activation(out), input, *w, bias).getResult();
}

FailureOr<Value> ForwardBuilder::rope(Value input) {
  RopeScalingAttr scaling;
  const qf::RopeScaling &s = config.ropeScaling;
  MLIRContext *ctx = b.getContext();
  if (s.kind == qf::RopeScaling::Kind::Linear)
    scaling = RopeScalingAttr::get(ctx, RopeScalingKind::linear,
                                   b.getF64FloatAttr(s.factor), {}, {}, {});
  else if (s.kind == qf::RopeScaling::Kind::Llama3)
    scaling = RopeScalingAttr::get(
        ctx, RopeScalingKind::llama3, b.getF64FloatAttr(s.factor),
        b.getF64FloatAttr(s.lowFreqFactor), b.getF64FloatAttr(s.highFreqFactor),
        b.getI64IntegerAttr(s.originalMaxPosition));
  return RotaryEmbeddingOp::create(
             b, loc, input.getType(), input, positions,
             b.getF64FloatAttr(config.ropeTheta), scaling,
             weights.interleavedRope() ? b.getUnitAttr() : UnitAttr())
      .getResult();
}

FailureOr<Value> ForwardBuilder::decoderLayer(int64_t layer, Value hidden) {
  const qf::ModelConfig &c = config;
  std::string prefix = "model.layers." + std::to_string(layer) + ".";
  int64_t qWidth = c.numHeads * c.headDim, kvWidth = c.numKvHeads * c.headDim;
  auto splitHeads = [&](Value x, int64_t count) {
    SmallVector<OpFoldResult> shape = {numTokens, b.getIndexAttr(count),
                                       b.getIndexAttr(c.headDim)};
    return tensor::ExpandShapeOp::create(b, loc, heads(count), x,
                                         ArrayRef<ReassociationIndices>{{0}, {1, 2}},
                                         shape)
        .getResult();
  };

  FailureOr<Value> x = rmsNorm(hidden, prefix + "input_layernorm.weight");
  if (failed(x))
    return failure();
  FailureOr<Value> q = linear(*x, prefix + "self_attn.q_proj", qWidth,
                              c.hiddenSize, c.qkvBias);
  if (failed(q))
    return failure();
  FailureOr<Value> k = linear(*x, prefix + "self_attn.k_proj", kvWidth,
                              c.hiddenSize, c.qkvBias);
  if (failed(k))
    return failure();
  FailureOr<Value> v = linear(*x, prefix + "self_attn.v_proj", kvWidth,
                              c.hiddenSize, c.qkvBias);
  if (failed(v))
    return failure();
  FailureOr<Value> qr = rope(splitHeads(*q, c.numHeads));
  FailureOr<Value> kr = rope(splitHeads(*k, c.numKvHeads));
  Value vh = splitHeads(*v, c.numKvHeads);

  IntegerAttr window;
  if (std::optional<int64_t> w = c.slidingWindowOfLayer(layer))
    window = b.getI64IntegerAttr(*w);
  auto attention = AttentionOp::create(b, loc, *qr, *kr, vh, cache, startPos,
                                       b.getI64IntegerAttr(layer),
                                       /*scale=*/FloatAttr(), window);
  cache = attention.getUpdatedCache();
  Value merged = tensor::CollapseShapeOp::create(
                     b, loc, activation(qWidth), attention.getResult(),
                     ArrayRef<ReassociationIndices>{{0}, {1, 2}})
                     .getResult();
  FailureOr<Value> attnOut = linear(merged, prefix + "self_attn.o_proj",
                                    c.hiddenSize, qWidth, c.outputBias);
  if (failed(attnOut))
    return failure();
  Value h = arith::AddFOp::create(b, loc, hidden, *attnOut);

  FailureOr<Value> y = rmsNorm(h, prefix + "post_attention_layernorm.weight");
  if (failed(y))
    return failure();
  FailureOr<Value> gate = linear(*y, prefix + "mlp.gate_proj",
                                 c.intermediateSize, c.hiddenSize, c.mlpBias);
  if (failed(gate))
    return failure();
  FailureOr<Value> up = linear(*y, prefix + "mlp.up_proj", c.intermediateSize,
                               c.hiddenSize, c.mlpBias);
  if (failed(up))
    return failure();
  Value act = SwiGLUOp::create(b, loc, *gate, *up);
  FailureOr<Value> down = linear(act, prefix + "mlp.down_proj", c.hiddenSize,
                                 c.intermediateSize, c.mlpBias);
  if (failed(down))
    return failure();
  return arith::AddFOp::create(b, loc, h, *down).getResult();
}

bool ForwardBuilder::build(Value tokens, Value start, Value cacheIn) {
  startPos = start;
  cache = cacheIn;
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  numTokens = tensor::DimOp::create(b, loc, tokens, zero);
  // positions[i] = start + i, the rotary position of each new token.
  auto positionsType =
      RankedTensorType::get({ShapedType::kDynamic}, b.getI32Type());
  positions = tensor::GenerateOp::create(
                  b, loc, positionsType, ValueRange{numTokens},
                  [&](OpBuilder &nested, Location l, ValueRange indices) {
                    Value pos = arith::AddIOp::create(nested, l, indices[0],
                                                      startPos);
                    Value pos32 = arith::IndexCastOp::create(
                        nested, l, nested.getI32Type(), pos);
                    tensor::YieldOp::create(nested, l, pos32);
                  })
                  .getResult();

  const std::string embedName = "model.embed_tokens.weight";
  FailureOr<Value> table = weight(embedName, {config.vocabSize, config.hiddenSize});
  if (failed(table))
    return false;
  Value hidden = EmbeddingOp::create(b, loc, activation(config.hiddenSize),
                                     *table, tokens);
  for (int64_t layer = 0; layer < config.numLayers; ++layer) {
    FailureOr<Value> next = decoderLayer(layer, hidden);
    if (failed(next))
      return false;
    hidden = *next;
  }
  FailureOr<Value> normed = rmsNorm(hidden, "model.norm.weight");
  if (failed(normed))
    return false;
  // Tied checkpoints often omit lm_head.weight; the head then reads the
  // embedding table, which CSE later merges into one reference.
  bool tied = config.tieWordEmbeddings || !weights.contains("lm_head.weight");
  FailureOr<Value> head = weight(tied ? embedName : "lm_head.weight",
                                 {config.vocabSize, config.hiddenSize});
  if (failed(head))
    return false;
  Value logits = LinearOp::create(b, loc, activation(config.vocabSize),
                                  *normed, *head, Value());
  func::ReturnOp::create(b, loc, ValueRange{logits, cache});
  return true;
}

Type parseCacheElementType(MLIRContext *ctx, StringRef name) {
  return llvm::StringSwitch<Type>(name)
      .Case("f32", Float32Type::get(ctx))
      .Case("f16", Float16Type::get(ctx))
      .Case("bf16", BFloat16Type::get(ctx))
      .Default(Type());
}

} // namespace

OwningOpRef<ModuleOp>
quantforge::llm::buildModelModule(MLIRContext *context,
                                  const qf::ModelConfig &config,
                                  WeightSource &weights,
                                  const ModelBuildOptions &options) {
  context->loadDialect<LLMDialect, arith::ArithDialect, func::FuncDialect,
                       tensor::TensorDialect>();
  Location loc = UnknownLoc::get(context);
  Type cacheElement = parseCacheElementType(context, options.kvCacheType);
  if (!cacheElement) {
    emitError(loc) << "unknown KV cache type '" << options.kvCacheType
                   << "' (expected f32, f16 or bf16)";
    return nullptr;
  }
  int64_t maxSeq = options.maxSeq > 0
                       ? options.maxSeq
                       : std::min<int64_t>(config.maxPositions, 4096);
  auto cacheType = KVCacheType::get(context, config.numLayers, config.numKvHeads,
                                    maxSeq, config.headDim, cacheElement);

  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  OpBuilder b = OpBuilder::atBlockBegin(module->getBody());
  for (const ArchiveDecl &archive : weights.archives())
    ParamArchiveOp::create(b, loc, archive.symbol, archive.format, archive.path);

  auto f32 = b.getF32Type();
  auto tokensType = RankedTensorType::get({ShapedType::kDynamic}, b.getI32Type());
  auto logitsType =
      RankedTensorType::get({ShapedType::kDynamic, config.vocabSize}, f32);
  auto forwardType = b.getFunctionType(
      {tokensType, b.getIndexType(), cacheType}, {logitsType, cacheType});
  auto forward = func::FuncOp::create(b, loc, "forward", forwardType);
  forward.setPrivate();
  {
    OpBuilder::InsertionGuard guard(b);
    Block *body = forward.addEntryBlock();
    b.setInsertionPointToStart(body);
    ForwardBuilder builder(b, config, weights, cacheType);
    if (!builder.build(body->getArgument(0), body->getArgument(1),
                       body->getArgument(2)))
      return nullptr;
  }

  // The entry points call @forward; decode pins the token count to one.
  auto entryAttr = [&](EntryPointKind kind) {
    return NamedAttribute(b.getStringAttr(LLMDialect::getEntryPointAttrName()),
                          EntryPointKindAttr::get(context, kind));
  };
  auto prefill = func::FuncOp::create(b, loc, "prefill", forwardType,
                                      ArrayRef(entryAttr(EntryPointKind::prefill)));
  {
    OpBuilder::InsertionGuard guard(b);
    Block *body = prefill.addEntryBlock();
    b.setInsertionPointToStart(body);
    auto call = func::CallOp::create(b, loc, forward, body->getArguments());
    func::ReturnOp::create(b, loc, call.getResults());
  }

  auto oneToken = RankedTensorType::get({1}, b.getI32Type());
  auto oneRow = RankedTensorType::get({1, config.vocabSize}, f32);
  auto decodeType = b.getFunctionType({oneToken, b.getIndexType(), cacheType},
                                      {oneRow, cacheType});
  auto decode = func::FuncOp::create(b, loc, "decode", decodeType,
                                     ArrayRef(entryAttr(EntryPointKind::decode)));
  {
    OpBuilder::InsertionGuard guard(b);
    Block *body = decode.addEntryBlock();
    b.setInsertionPointToStart(body);
    Value tokens =
        tensor::CastOp::create(b, loc, tokensType, body->getArgument(0));
    auto call = func::CallOp::create(
        b, loc, forward,
        ValueRange{tokens, body->getArgument(1), body->getArgument(2)});
    Value row = tensor::CastOp::create(b, loc, oneRow, call.getResult(0));
    func::ReturnOp::create(b, loc, ValueRange{row, call.getResult(1)});
  }
  return module;
}
