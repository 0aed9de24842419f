// DiagnosticSink: collects every problem found while loading policies.
//
// It owns the text of each loaded file so that a diagnostic can quote its
// source line. Nothing is printed here; callers render Diagnostics.
#ifndef PROACT_SRC_LOAD_DIAGNOSTIC_SINK_H_
#define PROACT_SRC_LOAD_DIAGNOSTIC_SINK_H_

#include <string>
#include <string_view>
#include <vector>

#include "proact/status.h"
#include "util/did_you_mean.h"

namespace proact::internal {

class DiagnosticSink {
 public:
  // Registers a file; returns its index for Node::file.
  int AddFile(std::string name, std::string text);
  const std::string& file_name(int file) const { return files_[file].name; }
  // Registers a file whose text the caller keeps alive as long as the sink
  // (a pattern file of 100,000 patterns is 13 MB: not copied).
  int AddBorrowedFile(std::string name, std::string_view text);
  std::string_view file_text(int file) const {
    const File& f = files_[file];
    return f.borrowed ? f.view : std::string_view(f.text);
  }

  void Error(int file, int line, int column, std::string code,
             std::string message);
  void Warning(int file, int line, int column, std::string code,
               std::string message);

  bool has_errors() const { return errors_ > 0; }
  std::size_t error_count() const { return errors_; }
  std::vector<Diagnostic>& diagnostics() { return diagnostics_; }
  std::vector<Diagnostic> TakeWarnings() const;
  // Orders diagnostics by file (in AddFile order), line, then column.
  void SortByLocation();

 private:
  struct File {
    std::string name;
    std::string text;
    std::string_view view;  // the text, when borrowed
    bool borrowed = false;
  };
  void Add(Severity severity, int file, int line, int column, std::string code,
           std::string message);
  std::string LineText(int file, int line) const;

  std::vector<File> files_;
  struct Key {
    int file;
    int line;
    int column;
    std::size_t index;
  };
  std::vector<Diagnostic> diagnostics_;
  std::vector<Key> order_;
  std::size_t errors_ = 0;
};

}  // namespace proact::internal

#endif  // PROACT_SRC_LOAD_DIAGNOSTIC_SINK_H_
