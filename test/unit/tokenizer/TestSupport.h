//===- TestSupport.h - helpers of the tokenizer tests -----------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// File reading, a small SHA-256 for the reference id hash, and
// the reader of the tiny reference safetensors files.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_TEST_UNIT_TOKENIZER_TESTSUPPORT_H
#define QUANTFORGE_TEST_UNIT_TOKENIZER_TESTSUPPORT_H

#include "test/unit/SharedData.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qf::test {

/// The whole file; fails the current test (and returns "") when unreadable.
std::string readFile(const std::string &path);

/// Lowercase hex SHA-256 of `data`.
std::string sha256Hex(std::string_view data);

/// SHA-256 of the ids as little-endian int32, as reference.json records it.
std::string idsSha256(const std::vector<int32_t> &ids);

/// The int64 tensor `name` of a safetensors file (8-byte header length,
/// JSON header, data); fails the current test when absent.
std::vector<int64_t> readSafetensorsInt64(const std::string &path,
                                          const std::string &name);

} // namespace qf::test

#endif // QUANTFORGE_TEST_UNIT_TOKENIZER_TESTSUPPORT_H
