// Result<T> and Error: how every module reports an expected failure.
//
// The shape follows std::expected (C++23, not available in our C++20 toolchain). An Error's code
// says what the caller does next (retry later, ask for new credentials, fix the config...); the
// message is for humans and must never contain a secret. Value type; not thread-safe beyond that.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace fleet {

enum class ErrorCode {
  kTimeout,      // the peer did not answer in time; retry later
  kUnreachable,  // no route, refused, host name did not resolve
  kAuth,         // credentials rejected (SNMPv3 USM, HTTP 401)
  kMalformed,    // the peer sent something we cannot parse
  kTls,          // handshake or verification failed
  kHttpStatus,   // the cloud answered with a non-2xx status
  kIo,           // local file or socket error
  kConfig,       // the configuration is invalid
  kCancelled,    // the operation was cancelled (shutdown)
  kNotFound,     // the thing asked for does not exist
  kLimit,        // a safety limit was hit (walk length, response size)
  kInternal,     // a bug or an unexpected library failure
};

std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<T>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<Error>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error)
      : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

inline Error MakeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

}  // namespace fleet
