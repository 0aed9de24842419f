// Local time: the run-time half of the `local-time` extension.
//
// An event value is an RFC 3339 timestamp string ("2024-03-30T19:30:00Z",
// "2024-03-30T21:30:00.123+02:00"); it is converted to the wall-clock time
// of a compiled zone (CCTZ, with the zone's DST rules) and tested against a
// LocalTimeWindow. Nothing here allocates or touches the file system: zones
// were loaded when the policies were compiled.
#ifndef PROACT_SRC_MATCH_LOCAL_TIME_H_
#define PROACT_SRC_MATCH_LOCAL_TIME_H_

#include <cstdint>
#include <string_view>

#include "program/program.h"

namespace proact::internal {

// The longest text ParseTimestamp accepts (nine fractional digits and an
// offset); longer values are rejected without being read.
inline constexpr std::size_t kMaxTimestampLength = 35;

// Parses `text` as an RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS, optional
// fractional seconds (1 to 9 digits, ignored), then Z or +hh:mm / -hh:mm
// ('T' and 'Z' in either case). Returns false for anything else, including
// out-of-range fields (month 13, February 30, hour 24) and a missing
// offset. On success *unix_seconds is the instant in seconds since
// 1970-01-01T00:00:00Z (a leap second :60 reads as the next minute's :00).
bool ParseTimestamp(std::string_view text, std::int64_t* unix_seconds);

// A timestamp's local wall-clock time in a zone.
struct LocalTime {
  cctz::civil_second civil;  // local date and time
  int weekday = 0;           // 0 Monday ... 6 Sunday
  int offset = 0;            // seconds east of UTC at that instant
  const char* abbreviation = "";  // "CET", "EDT", ...; owned by CCTZ
};

// The local time of `text` in `zone`. Returns false when `text` is not an
// RFC 3339 timestamp.
bool ToLocalTime(const cctz::time_zone& zone, std::string_view text, LocalTime* out);

// True when `local` is inside `window` (weekday, then time of day).
bool InWindow(const LocalTimeWindow& window, const LocalTime& local);

// True when `text` is a timestamp whose local time (in the window's zone)
// is inside the window: the `local-time` test.
bool LocalTimeMatches(const Program& program, const LocalTimeWindow& window,
                      std::string_view text);

}  // namespace proact::internal

#endif  // PROACT_SRC_MATCH_LOCAL_TIME_H_
