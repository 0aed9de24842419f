#include "compile/set_budget.h"

namespace proact::internal {
namespace {

// Bytes an entry of the exact-value index costs: the entry, its share of
// the slot table (kept under half full) and its posting.
constexpr std::size_t kIndexEntryBytes = 40 + 2 * 8 + 4;

std::size_t AlternativeBytes(const Alternative& alt) {
  std::size_t bytes = sizeof(Rule) + kIndexEntryBytes;
  for (const PendingFieldTest& t : alt) {
    bytes += sizeof(FieldTest) + t.tests.size() * sizeof(ValueTest);
  }
  return bytes;
}

std::size_t AlternativeTests(const Alternative& alt) {
  std::size_t tests = 0;
  for (const PendingFieldTest& t : alt) {
    tests += 1;  // the field test itself, as max_pattern_tests counts it
    for (const ValueTest& v : t.tests) {
      bool listed = v.op == TestOp::kAnythingButPrefix ||
                    v.op == TestOp::kAnythingButSuffix ||
                    v.op == TestOp::kAnythingButWildcard;
      tests += listed ? v.b : 1;
    }
  }
  return tests;
}

}  // namespace

void SetBudget::Begin(const Program& program) {
  strings_ = program.strings.size();
  numbers_ = program.numbers.size();
  cidrs_ = program.cidrs.size();
  wildcards_ = program.wildcards.size();
  regexes_ = program.regexes.size();
  id_pool_ = program.id_pool.size();
  time_zones_ = program.time_zones.size();
  local_times_ = program.local_times.size();
}

PolicyCost SetBudget::Measure(const Program& program,
                              const std::vector<Alternative>& match,
                              const std::vector<Alternative>& except) const {
  PolicyCost cost;
  cost.regexes = program.regexes.size() - regexes_;
  cost.regex_mem = static_cast<std::int64_t>(cost.regexes) * options_.regex_max_mem;
  std::size_t bytes = 0;
  for (std::size_t i = strings_; i < program.strings.size(); ++i) {
    bytes += sizeof(std::string) + program.strings[i].size();
  }
  for (std::size_t i = wildcards_; i < program.wildcards.size(); ++i) {
    bytes += sizeof(Wildcard);
    for (const std::string& c : program.wildcards[i].chunks) {
      bytes += sizeof(std::string) + c.size();
    }
  }
  bytes += (program.numbers.size() - numbers_) * sizeof(double);
  bytes += (program.cidrs.size() - cidrs_) * sizeof(Cidr);
  // Value-list entries; long lists are indexed too.
  bytes += (program.id_pool.size() - id_pool_) * (sizeof(std::uint32_t) + kIndexEntryBytes);
  bytes += cost.regexes * sizeof(std::unique_ptr<RE2>);
  // A zone's transitions live in CCTZ's process-wide cache, one copy per
  // zone whatever the number of sets: only the name is the set's.
  for (std::size_t i = time_zones_; i < program.time_zones.size(); ++i) {
    bytes += sizeof(TimeZone) + program.time_zones[i].name.size();
  }
  bytes += (program.local_times.size() - local_times_) * sizeof(LocalTimeWindow);
  for (const auto* alts : {&match, &except}) {
    for (const Alternative& alt : *alts) {
      bytes += AlternativeBytes(alt);
      cost.value_tests += AlternativeTests(alt);
    }
  }
  cost.program_bytes = bytes;
  return cost;
}

void SetBudget::Charge(const PolicyCost& cost, const std::string& label,
                       int file, int line, int column, DiagnosticSink* sink) {
  total_.regexes += cost.regexes;
  total_.regex_mem += cost.regex_mem;
  total_.value_tests += cost.value_tests;
  total_.program_bytes += cost.program_bytes;
  struct Check {
    const char* limit;
    unsigned long long total, own, max;
    const char* unit;  // plural noun the numbers count
  };
  const Check checks[4] = {
      {"max_set_regex_mem", static_cast<unsigned long long>(total_.regex_mem),
       static_cast<unsigned long long>(cost.regex_mem),
       static_cast<unsigned long long>(options_.max_set_regex_mem),
       "bytes of regex memory"},
      {"max_set_regexes", total_.regexes, cost.regexes, options_.max_set_regexes,
       "distinct regexes"},
      {"max_set_value_tests", total_.value_tests, cost.value_tests,
       options_.max_set_value_tests, "value tests"},
      {"max_set_program_bytes", total_.program_bytes, cost.program_bytes,
       options_.max_set_program_bytes, "bytes of program"},
  };
  for (int i = 0; i < 4; ++i) {
    const Check& c = checks[i];
    if (reported_[i] || c.total <= c.max) continue;
    reported_[i] = true;
    sink->Error(file, line, column, "set-budget",
                label + " takes the policy set over " + c.limit + " (" +
                    std::to_string(c.max) + "): the set would need " +
                    std::to_string(c.total) + " " + c.unit + ", " +
                    std::to_string(c.own) + " of them for this policy");
  }
}

}  // namespace proact::internal
