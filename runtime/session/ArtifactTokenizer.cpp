//===- ArtifactTokenizer.cpp - the tokenizer stored in an artifact --------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/session/ArtifactTokenizer.h"

#include "runtime/tokenizer/GGUFFileVocab.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <unistd.h>

namespace qf {

namespace {

/// The bytes of the tokenizer file `name`, or an empty view.
std::string_view fileContents(const Artifact &artifact,
                              const std::string &name) {
  for (const TokenizerFileInfo &file : artifact.tokenizer().files) {
    if (file.name != name)
      continue;
    ByteView bytes = artifact.sectionBytes(file.section);
    return {reinterpret_cast<const char *>(bytes.data), bytes.size};
  }
  return {};
}

/// A directory only we can read, removed with its files on destruction.
class TemporaryDirectory {
public:
  static Result<TemporaryDirectory> create() {
    const char *base = std::getenv("TMPDIR");
    std::string path = std::string(base && *base ? base : "/tmp") +
                       "/quantforge-tokenizer-XXXXXX";
    if (!mkdtemp(path.data()))
      return Status::error(
          std::string("cannot create a temporary directory: ") +
          std::strerror(errno));
    return TemporaryDirectory(std::move(path));
  }
  TemporaryDirectory(TemporaryDirectory &&other) noexcept
      : path_(std::move(other.path_)), files_(std::move(other.files_)) {
    other.path_.clear();
  }
  TemporaryDirectory &operator=(TemporaryDirectory &&) = delete;
  ~TemporaryDirectory() {
    if (path_.empty())
      return;
    for (const std::string &file : files_)
      std::remove(file.c_str());
    rmdir(path_.c_str());
  }

  const std::string &path() const { return path_; }

  /// Writes `contents` to a file `name` in the directory.
  Status write(const std::string &name, std::string_view contents) {
    std::string file = path_ + "/" + name;
    files_.push_back(file);
    std::ofstream out(file, std::ios::binary);
    out.write(contents.data(), std::streamsize(contents.size()));
    if (!out.flush())
      return Status::error("cannot write " + file);
    return Status();
  }

private:
  explicit TemporaryDirectory(std::string path) : path_(std::move(path)) {}
  std::string path_;
  std::vector<std::string> files_;
};

Result<std::unique_ptr<Tokenizer>>
loadSentencePieceFiles(const Artifact &artifact) {
  if (fileContents(artifact, "tokenizer.model").empty())
    return Status::error("sentencepiece tokenizer without tokenizer.model");
  Result<TemporaryDirectory> dir = TemporaryDirectory::create();
  if (!dir)
    return dir.status();
  // Names were checked to be plain file names when the artifact was opened.
  for (const TokenizerFileInfo &file : artifact.tokenizer().files)
    QF_RETURN_IF_ERROR(
        dir->write(file.name, fileContents(artifact, file.name)));
  return Tokenizer::loadSentencePiece(dir->path() + "/tokenizer.model");
}

} // namespace

Result<std::unique_ptr<Tokenizer>>
loadArtifactTokenizer(const Artifact &artifact) {
  const std::string &kind = artifact.tokenizer().kind;
  if (kind == "hf-json") {
    std::string_view json = fileContents(artifact, "tokenizer.json");
    if (json.empty())
      return Status::error(artifact.name() +
                           ": hf-json tokenizer without tokenizer.json");
    return Tokenizer::loadHuggingFaceFromStrings(
        json, fileContents(artifact, "tokenizer_config.json"),
        fileContents(artifact, "generation_config.json"),
        artifact.name() + ": ");
  }
  if (kind == "gguf") {
    // The tokenizer.* keys of the source GGUF, as a tensor-less GGUF file.
    std::string_view bytes = fileContents(artifact, "tokenizer.gguf");
    auto file = io::GGUFFile::openFromMemory(
        {reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()},
        artifact.name() + ": tokenizer.gguf");
    if (!file.ok())
      return file.status();
    return loadGGUFTokenizer(*file);
  }
  if (kind != "sentencepiece")
    return Status::error(artifact.name() + ": the artifact has no tokenizer");
  Result<std::unique_ptr<Tokenizer>> tokenizer =
      loadSentencePieceFiles(artifact);
  if (!tokenizer)
    return Status::error(artifact.name() +
                         ": tokenizer: " + tokenizer.message());
  return tokenizer;
}

} // namespace qf
