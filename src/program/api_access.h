// What code inside proact reaches in the public API's objects: the compiled
// program of a PolicySet and the working memory of a Scratch. The public
// headers declare only a friendship with ApiAccess, so these hooks are not
// part of the API users see (include/proact/ holds what users need). It
// sits in the program stage so that every stage above (api, normalize,
// testing, the host) may reach a set's program.
#ifndef PROACT_SRC_PROGRAM_API_ACCESS_H_
#define PROACT_SRC_PROGRAM_API_ACCESS_H_

#include <memory>
#include <utility>

#include "proact/engine.h"
#include "proact/policy_set.h"

namespace proact::internal {

struct Program;
struct ScratchRep;

struct ApiAccess {
  // The scratch's working memory (match/scratch.h).
  static ScratchRep* Rep(Scratch& scratch) { return scratch.rep_.get(); }
  // The compiled program of a loaded set; never null.
  static const std::shared_ptr<const Program>& ProgramOf(const PolicySet& set) {
    return set.program_;
  }
  // Wraps a compiled program. REQUIRES: program is not null.
  static PolicySet FromProgram(std::shared_ptr<const Program> program) {
    return PolicySet(std::move(program));
  }
};

// The compiled program of a loaded set; never null.
inline const std::shared_ptr<const Program>& ProgramOf(const PolicySet& set) {
  return ApiAccess::ProgramOf(set);
}

}  // namespace proact::internal

#endif  // PROACT_SRC_PROGRAM_API_ACCESS_H_
