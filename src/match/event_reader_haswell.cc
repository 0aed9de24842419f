// The On-Demand walk of ReadEvent compiled for simdjson's AVX2 kernel
// ("haswell"), which event_reader.cc picks at run time on CPUs that have it
// (EventReaderKernel).
//
// simdjson's On-Demand front end is header-only and built for the target of
// the translation unit that includes it, so baseline x86-64 gets the generic
// "fallback" kernel for its token walk and number parsing (stage 1 and
// string unescaping already go through the library's run-time choice).
// CMake compiles this file alone with -mavx2 -mbmi -mpclmul -mlzcnt, which
// makes haswell simdjson's builtin kernel here.
//
// The AVX2 code must never run on a CPU without it. The walk sits in an
// anonymous namespace and the On-Demand types in simdjson::haswell, which no
// other file compiles; what is left is inline code this file could share
// with the rest of the program through the linker's choice of one copy
// (templates of the standard library). The event_reader_haswell_isolation
// test checks that no such shared function in this object holds an AVX,
// BMI or LZCNT instruction.
//
// Only on x86-64 with GCC or Clang; CMake adds this file there alone.
#if PROACT_HASWELL_READER

#include <memory>
#include <string_view>

#include <simdjson.h>

#include "match/event_reader.h"

namespace proact::internal {
namespace {

static_assert(std::string_view(SIMDJSON_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION)) ==
                  "haswell",
              "simdjson did not build its AVX2 kernel here: check the file's "
              "compile options in CMakeLists.txt");

using simdjson::error_code;
namespace od = simdjson::haswell::ondemand;

#include "match/event_walker.inc"

}  // namespace

Status WalkEventHaswell(std::size_t size, const Program& program,
                        const EngineOptions& options, ScratchRep* s) {
  return WalkEventText(size, program, options, s, 1);
}

}  // namespace proact::internal

#endif  // PROACT_HASWELL_READER
