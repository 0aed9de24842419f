// TimeZoneLoader: IANA time zones for the `local-time` extension, loaded
// when policies are compiled.
//
// Zone data comes from the IANA zone files (TZif) under TZDIR when it is
// set, else /usr/share/zoneinfo (the directory CCTZ reads). Only names
// shaped like IANA zone names are looked up (components starting with an
// upper-case letter: "Europe/Berlin", "Etc/GMT+5"), and only when their
// file exists: "localtime" (the host's own zone), absolute paths and
// "../" never reach CCTZ, and neither does a misspelt name (CCTZ keeps every
// name it is asked for in a process-wide cache). "UTC" needs no file.
#ifndef PROACT_SRC_COMPILE_TIME_ZONE_LOADER_H_
#define PROACT_SRC_COMPILE_TIME_ZONE_LOADER_H_

#include <string>
#include <string_view>
#include <vector>

#include <cctz/time_zone.h>

namespace proact::internal {

// The folder zone files are read from: $TZDIR if set and not empty, else
// /usr/share/zoneinfo.
std::string TimeZoneDir();

// Loads zone `name`. Returns false when it is not an IANA-shaped name, has
// no file in TimeZoneDir(), or its file is not a valid zone file.
bool LoadTimeZone(std::string_view name, cctz::time_zone* zone);

// The zone names TimeZoneDir() holds (sorted; empty when it is missing).
std::vector<std::string> ListTimeZones();

// The message for a zone `name` that LoadTimeZone refused: "unknown time
// zone 'X'" with a did-you-mean among ListTimeZones() (same name in another
// case, a near spelling, or the city under its region: "Berlin" →
// "Europe/Berlin"), else where zones were looked for and examples of names.
std::string UnknownTimeZoneMessage(std::string_view name);

}  // namespace proact::internal

#endif  // PROACT_SRC_COMPILE_TIME_ZONE_LOADER_H_
