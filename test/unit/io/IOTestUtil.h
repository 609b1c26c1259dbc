//===- IOTestUtil.h - temporary files and byte builders for tests -*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_TEST_UNIT_IO_IOTESTUTIL_H
#define QUANTFORGE_TEST_UNIT_IO_IOTESTUTIL_H

#include "runtime/support/Status.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace qf::io::test {

/// A fresh directory, removed with its contents at the end of the test.
class TempDir {
public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "qf-io-XXXXXX";
    if (!::mkdtemp(pattern.data()))
      ADD_FAILURE() << "mkdtemp failed for " << pattern;
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  std::string path(const std::string &name) const { return path_ + "/" + name; }
  const std::string &path() const { return path_; }

  /// Writes `bytes` to `name` and returns its path.
  template <typename Bytes>
  std::string write(const std::string &name, const Bytes &bytes) const {
    std::ofstream out(path(name), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(bytes.data()),
              std::streamsize(bytes.size()));
    EXPECT_TRUE(out.good()) << "cannot write " << path(name);
    return path(name);
  }

private:
  std::string path_;
};

/// Little-endian byte building for hand-made files.
class Bytes {
public:
  template <typename T> Bytes &le(T value) {
    const auto *raw = reinterpret_cast<const uint8_t *>(&value);
    data_.insert(data_.end(), raw, raw + sizeof(T));
    return *this;
  }
  Bytes &raw(std::string_view text) {
    data_.insert(data_.end(), text.begin(), text.end());
    return *this;
  }
  Bytes &raw(const std::vector<uint8_t> &bytes) {
    data_.insert(data_.end(), bytes.begin(), bytes.end());
    return *this;
  }
  /// A GGUF string: u64 length, then the bytes.
  Bytes &str(std::string_view text) {
    return le<uint64_t>(text.size()).raw(text);
  }
  Bytes &zeros(size_t count) {
    data_.resize(data_.size() + count, 0);
    return *this;
  }
  /// Zeros up to the next multiple of `alignment`.
  Bytes &padTo(size_t alignment) {
    return zeros((alignment - data_.size() % alignment) % alignment);
  }

  const std::vector<uint8_t> &bytes() const { return data_; }
  size_t size() const { return data_.size(); }
  const uint8_t *data() const { return data_.data(); }

private:
  std::vector<uint8_t> data_;
};

/// The raw bytes of `values`.
template <typename T>
std::vector<uint8_t> bytesOf(const std::vector<T> &values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

/// Passes when `result` failed with a message that starts with `prefix` and
/// contains every one of `parts`.
template <typename R>
::testing::AssertionResult failsWith(const R &result, const std::string &prefix,
                                     std::initializer_list<std::string> parts) {
  if (result.ok())
    return ::testing::AssertionFailure() << "succeeded";
  const std::string &message = result.message();
  if (message.rfind(prefix, 0) != 0)
    return ::testing::AssertionFailure()
           << "message does not start with '" << prefix << "': " << message;
  for (const std::string &part : parts)
    if (message.find(part) == std::string::npos)
      return ::testing::AssertionFailure()
             << "message lacks '" << part << "': " << message;
  return ::testing::AssertionSuccess();
}

} // namespace qf::io::test

#endif // QUANTFORGE_TEST_UNIT_IO_IOTESTUTIL_H
