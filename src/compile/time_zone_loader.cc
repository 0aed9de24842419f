#include "compile/time_zone_loader.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "load/diagnostic_sink.h"
#include "util/environment.h"
#include "util/strings.h"

namespace proact::internal {
namespace {

namespace fs = std::filesystem;

// One path component of an IANA zone name: an upper-case letter, then
// letters, digits, '_', '+' or '-'.
bool ZoneComponent(std::string_view c) {
  if (c.empty() || c[0] < 'A' || c[0] > 'Z') return false;
  return std::all_of(c.begin(), c.end(), [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '+' || ch == '-';
  });
}

bool ZoneShaped(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  while (true) {
    std::size_t slash = name.find('/');
    if (!ZoneComponent(name.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    name.remove_prefix(slash + 1);
  }
}

// The last path component.
std::string_view City(std::string_view name) {
  std::size_t slash = name.rfind('/');
  return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

}  // namespace

std::string TimeZoneDir() {
  const char* dir = internal::GetEnv("TZDIR");
  return dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo";
}

bool LoadTimeZone(std::string_view name, cctz::time_zone* zone) {
  if (name == "UTC") {
    *zone = cctz::utc_time_zone();
    return true;
  }
  if (!ZoneShaped(name)) return false;
  std::error_code ec;
  if (!fs::is_regular_file(fs::path(TimeZoneDir()) / std::string(name), ec)) return false;
  return cctz::load_time_zone(std::string(name), zone);
}

std::vector<std::string> ListTimeZones() {
  std::vector<std::string> names;
  std::error_code ec;
  const fs::path root = TimeZoneDir();
  fs::recursive_directory_iterator it(root, ec), end;
  // posix/ and right/ repeat every zone; lower-case entries (localtime,
  // posixrules, *.tab) are not zones.
  for (; !ec && it != end; it.increment(ec)) {
    std::string leaf = it->path().filename().string();
    if (!ZoneComponent(leaf)) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it.depth() > 3) continue;
    if (!it->is_regular_file(ec)) continue;
    std::string rel = it->path().lexically_relative(root).generic_string();
    if (ZoneShaped(rel)) names.push_back(std::move(rel));
    if (names.size() >= 4096) break;
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string UnknownTimeZoneMessage(std::string_view name) {
  std::string out = "unknown time zone '" + std::string(name) + "'";
  if (name == "localtime") {
    return out + ": 'localtime' would be the zone of whichever machine runs the policy; name the "
                 "zone, e.g. Europe/Berlin";
  }
  const std::vector<std::string> zones = ListTimeZones();
  if (zones.empty()) {
    return out + ": there is no time-zone data in " + TimeZoneDir() +
           " (install tzdata, or set TZDIR to a zoneinfo folder); only UTC is known without it";
  }
  std::string wanted = AsciiLower(std::string(name));
  std::replace(wanted.begin(), wanted.end(), ' ', '_');
  std::string suggestion;
  for (const std::string& z : zones) {  // another case, or spaces for '_'
    if (AsciiLower(z) == wanted) suggestion = z;
  }
  if (suggestion.empty()) {
    std::vector<std::string_view> candidates(zones.begin(), zones.end());
    suggestion = DidYouMean(name, candidates);
  }
  if (suggestion.empty()) {  // the city without its region, or misspelt
    std::vector<std::string_view> cities;
    for (const std::string& z : zones) cities.push_back(City(z));
    for (const std::string& z : zones) {
      if (AsciiLower(std::string(City(z))) == AsciiLower(std::string(City(wanted)))) {
        suggestion = z;
        break;
      }
    }
    if (suggestion.empty()) {
      std::string near = DidYouMean(City(name), cities);
      for (const std::string& z : zones) {
        if (!near.empty() && City(z) == near) {
          suggestion = z;
          break;
        }
      }
    }
  }
  if (!suggestion.empty()) return out + " (did you mean '" + suggestion + "'?)";
  return out + ": no such zone in " + TimeZoneDir() +
         " (write an IANA name such as Europe/Berlin, America/New_York or UTC)";
}

}  // namespace proact::internal
