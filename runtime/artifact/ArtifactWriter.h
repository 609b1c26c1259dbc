//===- ArtifactWriter.h - writing compiled artifacts ------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The compiler's only way to produce a .qfa file. Sections can be given as
// bytes, as a view of memory that outlives write(), or as a producer that
// streams them, so 7B weights need not all sit in memory at once: write()
// lays the sections out first (their sizes are known up front), streams each
// one into place while hashing it, and writes the FlatBuffer with the final
// checksums last.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_ARTIFACT_ARTIFACTWRITER_H
#define QUANTFORGE_RUNTIME_ARTIFACT_ARTIFACTWRITER_H

#include "runtime/artifact/Artifact.h"

#include <functional>

namespace qf {

/// Receives the bytes of a streamed section, in order.
class SectionSink {
public:
  virtual ~SectionSink();
  /// Appends `size` bytes; an error if the section would grow beyond the
  /// size it was declared with.
  virtual Status write(const void *data, size_t size) = 0;
};

/// Writes exactly the declared number of bytes of one section into the sink.
using SectionProducer = std::function<Status(SectionSink &sink)>;

class ArtifactWriter {
public:
  ArtifactWriter();
  ~ArtifactWriter();
  ArtifactWriter(ArtifactWriter &&) noexcept;
  ArtifactWriter &operator=(ArtifactWriter &&) noexcept;

  /// The target the executables run on, e.g. "cpu-x86_64".
  void setTarget(std::string target);
  /// Records the fields of `config` that inference needs.
  void setConfig(const ModelConfig &config);
  /// "sentencepiece" or "hf-json".
  void setTokenizerKind(std::string kind);
  /// Stores a tokenizer file (e.g. "tokenizer.model") in a new section.
  void addTokenizerFile(std::string name, std::vector<uint8_t> bytes);
  /// Names `section` as a tokenizer file.
  void addTokenizerFile(std::string name, uint32_t section);

  /// A section holding a copy of `bytes`; returns its index.
  uint32_t addSection(std::vector<uint8_t> bytes);
  /// A section of `size` bytes at `data`, which must stay valid until write()
  /// returns; nothing is copied.
  uint32_t addSectionView(const void *data, size_t size);
  /// A section of `size` bytes that `producer` streams during write().
  uint32_t addSection(uint64_t size, SectionProducer producer);

  /// A parameter stored in `section` (of exactly the bytes of dtype x shape).
  uint32_t addParameter(std::string name, std::string dtype,
                        std::vector<int64_t> shape, uint32_t section);
  /// The cache layout; bytesPerToken is computed from the other fields.
  void setKvCache(KvCacheInfo kvCache);
  /// An executable stored in `section`; `programmaticLaunch`: its kernels
  /// wait for their prerequisites themselves (ExecutableInfo).
  uint32_t addExecutable(std::string target, std::string format,
                         uint32_t section, bool programmaticLaunch = false);
  void addEntryPoint(EntryPointInfo entryPoint);

  /// A power of two >= kMinSectionAlignment; the default (4096) lets the
  /// runtime map sections. Smaller values keep test and fuzz seeds small.
  void setSectionAlignment(uint64_t alignment);

  /// The description as added so far.
  const ArtifactDescription &description() const;

  /// Validates and writes the artifact to `path` (through a temporary file
  /// renamed into place, so a failed write leaves no partial artifact).
  Status write(const std::string &path) const;
  /// Validates and returns the artifact's bytes.
  Result<std::vector<uint8_t>> writeToMemory() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace qf

#endif // QUANTFORGE_RUNTIME_ARTIFACT_ARTIFACTWRITER_H
