#include "plugin/janus/wire.h"

#include <google/protobuf/any.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace therapy::homework::janus_plugin {
namespace {

using nlohmann::json;

constexpr char kRpcStatusPayload[] = "type.googleapis.com/google.rpc.Status";

// The detail types the service sends, named here so their descriptors are linked into the
// plugin (a static library's object is linked only when referenced) and print as JSON.
[[maybe_unused]] const google::protobuf::Descriptor* const kKnownDetails[] = {
    google::rpc::BadRequest::descriptor(),
};

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

// A required or optional string member; `max` characters at most.
// `label` names the field in errors (default: `field`).
absl::Status ReadString(const json& body, const char* field, bool required, size_t max,
                        std::string* out, const char* label = nullptr) {
  auto it = body.find(field);
  if (label != nullptr) field = label;
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

bool IsSessionId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

absl::Status ParseDraft(const json& body, PluginRequest* request) {
  auto draft = body.find("draft");
  if (draft == body.end() || !draft->is_object()) return Invalid("draft", "required object");
  if (absl::Status s = ReadString(*draft, "id", false, 64, &request->draft_id, "draft.id");
      !s.ok()) {
    return s;
  }
  auto version = draft->find("version");
  if (version != draft->end() && !version->is_null()) {
    if (!version->is_number_integer() || version->get<int64_t>() < 0) {
      return Invalid("draft.version", "must be a whole number, 0 or more");
    }
    request->version = version->get<int64_t>();
  }
  auto assignment = draft->find("assignment");
  if (assignment == draft->end() || !assignment->is_object()) {
    return Invalid("draft.assignment", "required object (an Assignment as protobuf JSON)");
  }
  google::protobuf::util::JsonParseOptions options;
  const auto parsed = google::protobuf::util::JsonStringToMessage(assignment->dump(),
                                                                  &request->assignment, options);
  if (!parsed.ok()) return Invalid("draft.assignment", parsed.message().ToString());
  return absl::OkStatus();
}

absl::Status ParseBody(const json& body, PluginRequest* request) {
  std::string kind;
  if (absl::Status s = ReadString(body, "request", true, 32, &kind); !s.ok()) return s;
  if (kind == "join") {
    request->kind = RequestKind::kJoin;
    if (absl::Status s = ReadString(body, "session", true, 64, &request->session); !s.ok()) {
      return s;
    }
    if (!IsSessionId(request->session)) return Invalid("session", "must be 1-64 of [A-Za-z0-9._-]");
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
  if (kind == "draft") {
    request->kind = RequestKind::kDraft;
    return ParseDraft(body, request);
  }
  if (kind == "assign" || kind == "discard") {
    request->kind = kind == "assign" ? RequestKind::kAssign : RequestKind::kDiscard;
    return ReadString(body, "draft", true, 64, &request->draft_id);
  }
  if (kind == "end") {
    request->kind = RequestKind::kEnd;
    return absl::OkStatus();
  }
  if (kind == "leave") {
    request->kind = RequestKind::kLeave;
    return absl::OkStatus();
  }
  return Invalid("request", absl::StrCat("unknown request \"", kind,
                                         "\" (join, token, call, draft, assign, discard, end, "
                                         "leave)"));
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

json DraftJson(const Draft& draft) {
  return json{{"id", draft.id},
              {"version", draft.version},
              {"assignment", MessageJson(draft.assignment)},
              {"updatedBy",
               {{"subject", draft.updated_by_subject}, {"role", RoleName(draft.updated_by_role)}}}};
}

// The details of a service error as JSON objects with "@type"; empty when there are none.
json DetailsJson(const absl::Status& status) {
  json details = json::array();
  absl::optional<absl::Cord> payload = status.GetPayload(kRpcStatusPayload);
  if (!payload) return details;
  google::rpc::Status rpc_status;
  if (!rpc_status.ParseFromString(std::string(*payload))) return details;
  for (const google::protobuf::Any& any : rpc_status.details()) {
    std::string text;
    if (google::protobuf::util::MessageToJsonString(any, &text).ok()) {
      details.push_back(json::parse(text, nullptr, false));
    } else {  // a type this plugin does not know: the bytes, as Connect sends them
      details.push_back(
          json{{"@type", any.type_url()}, {"value", absl::Base64Escape(any.value())}});
    }
  }
  return details;
}

std::string WithId(json event, const std::string& id) {
  if (!id.empty()) event["id"] = id;
  return event.dump();
}

}  // namespace

const char* RoleName(Role role) { return role == Role::kTherapist ? "therapist" : "client"; }

nlohmann::json MessageJson(const google::protobuf::Message& message) {
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(message, &text).ok()) return json::object();
  return json::parse(text, nullptr, false);
}

absl::Status ParseRequest(absl::string_view body_text, PluginRequest* request) {
  json body = json::parse(body_text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return Invalid("body", "must be a JSON object");
  }
  if (absl::Status s = ReadString(body, "id", false, 64, &request->id); !s.ok()) return s;
  return ParseBody(body, request);
}

absl::Status StatusWithRpcDetails(absl::StatusCode code, absl::string_view message,
                                  const std::string& rpc_status_details) {
  absl::Status status(code, message);
  if (!rpc_status_details.empty()) {
    status.SetPayload(kRpcStatusPayload, absl::Cord(rpc_status_details));
  }
  return status;
}

std::string ErrorEvent(const std::string& id, const absl::Status& status,
                       const Draft* current_draft) {
  json event{{"homework", "error"},
             {"code", absl::AsciiStrToLower(absl::StatusCodeToString(status.code()))},
             {"message", std::string(status.message())},
             {"details", DetailsJson(status)}};
  if (current_draft != nullptr) event["draft"] = DraftJson(*current_draft);
  return WithId(std::move(event), id);
}

std::string AckEvent(const std::string& id) { return WithId(json{{"homework", "ack"}}, id); }

std::string DraftAckEvent(const std::string& id, const Draft& draft) {
  return WithId(json{{"homework", "ack"}, {"draft", DraftJson(draft)}}, id);
}

std::string ResultEvent(const std::string& id, const std::string& method,
                        const std::string& body_json) {
  json body = json::parse(body_json, nullptr, false);
  if (body.is_discarded()) body = json::object();
  return WithId(json{{"homework", "result"}, {"method", method}, {"body", std::move(body)}}, id);
}

std::string JoinedEvent(const std::string& id, const JoinOutcome& joined) {
  json drafts = json::array();
  for (const Draft& draft : joined.drafts) drafts.push_back(DraftJson(draft));
  return WithId(json{{"homework", "joined"},
                     {"session", joined.session},
                     {"client", joined.client},
                     {"you", ParticipantJson(joined.you)},
                     {"participants", ParticipantsJson(joined.participants)},
                     {"drafts", std::move(drafts)}},
                id);
}

std::string PresenceEvent(const std::vector<Participant>& participants) {
  return json{{"homework", "presence"}, {"participants", ParticipantsJson(participants)}}.dump();
}

std::string DraftEvent(const Draft& draft) {
  return json{{"homework", "draft"}, {"draft", DraftJson(draft)}}.dump();
}

std::string DraftRemovedEvent(const std::string& draft_id, const std::string& reason) {
  return json{{"homework", "draft_removed"}, {"draft", draft_id}, {"reason", reason}}.dump();
}

std::string AssignedEvent(const therapy::homework::v1::Assignment& assignment) {
  return json{{"homework", "assigned"}, {"assignment", MessageJson(assignment)}}.dump();
}

std::string RelayedEvent(const therapy::homework::v1::Event& event) {
  return json{{"homework", "event"}, {"event", MessageJson(event)}}.dump();
}

std::string SummaryEvent(const SessionSummary& summary) {
  json assigned = json::array();
  for (const AssignedRecord& record : summary.assigned) {
    assigned.push_back(json{{"name", record.name}, {"title", record.title}});
  }
  return json{{"homework", "summary"},
              {"session", summary.session},
              {"client", summary.client},
              {"assigned", std::move(assigned)},
              {"reviewed", summary.reviewed},
              {"draftsDiscarded", summary.drafts_discarded},
              {"endTime", google::protobuf::util::TimeUtil::ToString(
                              google::protobuf::util::TimeUtil::SecondsToTimestamp(
                                  absl::ToUnixSeconds(summary.end_time)))}}
      .dump();
}

}  // namespace therapy::homework::janus_plugin
