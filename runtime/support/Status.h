//===- Status.h - errors that name the file and the problem ------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The runtime reports bad input as values, never by aborting: every loader
// returns a Status or a Result<T> whose message names the file, the tensor or
// key, and the problem. The runtime includes no MLIR or LLVM header.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_SUPPORT_STATUS_H
#define QUANTFORGE_RUNTIME_SUPPORT_STATUS_H

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace qf {

/// Success, or an error with a human-readable message.
class [[nodiscard]] Status {
public:
  Status() = default;
  static Status error(std::string message) { return Status(std::move(message)); }

  bool ok() const { return !message_; }
  explicit operator bool() const { return ok(); }
  /// The error message; empty on success.
  const std::string &message() const {
    static const std::string empty;
    return message_ ? *message_ : empty;
  }
  /// Prefixes the message with context, e.g. the file name.
  Status &prepend(const std::string &context) {
    if (message_)
      message_ = context + ": " + *message_;
    return *this;
  }

private:
  explicit Status(std::string message) : message_(std::move(message)) {}
  std::optional<std::string> message_;
};

/// A value of type T, or the Status saying why there is none.
template <typename T> class [[nodiscard]] Result {
public:
  Result(T value) : value_(std::move(value)) {}
  Result(Status status) : status_(std::move(status)) {
    assert(!status_.ok() && "a Result without a value needs an error");
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Status &status() const { return status_; }
  const std::string &message() const { return status_.message(); }

  T &operator*() { return *value_; }
  const T &operator*() const { return *value_; }
  T *operator->() { return &*value_; }
  const T *operator->() const { return &*value_; }
  /// Moves the value out; only valid when ok().
  T take() { return std::move(*value_); }

private:
  std::optional<T> value_;
  Status status_;
};

} // namespace qf

/// Returns early from the enclosing function if `expr` (a Status) failed.
#define QF_RETURN_IF_ERROR(expr)                                               \
  do {                                                                         \
    ::qf::Status qf_status_ = (expr);                                          \
    if (!qf_status_.ok())                                                      \
      return qf_status_;                                                       \
  } while (false)

#endif // QUANTFORGE_RUNTIME_SUPPORT_STATUS_H
