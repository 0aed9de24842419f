#include "load/diagnostic_sink.h"

#include <algorithm>
#include <utility>

namespace proact::internal {

int DiagnosticSink::AddFile(std::string name, std::string text) {
  files_.push_back(File{std::move(name), std::move(text)});
  return static_cast<int>(files_.size()) - 1;
}

std::string DiagnosticSink::LineText(int file, int line) const {
  if (file < 0 || file >= static_cast<int>(files_.size()) || line <= 0) {
    return {};
  }
  std::string_view text = files_[file].text;
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

namespace {

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev2(b.size() + 1), prev(b.size() + 1),
      cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      // A swap of two neighbours is one typo.
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    prev2 = prev;
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string DidYouMean(std::string_view word,
                       const std::vector<std::string_view>& candidates) {
  std::string_view best;
  std::size_t best_distance = 0;
  for (std::string_view c : candidates) {
    std::size_t d = EditDistance(word, c);
    if (best.empty() || d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  // Accept roughly one typo per three characters, at least one, at most 3.
  std::size_t allowed = std::clamp<std::size_t>(word.size() / 3, 1, 3);
  if (best.empty() || best_distance > allowed) return {};
  return std::string(best);
}

std::string DidYouMeanSuffix(std::string_view word,
                             const std::vector<std::string_view>& candidates) {
  std::string best = DidYouMean(word, candidates);
  if (best.empty()) return {};
  return " (did you mean '" + best + "'?)";
}

}  // namespace proact::internal
