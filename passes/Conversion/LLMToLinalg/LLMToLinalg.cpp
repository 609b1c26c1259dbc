//===- LLMToLinalg.cpp - lower llm ops to linalg on tensors ---------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/Passes.h"

#include "dialects/llm/IR/LLMOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

namespace quantforge {
#define GEN_PASS_DEF_CONVERTLLMTOLINALG
#include "passes/Conversion/Passes.h.inc"
} // namespace quantforge

using namespace mlir;
using namespace quantforge;
using utils::IteratorType;

namespace {

constexpr IteratorType kParallel = IteratorType::parallel;
constexpr IteratorType kReduction = IteratorType::reduction;

/// Float arithmetic may be reassociated and contracted: lets LLVM vectorize
/// the reductions of matmuls and norms. The error this adds stays within the
/// tolerance of the float32 reference (perplexity within 0.1%).
arith::FastMathFlagsAttr fastMath(OpBuilder &b) {
  return arith::FastMathFlagsAttr::get(
      b.getContext(), arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
}

void yieldValue(OpBuilder &b, Location loc, Value value) {
  linalg::YieldOp::create(b, loc, ValueRange{value});
}

Value toF32(OpBuilder &b, Location loc, Value value) {
  if (value.getType().isF32())
    return value;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), value);
}

Value fromF32(OpBuilder &b, Location loc, Value value, Type type) {
  if (type.isF32())
    return value;
  return arith::TruncFOp::create(b, loc, type, value);
}

Value f32Constant(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(value)));
}

/// The dynamic sizes of `type` taken from `source` (same rank).
SmallVector<Value> dynamicSizes(OpBuilder &b, Location loc, Value source,
                                RankedTensorType type) {
  SmallVector<Value> sizes;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      sizes.push_back(tensor::DimOp::create(b, loc, source, i));
  return sizes;
}

Value emptyLike(OpBuilder &b, Location loc, RankedTensorType type,
                ValueRange sizes) {
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(),
                                 sizes);
}

Value filled(OpBuilder &b, Location loc, RankedTensorType type,
             ValueRange sizes, Value value) {
  Value empty = emptyLike(b, loc, type, sizes);
  return linalg::FillOp::create(b, loc, value, empty).getResult(0);
}

SmallVector<AffineMap> maps(MLIRContext *ctx, unsigned dims,
                            ArrayRef<ArrayRef<unsigned>> results) {
  SmallVector<AffineMap> list;
  for (ArrayRef<unsigned> positions : results) {
    SmallVector<AffineExpr> exprs;
    for (unsigned p : positions)
      exprs.push_back(getAffineDimExpr(p, ctx));
    list.push_back(AffineMap::get(dims, 0, exprs, ctx));
  }
  return list;
}

LogicalResult requireRank2(Operation *op, Type type,
                           ConversionPatternRewriter &rewriter) {
  if (cast<RankedTensorType>(type).getRank() == 2)
    return success();
  return rewriter.notifyMatchFailure(op, "only [tokens, features] inputs");
}

//===----------------------------------------------------------------------===//
// Weights and simple layers
//===----------------------------------------------------------------------===//

/// Reads value `index` of a little-endian bit stream of `bits`-bit values
/// from row `row` of a packed i8 tensor, inside a linalg body.
Value unpackBits(OpBuilder &b, Location l, Value packed, Value row, Value index,
                 int64_t bits) {
  Type i32 = b.getI32Type();
  auto constant = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, l, v).getResult();
  };
  Value bit = arith::MulIOp::create(b, l, index, constant(bits));
  Value byte = arith::DivUIOp::create(b, l, bit, constant(8));
  Value shift = arith::RemUIOp::create(b, l, bit, constant(8));
  auto load = [&](Value at) {
    Value raw = tensor::ExtractOp::create(b, l, packed, ValueRange{row, at});
    return arith::ExtUIOp::create(b, l, i32, raw).getResult();
  };
  Value word = load(byte);
  if (8 % bits != 0) {
    // The value may continue into the next byte; never read past the row.
    int64_t rowBytes = cast<RankedTensorType>(packed.getType()).getDimSize(1);
    Value next = arith::MinUIOp::create(
        b, l, arith::AddIOp::create(b, l, byte, constant(1)), constant(rowBytes - 1));
    Value high = arith::ShLIOp::create(
        b, l, load(next), arith::ConstantIntOp::create(b, l, i32, 8));
    word = arith::OrIOp::create(b, l, word, high);
  }
  Value shifted = arith::ShRUIOp::create(
      b, l, word, arith::IndexCastOp::create(b, l, i32, shift));
  return arith::AndIOp::create(
      b, l, shifted, arith::ConstantIntOp::create(b, l, i32, (1 << bits) - 1));
}

struct LinearLowering : OpConversionPattern<llm::LinearOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(llm::LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    return lower(op, adaptor.getInput(), ValueRange(adaptor.getWeight()),
                 adaptor.getBias(), rewriter);
  }
  LogicalResult
  matchAndRewrite(llm::LinearOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ValueRange bias = adaptor.getBias();
    return lower(op, adaptor.getInput().front(), adaptor.getWeight(),
                 bias.empty() ? Value() : bias.front(), rewriter);
  }

  /// y[s, n] = sum_k x[s, k] * w[n, k], with w widened (float) or decoded
  /// and scaled (quantized) inside the contraction's body: no converted copy
  /// of a weight is ever materialized.
  LogicalResult lower(llm::LinearOp op, Value input, ValueRange weight,
                      Value bias, ConversionPatternRewriter &rewriter) const {
    if (failed(requireRank2(op, op.getInput().getType(), rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    RankedTensorType resultType = op.getType();
    SmallVector<Value> sizes;
    if (resultType.isDynamicDim(0))
      sizes.push_back(tensor::DimOp::create(rewriter, loc, input, 0));
    Value acc =
        filled(rewriter, loc, resultType, sizes, f32Constant(rewriter, loc, 0.0));
    auto accumulate = [](OpBuilder &b, Location l, Value x, Value w, Value sum) {
      Value product = arith::MulFOp::create(b, l, toF32(b, l, x), w, fastMath(b));
      yieldValue(b, l, arith::AddFOp::create(b, l, sum, product, fastMath(b)));
    };
    linalg::GenericOp matmul;
    auto qtype = dyn_cast<llm::QWeightType>(op.getWeight().getType());
    if (!qtype) {
      matmul = linalg::GenericOp::create(
          rewriter, loc, TypeRange{resultType}, ValueRange{input, weight.front()},
          ValueRange{acc}, maps(ctx, 3, {{0, 2}, {1, 2}, {0, 1}}),
          {kParallel, kParallel, kReduction}, "", "",
          [&](OpBuilder &b, Location l, ValueRange args) {
            accumulate(b, l, args[0], toF32(b, l, args[1]), args[2]);
          });
    } else {
      Value packed = weight[0], scales = weight[1];
      Value zeros = qtype.getSymmetric() ? Value() : weight[2];
      // Unfolded act-order: a g_idx load per weight element, which is what
      // llm-fold-act-order removes.
      Value groupIndex = qtype.getActOrder() ? weight.back() : Value();
      int64_t bits = qtype.getBits(), group = qtype.getGroupSize();
      matmul = linalg::GenericOp::create(
          rewriter, loc, TypeRange{resultType}, ValueRange{input},
          ValueRange{acc}, maps(ctx, 3, {{0, 2}, {0, 1}}),
          {kParallel, kParallel, kReduction}, "", "",
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value n = linalg::IndexOp::create(b, l, 1);
            Value k = linalg::IndexOp::create(b, l, 2);
            Value g =
                groupIndex
                    ? arith::IndexCastOp::create(
                          b, l, b.getIndexType(),
                          tensor::ExtractOp::create(b, l, groupIndex, k))
                          .getResult()
                    : arith::DivUIOp::create(
                          b, l, k, arith::ConstantIndexOp::create(b, l, group))
                          .getResult();
            Value q = unpackBits(b, l, packed, n, k, bits);
            Value zero =
                zeros ? unpackBits(b, l, zeros, n, g, bits)
                      : arith::ConstantIntOp::create(b, l, b.getI32Type(),
                                                     1 << (bits - 1))
                            .getResult();
            // scale * (q - zero), as the reference computes it in float32.
            Value level = arith::SIToFPOp::create(
                b, l, b.getF32Type(), arith::SubIOp::create(b, l, q, zero));
            Value scale = toF32(
                b, l, tensor::ExtractOp::create(b, l, scales, ValueRange{n, g}));
            accumulate(b, l, args[0], arith::MulFOp::create(b, l, scale, level),
                       args[1]);
          });
    }
    Value result = matmul.getResult(0);
    if (bias) {
      Value out = emptyLike(rewriter, loc, resultType, sizes);
      result = linalg::GenericOp::create(
                   rewriter, loc, TypeRange{resultType}, ValueRange{result, bias},
                   ValueRange{out}, maps(ctx, 2, {{0, 1}, {1}, {0, 1}}),
                   {kParallel, kParallel}, "", "",
                   [&](OpBuilder &b, Location l, ValueRange args) {
                     yieldValue(b, l,
                                arith::AddFOp::create(b, l, args[0],
                                                      toF32(b, l, args[1])));
                   })
                   .getResult(0);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct EmbeddingLowering : OpConversionPattern<llm::EmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::EmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Value table = adaptor.getTable();
    int64_t vocab = cast<RankedTensorType>(table.getType()).getDimSize(0);
    Value out = emptyLike(rewriter, loc, resultType,
                          dynamicSizes(rewriter, loc, adaptor.getTokens(),
                                       RankedTensorType::get(
                                           {resultType.getDimSize(0)},
                                           rewriter.getI32Type())));
    Type elementType = resultType.getElementType();
    auto gather = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{adaptor.getTokens()},
        ValueRange{out}, maps(op.getContext(), 2, {{0}, {0, 1}}),
        {kParallel, kParallel}, "", "",
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value id = arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          Value zero = arith::ConstantIndexOp::create(b, l, 0);
          Value last = arith::ConstantIndexOp::create(b, l, vocab - 1);
          id = arith::MaxSIOp::create(b, l, id, zero);
          id = arith::MinSIOp::create(b, l, id, last);
          Value column = linalg::IndexOp::create(b, l, 1);
          Value element =
              tensor::ExtractOp::create(b, l, table, ValueRange{id, column});
          yieldValue(
              b, l, fromF32(b, l, toF32(b, l, element), elementType));
        });
    rewriter.replaceOp(op, gather.getResult(0));
    return success();
  }
};

struct RMSNormLowering : OpConversionPattern<llm::RMSNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::RMSNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireRank2(op, op.getInput().getType(), rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    RankedTensorType type = op.getType();
    Value input = adaptor.getInput();
    SmallVector<Value> sizes = dynamicSizes(rewriter, loc, input, type);
    auto rowType = RankedTensorType::get({type.getDimSize(0)}, rewriter.getF32Type());
    Value sumSquares =
        filled(rewriter, loc, rowType, sizes, f32Constant(rewriter, loc, 0.0));
    sumSquares =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{rowType}, ValueRange{input},
            ValueRange{sumSquares}, maps(ctx, 2, {{0, 1}, {0}}),
            {kParallel, kReduction}, "", "",
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value x = toF32(b, l, args[0]);
              Value square = arith::MulFOp::create(b, l, x, x, fastMath(b));
              yieldValue(
                  b, l, arith::AddFOp::create(b, l, args[1], square, fastMath(b)));
            })
            .getResult(0);
    double width = double(type.getDimSize(1));
    double epsilon = op.getEpsilon().convertToDouble();
    Value out = emptyLike(rewriter, loc, type, sizes);
    // x * rsqrt(mean(x^2) + eps) * weight, in Hugging Face's order.
    auto normalized = [&](OpBuilder &b, Location l, Value x, Value sum,
                          Value weight) {
      Value mean = arith::DivFOp::create(b, l, sum, f32Constant(b, l, width));
      Value shifted = arith::AddFOp::create(b, l, mean, f32Constant(b, l, epsilon));
      Value scale = math::RsqrtOp::create(b, l, shifted);
      Value normed = arith::MulFOp::create(b, l, toF32(b, l, x), scale);
      Value result = arith::MulFOp::create(b, l, normed, toF32(b, l, weight));
      yieldValue(b, l, fromF32(b, l, result, type.getElementType()));
    };
    linalg::GenericOp normalize;
    if (Value permutation = adaptor.getPermutation()) {
      // The gather of folded act-order, in the loop that writes the norm.
      Value weight = adaptor.getWeight();
      normalize = linalg::GenericOp::create(
          rewriter, loc, TypeRange{type},
          ValueRange{sumSquares, permutation}, ValueRange{out},
          maps(ctx, 2, {{0}, {1}, {0, 1}}), {kParallel, kParallel}, "", "",
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value row = linalg::IndexOp::create(b, l, 0);
            Value from = arith::IndexCastOp::create(b, l, b.getIndexType(), args[1]);
            Value x = tensor::ExtractOp::create(b, l, input, ValueRange{row, from});
            Value w = tensor::ExtractOp::create(b, l, weight, ValueRange{from});
            normalized(b, l, x, args[0], w);
          });
    } else {
      normalize = linalg::GenericOp::create(
          rewriter, loc, TypeRange{type},
          ValueRange{input, sumSquares, adaptor.getWeight()}, ValueRange{out},
          maps(ctx, 2, {{0, 1}, {0}, {1}, {0, 1}}), {kParallel, kParallel}, "", "",
          [&](OpBuilder &b, Location l, ValueRange args) {
            normalized(b, l, args[0], args[1], args[2]);
          });
    }
    rewriter.replaceOp(op, normalize.getResult(0));
    return success();
  }
};

/// y[s, i] = x[s, p[i]]: the explicit gather that folded act-order keeps
/// where no producer can absorb the permutation.
struct PermuteLowering : OpConversionPattern<llm::PermuteOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::PermuteOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireRank2(op, op.getInput().getType(), rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Value input = adaptor.getInput();
    Value out = emptyLike(rewriter, loc, type,
                          dynamicSizes(rewriter, loc, input, type));
    auto gather = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{adaptor.getPermutation()},
        ValueRange{out}, maps(op.getContext(), 2, {{1}, {0, 1}}),
        {kParallel, kParallel}, "", "",
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value row = linalg::IndexOp::create(b, l, 0);
          Value from = arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          yieldValue(b, l,
                     tensor::ExtractOp::create(b, l, input, ValueRange{row, from}));
        });
    rewriter.replaceOp(op, gather.getResult(0));
    return success();
  }
};

/// silu(x) = x / (1 + exp(-x)), computed in f32.
Value silu(OpBuilder &b, Location l, Value x) {
  Value negated = arith::NegFOp::create(b, l, x);
  Value denominator = arith::AddFOp::create(b, l, f32Constant(b, l, 1.0),
                                            math::ExpOp::create(b, l, negated));
  return arith::DivFOp::create(b, l, x, denominator);
}

template <typename OpTy>
struct ElementwiseLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;
  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    ValueRange operands = adaptor.getOperands();
    Value out = emptyLike(rewriter, loc, type,
                          dynamicSizes(rewriter, loc, operands[0], type));
    unsigned rank = type.getRank();
    SmallVector<AffineMap> identity(operands.size() + 1,
                                    rewriter.getMultiDimIdentityMap(rank));
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, operands, ValueRange{out}, identity,
        SmallVector<IteratorType>(rank, kParallel), "", "",
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value result = silu(b, l, toF32(b, l, args[0]));
          if constexpr (std::is_same_v<OpTy, llm::SwiGLUOp>)
            result = arith::MulFOp::create(b, l, result, toF32(b, l, args[1]));
          yieldValue(b, l, fromF32(b, l, result, type.getElementType()));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Rotary embedding
//===----------------------------------------------------------------------===//

/// theta^(-2i/d) for i < d/2, with the op's frequency scaling applied, as
/// Hugging Face's rope initializers compute it.
SmallVector<float> inverseFrequencies(llm::RotaryEmbeddingOp op, int64_t dim) {
  double theta = op.getTheta().convertToDouble();
  SmallVector<float> freqs;
  for (int64_t i = 0; i < dim; i += 2)
    freqs.push_back(1.0f / std::pow(float(theta), float(i) / float(dim)));
  llm::RopeScalingAttr scaling = op.getScalingAttr();
  if (!scaling)
    return freqs;
  double factor = scaling.getFactor().getValueAsDouble();
  if (scaling.getKind() == llm::RopeScalingKind::linear) {
    for (float &f : freqs)
      f = float(f / factor);
    return freqs;
  }
  double low = scaling.getLowFreqFactor().getValueAsDouble();
  double high = scaling.getHighFreqFactor().getValueAsDouble();
  double context = double(scaling.getOriginalMaxPosition().getInt());
  double lowWavelength = context / low, highWavelength = context / high;
  for (float &f : freqs) {
    double wavelength = 2 * M_PI / f;
    if (wavelength < highWavelength)
      continue; // high frequencies stay
    if (wavelength > lowWavelength) {
      f = float(f / factor);
      continue;
    }
    double smooth = (context / wavelength - low) / (high - low);
    f = float((1 - smooth) * f / factor + smooth * f);
  }
  return freqs;
}

struct RopeLowering : OpConversionPattern<llm::RotaryEmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::RotaryEmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t dim = type.getDimSize(2);
    if (ShapedType::isDynamic(dim))
      return rewriter.notifyMatchFailure(op, "dynamic head_dim");
    SmallVector<float> freqs = inverseFrequencies(op, dim);
    auto freqType = RankedTensorType::get({dim / 2}, rewriter.getF32Type());
    Value freqTable = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(freqType, ArrayRef<float>(freqs)));
    Value input = adaptor.getInput();
    Value out = emptyLike(rewriter, loc, type, dynamicSizes(rewriter, loc, input, type));
    bool interleaved = op.getInterleaved();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{input, adaptor.getPositions()},
        ValueRange{out}, maps(op.getContext(), 3, {{0, 1, 2}, {0}, {0, 1, 2}}),
        {kParallel, kParallel, kParallel}, "", "",
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value s = linalg::IndexOp::create(b, l, 0);
          Value h = linalg::IndexOp::create(b, l, 1);
          Value d = linalg::IndexOp::create(b, l, 2);
          Value one = arith::ConstantIndexOp::create(b, l, 1);
          Value half = arith::ConstantIndexOp::create(b, l, dim / 2);
          // Pair index i, partner feature, and whether d is the first of
          // its pair (which rotates by -sin).
          Value pair, partner, isFirst;
          if (interleaved) {
            pair = arith::DivUIOp::create(b, l, d, arith::ConstantIndexOp::create(b, l, 2));
            Value odd = arith::AndIOp::create(b, l, d, one);
            isFirst = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::eq, odd,
                arith::ConstantIndexOp::create(b, l, 0));
            partner = arith::XOrIOp::create(b, l, d, one);
          } else {
            pair = arith::RemUIOp::create(b, l, d, half);
            isFirst = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, d, half);
            partner = arith::SelectOp::create(
                b, l, isFirst, arith::AddIOp::create(b, l, d, half),
                arith::SubIOp::create(b, l, d, half));
          }
          Value freq = tensor::ExtractOp::create(b, l, freqTable, pair);
          Value position = arith::SIToFPOp::create(b, l, b.getF32Type(), args[1]);
          Value angle = arith::MulFOp::create(b, l, position, freq);
          Value cos = math::CosOp::create(b, l, angle);
          Value sin = math::SinOp::create(b, l, angle);
          Value x = toF32(b, l, args[0]);
          Value other = toF32(b, l, tensor::ExtractOp::create(
                                        b, l, input, ValueRange{s, h, partner}));
          Value rotated = arith::SelectOp::create(
              b, l, isFirst, arith::NegFOp::create(b, l, other), other);
          Value result = arith::AddFOp::create(
              b, l, arith::MulFOp::create(b, l, x, cos),
              arith::MulFOp::create(b, l, rotated, sin));
          yieldValue(b, l, fromF32(b, l, result, type.getElementType()));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

//===----------------------------------------------------------------------===//
// KV cache storage (docs/kv-cache.md)
//===----------------------------------------------------------------------===//

Value i32Constant(OpBuilder &b, Location l, int64_t value) {
  return arith::ConstantIntOp::create(b, l, b.getI32Type(), value);
}

Value indexConstant(OpBuilder &b, Location l, int64_t value) {
  return arith::ConstantIndexOp::create(b, l, value);
}

/// The bits of float8 e4m3fn(clamp(x, -448, 448)) as an i8, rounded to
/// nearest even. Integer arithmetic on the f32 bits: LLVM has no fp8 type,
/// and every target can run this.
Value encodeFp8(OpBuilder &b, Location l, Value x) {
  Type i32 = b.getI32Type();
  auto c = [&](int64_t v) { return i32Constant(b, l, v); };
  Value limit = f32Constant(b, l, 448.0);
  Value clamped = arith::MinimumFOp::create(
      b, l, arith::MaximumFOp::create(b, l, x, f32Constant(b, l, -448.0)), limit);
  Value bits = arith::BitcastOp::create(b, l, i32, clamped);
  Value sign = arith::AndIOp::create(
      b, l, arith::ShRUIOp::create(b, l, bits, c(24)), c(0x80));
  Value magnitude = arith::AndIOp::create(b, l, bits, c(0x7fffffff));
  // Normal range: keep 3 of the 23 mantissa bits, rounding to nearest even
  // (a carry moves into the exponent, as it should), and rebias the
  // exponent from 127 to 7.
  Value lsb = arith::AndIOp::create(
      b, l, arith::ShRUIOp::create(b, l, magnitude, c(20)), c(1));
  Value rounded = arith::AddIOp::create(
      b, l, magnitude, arith::AddIOp::create(b, l, lsb, c(0x7ffff)));
  Value normal = arith::SubIOp::create(
      b, l, arith::ShRUIOp::create(b, l, rounded, c(20)), c(120 << 3));
  // Below 2^-6, subnormal steps of 2^-9; the code is the step count (8
  // steps, code 0x08, is the smallest normal 2^-6).
  Value absolute = math::AbsFOp::create(b, l, clamped);
  Value steps = arith::FPToSIOp::create(
      b, l, i32,
      math::RoundEvenOp::create(
          b, l, arith::MulFOp::create(b, l, absolute, f32Constant(b, l, 512.0))));
  Value isSubnormal = arith::CmpFOp::create(
      b, l, arith::CmpFPredicate::OLT, absolute, f32Constant(b, l, 0x1p-6));
  Value code = arith::SelectOp::create(b, l, isSubnormal, steps, normal);
  return arith::TruncIOp::create(b, l, b.getI8Type(),
                                 arith::OrIOp::create(b, l, code, sign));
}

/// The f32 value of float8 e4m3fn bits stored in an i8.
Value decodeFp8(OpBuilder &b, Location l, Value byte) {
  Type i32 = b.getI32Type();
  auto c = [&](int64_t v) { return i32Constant(b, l, v); };
  Value code = arith::ExtUIOp::create(b, l, i32, byte);
  Value sign = arith::ShLIOp::create(
      b, l, arith::AndIOp::create(b, l, code, c(0x80)), c(24));
  Value exponent = arith::AndIOp::create(
      b, l, arith::ShRUIOp::create(b, l, code, c(3)), c(15));
  Value mantissa = arith::AndIOp::create(b, l, code, c(7));
  Value normalBits = arith::OrIOp::create(
      b, l, sign,
      arith::OrIOp::create(
          b, l,
          arith::ShLIOp::create(b, l, arith::AddIOp::create(b, l, exponent, c(120)),
                                c(23)),
          arith::ShLIOp::create(b, l, mantissa, c(20))));
  Value normal = arith::BitcastOp::create(b, l, b.getF32Type(), normalBits);
  Value subnormal = arith::MulFOp::create(
      b, l, arith::SIToFPOp::create(b, l, b.getF32Type(), mantissa),
      f32Constant(b, l, 0x1p-9));
  Value negative = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, sign, c(0));
  subnormal = arith::SelectOp::create(
      b, l, negative, arith::NegFOp::create(b, l, subnormal), subnormal);
  Value isSubnormal =
      arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, exponent, c(0));
  return arith::SelectOp::create(b, l, isSubnormal, subnormal, normal);
}

/// The tensors a !llm.kv_cache lowers to, in order, for each storage group
/// (one when uniform, KVCacheType::getStorageGroups):
/// - data: contiguous [Lg, 2, H, T, D] (K then V; Lg the group's layers),
///   paged [?, Lg, 2, H, BS, D] (the pool's blocks); f8E4M3FN is stored as
///   its i8 bits;
/// - scales, when the group has them: the data's shape without D;
/// then, when paged, the block table: [T / BS] i32, the pool block that
/// holds each block of the sequence (one table for all groups).
SmallVector<Type> cacheTensorTypes(llm::KVCacheType type) {
  MLIRContext *ctx = type.getContext();
  SmallVector<Type> types;
  for (const llm::KVStorageGroup &group : type.getStorageGroups()) {
    Type element = group.storage.elementType;
    if (isa<Float8E4M3FNType>(element))
      element = IntegerType::get(ctx, 8);
    int64_t layers = group.layers.size();
    SmallVector<int64_t> shape;
    if (type.isPaged())
      shape = {ShapedType::kDynamic, layers, 2, type.getKvHeads(),
               type.getBlockSize()};
    else
      shape = {layers, 2, type.getKvHeads(), type.getMaxSeq()};
    SmallVector<int64_t> dataShape = shape;
    dataShape.push_back(type.getHeadDim());
    types.push_back(RankedTensorType::get(dataShape, element));
    if (group.storage.scaleType)
      types.push_back(RankedTensorType::get(shape, group.storage.scaleType));
  }
  if (type.isPaged())
    types.push_back(RankedTensorType::get({type.getBlocksPerSequence()},
                                          IntegerType::get(ctx, 32)));
  return types;
}

/// One layer of a lowered cache: the arrays of its storage group, its index
/// in them, and how its elements are stored. Appends update the group's
/// arrays through `data` and `scales`.
struct CacheLayer {
  llm::KVStorage storage;
  Value *data = nullptr, *scales = nullptr; // scales: null without scales
  Value table;                              // null when contiguous
  int64_t index = 0, kvHeads = 0, headDim = 0, blockSize = 0;
  /// The layer's index as a value, where it is one (an outlined attention
  /// read serves every layer); else `index`. Contiguous caches only.
  Value dynamicIndex;

  OpFoldResult layerOffset(OpBuilder &b) const {
    if (dynamicIndex)
      return dynamicIndex;
    return b.getIndexAttr(index);
  }

  bool isPaged() const { return blockSize != 0; }
  bool isFp8() const { return isa<Float8E4M3FNType>(storage.elementType); }
  bool isInt8() const { return storage.elementType.isSignlessInteger(8); }
  /// The largest stored magnitude a scale maps max|x| to.
  double maxLevel() const { return isInt8() ? 127.0 : 448.0; }
  /// A stored element (and its scale, or null) as f32.
  Value dequantize(OpBuilder &b, Location l, Value stored, Value scale) const {
    Value value;
    if (isInt8())
      value = arith::SIToFPOp::create(b, l, b.getF32Type(), stored);
    else if (isFp8())
      value = decodeFp8(b, l, stored);
    else
      value = toF32(b, l, stored);
    if (scale)
      value = arith::MulFOp::create(b, l, toF32(b, l, scale), value);
    return value;
  }
  /// The stored element of f32 `x` already divided by its scale.
  Value quantize(OpBuilder &b, Location l, Value x) const {
    if (isFp8())
      return encodeFp8(b, l, x);
    if (!isInt8())
      return fromF32(b, l, x, storage.elementType);
    Value level = math::RoundEvenOp::create(b, l, x);
    level = arith::MaximumFOp::create(b, l, level, f32Constant(b, l, -127.0));
    level = arith::MinimumFOp::create(b, l, level, f32Constant(b, l, 127.0));
    return arith::FPToSIOp::create(b, l, b.getI8Type(), level);
  }
};

/// The lowered values of a cache, per storage group.
struct CacheValues {
  struct Group {
    llm::KVStorageGroup layout;
    Value data, scales;
  };
  llm::KVCacheType type;
  SmallVector<Group> groups;
  Value table;

  CacheValues(llm::KVCacheType type, ValueRange values) : type(type) {
    unsigned next = 0;
    for (llm::KVStorageGroup &layout : type.getStorageGroups()) {
      Group group{std::move(layout), values[next++], Value()};
      if (group.layout.storage.scaleType)
        group.scales = values[next++];
      groups.push_back(std::move(group));
    }
    if (type.isPaged())
      table = values[next++];
  }
  SmallVector<Value> values() const {
    SmallVector<Value> list;
    for (const Group &group : groups) {
      list.push_back(group.data);
      if (group.scales)
        list.push_back(group.scales);
    }
    if (table)
      list.push_back(table);
    return list;
  }
  CacheLayer layer(int64_t layer) {
    for (Group &group : groups) {
      auto at = llvm::find(group.layout.layers, layer);
      if (at == group.layout.layers.end())
        continue;
      return {group.layout.storage,
              &group.data,
              group.scales ? &group.scales : nullptr,
              table,
              int64_t(at - group.layout.layers.begin()),
              type.getKvHeads(),
              type.getHeadDim(),
              type.getBlockSize()};
    }
    llvm_unreachable("the op verifier keeps layers in range");
  }
};

/// How a generic of the attention reads keys or values of one layer: the
/// inputs (with indexing maps) it adds, and the f32 element at (KV head,
/// position, feature) inside its body. A contiguous cache is read through
/// slices and affine maps, so loops stay vectorizable; a paged one goes
/// through the block table with tensor.extract.
struct HistoryReader {
  CacheLayer cache;
  int64_t which = 0;
  Value data, scales; // contiguous: [H, length, D] and [H, length] slices

  HistoryReader(OpBuilder &b, Location loc, const CacheLayer &cache,
                int64_t which, Value length)
      : cache(cache), which(which) {
    if (cache.isPaged())
      return;
    int64_t heads = cache.kvHeads, dim = cache.headDim;
    auto slice = [&](Value source, bool withDim) {
      auto sourceType = cast<RankedTensorType>(source.getType());
      SmallVector<int64_t> shape = {heads, ShapedType::kDynamic};
      SmallVector<OpFoldResult> offsets = {
          cache.layerOffset(b), b.getIndexAttr(which), b.getIndexAttr(0),
          b.getIndexAttr(0)};
      SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(1),
                                         b.getIndexAttr(heads), length};
      if (withDim) {
        shape.push_back(dim);
        offsets.push_back(b.getIndexAttr(0));
        sizes.push_back(b.getIndexAttr(dim));
      }
      SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
      auto type = RankedTensorType::get(shape, sourceType.getElementType());
      return tensor::ExtractSliceOp::create(b, loc, type, source, offsets,
                                            sizes, strides)
          .getResult();
    };
    data = slice(*cache.data, true);
    if (cache.scales)
      scales = slice(*cache.scales, false);
  }

  void addInputs(SmallVectorImpl<Value> &inputs,
                 SmallVectorImpl<AffineMap> &indexing, unsigned numDims,
                 AffineExpr kvHead, AffineExpr position,
                 AffineExpr feature) const {
    MLIRContext *ctx = kvHead.getContext();
    if (!data)
      return;
    inputs.push_back(data);
    indexing.push_back(AffineMap::get(numDims, 0, {kvHead, position, feature}, ctx));
    if (scales) {
      inputs.push_back(scales);
      indexing.push_back(AffineMap::get(numDims, 0, {kvHead, position}, ctx));
    }
  }
  unsigned numInputs() const { return data ? (scales ? 2 : 1) : 0; }

  /// `args` are the block arguments of this reader's inputs; the indices
  /// are only used by the paged layout.
  Value read(OpBuilder &b, Location l, ValueRange args, Value kvHead,
             Value position, Value feature) const {
    if (data)
      return cache.dequantize(b, l, args[0], scales ? args[1] : Value());
    int64_t blockSize = cache.blockSize;
    Value logical = arith::DivUIOp::create(b, l, position,
                                           indexConstant(b, l, blockSize));
    Value block = arith::IndexCastOp::create(
        b, l, b.getIndexType(),
        tensor::ExtractOp::create(b, l, cache.table, logical));
    Value offset = arith::RemUIOp::create(b, l, position,
                                          indexConstant(b, l, blockSize));
    SmallVector<Value> at = {block, indexConstant(b, l, cache.index),
                             indexConstant(b, l, which), kvHead, offset};
    Value scale;
    if (cache.scales)
      scale = tensor::ExtractOp::create(b, l, *cache.scales, at);
    at.push_back(feature);
    Value stored = tensor::ExtractOp::create(b, l, *cache.data, at);
    return cache.dequantize(b, l, stored, scale);
  }

  /// init + sum over loop dim 3 of lhs * the cache's element, as one
  /// linalg.generic over 4 dims (3 parallel, then the reduction): the
  /// attention's Q K^T and P V, which differ only in their maps and in which
  /// loop dims give the element's KV head (dim `headDim` / group), position
  /// and feature. The cache is dequantized inside the contraction: no float
  /// copy of it exists.
  Value contract(OpBuilder &b, Location loc, Value lhs, AffineMap lhsMap,
                 Value init, AffineMap initMap, unsigned headDim, int64_t group,
                 unsigned positionDim, unsigned featureDim) const {
    MLIRContext *ctx = b.getContext();
    SmallVector<Value> inputs = {lhs};
    SmallVector<AffineMap> indexing = {lhsMap};
    addInputs(inputs, indexing, 4,
              getAffineDimExpr(headDim, ctx).floorDiv(group),
              getAffineDimExpr(positionDim, ctx),
              getAffineDimExpr(featureDim, ctx));
    indexing.push_back(initMap);
    return linalg::GenericOp::create(
               b, loc, TypeRange{init.getType()}, inputs, ValueRange{init},
               indexing, {kParallel, kParallel, kParallel, kReduction}, "", "",
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 Value kvHead = arith::DivUIOp::create(
                     nb, l, linalg::IndexOp::create(nb, l, headDim),
                     indexConstant(nb, l, group));
                 Value position = linalg::IndexOp::create(nb, l, positionDim);
                 Value feature = linalg::IndexOp::create(nb, l, featureDim);
                 Value element = read(nb, l, args.slice(1, numInputs()), kvHead,
                                      position, feature);
                 Value product = arith::MulFOp::create(
                     nb, l, toF32(nb, l, args[0]), element, fastMath(nb));
                 yieldValue(nb, l,
                            arith::AddFOp::create(nb, l, args.back(), product,
                                                  fastMath(nb)));
               })
        .getResult(0);
  }
};

struct AttentionLowering : OpConversionPattern<llm::AttentionOp> {
  AttentionLowering(const TypeConverter &types, MLIRContext *ctx,
                    bool outlineReads)
      : OpConversionPattern(types, ctx), outlineReads(outlineReads) {}

  /// Stores new rows `[seq, kv_heads, dim]` (f32) of K (`which` 0) or V (1)
  /// for positions start .. start+seq-1 of the layer: quantized here,
  /// when they are appended, with a scale per (token, head) when the cache
  /// has scales.
  void append(OpBuilder &b, Location loc, const CacheLayer &cache, Value rows,
              int64_t which, Value start, Value seq) const {
    MLIRContext *ctx = b.getContext();
    int64_t heads = cache.kvHeads, dim = cache.headDim, layer = cache.index;
    auto data = cast<RankedTensorType>(cache.data->getType());
    // Loops (h, s, d) over the new rows, read as rows[s, h, d].
    SmallVector<Value> inputs = {rows};
    SmallVector<AffineMap> indexing = maps(ctx, 3, {{1, 0, 2}});
    Value scales;
    if (cache.scales) {
      auto rowType = RankedTensorType::get({heads, ShapedType::kDynamic},
                                           b.getF32Type());
      Value absmax = filled(b, loc, rowType, ValueRange{seq},
                            f32Constant(b, loc, 0.0));
      absmax = linalg::GenericOp::create(
                   b, loc, TypeRange{rowType}, ValueRange{rows},
                   ValueRange{absmax}, maps(ctx, 3, {{1, 0, 2}, {0, 1}}),
                   {kParallel, kParallel, kReduction}, "", "",
                   [&](OpBuilder &nb, Location l, ValueRange args) {
                     Value magnitude =
                         math::AbsFOp::create(nb, l, toF32(nb, l, args[0]));
                     yieldValue(nb, l,
                                arith::MaximumFOp::create(nb, l, args[1], magnitude));
                   })
                   .getResult(0);
      Type scaleType = cache.storage.scaleType;
      auto scaleTensor = RankedTensorType::get({heads, ShapedType::kDynamic}, scaleType);
      double maxLevel = cache.maxLevel();
      scales = linalg::GenericOp::create(
                   b, loc, TypeRange{scaleTensor}, ValueRange{absmax},
                   ValueRange{emptyLike(b, loc, scaleTensor, ValueRange{seq})},
                   maps(ctx, 2, {{0, 1}, {0, 1}}), {kParallel, kParallel}, "", "",
                   [&](OpBuilder &nb, Location l, ValueRange args) {
                     // max|x| / max level, 1 for an all-zero row.
                     Value isZero = arith::CmpFOp::create(
                         nb, l, arith::CmpFPredicate::OEQ, args[0],
                         f32Constant(nb, l, 0.0));
                     Value scale = arith::DivFOp::create(
                         nb, l, args[0], f32Constant(nb, l, maxLevel));
                     scale = arith::SelectOp::create(nb, l, isZero,
                                                     f32Constant(nb, l, 1.0), scale);
                     yieldValue(nb, l, fromF32(nb, l, scale, scaleType));
                   })
                   .getResult(0);
      inputs.push_back(scales);
      indexing.push_back(AffineMap::get(3, 0, {getAffineDimExpr(0, ctx),
                                               getAffineDimExpr(1, ctx)},
                                        ctx));
    }
    auto codesType = RankedTensorType::get({heads, ShapedType::kDynamic, dim},
                                           data.getElementType());
    indexing.push_back(b.getMultiDimIdentityMap(3));
    Value codes =
        linalg::GenericOp::create(
            b, loc, TypeRange{codesType}, inputs,
            ValueRange{emptyLike(b, loc, codesType, ValueRange{seq})}, indexing,
            {kParallel, kParallel, kParallel}, "", "",
            [&](OpBuilder &nb, Location l, ValueRange args) {
              Value x = toF32(nb, l, args[0]);
              if (scales)
                x = arith::DivFOp::create(nb, l, x, toF32(nb, l, args[1]));
              yieldValue(nb, l, cache.quantize(nb, l, x));
            })
            .getResult(0);

    if (!cache.isPaged()) {
      auto insert = [&](Value source, Value into, bool withDim) {
        SmallVector<OpFoldResult> offsets = {b.getIndexAttr(layer),
                                             b.getIndexAttr(which),
                                             b.getIndexAttr(0), start};
        SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(1),
                                           b.getIndexAttr(heads), seq};
        if (withDim) {
          offsets.push_back(b.getIndexAttr(0));
          sizes.push_back(b.getIndexAttr(dim));
        }
        SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
        return tensor::InsertSliceOp::create(b, loc, source, into, offsets,
                                             sizes, strides)
            .getResult();
      };
      *cache.data = insert(codes, *cache.data, true);
      if (scales)
        *cache.scales = insert(scales, *cache.scales, false);
      return;
    }

    // Paged: each new token's row goes into the block the table names for
    // its position. Tokens write disjoint rows, so the loop is an
    // scf.forall: targets run it in parallel (CUDA: one thread per token, on
    // the device, where the table lives) or serially (CPU). Its mapping to
    // threads keeps canonicalization from inlining a one-token loop, which
    // would leave the table read in host code.
    int64_t blockSize = cache.blockSize;
    SmallVector<Value> state = {*cache.data};
    if (scales)
      state.push_back(*cache.scales);
    auto loop = scf::ForallOp::create(
        b, loc, ArrayRef<OpFoldResult>{seq}, state,
        b.getArrayAttr({gpu::GPUThreadMappingAttr::get(
            ctx, gpu::MappingId::LinearDim0)}),
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value t = args[0];
          ValueRange carried = args.drop_front();
          Value position = arith::AddIOp::create(nb, l, start, t);
          Value block = arith::IndexCastOp::create(
              nb, l, nb.getIndexType(),
              tensor::ExtractOp::create(
                  nb, l, cache.table,
                  ValueRange{arith::DivUIOp::create(
                      nb, l, position, indexConstant(nb, l, blockSize))}));
          Value offset = arith::RemUIOp::create(nb, l, position,
                                                indexConstant(nb, l, blockSize));
          // source[:, t] (and [:, t, :]) as a row, and where it goes:
          // into[block, layer, which, :, offset(, :)].
          struct Move {
            Value row, into;
            SmallVector<OpFoldResult> offsets, sizes;
          };
          auto prepare = [&](Value source, Value into, bool withDim) {
            SmallVector<OpFoldResult> srcOffsets = {nb.getIndexAttr(0), t};
            SmallVector<OpFoldResult> srcSizes = {nb.getIndexAttr(heads),
                                                  nb.getIndexAttr(1)};
            SmallVector<int64_t> rowShape = {heads};
            Move move;
            move.into = into;
            move.offsets = {block, nb.getIndexAttr(layer),
                            nb.getIndexAttr(which), nb.getIndexAttr(0), offset};
            move.sizes = {nb.getIndexAttr(1), nb.getIndexAttr(1),
                          nb.getIndexAttr(1), nb.getIndexAttr(heads),
                          nb.getIndexAttr(1)};
            if (withDim) {
              srcOffsets.push_back(nb.getIndexAttr(0));
              srcSizes.push_back(nb.getIndexAttr(dim));
              rowShape.push_back(dim);
              move.offsets.push_back(nb.getIndexAttr(0));
              move.sizes.push_back(nb.getIndexAttr(dim));
            }
            auto sourceType = cast<RankedTensorType>(source.getType());
            auto rowType =
                RankedTensorType::get(rowShape, sourceType.getElementType());
            SmallVector<OpFoldResult> srcStrides(srcOffsets.size(),
                                                 nb.getIndexAttr(1));
            move.row = tensor::ExtractSliceOp::create(
                nb, l, rowType, source, srcOffsets, srcSizes, srcStrides);
            return move;
          };
          SmallVector<Move> moves = {prepare(codes, carried[0], true)};
          if (scales)
            moves.push_back(prepare(scales, carried[1], false));
          auto inParallel = scf::InParallelOp::create(nb, l);
          OpBuilder::InsertionGuard guard(nb);
          nb.setInsertionPointToStart(inParallel.getBody());
          for (Move &move : moves) {
            SmallVector<OpFoldResult> strides(move.offsets.size(),
                                              nb.getIndexAttr(1));
            tensor::ParallelInsertSliceOp::create(nb, l, move.row, move.into,
                                                  move.offsets, move.sizes,
                                                  strides);
          }
        });
    *cache.data = loop.getResult(0);
    if (scales)
      *cache.scales = loop.getResult(1);
  }

  LogicalResult
  matchAndRewrite(llm::AttentionOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    llm::KVCacheType cacheType = op.getCache().getType();
    RankedTensorType queryType = op.getQuery().getType();
    int64_t dim = queryType.getDimSize(2);
    Value query = adaptor.getQuery().front();
    Value start = adaptor.getStartPos().front();
    Value seq = tensor::DimOp::create(b, loc, query, 0);

    CacheValues cache(cacheType, adaptor.getCache());
    CacheLayer own = cache.layer(int64_t(op.getLayer()));
    append(b, loc, own, adaptor.getKey().front(), 0, start, seq);
    append(b, loc, own, adaptor.getValue().front(), 1, start, seq);

    double scale = op.getScale() ? op.getScale()->convertToDouble()
                                 : 1.0 / std::sqrt(double(dim));
    Value scaleValue = f32Constant(b, loc, scale);
    std::optional<int64_t> window = op.getSlidingWindow();
    RankedTensorType outType = op.getResult().getType();
    Value out;
    if (outlineReads && !own.isPaged() && !own.scales)
      out = callOutlinedRead(rewriter, op, query, own, start, seq,
                             scaleValue, window);
    else
      out = attend(b, loc, query, own, start, seq, scaleValue, window, outType);
    rewriter.replaceOpWithMultiple(op, {{out}, cache.values()});
    return success();
  }

  /// The read half in a private function shared by every layer of the same
  /// shapes (see the pass's outline-attention option), called here.
  Value callOutlinedRead(ConversionPatternRewriter &rewriter,
                         llm::AttentionOp op, Value query,
                         const CacheLayer &cache, Value start, Value seq,
                         Value scale, std::optional<int64_t> window) const {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto queryType = cast<RankedTensorType>(query.getType());
    auto dataType = cast<RankedTensorType>(cache.data->getType());
    RankedTensorType outType = op.getResult().getType();
    int64_t heads = queryType.getDimSize(1), dim = queryType.getDimSize(2);
    auto typeName = [](Type t) {
      std::string name;
      llvm::raw_string_ostream os(name);
      t.print(os);
      return name;
    };
    std::string name = llvm::formatv(
        "qf_attention_{0}x{1}_kv{2}x{3}x{4}_{5}_{6}{7}{8}", heads, dim,
        dataType.getDimSize(0), dataType.getDimSize(2), dataType.getDimSize(3),
        typeName(dataType.getElementType()),
        typeName(queryType.getElementType()),
        typeName(outType.getElementType()),
        window ? llvm::formatv("_w{0}", *window).str() : std::string());
    auto module = op->getParentOfType<ModuleOp>();
    auto func = module.lookupSymbol<func::FuncOp>(name);
    if (!func) {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPoint(op->getParentOfType<func::FuncOp>());
      Type index = rewriter.getIndexType();
      auto type = FunctionType::get(
          ctx, {queryType, dataType, index, index, rewriter.getF32Type(), outType},
          {outType});
      func = func::FuncOp::create(rewriter, loc, name, type);
      func.setPrivate();
      auto i64 = [&](int64_t v) { return rewriter.getI64IntegerAttr(v); };
      func->setAttr(kKernelAttentionAttr,
                    rewriter.getDictionaryAttr({
                        rewriter.getNamedAttr("heads", i64(heads)),
                        rewriter.getNamedAttr("kv_heads", i64(cache.kvHeads)),
                        rewriter.getNamedAttr("head_dim", i64(dim)),
                        rewriter.getNamedAttr("window", i64(window.value_or(0))),
                    }));
      Block *body = func.addEntryBlock();
      rewriter.setInsertionPointToStart(body);
      Value arg = body->getArgument(1);
      CacheLayer layer = cache;
      layer.data = &arg;
      layer.dynamicIndex = body->getArgument(2);
      Value bodyQuery = body->getArgument(0);
      Value bodySeq = tensor::DimOp::create(rewriter, loc, bodyQuery, 0);
      Value attended =
          attend(rewriter, loc, bodyQuery, layer, body->getArgument(3),
                 bodySeq, body->getArgument(4), window, outType);
      // Written into the destination argument, so that bufferization makes
      // the result that argument's buffer.
      SmallVector<OpFoldResult> offsets(3, rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> strides(3, rewriter.getIndexAttr(1));
      Value written = tensor::InsertSliceOp::create(
          rewriter, loc, attended, body->getArgument(5), offsets,
          tensor::getMixedSizes(rewriter, loc, attended), strides);
      func::ReturnOp::create(rewriter, loc, written);
    }
    Value destination = emptyLike(rewriter, loc, outType, ValueRange{seq});
    Value layerIndex = indexConstant(rewriter, loc, cache.index);
    return func::CallOp::create(rewriter, loc, func,
                                ValueRange{query, *cache.data, layerIndex,
                                           start, scale, destination})
        .getResult(0);
  }

  /// The attention of `query` [seq, heads, dim] at positions start ..
  /// start + seq - 1 over the layer's cache (the new rows already in it):
  /// scores, mask, softmax and the weighted sum of values.
  Value attend(OpBuilder &b, Location loc, Value query, const CacheLayer &own,
               Value start, Value seq, Value scale,
               std::optional<int64_t> window, RankedTensorType outType) const {
    MLIRContext *ctx = b.getContext();
    auto queryType = cast<RankedTensorType>(query.getType());
    int64_t heads = queryType.getDimSize(1);
    int64_t group = heads / own.kvHeads;
    Value length = arith::AddIOp::create(b, loc, start, seq);
    HistoryReader keys(b, loc, own, 0, length);
    HistoryReader values(b, loc, own, 1, length);

    // Dims of the score computations: (h, i, j[, d]); KV head = h / group.
    AffineExpr h = getAffineDimExpr(0, ctx), i = getAffineDimExpr(1, ctx),
               j = getAffineDimExpr(2, ctx), d = getAffineDimExpr(3, ctx);
    auto scoreType = RankedTensorType::get(
        {heads, ShapedType::kDynamic, ShapedType::kDynamic}, b.getF32Type());
    auto rowType = RankedTensorType::get({heads, ShapedType::kDynamic}, b.getF32Type());
    Value scores = filled(b, loc, scoreType, ValueRange{seq, length},
                          f32Constant(b, loc, 0.0));
    // scores[h, i, j] = sum_d query[i, h, d] * K[h / group, j, d].
    scores = keys.contract(b, loc, query, AffineMap::get(4, 0, {i, h, d}, ctx),
                           scores, AffineMap::get(4, 0, {h, i, j}, ctx),
                           /*headDim=*/0, group, /*positionDim=*/2,
                           /*featureDim=*/3);

    // Masked, scaled scores: key j is visible to query i (at position
    // start + i) if j <= start + i and, with a window W, j > start + i - W.
    auto visible = [&](OpBuilder &nb, Location l) {
      Value qi = linalg::IndexOp::create(nb, l, 1);
      Value kj = linalg::IndexOp::create(nb, l, 2);
      Value position = arith::AddIOp::create(nb, l, start, qi);
      Value causal = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ule, kj, position);
      if (!window)
        return causal;
      Value lowest = arith::AddIOp::create(nb, l, kj,
                                           arith::ConstantIndexOp::create(nb, l, *window));
      Value inWindow = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ugt,
                                             lowest, position);
      return arith::AndIOp::create(nb, l, causal, inWindow).getResult();
    };
    Value masked = emptyLike(b, loc, scoreType, ValueRange{seq, length});
    masked = linalg::GenericOp::create(
                 b, loc, TypeRange{scoreType}, ValueRange{scores}, ValueRange{masked},
                 maps(ctx, 3, {{0, 1, 2}, {0, 1, 2}}),
                 {kParallel, kParallel, kParallel}, "", "",
                 [&](OpBuilder &nb, Location l, ValueRange args) {
                   Value scaled = arith::MulFOp::create(nb, l, args[0], scale);
                   Value result = arith::SelectOp::create(
                       nb, l, visible(nb, l), scaled,
                       f32Constant(nb, l, -INFINITY));
                   yieldValue(nb, l, result);
                 })
                 .getResult(0);

    // Softmax over j: max, exp(x - max), sum, normalize.
    Value maxima = filled(b, loc, rowType, ValueRange{seq},
                          f32Constant(b, loc, -INFINITY));
    maxima = linalg::GenericOp::create(
                 b, loc, TypeRange{rowType}, ValueRange{masked}, ValueRange{maxima},
                 maps(ctx, 3, {{0, 1, 2}, {0, 1}}),
                 {kParallel, kParallel, kReduction}, "", "",
                 [&](OpBuilder &nb, Location l, ValueRange args) {
                   yieldValue(
                       nb, l, arith::MaximumFOp::create(nb, l, args[0], args[1]));
                 })
                 .getResult(0);
    Value exps = emptyLike(b, loc, scoreType, ValueRange{seq, length});
    exps = linalg::GenericOp::create(
               b, loc, TypeRange{scoreType}, ValueRange{masked, maxima},
               ValueRange{exps}, maps(ctx, 3, {{0, 1, 2}, {0, 1}, {0, 1, 2}}),
               {kParallel, kParallel, kParallel}, "", "",
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 Value shifted = arith::SubFOp::create(nb, l, args[0], args[1]);
                 yieldValue(nb, l, math::ExpOp::create(nb, l, shifted));
               })
               .getResult(0);
    Value sums = filled(b, loc, rowType, ValueRange{seq}, f32Constant(b, loc, 0.0));
    sums = linalg::GenericOp::create(
               b, loc, TypeRange{rowType}, ValueRange{exps}, ValueRange{sums},
               maps(ctx, 3, {{0, 1, 2}, {0, 1}}),
               {kParallel, kParallel, kReduction}, "", "",
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 yieldValue(
                     nb, l, arith::AddFOp::create(nb, l, args[0], args[1], fastMath(nb)));
               })
               .getResult(0);

    // out[i, h, d] = sum_j exps[h, i, j] * V[h / group, j, d] / sums[h, i].
    auto accType = RankedTensorType::get(outType.getShape(), b.getF32Type());
    Value acc = filled(b, loc, accType, ValueRange{seq}, f32Constant(b, loc, 0.0));
    // Dims (i, h, d, j).
    AffineExpr oi = getAffineDimExpr(0, ctx), oh = getAffineDimExpr(1, ctx),
               od = getAffineDimExpr(2, ctx), oj = getAffineDimExpr(3, ctx);
    acc = values.contract(b, loc, exps, AffineMap::get(4, 0, {oh, oi, oj}, ctx),
                          acc, AffineMap::get(4, 0, {oi, oh, od}, ctx),
                          /*headDim=*/1, group, /*positionDim=*/3,
                          /*featureDim=*/2);
    Value out = emptyLike(b, loc, outType, ValueRange{seq});
    out = linalg::GenericOp::create(
              b, loc, TypeRange{outType}, ValueRange{acc, sums}, ValueRange{out},
              maps(ctx, 3, {{0, 1, 2}, {1, 0}, {0, 1, 2}}),
              {kParallel, kParallel, kParallel}, "", "",
              [&](OpBuilder &nb, Location l, ValueRange args) {
                Value normalized = arith::DivFOp::create(nb, l, args[0], args[1]);
                yieldValue(
                    nb, l, fromF32(nb, l, normalized, outType.getElementType()));
              })
              .getResult(0);
    return out;
  }

  bool outlineReads;
};

struct ConvertLLMToLinalgPass
    : quantforge::impl::ConvertLLMToLinalgBase<ConvertLLMToLinalgPass> {
  using Base::Base;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // Say which op is the problem rather than "failed to legalize". Linear
    // layers decode the canonical layout; other packings are repacked first.
    WalkResult quantized = getOperation().walk([](Operation *op) {
      for (Type type : op->getOperandTypes()) {
        auto qtype = dyn_cast<llm::QWeightType>(type);
        if (!qtype)
          continue;
        // Calls pass the weight's parts (the CUDA target's outlined linears).
        if (!isa<llm::LinearOp, func::CallOp>(op)) {
          op->emitOpError("with a quantized weight is not lowered yet");
          return WalkResult::interrupt();
        }
        if (qtype.getPacking() != llm::WeightPacking::canonical) {
          op->emitOpError("with packing '")
              << llm::stringifyWeightPacking(qtype.getPacking())
              << "' is not lowered yet (only the canonical layout)";
          return WalkResult::interrupt();
        }
      }
      return WalkResult::advance();
    });
    if (quantized.wasInterrupted())
      return signalPassFailure();
    TypeConverter types;
    types.addConversion([](Type type) { return type; });
    types.addConversion([](llm::KVCacheType type, SmallVectorImpl<Type> &parts)
                            -> std::optional<LogicalResult> {
      llvm::append_range(parts, cacheTensorTypes(type));
      return success();
    });
    types.addConversion([](llm::QWeightType type, SmallVectorImpl<Type> &parts)
                            -> std::optional<LogicalResult> {
      for (auto [name, part] : type.getCanonicalParts())
        parts.push_back(part);
      return success();
    });

    ConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, scf::SCFDialect,
                           tensor::TensorDialect>();
    target.addIllegalDialect<llm::LLMDialect>();
    // Archives stay: quant-compile reads them to pack the artifact.
    target.addLegalOp<ModuleOp, llm::ParamArchiveOp>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp func) {
      return types.isSignatureLegal(func.getFunctionType());
    });
    target.addDynamicallyLegalOp<func::CallOp, func::ReturnOp>(
        [&](Operation *op) { return types.isLegal(op); });

    RewritePatternSet patterns(ctx);
    patterns.add<AttentionLowering>(types, ctx, outlineAttention.getValue());
    patterns.add<EmbeddingLowering, LinearLowering,
                 PermuteLowering, RMSNormLowering, RopeLowering,
                 ElementwiseLowering<llm::SiLUOp>,
                 ElementwiseLowering<llm::SwiGLUOp>>(types, ctx);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns, types);
    populateCallOpTypeConversionPattern(patterns, types);
    populateReturnOpTypeConversionPattern(patterns, types);
    // Signature conversion keeps argument attributes at their old indices;
    // remember the bindings to move them onto the expanded arguments.
    llvm::DenseMap<Operation *, SmallVector<std::pair<Type, DictionaryAttr>>>
        bindings;
    StringRef parameterAttr = llm::LLMDialect::getParameterAttrName();
    for (auto func : getOperation().getOps<func::FuncOp>())
      for (unsigned i = 0; i < func.getNumArguments(); ++i)
        bindings[func].push_back(
            {func.getArgumentTypes()[i],
             func.getArgAttrOfType<DictionaryAttr>(i, parameterAttr)});
    if (failed(applyFullConversion(getOperation(), target, std::move(patterns))))
      return signalPassFailure();
    for (auto func : getOperation().getOps<func::FuncOp>())
      rebindArguments(func, bindings.lookup(func));
  }

  /// Re-attaches `llm.parameter` to the converted arguments; the parts of a
  /// quantized weight get `part = "qweight" | "scales" | "zeros"`.
  static void rebindArguments(
      func::FuncOp func, ArrayRef<std::pair<Type, DictionaryAttr>> original) {
    MLIRContext *ctx = func.getContext();
    StringRef parameterAttr = llm::LLMDialect::getParameterAttrName();
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      func.removeArgAttr(i, parameterAttr);
    unsigned next = 0;
    for (auto [type, binding] : original) {
      auto qtype = dyn_cast<llm::QWeightType>(type);
      if (!qtype) {
        if (binding)
          func.setArgAttr(next, parameterAttr, binding);
        // A KV cache expands to its elements, scales and block table.
        auto cache = dyn_cast<llm::KVCacheType>(type);
        next += cache ? cacheTensorTypes(cache).size() : 1;
        continue;
      }
      for (auto [name, part] : qtype.getCanonicalParts()) {
        if (binding) {
          NamedAttrList attrs(binding);
          attrs.set("part", StringAttr::get(ctx, name));
          func.setArgAttr(next, parameterAttr, attrs.getDictionary(ctx));
        }
        ++next;
      }
    }
  }
};

} // namespace
