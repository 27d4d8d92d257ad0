#ifndef PLUGIN_SESSION_WIRE_H_
#define PLUGIN_SESSION_WIRE_H_

// The one conversion between the plugin's JSON message bodies (docs/janus-plugin-protocol.md)
// and typed requests and events. Nothing here talks to Janus or the network.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "plugin/session/session_registry.h"
#include "therapy/homework/v1/event.pb.h"

namespace therapy::homework::live_session {

enum class RequestKind { kJoin, kToken, kCall, kLeave };

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
};

// Parses and validates a message body. `request->id` is set as soon as the body has a valid
// `id`, so even a failure can be answered to the right request. Errors are INVALID_ARGUMENT
// with a message naming the field (never echoing the value), e.g.
// "session: must be practices/{practice}/sessions/{session}".
absl::Status ParseRequest(absl::string_view body, PluginRequest* request);

// Answers and events, as JSON text ready for push_event. ErrorEvent shows the service's details
// that client::FromGrpcStatus kept (services/homework/client/rpc_status.h).
std::string ErrorEvent(const std::string& id, const absl::Status& status);
std::string AckEvent(const std::string& id);
std::string ResultEvent(const std::string& id, const std::string& method,
                        const std::string& body_json);
// `members`: everyone in the session after the join, `you` among them.
std::string JoinedEvent(const std::string& id, const Membership& you,
                        const SessionMembers& members);
std::string PresenceEvent(const std::vector<Participant>& participants);
std::string RelayedEvent(const therapy::homework::v1::Event& event);

// "therapist" or "client".
const char* RoleName(Role role);

}  // namespace therapy::homework::live_session

#endif  // PLUGIN_SESSION_WIRE_H_
