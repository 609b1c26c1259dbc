//===- Session.cpp - running a compiled model on a device -----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/session/Session.h"

#include <algorithm>

namespace qf {

/// An entry point with its arguments bound; tokens, start_pos and logits are
/// updated on every call.
struct Session::Entry {
  const EntryPointInfo *info = nullptr;
  std::vector<DispatchArg> args;
};

Session::Session(Artifact artifact, std::shared_ptr<Device> device)
    : artifact_(std::move(artifact)), device_(std::move(device)) {}

Session::~Session() { reset(); }

void Session::reset() {
  position_ = 0;
  for (int32_t block : blocks_)
    pool_->release(block);
  blocks_.clear();
}

int64_t Session::kvCacheBytes() const {
  if (pool_)
    return int64_t(pool_->blocks() * pool_->blockSize()) *
           artifact_.kvCache().bytesPerToken;
  return capacity() * artifact_.kvCache().bytesPerToken;
}

Result<std::unique_ptr<Session>>
Session::create(Artifact artifact, std::shared_ptr<Device> device,
                std::shared_ptr<KvBlockPool> pool) {
  std::vector<std::string> targets = device->targets();
  if (std::find(targets.begin(), targets.end(), artifact.target()) ==
      targets.end()) {
    std::string runs;
    for (const std::string &target : targets)
      runs += (runs.empty() ? "'" : ", '") + target + "'";
    return Status::error(artifact.name() + ": compiled for target '" +
                         artifact.target() + "', but device '" +
                         device->name() + "' runs " + runs);
  }
  std::unique_ptr<Session> session(
      new Session(std::move(artifact), std::move(device)));
  session->pool_ = std::move(pool);
  Status status = session->bind();
  if (!status.ok())
    return status.prepend(session->artifact_.name());
  return session;
}

Status Session::bind() {
  const std::vector<ExecutableInfo> &executables = artifact_.executables();
  std::vector<std::vector<std::string>> symbols(executables.size());
  for (const EntryPointInfo &entry : artifact_.entryPoints())
    for (const DispatchInfo &dispatch : entry.dispatches)
      symbols[dispatch.executable].push_back(dispatch.symbol);
  for (uint32_t i = 0; i < executables.size(); ++i) {
    ByteView bytes = artifact_.executableBytes(i);
    ExecutableSource source{"executable " + std::to_string(i),
                            executables[i].format, bytes.data, bytes.size,
                            std::move(symbols[i]),
                            executables[i].programmaticLaunch};
    Result<std::unique_ptr<LoadedExecutable>> loaded =
        device_->loadExecutable(source);
    if (!loaded)
      return loaded.status();
    executables_.push_back(loaded.take());
  }

  for (uint32_t i = 0; i < artifact_.parameters().size(); ++i) {
    ByteView bytes = artifact_.parameterBytes(i);
    Result<std::unique_ptr<Buffer>> buffer =
        device_->importHost(bytes.data, bytes.size);
    if (!buffer)
      return buffer.status();
    parameters_.push_back(buffer.take());
  }

  const KvCacheInfo &kv = artifact_.kvCache();
  int64_t blocks = 0; // of the pool; 0: contiguous
  if (kv.paged()) {
    if (!pool_) {
      Result<std::shared_ptr<KvBlockPool>> own =
          KvBlockPool::create(*device_, kv, kv.capacity / kv.blockSize);
      if (!own)
        return own.status();
      pool_ = own.take();
    }
    const KvCacheInfo &poolKv = pool_->kvCache();
    bool same = poolKv.groups.size() == kv.groups.size();
    for (size_t g = 0; same && g < kv.groups.size(); ++g)
      same = poolKv.groups[g].dtype == kv.groups[g].dtype &&
             poolKv.groups[g].scaleDtype == kv.groups[g].scaleDtype &&
             poolKv.groups[g].layers == kv.groups[g].layers &&
             poolKv.shape(g, 1) == kv.shape(g, 1);
    if (!same)
      return Status::error("the KV block pool was made for another cache "
                           "layout");
    blocks = pool_->blocks();
    Result<std::unique_ptr<Buffer>> table = device_->allocate(
        size_t(kv.capacity / kv.blockSize) * sizeof(int32_t));
    if (!table)
      return Status::error("KV block table: " + table.message());
    blockTable_ = table.take();
  } else {
    Result<KvArrays> arrays = KvArrays::allocate(*device_, kv);
    if (!arrays)
      return arrays.status();
    kvArrays_ = arrays.take();
  }
  auto data = [&](size_t group) -> Buffer * {
    return pool_ ? &pool_->data(group) : kvArrays_.data[group].get();
  };
  auto scales = [&](size_t group) -> Buffer * {
    return pool_ ? pool_->scales(group) : kvArrays_.scales[group].get();
  };
  QF_RETURN_IF_ERROR(reserve(tokens_, 0));
  QF_RETURN_IF_ERROR(reserve(logits_, 0));

  for (std::unique_ptr<Entry> *slot : {&prefill_, &decode_}) {
    auto entry = std::make_unique<Entry>();
    entry->info =
        artifact_.findEntryPoint(slot == &prefill_ ? "prefill" : "decode");
    for (const ArgumentInfo &argument : entry->info->arguments) {
      switch (argument.kind) {
      case ArgumentKind::Tokens:
        entry->args.push_back(DispatchArg::array(tokens_.get(), {0}, 4));
        break;
      case ArgumentKind::StartPos:
        entry->args.push_back(DispatchArg::scalar(0));
        break;
      case ArgumentKind::KvCache: {
        uint32_t g = argument.kvGroup;
        entry->args.push_back(DispatchArg::array(
            data(g), kv.shape(g, blocks), *dtypeSize(kv.groups[g].dtype)));
        break;
      }
      case ArgumentKind::KvScales: {
        uint32_t g = argument.kvGroup;
        entry->args.push_back(
            DispatchArg::array(scales(g), kv.scaleShape(g, blocks),
                               *dtypeSize(kv.groups[g].scaleDtype)));
        break;
      }
      case ArgumentKind::KvBlockTable:
        entry->args.push_back(DispatchArg::array(
            blockTable_.get(), {kv.capacity / kv.blockSize}, sizeof(int32_t)));
        break;
      case ArgumentKind::Parameter: {
        const ParameterInfo &parameter =
            artifact_.parameters()[argument.parameter];
        entry->args.push_back(
            DispatchArg::array(parameters_[argument.parameter].get(),
                               parameter.shape, *dtypeSize(parameter.dtype)));
        break;
      }
      case ArgumentKind::Logits:
        entry->args.push_back(
            DispatchArg::array(logits_.get(), {0, vocabSize()}, 4));
        break;
      }
    }
    *slot = std::move(entry);
  }
  return Status();
}

Status Session::reserve(std::unique_ptr<Buffer> &buffer, size_t bytes) {
  if (buffer && buffer->size() >= bytes)
    return Status();
  Result<std::unique_ptr<Buffer>> grown = device_->allocate(bytes);
  if (!grown)
    return grown.status();
  buffer = grown.take();
  return Status();
}

Status Session::ensureBlocks(int64_t end) {
  int64_t blockSize = pool_->blockSize();
  size_t needed = size_t((end + blockSize - 1) / blockSize);
  size_t first = blocks_.size();
  while (blocks_.size() < needed) {
    Result<int32_t> block = pool_->allocate();
    if (!block)
      return block.status();
    blocks_.push_back(*block);
  }
  if (blocks_.size() == first)
    return Status();
  return device_->write(*blockTable_, first * sizeof(int32_t),
                        blocks_.data() + first,
                        (blocks_.size() - first) * sizeof(int32_t));
}

Result<LogitsView> Session::prefill(const int32_t *tokens, size_t count) {
  return run(*prefill_, tokens, count);
}

Result<LogitsView> Session::decode(int32_t token) {
  return run(*decode_, &token, 1);
}

Result<LogitsView> Session::run(Entry &entry, const int32_t *tokens,
                                size_t count) {
  if (count == 0)
    return Status::error(entry.info->name + " needs at least one token");
  int64_t vocab = vocabSize();
  for (size_t i = 0; i < count; ++i)
    if (tokens[i] < 0 || tokens[i] >= vocab)
      return Status::error(
          "token " + std::to_string(i) + " (id " + std::to_string(tokens[i]) +
          ") is outside the vocabulary of " + std::to_string(vocab));
  if (count > size_t(capacity() - position_))
    return Status::error(
        "context full: " + std::to_string(position_ + int64_t(count)) +
        " tokens > capacity " + std::to_string(capacity()));

  if (pool_)
    QF_RETURN_IF_ERROR(ensureBlocks(position_ + int64_t(count)));

  size_t logitsCount = count * size_t(vocab);
  QF_RETURN_IF_ERROR(reserve(tokens_, count * sizeof(int32_t)));
  QF_RETURN_IF_ERROR(reserve(logits_, logitsCount * sizeof(float)));
  QF_RETURN_IF_ERROR(
      device_->write(*tokens_, 0, tokens, count * sizeof(int32_t)));
  int64_t rows = int64_t(count);
  for (size_t i = 0; i < entry.args.size(); ++i) {
    DispatchArg &arg = entry.args[i];
    switch (entry.info->arguments[i].kind) {
    case ArgumentKind::Tokens:
      arg.buffer = tokens_.get();
      arg.shape = {rows};
      break;
    case ArgumentKind::StartPos:
      arg.value = position_;
      break;
    case ArgumentKind::Logits:
      arg.buffer = logits_.get();
      arg.shape = {rows, vocab};
      break;
    case ArgumentKind::KvCache:
    case ArgumentKind::KvScales:
    case ArgumentKind::KvBlockTable:
    case ArgumentKind::Parameter:
      break;
    }
  }
  // Decode runs again and again with only start_pos changing: a step.
  bool step = &entry == decode_.get();
  for (const DispatchInfo &dispatch : entry.info->dispatches) {
    LoadedExecutable &executable = *executables_[dispatch.executable];
    Status status =
        step ? device_->dispatchStep(executable, dispatch.symbol, entry.args)
             : device_->dispatch(executable, dispatch.symbol, entry.args);
    if (!status.ok())
      return status.prepend(entry.info->name + " dispatch '" + dispatch.symbol +
                            "'");
  }
  QF_RETURN_IF_ERROR(device_->synchronize());
  hostLogits_.resize(logitsCount);
  QF_RETURN_IF_ERROR(device_->read(*logits_, 0, hostLogits_.data(),
                                   logitsCount * sizeof(float)));
  position_ += rows;
  return LogitsView{hostLogits_.data(), rows, vocab};
}

} // namespace qf
