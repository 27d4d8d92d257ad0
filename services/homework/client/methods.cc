#include "services/homework/client/methods.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "services/homework/core/formats/json/proto_json.h"
#include "services/homework/core/formats/json/proto_json_reader.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework::client {
namespace {

namespace protobuf = ::google::protobuf;

const protobuf::ServiceDescriptor* HomeworkService() {
  // Naming a generated message keeps homework_service.pb.o (and so its descriptors in the
  // generated pool) in the link even though nothing else in this binary refers to it.
  static_cast<void>(therapy::homework::v1::CreateClientRequest::descriptor());
  return protobuf::DescriptorPool::generated_pool()->FindServiceByName(std::string(kServiceName));
}

std::unique_ptr<protobuf::Message> NewMessage(const protobuf::Descriptor& type) {
  const protobuf::Message* prototype =
      protobuf::MessageFactory::generated_factory()->GetPrototype(&type);
  if (prototype == nullptr) return nullptr;
  return std::unique_ptr<protobuf::Message>(prototype->New());
}

}  // namespace

absl::StatusOr<const protobuf::MethodDescriptor*> FindMethod(absl::string_view name) {
  const protobuf::ServiceDescriptor* service = HomeworkService();
  if (service == nullptr) {
    return absl::InternalError(absl::StrCat(kServiceName, " is not in the descriptor pool"));
  }
  absl::string_view short_name = absl::StripAsciiWhitespace(name);
  if (absl::ConsumePrefix(&short_name, "/")) {
    absl::ConsumePrefix(&short_name, absl::StrCat(kServiceName, "/"));
  } else {
    absl::ConsumePrefix(&short_name, absl::StrCat(kServiceName, "."));
  }
  const protobuf::MethodDescriptor* method =
      short_name.empty() ? nullptr : service->FindMethodByName(std::string(short_name));
  if (method == nullptr) {
    std::vector<std::string> names;
    for (int i = 0; i < service->method_count(); ++i) names.push_back(service->method(i)->name());
    return absl::NotFoundError(absl::StrCat("unknown method \"", name, "\" of ", kServiceName,
                                            "; methods: ", absl::StrJoin(names, ", ")));
  }
  if (method->client_streaming() || method->server_streaming()) {
    return absl::InvalidArgumentError(
        absl::StrCat("method ", method->name(), " streams; only unary methods are called by name"));
  }
  return method;
}

std::string MethodPath(const protobuf::MethodDescriptor& method) {
  return absl::StrCat("/", method.service()->full_name(), "/", method.name());
}

absl::StatusOr<std::unique_ptr<protobuf::Message>> RequestFromJson(
    const protobuf::MethodDescriptor& method, absl::string_view json) {
  std::unique_ptr<protobuf::Message> request = NewMessage(*method.input_type());
  if (request == nullptr) {
    return absl::InternalError(
        absl::StrCat("no generated type for ", method.input_type()->full_name()));
  }
  const absl::string_view trimmed = absl::StripAsciiWhitespace(json);
  if (trimmed.empty()) return request;
  // The plain bodies callers send are read without protobuf's converter; anything else, and
  // every error, is protobuf's (proto_json_reader.h).
  if (ReadJsonMessage(trimmed, *request)) return request;
  request->Clear();
  const auto parsed = protobuf::util::JsonStringToMessage(
      protobuf::StringPiece(trimmed.data(), trimmed.size()), request.get());
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("request JSON is not a valid ",
                                                   method.input_type()->full_name(), ": ",
                                                   parsed.message().as_string()));
  }
  return request;
}

absl::StatusOr<std::string> ResponseToJson(const protobuf::MethodDescriptor& method,
                                           absl::string_view serialized, JsonLayout layout) {
  std::unique_ptr<protobuf::Message> response = NewMessage(*method.output_type());
  if (response == nullptr ||
      !response->ParseFromArray(serialized.data(), static_cast<int>(serialized.size()))) {
    return absl::InternalError(
        absl::StrCat("response is not a valid ", method.output_type()->full_name()));
  }
  // On one line, as the Janus plugin relays it: the same bytes as protobuf's printer, faster
  // (proto_json.h). Indented, for people at a terminal: protobuf's.
  if (layout != JsonLayout::kIndented) return MessageToJson(*response);
  protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string json;
  const auto printed = protobuf::util::MessageToJsonString(*response, &json, options);
  if (!printed.ok()) {
    return absl::InternalError(absl::StrCat("cannot print ", method.output_type()->full_name(),
                                            " as JSON: ", printed.message().as_string()));
  }
  if (!absl::EndsWith(json, "\n")) json += "\n";
  return json;
}

}  // namespace therapy::homework::client
