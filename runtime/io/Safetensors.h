//===- Safetensors.h - safetensors files and HF checkpoints -----*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Reads safetensors files (an 8-byte little-endian header length, a JSON
// header, then the tensor data) and Hugging Face checkpoint directories made
// of one file or of shards listed in model.safetensors.index.json. Headers are
// untrusted: every field is validated before use and every error names the
// file, the tensor and the problem. Tensor data is never copied.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_IO_SAFETENSORS_H
#define QUANTFORGE_RUNTIME_IO_SAFETENSORS_H

#include "runtime/io/DType.h"
#include "runtime/io/MappedFile.h"
#include "runtime/support/Status.h"

#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qf::io {

/// One tensor of a safetensors file.
struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  /// Row-major; [] for a scalar.
  std::vector<int64_t> shape;
  /// Absolute position of the first byte in the file.
  uint64_t offset = 0;
  uint64_t byteSize = 0;
};

/// A validated safetensors file.
class SafetensorsFile {
public:
  /// Maps and validates the file at `path`.
  static Result<SafetensorsFile> open(const std::string &path);
  /// Validates a file image the caller keeps alive as long as the result;
  /// `name` stands for the file in error messages.
  static Result<SafetensorsFile> openFromMemory(ByteSpan image,
                                                std::string name);

  /// The path (or name) that error messages use.
  const std::string &name() const { return name_; }
  /// All tensors, sorted by name.
  const std::vector<TensorInfo> &tensors() const { return tensors_; }
  /// The tensor called `name`, or null.
  const TensorInfo *find(std::string_view name) const;
  /// The data of `info`, which must come from this file's tensors().
  ByteSpan bytes(const TensorInfo &info) const {
    return {image_.data + info.offset, size_t(info.byteSize)};
  }
  /// The header's `__metadata__` (string to string), empty when absent.
  const std::map<std::string, std::string> &metadata() const {
    return metadata_;
  }

private:
  SafetensorsFile() = default;
  Status parse();

  std::optional<MappedFile> mapping_;
  ByteSpan image_;
  std::string name_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

/// A Hugging Face checkpoint directory: `model.safetensors`, or shards named
/// by `model.safetensors.index.json` (the single file wins when both exist,
/// as in transformers).
class SafetensorsCheckpoint {
public:
  /// Opens every shard and checks that the weight map and the shards agree:
  /// each listed tensor is in its shard, no tensor is in two shards, no shard
  /// holds a tensor the map does not list.
  static Result<SafetensorsCheckpoint> open(const std::string &dir);

  /// The shard holding `name` and its info; {null, null} when absent.
  std::pair<const SafetensorsFile *, const TensorInfo *>
  find(std::string_view name) const;
  /// Every tensor name, sorted.
  std::vector<std::string> tensorNames() const;
  /// The opened files, in the order of their names.
  const std::vector<std::unique_ptr<SafetensorsFile>> &shards() const {
    return shards_;
  }

private:
  SafetensorsCheckpoint() = default;

  std::vector<std::unique_ptr<SafetensorsFile>> shards_;
  /// Tensor name -> index into shards_.
  std::map<std::string, size_t, std::less<>> shardOf_;
};

/// Builds safetensors files (synthetic checkpoints for tests and benchmarks)
/// the way the reference implementation lays them out: tensors sorted by
/// decreasing element alignment, then by name, so that every tensor is
/// naturally aligned; the header padded with spaces to a multiple of 8.
class SafetensorsWriter {
public:
  /// A writer holding a copy of every tensor and metadata entry of `file`.
  static Result<SafetensorsWriter> fromFile(const SafetensorsFile &file);

  /// Adds a tensor of a plain dtype; `data` must hold exactly its bytes.
  Status addTensor(std::string name, DType dtype, std::vector<int64_t> shape,
                   std::vector<uint8_t> data);
  /// Sets one `__metadata__` entry.
  Status setMetadata(std::string key, std::string value);

  /// The whole file.
  std::vector<uint8_t> serialize() const;
  Status write(const std::string &path) const;

private:
  struct Tensor {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> data;
  };
  void writeTo(std::ostream &out) const;

  std::vector<Tensor> tensors_;
  std::map<std::string, std::string> metadata_;
};

} // namespace qf::io

#endif // QUANTFORGE_RUNTIME_IO_SAFETENSORS_H
