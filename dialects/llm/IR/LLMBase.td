//===- LLMBase.td - The llm dialect definition -------------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_DIALECTS_LLM_IR_LLMBASE_TD
#define QUANTFORGE_DIALECTS_LLM_IR_LLMBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def LLM_Dialect : Dialect {
  let name = "llm";
  let cppNamespace = "::quantforge::llm";
  let summary = "Graph-level IR of decoder-only transformer language models";
  let description = [{
    The `llm` dialect expresses decoder-only transformers of the Llama, Qwen2
    and Mistral families on tensors: token embedding, RMSNorm, linear layers,
    rotary embeddings, grouped-query attention over a KV cache, SwiGLU, and the
    model entry points (`prefill` over a token sequence, single-token
    `decode`).  Residual additions use upstream `arith.addf` on tensors and
    head reshapes use upstream `tensor.expand_shape` / `tensor.collapse_shape`.

    Weights never appear as literals.  `llm.param_archive` names a parameter
    file (the original safetensors or GGUF, or one a quantization pass wrote)
    and `llm.weight` references one tensor in it by key, so a 7B model prints
    as a few hundred kilobytes of IR.  Quantized weights have their own type,
    `!llm.qweight`, that carries every fact a kernel needs to decode them
    (bits, grouping, zero point, scale type, packing, act-order), so that no
    pass can drop a scale or a permutation without the verifier noticing.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Name of the discardable attribute that marks a func.func as a model
    /// entry point; its value is an EntryPointKindAttr.
    static constexpr ::llvm::StringLiteral getEntryPointAttrName() {
      return ::llvm::StringLiteral("llm.entry_point");
    }
    /// Once weights are bound to arguments (llm-bind-parameters), an entry
    /// point's signature is the executable ABI's, not the llm-level contract;
    /// it is marked with this attribute instead (an EntryPointKindAttr).
    static constexpr ::llvm::StringLiteral getABIEntryPointAttrName() {
      return ::llvm::StringLiteral("llm.abi_entry_point");
    }
    /// Module attribute: the checkpoint (directory or .gguf) a module was
    /// imported from, for tools that need its tokenizer or metadata.
    static constexpr ::llvm::StringLiteral getSourceAttrName() {
      return ::llvm::StringLiteral("llm.source");
    }
    /// Argument attribute naming the archive tensor bound to an argument:
    /// {archive = @symbol, key = "name"}.
    static constexpr ::llvm::StringLiteral getParameterAttrName() {
      return ::llvm::StringLiteral("llm.parameter");
    }

  private:
    void registerTypes();
    void registerAttributes();

  public:
  }];
}

class LLM_Op<string mnemonic, list<Trait> traits = []>
    : Op<LLM_Dialect, mnemonic, traits>;

class LLM_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<LLM_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

class LLM_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<LLM_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

#endif // QUANTFORGE_DIALECTS_LLM_IR_LLMBASE_TD
