//===- LLMAttrs.td - llm dialect enums and attributes ------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_DIALECTS_LLM_IR_LLMATTRS_TD
#define QUANTFORGE_DIALECTS_LLM_IR_LLMATTRS_TD

include "dialects/llm/IR/LLMBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def LLM_ArchiveFormat : I32EnumAttr<"ArchiveFormat",
    "file format of a parameter archive", [
      I32EnumAttrCase<"safetensors", 0>,
      I32EnumAttrCase<"gguf", 1>,
      I32EnumAttrCase<"qfparams", 2>,
    ]> {
  let cppNamespace = "::quantforge::llm";
}

// How the integers, scales and zero points of a quantized weight are laid out
// in its archive.  `canonical` is ours (see QWeightType); the others are the
// byte layouts of existing ecosystems, imported as they are so that a
// pre-quantized checkpoint is never dequantized on import.
def LLM_WeightPacking : I32EnumAttr<"WeightPacking",
    "byte layout of a quantized weight", [
      I32EnumAttrCase<"canonical", 0>,
      I32EnumAttrCase<"gptq_v1", 1>,
      I32EnumAttrCase<"gptq_v2", 2>,
      I32EnumAttrCase<"awq_gemm", 3>,
      I32EnumAttrCase<"gguf_q8_0", 4>,
      I32EnumAttrCase<"gguf_q4_0", 5>,
      I32EnumAttrCase<"gguf_q4_1", 6>,
      I32EnumAttrCase<"gguf_q4_k", 7>,
      I32EnumAttrCase<"gguf_q5_k", 8>,
      I32EnumAttrCase<"gguf_q6_k", 9>,
    ]> {
  let cppNamespace = "::quantforge::llm";
}

def LLM_EntryPointKind : I32EnumAttr<"EntryPointKind",
    "kind of model entry point", [
      I32EnumAttrCase<"prefill", 0>,
      I32EnumAttrCase<"decode", 1>,
      // One stage of the model alone, for block-sequential calibration
      // (llm-extract-decoder-stage).
      I32EnumAttrCase<"stage", 2>,
    ]> {
  let cppNamespace = "::quantforge::llm";
  let genSpecializedAttr = 0;
}
def LLM_EntryPointKindAttr
    : EnumAttr<LLM_Dialect, LLM_EntryPointKind, "entry_point"> {
  let assemblyFormat = "`<` $value `>`";
}

def LLM_RopeScalingKind : I32EnumAttr<"RopeScalingKind",
    "rotary embedding frequency scaling", [
      I32EnumAttrCase<"linear", 0>,
      I32EnumAttrCase<"llama3", 1>,
    ]> {
  let cppNamespace = "::quantforge::llm";
  let genSpecializedAttr = 0;
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

def LLM_RopeScalingAttr : LLM_Attr<"RopeScaling", "rope_scaling"> {
  let summary = "Frequency scaling of a rotary embedding";
  let description = [{
    `linear` divides every position by `factor` (Hugging Face
    `rope_scaling = {type: linear}`).  `llama3` keeps high frequencies, divides
    low ones by `factor` and interpolates in between, with the wavelength
    bounds `original_max_position / low_freq_factor` and
    `original_max_position / high_freq_factor` (Llama 3.1's scheme).

    Example:
    ```mlir
    #llm.rope_scaling<linear, factor = 2.0>
    #llm.rope_scaling<llama3, factor = 8.0, low_freq_factor = 1.0,
                      high_freq_factor = 4.0, original_max_position = 8192>
    ```
  }];
  let parameters = (ins
    EnumParameter<LLM_RopeScalingKind>:$kind,
    "::mlir::FloatAttr":$factor,
    OptionalParameter<"::mlir::FloatAttr">:$low_freq_factor,
    OptionalParameter<"::mlir::FloatAttr">:$high_freq_factor,
    OptionalParameter<"::mlir::IntegerAttr">:$original_max_position
  );
  let assemblyFormat = [{
    `<` $kind `,` struct($factor, $low_freq_factor, $high_freq_factor,
                         $original_max_position) `>`
  }];
  let genVerifyDecl = 1;
}

#endif // QUANTFORGE_DIALECTS_LLM_IR_LLMATTRS_TD
