//===- LLMTypes.td - llm dialect types ---------------------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_DIALECTS_LLM_IR_LLMTYPES_TD
#define QUANTFORGE_DIALECTS_LLM_IR_LLMTYPES_TD

include "dialects/llm/IR/LLMBase.td"
include "dialects/llm/IR/LLMAttrs.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

def LLM_QWeightType : LLM_Type<"QWeight", "qweight"> {
  let summary = "A weight matrix quantized to integers with float scales";
  let description = [{
    A `[rows, cols]` weight (rows = output features, cols = input features,
    the reduction dimension) stored as `bits`-bit integers.  Columns are split
    into groups of `group_size` consecutive columns (or one group per row with
    `per_channel`); each (row, group) has a scale of type `scale` and, unless
    `sym`, an integer zero point:

        w[r, c] = scale[r, g(c)] * (q[r, c] - zero[r, g(c)])   (asym)
        w[r, c] = scale[r, g(c)] * q[r, c]                     (sym, q signed)

    With `act_order`, `g(c) = g_idx[c]` (GPTQ's desc_act: columns were
    quantized in decreasing Hessian-diagonal order and the archive holds the
    `g_idx` vector); otherwise `g(c) = c / group_size`.

    Upstream `!quant.uniform` per-axis and sub-channel types carry their scales
    as constants inside the type; a 7B model has millions of scales, so here
    they stay in the parameter archive next to the integers and the type only
    describes their shape and meaning.

    `packing` names the byte layout in the archive (default `canonical`:
    row-major integers packed little-endian along columns, see
    docs/quantized-weights.md); imported GPTQ, AWQ and GGUF tensors keep their
    own layout and are only repacked by a target's repack pass.  GPTQ and AWQ
    layouts always store zero points, so they are `asym` even for checkpoints
    quantized symmetrically (the stored zero is then the midpoint).

    Example:
    ```mlir
    !llm.qweight<4096x4096xi4, group_size = 128, asym, scale = f16>
    !llm.qweight<11008x4096xi4, group_size = 128, asym, scale = f16, act_order, packing = gptq_v1>
    !llm.qweight<4096x4096xi8, per_channel, sym, scale = f32>
    ```
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t">:$shape,
    "unsigned":$bits,
    "int64_t":$groupSize,
    "bool":$symmetric,
    "::mlir::FloatType":$scaleType,
    "WeightPacking":$packing,
    "bool":$actOrder
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getRows() const { return getShape()[0]; }
    int64_t getCols() const { return getShape()[1]; }
    /// Number of scale groups along the columns of one row.
    int64_t getNumGroups() const { return getCols() / getGroupSize(); }
    /// Bytes of integer payload in the canonical packing (rows padded to whole
    /// bytes), excluding scales, zero points and g_idx.
    int64_t getPackedWeightBytes() const;
    /// Bytes of scales and zero points in the canonical packing.
    int64_t getMetadataBytes() const;
    /// The tensors a canonical weight is stored and passed as, in order:
    /// {"qweight", [rows, row bytes] i8}, {"scales", [rows, groups] scale},
    /// unless symmetric {"zeros", [rows, zero bytes] i8}, and with act_order
    /// {"g_idx", [cols] i32}, each column's group. Their archive
    /// keys are the weight's key plus "." and the part name.
    ::llvm::SmallVector<std::pair<::llvm::StringRef, ::mlir::RankedTensorType>>
    getCanonicalParts() const;
  }];
}

def LLM_KVCacheType : LLM_Type<"KVCache", "kv_cache"> {
  let summary = "The key/value cache of every attention layer of a model";
  let description = [{
    Keys (after the rotary embedding) and values of all layers:
    `layers x kv_heads x max_seq x head_dim` elements each.  A value of this
    type is threaded through a model entry point: `llm.attention` reads it and
    returns it with the new tokens appended, so the IR stays in value
    semantics and bufferization turns the chain into in-place updates.

    The type also fixes how the cache is stored (`llm-lower-kv-cache` chooses,
    docs/kv-cache.md):
    - the element type: a float type (f32, f16, bf16), `f8E4M3FN`, or `i8`;
    - `scale = T` (f32 or f16): one scale per (layer, K|V, kv head, token),
      `x = scale * stored`; required for `i8` (symmetric, 127 levels),
      optional for `f8E4M3FN`, not allowed for wider floats;
    - `block_size = N`: the paged layout. Tokens live in blocks of N
      positions taken from a pool shared by all sequences, and a block table
      per sequence maps its blocks to the pool's; without it the cache is one
      contiguous `max_seq` array. N must divide `max_seq`.

    - `layers = [I: E' [scale = S'], ...]`: a mixed cache. The listed
      layers (ascending, each once, at least one layer left out) store their
      keys and values as `E'` (with scales `S'`) instead of the default
      `E`/`S`; the same rules apply to each layer's storage. Layers of one
      storage lower to one array, so a mixed cache is one array per storage.

    Example:
    ```mlir
    !llm.kv_cache<32x8x4096x128xf16>
    !llm.kv_cache<32x8x4096x128xi8, scale = f32>
    !llm.kv_cache<32x8x4096x128xf8E4M3FN, block_size = 16>
    !llm.kv_cache<32x8x4096x128xi8, scale = f32, layers = [0: f16, 31: f16]>
    ```
  }];
  let parameters = (ins
    "int64_t":$layers,
    "int64_t":$kvHeads,
    "int64_t":$maxSeq,
    "int64_t":$headDim,
    "::mlir::Type":$elementType,
    OptionalParameter<"::mlir::FloatType">:$scaleType,
    DefaultValuedParameter<"int64_t", "0">:$blockSize,
    OptionalArrayRefParameter<"::quantforge::llm::KVLayerStorage">:$overrides
  );
  let builders = [
    TypeBuilder<(ins "int64_t":$layers, "int64_t":$kvHeads, "int64_t":$maxSeq,
                     "int64_t":$headDim, "::mlir::Type":$elementType), [{
      return $_get($_ctxt, layers, kvHeads, maxSeq, headDim, elementType,
                   ::mlir::FloatType(), 0,
                   ::llvm::ArrayRef<::quantforge::llm::KVLayerStorage>());
    }]>,
    TypeBuilder<(ins "int64_t":$layers, "int64_t":$kvHeads, "int64_t":$maxSeq,
                     "int64_t":$headDim, "::mlir::Type":$elementType,
                     "::mlir::FloatType":$scaleType, "int64_t":$blockSize), [{
      return $_get($_ctxt, layers, kvHeads, maxSeq, headDim, elementType,
                   scaleType, blockSize,
                   ::llvm::ArrayRef<::quantforge::llm::KVLayerStorage>());
    }]>
  ];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The cache with one storage per layer (`perLayer` has one entry per
    /// layer). The default storage is `preferred` if a layer uses it, else
    /// layer 0's; the layers that differ are listed. All equal: uniform.
    static KVCacheType getPerLayer(::mlir::MLIRContext *context,
                                   int64_t layers, int64_t kvHeads,
                                   int64_t maxSeq, int64_t headDim,
                                   ::llvm::ArrayRef<KVStorage> perLayer,
                                   KVStorage preferred, int64_t blockSize);
    /// Cache bytes that one token adds across all layers (keys and values,
    /// with their scales).
    int64_t getBytesPerToken() const;
    /// The default storage (that of every layer not in `layers = [...]`).
    KVStorage getDefaultStorage() const {
      return {getElementType(), getScaleType()};
    }
    /// How layer `layer` is stored.
    KVStorage getLayerStorage(int64_t layer) const;
    /// Whether layers differ in storage.
    bool isMixed() const { return !getOverrides().empty(); }
    /// The layers of each storage, in the order of their first layer: the
    /// order of the arrays the cache lowers to. One group when uniform.
    ::llvm::SmallVector<KVStorageGroup> getStorageGroups() const;
    /// Whether the default storage has per-(token, head) scales; a mixed
    /// cache asks getLayerStorage or getStorageGroups.
    bool hasScales() const { return static_cast<bool>(getScaleType()); }
    /// Whether the cache uses the paged layout.
    bool isPaged() const { return getBlockSize() != 0; }
    /// Blocks of one sequence at full context (paged layout).
    int64_t getBlocksPerSequence() const {
      return isPaged() ? getMaxSeq() / getBlockSize() : 0;
    }
  }];
}

def LLM_AnyQWeight : Type<CPred<"::llvm::isa<::quantforge::llm::QWeightType>($_self)">,
                          "quantized weight", "::quantforge::llm::QWeightType">;
def LLM_AnyKVCache : Type<CPred<"::llvm::isa<::quantforge::llm::KVCacheType>($_self)">,
                          "KV cache", "::quantforge::llm::KVCacheType">;

#endif // QUANTFORGE_DIALECTS_LLM_IR_LLMTYPES_TD
