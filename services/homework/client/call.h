#ifndef SERVICES_HOMEWORK_CLIENT_CALL_H_
#define SERVICES_HOMEWORK_CLIENT_CALL_H_

// Calling HomeworkService from C++: the channel, the bearer header, and one unary call of a
// method found by name (methods.h) with its request and response as serialized bytes. Errors
// are absl::Status with the service's details kept (rpc_status.h).

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "grpc/support/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"

namespace therapy::homework::client {

struct ChannelOptions {
  bool tls = false;
  // PEM roots for TLS; empty: the system's.
  std::string ca_file;
  // The largest response accepted; 0: gRPC's default (4 MiB).
  int max_receive_bytes = 0;
};

// A channel to `address` (connects lazily). A CA file that cannot be read is INVALID_ARGUMENT
// naming the file.
absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const std::string& address,
                                                           const ChannelOptions& options);

// A call's deadline `timeout` from now on gRPC's own monotonic clock, for
// `ClientContext::set_deadline`: `context.set_deadline(DeadlineAfter(absl::Seconds(10)))`.
// Never make one from the wall clock (`absl::Now() + timeout`): Debian's absl::Now() counts CPU
// cycles between readings of the system clock, so after the wall clock steps forward (NTP, a
// virtual machine resumed) it lags the clock gRPC reads for a second or more, and every deadline
// made from it in that time is already past: the calls end DEADLINE_EXCEEDED before they are
// sent (benchmarks/README.md, "A wall clock that steps"). An infinite timeout is no deadline.
gpr_timespec DeadlineAfter(absl::Duration timeout);

// Sends `token` as `authorization: Bearer <token>`; nothing when it is empty.
void SetBearer(grpc::ClientContext& context, absl::string_view token);

// Calls the unary `method` with `request` (serialized) in `context` (its deadline and metadata
// set by the caller) and waits for the answer: the response, serialized, or the service's
// status (FromGrpcStatus). INTERNAL when the response cannot be read.
absl::StatusOr<std::string> CallUnary(grpc::GenericStub& stub, grpc::ClientContext& context,
                                      const google::protobuf::MethodDescriptor& method,
                                      const std::string& request);

}  // namespace therapy::homework::client

#endif  // SERVICES_HOMEWORK_CLIENT_CALL_H_
