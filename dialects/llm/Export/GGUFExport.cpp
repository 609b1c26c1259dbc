//===- GGUFExport.cpp - write models as llama.cpp GGUF files --------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/Export/GGUFExport.h"

#include "dialects/llm/IR/LLMOps.h"
#include "dialects/llm/Import/TensorNames.h"
#include "passes/Quant/WeightArchives.h"
#include "runtime/io/GGMLQuants.h"
#include "runtime/io/GGUF.h"
#include "runtime/io/Safetensors.h"
#include "runtime/model/ModelConfig.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringRef.h"

#include <sentencepiece_processor.h>

#include <cstring>
#include <map>

using namespace quantforge::llm;
using qf::Result;
using qf::Status;
using qf::io::DType;

namespace {

DType dtypeOf(GGUFExportType type) {
  switch (type) {
  case GGUFExportType::F16:
    return DType::F16;
  case GGUFExportType::Q8_0:
    return DType::Q8_0;
  case GGUFExportType::Q4_0:
    return DType::Q4_0;
  }
  return DType::F16;
}

/// llama.cpp's general.file_type for an all-`type` model.
uint32_t fileType(GGUFExportType type) {
  switch (type) {
  case GGUFExportType::F16:
    return 1;
  case GGUFExportType::Q8_0:
    return 7;
  case GGUFExportType::Q4_0:
    return 2;
  }
  return 1;
}

/// Encodes `values` (a row-major [rows, cols] matrix or a vector) as
/// `dtype`, falling back to F16 when rows are not whole blocks.
Result<std::pair<DType, std::vector<uint8_t>>>
encode(const std::vector<float> &values, int64_t cols, DType dtype,
       GGUFExportReport &report) {
  if (qf::io::blockSize(dtype) > 1 && cols % qf::io::blockSize(dtype) != 0) {
    dtype = DType::F16;
    ++report.fallbacks;
  }
  Result<uint64_t> size = qf::io::byteSize(dtype, {int64_t(values.size())});
  if (!size.ok())
    return size.status();
  std::vector<uint8_t> bytes(*size);
  QF_RETURN_IF_ERROR(qf::io::quantize(dtype, values.data(), values.size(),
                                      bytes.data(), bytes.size()));
  return std::make_pair(dtype, std::move(bytes));
}

/// Hugging Face orders each head's rotary features as two halves; llama.cpp
/// (Meta's layout) interleaves them. Row (h, t * d/2 + j) moves to
/// (h, 2j + t), as convert_hf_to_gguf.py's permute does.
std::vector<float> interleaveHeads(const std::vector<float> &rows,
                                   int64_t heads, int64_t cols) {
  int64_t headRows = int64_t(rows.size()) / cols / heads;
  std::vector<float> out(rows.size());
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t t = 0; t < 2; ++t)
      for (int64_t j = 0; j < headRows / 2; ++j)
        std::memcpy(&out[((h * headRows) + 2 * j + t) * cols],
                    &rows[((h * headRows) + t * headRows / 2 + j) * cols],
                    cols * sizeof(float));
  return out;
}

Result<std::vector<float>> toFloats(DType dtype, qf::io::ByteSpan bytes,
                                    uint64_t count, const std::string &what) {
  std::vector<float> values(count);
  Status status = qf::io::dequantize(dtype, bytes, values.data(), count);
  if (!status.ok())
    return Status::error(what + ": " + status.message());
  return values;
}

Status addTokenizer(qf::io::GGUFWriter &writer, const std::string &directory,
                    const qf::ModelConfig &config) {
  std::string path = directory + "/tokenizer.model";
  sentencepiece::SentencePieceProcessor processor;
  if (!processor.Load(path).ok())
    return Status::error(path + ": cannot load a SentencePiece model (GGUF "
                                "export needs tokenizer.model)");
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
  for (int id = 0; id < processor.GetPieceSize(); ++id) {
    tokens.push_back(processor.IdToPiece(id));
    scores.push_back(processor.GetScore(id));
    // llama.cpp token types: 1 normal, 2 unknown, 3 control, 5 unused, 6 byte.
    types.push_back(processor.IsUnknown(id)   ? 2
                    : processor.IsControl(id) ? 3
                    : processor.IsUnused(id)  ? 5
                    : processor.IsByte(id)    ? 6
                                              : 1);
  }
  if (int64_t(tokens.size()) != config.vocabSize)
    return Status::error(path + ": " + std::to_string(tokens.size()) +
                         " pieces but config.json says vocab_size " +
                         std::to_string(config.vocabSize));
  QF_RETURN_IF_ERROR(writer.setMetadata("tokenizer.ggml.model",
                                        qf::io::GGUFValue(std::string("llama"))));
  QF_RETURN_IF_ERROR(writer.setMetadata("tokenizer.ggml.tokens",
                                        qf::io::GGUFValue(std::move(tokens))));
  QF_RETURN_IF_ERROR(writer.setMetadata("tokenizer.ggml.scores",
                                        qf::io::GGUFValue(std::move(scores))));
  QF_RETURN_IF_ERROR(writer.setMetadata("tokenizer.ggml.token_type",
                                        qf::io::GGUFValue(std::move(types))));
  auto setId = [&](const char *key, int id) {
    return writer.setMetadata(key, qf::io::GGUFValue(uint32_t(id)));
  };
  QF_RETURN_IF_ERROR(setId("tokenizer.ggml.bos_token_id", processor.bos_id()));
  QF_RETURN_IF_ERROR(setId("tokenizer.ggml.eos_token_id", processor.eos_id()));
  QF_RETURN_IF_ERROR(setId("tokenizer.ggml.unknown_token_id", processor.unk_id()));
  QF_RETURN_IF_ERROR(writer.setMetadata("tokenizer.ggml.add_bos_token",
                                        qf::io::GGUFValue(true)));
  return writer.setMetadata("tokenizer.ggml.add_eos_token",
                            qf::io::GGUFValue(false));
}

Status addHyperparameters(qf::io::GGUFWriter &writer,
                          const qf::ModelConfig &config, GGUFExportType type) {
  if (config.architecture != qf::Architecture::Llama &&
      config.architecture != qf::Architecture::Mistral)
    return Status::error("GGUF export supports the llama family (Llama, "
                         "Mistral) for now");
  if (config.ropeScaling.kind == qf::RopeScaling::Kind::Llama3)
    return Status::error("llama3 rope scaling needs llama.cpp's rope_freqs "
                         "tensor, which the exporter does not write yet");
  if (config.slidingWindow)
    return Status::error("llama.cpp's llama architecture has no sliding "
                         "window; refusing to drop it silently");
  auto u32 = [&](const std::string &key, int64_t value) {
    return writer.setMetadata(key, qf::io::GGUFValue(uint32_t(value)));
  };
  auto f32 = [&](const std::string &key, double value) {
    return writer.setMetadata(key, qf::io::GGUFValue(float(value)));
  };
  QF_RETURN_IF_ERROR(writer.setMetadata("general.architecture",
                                        qf::io::GGUFValue(std::string("llama"))));
  QF_RETURN_IF_ERROR(u32("general.file_type", fileType(type)));
  QF_RETURN_IF_ERROR(u32("general.quantization_version", 2));
  QF_RETURN_IF_ERROR(u32("llama.context_length", config.maxPositions));
  QF_RETURN_IF_ERROR(u32("llama.embedding_length", config.hiddenSize));
  QF_RETURN_IF_ERROR(u32("llama.block_count", config.numLayers));
  QF_RETURN_IF_ERROR(u32("llama.feed_forward_length", config.intermediateSize));
  QF_RETURN_IF_ERROR(u32("llama.rope.dimension_count", config.headDim));
  QF_RETURN_IF_ERROR(u32("llama.attention.head_count", config.numHeads));
  QF_RETURN_IF_ERROR(u32("llama.attention.head_count_kv", config.numKvHeads));
  QF_RETURN_IF_ERROR(u32("llama.vocab_size", config.vocabSize));
  QF_RETURN_IF_ERROR(f32("llama.attention.layer_norm_rms_epsilon", config.rmsNormEps));
  QF_RETURN_IF_ERROR(f32("llama.rope.freq_base", config.ropeTheta));
  if (config.ropeScaling.kind == qf::RopeScaling::Kind::Linear) {
    QF_RETURN_IF_ERROR(writer.setMetadata(
        "llama.rope.scaling.type", qf::io::GGUFValue(std::string("linear"))));
    QF_RETURN_IF_ERROR(f32("llama.rope.scaling.factor", config.ropeScaling.factor));
  }
  return Status();
}

/// Adds the Hugging Face tensor `name` with float `values` of `shape`:
/// renamed, q/k rows interleaved for llama.cpp's rotary layout, matrices
/// encoded as `type`, vectors (norms, biases) kept F32 as llama.cpp keeps
/// them. Names outside the decoder (rotary caches) are skipped.
Status addHuggingFaceTensor(qf::io::GGUFWriter &writer, const std::string &name,
                            std::vector<float> values,
                            const std::vector<int64_t> &shape,
                            const qf::ModelConfig &config, GGUFExportType type,
                            GGUFExportReport &report) {
  std::optional<std::string> ggufName = ggufTensorName(name);
  if (!ggufName)
    return Status();
  int64_t cols = shape.back();
  llvm::StringRef ref(name);
  if (ref.ends_with("self_attn.q_proj.weight"))
    values = interleaveHeads(values, config.numHeads, cols);
  else if (ref.ends_with("self_attn.k_proj.weight"))
    values = interleaveHeads(values, config.numKvHeads, cols);
  DType target = shape.size() == 2 ? dtypeOf(type) : DType::F32;
  auto encoded = encode(values, cols, target, report);
  if (!encoded.ok())
    return encoded.status();
  std::vector<uint64_t> dims(shape.rbegin(), shape.rend());
  QF_RETURN_IF_ERROR(writer.addTensor(*ggufName, encoded->first, std::move(dims),
                                      std::move(encoded->second)));
  ++report.tensors;
  return Status();
}

Result<GGUFExportReport> exportHuggingFace(const std::string &directory,
                                           const std::string &destination,
                                           GGUFExportType type) {
  Result<qf::ModelConfig> config =
      qf::ModelConfig::load(directory + "/config.json");
  if (!config.ok())
    return config.status();
  auto checkpoint = qf::io::SafetensorsCheckpoint::open(directory);
  if (!checkpoint.ok())
    return checkpoint.status();
  if (config->quantization.method != qf::QuantizationConfig::Method::None)
    return Status::error(directory + ": exporting pre-quantized GPTQ/AWQ "
                                     "checkpoints to GGUF is not supported");
  qf::io::GGUFWriter writer;
  QF_RETURN_IF_ERROR(addHyperparameters(writer, *config, type));
  QF_RETURN_IF_ERROR(addTokenizer(writer, directory, *config));

  GGUFExportReport report;
  for (const std::string &name : checkpoint->tensorNames()) {
    auto [file, tensor] = checkpoint->find(name);
    Result<uint64_t> count = qf::io::numElements(tensor->shape);
    if (!count.ok())
      return count.status();
    Result<std::vector<float>> values =
        toFloats(tensor->dtype, file->bytes(*tensor), *count,
                 file->name() + ": tensor '" + name + "'");
    if (!values.ok())
      return values.status();
    QF_RETURN_IF_ERROR(addHuggingFaceTensor(writer, name, values.take(),
                                            tensor->shape, *config, type,
                                            report));
  }
  QF_RETURN_IF_ERROR(writer.write(destination));
  return report;
}

/// A module imported from a Hugging Face directory, possibly quantized by
/// our passes: hyperparameters and tokenizer come from the directory it was
/// imported from (`llm.source`), weights from the module's archives, decoded
/// to floats and encoded as `type`.
Result<GGUFExportReport> exportModule(const std::string &path,
                                      const std::string &destination,
                                      GGUFExportType type) {
  mlir::MLIRContext context;
  context.loadDialect<LLMDialect, mlir::arith::ArithDialect,
                      mlir::func::FuncDialect, mlir::tensor::TensorDialect>();
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &diag) {
    llvm::raw_string_ostream(diagnostics) << diag << "\n";
    return mlir::success();
  });
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(path, &context);
  if (!module)
    return Status::error(path + ": " + diagnostics);
  auto source = (*module)->getAttrOfType<mlir::StringAttr>(
      LLMDialect::getSourceAttrName());
  if (!source)
    return Status::error(path + ": the module does not say which checkpoint "
                                "it was imported from ('llm.source')");
  std::string directory = source.str();
  if (llvm::StringRef(directory).ends_with(".gguf"))
    return Status::error(path + ": exporting modules imported from GGUF is "
                                "not supported; export the .gguf itself");
  Result<qf::ModelConfig> config = qf::ModelConfig::load(directory + "/config.json");
  if (!config.ok())
    return config.status();
  qf::io::GGUFWriter writer;
  QF_RETURN_IF_ERROR(addHyperparameters(writer, *config, type));
  QF_RETURN_IF_ERROR(addTokenizer(writer, directory, *config));

  // By name, as the directory export does: an unquantized module exports
  // to the same bytes as its checkpoint.
  std::map<std::string, WeightOp> weights;
  module->walk([&](WeightOp weight) {
    weights.try_emplace(weight.getKey().str(), weight);
  });
  quantforge::WeightArchives archives(*module);
  GGUFExportReport report;
  for (auto &[key, weight] : weights) {
    Result<std::vector<float>> values = archives.readFloats(weight);
    if (!values.ok())
      return values.status();
    std::vector<int64_t> shape;
    if (auto qtype = llvm::dyn_cast<QWeightType>(weight.getType()))
      shape = {qtype.getRows(), qtype.getCols()};
    else
      llvm::append_range(
          shape, llvm::cast<mlir::RankedTensorType>(weight.getType()).getShape());
    QF_RETURN_IF_ERROR(addHuggingFaceTensor(writer, key, values.take(), shape,
                                            *config, type, report));
  }
  QF_RETURN_IF_ERROR(writer.write(destination));
  return report;
}

Result<GGUFExportReport> exportFromGGUF(const std::string &path,
                                        const std::string &destination,
                                        GGUFExportType type) {
  auto file = qf::io::GGUFFile::open(path);
  if (!file.ok())
    return file.status();
  qf::io::GGUFWriter writer;
  for (const auto &[key, value] : file->metadata())
    QF_RETURN_IF_ERROR(writer.setMetadata(
        key, key == "general.file_type" ? qf::io::GGUFValue(fileType(type))
                                        : value));
  GGUFExportReport report;
  for (const qf::io::GGUFTensorInfo &tensor : file->tensors()) {
    DType target = tensor.dims.size() == 2 ? dtypeOf(type) : DType::F32;
    qf::io::ByteSpan bytes = file->bytes(tensor);
    std::vector<uint8_t> data(bytes.data, bytes.data + bytes.size);
    DType stored = tensor.dtype;
    if (stored != target) {
      Result<uint64_t> count = qf::io::numElements(tensor.shape());
      if (!count.ok())
        return count.status();
      auto values = toFloats(stored, bytes, *count,
                             file->name() + ": tensor '" + tensor.name + "'");
      if (!values.ok())
        return values.status();
      auto encoded = encode(*values, int64_t(tensor.dims[0]), target, report);
      if (!encoded.ok())
        return encoded.status();
      stored = encoded->first;
      data = std::move(encoded->second);
    }
    QF_RETURN_IF_ERROR(
        writer.addTensor(tensor.name, stored, tensor.dims, std::move(data)));
    ++report.tensors;
  }
  QF_RETURN_IF_ERROR(writer.write(destination));
  return report;
}

} // namespace

Result<GGUFExportReport>
quantforge::llm::exportGGUF(const std::string &source,
                            const std::string &destination,
                            GGUFExportType type) {
  if (llvm::StringRef(source).ends_with(".gguf"))
    return exportFromGGUF(source, destination, type);
  if (llvm::StringRef(source).ends_with(".mlir"))
    return exportModule(source, destination, type);
  return exportHuggingFace(source, destination, type);
}
