//===- LLMOps.td - llm dialect operations ------------------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_DIALECTS_LLM_IR_LLMOPS_TD
#define QUANTFORGE_DIALECTS_LLM_IR_LLMOPS_TD

include "dialects/llm/IR/LLMBase.td"
include "dialects/llm/IR/LLMAttrs.td"
include "dialects/llm/IR/LLMTypes.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// Activations are float tensors; weights are float tensors or quantized.
def LLM_FloatTensor : RankedTensorOf<[AnyFloat]>;
def LLM_Vector : 1DTensorOf<[AnyFloat]>;
def LLM_Matrix : 2DTensorOf<[AnyFloat]>;
def LLM_WeightMatrix : AnyTypeOf<[LLM_Matrix, LLM_AnyQWeight],
                                 "float matrix or quantized weight">;
def LLM_TokenIds : 1DTensorOf<[I32, I64]>;
// A permutation of a feature dimension: element i names the source feature.
def LLM_Permutation : 1DTensorOf<[I32]>;

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

def LLM_ParamArchiveOp : LLM_Op<"param_archive", [
    Symbol, HasParent<"::mlir::ModuleOp">]> {
  let summary = "A parameter file that weights are read from";
  let description = [{
    Names a file holding the model's tensors.  The path is relative to the
    directory of the module file unless absolute.  The importer creates one
    per safetensors shard or GGUF file; a quantization pass adds one for the
    parameter file it writes.

    Example:
    ```mlir
    llm.param_archive @shard0 safetensors "model-00001-of-00002.safetensors"
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       LLM_ArchiveFormat:$format,
                       StrAttr:$path);
  let assemblyFormat = "$sym_name $format $path attr-dict";
  let hasVerifier = 1;
}

def LLM_WeightOp : LLM_Op<"weight", [
    Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "A reference to one tensor of a parameter archive";
  let description = [{
    Produces the tensor stored under `key` in the archive `archive`.  The data
    never enters the IR; loaders check the declared type against the archive.

    Example:
    ```mlir
    %w = llm.weight @shard0["model.layers.0.self_attn.q_proj.weight"] : tensor<4096x4096xbf16>
    %q = llm.weight @gptq["model.layers.0.mlp.up_proj"]
        : !llm.qweight<11008x4096xi4, group_size = 128, asym, scale = f16, packing = gptq_v1>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$archive, StrAttr:$key);
  let results = (outs AnyTypeOf<[LLM_FloatTensor, LLM_AnyQWeight,
                                 LLM_Permutation]>:$result);
  let assemblyFormat = "$archive `[` $key `]` attr-dict `:` qualified(type($result))";
  let hasVerifier = 1;
}

def LLM_DequantizeOp : LLM_Op<"dequantize", [Pure]> {
  let summary = "Expand a quantized weight to floats";
  let description = [{
    The explicit dequantization `scale * (q - zero)`.  Lowering fuses it into
    the consuming matmul so that no dequantized matrix is ever materialized;
    this op exists for references, tests and targets without a fused kernel.

    Example:
    ```mlir
    %f = llm.dequantize %q : !llm.qweight<64x128xi4, group_size = 32, sym, scale = f16> -> tensor<64x128xf32>
    ```
  }];
  let arguments = (ins LLM_AnyQWeight:$input);
  let results = (outs LLM_Matrix:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

def LLM_EmbeddingOp : LLM_Op<"embedding", [Pure]> {
  let summary = "Token embedding lookup";
  let description = [{
    Row `tokens[i]` of `table` ([vocab, hidden]) becomes row `i` of the result
    ([seq, hidden]).  Out-of-range token ids are a runtime error, not UB.

    Example:
    ```mlir
    %h = llm.embedding %table[%tokens] : tensor<32000x4096xbf16>, tensor<?xi32> -> tensor<?x4096xf32>
    ```
  }];
  let arguments = (ins LLM_WeightMatrix:$table, LLM_TokenIds:$tokens);
  let results = (outs LLM_Matrix:$result);
  let assemblyFormat = [{
    $table `[` $tokens `]` attr-dict `:` qualified(type($table)) `,` type($tokens)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def LLM_RMSNormOp : LLM_Op<"rms_norm", [Pure,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "Root-mean-square layer normalization";
  let description = [{
    `y = x / sqrt(mean(x^2, last dim) + epsilon) * weight`, computed in the
    input's element type or wider.  With `permutation` `p`, the normalized
    features come out permuted: `y[..., i] = (x / rms(x) * weight)[..., p[i]]`.
    `llm-fold-act-order` sets it so that act-order linears reading the norm
    need no gather of their own: the lowering reads `x` and `weight` at
    `p[i]` in the same loop.

    Example:
    ```mlir
    %y = llm.rms_norm %x, %g {epsilon = 1.0e-05 : f64} : tensor<?x4096xf32>, tensor<4096xbf16>
    %z = llm.rms_norm %x, %g permutation %p {epsilon = 1.0e-05 : f64}
        : tensor<?x4096xf32>, tensor<4096xbf16>, tensor<4096xi32>
    ```
  }];
  let arguments = (ins LLM_FloatTensor:$input, LLM_Vector:$weight,
                       Optional<LLM_Permutation>:$permutation,
                       F64Attr:$epsilon);
  let results = (outs LLM_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`permutation` $permutation^)? attr-dict `:`
    type($input) `,` type($weight) (`,` type($permutation)^)?
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$weight,
                   "::mlir::FloatAttr":$epsilon), [{
      build($_builder, $_state, input.getType(), input, weight,
            ::mlir::Value(), epsilon);
    }]>
  ];
  let hasVerifier = 1;
}

def LLM_PermuteOp : LLM_Op<"permute", [Pure,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "Gather the last dimension through a permutation";
  let description = [{
    `y[..., i] = x[..., p[i]]`.  `llm-fold-act-order` places it before an
    act-order linear whose input has no producer to fold the permutation
    into: O(features) per token, where a `g_idx` lookup in the matmul would
    cost O(features x outputs).

    Example:
    ```mlir
    %y = llm.permute %x, %p : tensor<?x4096xf32>, tensor<4096xi32>
    ```
  }];
  let arguments = (ins LLM_FloatTensor:$input, LLM_Permutation:$permutation);
  let results = (outs LLM_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $permutation attr-dict `:` type($input) `,` type($permutation)
  }];
  let hasVerifier = 1;
}

def LLM_LinearOp : LLM_Op<"linear", [Pure]> {
  let summary = "Fully connected layer y = x W^T (+ b)";
  let description = [{
    `input` is `[..., in]`, `weight` is `[out, in]` (Hugging Face layout, float
    or `!llm.qweight`), `bias` is `[out]`; the result is `[..., out]` in the
    input's element type.  The language-model head is a linear layer whose
    weight may be the embedding table (tied embeddings).

    Example:
    ```mlir
    %y = llm.linear %x, %w : (tensor<?x4096xf32>, tensor<11008x4096xbf16>) -> tensor<?x11008xf32>
    %z = llm.linear %x, %wq, %b : (tensor<?x896xf32>, tensor<128x896xbf16>, tensor<128xbf16>) -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins LLM_FloatTensor:$input, LLM_WeightMatrix:$weight,
                       Optional<LLM_Vector>:$bias);
  let results = (outs LLM_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def LLM_RotaryEmbeddingOp : LLM_Op<"rope", [Pure,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "Rotary position embedding";
  let description = [{
    Rotates each pair of `head_dim` features of `input` ([seq, heads, head_dim])
    by `position * theta^(-2i/head_dim)`.  Pairs are `(i, i + head_dim/2)`
    (Hugging Face's rotate_half) unless `interleaved`, where they are
    `(2i, 2i+1)` (Meta's original layout, which GGUF's llama keeps).  An
    optional `scaling` rescales the frequencies (linear or Llama 3).

    Example:
    ```mlir
    %r = llm.rope %q, %pos {theta = 500000.0 : f64,
           scaling = #llm.rope_scaling<llama3, factor = 8.0 : f64,
             low_freq_factor = 1.0 : f64, high_freq_factor = 4.0 : f64,
             original_max_position = 8192>}
         : tensor<?x32x128xf32>, tensor<?xi32>
    ```
  }];
  let arguments = (ins LLM_FloatTensor:$input, LLM_TokenIds:$positions,
                       F64Attr:$theta,
                       OptionalAttr<LLM_RopeScalingAttr>:$scaling,
                       UnitAttr:$interleaved);
  let results = (outs LLM_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $positions attr-dict `:` type($input) `,` type($positions)
  }];
  let hasVerifier = 1;
}

def LLM_AttentionOp : LLM_Op<"attention", [Pure,
    AllTypesMatch<["query", "result"]>,
    AllTypesMatch<["key", "value"]>,
    AllTypesMatch<["cache", "updated_cache"]>]> {
  let summary = "Causal grouped-query attention that appends to a KV cache";
  let description = [{
    `query` is `[seq, heads, head_dim]`, `key` and `value` are
    `[seq, kv_heads, head_dim]` for the new tokens at positions
    `start_pos .. start_pos + seq - 1`.  The op writes them into layer `layer`
    of `cache` (returned as `updated_cache`) and lets each query attend to
    every cached position up to and including its own (causal), or only the
    last `sliding_window` of them.  Query head `h` reads KV head
    `h / (heads / kv_heads)`.  Scores are scaled by `scale`, default
    `1/sqrt(head_dim)`.

    Example:
    ```mlir
    %o, %c1 = llm.attention %q, %k, %v, %c0[%start] {layer = 0 : i64}
        : tensor<?x32x128xf32>, tensor<?x8x128xf32>, !llm.kv_cache<32x8x4096x128xf16>
    ```
  }];
  let arguments = (ins LLM_FloatTensor:$query, LLM_FloatTensor:$key,
                       LLM_FloatTensor:$value, LLM_AnyKVCache:$cache,
                       Index:$start_pos,
                       I64Attr:$layer,
                       OptionalAttr<F64Attr>:$scale,
                       OptionalAttr<I64Attr>:$sliding_window);
  let results = (outs LLM_FloatTensor:$result, LLM_AnyKVCache:$updated_cache);
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $cache `[` $start_pos `]` attr-dict `:`
    type($query) `,` type($key) `,` qualified(type($cache))
  }];
  let hasVerifier = 1;
}

def LLM_SiLUOp : LLM_Op<"silu", [Pure, SameOperandsAndResultType]> {
  let summary = "Elementwise x * sigmoid(x)";
  let description = [{
    Example:
    ```mlir
    %a = llm.silu %g : tensor<?x11008xf32>
    ```
  }];
  let arguments = (ins LLM_FloatTensor:$input);
  let results = (outs LLM_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def LLM_SwiGLUOp : LLM_Op<"swiglu", [Pure, SameOperandsAndResultType]> {
  let summary = "Gated activation silu(gate) * up";
  let description = [{
    The activation of the Llama MLP, `silu(gate) * up`, as one op so that it
    lowers to one fused elementwise kernel after the gate/up projections.

    Example:
    ```mlir
    %a = llm.swiglu %gate, %up : tensor<?x11008xf32>
    ```
  }];
  let arguments = (ins LLM_FloatTensor:$gate, LLM_FloatTensor:$up);
  let results = (outs LLM_FloatTensor:$result);
  let assemblyFormat = "$gate `,` $up attr-dict `:` type($gate)";
}

#endif // QUANTFORGE_DIALECTS_LLM_IR_LLMOPS_TD
