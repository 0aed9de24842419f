#include "util/did_you_mean.h"

#include <algorithm>

namespace proact::internal {

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
