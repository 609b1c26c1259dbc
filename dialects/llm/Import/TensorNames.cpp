//===- TensorNames.cpp - Hugging Face and GGUF tensor names ---------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/Import/TensorNames.h"

#include "llvm/ADT/StringRef.h"

std::optional<std::string>
quantforge::llm::ggufTensorName(const std::string &hfName) {
  llvm::StringRef name(hfName);
  if (name == "model.embed_tokens.weight")
    return std::string("token_embd.weight");
  if (name == "model.norm.weight")
    return std::string("output_norm.weight");
  if (name == "lm_head.weight")
    return std::string("output.weight");
  if (!name.consume_front("model.layers."))
    return std::nullopt;
  auto [layer, rest] = name.split('.');
  static const std::pair<const char *, const char *> kLayerNames[] = {
      {"input_layernorm", "attn_norm"},
      {"post_attention_layernorm", "ffn_norm"},
      {"self_attn.q_proj", "attn_q"},
      {"self_attn.k_proj", "attn_k"},
      {"self_attn.v_proj", "attn_v"},
      {"self_attn.o_proj", "attn_output"},
      {"mlp.gate_proj", "ffn_gate"},
      {"mlp.up_proj", "ffn_up"},
      {"mlp.down_proj", "ffn_down"},
  };
  for (auto [hf, gguf] : kLayerNames) {
    llvm::StringRef suffix = rest;
    if (suffix.consume_front(hf) && suffix.starts_with("."))
      return "blk." + layer.str() + "." + gguf + suffix.str();
  }
  return std::nullopt;
}
