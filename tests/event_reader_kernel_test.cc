// Which compiled copy of the On-Demand walk the event reader runs on, and
// that it is the best one this CPU and simdjson's run-time choice allow.
// The other copy is covered by the *_fallback_kernel ctest entries, which
// run the conformance and differential tests under
// SIMDJSON_FORCE_IMPLEMENTATION=fallback.
#include <cstdlib>
#include <string>
#include <string_view>

#include <doctest/doctest.h>
#include <simdjson.h>

#include "match/event_reader.h"

TEST_CASE("the event reader walks with the best simdjson kernel available") {
  const std::string kernel = proact::internal::EventReaderKernel();
  const std::string active(simdjson::get_active_implementation()->name());
  MESSAGE("event reader kernel: " << kernel << " (simdjson run-time choice: " << active
                                  << ", built for: "
                                  << simdjson::builtin_implementation()->name() << ")");
#if defined(__x86_64__) && PROACT_HASWELL_READER_EXPECTED
  if (active == "haswell" || active == "icelake") {
    CHECK(kernel == "haswell");
  } else {
    CHECK(kernel == std::string(simdjson::builtin_implementation()->name()));
  }
#else
  CHECK(kernel == std::string(simdjson::builtin_implementation()->name()));
#endif
  // The choice is made once.
  CHECK(std::string(proact::internal::EventReaderKernel()) == kernel);
}
