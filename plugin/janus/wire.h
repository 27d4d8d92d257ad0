#ifndef PLUGIN_JANUS_WIRE_H_
#define PLUGIN_JANUS_WIRE_H_

// The one conversion between the plugin's JSON message bodies (docs/janus-plugin-protocol.md)
// and typed requests and events. Nothing here talks to Janus or the network.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "plugin/janus/session_registry.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/event.pb.h"

namespace therapy::homework::janus_plugin {

enum class RequestKind { kJoin, kToken, kCall, kDraft, kAssign, kDiscard, kEnd, kLeave };

// One request from a page. Which fields are set depends on `kind`.
struct PluginRequest {
  RequestKind kind = RequestKind::kLeave;
  std::string id;  // echoed in the answer; may be empty
  // join: session, client, token, display. token: token.
  std::string session;
  std::string client;
  std::string token;
  std::string display;
  // call: the method's name and its request as protobuf JSON text.
  std::string method;
  std::string body_json;
  // draft: draft_id (empty to create), version, assignment. assign, discard: draft_id.
  std::string draft_id;
  int64_t version = 0;
  therapy::homework::v1::Assignment assignment;
};

// Parses and validates a message body. `request->id` is set as soon as the body has a valid
// `id`, so even a failure can be answered to the right request. Errors are INVALID_ARGUMENT
// with a message naming the field, e.g. "session: must be 1-64 of [A-Za-z0-9._-]".
absl::Status ParseRequest(absl::string_view body, PluginRequest* request);

// Answers and events, as JSON text ready for push_event.
// `current_draft`: for an ABORTED draft change, the draft as it is now.
std::string ErrorEvent(const std::string& id, const absl::Status& status,
                       const Draft* current_draft = nullptr);
std::string AckEvent(const std::string& id);
std::string DraftAckEvent(const std::string& id, const Draft& draft);
std::string ResultEvent(const std::string& id, const std::string& method,
                        const std::string& body_json);
std::string JoinedEvent(const std::string& id, const JoinOutcome& joined);
std::string PresenceEvent(const std::vector<Participant>& participants);
std::string DraftEvent(const Draft& draft);
std::string DraftRemovedEvent(const std::string& draft_id, const std::string& reason);
std::string AssignedEvent(const therapy::homework::v1::Assignment& assignment);
std::string RelayedEvent(const therapy::homework::v1::Event& event);
std::string SummaryEvent(const SessionSummary& summary);

// "therapist" or "client".
const char* RoleName(Role role);

// A message as protobuf JSON (camelCase names) embedded as a JSON value.
nlohmann::json MessageJson(const google::protobuf::Message& message);

// The status of a failed service call: code and message, with the call's serialized
// google.rpc.Status (grpc::Status::error_details) kept as a payload so ErrorEvent can show
// its details.
absl::Status StatusWithRpcDetails(absl::StatusCode code, absl::string_view message,
                                  const std::string& rpc_status_details);

}  // namespace therapy::homework::janus_plugin

#endif  // PLUGIN_JANUS_WIRE_H_
