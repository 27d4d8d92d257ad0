#ifndef PLUGIN_JANUS_PLUGIN_OPTIONS_H_
#define PLUGIN_JANUS_PLUGIN_OPTIONS_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "plugin/session/session_engine.h"

namespace therapy::homework::janus_plugin {

// What janus.plugin.homework.jcfg configures (docs/janus-plugin-protocol.md, "Configuration").
struct PluginOptions {
  // The homework service's gRPC listener, "host:port".
  std::string service_address = "127.0.0.1:50051";
  // TLS to the service, trusting `ca_file` (PEM), or the system roots when it is empty.
  bool tls = false;
  std::string ca_file;
  // The deadline of each unary call to the service.
  absl::Duration call_deadline = absl::Seconds(5);
  // Threads that run requests off Janus's threads, 1-64.
  int workers = 4;
};

// The options from the `general` category's items as the config file spells them
// (service_address, tls, ca_file, call_deadline_ms, workers); missing items keep their
// defaults. An unknown item or a bad value is INVALID_ARGUMENT naming the item.
absl::StatusOr<PluginOptions> OptionsFromSettings(const std::map<std::string, std::string>& items);

// How the plugin runs the live-session engine.
inline live_session::EngineOptions EngineOptionsOf(const PluginOptions& options) {
  return {.call_deadline = options.call_deadline, .workers = options.workers};
}

// The engine's names the plugin uses.
using live_session::EventSink;
using live_session::HandleId;
using live_session::SessionEngine;

}  // namespace therapy::homework::janus_plugin

#endif  // PLUGIN_JANUS_PLUGIN_OPTIONS_H_
