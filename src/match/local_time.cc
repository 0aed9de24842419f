#include "match/local_time.h"

#include <chrono>

#include <cctz/civil_time.h>

namespace proact::internal {
namespace {

// Reads `n` decimal digits at text[*pos]; false when one is not a digit.
bool Digits(std::string_view text, std::size_t* pos, int n, int* out) {
  int v = 0;
  for (int i = 0; i < n; ++i, ++*pos) {
    char c = text[*pos];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool Expect(std::string_view text, std::size_t* pos, char a, char b = 0) {
  char c = text[*pos];
  if (c != a && (b == 0 || c != b)) return false;
  ++*pos;
  return true;
}

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

// Days from 1970-01-01 to the proleptic Gregorian date y-m-d (the usual
// era-of-400-years computation).
std::int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * static_cast<unsigned>(m + (m > 2 ? -3 : 9)) + 2) / 5 +
                       static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

bool ParseTimestamp(std::string_view text, std::int64_t* unix_seconds) {
  // "YYYY-MM-DDTHH:MM:SSZ" is the shortest form.
  if (text.size() < 20 || text.size() > kMaxTimestampLength) return false;
  std::size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!Digits(text, &pos, 4, &year) || !Expect(text, &pos, '-') ||
      !Digits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !Digits(text, &pos, 2, &day) || !Expect(text, &pos, 'T', 't') ||
      !Digits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
      !Digits(text, &pos, 2, &minute) || !Expect(text, &pos, ':') ||
      !Digits(text, &pos, 2, &second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 60) {
    return false;
  }
  if (text[pos] == '.') {
    std::size_t first = ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == first || pos - first > 9) return false;
  }
  if (pos >= text.size()) return false;  // no offset: not an instant
  int offset = 0;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    if (pos + 1 != text.size()) return false;
  } else {
    if (pos + 6 != text.size()) return false;
    int sign = text[pos] == '+' ? 1 : text[pos] == '-' ? -1 : 0;
    if (sign == 0) return false;
    ++pos;
    int oh, om;
    if (!Digits(text, &pos, 2, &oh) || !Expect(text, &pos, ':') || !Digits(text, &pos, 2, &om) ||
        oh > 23 || om > 59) {
      return false;
    }
    offset = sign * (oh * 3600 + om * 60);
  }
  *unix_seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
                  offset;
  return true;
}

bool ToLocalTime(const cctz::time_zone& zone, std::string_view text, LocalTime* out) {
  std::int64_t seconds = 0;
  if (!ParseTimestamp(text, &seconds)) return false;
  const cctz::time_point<cctz::seconds> instant{cctz::seconds(seconds)};
  const cctz::time_zone::absolute_lookup al = zone.lookup(instant);
  out->civil = al.cs;
  out->weekday = static_cast<int>(cctz::get_weekday(cctz::civil_day(al.cs)));
  out->offset = al.offset;
  out->abbreviation = al.abbr;
  return true;
}

bool InWindow(const LocalTimeWindow& w, const LocalTime& local) {
  if (w.days != 0 && (w.days >> local.weekday & 1) == 0) return false;
  if (!w.has_between) return true;
  const std::int32_t tod = static_cast<std::int32_t>(local.civil.hour() * 3600 +
                                                     local.civil.minute() * 60 +
                                                     local.civil.second());
  return w.start < w.end ? tod >= w.start && tod < w.end : tod >= w.start || tod < w.end;
}

bool LocalTimeMatches(const Program& p, const LocalTimeWindow& w, std::string_view text) {
  LocalTime local;
  return ToLocalTime(p.time_zones[w.zone].zone, text, &local) && InWindow(w, local);
}

}  // namespace proact::internal
