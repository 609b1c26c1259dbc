//===- Artifact.cpp - loading and verifying compiled artifacts ------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/artifact/Artifact.h"
#include "runtime/artifact/ArtifactFormat.h"
#include "runtime/schemas/artifact_generated.h"

#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qf {

/// The bytes (a read-only mapping or an aligned heap copy) and what they say.
struct Artifact::State {
  std::string name;
  const uint8_t *data = nullptr;
  size_t size = 0;
  bool mapped = false;
  ArtifactDescription description;
  std::vector<SectionInfo> sections;

  State() = default;
  State(const State &) = delete;
  State &operator=(const State &) = delete;
  ~State() {
    if (mapped)
      munmap(const_cast<uint8_t *>(data), size);
    else
      std::free(const_cast<uint8_t *>(data));
  }
};

namespace {

/// FlatBuffers larger than this are not metadata of any real model.
constexpr uint64_t kMaxFlatBufferSize = uint64_t(1) << 30;

Status error(const std::string &message) { return Status::error(message); }

std::string str(const flatbuffers::String *text) {
  return text ? text->str() : std::string();
}

template <typename T> size_t count(const flatbuffers::Vector<T> *vector) {
  return vector ? vector->size() : 0;
}

/// The elements of a vector of 8-byte scalars or structs. The verifier only
/// checks the alignment of a vector's 4-byte length, so the elements may sit
/// at 4 mod 8 in a crafted buffer: copy them bytewise rather than read them
/// in place.
template <typename Element, typename T>
std::vector<Element> copyElements(const flatbuffers::Vector<T> *vector) {
  std::vector<Element> elements(count(vector));
  if (!elements.empty())
    std::memcpy(elements.data(), vector->Data(),
                elements.size() * sizeof(Element));
  return elements;
}

/// Decodes the verified FlatBuffer; only missing required tables can fail.
Status decode(const schema::Artifact &fb, ArtifactDescription &out,
              std::vector<SectionInfo> &sections) {
  out.target = str(fb.target());

  const schema::ModelConfig *config = fb.config();
  if (!config)
    return error("no model config");
  std::string architecture = str(config->architecture());
  bool known = false;
  for (Architecture arch :
       {Architecture::Llama, Architecture::Qwen2, Architecture::Mistral}) {
    if (architecture == architectureName(arch)) {
      out.config.architecture = arch;
      known = true;
    }
  }
  if (!known)
    return error("unknown architecture '" + architecture + "'");
  out.config.hiddenSize = config->hidden_size();
  out.config.numLayers = config->num_layers();
  out.config.numHeads = config->num_heads();
  out.config.numKvHeads = config->num_kv_heads();
  out.config.headDim = config->head_dim();
  out.config.intermediateSize = config->intermediate_size();
  out.config.vocabSize = config->vocab_size();
  out.config.maxPositions = config->max_positions();
  out.config.ropeTheta = config->rope_theta();
  out.config.rmsNormEps = config->rms_norm_eps();
  if (config->bos_token_id() != -1)
    out.config.bosTokenId = config->bos_token_id();
  out.config.eosTokenIds = copyElements<int64_t>(config->eos_token_ids());

  if (const schema::Tokenizer *tokenizer = fb.tokenizer()) {
    out.tokenizer.kind = str(tokenizer->kind());
    for (size_t i = 0; i < count(tokenizer->files()); ++i) {
      const schema::NamedBlob *file = tokenizer->files()->Get(i);
      out.tokenizer.files.push_back({str(file->name()), file->section()});
    }
  }

  for (const schema::Section &section :
       copyElements<schema::Section>(fb.sections()))
    sections.push_back({section.offset(), section.size(), section.alignment(),
                        section.xxh64()});

  for (size_t i = 0; i < count(fb.parameters()); ++i) {
    const schema::Parameter *parameter = fb.parameters()->Get(i);
    out.parameters.push_back({str(parameter->name()), str(parameter->dtype()),
                              copyElements<int64_t>(parameter->shape()),
                              parameter->section()});
  }

  const schema::KvCache *kv = fb.kv_cache();
  if (!kv)
    return error("no kv_cache");
  out.kvCache.layers = kv->layers();
  out.kvCache.kvHeads = kv->kv_heads();
  out.kvCache.capacity = kv->capacity();
  out.kvCache.headDim = kv->head_dim();
  out.kvCache.bytesPerToken = kv->bytes_per_token();
  out.kvCache.blockSize = kv->block_size();
  for (size_t i = 0; i < count(kv->groups()); ++i) {
    const schema::KvGroup *group = kv->groups()->Get(i);
    out.kvCache.groups.push_back({str(group->dtype()),
                                  str(group->scale_dtype()),
                                  copyElements<int64_t>(group->layers())});
  }

  for (size_t i = 0; i < count(fb.executables()); ++i) {
    const schema::Executable *executable = fb.executables()->Get(i);
    out.executables.push_back({str(executable->target()),
                               str(executable->format()),
                               executable->section(),
                               executable->programmatic_launch()});
  }

  for (size_t i = 0; i < count(fb.entry_points()); ++i) {
    const schema::EntryPoint *entry = fb.entry_points()->Get(i);
    EntryPointInfo info;
    info.name = str(entry->name());
    for (size_t a = 0; a < count(entry->arguments()); ++a) {
      const schema::Argument *argument = entry->arguments()->Get(a);
      info.arguments.push_back({ArgumentKind(uint8_t(argument->kind())),
                                argument->parameter(), argument->kv_group()});
    }
    for (size_t d = 0; d < count(entry->dispatches()); ++d) {
      const schema::Dispatch *dispatch = entry->dispatches()->Get(d);
      info.dispatches.push_back(
          {dispatch->executable(), str(dispatch->symbol())});
    }
    out.entryPoints.push_back(std::move(info));
  }
  return Status();
}

/// Sections lie after the FlatBuffer, inside the file, aligned, in order and
/// without overlap.
Status checkSectionRanges(const std::vector<SectionInfo> &sections,
                          const ArtifactDescription &description,
                          uint64_t firstFree, uint64_t fileSize) {
  for (uint32_t i = 0; i < sections.size(); ++i) {
    const SectionInfo &section = sections[i];
    auto fail = [&](const std::string &problem) {
      return error(detail::describeSection(description, i) + " " + problem);
    };
    if (section.alignment < kMinSectionAlignment ||
        (section.alignment & (section.alignment - 1)) != 0)
      return fail(
          "has alignment " + std::to_string(section.alignment) +
          ", not a power of two >= " + std::to_string(kMinSectionAlignment));
    if (section.offset % section.alignment != 0)
      return fail("at offset " + std::to_string(section.offset) +
                  " is not aligned to " + std::to_string(section.alignment));
    if (section.offset < firstFree)
      return fail("at offset " + std::to_string(section.offset) +
                  " overlaps the preamble, the metadata or section " +
                  (i ? std::to_string(i - 1) : std::string("-")));
    if (section.offset > fileSize || section.size > fileSize - section.offset)
      return fail("[" + std::to_string(section.offset) + ", +" +
                  std::to_string(section.size) + ") ends beyond the file (" +
                  std::to_string(fileSize) + " bytes): truncated?");
    firstFree = section.offset + section.size;
  }
  return Status();
}

} // namespace

Result<Artifact> Artifact::verify(std::shared_ptr<State> state,
                                  const ArtifactOpenOptions &options) {
  auto fail = [&](const std::string &problem) -> Result<Artifact> {
    return Status::error(state->name + ": " + problem);
  };
  if (state->size < kArtifactPreambleSize)
    return fail("truncated: " + std::to_string(state->size) +
                " bytes, smaller than the " +
                std::to_string(kArtifactPreambleSize) + "-byte preamble");
  detail::Preamble preamble = detail::decodePreamble(state->data);
  if (!std::equal(preamble.magic, preamble.magic + 4, detail::kArtifactMagic))
    return fail("not a QuantForge artifact (bad magic)");
  if (preamble.version != kArtifactFormatVersion)
    return fail("format version " + std::to_string(preamble.version) +
                ", this runtime reads version " +
                std::to_string(kArtifactFormatVersion));
  if (preamble.reserved != 0)
    return fail("reserved preamble field is not zero");
  uint64_t available = state->size - kArtifactPreambleSize;
  if (preamble.flatbufferSize > available ||
      preamble.flatbufferSize > kMaxFlatBufferSize)
    return fail("metadata of " + std::to_string(preamble.flatbufferSize) +
                " bytes does not fit in the file (" +
                std::to_string(state->size) + " bytes): truncated?");
  const uint8_t *flatbuffer = state->data + kArtifactPreambleSize;
  size_t flatbufferSize = size_t(preamble.flatbufferSize);
  if (options.verifyChecksums &&
      XXH64(flatbuffer, flatbufferSize, 0) != preamble.flatbufferHash)
    return fail("metadata checksum mismatch");

  flatbuffers::Verifier verifier(flatbuffer, flatbufferSize);
  if (!schema::VerifyArtifactBuffer(verifier))
    return fail("metadata fails FlatBuffers verification");
  const schema::Artifact &fb = *schema::GetArtifact(flatbuffer);
  if (fb.format_version() != preamble.version)
    return fail("metadata says format version " +
                std::to_string(fb.format_version()) + ", the preamble " +
                std::to_string(preamble.version));

  Status status = decode(fb, state->description, state->sections);
  if (status.ok())
    status =
        checkSectionRanges(state->sections, state->description,
                           kArtifactPreambleSize + flatbufferSize, state->size);
  if (status.ok())
    status = validateDescription(state->description, state->sections);
  if (!status.ok())
    return fail(status.message());

  if (options.verifyChecksums) {
    for (uint32_t i = 0; i < state->sections.size(); ++i) {
      const SectionInfo &section = state->sections[i];
      if (XXH64(state->data + section.offset, section.size, 0) != section.xxh64)
        return fail(detail::describeSection(state->description, i) +
                    " checksum mismatch");
    }
  }
  return Artifact(std::move(state));
}

Result<Artifact> Artifact::open(const std::string &path,
                                const ArtifactOpenOptions &options) {
  auto fail = [&](const std::string &problem) -> Result<Artifact> {
    return Status::error(path + ": " + problem);
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(std::strerror(errno));
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return fail("not a regular file");
  }
  if (info.st_size == 0) {
    ::close(fd);
    return fail("empty file");
  }
  size_t size = size_t(info.st_size);
  void *mapping = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int mapErrno = errno;
  ::close(fd);
  if (mapping == MAP_FAILED)
    return fail(std::string("cannot map: ") + std::strerror(mapErrno));
  auto state = std::make_shared<State>();
  state->name = path;
  state->data = static_cast<const uint8_t *>(mapping);
  state->size = size;
  state->mapped = true;
  return verify(std::move(state), options);
}

Result<Artifact> Artifact::openFromMemory(const void *data, size_t size,
                                          const std::string &name,
                                          const ArtifactOpenOptions &options) {
  // Copy to a page-aligned buffer: sections then have the alignment they
  // would have in a mapping, and the caller's buffer may go away.
  size_t rounded = (std::max<size_t>(size, 1) + kDefaultSectionAlignment - 1) &
                   ~(kDefaultSectionAlignment - 1);
  void *copy = std::aligned_alloc(kDefaultSectionAlignment, rounded);
  if (!copy)
    return Status::error(name + ": out of memory");
  if (size)
    std::memcpy(copy, data, size);
  auto state = std::make_shared<State>();
  state->name = name;
  state->data = static_cast<const uint8_t *>(copy);
  state->size = size;
  return verify(std::move(state), options);
}

const std::string &Artifact::name() const { return state_->name; }

uint32_t Artifact::formatVersion() const { return kArtifactFormatVersion; }

const ArtifactDescription &Artifact::description() const {
  return state_->description;
}

const std::vector<SectionInfo> &Artifact::sections() const {
  return state_->sections;
}

ByteView Artifact::sectionBytes(uint32_t index) const {
  const SectionInfo &section = state_->sections.at(index);
  return {state_->data + section.offset, size_t(section.size)};
}

const EntryPointInfo *Artifact::findEntryPoint(std::string_view name) const {
  for (const EntryPointInfo &entry : entryPoints())
    if (entry.name == name)
      return &entry;
  return nullptr;
}

std::optional<uint32_t> Artifact::findParameter(std::string_view name) const {
  const std::vector<ParameterInfo> &all = parameters();
  for (uint32_t i = 0; i < all.size(); ++i)
    if (all[i].name == name)
      return i;
  return std::nullopt;
}

} // namespace qf
