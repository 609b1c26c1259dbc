//===- HuggingFace.cpp - import Hugging Face checkpoints ------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/Import/Importers.h"

#include "runtime/io/Safetensors.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <xxhash.h>

using namespace mlir;
using namespace quantforge::llm;
using qf::io::DType;

namespace {

std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  return "[" + llvm::join(llvm::map_range(shape, [](int64_t d) {
                            return std::to_string(d);
                          }),
                          ", ") +
         "]";
}

/// Weights of a Hugging Face directory, FP or AutoGPTQ/AutoAWQ-packed.
class SafetensorsSource : public WeightSource {
public:
  SafetensorsSource(std::string directory,
                    qf::io::SafetensorsCheckpoint checkpoint,
                    const qf::ModelConfig &config)
      : directory(std::move(directory)), checkpoint(std::move(checkpoint)),
        config(config) {}

  std::vector<ArchiveDecl> archives() const override {
    std::vector<ArchiveDecl> result;
    for (size_t i = 0; i < checkpoint.shards().size(); ++i)
      result.push_back({archiveSymbol(i), ArchiveFormat::safetensors,
                        checkpoint.shards()[i]->name()});
    return result;
  }

  bool contains(const std::string &name) const override {
    return find(name).second || quantizedPrefix(name);
  }

  FailureOr<WeightRef> resolve(MLIRContext *context, const std::string &name,
                               llvm::ArrayRef<int64_t> shape) override {
    auto [file, tensor] = find(name);
    if (tensor)
      return resolvePlain(context, *file, *tensor, shape);
    if (std::optional<std::string> prefix = quantizedPrefix(name))
      return resolveQuantized(context, *prefix, shape);
    return fail(context) << directory << ": tensor '" << name
                         << "' is missing";
  }

private:
  static std::string archiveSymbol(size_t shard) {
    return "shard" + std::to_string(shard);
  }

  std::pair<const qf::io::SafetensorsFile *, const qf::io::TensorInfo *>
  find(const std::string &name) const {
    return checkpoint.find(name);
  }

  /// `x.qweight` stands for `x.weight` in GPTQ and AWQ checkpoints.
  std::optional<std::string> quantizedPrefix(const std::string &name) const {
    llvm::StringRef ref(name);
    if (config.quantization.method == qf::QuantizationConfig::Method::None ||
        !ref.consume_back(".weight"))
      return std::nullopt;
    if (!find(ref.str() + ".qweight").second)
      return std::nullopt;
    return ref.str();
  }

  InFlightDiagnostic fail(MLIRContext *context) {
    return emitError(UnknownLoc::get(context));
  }

  size_t shardIndex(const qf::io::SafetensorsFile &file) const {
    const auto &shards = checkpoint.shards();
    return llvm::find_if(shards, [&](const auto &shard) {
             return shard.get() == &file;
           }) - shards.begin();
  }

  FailureOr<WeightRef> resolvePlain(MLIRContext *context,
                                    const qf::io::SafetensorsFile &file,
                                    const qf::io::TensorInfo &tensor,
                                    llvm::ArrayRef<int64_t> shape) {
    if (llvm::ArrayRef<int64_t>(tensor.shape) != shape)
      return fail(context) << file.name() << ": tensor '" << tensor.name
                           << "' has shape " << shapeString(tensor.shape)
                           << " but config.json implies " << shapeString(shape);
    Type element;
    switch (tensor.dtype) {
    case DType::F32:
      element = Float32Type::get(context);
      break;
    case DType::F16:
      element = Float16Type::get(context);
      break;
    case DType::BF16:
      element = BFloat16Type::get(context);
      break;
    default:
      return fail(context) << file.name() << ": tensor '" << tensor.name
                           << "' has dtype " << qf::io::dtypeName(tensor.dtype)
                           << "; weights must be F32, F16 or BF16";
    }
    return WeightRef{archiveSymbol(shardIndex(file)), tensor.name,
                     RankedTensorType::get(shape, element)};
  }

  /// Checks one part of a packed weight: present, in the same shard as
  /// `.qweight`, of the given dtype and shape.
  LogicalResult checkPart(MLIRContext *context, const std::string &prefix,
                          const char *part, DType dtype,
                          llvm::ArrayRef<int64_t> shape,
                          const qf::io::SafetensorsFile *&shard) {
    std::string name = prefix + part;
    auto [file, tensor] = find(name);
    if (!tensor)
      return fail(context) << directory << ": tensor '" << name
                           << "' is missing";
    if (shard && file != shard)
      return fail(context) << file->name() << ": tensor '" << name
                           << "' is not in the same shard as '" << prefix
                           << ".qweight'";
    shard = file;
    if (tensor->dtype != dtype)
      return fail(context) << file->name() << ": tensor '" << name
                           << "' has dtype " << qf::io::dtypeName(tensor->dtype)
                           << " but the "
                           << quantMethodName() << " packing needs "
                           << qf::io::dtypeName(dtype);
    if (llvm::ArrayRef<int64_t>(tensor->shape) != shape)
      return fail(context) << file->name() << ": tensor '" << name
                           << "' has shape " << shapeString(tensor->shape)
                           << " but a " << config.quantization.bits << "-bit "
                           << quantMethodName() << " layer of shape "
                           << shapeString(currentShape) << " needs "
                           << shapeString(shape);
    return success();
  }

  const char *quantMethodName() const {
    return config.quantization.method == qf::QuantizationConfig::Method::GPTQ
               ? "GPTQ"
               : "AWQ";
  }

  FailureOr<WeightRef> resolveQuantized(MLIRContext *context,
                                        const std::string &prefix,
                                        llvm::ArrayRef<int64_t> shape) {
    const qf::QuantizationConfig &quant = config.quantization;
    currentShape.assign(shape.begin(), shape.end());
    if (shape.size() != 2)
      return fail(context) << directory << ": tensor '" << prefix
                           << ".qweight' is quantized but is not a matrix";
    int64_t rows = shape[0], cols = shape[1], bits = quant.bits;
    int64_t group = quant.groupSize == -1 ? cols : quant.groupSize;
    if (cols % group != 0 || (cols * bits) % 32 != 0 || (rows * bits) % 32 != 0)
      return fail(context) << directory << ": layer '" << prefix
                           << "' of shape " << shapeString(shape)
                           << " cannot be packed in " << bits
                           << "-bit int32 words with groups of " << group;
    int64_t groups = cols / group;
    const qf::io::SafetensorsFile *shard = nullptr;
    bool gptq = quant.method == qf::QuantizationConfig::Method::GPTQ;
    WeightPacking packing;
    if (gptq) {
      // AutoGPTQ: values packed along the input dim, zeros along the output.
      packing = quant.gptqV2 ? WeightPacking::gptq_v2 : WeightPacking::gptq_v1;
      if (failed(checkPart(context, prefix, ".qweight", DType::I32,
                           {cols * bits / 32, rows}, shard)) ||
          failed(checkPart(context, prefix, ".qzeros", DType::I32,
                           {groups, rows * bits / 32}, shard)) ||
          failed(checkPart(context, prefix, ".scales", DType::F16,
                           {groups, rows}, shard)))
        return failure();
      if (quant.actOrder &&
          failed(checkPart(context, prefix, ".g_idx", DType::I32, {cols},
                           shard)))
        return failure();
    } else {
      // AutoAWQ GEMM: eight 4-bit values of consecutive output channels per
      // int32, in the interleaved order 0 2 4 6 1 3 5 7.
      packing = WeightPacking::awq_gemm;
      if (failed(checkPart(context, prefix, ".qweight", DType::I32,
                           {cols, rows / 8}, shard)) ||
          failed(checkPart(context, prefix, ".qzeros", DType::I32,
                           {groups, rows / 8}, shard)) ||
          failed(checkPart(context, prefix, ".scales", DType::F16,
                           {groups, rows}, shard)))
        return failure();
    }
    auto type = QWeightType::getChecked(
        [&] { return fail(context) << prefix << ": "; }, context, shape,
        unsigned(bits), group, /*symmetric=*/false,
        cast<FloatType>(Float16Type::get(context)),
        packing, gptq && quant.actOrder);
    if (!type)
      return failure();
    return WeightRef{archiveSymbol(shardIndex(*shard)), prefix, type};
  }

  std::string directory;
  qf::io::SafetensorsCheckpoint checkpoint;
  const qf::ModelConfig &config;
  llvm::SmallVector<int64_t> currentShape;
};

std::string configPath(const std::string &directory) {
  llvm::SmallString<256> path(directory);
  llvm::sys::path::append(path, "config.json");
  return path.str().str();
}

} // namespace

OwningOpRef<ModuleOp>
quantforge::llm::importHuggingFace(MLIRContext *context,
                                   const std::string &relativeDirectory,
                                   const ModelBuildOptions &options) {
  Location loc = UnknownLoc::get(context);
  // Archives are referenced by absolute path so the module can be moved.
  llvm::SmallString<256> absolute(relativeDirectory);
  llvm::sys::fs::make_absolute(absolute);
  llvm::sys::path::remove_dots(absolute, /*remove_dot_dot=*/true);
  std::string directory = absolute.str().str();
  qf::Result<qf::ModelConfig> config = qf::ModelConfig::load(configPath(directory));
  if (!config.ok()) {
    emitError(loc) << config.message();
    return nullptr;
  }
  auto checkpoint = qf::io::SafetensorsCheckpoint::open(directory);
  if (!checkpoint.ok()) {
    emitError(loc) << checkpoint.message();
    return nullptr;
  }
  SafetensorsSource source(directory, checkpoint.take(), *config);
  return buildModelModule(context, *config, source, options);
}

LogicalResult quantforge::llm::printHuggingFaceChecksums(
    MLIRContext *context, const std::string &directory, llvm::raw_ostream &os) {
  auto checkpoint = qf::io::SafetensorsCheckpoint::open(directory);
  if (!checkpoint.ok())
    return emitError(UnknownLoc::get(context)) << checkpoint.message();
  for (const std::string &name : checkpoint->tensorNames()) {
    auto [file, tensor] = checkpoint->find(name);
    qf::io::ByteSpan bytes = file->bytes(*tensor);
    uint64_t hash = XXH64(bytes.data, bytes.size, /*seed=*/0);
    os << name << ' ' << qf::io::dtypeName(tensor->dtype) << ' '
       << shapeString(tensor->shape) << " xxh64:"
       << llvm::format_hex_no_prefix(hash, 16) << '\n';
  }
  return success();
}
