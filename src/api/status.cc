#include "proact/status.h"

namespace proact {

std::string SourceLocation::ToString() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string Diagnostic::ToString() const {
  std::string out = location.ToString();
  out += severity == Severity::kError ? ": error: " : ": warning: ";
  out += message;
  if (!code.empty()) out += " [" + code + "]";
  if (!source_line.empty()) {
    out += "\n    ";
    out += source_line;
    out += "\n    ";
    int col = location.column > 0 ? location.column : 1;
    // Keep tabs so the caret lines up under the source text.
    for (int i = 1; i < col && i - 1 < static_cast<int>(source_line.size()); ++i) {
      out += source_line[i - 1] == '\t' ? '\t' : ' ';
    }
    out += '^';
  }
  return out;
}

Status::Status(StatusCode code, std::string message)
    : Status(code, std::move(message), {}) {}

Status::Status(StatusCode code, std::string message,
               std::vector<Diagnostic> diagnostics) {
  if (code == StatusCode::kOk) return;
  rep_ = std::make_shared<const Rep>(
      Rep{code, std::move(message), std::move(diagnostics)});
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

const std::vector<Diagnostic>& Status::diagnostics() const {
  static const std::vector<Diagnostic> kEmpty;
  return rep_ ? rep_->diagnostics : kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(StatusCodeName(code())) + ": " + message();
}

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid-argument";
    case StatusCode::kInvalidPolicy: return "invalid-policy";
    case StatusCode::kNotFound: return "not-found";
    case StatusCode::kIoError: return "io-error";
    case StatusCode::kLimitExceeded: return "limit-exceeded";
    case StatusCode::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace proact
