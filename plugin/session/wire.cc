#include "plugin/session/wire.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "services/homework/connect/connect_errors.h"
#include "services/homework/core/formats/json/proto_json.h"

namespace therapy::homework::live_session {
namespace {

using nlohmann::json;

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

// A required or optional string member; `max` characters at most.
absl::Status ReadString(const json& body, const char* field, bool required, size_t max,
                        std::string* out) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) {
    return required ? Invalid(field, "required") : absl::OkStatus();
  }
  if (!it->is_string()) return Invalid(field, "must be a string");
  std::string value = it->get<std::string>();
  if (required && value.empty()) return Invalid(field, "required");
  if (value.size() > max) return Invalid(field, absl::StrCat("at most ", max, " characters"));
  *out = std::move(value);
  return absl::OkStatus();
}

// Whether `name` is `practices/{practice}/sessions/{session}`, each id 1-63 of [A-Za-z0-9._-]
// (the service checks the ids' own rules; this keeps anything else out of the plugin).
bool IsSessionName(absl::string_view name) {
  const std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "practices" || parts[2] != "sessions") return false;
  for (absl::string_view id : {parts[1], parts[3]}) {
    if (id.empty() || id.size() > 63) return false;
    for (char c : id) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
        return false;
      }
    }
  }
  return true;
}

absl::Status ParseBody(const json& body, PluginRequest* request) {
  std::string kind;
  if (absl::Status s = ReadString(body, "request", true, 32, &kind); !s.ok()) return s;
  if (kind == "join") {
    request->kind = RequestKind::kJoin;
    if (absl::Status s = ReadString(body, "session", true, 256, &request->session); !s.ok()) {
      return s;
    }
    if (!IsSessionName(request->session)) {
      return Invalid("session", "must be practices/{practice}/sessions/{session}");
    }
    if (absl::Status s = ReadString(body, "client", true, 256, &request->client); !s.ok()) {
      return s;
    }
    if (absl::Status s = ReadString(body, "token", true, 8192, &request->token); !s.ok()) {
      return s;
    }
    return ReadString(body, "display", false, 128, &request->display);
  }
  if (kind == "token") {
    request->kind = RequestKind::kToken;
    return ReadString(body, "token", true, 8192, &request->token);
  }
  if (kind == "call") {
    request->kind = RequestKind::kCall;
    if (absl::Status s = ReadString(body, "method", true, 64, &request->method); !s.ok()) return s;
    auto it = body.find("body");
    if (it == body.end() || it->is_null()) {
      request->body_json = "{}";
    } else if (it->is_object()) {
      request->body_json = it->dump();
    } else {
      return Invalid("body", "must be an object (the request as protobuf JSON)");
    }
    return absl::OkStatus();
  }
  if (kind == "leave") {
    request->kind = RequestKind::kLeave;
    return absl::OkStatus();
  }
  return Invalid("request", "must be join, token, call or leave");
}

json ParticipantJson(const Participant& participant) {
  return json{{"subject", participant.subject},
              {"role", RoleName(participant.role)},
              {"display", participant.display}};
}

json ParticipantsJson(const std::vector<Participant>& participants) {
  json list = json::array();
  for (const Participant& p : participants) list.push_back(ParticipantJson(p));
  return list;
}

std::string WithId(json event, const std::string& id) {
  if (!id.empty()) event["id"] = id;
  return event.dump();
}

}  // namespace

const char* RoleName(Role role) { return role == Role::kTherapist ? "therapist" : "client"; }

absl::Status ParseRequest(absl::string_view body_text, PluginRequest* request) {
  json body = json::parse(body_text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return Invalid("body", "must be a JSON object");
  }
  if (absl::Status s = ReadString(body, "id", false, 64, &request->id); !s.ok()) return s;
  return ParseBody(body, request);
}

std::string ErrorEvent(const std::string& id, const absl::Status& status) {
  json event = ConnectErrorObject(status);
  event["homework"] = "error";
  // Replacement of invalid UTF-8 instead of an exception: messages may quote a page's input.
  if (!id.empty()) event["id"] = id;
  return event.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string AckEvent(const std::string& id) { return WithId(json{{"homework", "ack"}}, id); }

std::string ResultEvent(const std::string& id, const std::string& method,
                        const std::string& body_json) {
  json body = json::parse(body_json, nullptr, false);
  if (body.is_discarded()) body = json::object();
  return WithId(json{{"homework", "result"}, {"method", method}, {"body", std::move(body)}}, id);
}

std::string JoinedEvent(const std::string& id, const Membership& you,
                        const SessionMembers& members) {
  return WithId(json{{"homework", "joined"},
                     {"session", you.session},
                     {"client", you.client},
                     {"you", ParticipantJson(you.participant)},
                     {"participants", ParticipantsJson(members.participants)}},
                id);
}

std::string PresenceEvent(const std::vector<Participant>& participants) {
  return json{{"homework", "presence"}, {"participants", ParticipantsJson(participants)}}.dump();
}

std::string RelayedEvent(const therapy::homework::v1::Event& event) {
  // The event's protobuf JSON spliced in as printed (it may carry an assignment), not parsed
  // and written again.
  absl::StatusOr<std::string> body = therapy::homework::MessageToJson(event);
  return absl::StrCat(R"({"homework":"event","event":)", body.ok() ? *body : "{}", "}");
}

}  // namespace therapy::homework::live_session
