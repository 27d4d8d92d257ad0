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

}  // namespace therapy::homework::live_session
