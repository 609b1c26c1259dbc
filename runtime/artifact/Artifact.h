//===- Artifact.h - loading compiled artifacts ------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// A .qfa file is a 32-byte preamble, a FlatBuffer describing the model
// (runtime/schemas/artifact.fbs) and aligned data sections (weights,
// tokenizer files, executables); docs/artifact-and-abi.md is the contract.
// Artifact::open maps the file and checks everything a caller relies on
// before anything executes: the preamble, the FlatBuffers verifier, versions,
// section ranges and checksums, and that every index, dtype and shape is
// consistent. The metadata is decoded into the plain structs below so that
// no caller depends on the generated FlatBuffers code; section bytes stay
// views into the mapping.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_ARTIFACT_ARTIFACT_H
#define QUANTFORGE_RUNTIME_ARTIFACT_ARTIFACT_H

#include "runtime/model/ModelConfig.h"
#include "runtime/support/Status.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qf {

/// The version this runtime reads and writes; see docs/artifact-and-abi.md.
constexpr uint32_t kArtifactFormatVersion = 2;
/// Size of the preamble in front of the FlatBuffer.
constexpr size_t kArtifactPreambleSize = 32;
/// Section alignment the writer uses unless told otherwise (mmap-able).
constexpr uint64_t kDefaultSectionAlignment = 4096;
/// Smallest section alignment the loader accepts: what SIMD loads of bound
/// parameters need.
constexpr uint64_t kMinSectionAlignment = 64;

/// A read-only view of bytes owned elsewhere.
struct ByteView {
  const uint8_t *data = nullptr;
  size_t size = 0;
};

/// Where a section lies in the file and its XXH64 (seed 0).
struct SectionInfo {
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t alignment = 0;
  uint64_t xxh64 = 0;
};

/// A file of the tokenizer (e.g. tokenizer.model) stored in a section.
struct TokenizerFileInfo {
  std::string name;
  uint32_t section = 0;
};

struct TokenizerInfo {
  /// "sentencepiece", "hf-json", or empty when the artifact has none.
  std::string kind;
  std::vector<TokenizerFileInfo> files;
};

struct ParameterInfo {
  std::string name;
  /// MLIR element type spelling ("f32", "bf16", "i8", ...).
  std::string dtype;
  std::vector<int64_t> shape;
  uint32_t section = 0;
};

/// Layers of the KV cache that share one storage: dtype elements, plus
/// scales of scaleDtype (empty: none). Layer layers[i] is index i of the
/// group's arrays.
struct KvGroupInfo {
  std::string dtype;
  std::string scaleDtype;
  std::vector<int64_t> layers;
};

/// The KV cache, one array per group (one group unless layers differ in
/// storage, docs/kv-cache.md): [group layers, 2, kvHeads, capacity, headDim]
/// of the group's dtype, plus scales (the same without headDim). With
/// blockSize > 0 (paged) the capacity dimension is replaced by pool blocks:
/// [blocks, group layers, 2, kvHeads, blockSize, headDim], and each sequence
/// has one table of capacity / blockSize block indices for all groups.
struct KvCacheInfo {
  int64_t layers = 0;
  int64_t kvHeads = 0;
  int64_t capacity = 0;
  int64_t headDim = 0;
  std::vector<KvGroupInfo> groups;
  /// Sum over groups of group layers * 2 * kvHeads * (headDim *
  /// sizeof(dtype) + sizeof(scaleDtype)).
  int64_t bytesPerToken = 0;
  int64_t blockSize = 0;

  /// A cache whose layers all store dtype (and scaleDtype) elements.
  static KvCacheInfo uniform(int64_t layers, int64_t kvHeads, int64_t capacity,
                             int64_t headDim, std::string dtype,
                             std::string scaleDtype = "",
                             int64_t blockSize = 0);

  bool paged() const { return blockSize > 0; }
  /// The shape of group `group`'s elements (contiguous) or of its part of a
  /// pool of `blocks` blocks.
  std::vector<int64_t> shape(size_t group, int64_t blocks = 0) const {
    int64_t count = int64_t(groups[group].layers.size());
    if (paged())
      return {blocks, count, 2, kvHeads, blockSize, headDim};
    return {count, 2, kvHeads, capacity, headDim};
  }
  /// The shape of group `group`'s scales.
  std::vector<int64_t> scaleShape(size_t group, int64_t blocks = 0) const {
    std::vector<int64_t> dims = shape(group, blocks);
    dims.pop_back();
    return dims;
  }
  /// "f16", "i8, f32 scales", or per run of layers for a mixed cache:
  /// "layer 0: f16; layers 1-30: i8, f32 scales; layer 31: f8E4M3FN".
  std::string describe() const;
};

struct ExecutableInfo {
  /// e.g. "cpu-x86_64".
  std::string target;
  /// e.g. "elf-shared-object".
  std::string format;
  uint32_t section = 0;
  /// Its kernels may be launched with programmatic dependent launch (they
  /// wait for their prerequisites themselves).
  bool programmaticLaunch = false;
};

/// What args[i] of a dispatch is (the ABI table in docs/artifact-and-abi.md).
enum class ArgumentKind : uint8_t {
  Tokens,
  StartPos,
  KvCache,
  Parameter,
  Logits,
  KvScales,
  KvBlockTable
};

/// "tokens", "start_pos", "kv_cache", "parameter" or "logits".
const char *argumentKindName(ArgumentKind kind);

struct ArgumentInfo {
  ArgumentKind kind = ArgumentKind::Tokens;
  /// Index into the parameters when kind is Parameter.
  uint32_t parameter = 0;
  /// Index into the KV cache's groups when kind is KvCache or KvScales.
  uint32_t kvGroup = 0;
};

struct DispatchInfo {
  uint32_t executable = 0;
  std::string symbol;
};

/// A model entry point ("prefill", "decode"): its arguments, passed to each
/// of its dispatches in order.
struct EntryPointInfo {
  std::string name;
  std::vector<ArgumentInfo> arguments;
  std::vector<DispatchInfo> dispatches;
};

/// Everything an artifact says about its contents except where the sections
/// lie; the writer fills one, the loader decodes one.
struct ArtifactDescription {
  std::string target;
  /// The fields inference needs: architecture, sizes, rope theta, rms eps,
  /// BOS and EOS ids. The others keep their defaults.
  ModelConfig config;
  TokenizerInfo tokenizer;
  std::vector<ParameterInfo> parameters;
  KvCacheInfo kvCache;
  std::vector<ExecutableInfo> executables;
  std::vector<EntryPointInfo> entryPoints;
};

/// Bytes per element of an MLIR element type spelling ("f32", "bf16", "i8",
/// "f8E4M3FN", ...), or nullopt for types artifacts cannot hold.
std::optional<uint64_t> dtypeSize(std::string_view dtype);

/// Checks that `description` is consistent with `sections`: indices in range,
/// known dtypes, shapes matching section sizes, the KV cache size, the entry
/// points prefill and decode. The writer runs it before writing and the loader
/// after decoding, so both reject the same artifacts.
Status validateDescription(const ArtifactDescription &description,
                           const std::vector<SectionInfo> &sections);

/// How much Artifact::open checks.
struct ArtifactOpenOptions {
  /// Compare the XXH64 of the FlatBuffer and of every section. Only a fuzzer
  /// turns this off, to reach the checks behind it.
  bool verifyChecksums = true;
};

/// A verified artifact. Copies share the mapping, which stays alive as long
/// as any copy (or view taken from one) is used.
class Artifact {
public:
  /// Maps and verifies `path`; errors start with the path.
  static Result<Artifact> open(const std::string &path,
                               const ArtifactOpenOptions &options = {});
  /// Verifies a copy of `size` bytes at `data`; errors start with `name`.
  static Result<Artifact>
  openFromMemory(const void *data, size_t size, const std::string &name,
                 const ArtifactOpenOptions &options = {});

  /// The path (or name) errors are reported against.
  const std::string &name() const;
  uint32_t formatVersion() const;
  const ArtifactDescription &description() const;
  const std::string &target() const { return description().target; }
  const ModelConfig &config() const { return description().config; }
  const TokenizerInfo &tokenizer() const { return description().tokenizer; }
  const std::vector<ParameterInfo> &parameters() const {
    return description().parameters;
  }
  const KvCacheInfo &kvCache() const { return description().kvCache; }
  const std::vector<ExecutableInfo> &executables() const {
    return description().executables;
  }
  const std::vector<EntryPointInfo> &entryPoints() const {
    return description().entryPoints;
  }
  const std::vector<SectionInfo> &sections() const;

  /// The bytes of a section; `index` must be below sections().size().
  ByteView sectionBytes(uint32_t index) const;
  ByteView parameterBytes(uint32_t index) const {
    return sectionBytes(parameters()[index].section);
  }
  ByteView executableBytes(uint32_t index) const {
    return sectionBytes(executables()[index].section);
  }
  /// The entry point called `name`, or null.
  const EntryPointInfo *findEntryPoint(std::string_view name) const;
  /// The index of the parameter called `name`.
  std::optional<uint32_t> findParameter(std::string_view name) const;

private:
  struct State;
  explicit Artifact(std::shared_ptr<const State> state)
      : state_(std::move(state)) {}
  static Result<Artifact> verify(std::shared_ptr<State> state,
                                 const ArtifactOpenOptions &options);

  std::shared_ptr<const State> state_;
};

} // namespace qf

#endif // QUANTFORGE_RUNTIME_ARTIFACT_ARTIFACT_H
