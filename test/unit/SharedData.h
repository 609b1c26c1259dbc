//===- SharedData.h - the models and data beside the checkout ---*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// ../shared (models/llama-s, data/reference.json, ...) is not part of a
// clone. A unit test that needs it skips without it, naming the missing
// folder, as lit marks its tests UNSUPPORTED without the shared-data feature;
// a test that only needs llama-t reads the bundled test/fixtures/llama-t.
// QF_TEST_SHARED_DIR, when set, replaces the folder: the *.without-shared
// ctests point it at one that does not exist.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_TEST_UNIT_SHAREDDATA_H
#define QUANTFORGE_TEST_UNIT_SHAREDDATA_H

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace qf::test {

/// QF_TEST_SHARED_DIR if set, else the ../shared of the source tree.
inline std::string sharedDir() {
  const char *override = std::getenv("QF_TEST_SHARED_DIR");
  return override && *override ? override : QF_SHARED_DIR;
}

/// sharedDir() + "/" + relative.
inline std::string sharedPath(const std::string &relative) {
  return sharedDir() + "/" + relative;
}

/// The bundled copy of shared/models/llama-t (byte-identical).
inline std::string bundledLlamaT() {
  return QF_SOURCE_DIR "/test/fixtures/llama-t";
}

} // namespace qf::test

/// Skips the current test (or fixture SetUp) when ../shared is missing.
#define QF_SKIP_WITHOUT_SHARED_DATA()                                          \
  do {                                                                         \
    if (!std::filesystem::is_directory(::qf::test::sharedDir()))               \
      GTEST_SKIP() << "needs the shared models and data: "                     \
                   << ::qf::test::sharedDir() << " does not exist";            \
  } while (false)

#endif // QUANTFORGE_TEST_UNIT_SHAREDDATA_H
