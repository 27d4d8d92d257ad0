#include "plugin/janus/plugin_options.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace therapy::homework::janus_plugin {
namespace {

absl::Status BadItem(const std::string& name, const std::string& value, const char* expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("general.", name, ": \"", value, "\" is not ", expected));
}

}  // namespace

absl::StatusOr<PluginOptions> OptionsFromSettings(const std::map<std::string, std::string>& items) {
  PluginOptions options;
  for (const auto& [name, value] : items) {
    if (name == "service_address") {
      if (value.empty()) return BadItem(name, value, "a host:port");
      options.service_address = value;
    } else if (name == "tls") {
      if (value == "true" || value == "yes") {
        options.tls = true;
      } else if (value == "false" || value == "no") {
        options.tls = false;
      } else {
        return BadItem(name, value, "true or false");
      }
    } else if (name == "ca_file") {
      options.ca_file = value;
    } else if (name == "call_deadline_ms") {
      int milliseconds = 0;
      if (!absl::SimpleAtoi(value, &milliseconds) || milliseconds < 1 || milliseconds > 600000) {
        return BadItem(name, value, "a number of milliseconds in 1-600000");
      }
      options.call_deadline = absl::Milliseconds(milliseconds);
    } else if (name == "workers") {
      int workers = 0;
      if (!absl::SimpleAtoi(value, &workers) || workers < 1 || workers > 64) {
        return BadItem(name, value, "a number of threads in 1-64");
      }
      options.workers = workers;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("general.", name, ": unknown setting"));
    }
  }
  return options;
}

}  // namespace therapy::homework::janus_plugin
