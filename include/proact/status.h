// Status, Result<T> and Diagnostic: how proact reports failure.
//
// No exception crosses the public API. An operation that can fail returns a
// Status (or a Result<T> holding either a value or a Status). Problems found
// in policy files are Diagnostics: each carries a severity, a stable code, the
// file:line:col it is about, a message, and the source line, so that a tool
// can print them the way compilers do. A failed policy load returns a Status
// whose diagnostics() lists every problem found, not just the first.
//
// Thread-safety: these are plain values; const methods may be called
// concurrently.
#ifndef PROACT_STATUS_H_
#define PROACT_STATUS_H_

#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "proact/export.h"

namespace proact {

// A position in a source file. line and column are 1-based; 0 means unknown.
struct PROACT_EXPORT SourceLocation {
  std::string file;  // path as given to the loader, or a caller-chosen name
  int line = 0;
  int column = 0;

  // "file:line:col", or "file" when the line is unknown.
  std::string ToString() const;
};

enum class Severity { kError, kWarning };

// One problem found while loading or compiling policies.
struct PROACT_EXPORT Diagnostic {
  Severity severity = Severity::kError;
  std::string code;         // stable identifier, e.g. "unknown-key"
  SourceLocation location;  // where the problem is
  std::string message;      // one line, no trailing period
  std::string source_line;  // the text of location.line, if known

  // Compiler-style rendering:
  //   rules/s3.yaml:12:9: error: unknown key 'mach' (did you mean 'match'?) [unknown-key]
  //       mach:
  //       ^
  std::string ToString() const;
};

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad input from the caller (malformed JSON, ...)
  kInvalidPolicy,    // policy files did not compile; see diagnostics()
  kNotFound,         // a file or directory does not exist
  kIoError,          // a file could not be read
  kLimitExceeded,    // an input exceeded a configured limit
  kInternal,         // a bug in proact
};

// The outcome of an operation. Cheap to copy when ok().
class [[nodiscard]] PROACT_EXPORT Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);
  Status(StatusCode code, std::string message,
         std::vector<Diagnostic> diagnostics);

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // Empty when ok().
  const std::string& message() const;
  // Diagnostics attached to the failure (policy compilation); may be empty.
  const std::vector<Diagnostic>& diagnostics() const;

  // "invalid-policy: 3 errors in policy files" style one-liner.
  std::string ToString() const;

 private:
  struct Rep {
    StatusCode code;
    std::string message;
    std::vector<Diagnostic> diagnostics;
  };
  std::shared_ptr<const Rep> rep_;
};

// Either a T or a failed Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT
  // REQUIRES for the Status form: !status.ok().

  bool ok() const { return std::holds_alternative<T>(v_); }
  // REQUIRES: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  // The failure; an OK status when ok().
  Status status() const {
    return ok() ? Status::Ok() : std::get<Status>(v_);
  }

 private:
  std::variant<T, Status> v_;
};

PROACT_EXPORT const char* StatusCodeName(StatusCode code);

}  // namespace proact

#endif  // PROACT_STATUS_H_
