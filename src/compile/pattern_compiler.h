// PatternCompiler: an EventBridge event pattern (a `match:` or `except:`
// entry) into alternatives of field tests.
//
// It enforces every rule EventBridge applies when a rule is created (leaf
// values in arrays, no empty arrays, known case-sensitive operators with the
// right operand types, numeric ranges in order, well-formed CIDR blocks and
// wildcards, `$or` with at least two object branches) and reports each
// violation as a diagnostic at the offending node. proact's extensions,
// `{"regex": "..."}`, `{"list": "name"}` and `{"local-time": {...}}`, are
// checked here too; a `local-time` zone is loaded here, once per set.
//
// `$or` is multiplied out: the result is a list of alternatives, each a
// conjunction of field tests, and the pattern matches when any alternative
// does.
#ifndef PROACT_SRC_COMPILE_PATTERN_COMPILER_H_
#define PROACT_SRC_COMPILE_PATTERN_COMPILER_H_

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "load/diagnostic_sink.h"
#include "load/yaml_document.h"
#include "proact/options.h"
#include "program/program.h"

namespace proact::internal {

struct NamedList {
  std::string name;
  std::vector<Node> values;  // scalars
  Mark mark;
  int file = 0;
};

// Where a value test is written, kept for the field checks
// (CompileOptions::check_fields) only.
struct ValueSite {
  Mark mark;
  std::string text;  // the value or operator as written
  Node::Kind kind = Node::Kind::kNull;  // the scalar's kind (kMap: an operator)
};

// A field test before it is placed in the program.
struct PendingFieldTest {
  std::vector<std::string> path;  // segments
  std::vector<ValueTest> tests;
  bool exists_false = false;
  Mark mark;   // the key that names the field
  int file = 0;
  // sites[i] is where tests[i] is written; empty unless check_fields.
  std::vector<ValueSite> sites;
};

using Alternative = std::vector<PendingFieldTest>;

class PatternCompiler {
 public:
  PatternCompiler(Program* program,
                  const std::map<std::string, NamedList>* lists,
                  const CompileOptions& options, DiagnosticSink* sink);

  // Compiles `pattern`. Returns false (after reporting) when it is invalid.
  bool Compile(const Node& pattern, std::vector<Alternative>* out);

  // The operators a value array entry may use, for "did you mean".
  static const std::vector<std::string_view>& OperatorNames();

 private:
  bool Expand(const Node& map, const std::vector<std::string>& prefix,
              std::vector<Alternative>* out);
  bool LeafTests(const Node& values, PendingFieldTest* test);
  // The exact-value test for a scalar (string, number, boolean or null).
  ValueTest ExactTest(const Node& scalar);
  bool Operator(const Node& op_key, const Node& operand, PendingFieldTest* test);
  bool AnythingBut(const Node& key, const Node& operand, ValueTest* out);
  bool ScalarList(const Node& node, bool allow_single,
                  std::vector<const Node*>* out);
  bool StringOperand(const Node& key, const Node& operand, std::string* out);
  bool Numeric(const Node& key, const Node& operand, ValueTest* out);
  bool CidrOperand(const Node& key, const Node& operand, ValueTest* out);
  bool WildcardOperand(const Node& key, std::string_view text,
                       std::uint32_t* id);
  bool LocalTimeOperand(const Node& operand, ValueTest* out);
  // Index of zone `name` in Program::time_zones, loading it the first time;
  // -1 after reporting an unknown zone at `at`.
  std::int64_t ZoneId(const Node& at);
  // Adds the values of an `anything-but` list longer than kAnythingButLinear
  // to Program::anything_but_index.
  void IndexAnythingBut(const ValueTest& t);

  void Error(const Node& at, const std::string& code, const std::string& msg);

  std::uint32_t InternString(const std::string& s);
  std::uint32_t InternNumber(double d);

  Program* program_;
  const std::map<std::string, NamedList>* lists_;
  const CompileOptions& options_;
  DiagnosticSink* sink_;
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>>
      string_ids_;
  // Regex text → index in Program::regexes.
  std::unordered_map<std::string, std::uint32_t> regex_ids_;
  // Zone name → index in Program::time_zones.
  std::unordered_map<std::string, std::uint32_t> zone_ids_;
};

// Splits a pattern key or event key at '.' into path segments.
std::vector<std::string> SplitDotted(std::string_view key);

// Parses "10.0.0.0/24" or "2001:db8::/64". Returns false with *error set.
bool ParseCidr(std::string_view text, Cidr* out, std::string* error);

}  // namespace proact::internal

#endif  // PROACT_SRC_COMPILE_PATTERN_COMPILER_H_
