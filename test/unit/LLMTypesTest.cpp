//===- LLMTypesTest.cpp - llm dialect type unit tests ---------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/IR/LLMOps.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace quantforge::llm;

namespace {

class LLMTypesTest : public ::testing::Test {
protected:
  LLMTypesTest() { context.loadDialect<LLMDialect>(); }

  /// Parses `text` as a type, collecting diagnostics instead of printing.
  Type parse(StringRef text) {
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      lastError = diag.str();
      return success();
    });
    return parseType(text, &context);
  }

  MLIRContext context;
  std::string lastError;
};

TEST_F(LLMTypesTest, QWeightByteCountsFollowTheCanonicalPacking) {
  auto type = dyn_cast_or_null<QWeightType>(
      parse("!llm.qweight<4096x11008xi4, group_size = 128, asym, scale = f16>"));
  ASSERT_TRUE(type) << lastError;
  EXPECT_EQ(type.getNumGroups(), 86);
  // 4 bits per value: half a byte for each of 4096 * 11008 values.
  EXPECT_EQ(type.getPackedWeightBytes(), 4096LL * 11008 / 2);
  // f16 scales plus 4-bit zero points, 86 groups per row (43 bytes of zeros).
  EXPECT_EQ(type.getMetadataBytes(), 4096LL * 86 * 2 + 4096LL * 43);
}

TEST_F(LLMTypesTest, OddBitWidthsRoundRowsUpToWholeBytes) {
  auto type = dyn_cast_or_null<QWeightType>(
      parse("!llm.qweight<3x10xi3, per_channel, sym, scale = f32>"));
  ASSERT_TRUE(type) << lastError;
  EXPECT_EQ(type.getGroupSize(), 10);
  EXPECT_EQ(type.getNumGroups(), 1);
  EXPECT_EQ(type.getPackedWeightBytes(), 3 * 4); // ceil(30 bits / 8) = 4
  EXPECT_EQ(type.getMetadataBytes(), 3 * 4);     // one f32 scale per row
}

TEST_F(LLMTypesTest, QWeightPrintsWhatItParses) {
  const char *text = "!llm.qweight<64x256xi4, act_order, packing = gptq_v2, "
                     "scale = bf16, asym, group_size = 32>";
  Type type = parse(text);
  ASSERT_TRUE(type) << lastError;
  std::string printed;
  llvm::raw_string_ostream os(printed);
  type.print(os);
  // Options come out in one fixed order whatever order they went in.
  EXPECT_EQ(printed, "!llm.qweight<64x256xi4, group_size = 32, asym, "
                     "scale = bf16, packing = gptq_v2, act_order>");
  EXPECT_EQ(parse(printed), type);
}

TEST_F(LLMTypesTest, GroupSizeMustDivideColumns) {
  EXPECT_FALSE(parse("!llm.qweight<8x100xi4, group_size = 32, sym, scale = f16>"));
  EXPECT_NE(lastError.find("does not divide"), std::string::npos) << lastError;
}

TEST_F(LLMTypesTest, GGUFPackingFixesBitsAndGroups) {
  EXPECT_TRUE(parse("!llm.qweight<8x64xi4, group_size = 32, sym, scale = f16, "
                    "packing = gguf_q4_0>"));
  EXPECT_FALSE(parse("!llm.qweight<8x64xi4, group_size = 64, sym, scale = f16, "
                     "packing = gguf_q4_0>"));
  EXPECT_NE(lastError.find("groups of 32"), std::string::npos) << lastError;
}

TEST_F(LLMTypesTest, KVCacheBytesPerToken) {
  auto f16 = dyn_cast_or_null<KVCacheType>(parse("!llm.kv_cache<32x8x4096x128xf16>"));
  ASSERT_TRUE(f16) << lastError;
  // Llama-3-8B: 32 layers * 8 KV heads * 128 dims * (K and V) * 2 bytes.
  EXPECT_EQ(f16.getBytesPerToken(), 32 * 8 * 128 * 2 * 2);
  auto i8 = dyn_cast_or_null<KVCacheType>(
      parse("!llm.kv_cache<32x8x4096x128xi8, scale = f32>"));
  ASSERT_TRUE(i8) << lastError;
  // Half of f16 plus one f32 scale per (layer, K|V, head).
  EXPECT_EQ(i8.getBytesPerToken(), f16.getBytesPerToken() / 2 + 32 * 8 * 2 * 4);
  auto fp8 = dyn_cast_or_null<KVCacheType>(
      parse("!llm.kv_cache<32x8x4096x128xf8E4M3FN, block_size = 16>"));
  ASSERT_TRUE(fp8) << lastError;
  EXPECT_EQ(2 * fp8.getBytesPerToken(), f16.getBytesPerToken());
  EXPECT_EQ(fp8.getBlocksPerSequence(), 4096 / 16);
}

TEST_F(LLMTypesTest, MixedKVCacheSumsItsLayers) {
  auto mixed = dyn_cast_or_null<KVCacheType>(
      parse("!llm.kv_cache<4x8x4096x128xi8, scale = f32, layers = [0: f16, "
            "3: f8E4M3FN]>"));
  ASSERT_TRUE(mixed) << lastError;
  // Per layer: K and V of 8 heads; f16 2 bytes per element, i8 1 plus an f32
  // scale per head, fp8 1.
  int64_t f16 = 2 * 8 * 128 * 2, i8 = 2 * 8 * (128 + 4), fp8 = 2 * 8 * 128;
  EXPECT_EQ(mixed.getBytesPerToken(), f16 + 2 * i8 + fp8);
  SmallVector<KVStorageGroup> groups = mixed.getStorageGroups();
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_TRUE(groups[0].storage.elementType.isF16());
  EXPECT_EQ(groups[0].layers, SmallVector<int64_t>({0}));
  EXPECT_TRUE(groups[1].storage.elementType.isSignlessInteger(8));
  EXPECT_EQ(groups[1].layers, SmallVector<int64_t>({1, 2}));
  EXPECT_EQ(groups[2].layers, SmallVector<int64_t>({3}));

  // getPerLayer keeps the preferred default and lists the others; all equal
  // is the uniform cache.
  MLIRContext *ctx = mixed.getContext();
  KVStorage half{Float16Type::get(ctx), {}};
  KVStorage int8{IntegerType::get(ctx, 8), Float32Type::get(ctx)};
  KVCacheType built =
      KVCacheType::getPerLayer(ctx, 2, 8, 4096, 128, {half, int8}, int8, 0);
  EXPECT_EQ(built.getDefaultStorage(), int8);
  ASSERT_EQ(built.getOverrides().size(), 1u);
  EXPECT_EQ(built.getLayerStorage(0), half);
  KVCacheType uniform =
      KVCacheType::getPerLayer(ctx, 2, 8, 4096, 128, {half, half}, int8, 0);
  EXPECT_FALSE(uniform.isMixed());
  EXPECT_EQ(uniform,
            KVCacheType::get(ctx, 2, 8, 4096, 128, Float16Type::get(ctx)));
}

} // namespace
