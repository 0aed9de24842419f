#include "load/diagnostic_sink.h"

#include <algorithm>
#include <utility>

namespace proact::internal {

int DiagnosticSink::AddFile(std::string name, std::string text) {
  files_.push_back(File{std::move(name), std::move(text), {}, false});
  return static_cast<int>(files_.size()) - 1;
}

int DiagnosticSink::AddBorrowedFile(std::string name, std::string_view text) {
  files_.push_back(File{std::move(name), {}, text, true});
  return static_cast<int>(files_.size()) - 1;
}

std::string DiagnosticSink::LineText(int file, int line) const {
  if (file < 0 || file >= static_cast<int>(files_.size()) || line <= 0) {
    return {};
  }
  std::string_view text = file_text(file);
  std::size_t pos = 0;
  for (int l = 1; l < line; ++l) {
    pos = text.find('\n', pos);
    if (pos == std::string_view::npos) return {};
    ++pos;
  }
  std::size_t end = text.find('\n', pos);
  std::string_view out =
      text.substr(pos, end == std::string_view::npos ? end : end - pos);
  if (!out.empty() && out.back() == '\r') out.remove_suffix(1);
  if (out.size() > 240) out = out.substr(0, 240);
  return std::string(out);
}

void DiagnosticSink::Add(Severity severity, int file, int line, int column,
                         std::string code, std::string message) {
  Diagnostic d;
  d.severity = severity;
  d.code = std::move(code);
  d.location.file =
      (file >= 0 && file < static_cast<int>(files_.size())) ? files_[file].name
                                                            : "";
  d.location.line = line;
  d.location.column = column;
  d.message = std::move(message);
  d.source_line = LineText(file, line);
  order_.push_back(Key{file, line, column, diagnostics_.size()});
  diagnostics_.push_back(std::move(d));
}

void DiagnosticSink::Error(int file, int line, int column, std::string code,
                           std::string message) {
  ++errors_;
  Add(Severity::kError, file, line, column, std::move(code),
      std::move(message));
}

void DiagnosticSink::Warning(int file, int line, int column, std::string code,
                             std::string message) {
  Add(Severity::kWarning, file, line, column, std::move(code),
      std::move(message));
}

void DiagnosticSink::SortByLocation() {
  std::stable_sort(order_.begin(), order_.end(),
                   [](const Key& a, const Key& b) {
                     if (a.file != b.file) return a.file < b.file;
                     if (a.line != b.line) return a.line < b.line;
                     return a.column < b.column;
                   });
  std::vector<Diagnostic> sorted;
  sorted.reserve(diagnostics_.size());
  for (const Key& k : order_) sorted.push_back(std::move(diagnostics_[k.index]));
  diagnostics_ = std::move(sorted);
  for (std::size_t i = 0; i < order_.size(); ++i) order_[i].index = i;
}

std::vector<Diagnostic> DiagnosticSink::TakeWarnings() const {
  std::vector<Diagnostic> out;
  for (const Diagnostic& d : diagnostics_) {
    if (d.severity == Severity::kWarning) out.push_back(d);
  }
  return out;
}

}  // namespace proact::internal
