// The `local-time` extension: RFC 3339 parsing, IANA zones through CCTZ
// (DST changes, local weekdays), windows that wrap midnight, values that
// are not timestamps, `except` and `$or`, the per-event bound, zone loading
// from TZDIR and its diagnostics.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "doctest_lines.h"
#include "match/local_time.h"
#include "test_util.h"

namespace proact {
namespace {

using testing::Matches;
using testing::MustCompile;

// An event whose envelope `time` is `time`.
std::string At(const std::string& time) {
  return R"({"source":"demo","detail-type":"d","time":")" + time + R"(","detail":{}})";
}

// One policy "p" testing `time` with the local-time operand `operand`.
Engine Window(const std::string& operand) {
  return Engine(MustCompile("policies:\n  - id: p\n    match:\n      time: [{local-time: " +
                            operand + "}]\n"));
}

bool Holds(const Engine& engine, const std::string& time) {
  return !Matches(engine, At(time)).empty();
}

std::int64_t Seconds(std::string_view text) {
  std::int64_t s = 0;
  REQUIRE_MESSAGE(internal::ParseTimestamp(text, &s), text);
  return s;
}

TEST_CASE("local-time: RFC 3339 timestamps are read, anything else is not a timestamp") {
  CHECK(Seconds("1970-01-01T00:00:00Z") == 0);
  CHECK(Seconds("2024-03-30T17:30:00Z") == 1711819800);
  CHECK(Seconds("2024-03-30t17:30:00z") == 1711819800);
  CHECK(Seconds("2024-03-30T19:30:00+02:00") == 1711819800);
  CHECK(Seconds("2024-03-30T12:30:00-05:00") == 1711819800);
  CHECK(Seconds("2024-03-30T17:30:00.1Z") == 1711819800);
  CHECK(Seconds("2024-03-30T17:30:00.123456789Z") == 1711819800);  // Azure, Pub/Sub
  CHECK(Seconds("2024-02-29T00:00:00Z") == 1709164800);            // leap year
  CHECK(Seconds("1969-12-31T23:59:59Z") == -1);
  CHECK(Seconds("2016-12-31T23:59:60Z") == Seconds("2017-01-01T00:00:00Z"));  // leap second
  std::int64_t s = 0;
  for (const char* bad : {"", "2024-03-30", "2024-03-30T17:30:00", "2024-03-30 17:30:00Z",
                          "2024-03-30T17:30Z", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
                          "2024-04-31T00:00:00Z", "2024-03-30T24:00:00Z", "2024-03-30T17:60:00Z",
                          "2024-03-30T17:30:00.Z", "2024-03-30T17:30:00.1234567890Z",
                          "2024-03-30T17:30:00+0200", "2024-03-30T17:30:00+24:00",
                          "2024-03-30T17:30:00Z ", "+2024-03-30T17:30:00Z", "1711819800",
                          "30/Mar/2024:17:30:00 +0000", "2024-03-30T17:30:00GMT"}) {
    CHECK_MESSAGE(!internal::ParseTimestamp(bad, &s), bad);
  }
}

TEST_CASE("local-time: Europe/Berlin across the March and October DST changes") {
  // 2024-03-31 (last Sunday of March): 02:00 CET jumps to 03:00 CEST at 01:00Z.
  Engine gap = Window(R"({zone: Europe/Berlin, between: ["02:00", "03:00"]})");
  CHECK_FALSE(Holds(gap, "2024-03-31T00:59:59Z"));  // 01:59:59 CET
  CHECK_FALSE(Holds(gap, "2024-03-31T01:00:00Z"));  // 03:00:00 CEST: 02:xx never happens
  CHECK(Holds(gap, "2024-03-30T01:30:00Z"));        // the day before: 02:30 CET
  CHECK(Holds(gap, "2024-04-01T00:30:00Z"));        // the day after: 02:30 CEST
  Engine after = Window(R"({zone: Europe/Berlin, between: ["03:00", "04:00"]})");
  CHECK(Holds(after, "2024-03-31T01:00:00Z"));
  CHECK_FALSE(Holds(after, "2024-03-31T02:00:00Z"));  // 04:00 CEST
  // 2024-10-27 (last Sunday of October): 03:00 CEST goes back to 02:00 CET
  // at 01:00Z, so 02:00-03:00 local happens twice.
  CHECK(Holds(gap, "2024-10-27T00:00:00Z"));        // 02:00 CEST
  CHECK(Holds(gap, "2024-10-27T00:59:59Z"));        // 02:59:59 CEST
  CHECK(Holds(gap, "2024-10-27T01:00:00Z"));        // 02:00 CET, again
  CHECK(Holds(gap, "2024-10-27T01:59:59Z"));        // 02:59:59 CET
  CHECK_FALSE(Holds(gap, "2024-10-27T02:00:00Z"));  // 03:00 CET
  CHECK_FALSE(Holds(gap, "2024-10-26T23:59:59Z"));  // 01:59:59 CEST
  // Office hours are 08:00-18:00 local whatever the offset.
  Engine office = Window(R"({zone: Europe/Berlin, days: [mon-fri], between: ["08:00", "18:00"]})");
  CHECK(Holds(office, "2024-01-15T07:00:00Z"));        // Monday 08:00 CET
  CHECK(Holds(office, "2024-01-15T16:30:00Z"));        // Monday 17:30 CET
  CHECK_FALSE(Holds(office, "2024-07-15T16:30:00Z"));  // Monday 18:30 CEST
  CHECK_FALSE(Holds(office, "2024-07-15T05:30:00Z"));  // Monday 07:30 CEST
  CHECK_FALSE(Holds(office, "2024-07-13T10:00:00Z"));  // Saturday
}

TEST_CASE("local-time: America/New_York across its DST changes") {
  Engine early = Window(R"({zone: America/New_York, between: ["01:00", "02:00"]})");
  // 2024-03-10: 02:00 EST jumps to 03:00 EDT at 07:00Z.
  CHECK(Holds(early, "2024-03-10T06:59:59Z"));        // 01:59:59 EST
  CHECK_FALSE(Holds(early, "2024-03-10T07:00:00Z"));  // 03:00 EDT
  // 2024-11-03: 02:00 EDT goes back to 01:00 EST at 06:00Z.
  CHECK(Holds(early, "2024-11-03T05:30:00Z"));        // 01:30 EDT
  CHECK(Holds(early, "2024-11-03T06:30:00Z"));        // 01:30 EST
  CHECK_FALSE(Holds(early, "2024-11-03T07:00:00Z"));  // 02:00 EST
  // The same UTC hour is 09:00 local in winter and 10:00 in summer.
  Engine nine = Window(R"({zone: America/New_York, between: ["09:00", "10:00"]})");
  CHECK(Holds(nine, "2024-01-10T14:30:00Z"));
  CHECK_FALSE(Holds(nine, "2024-07-10T14:30:00Z"));
  CHECK(Holds(nine, "2024-07-10T13:30:00Z"));
}

TEST_CASE("local-time: a window with start after end wraps midnight") {
  Engine night = Window(R"({zone: UTC, between: ["22:00", "06:00"]})");
  CHECK(Holds(night, "2024-05-01T22:00:00Z"));
  CHECK(Holds(night, "2024-05-01T23:59:59Z"));
  CHECK(Holds(night, "2024-05-02T00:00:00Z"));
  CHECK(Holds(night, "2024-05-02T05:59:59.999Z"));
  CHECK_FALSE(Holds(night, "2024-05-02T06:00:00Z"));  // the end is excluded
  CHECK_FALSE(Holds(night, "2024-05-01T21:59:59Z"));
  CHECK_FALSE(Holds(night, "2024-05-01T12:00:00Z"));
  Engine evening = Window(R"({zone: UTC, between: ["18:00", "24:00"]})");
  CHECK(Holds(evening, "2024-05-01T23:59:59Z"));
  CHECK_FALSE(Holds(evening, "2024-05-02T00:00:00Z"));
  // days and between are tested on the same local date: Friday night after
  // midnight is Saturday.
  Engine friday_night = Window(R"({zone: UTC, days: [fri], between: ["22:00", "06:00"]})");
  CHECK(Holds(friday_night, "2024-05-03T23:00:00Z"));        // Friday 23:00
  CHECK_FALSE(Holds(friday_night, "2024-05-04T01:00:00Z"));  // Saturday 01:00
  CHECK(Holds(friday_night, "2024-05-03T01:00:00Z"));        // Friday 01:00
}

TEST_CASE("local-time: the weekday is the zone's, not UTC's") {
  // Friday 2024-03-29 23:30Z is Saturday 00:30 in Berlin and Friday 19:30
  // in New York; Saturday 2024-03-30 03:30Z is still Friday in New York.
  Engine berlin = Window(R"({zone: Europe/Berlin, days: [sat, sun]})");
  Engine new_york = Window(R"({zone: America/New_York, days: [sat, sun]})");
  CHECK(Holds(berlin, "2024-03-29T23:30:00Z"));
  CHECK_FALSE(Holds(new_york, "2024-03-29T23:30:00Z"));
  CHECK(Holds(berlin, "2024-03-30T03:30:00Z"));
  CHECK_FALSE(Holds(new_york, "2024-03-30T03:30:00Z"));
  CHECK(Holds(new_york, "2024-03-30T04:00:00Z"));  // Saturday 00:00 EDT
  // Ranges, wrapping ranges and any case.
  Engine fri_mon = Window(R"({zone: UTC, days: [FRI-mon]})");
  CHECK(Holds(fri_mon, "2024-05-03T12:00:00Z"));  // Friday
  CHECK(Holds(fri_mon, "2024-05-06T12:00:00Z"));  // Monday
  CHECK_FALSE(Holds(fri_mon, "2024-05-07T12:00:00Z"));
}

TEST_CASE("local-time: the input's own offset is honoured") {
  Engine berlin = Window(R"({zone: Europe/Berlin, days: [sat], between: ["00:00", "01:00"]})");
  CHECK(Holds(berlin, "2024-03-30T01:30:00+02:00"));   // 2024-03-29T23:30Z
  CHECK(Holds(berlin, "2024-03-29T18:30:00-05:00"));   // the same instant
  CHECK_FALSE(Holds(berlin, "2024-03-30T01:30:00Z"));  // 02:30 CET
}

TEST_CASE("local-time: values that are not timestamp strings never match") {
  Engine any_day = Window(R"({zone: UTC, days: [mon-sun]})");
  PolicySet set = MustCompile(R"(
policies:
  - id: p
    match:
      detail: {t: [{local-time: {zone: UTC, days: [mon-sun]}}]}
)");
  Engine engine(set, testing::RawEvents());  // bare {"detail": ...} events
  for (const char* value : {R"(1711819800)", R"(1711819800000)", R"(true)", R"(null)",
                            R"("2024-03-30")", R"("2024-03-30T17:30:00")", R"("")",
                            R"("yesterday")", R"({"at": "2024-03-30T17:30:00Z"})", R"([])"}) {
    INFO(value);
    CHECK(Matches(engine, std::string(R"({"detail":{"t":)") + value + "}}").empty());
  }
  CHECK(Matches(engine, R"({"detail":{"t":"2024-03-30T17:30:00Z"}})") ==
        std::vector<std::string>{"p"});
  // An array holds when one of its elements does.
  CHECK(Matches(engine, R"({"detail":{"t":[1, "no", "2024-03-30T17:30:00Z"]}})") ==
        std::vector<std::string>{"p"});
  CHECK(Matches(engine, R"({"detail":{}})").empty());
  CHECK(Holds(any_day, "2024-03-30T17:30:00Z"));
}

TEST_CASE("local-time: in except, in $or, beside other values") {
  PolicySet set = MustCompile(R"(
policies:
  - id: outside-change-window
    match:
      source: [demo]
    except:
      - time: [{local-time: {zone: Europe/Berlin, days: [tue], between: ["22:00", "23:00"]}}]
  - id: console-weekend-or-night
    match:
      source: [demo]
      $or:
        - time: [{local-time: {zone: America/New_York, days: [sat, sun]}}]
        - time: [{local-time: {zone: America/New_York, between: ["20:00", "06:00"]}}]
  - id: exact-or-window
    match:
      time: ["2024-01-01T00:00:00Z", {local-time: {zone: Asia/Tokyo, between: ["12:00", "13:00"]}}]
)");
  Engine engine(set);
  // Tuesday 2024-05-07 22:30 CEST = 20:30Z: inside the change window.
  // 16:30 EDT, a Tuesday: neither $or branch.
  CHECK(Matches(engine, At("2024-05-07T20:30:00Z")).empty());
  // Tuesday 23:30 CEST: outside the window, enforced; 17:30 EDT: no.
  CHECK(Matches(engine, At("2024-05-07T21:30:00Z")) ==
        std::vector<std::string>{"outside-change-window"});
  // Saturday: the first $or branch.
  CHECK(Matches(engine, At("2024-05-04T16:00:00Z")) ==
        std::vector<std::string>{"outside-change-window", "console-weekend-or-night"});
  // 2024-05-08 01:00 EDT Wednesday: the second branch.
  CHECK(Matches(engine, At("2024-05-08T05:00:00Z")) ==
        std::vector<std::string>{"outside-change-window", "console-weekend-or-night"});
  // 12:30 in Tokyo (03:30Z), or the exact value.
  CHECK(Matches(engine, R"({"source":"tokyo","detail-type":"d","time":"2024-05-08T03:30:00Z"})") ==
        std::vector<std::string>{"exact-or-window"});
  CHECK(Matches(engine, R"({"source":"tokyo","detail-type":"d","time":"2024-01-01T00:00:00Z"})") ==
        std::vector<std::string>{"exact-or-window"});
}

TEST_CASE("local-time: each test is charged to the per-event bound") {
  EngineOptions o;
  Engine windowed(MustCompile("policies:\n  - id: p\n    match: {time: [{local-time: {zone: UTC, "
                              "days: [mon]}}]}\n"),
                  o);
  Engine prefixed(MustCompile("policies:\n  - id: p\n    match: {time: [{prefix: \"1999\"}]}\n"), o);
  Scratch scratch;
  Decision d;
  const std::string event = At("2024-03-30T17:30:00.123Z");
  REQUIRE(prefixed.Evaluate(event, scratch, &d).ok());
  const std::uint64_t prefix_steps = scratch.last_work().steps;
  REQUIRE(windowed.Evaluate(event, scratch, &d).ok());
  CHECK(scratch.last_work().steps == prefix_steps + 1);  // parse, then the zone lookup
  CHECK(scratch.last_work().scan_bytes == 24);           // the timestamp's bytes
  // A long value is refused by its length: no bytes read.
  REQUIRE(windowed.Evaluate(At(std::string(5000, '2')), scratch, &d).ok());
  CHECK(scratch.last_work().scan_bytes == 0);
  // Over the bound, the event fails naming it.
  std::string yaml = "policies:\n";
  for (int i = 0; i < 50; ++i) {
    yaml += "  - id: p" + std::to_string(i) +
            "\n    match: {time: [{local-time: {zone: Europe/Berlin, days: [mon]}}]}\n";
  }
  o.max_event_steps = 100;
  Engine tight(MustCompile(yaml), o);
  Status st = tight.Evaluate(At("2024-03-30T17:30:00Z"), scratch, &d);
  CHECK(st.code() == StatusCode::kLimitExceeded);
  CHECK(st.message().find("max_event_steps (100)") != std::string::npos);
}

// Diagnostics of `pattern` (a YAML flow mapping for `match`).
std::vector<std::string> Diagnose(const std::string& pattern) {
  Result<PolicySet> set =
      PolicySet::FromString("policies:\n  - id: p\n    match: " + pattern + "\n", "t.yaml");
  std::vector<std::string> out;
  if (set.ok()) return out;
  for (const Diagnostic& d : set.status().diagnostics()) {
    out.push_back(d.location.file + ":" + std::to_string(d.location.line) + ":" +
                  std::to_string(d.location.column) + ": error: " + d.message + " [" + d.code +
                  "]");
  }
  return out;
}

TEST_CASE("local-time: zones come from TZDIR, and an unknown zone says where it looked") {
  namespace fs = std::filesystem;
  const char* old = std::getenv("TZDIR");
  const std::string saved = old ? old : "";
  const fs::path dir = fs::temp_directory_path() / "proact_local_time_tzdir";
  fs::remove_all(dir);
  fs::create_directories(dir / "Europe");
  fs::copy_file("/usr/share/zoneinfo/Europe/Berlin", dir / "Europe/Berlin");
  setenv("TZDIR", dir.c_str(), 1);
  CHECK(Diagnose("{time: [{local-time: {zone: Europe/Berlin, days: [sat]}}]}").empty());
  CHECK(Diagnose("{time: [{local-time: {zone: Europe/Berln, days: [sat]}}]}") ==
        std::vector<std::string>{"t.yaml:3:40: error: unknown time zone 'Europe/Berln' (did you "
                                 "mean 'Europe/Berlin'?) [unknown-time-zone]"});
  CHECK(Diagnose("{time: [{local-time: {zone: Asia/Tokyo, days: [sat]}}]}") ==
        std::vector<std::string>{"t.yaml:3:40: error: unknown time zone 'Asia/Tokyo': no such zone "
                                 "in " + dir.string() + " (write an IANA name such as "
                                 "Europe/Berlin, America/New_York or UTC) [unknown-time-zone]"});
  // No zone data at all (a bare Lambda image): UTC still works.
  fs::remove_all(dir);
  fs::create_directories(dir);
  CHECK(Diagnose("{time: [{local-time: {zone: UTC, days: [sat]}}]}").empty());
  CHECK(Diagnose("{time: [{local-time: {zone: Europe/Berlin, days: [sat]}}]}") ==
        std::vector<std::string>{"t.yaml:3:40: error: unknown time zone 'Europe/Berlin': there is "
                                 "no time-zone data in " + dir.string() + " (install tzdata, or set "
                                 "TZDIR to a zoneinfo folder); only UTC is known without it "
                                 "[unknown-time-zone]"});
  if (old) {
    setenv("TZDIR", saved.c_str(), 1);
  } else {
    unsetenv("TZDIR");
  }
  fs::remove_all(dir);
}

TEST_CASE("local-time: names that are not IANA zones never reach the zone loader") {
  for (const char* zone : {"localtime", "/etc/localtime", "../zoneinfo/UTC", "posixrules",
                           "file:/usr/share/zoneinfo/UTC", "Europe/../Europe/Berlin", "europe/berlin"}) {
    INFO(zone);
    std::vector<std::string> d =
        Diagnose(std::string("{time: [{local-time: {zone: \"") + zone + "\", days: [sat]}}]}");
    REQUIRE(d.size() == 1);
    CHECK(d[0].find("[unknown-time-zone]") != std::string::npos);
  }
  // A misspelling suggests the zone: by case, by spelling, by city.
  CHECK(Diagnose("{time: [{local-time: {zone: europe/berlin, days: [sat]}}]}")[0].find(
            "(did you mean 'Europe/Berlin'?)") != std::string::npos);
  CHECK(Diagnose("{time: [{local-time: {zone: New York, days: [sat]}}]}")[0].find(
            "(did you mean 'America/New_York'?)") != std::string::npos);
  CHECK(Diagnose("{time: [{local-time: {zone: Tokio, days: [sat]}}]}")[0].find(
            "(did you mean 'Asia/Tokyo'?)") != std::string::npos);
}

TEST_CASE("local-time: anything-but cannot wrap it, and says what to write") {
  CHECK(Diagnose("{time: [{anything-but: {local-time: {zone: UTC, days: [sat]}}}]}") ==
        std::vector<std::string>{
            "t.yaml:3:36: error: 'anything-but' cannot wrap 'local-time': to match outside a time "
            "window, put the window in 'except', or write the window that is left (between: "
            "[\"18:00\", \"08:00\"] is outside 08:00-18:00) [bad-anything-but]"});
}

}  // namespace
}  // namespace proact
