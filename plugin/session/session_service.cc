#include "plugin/session/session_service.h"

#include "absl/strings/str_cat.h"
#include "services/homework/client/methods.h"

namespace therapy::homework::live_session {

absl::StatusOr<const google::protobuf::MethodDescriptor*> CallableMethod(const std::string& name) {
  absl::StatusOr<const google::protobuf::MethodDescriptor*> method = client::FindMethod(name);
  if (method.ok()) return method;
  if (method.status().code() == absl::StatusCode::kInvalidArgument) {
    return absl::InvalidArgumentError(
        absl::StrCat("method: ", name, " streams; the session relays events itself (`event`)"));
  }
  if (method.status().code() == absl::StatusCode::kNotFound) {
    return absl::InvalidArgumentError("method: HomeworkService has no such method");
  }
  return method.status();
}

bool IsCallableMethod(const std::string& name) { return CallableMethod(name).ok(); }

absl::StatusOr<std::string> SessionService::CallJson(const std::string& method_name,
                                                     const std::string& request_json,
                                                     const std::string& token) const {
  absl::StatusOr<const google::protobuf::MethodDescriptor*> method = CallableMethod(method_name);
  if (!method.ok()) return method.status();
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> request =
      client::RequestFromJson(**method, request_json);
  if (!request.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("body: ", request.status().message()));
  }
  absl::StatusOr<std::string> answered =
      CallBytes(**method, (*request)->SerializeAsString(), token);
  if (!answered.ok()) return answered.status();
  return client::ResponseToJson(**method, *answered, client::JsonLayout::kCompact);
}

absl::Status SessionService::Call(const std::string& method_name,
                                  const google::protobuf::Message& request,
                                  google::protobuf::Message* response,
                                  const std::string& token) const {
  absl::StatusOr<const google::protobuf::MethodDescriptor*> method = CallableMethod(method_name);
  if (!method.ok()) return method.status();
  absl::StatusOr<std::string> answered = CallBytes(**method, request.SerializeAsString(), token);
  if (!answered.ok()) return answered.status();
  if (!response->ParseFromString(*answered)) {
    return absl::InternalError(absl::StrCat("cannot parse the ", method_name, " response"));
  }
  return absl::OkStatus();
}

}  // namespace therapy::homework::live_session
