//===- FuzzArtifact.cpp - fuzz artifact loading ---------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/artifact/ArtifactWriter.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace qf;

namespace {

/// Writes `artifact` again through the writer: whatever the loader accepts,
/// the writer must accept and the loader must read back the same.
void checkRewrite(const Artifact &artifact) {
  const ArtifactDescription &description = artifact.description();
  ArtifactWriter writer;
  writer.setSectionAlignment(kMinSectionAlignment);
  writer.setTarget(description.target);
  writer.setConfig(description.config);
  for (uint32_t i = 0; i < artifact.sections().size(); ++i) {
    ByteView bytes = artifact.sectionBytes(i);
    writer.addSectionView(bytes.data, bytes.size);
  }
  writer.setTokenizerKind(description.tokenizer.kind);
  for (const TokenizerFileInfo &file : description.tokenizer.files)
    writer.addTokenizerFile(file.name, file.section);
  for (const ParameterInfo &p : description.parameters)
    writer.addParameter(p.name, p.dtype, p.shape, p.section);
  writer.setKvCache(description.kvCache);
  for (const ExecutableInfo &e : description.executables)
    writer.addExecutable(e.target, e.format, e.section);
  for (const EntryPointInfo &entry : description.entryPoints)
    writer.addEntryPoint(entry);

  Result<std::vector<uint8_t>> bytes = writer.writeToMemory();
  if (!bytes)
    std::abort();
  Result<Artifact> reread =
      Artifact::openFromMemory(bytes->data(), bytes->size(), "rewritten.qfa");
  if (!reread || reread->parameters().size() != description.parameters.size() ||
      reread->entryPoints().size() != description.entryPoints.size() ||
      reread->kvCache().bytesPerToken != description.kvCache.bytesPerToken)
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // Checksums reject almost every mutation, so most inputs are also loaded
  // without them to reach the verifier and the checks behind it.
  for (bool checksums : {true, false}) {
    ArtifactOpenOptions options;
    options.verifyChecksums = checksums;
    Result<Artifact> artifact =
        Artifact::openFromMemory(data, size, "fuzz.qfa", options);
    if (!artifact) {
      if (artifact.message().rfind("fuzz.qfa: ", 0) != 0)
        std::abort(); // every error names the file
      continue;
    }
    // What a session relies on: the entry points and in-bounds sections.
    if (!artifact->findEntryPoint("prefill") ||
        !artifact->findEntryPoint("decode"))
      std::abort();
    for (const SectionInfo &section : artifact->sections())
      if (section.offset + section.size > size)
        std::abort();
    checkRewrite(*artifact);
  }
  return 0;
}
