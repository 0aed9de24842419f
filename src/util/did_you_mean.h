// Did-you-mean suggestions: the nearest of a set of names to a misspelled one.
#ifndef PROACT_SRC_UTIL_DID_YOU_MEAN_H_
#define PROACT_SRC_UTIL_DID_YOU_MEAN_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace proact::internal {

// Edits (insertions, deletions, substitutions, swaps of neighbours) that
// turn `a` into `b`.
std::size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word` by edit distance, if it is close enough to
// be a likely typo (about one edit per three characters, 1 to 3); empty
// otherwise.
std::string DidYouMean(std::string_view word,
                       const std::vector<std::string_view>& candidates);
// " (did you mean 'x'?)" or "".
std::string DidYouMeanSuffix(std::string_view word,
                             const std::vector<std::string_view>& candidates);

}  // namespace proact::internal

#endif  // PROACT_SRC_UTIL_DID_YOU_MEAN_H_
