#include "services/homework/client/call.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/channel_arguments.h"
#include "services/homework/client/methods.h"
#include "services/homework/client/rpc_status.h"

namespace therapy::homework::client {

gpr_timespec DeadlineAfter(absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) return gpr_inf_future(GPR_CLOCK_MONOTONIC);
  return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                      gpr_time_from_nanos(absl::ToInt64Nanoseconds(timeout), GPR_TIMESPAN));
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const std::string& address,
                                                           const ChannelOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (options.tls) {
    grpc::SslCredentialsOptions tls;
    if (!options.ca_file.empty()) {
      std::ifstream file(options.ca_file, std::ios::binary);
      if (!file) {
        return absl::InvalidArgumentError(absl::StrCat(
            "cannot read the CA file \"", options.ca_file, "\": ", std::strerror(errno)));
      }
      std::ostringstream roots;
      roots << file.rdbuf();
      if (roots.str().empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("the CA file \"", options.ca_file, "\" is empty"));
      }
      tls.pem_root_certs = roots.str();
    }
    credentials = grpc::SslCredentials(tls);
  }
  grpc::ChannelArguments arguments;
  if (options.max_receive_bytes > 0) arguments.SetMaxReceiveMessageSize(options.max_receive_bytes);
  return grpc::CreateCustomChannel(address, credentials, arguments);
}

void SetBearer(grpc::ClientContext& context, absl::string_view token) {
  if (!token.empty()) context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

absl::StatusOr<std::string> CallUnary(grpc::GenericStub& stub, grpc::ClientContext& context,
                                      const google::protobuf::MethodDescriptor& method,
                                      const std::string& request) {
  grpc::Slice slice(request);
  const grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  absl::Notification done;
  grpc::Status answered;
  stub.UnaryCall(&context, MethodPath(method), grpc::StubOptions(), &request_buffer,
                 &response_buffer, [&](grpc::Status status) {
                   answered = std::move(status);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (!answered.ok()) return FromGrpcStatus(answered);
  std::vector<grpc::Slice> slices;
  if (!response_buffer.Dump(&slices).ok()) {
    return absl::InternalError(absl::StrCat("cannot read the ", method.name(), " response"));
  }
  std::string response;
  for (const grpc::Slice& part : slices) {
    response.append(reinterpret_cast<const char*>(part.begin()), part.size());
  }
  return response;
}

}  // namespace therapy::homework::client
