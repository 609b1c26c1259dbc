//===- GGUF.cpp - import llama.cpp GGUF files -----------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/IR/LLMOps.h"
#include "dialects/llm/Import/Importers.h"
#include "dialects/llm/Import/TensorNames.h"

#include "runtime/io/GGUF.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace quantforge::llm;
using qf::io::DType;

namespace {

/// Reads the model hyperparameters from `<arch>.*` metadata keys.
class MetadataReader {
public:
  MetadataReader(const qf::io::GGUFFile &file, std::string arch)
      : file(file), arch(std::move(arch)) {}

  qf::Result<uint64_t> unsignedKey(const std::string &suffix,
                                   std::optional<uint64_t> fallback = {}) {
    std::string key = arch + "." + suffix;
    const qf::io::GGUFValue *value = file.findMetadata(key);
    if (!value) {
      if (fallback)
        return *fallback;
      return qf::Status::error(file.name() + ": metadata key '" + key +
                               "' is missing");
    }
    auto result = value->getUnsigned();
    if (!result.ok() || *result == 0 || *result > (uint64_t(1) << 24))
      return qf::Status::error(file.name() + ": metadata key '" + key +
                               "' must be a positive integer below 2^24");
    return result;
  }

  qf::Result<double> floatKey(const std::string &suffix, double fallback) {
    const qf::io::GGUFValue *value = file.findMetadata(arch + "." + suffix);
    if (!value)
      return fallback;
    auto result = value->getF32();
    if (!result.ok() || !(*result > 0))
      return qf::Status::error(file.name() + ": metadata key '" + arch + "." +
                               suffix + "' must be a positive FLOAT32");
    return double(*result);
  }

private:
  const qf::io::GGUFFile &file;
  std::string arch;
};

#define QF_TRY(lhs, expr)                                                      \
  do {                                                                         \
    auto qf_result_ = (expr);                                                  \
    if (!qf_result_.ok())                                                      \
      return qf_result_.status();                                              \
    lhs = *qf_result_;                                                         \
  } while (false)

qf::Result<qf::ModelConfig> configFromMetadata(const qf::io::GGUFFile &file) {
  const qf::io::GGUFValue *archValue = file.findMetadata("general.architecture");
  if (!archValue || !archValue->getString().ok())
    return qf::Status::error(file.name() +
                             ": 'general.architecture' is missing");
  std::string arch = *archValue->getString();
  qf::ModelConfig config;
  if (arch == "llama")
    config.architecture = qf::Architecture::Llama;
  else if (arch == "qwen2")
    config.architecture = qf::Architecture::Qwen2;
  else
    return qf::Status::error(file.name() + ": architecture '" + arch +
                             "' is not supported (supported: llama, qwen2)");
  MetadataReader meta(file, arch);
  uint64_t value;
  QF_TRY(value, meta.unsignedKey("embedding_length"));
  config.hiddenSize = int64_t(value);
  QF_TRY(value, meta.unsignedKey("block_count"));
  config.numLayers = int64_t(value);
  QF_TRY(value, meta.unsignedKey("feed_forward_length"));
  config.intermediateSize = int64_t(value);
  QF_TRY(value, meta.unsignedKey("attention.head_count"));
  config.numHeads = int64_t(value);
  QF_TRY(value, meta.unsignedKey("attention.head_count_kv", value));
  config.numKvHeads = int64_t(value);
  QF_TRY(value, meta.unsignedKey("context_length", 2048));
  config.maxPositions = int64_t(value);
  QF_TRY(value, meta.unsignedKey("rope.dimension_count",
                                 uint64_t(config.hiddenSize / config.numHeads)));
  config.headDim = int64_t(value);
  QF_TRY(config.ropeTheta, meta.floatKey("rope.freq_base", 10000.0));
  QF_TRY(config.rmsNormEps,
         meta.floatKey("attention.layer_norm_rms_epsilon", 1e-5));
  if (config.numHeads % config.numKvHeads || config.headDim % 2)
    return qf::Status::error(file.name() +
                             ": head counts or head dimension are inconsistent");
  const qf::io::GGUFValue *tokens = file.findMetadata("tokenizer.ggml.tokens");
  if (tokens && tokens->array())
    config.vocabSize = int64_t(tokens->array()->size());
  else
    QF_TRY(config.vocabSize, meta.unsignedKey("vocab_size"));
  if (const qf::io::GGUFValue *scaling =
          file.findMetadata(arch + ".rope.scaling.type")) {
    std::string type = scaling->getString().ok() ? *scaling->getString() : "";
    if (type == "linear") {
      config.ropeScaling.kind = qf::RopeScaling::Kind::Linear;
      QF_TRY(config.ropeScaling.factor, meta.floatKey("rope.scaling.factor", 1.0));
    } else if (type != "none") {
      return qf::Status::error(file.name() + ": rope scaling '" + type +
                               "' is not supported (supported: none, linear)");
    }
  }
  config.qkvBias = config.architecture == qf::Architecture::Qwen2;
  config.tieWordEmbeddings = !file.find("output.weight");
  return config;
}

/// Weights of a GGUF file; block-quantized tensors keep their blocks.
class GGUFSource : public WeightSource {
public:
  GGUFSource(std::string path, qf::io::GGUFFile file, qf::Architecture arch)
      : path(std::move(path)), file(std::move(file)), arch(arch) {}

  std::vector<ArchiveDecl> archives() const override {
    return {{"gguf", ArchiveFormat::gguf, path}};
  }

  bool contains(const std::string &name) const override {
    std::optional<std::string> gguf = ggufTensorName(name);
    return gguf && file.find(*gguf);
  }

  /// llama.cpp permutes llama's q/k rows for Meta's interleaved rotary
  /// pairs; qwen2 keeps Hugging Face's halves (NEOX style).
  bool interleavedRope() const override {
    return arch == qf::Architecture::Llama;
  }

  FailureOr<WeightRef> resolve(MLIRContext *context, const std::string &name,
                               llvm::ArrayRef<int64_t> shape) override {
    auto fail = [&]() { return emitError(UnknownLoc::get(context)); };
    std::optional<std::string> ggufName = ggufTensorName(name);
    const qf::io::GGUFTensorInfo *tensor =
        ggufName ? file.find(*ggufName) : nullptr;
    if (!tensor)
      return fail() << file.name() << ": tensor '"
                    << (ggufName ? *ggufName : name) << "' is missing";
    std::vector<int64_t> stored = tensor->shape();
    if (llvm::ArrayRef<int64_t>(stored) != shape)
      return fail() << file.name() << ": tensor '" << tensor->name
                    << "' has shape [" << llvm::join(llvm::map_range(stored, [](int64_t d) { return std::to_string(d); }), ", ")
                    << "] but the metadata implies ["
                    << llvm::join(llvm::map_range(shape, [](int64_t d) { return std::to_string(d); }), ", ")
                    << "]";
    Type type = typeOf(context, *tensor, shape);
    if (!type)
      return fail() << file.name() << ": tensor '" << tensor->name
                    << "' has type " << qf::io::dtypeName(tensor->dtype)
                    << ", which QuantForge does not import (supported: F32, "
                       "F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K)";
    return WeightRef{"gguf", tensor->name, type};
  }

private:
  static Type typeOf(MLIRContext *context, const qf::io::GGUFTensorInfo &tensor,
                     llvm::ArrayRef<int64_t> shape) {
    switch (tensor.dtype) {
    case DType::F32:
      return RankedTensorType::get(shape, Float32Type::get(context));
    case DType::F16:
      return RankedTensorType::get(shape, Float16Type::get(context));
    case DType::BF16:
      return RankedTensorType::get(shape, BFloat16Type::get(context));
    default:
      break;
    }
    struct BlockLayout {
      DType dtype;
      unsigned bits;
      int64_t group;
      bool symmetric;
      WeightPacking packing;
    };
    static const BlockLayout kLayouts[] = {
        {DType::Q8_0, 8, 32, true, WeightPacking::gguf_q8_0},
        {DType::Q4_0, 4, 32, true, WeightPacking::gguf_q4_0},
        {DType::Q4_1, 4, 32, false, WeightPacking::gguf_q4_1},
        {DType::Q4_K, 4, 32, false, WeightPacking::gguf_q4_k},
        {DType::Q5_K, 5, 32, false, WeightPacking::gguf_q5_k},
        {DType::Q6_K, 6, 16, true, WeightPacking::gguf_q6_k},
    };
    for (const BlockLayout &layout : kLayouts)
      if (layout.dtype == tensor.dtype && shape.size() == 2)
        return QWeightType::getChecked(
            [&] { return emitError(UnknownLoc::get(context)); }, context, shape,
            layout.bits, layout.group, layout.symmetric,
            cast<FloatType>(Float16Type::get(context)), layout.packing,
            /*actOrder=*/false);
    return {};
  }

  std::string path;
  qf::io::GGUFFile file;
  qf::Architecture arch;
};

} // namespace

OwningOpRef<ModuleOp>
quantforge::llm::importGGUF(MLIRContext *context, const std::string &relativePath,
                            const ModelBuildOptions &options) {
  Location loc = UnknownLoc::get(context);
  llvm::SmallString<256> absolute(relativePath);
  llvm::sys::fs::make_absolute(absolute);
  llvm::sys::path::remove_dots(absolute, /*remove_dot_dot=*/true);
  auto file = qf::io::GGUFFile::open(absolute.str().str());
  if (!file.ok()) {
    emitError(loc) << file.message();
    return nullptr;
  }
  qf::Result<qf::ModelConfig> config = configFromMetadata(*file);
  if (!config.ok()) {
    emitError(loc) << config.message();
    return nullptr;
  }
  GGUFSource source(absolute.str().str(), file.take(), config->architecture);
  return buildModelModule(context, *config, source, options);
}

qf::Result<qf::ModelConfig>
quantforge::llm::loadCheckpointConfig(const std::string &path) {
  if (!llvm::StringRef(path).ends_with(".gguf"))
    return qf::ModelConfig::load(path + "/config.json");
  auto file = qf::io::GGUFFile::open(path);
  if (!file.ok())
    return file.status();
  return configFromMetadata(*file);
}

OwningOpRef<ModuleOp>
quantforge::llm::importCheckpoint(MLIRContext *context, const std::string &path,
                                  const ModelBuildOptions &options) {
  OwningOpRef<ModuleOp> module = llvm::StringRef(path).ends_with(".gguf")
                                     ? importGGUF(context, path, options)
                                     : importHuggingFace(context, path, options);
  if (module) {
    llvm::SmallString<256> absolute(path);
    llvm::sys::fs::make_absolute(absolute);
    llvm::sys::path::remove_dots(absolute, /*remove_dot_dot=*/true);
    (*module)->setAttr(quantforge::llm::LLMDialect::getSourceAttrName(),
                       StringAttr::get(context, absolute.str()));
  }
  return module;
}
