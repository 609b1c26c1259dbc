//===- qf_runtime.hpp - C++ wrapper over the C API --------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// RAII handles over qf_runtime.h for C++ code that links the runtime only
// through its C API (e.g. across a compiler or standard library boundary).
// Header-only; errors come back as qf::Result values.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_CAPI_QF_RUNTIME_HPP
#define QUANTFORGE_RUNTIME_CAPI_QF_RUNTIME_HPP

#include "runtime/capi/qf_runtime.h"
#include "runtime/support/Status.h"

#include <memory>
#include <string>
#include <vector>

namespace qf::capi {

class Artifact {
public:
  static Result<Artifact> open(const std::string &path) {
    qf_artifact *handle = qf_artifact_open(path.c_str());
    if (!handle)
      return Status::error(qf_last_error());
    return Artifact(handle);
  }
  int64_t vocabSize() const { return qf_artifact_vocab_size(handle_.get()); }
  int64_t contextCapacity() const {
    return qf_artifact_context_capacity(handle_.get());
  }
  const qf_artifact *get() const { return handle_.get(); }

private:
  struct Close {
    void operator()(qf_artifact *handle) const { qf_artifact_close(handle); }
  };
  explicit Artifact(qf_artifact *handle) : handle_(handle) {}
  std::unique_ptr<qf_artifact, Close> handle_;
};

class Session {
public:
  static Result<Session> create(const Artifact &artifact,
                                const std::string &device = "cpu") {
    qf_session *handle = qf_session_create(artifact.get(), device.c_str());
    if (!handle)
      return Status::error(qf_last_error());
    return Session(handle);
  }
  /// Logits of every token ([count, vocab]), valid until the next call.
  Result<const float *> prefill(const std::vector<int32_t> &tokens) {
    const float *logits = nullptr;
    if (qf_session_prefill(handle_.get(), tokens.data(), tokens.size(),
                           &logits) != 0)
      return Status::error(qf_last_error());
    return logits;
  }
  Result<const float *> decode(int32_t token) {
    const float *logits = nullptr;
    if (qf_session_decode(handle_.get(), token, &logits) != 0)
      return Status::error(qf_last_error());
    return logits;
  }
  int64_t position() const { return qf_session_position(handle_.get()); }
  void reset() { qf_session_reset(handle_.get()); }

private:
  struct Destroy {
    void operator()(qf_session *handle) const { qf_session_destroy(handle); }
  };
  explicit Session(qf_session *handle) : handle_(handle) {}
  std::unique_ptr<qf_session, Destroy> handle_;
};

} // namespace qf::capi

#endif // QUANTFORGE_RUNTIME_CAPI_QF_RUNTIME_HPP
