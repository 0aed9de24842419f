#include "match/matched_elements.h"

#include <string>

#include "match/matcher.h"

namespace proact::internal {

void MatchedElements(const Program& p, const ScratchRep& s, std::uint32_t policy,
                     std::string_view field, const nlohmann::json& array,
                     std::vector<std::size_t>* out) {
  out->clear();
  if (!array.is_array()) return;
  const std::size_t n = array.size();
  std::vector<bool> chosen(n, false), held(n);
  std::string folded;
  std::vector<std::int32_t> values;
  std::vector<std::size_t> scalars;  // indexes of the elements that are not objects or arrays
  for (std::size_t i = 0; i < n; ++i) {
    if (!array[i].is_object() && !array[i].is_array()) scalars.push_back(i);
  }
  for (std::uint32_t r : s.matched_rules) {
    const Rule& rule = p.rules[r];
    if (rule.policy != policy || rule.is_except) continue;
    held.assign(n, true);
    bool tests_under = false;
    for (std::uint32_t f = 0; f < rule.field_tests_count; ++f) {
      const FieldTest& ft = p.field_tests[rule.field_tests_begin + f];
      std::string_view path = p.trie.field_paths[ft.field];
      bool under = path == field || (path.size() > field.size() &&
                                     path.substr(0, field.size()) == field &&
                                     path[field.size()] == '.');
      if (!under || ft.exists_false) continue;
      tests_under = true;
      std::vector<bool> met(n, false);
      values.clear();
      if (s.field_stamp[ft.field] == s.event_stamp) {
        for (std::int32_t v = s.field_head[ft.field]; v >= 0; v = s.values[v].next) {
          values.push_back(v);
        }
      }
      // Reading order: the k-th scalar recorded directly at `field` is the
      // array's k-th scalar element.
      std::size_t scalar = 0;
      for (auto it = values.rbegin(); it != values.rend(); ++it) {
        const EventValue& ev = s.values[*it];
        std::size_t index = n;
        if (ev.trail_length > 0) {
          // No array sits above `field`: the first array entered is its.
          index = s.trail_pool[ev.trail_begin].index;
        } else if (path == field && ev.in_array) {
          if (scalar < scalars.size()) index = scalars[scalar];
          ++scalar;
        }
        if (index >= n || met[index]) continue;
        for (std::uint32_t t = 0; t < ft.tests_count && !met[index]; ++t) {
          met[index] = TestValue(p, p.value_tests[ft.tests_begin + t], ev, &folded);
        }
      }
      for (std::size_t i = 0; i < n; ++i) held[i] = held[i] && met[i];
    }
    if (!tests_under) continue;
    for (std::size_t i = 0; i < n; ++i) chosen[i] = chosen[i] || held[i];
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (chosen[i]) out->push_back(i);
  }
}

}  // namespace proact::internal
