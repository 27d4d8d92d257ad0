#ifndef SERVICES_HOMEWORK_CORE_MODEL_TIME_ZONE_H_
#define SERVICES_HOMEWORK_CORE_MODEL_TIME_ZONE_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace therapy::homework {

// The one rule for the time zones the service accepts and loads (a client's, a completion's):
// a name from the IANA tz database, such as "Europe/Berlin", "America/Argentina/Buenos_Aires",
// "UTC" or "Etc/GMT+5", that the system's zoneinfo can load. Refused, though the zoneinfo loader
// would open them: file paths ("/etc/localtime", "../x"), the zoneinfo folder's own entries that
// are not zones ("localtime", "posixrules", "posix/...", "right/..."), POSIX TZ strings, names
// with control characters or NUL, anything over 64 bytes, and any name the system's tz
// database (/usr/share/zoneinfo/tzdata.zi) does not list.
std::optional<absl::TimeZone> LoadIanaTimeZone(absl::string_view name);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_MODEL_TIME_ZONE_H_
