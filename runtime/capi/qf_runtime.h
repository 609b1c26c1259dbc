/*===- qf_runtime.h - C API of the QuantForge runtime -------------*- C -*-===*\
|*                                                                            *|
|* Part of QuantForge.                                                        *|
|*                                                                            *|
|*===----------------------------------------------------------------------===*|
|*                                                                            *|
|* Opaque handles over the C++ runtime, for embedding from C and other        *|
|* languages. Functions that can fail return NULL or a negative value and     *|
|* leave a message for qf_last_error() (per thread). Handles are not          *|
|* thread-safe; a session keeps its artifact alive, so an artifact may be     *|
|* closed while sessions created from it are still in use.                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QUANTFORGE_RUNTIME_CAPI_QF_RUNTIME_H
#define QUANTFORGE_RUNTIME_CAPI_QF_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qf_artifact qf_artifact;
typedef struct qf_session qf_session;

/// The message of the last failed call on this thread ("" if none).
const char *qf_last_error(void);

/// Maps and verifies an artifact; NULL on error.
qf_artifact *qf_artifact_open(const char *path);
/// Releases `artifact` (NULL is ignored).
void qf_artifact_close(qf_artifact *artifact);
/// Vocabulary size of the model (the width of a logits row).
int64_t qf_artifact_vocab_size(const qf_artifact *artifact);
/// Tokens the KV cache holds at most.
int64_t qf_artifact_context_capacity(const qf_artifact *artifact);

/// A session of `artifact` on `device` ("cpu", "cuda:0", ...); NULL on error.
qf_session *qf_session_create(const qf_artifact *artifact, const char *device);
/// Releases `session` (NULL is ignored).
void qf_session_destroy(qf_session *session);
/// Runs `count` tokens at the current position. On success returns 0 and
/// points `*logits` at `count` rows of vocab-size floats, valid until the
/// next call on the session; -1 on error.
int qf_session_prefill(qf_session *session, const int32_t *tokens, size_t count,
                       const float **logits);
/// Runs one token; `*logits` gets its row. 0 on success, -1 on error.
int qf_session_decode(qf_session *session, int32_t token, const float **logits);
/// Tokens in the session's cache.
int64_t qf_session_position(const qf_session *session);
/// Starts a new sequence at position 0.
void qf_session_reset(qf_session *session);

#ifdef __cplusplus
} // extern "C"
#endif

#endif /* QUANTFORGE_RUNTIME_CAPI_QF_RUNTIME_H */
