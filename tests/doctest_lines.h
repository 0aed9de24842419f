// doctest printing for the tests that compare lists of lines.
#ifndef PROACT_TESTS_DOCTEST_LINES_H_
#define PROACT_TESTS_DOCTEST_LINES_H_

#include <string>
#include <vector>

#include <doctest/doctest.h>

// Vectors of lines (diagnostics, matched ids) print one per line when a
// check fails.
namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& lines) {
    std::string out = "{";
    for (const std::string& l : lines) out += "\n  " + l;
    return (out + "\n}").c_str();
  }
};
}  // namespace doctest

#endif  // PROACT_TESTS_DOCTEST_LINES_H_
