//===- MappedFile.h - read-only memory-mapped files -------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Parameter files are mapped, never read into memory: a 14 GB checkpoint costs
// page-cache pages for the tensors actually touched, and every tensor is a
// view into the mapping.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_IO_MAPPEDFILE_H
#define QUANTFORGE_RUNTIME_IO_MAPPEDFILE_H

#include "runtime/support/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace qf::io {

/// A read-only view of bytes owned elsewhere (a mapping, a caller's buffer).
struct ByteSpan {
  const uint8_t *data = nullptr;
  size_t size = 0;
};

/// A whole file mapped read-only. Movable, not copyable; unmaps on
/// destruction. The mapping's address does not change when the object moves,
/// so views into it stay valid as long as some MappedFile owns it.
class MappedFile {
public:
  /// Maps `path`; an empty file, a directory or an unreadable path is an
  /// error naming the path (and the errno text where there is one).
  static Result<MappedFile> open(const std::string &path);

  MappedFile(MappedFile &&other) noexcept;
  MappedFile &operator=(MappedFile &&other) noexcept;
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  ~MappedFile();

  const uint8_t *data() const { return data_; }
  size_t size() const { return size_; }
  ByteSpan bytes() const { return {data_, size_}; }
  const std::string &path() const { return path_; }

private:
  MappedFile(std::string path, const uint8_t *data, size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  void unmap();

  std::string path_;
  const uint8_t *data_ = nullptr;
  size_t size_ = 0;
};

} // namespace qf::io

#endif // QUANTFORGE_RUNTIME_IO_MAPPEDFILE_H
