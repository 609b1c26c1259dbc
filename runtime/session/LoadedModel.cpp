//===- LoadedModel.cpp - an artifact ready to run, with its tokenizer -----===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/session/LoadedModel.h"

namespace qf {

Result<LoadedModel> loadModel(const std::string &path,
                              const std::string &deviceSpec, int64_t kvBlocks) {
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
  std::shared_ptr<Device> shared(device.take());
  std::shared_ptr<KvBlockPool> pool;
  if (kvBlocks > 0) {
    if (!artifact->kvCache().paged())
      return Status::error(path + ": --kv-blocks needs an artifact with a "
                                  "paged KV cache (quant-compile --kv-block-size)");
    Result<std::shared_ptr<KvBlockPool>> created =
        KvBlockPool::create(*shared, artifact->kvCache(), kvBlocks);
    if (!created)
      return created.status();
    pool = created.take();
  }
  Result<std::unique_ptr<Session>> session =
      Session::create(artifact.take(), std::move(shared), std::move(pool));
  if (!session)
    return session.status();
  return LoadedModel{session.take(), tokenizer.take()};
}

} // namespace qf
