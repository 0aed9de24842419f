// SetBudget: the limits CompileOptions puts on a whole policy set
// (max_set_regex_mem, max_set_regexes, max_set_value_tests,
// max_set_program_bytes), charged policy by policy in load order.
//
// A policy is charged for what compiling it added to the program: the
// regexes, strings, numbers, wildcards, CIDR blocks and value-list entries
// no earlier policy brought, and its rules (field tests, value tests, index
// entries). The first policy that takes a total over its limit gets an
// error at its file:line:col naming the limit; each limit is reported once.
#ifndef PROACT_SRC_COMPILE_SET_BUDGET_H_
#define PROACT_SRC_COMPILE_SET_BUDGET_H_

#include <cstddef>
#include <string>
#include <vector>

#include "compile/pattern_compiler.h"
#include "load/diagnostic_sink.h"
#include "proact/options.h"
#include "proact/policy_set.h"
#include "program/program.h"

namespace proact::internal {

class SetBudget {
 public:
  explicit SetBudget(const CompileOptions& options) : options_(options) {}

  // Notes the size of the program's side tables before a policy compiles.
  void Begin(const Program& program);

  // What the policy compiled since Begin costs: the side-table entries it
  // added, and its `match` and `except` alternatives.
  PolicyCost Measure(const Program& program,
                     const std::vector<Alternative>& match,
                     const std::vector<Alternative>& except) const;

  // Adds `cost` to the set's total. When that takes a total over its limit
  // for the first time, reports a `set-budget` error at (file, line,
  // column) naming the limit, with `label` ("policy 'id'") as the culprit.
  void Charge(const PolicyCost& cost, const std::string& label, int file,
              int line, int column, DiagnosticSink* sink);

  const PolicyCost& total() const { return total_; }

 private:
  const CompileOptions& options_;
  PolicyCost total_;
  bool reported_[4] = {false, false, false, false};
  std::size_t strings_ = 0, numbers_ = 0, cidrs_ = 0, wildcards_ = 0,
              regexes_ = 0, id_pool_ = 0, time_zones_ = 0, local_times_ = 0;
};

}  // namespace proact::internal

#endif  // PROACT_SRC_COMPILE_SET_BUDGET_H_
