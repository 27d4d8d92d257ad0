#ifndef INTEGRATION_TESTS_JANUS_JANUS_CLIENT_H_
#define INTEGRATION_TESTS_JANUS_JANUS_CLIENT_H_

// The real Janus in a child process, and a minimal client of its JSON API over the WebSocket
// transport (RFC 6455 text frames, subprotocol janus-protocol), for the plugin's integration test.

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "testing/child_process.h"
#include "testing/scratch_dir.h"

namespace therapy::homework::testing {

// Where Janus and our plugin are on this machine.
struct JanusPaths {
  std::string janus_binary;          // /usr/bin/janus
  std::string transports_folder;     // holds libjanus_websockets.so
  std::string plugin_library;        // our libjanus_homework.so
  std::string plugin_sample_config;  // plugin/janus/janus.plugin.homework.jcfg.sample
};

// Janus started from a private config folder in its own temporary folder: the plugins folder
// holds only our plugin, the transports folder only the WebSocket transport (on a free loopback
// port), no HTTP transport, no event handlers, no system config. The plugin's config is the
// sample with `service_address` pointing at the service under test. Stopped by its PID.
class JanusProcess {
 public:
  static absl::StatusOr<std::unique_ptr<JanusProcess>> Start(const JanusPaths& paths,
                                                             const std::string& service_address);
  JanusProcess(const JanusProcess&) = delete;
  JanusProcess& operator=(const JanusProcess&) = delete;
  // Stops Janus (SIGTERM, then SIGKILL) if it still runs.
  ~JanusProcess();

  // SIGTERM and wait for the exit; OK for exit code 0.
  absl::Status Stop(absl::Duration timeout = absl::Seconds(10));

  // SIGKILL to the PID this process started, and wait for it to be gone: a crash, with no
  // chance for the plugin to tidy up. OK once reaped.
  absl::Status Kill();

  int port() const { return port_; }
  std::string LogTail(int max_lines = 40) const;

 private:
  JanusProcess(ScratchDir dir, std::string log_path, int port, ChildProcess child)
      : dir_(std::move(dir)),
        log_path_(std::move(log_path)),
        port_(port),
        child_(std::move(child)) {}

  ScratchDir dir_;
  std::string log_path_;
  int port_;
  ChildProcess child_;  // stopped before dir_ is removed
};

// One WebSocket connection speaking the Janus API: one Janus session, one handle attached to
// janus.plugin.homework. Not thread-safe.
class JanusClient {
 public:
  static absl::StatusOr<std::unique_ptr<JanusClient>> Connect(int port);
  JanusClient(const JanusClient&) = delete;
  JanusClient& operator=(const JanusClient&) = delete;
  ~JanusClient();

  // `create`, then `attach` to `plugin`.
  absl::Status CreateSessionAndAttach(const std::string& plugin = "janus.plugin.homework");

  // Sends a plugin message body (`janus: message`); OK once Janus acks it.
  absl::Status SendBody(const nlohmann::json& body);

  // The next plugin event body (`plugindata.data`) matching `match`, waiting up to `timeout`.
  // Events that do not match are kept for later calls.
  std::optional<nlohmann::json> WaitFor(const std::function<bool(const nlohmann::json&)>& match,
                                        absl::Duration timeout = absl::Seconds(10));

  // Sends `body` with a fresh `id` and waits for the answer carrying that id.
  std::optional<nlohmann::json> Request(nlohmann::json body,
                                        absl::Duration timeout = absl::Seconds(10));

  // Every plugin event body received and not taken by WaitFor yet (reads what is pending).
  std::deque<nlohmann::json> Pending(absl::Duration settle = absl::Milliseconds(0));

 private:
  explicit JanusClient(int fd) : fd_(fd) {}

  absl::Status SendText(const std::string& text);
  // One text message, or nullopt at the deadline or when the connection ends.
  std::optional<std::string> ReadText(absl::Time deadline);
  // A Janus API reply with `transaction`, keeping plugin events seen meanwhile.
  absl::StatusOr<nlohmann::json> Transact(nlohmann::json request, absl::Duration timeout);
  // Files a Janus message: plugin events into events_, others into replies_.
  void File(const std::string& text);

  int fd_;
  std::string buffer_;
  uint64_t session_id_ = 0;
  uint64_t handle_id_ = 0;
  int next_transaction_ = 1;
  int next_id_ = 1;
  std::deque<nlohmann::json> events_;
  std::deque<nlohmann::json> replies_;
};

}  // namespace therapy::homework::testing

#endif  // INTEGRATION_TESTS_JANUS_JANUS_CLIENT_H_
