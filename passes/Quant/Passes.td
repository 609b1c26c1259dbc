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
  ];
  let dependentDialects = ["::quantforge::llm::LLMDialect"];
}

def LLMInstrumentHessians : Pass<"llm-instrument-hessians", "::mlir::ModuleOp"> {
  let summary = "Accumulate the Hessian of every linear layer's input";
  let description = [{
    The observer half of calibration. Runs on a bound module (after
    `llm-bind-parameters`); in the prefill entry point, for every distinct
    input `x` ([tokens, in]) of the decoder's linear layers, adds an argument
    `h` ([in, in] f32, tagged `llm.statistic = {keys = [...], kind =
    "hessian"}` with the weights that read `x`) and accumulates
    `h += x^T x` into it, returning it like the KV cache so that the
    compiled code updates the caller's buffer in place. Running the
    instrumented executable over calibration text then leaves the sum of
    `x x^T` over all tokens in each buffer.
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
    up front with `static-groups`). `damp-percent` of the mean diagonal is
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
    Option<"actOrder", "act-order", "bool", "false",
           "Quantize columns in decreasing diag(H) order (desc_act); the "
           "weights get act_order and a g_idx part">,
    Option<"output", "output", "std::string", "",
           "Path of the parameter file to write (required)">,
    Option<"progress", "progress", "bool", "true",
           "Report each layer on stderr as it is quantized">,
  ];
  let dependentDialects = ["::quantforge::llm::LLMDialect"];
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
