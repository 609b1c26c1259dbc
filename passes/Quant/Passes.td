//===- Passes.td - weight quantization passes --------------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_PASSES_QUANT_PASSES_TD
#define QUANTFORGE_PASSES_QUANT_PASSES_TD

include "mlir/Pass/PassBase.td"

def LLMQuantizeRTN : Pass<"llm-quantize-rtn", "::mlir::ModuleOp"> {
  let summary = "Round-to-nearest weight quantization of the linear layers";
  let description = [{
    Quantizes the weight of every `llm.linear` inside the decoder layers
    (keys under `model.layers.` or GGUF's `blk.`; the embedding and the
    language-model head stay as they are) with round-to-nearest, group-wise
    along the input dimension, as the GPTQ reference quantizer does
    (docs/quantization.md). The packed integers, scales and zero points are
    written to a new safetensors parameter file `output` in the canonical
    layout; the module gains an `llm.param_archive` for it and the linears
    read `!llm.qweight` values from it. Other users of a weight (a tied
    embedding) keep the original.

    Example:
    ```
    quant-opt model.mlir --llm-quantize-rtn="bits=4 group-size=128 output=model.rtn.safetensors"
    ```
  }];
  let options = [
    Option<"bits", "bits", "unsigned", "4", "Bits per weight (2 to 8)">,
    Option<"groupSize", "group-size", "int64_t", "128",
           "Columns per scale; 0 for one group per output channel">,
    Option<"symmetric", "symmetric", "bool", "false",
           "Symmetric around zero (no zero points)">,
    Option<"scaleType", "scale-type", "std::string", "\"f32\"",
           "Element type of the scales: f32 or f16">,
    Option<"output", "output", "std::string", "",
           "Path of the parameter file to write (required)">,
    Option<"progress", "progress", "bool", "true",
           "Report each layer on stderr as it is quantized">,
    Option<"report", "report", "std::string", "",
           "Write a per-weight report to PATH.json and PATH.html "
           "(docs/quantization.md); none if empty">,
  ];
  let dependentDialects = ["::quantforge::llm::LLMDialect"];
}

def LLMInstrumentLinearInputs
    : Pass<"llm-instrument-linear-inputs", "::mlir::ModuleOp"> {
  let summary = "Accumulate statistics of every linear layer's input";
  let description = [{
    The observer half of calibration. Runs on a bound module (after
    `llm-bind-parameters`); in the prefill entry point, for every distinct
    input `x` ([tokens, in]) of the decoder's linear layers and every
    statistic asked for, adds an argument tagged `llm.statistic = {keys =
    [...], kind = ...}` with the weights that read `x`, accumulates into it
    and returns it like the KV cache, so that the compiled code updates the
    caller's buffer in place:
    - `hessian`: `h += x^T x` ([in, in] f32, GPTQ and AWQ);
    - `abs-mean`: `a += sum over tokens of |x|` ([in] f32, AWQ's scales;
      the caller divides by the number of tokens it ran).
    Running the instrumented executable over calibration text leaves the
    sums over all tokens in the buffers.

    Example:
    ```
    quant-opt bound.mlir --llm-instrument-linear-inputs="hessian=true abs-mean=true"
    ```
  }];
  let options = [
    Option<"hessian", "hessian", "bool", "true",
           "Accumulate x^T x per input">,
    Option<"absMean", "abs-mean", "bool", "false",
           "Accumulate |x| per input channel">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def LLMInstrumentHessians : Pass<"llm-instrument-hessians", "::mlir::ModuleOp"> {
  let summary = "Accumulate the Hessian of every linear layer's input";
  let description = [{
    `llm-instrument-linear-inputs` with only the `hessian` statistic (its
    earlier name, kept for pipelines that use it).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::arith::ArithDialect"];
}

def LLMQuantizeGPTQ : Pass<"llm-quantize-gptq", "::mlir::ModuleOp"> {
  let summary = "GPTQ weight quantization of the linear layers";
  let description = [{
    Quantizes the same weights as `llm-quantize-rtn`, with GPTQ (Frantar et
    al. 2022, as the authors' reference implementation): columns are
    quantized one by one and the error of each is spread over the columns
    not yet quantized through the Cholesky factor of the inverse Hessian of
    the layer's inputs, in lazy blocks of `block-size` columns; scales and
    zero points of a group are fitted when the algorithm reaches it (or all
    up front with `static-groups`), from the group's min/max or, with `mse`,
    by the reference quantizer's search for the shrunk range of least
    error. `damp-percent` of the mean diagonal is
    added to H; columns never activated are quantized to zero.

    The Hessians come from `statistics`, a safetensors file holding for each
    weight key a tensor `<key>.hessian` (F32 or F64, [in, in]), as the
    calibration step writes it (2/n * sum of x x^T over the calibration
    tokens). Output, packing and progress as in `llm-quantize-rtn`.

    With `act-order`, columns are quantized in order of decreasing diag(H)
    (ties in column order) and the weights are typed `act_order` with a
    `g_idx` part naming each column's group; `llm-fold-act-order` then
    removes the g_idx lookup from the matmul.
  }];
  let options = [
    Option<"bits", "bits", "unsigned", "4", "Bits per weight (2 to 8)">,
    Option<"groupSize", "group-size", "int64_t", "128",
           "Columns per scale; 0 for one group per output channel">,
    Option<"symmetric", "symmetric", "bool", "false",
           "Symmetric around zero (no zero points)">,
    Option<"scaleType", "scale-type", "std::string", "\"f32\"",
           "Element type of the scales: f32 or f16">,
    Option<"statistics", "statistics", "std::string", "",
           "Safetensors file with <key>.hessian for every weight (required)">,
    Option<"dampPercent", "damp-percent", "double", "0.01",
           "Damping added to H's diagonal, as a fraction of its mean">,
    Option<"blockSize", "block-size", "int64_t", "128",
           "Columns per lazy batch update">,
    Option<"staticGroups", "static-groups", "bool", "false",
           "Fit every group's scale before quantizing any column">,
    Option<"mse", "mse", "bool", "false",
           "Fit each group's range by the reference quantizer's error search "
           "(shrink 1 down to 0.21 in steps of 0.01, least sum |w - q|^2.4) "
           "instead of min/max">,
    Option<"actOrder", "act-order", "bool", "false",
           "Quantize columns in decreasing diag(H) order (desc_act); the "
           "weights get act_order and a g_idx part">,
    Option<"output", "output", "std::string", "",
           "Path of the parameter file to write (required)">,
    Option<"progress", "progress", "bool", "true",
           "Report each layer on stderr as it is quantized">,
    Option<"report", "report", "std::string", "",
           "Write a per-weight report to PATH.json and PATH.html "
           "(docs/quantization.md); none if empty">,
  ];
  let dependentDialects = ["::quantforge::llm::LLMDialect"];
}

def LLMQuantizeAWQ : Pass<"llm-quantize-awq", "::mlir::ModuleOp"> {
  let summary = "AWQ weight quantization of the linear layers";
  let description = [{
    Activation-aware weight quantization (Lin et al. 2023, as llm-awq and
    AutoAWQ): the linears that read one input (q/k/v after the input
    RMSNorm, gate/up after the post-attention RMSNorm, down after swiglu's
    `up`, o after attention's values when every query head has its own KV
    head) get per input channel scales s = mean|x|^alpha / sqrt(max * min),
    alpha searched over `grid` points for the least output error of the
    group. The scales are folded exactly: the weights' columns are
    multiplied by s and the producer (the RMSNorm weight, or the rows of
    `up_proj` / `v_proj`) divided by s; inputs with no such producer keep
    s = 1. Then each linear's groups are clipped to the max |w| (shrunk by
    up to `max-shrink` on a `clip-grid`) of least error, q/k excepted, and
    quantized with round-to-nearest into the canonical layout.

    Every error is the exact output error over the calibration tokens,
    trace((W - W') H (W - W')^T) with H = sum of x x^T, for the scaled
    weights with the Hessian of the scaled input diag(1/s) H diag(1/s).
    `statistics` is the calibration file: `<key>.hessian` ([in, in]) and
    `<key>.absmean` ([in], mean |x|) for every weight. The rescaled RMSNorm
    weights are written as F32 to `output` beside the packed weights, and
    the module reads them from there. `report` writes the common report
    (PATH.json and PATH.html): per linear alpha, fold, clip, output errors
    of RTN and AWQ, seconds.

    Example:
    ```
    quant-opt model.mlir --llm-quantize-awq="bits=4 group-size=128 statistics=stats.safetensors output=model.awq.safetensors report=awq"
    ```
  }];
  let options = [
    Option<"bits", "bits", "unsigned", "4", "Bits per weight (2 to 8)">,
    Option<"groupSize", "group-size", "int64_t", "128",
           "Columns per scale; 0 for one group per output channel">,
    Option<"symmetric", "symmetric", "bool", "false",
           "Symmetric around zero (no zero points)">,
    Option<"scaleType", "scale-type", "std::string", "\"f32\"",
           "Element type of the scales: f32 or f16">,
    Option<"statistics", "statistics", "std::string", "",
           "Safetensors file with <key>.hessian and <key>.absmean for every "
           "weight (required)">,
    Option<"grid", "grid", "int64_t", "20",
           "Scale search grid: alpha = i / grid, i < grid">,
    Option<"clip", "clip", "bool", "true",
           "Search each group's clipping after the scales">,
    Option<"clipGrid", "clip-grid", "int64_t", "20",
           "Clip search grid: shrink = 1 - i / clip-grid">,
    Option<"maxShrink", "max-shrink", "double", "0.5",
           "Clipping keeps at least 1 - max-shrink of a group's max |w|">,
    Option<"output", "output", "std::string", "",
           "Path of the parameter file to write (required)">,
    Option<"progress", "progress", "bool", "true",
           "Report each layer on stderr as it is quantized">,
    Option<"report", "report", "std::string", "",
           "Write a per-weight report to PATH.json and PATH.html "
           "(docs/quantization.md); none if empty">,
  ];
  let dependentDialects = ["::quantforge::llm::LLMDialect"];
}

def LLMExtractDecoderStage
    : Pass<"llm-extract-decoder-stage", "::mlir::ModuleOp"> {
  let summary = "Keep one stage of the model (the embedding or one decoder "
                "layer) as its own entry point";
  let description = [{
    Block-sequential calibration runs the model one stage at a time. This
    pass replaces the functions of an llm module (before binding) with one
    prefill entry point `@stage` that computes one stage of the prefill
    entry point's model: `layer = -1` the embedding (tokens to the hidden
    state entering decoder layer 0), `layer = i` decoder layer i (the hidden
    state entering layer i to the one entering layer i+1, or the final norm).
    A stage starts at the residual value that layer i's input norm
    (`model.layers.{i}.input_layernorm.weight`, GGUF `blk.{i}.attn_norm`)
    reads and ends at the next one.

    Signature: `(tokens, start_pos, cache, hidden) -> (hidden', cache)`:
    prefill's arguments, then the hidden state entering the stage (unused by
    the embedding); the cache holds one layer, which the stage's attention
    uses as layer 0, so every layer of the same shapes compiles to the same
    code and only the bound weights differ.

    Example:
    ```
    quant-opt model.mlir --llm-extract-decoder-stage="layer=3"
    ```
  }];
  let options = [
    Option<"layer", "layer", "int64_t", "-1",
           "The decoder layer to keep; -1 for the embedding">,
  ];
  let dependentDialects = ["::quantforge::llm::LLMDialect",
                           "::mlir::func::FuncDialect"];
}

def LLMFoldActOrder : Pass<"llm-fold-act-order", "::mlir::ModuleOp"> {
  let summary = "Remove act-order's g_idx lookup from the matmuls";
  let description = [{
    An act-order (GPTQ desc_act) weight finds the group of column `c` through
    `g_idx[c]`: one extra load per decoded weight, in the hot loop. This pass
    stores every act-order weight with its columns sorted by group (a stable
    sort of `g_idx`, `perm`), so that groups are contiguous and the weight is
    plain canonical (`W'[:, j] = W[:, perm[j]]`, exact), and feeds the linear
    `x[..., perm]` instead of `x`:

    - (a) when `x` is an `llm.rms_norm` whose every user is a linear with the
      same permutation (q/k/v, gate/up: they share a Hessian), the norm gets
      `permutation` and computes the permuted features directly;
    - (b) when `x` is `llm.swiglu(gate, up)` read only by this linear
      (down_proj), the rows of the gate and up projections (integers, scales,
      zero points, bias) are permuted instead: exact, and free;
    - (c) otherwise (o_proj, or linears of one input with different
      permutations) an `llm.permute` gathers `x` before the linear: O(in) per
      token instead of O(in x out).

    Imported GPTQ checkpoints (packing `gptq_v1`/`gptq_v2`) and
    `llm-quantize-gptq act-order=true` are both handled; rewritten weights,
    permutations and permuted biases go to the new safetensors file
    `output`. Each linear is reported on stderr (`progress`) with the case
    that removed its g_idx; the ones that kept a gather say so.

    Example:
    ```
    quant-opt model.mlir --llm-fold-act-order="output=model.folded.safetensors"
    ```
  }];
  let options = [
    Option<"output", "output", "std::string", "",
           "Path of the parameter file to write (required when an act-order "
           "weight is present)">,
    Option<"progress", "progress", "bool", "true",
           "Report each folded linear on stderr">,
  ];
  let dependentDialects = ["::quantforge::llm::LLMDialect"];
}

#endif // QUANTFORGE_PASSES_QUANT_PASSES_TD
