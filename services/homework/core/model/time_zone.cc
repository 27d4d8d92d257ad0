#include "services/homework/core/model/time_zone.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
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

// Entries of a zoneinfo folder that load but are not places people live in.
bool IsZoneinfoArtefact(absl::string_view name) {
  return name == "localtime" || name == "posixrules" || name == "Factory" ||
         absl::StartsWith(name, "posix/") || absl::StartsWith(name, "right/");
}

// The zone and link names of the system's tz database (its tzdata.zi: "Z <name> ..." and
// "L <target> <name>" lines), read once; empty when the file is missing. Checked before a name
// reaches absl::LoadTimeZone, which caches every name it is asked for, loaded or not: without
// the list, made-up names would grow that cache for as long as the process runs.
const absl::flat_hash_set<std::string>& TzDatabaseNames() {
  static const auto* const names = [] {
    auto* set = new absl::flat_hash_set<std::string>();
    std::ifstream file("/usr/share/zoneinfo/tzdata.zi");
    for (std::string line; std::getline(file, line);) {
      std::vector<absl::string_view> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (words.size() >= 2 && words[0] == "Z") set->emplace(words[1]);
      if (words.size() >= 3 && words[0] == "L") set->emplace(words[2]);
    }
    return set;
  }();
  return *names;
}

}  // namespace

std::optional<absl::TimeZone> LoadIanaTimeZone(absl::string_view name) {
  // A review reads the zone of every completion, nearly always the same one: each thread keeps
  // the last zone it loaded, so those reads skip the checks, the set and absl's locked cache.
  thread_local std::string last_name;
  thread_local std::optional<absl::TimeZone> last_zone;
  if (last_zone.has_value() && name == last_name) return last_zone;
  if (!HasIanaSyntax(name) || IsZoneinfoArtefact(name)) return std::nullopt;
  const absl::flat_hash_set<std::string>& known = TzDatabaseNames();
  if (!known.empty() && !known.contains(name)) return std::nullopt;
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(std::string(name), &zone)) return std::nullopt;
  last_name = std::string(name);
  last_zone = zone;
  return zone;
}

}  // namespace therapy::homework
