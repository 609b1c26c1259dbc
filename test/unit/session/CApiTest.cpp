//===- CApiTest.cpp - the C API and its C++ wrapper -----------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/capi/qf_runtime.hpp"
#include "test/unit/session/FakeModel.h"

#include <gtest/gtest.h>

#include <cstdio>

#include <unistd.h>

using namespace qf::test;

namespace {

/// The fake model written to a file, removed at the end.
class FakeModelFile {
public:
  explicit FakeModelFile(const FakeModelOptions &options = {})
      : path_(::testing::TempDir() + "/capi-" + std::to_string(getpid()) +
              ".qfa") {
    EXPECT_TRUE(fakeModelWriter(options).write(path_).ok());
  }
  ~FakeModelFile() { std::remove(path_.c_str()); }
  const char *path() const { return path_.c_str(); }

private:
  std::string path_;
};

TEST(CApi, RunsAnArtifact) {
  FakeModelFile file;
  qf_artifact *artifact = qf_artifact_open(file.path());
  ASSERT_NE(artifact, nullptr) << qf_last_error();
  EXPECT_EQ(qf_artifact_vocab_size(artifact), 16);
  EXPECT_EQ(qf_artifact_context_capacity(artifact), 8);
  qf_session *session = qf_session_create(artifact, "cpu");
  ASSERT_NE(session, nullptr) << qf_last_error();
  // The session keeps the artifact alive.
  qf_artifact_close(artifact);

  const int32_t tokens[2] = {3, 1};
  const float *logits = nullptr;
  ASSERT_EQ(qf_session_prefill(session, tokens, 2, &logits), 0);
  std::vector<float> expected = fakeRow(1, 4, 16);
  EXPECT_EQ(std::vector<float>(logits + 16, logits + 32), expected);
  ASSERT_EQ(qf_session_decode(session, 2, &logits), 0);
  EXPECT_EQ(std::vector<float>(logits, logits + 16), fakeRow(2, 6, 16));
  EXPECT_EQ(qf_session_position(session), 3);

  EXPECT_EQ(qf_session_decode(session, 99, &logits), -1);
  EXPECT_STREQ(qf_last_error(),
               "token 0 (id 99) is outside the vocabulary of 16");
  qf_session_reset(session);
  EXPECT_EQ(qf_session_position(session), 0);
  qf_session_destroy(session);
}

TEST(CApi, ReportsErrors) {
  EXPECT_EQ(qf_artifact_open("/nonexistent.qfa"), nullptr);
  EXPECT_STREQ(qf_last_error(), "/nonexistent.qfa: No such file or directory");
  EXPECT_EQ(qf_artifact_open(nullptr), nullptr);
  EXPECT_STREQ(qf_last_error(), "qf_artifact_open: path is NULL");
  EXPECT_EQ(qf_session_create(nullptr, "cpu"), nullptr);
  EXPECT_EQ(qf_session_prefill(nullptr, nullptr, 0, nullptr), -1);
  EXPECT_EQ(qf_session_position(nullptr), -1);
  qf_artifact_close(nullptr);
  qf_session_destroy(nullptr);

  FakeModelFile file;
  qf_artifact *artifact = qf_artifact_open(file.path());
  ASSERT_NE(artifact, nullptr);
  EXPECT_EQ(qf_session_create(artifact, "hip:0"), nullptr);
  EXPECT_STREQ(qf_last_error(),
               "device 'hip:0': the hip driver is not built into this "
               "runtime (available: " QF_AVAILABLE_DRIVERS ")");
  qf_artifact_close(artifact);
}

TEST(CApi, CppWrapper) {
  FakeModelFile file;
  qf::Result<qf::capi::Artifact> artifact =
      qf::capi::Artifact::open(file.path());
  ASSERT_TRUE(artifact.ok()) << artifact.message();
  qf::Result<qf::capi::Session> session = qf::capi::Session::create(*artifact);
  ASSERT_TRUE(session.ok()) << session.message();
  qf::Result<const float *> logits = session->prefill({5});
  ASSERT_TRUE(logits.ok());
  EXPECT_EQ(std::vector<float>(*logits, *logits + 16), fakeRow(5, 5, 16));
  logits = session->prefill(std::vector<int32_t>(8, 1));
  ASSERT_FALSE(logits.ok());
  EXPECT_EQ(logits.message(), "context full: 9 tokens > capacity 8");
  EXPECT_FALSE(qf::capi::Artifact::open("/nonexistent.qfa").ok());
}

} // namespace
