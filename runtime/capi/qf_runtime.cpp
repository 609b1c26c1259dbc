//===- qf_runtime.cpp - C API of the QuantForge runtime -------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/capi/qf_runtime.h"

#include "runtime/session/Session.h"

#include <exception>
#include <string>

struct qf_artifact {
  qf::Artifact artifact;
};

struct qf_session {
  std::unique_ptr<qf::Session> session;
};

namespace {

thread_local std::string lastError;

/// Records `message` for qf_last_error; returns `failure` for brevity.
template <typename T> T fail(const std::string &message, T failure) {
  lastError = message;
  return failure;
}

/// Runs `body`, turning exceptions (allocation failures) into errors: no
/// exception may cross the C boundary.
template <typename T, typename Body> T guarded(T failure, Body body) {
  try {
    return body();
  } catch (const std::exception &e) {
    return fail(e.what(), failure);
  }
}

int finishRun(const qf::Result<qf::LogitsView> &result, const float **logits) {
  if (!result)
    return fail(result.message(), -1);
  if (logits)
    *logits = result->data;
  return 0;
}

} // namespace

extern "C" {

const char *qf_last_error(void) { return lastError.c_str(); }

qf_artifact *qf_artifact_open(const char *path) {
  if (!path)
    return fail<qf_artifact *>("qf_artifact_open: path is NULL", nullptr);
  return guarded<qf_artifact *>(nullptr, [&]() -> qf_artifact * {
    qf::Result<qf::Artifact> artifact = qf::Artifact::open(path);
    if (!artifact)
      return fail<qf_artifact *>(artifact.message(), nullptr);
    return new qf_artifact{artifact.take()};
  });
}

void qf_artifact_close(qf_artifact *artifact) { delete artifact; }

int64_t qf_artifact_vocab_size(const qf_artifact *artifact) {
  return artifact ? artifact->artifact.config().vocabSize : -1;
}

int64_t qf_artifact_context_capacity(const qf_artifact *artifact) {
  return artifact ? artifact->artifact.kvCache().capacity : -1;
}

qf_session *qf_session_create(const qf_artifact *artifact, const char *device) {
  if (!artifact || !device)
    return fail<qf_session *>("qf_session_create: NULL argument", nullptr);
  return guarded<qf_session *>(nullptr, [&]() -> qf_session * {
    qf::Result<std::unique_ptr<qf::Device>> created = qf::createDevice(device);
    if (!created)
      return fail<qf_session *>(created.message(), nullptr);
    qf::Result<std::unique_ptr<qf::Session>> session = qf::Session::create(
        artifact->artifact, std::shared_ptr<qf::Device>(created.take()));
    if (!session)
      return fail<qf_session *>(session.message(), nullptr);
    return new qf_session{session.take()};
  });
}

void qf_session_destroy(qf_session *session) { delete session; }

int qf_session_prefill(qf_session *session, const int32_t *tokens, size_t count,
                       const float **logits) {
  if (!session || (!tokens && count))
    return fail("qf_session_prefill: NULL argument", -1);
  return guarded(-1, [&] {
    return finishRun(session->session->prefill(tokens, count), logits);
  });
}

int qf_session_decode(qf_session *session, int32_t token,
                      const float **logits) {
  if (!session)
    return fail("qf_session_decode: NULL session", -1);
  return guarded(
      -1, [&] { return finishRun(session->session->decode(token), logits); });
}

int64_t qf_session_position(const qf_session *session) {
  return session ? session->session->position() : -1;
}

void qf_session_reset(qf_session *session) {
  if (session)
    session->session->reset();
}

} // extern "C"
