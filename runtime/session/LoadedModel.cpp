//===- LoadedModel.cpp - an artifact ready to run, with its tokenizer -----===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/session/LoadedModel.h"

namespace qf {

Result<LoadedModel> loadModel(const std::string &path,
                              const std::string &deviceSpec) {
  Result<Artifact> artifact = Artifact::open(path);
  if (!artifact)
    return artifact.status();
  Result<std::unique_ptr<Device>> device = createDevice(deviceSpec);
  if (!device)
    return device.status();
  Result<std::unique_ptr<Tokenizer>> tokenizer =
      loadArtifactTokenizer(*artifact);
  if (!tokenizer)
    return tokenizer.status();
  Result<std::unique_ptr<Session>> session =
      Session::create(artifact.take(), std::shared_ptr<Device>(device.take()));
  if (!session)
    return session.status();
  return LoadedModel{session.take(), tokenizer.take()};
}

} // namespace qf
