#include "services/homework/core/time_zone.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace therapy::homework {
namespace {

// The tz database's naming rules (tz-link.html, "Names of timezones"), widened for the legacy
// names it still carries (digits and '+' as in "EST5EDT" and "Etc/GMT+5"): components of ASCII
// letters, digits, '.', '_', '-', '+', each starting with a letter, none "." or "..".
bool HasIanaSyntax(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (absl::string_view component : absl::StrSplit(name, '/')) {
    if (component.empty() || !absl::ascii_isalpha(static_cast<unsigned char>(component[0]))) {
      return false;
    }
    for (char c : component) {
      const bool allowed = absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
                           c == '_' || c == '-' || c == '+';
      if (!allowed) return false;
    }
  }
  return true;
}

// Entries of a zoneinfo folder that load but are not names of the tz database.
bool IsZoneinfoArtefact(absl::string_view name) {
  return name == "localtime" || name == "posixrules" || absl::StartsWith(name, "posix/") ||
         absl::StartsWith(name, "right/");
}

}  // namespace

std::optional<absl::TimeZone> LoadIanaTimeZone(absl::string_view name) {
  if (!HasIanaSyntax(name) || IsZoneinfoArtefact(name)) return std::nullopt;
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(std::string(name), &zone)) return std::nullopt;
  return zone;
}

}  // namespace therapy::homework
