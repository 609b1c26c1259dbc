//===- ArtifactFormat.h - the .qfa preamble ---------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Internal to runtime/artifact: the byte layout of the preamble and the
// names used in error messages, so the writer and the loader cannot drift.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_ARTIFACT_ARTIFACTFORMAT_H
#define QUANTFORGE_RUNTIME_ARTIFACT_ARTIFACTFORMAT_H

#include "runtime/artifact/Artifact.h"

#include <cstdint>
#include <string>

namespace qf::detail {

constexpr uint8_t kArtifactMagic[4] = {'Q', 'F', 'A', '\0'};

/// The 32 bytes in front of the FlatBuffer (little-endian).
struct Preamble {
  uint8_t magic[4] = {0, 0, 0, 0};
  uint32_t version = 0;
  uint64_t flatbufferSize = 0;
  uint64_t flatbufferHash = 0;
  uint64_t reserved = 0;
};

void encodePreamble(const Preamble &preamble,
                    uint8_t (&out)[kArtifactPreambleSize]);
Preamble decodePreamble(const uint8_t *bytes);

/// "section 3 (parameter 'model.norm.weight')": the section and its first
/// user, for error messages.
std::string describeSection(const ArtifactDescription &description,
                            uint32_t index);

} // namespace qf::detail

#endif // QUANTFORGE_RUNTIME_ARTIFACT_ARTIFACTFORMAT_H
