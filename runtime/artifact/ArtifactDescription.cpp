//===- ArtifactDescription.cpp - consistency of artifact metadata ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/artifact/ArtifactFormat.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

namespace qf {

namespace {

/// Largest model dimension we accept, as ModelConfig does: far above real
/// models, small enough that products of a few dimensions stay in 64 bits.
constexpr int64_t kMaxDim = int64_t(1) << 24;
/// Parameters of higher rank are certainly corrupt (memref descriptors grow
/// with the rank).
constexpr size_t kMaxRank = 8;

Status error(const std::string &message) { return Status::error(message); }

std::string quoted(const std::string &text) { return "'" + text + "'"; }

/// Multiplies into `total`, reporting overflow.
bool mulInto(uint64_t &total, uint64_t factor) {
  return !__builtin_mul_overflow(total, factor, &total);
}

/// A file name we can create in a private directory: no separators, no
/// leading dot (so neither "." nor ".." nor hidden files).
bool isPlainFileName(const std::string &name) {
  if (name.empty() || name.size() > 255 || name[0] == '.')
    return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' &&
        c != '-')
      return false;
  return true;
}

/// A C identifier, which every target's symbol tables accept.
bool isSymbolName(const std::string &name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return false;
  return true;
}

Status checkDim(const char *what, int64_t value) {
  if (value < 1 || value > kMaxDim)
    return error(std::string(what) + " " + std::to_string(value) +
                 " is outside [1, " + std::to_string(kMaxDim) + "]");
  return Status();
}

Status checkConfig(const ModelConfig &config) {
  const std::pair<const char *, int64_t> dims[] = {
      {"config hidden_size", config.hiddenSize},
      {"config num_layers", config.numLayers},
      {"config num_heads", config.numHeads},
      {"config num_kv_heads", config.numKvHeads},
      {"config head_dim", config.headDim},
      {"config intermediate_size", config.intermediateSize},
      {"config vocab_size", config.vocabSize},
      {"config max_positions", config.maxPositions}};
  for (const auto &[what, value] : dims)
    QF_RETURN_IF_ERROR(checkDim(what, value));
  if (!std::isfinite(config.ropeTheta) || config.ropeTheta <= 0)
    return error("config rope_theta is not a positive number");
  if (!std::isfinite(config.rmsNormEps) || config.rmsNormEps <= 0)
    return error("config rms_norm_eps is not a positive number");
  auto checkId = [&](const char *what, int64_t id) -> Status {
    if (id < 0 || id >= config.vocabSize)
      return error(std::string("config ") + what + " " + std::to_string(id) +
                   " is outside the vocabulary of " +
                   std::to_string(config.vocabSize));
    return Status();
  };
  if (config.bosTokenId)
    QF_RETURN_IF_ERROR(checkId("bos_token_id", *config.bosTokenId));
  for (int64_t id : config.eosTokenIds)
    QF_RETURN_IF_ERROR(checkId("eos_token_id", id));
  return Status();
}

/// The cache's dims, its groups (known dtypes, every layer exactly once),
/// bytes_per_token and total size.
Status checkKvCache(const KvCacheInfo &kv) {
  QF_RETURN_IF_ERROR(checkDim("kv_cache layers", kv.layers));
  QF_RETURN_IF_ERROR(checkDim("kv_cache kv_heads", kv.kvHeads));
  QF_RETURN_IF_ERROR(checkDim("kv_cache capacity", kv.capacity));
  QF_RETURN_IF_ERROR(checkDim("kv_cache head_dim", kv.headDim));
  if (kv.blockSize < 0 || (kv.blockSize > 0 && kv.capacity % kv.blockSize))
    return error("kv_cache block_size " + std::to_string(kv.blockSize) +
                 " does not divide its capacity " +
                 std::to_string(kv.capacity));
  if (kv.groups.empty())
    return error("kv_cache has no groups");
  std::vector<bool> seen(size_t(kv.layers), false);
  uint64_t totalBytes = 0; // per token

  for (size_t g = 0; g < kv.groups.size(); ++g) {
    const KvGroupInfo &group = kv.groups[g];
    std::string what = "kv_cache group " + std::to_string(g);
    std::optional<uint64_t> element = dtypeSize(group.dtype);
    if (!element)
      return error(what + ": unknown dtype " + quoted(group.dtype));
    std::optional<uint64_t> scale = uint64_t(0);
    if (!group.scaleDtype.empty())
      scale = dtypeSize(group.scaleDtype);
    if (!scale)
      return error(what + ": unknown scale dtype " + quoted(group.scaleDtype));
    if (group.layers.empty())
      return error(what + " has no layers");
    for (int64_t layer : group.layers) {
      if (layer < 0 || layer >= kv.layers)
        return error(what + ": layer " + std::to_string(layer) +
                     " is outside the cache's " + std::to_string(kv.layers));
      if (seen[size_t(layer)])
        return error(what + ": layer " + std::to_string(layer) +
                     " is in more than one place");
      seen[size_t(layer)] = true;
    }
    uint64_t bytes = *element * uint64_t(kv.headDim) + *scale;
    if (!mulInto(bytes, 2 * uint64_t(kv.kvHeads)) ||
        !mulInto(bytes, uint64_t(group.layers.size())) ||
        __builtin_add_overflow(totalBytes, bytes, &totalBytes))
      return error("kv_cache of " + std::to_string(kv.capacity) +
                   " tokens is too large");
  }
  for (int64_t layer = 0; layer < kv.layers; ++layer)
    if (!seen[size_t(layer)])
      return error("kv_cache layer " + std::to_string(layer) +
                   " is in no group");
  if (uint64_t(kv.bytesPerToken) != totalBytes)
    return error("kv_cache bytes_per_token " +
                 std::to_string(kv.bytesPerToken) +
                 " differs from its layout's " + std::to_string(totalBytes));
  if (!mulInto(totalBytes, uint64_t(kv.capacity)) ||
      totalBytes > (uint64_t(1) << 48))
    return error("kv_cache of " + std::to_string(kv.capacity) +
                 " tokens is too large");
  return Status();
}

} // namespace

const char *argumentKindName(ArgumentKind kind) {
  switch (kind) {
  case ArgumentKind::Tokens:
    return "tokens";
  case ArgumentKind::StartPos:
    return "start_pos";
  case ArgumentKind::KvCache:
    return "kv_cache";
  case ArgumentKind::Parameter:
    return "parameter";
  case ArgumentKind::KvScales:
    return "kv_scales";
  case ArgumentKind::KvBlockTable:
    return "kv_block_table";
  case ArgumentKind::Logits:
    return "logits";
  }
  return "unknown";
}

KvCacheInfo KvCacheInfo::uniform(int64_t layers, int64_t kvHeads,
                                 int64_t capacity, int64_t headDim,
                                 std::string dtype, std::string scaleDtype,
                                 int64_t blockSize) {
  KvCacheInfo kv;
  kv.layers = layers;
  kv.kvHeads = kvHeads;
  kv.capacity = capacity;
  kv.headDim = headDim;
  kv.blockSize = blockSize;
  KvGroupInfo group{std::move(dtype), std::move(scaleDtype), {}};
  for (int64_t layer = 0; layer < layers; ++layer)
    group.layers.push_back(layer);
  kv.groups.push_back(std::move(group));
  return kv;
}

std::string KvCacheInfo::describe() const {
  auto storage = [](const KvGroupInfo &group) {
    return group.scaleDtype.empty()
               ? group.dtype
               : group.dtype + ", " + group.scaleDtype + " scales";
  };
  if (groups.size() == 1)
    return storage(groups[0]);
  std::vector<const KvGroupInfo *> perLayer(size_t(layers), nullptr);
  for (const KvGroupInfo &group : groups)
    for (int64_t layer : group.layers)
      if (layer >= 0 && layer < layers)
        perLayer[size_t(layer)] = &group;
  // Runs of consecutive layers of one storage: "layers 0-29: i8, ...".
  std::string text;
  for (int64_t first = 0, last; first < layers; first = last + 1) {
    const KvGroupInfo *group = perLayer[size_t(first)];
    for (last = first;
         last + 1 < layers && perLayer[size_t(last + 1)] == group;)
      ++last;
    text += (first ? "; " : "") +
            (first == last ? "layer " + std::to_string(first)
                           : "layers " + std::to_string(first) + "-" +
                                 std::to_string(last)) +
            ": " + (group ? storage(*group) : "?");
  }
  return text;
}

std::optional<uint64_t> dtypeSize(std::string_view dtype) {
  static const std::pair<std::string_view, uint64_t> kSizes[] = {
      {"f64", 8}, {"f32", 4},      {"f16", 2},    {"bf16", 2},
      {"i64", 8}, {"i32", 4},      {"i16", 2},    {"i8", 1},
      {"ui8", 1}, {"f8E4M3FN", 1}, {"f8E5M2", 1},
  };
  for (const auto &[name, size] : kSizes)
    if (name == dtype)
      return size;
  return std::nullopt;
}

Status validateDescription(const ArtifactDescription &description,
                           const std::vector<SectionInfo> &sections) {
  auto checkSection = [&](const std::string &user, uint32_t section) -> Status {
    if (section >= sections.size())
      return error(user + ": section " + std::to_string(section) +
                   " is out of range (" + std::to_string(sections.size()) +
                   " sections)");
    return Status();
  };
  if (description.target.empty())
    return error("no target");
  QF_RETURN_IF_ERROR(checkConfig(description.config));

  const TokenizerInfo &tokenizer = description.tokenizer;
  if (tokenizer.kind.empty() && !tokenizer.files.empty())
    return error("tokenizer files without a tokenizer kind");
  if (!tokenizer.kind.empty() && tokenizer.kind != "sentencepiece" &&
      tokenizer.kind != "hf-json" && tokenizer.kind != "gguf")
    return error("unknown tokenizer kind " + quoted(tokenizer.kind) +
                 " (expected 'sentencepiece', 'hf-json' or 'gguf')");
  std::set<std::string> fileNames;
  for (const TokenizerFileInfo &file : tokenizer.files) {
    if (!isPlainFileName(file.name))
      return error("tokenizer file name " + quoted(file.name) +
                   " is not a plain file name");
    if (!fileNames.insert(file.name).second)
      return error("tokenizer file " + quoted(file.name) + " appears twice");
    QF_RETURN_IF_ERROR(
        checkSection("tokenizer file " + quoted(file.name), file.section));
  }

  std::set<std::string_view> parameterNames;
  for (const ParameterInfo &parameter : description.parameters) {
    std::string what = "parameter " + quoted(parameter.name);
    if (parameter.name.empty())
      return error("a parameter has no name");
    if (!parameterNames.insert(parameter.name).second)
      return error(what + " appears twice");
    QF_RETURN_IF_ERROR(checkSection(what, parameter.section));
    std::optional<uint64_t> bytes = dtypeSize(parameter.dtype);
    if (!bytes)
      return error(what + ": unknown dtype " + quoted(parameter.dtype));
    if (parameter.shape.size() > kMaxRank)
      return error(what + ": rank " + std::to_string(parameter.shape.size()) +
                   " is above " + std::to_string(kMaxRank));
    for (int64_t dim : parameter.shape)
      if (dim < 0 || !mulInto(*bytes, uint64_t(dim)))
        return error(what + ": invalid shape (negative or overflowing)");
    uint64_t sectionSize = sections[parameter.section].size;
    if (*bytes != sectionSize)
      return error(what + ": " + parameter.dtype + " of its shape takes " +
                   std::to_string(*bytes) + " bytes but section " +
                   std::to_string(parameter.section) + " holds " +
                   std::to_string(sectionSize));
  }

  QF_RETURN_IF_ERROR(checkKvCache(description.kvCache));

  for (size_t i = 0; i < description.executables.size(); ++i) {
    const ExecutableInfo &executable = description.executables[i];
    std::string what = "executable " + std::to_string(i);
    if (executable.target != description.target)
      return error(what + ": target " + quoted(executable.target) +
                   " differs from the artifact's " +
                   quoted(description.target));
    if (executable.format.empty())
      return error(what + ": no format");
    QF_RETURN_IF_ERROR(checkSection(what, executable.section));
  }

  std::set<std::string_view> entryNames;
  for (const EntryPointInfo &entry : description.entryPoints) {
    std::string what = "entry point " + quoted(entry.name);
    if (!entryNames.insert(entry.name).second)
      return error(what + " appears twice");
    if (entry.dispatches.empty())
      return error(what + " has no dispatch");
    for (const DispatchInfo &dispatch : entry.dispatches) {
      if (dispatch.executable >= description.executables.size())
        return error(
            what + ": executable " + std::to_string(dispatch.executable) +
            " is out of range (" +
            std::to_string(description.executables.size()) + " executables)");
      if (!isSymbolName(dispatch.symbol))
        return error(what + ": invalid symbol name " + quoted(dispatch.symbol));
    }
    for (size_t i = 0; i < entry.arguments.size(); ++i) {
      const ArgumentInfo &argument = entry.arguments[i];
      if (argument.kind > ArgumentKind::KvBlockTable)
        return error(what + ": argument " + std::to_string(i) +
                     " has unknown kind " + std::to_string(int(argument.kind)));
      const KvCacheInfo &kv = description.kvCache;
      bool perGroup = argument.kind == ArgumentKind::KvCache ||
                      argument.kind == ArgumentKind::KvScales;
      if (perGroup && argument.kvGroup >= kv.groups.size())
        return error(what + ": argument " + std::to_string(i) +
                     " names kv_cache group " +
                     std::to_string(argument.kvGroup) + " of " +
                     std::to_string(kv.groups.size()));
      if ((argument.kind == ArgumentKind::KvScales &&
           kv.groups[argument.kvGroup].scaleDtype.empty()) ||
          (argument.kind == ArgumentKind::KvBlockTable && !kv.paged()))
        return error(what + ": argument " + std::to_string(i) + " is " +
                     argumentKindName(argument.kind) +
                     " but the kv_cache has none");
      if (argument.kind == ArgumentKind::Parameter &&
          argument.parameter >= description.parameters.size())
        return error(what + ": argument " + std::to_string(i) +
                     " names parameter " + std::to_string(argument.parameter) +
                     " of " + std::to_string(description.parameters.size()));
    }
  }
  for (const char *required : {"prefill", "decode"})
    if (!entryNames.count(required))
      return error(std::string("no entry point '") + required + "'");
  return Status();
}

namespace detail {

namespace {
uint64_t loadLE(const uint8_t *bytes, int count) {
  uint64_t value = 0;
  for (int i = count - 1; i >= 0; --i)
    value = (value << 8) | bytes[i];
  return value;
}
void storeLE(uint8_t *bytes, uint64_t value, int count) {
  for (int i = 0; i < count; ++i, value >>= 8)
    bytes[i] = uint8_t(value);
}
} // namespace

void encodePreamble(const Preamble &preamble,
                    uint8_t (&out)[kArtifactPreambleSize]) {
  std::copy(preamble.magic, preamble.magic + 4, out);
  storeLE(out + 4, preamble.version, 4);
  storeLE(out + 8, preamble.flatbufferSize, 8);
  storeLE(out + 16, preamble.flatbufferHash, 8);
  storeLE(out + 24, preamble.reserved, 8);
}

Preamble decodePreamble(const uint8_t *bytes) {
  Preamble preamble;
  std::copy(bytes, bytes + 4, preamble.magic);
  preamble.version = uint32_t(loadLE(bytes + 4, 4));
  preamble.flatbufferSize = loadLE(bytes + 8, 8);
  preamble.flatbufferHash = loadLE(bytes + 16, 8);
  preamble.reserved = loadLE(bytes + 24, 8);
  return preamble;
}

std::string describeSection(const ArtifactDescription &description,
                            uint32_t index) {
  std::string text = "section " + std::to_string(index);
  for (const ParameterInfo &parameter : description.parameters)
    if (parameter.section == index)
      return text + " (parameter " + quoted(parameter.name) + ")";
  for (size_t i = 0; i < description.executables.size(); ++i)
    if (description.executables[i].section == index)
      return text + " (executable " + std::to_string(i) + ")";
  for (const TokenizerFileInfo &file : description.tokenizer.files)
    if (file.section == index)
      return text + " (tokenizer file " + quoted(file.name) + ")";
  return text;
}

} // namespace detail

} // namespace qf
