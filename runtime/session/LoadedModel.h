//===- LoadedModel.h - an artifact ready to run -----------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// What every text-in, text-out tool does first: open and verify the artifact,
// create the device, bind a session, load the tokenizer stored inside.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_SESSION_LOADEDMODEL_H
#define QUANTFORGE_RUNTIME_SESSION_LOADEDMODEL_H

#include "runtime/session/ArtifactTokenizer.h"
#include "runtime/session/Session.h"

namespace qf {

struct LoadedModel {
  std::unique_ptr<Session> session;
  std::unique_ptr<Tokenizer> tokenizer;

  const Artifact &artifact() const { return session->artifact(); }
};

/// Opens `path` and prepares it on the device `deviceSpec` ("cpu", ...).
/// `kvBlocks` sizes the block pool of a paged cache (0: one full context).
Result<LoadedModel> loadModel(const std::string &path,
                              const std::string &deviceSpec,
                              int64_t kvBlocks = 0);

} // namespace qf

#endif // QUANTFORGE_RUNTIME_SESSION_LOADEDMODEL_H
