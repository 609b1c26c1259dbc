//===- ArtifactWriter.cpp - writing compiled artifacts --------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/artifact/ArtifactWriter.h"
#include "runtime/artifact/ArtifactFormat.h"
#include "runtime/schemas/artifact_generated.h"

// For XXH64_state_t on the stack (no heap-allocated state).
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace qf {

SectionSink::~SectionSink() = default;

namespace {

/// One section to be written: owned bytes, a borrowed view, or a producer.
struct PendingSection {
  uint64_t size = 0;
  std::vector<uint8_t> owned;
  const void *view = nullptr;
  SectionProducer producer;
};

/// Random-access destination of the artifact's bytes.
class Output {
public:
  virtual ~Output() = default;
  virtual Status writeAt(uint64_t offset, const uint8_t *data, size_t size) = 0;
  /// Called once everything is written; `size` is the artifact's size.
  virtual Status finish(uint64_t size) = 0;
};

class MemoryOutput : public Output {
public:
  Status writeAt(uint64_t offset, const uint8_t *data, size_t size) override {
    if (bytes.size() < offset + size)
      bytes.resize(offset + size);
    std::memcpy(bytes.data() + offset, data, size);
    return Status();
  }
  Status finish(uint64_t size) override {
    bytes.resize(size);
    return Status();
  }
  std::vector<uint8_t> bytes;
};

class FileOutput : public Output {
public:
  explicit FileOutput(int fd) : fd_(fd) {}
  Status writeAt(uint64_t offset, const uint8_t *data, size_t size) override {
    while (size > 0) {
      ssize_t written = pwrite(fd_, data, size, off_t(offset));
      if (written < 0 && errno == EINTR)
        continue;
      if (written <= 0)
        return Status::error(std::string("write failed: ") +
                             std::strerror(errno));
      data += written;
      offset += uint64_t(written);
      size -= size_t(written);
    }
    return Status();
  }
  Status finish(uint64_t size) override {
    // Padding after the last write may be a hole; give the file its size.
    if (ftruncate(fd_, off_t(size)) != 0)
      return Status::error(std::string("cannot set the size: ") +
                           std::strerror(errno));
    return Status();
  }

private:
  int fd_;
};

/// Streams one section to its place in the output, hashing as it goes, and
/// batches small writes.
class StreamingSink : public SectionSink {
public:
  StreamingSink(Output &output, uint64_t offset, uint64_t size,
                std::string name)
      : output_(output), offset_(offset), size_(size), name_(std::move(name)) {
    XXH64_reset(&hash_, 0);
  }

  Status write(const void *data, size_t size) override {
    if (size > size_ - written_)
      return Status::error(name_ + " receives more than its " +
                           std::to_string(size_) + " bytes");
    XXH64_update(&hash_, data, size);
    written_ += size;
    const uint8_t *bytes = static_cast<const uint8_t *>(data);
    if (buffer_.size() + size <= kBufferSize) {
      buffer_.insert(buffer_.end(), bytes, bytes + size);
      return Status();
    }
    QF_RETURN_IF_ERROR(flush());
    if (size <= kBufferSize) {
      buffer_.assign(bytes, bytes + size);
      return Status();
    }
    Status status = output_.writeAt(offset_, bytes, size);
    offset_ += size;
    return status;
  }

  /// Writes what is buffered and returns the section's XXH64.
  Result<uint64_t> finish() {
    QF_RETURN_IF_ERROR(flush());
    if (written_ != size_)
      return Status::error(name_ + " received " + std::to_string(written_) +
                           " of its " + std::to_string(size_) + " bytes");
    return uint64_t(XXH64_digest(&hash_));
  }

private:
  static constexpr size_t kBufferSize = size_t(1) << 20;

  Status flush() {
    if (buffer_.empty())
      return Status();
    Status status = output_.writeAt(offset_, buffer_.data(), buffer_.size());
    offset_ += buffer_.size();
    buffer_.clear();
    return status;
  }

  Output &output_;
  uint64_t offset_;
  uint64_t size_;
  std::string name_;
  uint64_t written_ = 0;
  XXH64_state_t hash_;
  std::vector<uint8_t> buffer_;
};

flatbuffers::DetachedBuffer
buildFlatBuffer(const ArtifactDescription &description,
                const std::vector<SectionInfo> &sections) {
  flatbuffers::FlatBufferBuilder b(4096);
  auto string = [&](const std::string &text) { return b.CreateString(text); };

  const ModelConfig &c = description.config;
  auto config = schema::CreateModelConfig(
      b, string(architectureName(c.architecture)), c.hiddenSize, c.numLayers,
      c.numHeads, c.numKvHeads, c.headDim, c.intermediateSize, c.vocabSize,
      c.maxPositions, c.ropeTheta, c.rmsNormEps, c.bosTokenId.value_or(-1),
      b.CreateVector(c.eosTokenIds));

  std::vector<flatbuffers::Offset<schema::NamedBlob>> files;
  for (const TokenizerFileInfo &file : description.tokenizer.files)
    files.push_back(
        schema::CreateNamedBlob(b, string(file.name), file.section));
  auto tokenizer = schema::CreateTokenizer(
      b, string(description.tokenizer.kind), b.CreateVector(files));

  std::vector<schema::Section> sectionStructs;
  for (const SectionInfo &s : sections)
    sectionStructs.emplace_back(s.offset, s.size, s.alignment, s.xxh64);

  std::vector<flatbuffers::Offset<schema::Parameter>> parameters;
  for (const ParameterInfo &p : description.parameters)
    parameters.push_back(
        schema::CreateParameter(b, string(p.name), string(p.dtype),
                                b.CreateVector(p.shape), p.section));

  const KvCacheInfo &kv = description.kvCache;
  std::vector<flatbuffers::Offset<schema::KvGroup>> groups;
  for (const KvGroupInfo &g : kv.groups)
    groups.push_back(schema::CreateKvGroup(
        b, string(g.dtype), string(g.scaleDtype), b.CreateVector(g.layers)));
  auto kvCache = schema::CreateKvCache(b, kv.layers, kv.kvHeads, kv.capacity,
                                       kv.headDim, kv.bytesPerToken,
                                       kv.blockSize, b.CreateVector(groups));

  std::vector<flatbuffers::Offset<schema::Executable>> executables;
  for (const ExecutableInfo &e : description.executables)
    executables.push_back(schema::CreateExecutable(
        b, string(e.target), string(e.format), e.section,
        e.programmaticLaunch));

  std::vector<flatbuffers::Offset<schema::EntryPoint>> entryPoints;
  for (const EntryPointInfo &entry : description.entryPoints) {
    std::vector<flatbuffers::Offset<schema::Argument>> arguments;
    for (const ArgumentInfo &a : entry.arguments)
      arguments.push_back(schema::CreateArgument(
          b, schema::ArgumentKind(int8_t(a.kind)), a.parameter, a.kvGroup));
    std::vector<flatbuffers::Offset<schema::Dispatch>> dispatches;
    for (const DispatchInfo &d : entry.dispatches)
      dispatches.push_back(
          schema::CreateDispatch(b, d.executable, string(d.symbol)));
    entryPoints.push_back(schema::CreateEntryPoint(b, string(entry.name),
                                                   b.CreateVector(arguments),
                                                   b.CreateVector(dispatches)));
  }

  auto root = schema::CreateArtifact(
      b, kArtifactFormatVersion, string(description.target), config, tokenizer,
      b.CreateVectorOfStructs(sectionStructs), b.CreateVector(parameters),
      kvCache, b.CreateVector(executables), b.CreateVector(entryPoints));
  schema::FinishArtifactBuffer(b, root);
  return b.Release();
}

} // namespace

struct ArtifactWriter::Impl {
  ArtifactDescription description;
  std::vector<PendingSection> sections;
  uint64_t alignment = kDefaultSectionAlignment;

  uint32_t add(PendingSection section) {
    sections.push_back(std::move(section));
    return uint32_t(sections.size() - 1);
  }
  Status writeTo(Output &output) const;
};

Status ArtifactWriter::Impl::writeTo(Output &output) const {
  if (alignment < kMinSectionAlignment || (alignment & (alignment - 1)) != 0)
    return Status::error(
        "section alignment " + std::to_string(alignment) +
        " is not a power of two >= " + std::to_string(kMinSectionAlignment));
  std::vector<SectionInfo> infos;
  for (const PendingSection &section : sections)
    infos.push_back({0, section.size, alignment, 0});
  QF_RETURN_IF_ERROR(validateDescription(description, infos));

  // Offsets and checksums are fixed-size struct fields: the FlatBuffer built
  // with placeholders has the size of the final one.
  size_t flatbufferSize = buildFlatBuffer(description, infos).size();
  uint64_t end = kArtifactPreambleSize + flatbufferSize;
  for (SectionInfo &info : infos) {
    info.offset = (end + alignment - 1) & ~(alignment - 1);
    if (info.offset < end || info.size > UINT64_MAX - info.offset)
      return Status::error("sections exceed 64-bit file offsets");
    end = info.offset + info.size;
  }

  for (uint32_t i = 0; i < sections.size(); ++i) {
    const PendingSection &section = sections[i];
    StreamingSink sink(output, infos[i].offset, section.size,
                       detail::describeSection(description, i));
    if (section.producer)
      QF_RETURN_IF_ERROR(section.producer(sink));
    else
      QF_RETURN_IF_ERROR(sink.write(
          section.view ? section.view : section.owned.data(), section.size));
    Result<uint64_t> hash = sink.finish();
    if (!hash)
      return hash.status();
    infos[i].xxh64 = *hash;
  }

  flatbuffers::DetachedBuffer flatbuffer = buildFlatBuffer(description, infos);
  if (flatbuffer.size() != flatbufferSize)
    return Status::error("metadata size changed between layout and write");
  detail::Preamble preamble;
  std::copy(detail::kArtifactMagic, detail::kArtifactMagic + 4, preamble.magic);
  preamble.version = kArtifactFormatVersion;
  preamble.flatbufferSize = flatbuffer.size();
  preamble.flatbufferHash = XXH64(flatbuffer.data(), flatbuffer.size(), 0);
  uint8_t preambleBytes[kArtifactPreambleSize];
  detail::encodePreamble(preamble, preambleBytes);
  QF_RETURN_IF_ERROR(output.writeAt(0, preambleBytes, kArtifactPreambleSize));
  QF_RETURN_IF_ERROR(output.writeAt(kArtifactPreambleSize, flatbuffer.data(),
                                    flatbuffer.size()));
  return output.finish(end);
}

ArtifactWriter::ArtifactWriter() : impl_(std::make_unique<Impl>()) {}
ArtifactWriter::~ArtifactWriter() = default;
ArtifactWriter::ArtifactWriter(ArtifactWriter &&) noexcept = default;
ArtifactWriter &ArtifactWriter::operator=(ArtifactWriter &&) noexcept = default;

void ArtifactWriter::setTarget(std::string target) {
  impl_->description.target = std::move(target);
}

void ArtifactWriter::setConfig(const ModelConfig &config) {
  ModelConfig &kept = impl_->description.config;
  kept = ModelConfig();
  kept.architecture = config.architecture;
  kept.hiddenSize = config.hiddenSize;
  kept.numLayers = config.numLayers;
  kept.numHeads = config.numHeads;
  kept.numKvHeads = config.numKvHeads;
  kept.headDim = config.headDim;
  kept.intermediateSize = config.intermediateSize;
  kept.vocabSize = config.vocabSize;
  kept.maxPositions = config.maxPositions;
  kept.ropeTheta = config.ropeTheta;
  kept.rmsNormEps = config.rmsNormEps;
  kept.bosTokenId = config.bosTokenId;
  kept.eosTokenIds = config.eosTokenIds;
}

void ArtifactWriter::setTokenizerKind(std::string kind) {
  impl_->description.tokenizer.kind = std::move(kind);
}

void ArtifactWriter::addTokenizerFile(std::string name,
                                      std::vector<uint8_t> bytes) {
  addTokenizerFile(std::move(name), addSection(std::move(bytes)));
}

void ArtifactWriter::addTokenizerFile(std::string name, uint32_t section) {
  impl_->description.tokenizer.files.push_back({std::move(name), section});
}

uint32_t ArtifactWriter::addSection(std::vector<uint8_t> bytes) {
  PendingSection section;
  section.size = bytes.size();
  section.owned = std::move(bytes);
  return impl_->add(std::move(section));
}

uint32_t ArtifactWriter::addSectionView(const void *data, size_t size) {
  PendingSection section;
  section.size = size;
  section.view = data;
  return impl_->add(std::move(section));
}

uint32_t ArtifactWriter::addSection(uint64_t size, SectionProducer producer) {
  PendingSection section;
  section.size = size;
  section.producer = std::move(producer);
  return impl_->add(std::move(section));
}

uint32_t ArtifactWriter::addParameter(std::string name, std::string dtype,
                                      std::vector<int64_t> shape,
                                      uint32_t section) {
  std::vector<ParameterInfo> &parameters = impl_->description.parameters;
  parameters.push_back(
      {std::move(name), std::move(dtype), std::move(shape), section});
  return uint32_t(parameters.size() - 1);
}

void ArtifactWriter::setKvCache(KvCacheInfo kvCache) {
  // Unknown dtypes and absurd sizes are reported by write().
  uint64_t bytes = 0;
  for (const KvGroupInfo &group : kvCache.groups) {
    uint64_t element = dtypeSize(group.dtype).value_or(0);
    uint64_t scale =
        group.scaleDtype.empty() ? 0 : dtypeSize(group.scaleDtype).value_or(0);
    bytes += (element * uint64_t(kvCache.headDim) + scale) *
             uint64_t(group.layers.size()) * 2 * uint64_t(kvCache.kvHeads);
  }
  kvCache.bytesPerToken = int64_t(bytes);
  impl_->description.kvCache = std::move(kvCache);
}

uint32_t ArtifactWriter::addExecutable(std::string target, std::string format,
                                       uint32_t section,
                                       bool programmaticLaunch) {
  std::vector<ExecutableInfo> &executables = impl_->description.executables;
  executables.push_back(
      {std::move(target), std::move(format), section, programmaticLaunch});
  return uint32_t(executables.size() - 1);
}

void ArtifactWriter::addEntryPoint(EntryPointInfo entryPoint) {
  impl_->description.entryPoints.push_back(std::move(entryPoint));
}

void ArtifactWriter::setSectionAlignment(uint64_t alignment) {
  impl_->alignment = alignment;
}

const ArtifactDescription &ArtifactWriter::description() const {
  return impl_->description;
}

Status ArtifactWriter::write(const std::string &path) const {
  std::string temporary = path + ".tmp";
  int fd =
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::error(temporary + ": " + std::strerror(errno));
  FileOutput output(fd);
  Status status = impl_->writeTo(output);
  if (::close(fd) != 0 && status.ok())
    status =
        Status::error(std::string("close failed: ") + std::strerror(errno));
  if (status.ok() && std::rename(temporary.c_str(), path.c_str()) != 0)
    status = Status::error("cannot rename " + temporary + ": " +
                           std::strerror(errno));
  if (!status.ok()) {
    std::remove(temporary.c_str());
    return status.prepend(path);
  }
  return status;
}

Result<std::vector<uint8_t>> ArtifactWriter::writeToMemory() const {
  MemoryOutput output;
  QF_RETURN_IF_ERROR(impl_->writeTo(output));
  return std::move(output.bytes);
}

} // namespace qf
