#include "benchmarks/bench/served_process.h"

#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <utility>

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/homework/client/call.h"

namespace therapy::bench {
namespace {

// grpc.health.v1.HealthCheckResponse{status: SERVING}: field 1, varint 1. Debian ships no
// health.proto, so the check is made with raw bytes (the request, for the empty service name,
// is the empty message).
constexpr absl::string_view kServing("\x08\x01", 2);

bool Serving(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(homework::client::DeadlineAfter(absl::Seconds(1)));
  grpc::Slice empty;
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  if (!done.get_future().get().ok()) return false;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes == kServing;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServedProcess>> ServedProcess::Start(ServedProcessOptions options) {
  std::error_code ignored;
  std::filesystem::remove(options.port_file, ignored);
  std::vector<std::string> argv = options.argv;
  argv.push_back(absl::StrCat("--port_file=", options.port_file));
  absl::StatusOr<homework::testing::ChildProcess> child = homework::testing::ChildProcess::Start(
      {.argv = argv,
       .output = {.stdout_path = options.output_path, .stderr_path = options.output_path},
       .extra_env = {"GRPC_VERBOSITY=ERROR"}});
  if (!child.ok()) return child.status();
  std::unique_ptr<ServedProcess> served(new ServedProcess(std::move(options), *std::move(child)));
  if (absl::Status serving = served->WaitUntilServing(); !serving.ok()) return serving;
  return served;
}

absl::Status ServedProcess::WaitUntilServing() {
  const absl::Time deadline = absl::Now() + options_.start_timeout;
  while (absl::Now() < deadline) {
    if (absl::StatusOr<int> code = child_.WaitForExit(absl::ZeroDuration()); code.ok()) {
      return absl::UnavailableError(absl::StrCat(options_.argv.front(), " exited with code ", *code,
                                                 " during start-up; its output ends:\n",
                                                 OutputTail()));
    }
    if (address_.empty()) {
      std::ifstream in(options_.port_file);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      int port = 0;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &port) && port > 0 && port < 65536) {
        address_ = absl::StrCat("127.0.0.1:", port);
      }
    }
    if (!address_.empty() && Serving(NewChannel())) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::UnavailableError(absl::StrCat(options_.argv.front(), " was not SERVING within ",
                                             absl::FormatDuration(options_.start_timeout),
                                             "; its output ends:\n", OutputTail()));
}

std::shared_ptr<grpc::Channel> ServedProcess::NewChannel(bool separate_connection) const {
  grpc::ChannelArguments arguments;
  // Calls are measured, not retried: a failed call counts as an error.
  arguments.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  if (separate_connection) arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), arguments);
}

absl::StatusOr<int> ServedProcess::Stop(absl::Duration grace) {
  if (!child_.running()) return absl::FailedPreconditionError("not running");
  return child_.Stop(grace);
}

std::string ServedProcess::OutputTail(int lines) const {
  std::ifstream in(options_.output_path);
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (static_cast<int>(tail.size()) > lines) tail.pop_front();
  }
  return absl::StrJoin(tail, "\n");
}

}  // namespace therapy::bench
