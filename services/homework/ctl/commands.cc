#include "services/homework/ctl/commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "nlohmann/json.hpp"
#include "services/homework/client/call.h"
#include "services/homework/client/methods.h"
#include "services/homework/client/rpc_status.h"
#include "therapy/homework/v1/homework_service.grpc.pb.h"

namespace therapy::homework::ctl {
namespace {

absl::Status FileError(const std::string& path, absl::string_view action, int error_number) {
  return absl::FailedPreconditionError(
      absl::StrCat("cannot ", action, " \"", path, "\": ", std::strerror(error_number)));
}

// Creates `path` with mode 0600 and writes `contents`; never replaces an existing file.
absl::Status WritePrivateFile(const std::string& path, absl::string_view contents) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(
          absl::StrCat("\"", path, "\" already exists; move it away to make a new key"));
    }
    return FileError(path, "create", errno);
  }
  absl::string_view rest = contents;
  while (!rest.empty()) {
    const ssize_t written = ::write(fd, rest.data(), rest.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      const int error_number = errno;
      ::close(fd);
      return FileError(path, "write", error_number);
    }
    rest.remove_prefix(static_cast<size_t>(written));
  }
  if (::close(fd) != 0) return FileError(path, "write", errno);
  return absl::OkStatus();
}

// The largest response homework-ctl accepts: a whole client record exported as FHIR runs to a few
// megabytes, past gRPC's default of 4 MiB.
constexpr int kMaxResponseBytes = 64 * 1024 * 1024;

// A channel to `address`: plaintext, or TLS with the roots in `ca_cert_path` (the system's when
// empty).
absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const std::string& address, bool use_tls,
                                                           const std::string& ca_cert_path) {
  return client::OpenChannel(
      address, {.tls = use_tls, .ca_file = ca_cert_path, .max_receive_bytes = kMaxResponseBytes});
}

// A context for one call: the deadline, and the bearer token when there is one.
void Prepare(grpc::ClientContext& context, absl::Duration deadline, const std::string& token) {
  context.set_deadline(client::DeadlineAfter(deadline));
  client::SetBearer(context, token);
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  const absl::Duration since_epoch = time - absl::UnixEpoch();
  absl::Duration remainder;
  timestamp.set_seconds(absl::IDivDuration(since_epoch, absl::Seconds(1), &remainder));
  timestamp.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(remainder)));
  if (timestamp.nanos() < 0) {
    timestamp.set_seconds(timestamp.seconds() - 1);
    timestamp.set_nanos(timestamp.nanos() + 1000000000);
  }
  return timestamp;
}

}  // namespace

absl::StatusOr<std::string> Keygen(const KeygenOptions& options) {
  if (options.out_dir.empty()) return absl::InvalidArgumentError("keygen needs --out_dir");
  std::error_code error;
  const std::filesystem::path dir(options.out_dir);
  if (!std::filesystem::exists(dir, error)) {
    if (!std::filesystem::create_directories(dir, error)) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot create directory \"", options.out_dir, "\": ", error.message()));
    }
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, error);
  }
  absl::StatusOr<SigningKey> key = GenerateSigningKey(options.kid);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> jwks = PublicJwks(*key);
  if (!jwks.ok()) return jwks.status();

  const std::string key_path = (dir / kSigningKeyFile).string();
  const std::string jwks_path = (dir / kJwksFile).string();
  if (absl::Status written = WritePrivateFile(key_path, key->private_pem); !written.ok()) {
    return written;
  }
  std::ofstream jwks_file(jwks_path, std::ios::binary | std::ios::trunc);
  jwks_file << *jwks;
  jwks_file.close();
  if (!jwks_file) return FileError(jwks_path, "write", errno);
  return absl::StrCat("wrote ", key_path, " (ES256 private key, kid \"", options.kid,
                      "\", mode 0600)\n", "wrote ", jwks_path,
                      " (public JWKS: give it to homework-server)\n");
}

absl::StatusOr<std::string> Token(const TokenOptions& options, absl::Time now) {
  if (options.key_path.empty()) return absl::InvalidArgumentError("token needs --key");
  absl::StatusOr<SigningKey> key = LoadSigningKey(options.key_path, options.kid);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> token = MintToken(*key, options.claims, now);
  if (!token.ok()) return token.status();
  return absl::StrCat(*token, "\n");
}

absl::StatusOr<CallResult> Call(const CallOptions& options) {
  absl::StatusOr<const google::protobuf::MethodDescriptor*> method =
      client::FindMethod(options.method);
  if (!method.ok()) return method.status();
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> request =
      client::RequestFromJson(**method, options.request_json);
  if (!request.ok()) return request.status();
  if (options.deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--deadline must be positive");
  }

  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      OpenChannel(options.address, options.use_tls, options.ca_cert_path);
  if (!channel.ok()) return channel.status();
  grpc::GenericStub stub(*std::move(channel));
  grpc::ClientContext context;
  Prepare(context, options.deadline, options.token);

  CallResult result;
  absl::StatusOr<std::string> response =
      client::CallUnary(stub, context, **method, (*request)->SerializeAsString());
  absl::StatusOr<std::string> json =
      response.ok() ? client::ResponseToJson(**method, *response, client::JsonLayout::kIndented)
                    : response.status();
  if (!json.ok()) {
    result.status = json.status();
    return result;
  }
  result.response_json = *std::move(json);
  return result;
}

absl::StatusOr<ExportResult> ExportFhir(const ExportOptions& options) {
  if (options.client.empty()) return absl::InvalidArgumentError("export needs --client");
  if (options.deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--deadline must be positive");
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      OpenChannel(options.address, options.use_tls, options.ca_cert_path);
  if (!channel.ok()) return channel.status();
  std::unique_ptr<v1::HomeworkService::Stub> stub = v1::HomeworkService::NewStub(*channel);

  v1::ExportClientRecordRequest request;
  request.set_client(options.client);
  if (options.start_time) *request.mutable_start_time() = ToTimestamp(*options.start_time);
  if (options.end_time) *request.mutable_end_time() = ToTimestamp(*options.end_time);
  grpc::ClientContext context;
  Prepare(context, options.deadline, options.token);
  v1::ExportClientRecordResponse response;
  ExportResult result;
  result.status = client::FromGrpcStatus(stub->ExportClientRecord(&context, request, &response));
  if (!result.status.ok()) return result;

  absl::StatusOr<std::string> pretty = PrettyJson(response.bundle_json());
  if (!pretty.ok()) {
    result.status = absl::InternalError("the server sent a bundle that is not JSON");
    return result;
  }
  result.bundle_json = *std::move(pretty);
  for (const auto& [type, count] : response.resource_counts()) {
    result.resource_counts[type] = count;
  }
  return result;
}

absl::StatusOr<std::string> PrettyJson(absl::string_view json) {
  const nlohmann::ordered_json parsed =
      nlohmann::ordered_json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return absl::InvalidArgumentError("not JSON");
  return absl::StrCat(
      parsed.dump(2, ' ', /*ensure_ascii=*/false, nlohmann::ordered_json::error_handler_t::replace),
      "\n");
}

std::string DescribeResourceCounts(const std::map<std::string, int>& counts) {
  std::string text;
  for (const auto& [type, count] : counts) absl::StrAppend(&text, type, " ", count, "\n");
  return text;
}

absl::Status WriteExportFile(const std::string& path, absl::string_view contents) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return FileError(path, "create", errno);
  // An existing file keeps its mode through O_TRUNC: narrow it before writing anything.
  if (::fchmod(fd, 0600) != 0) {
    const int error_number = errno;
    ::close(fd);
    return FileError(path, "restrict", error_number);
  }
  absl::string_view rest = contents;
  while (!rest.empty()) {
    const ssize_t written = ::write(fd, rest.data(), rest.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      const int error_number = errno;
      ::close(fd);
      return FileError(path, "write", error_number);
    }
    rest.remove_prefix(static_cast<size_t>(written));
  }
  if (::close(fd) != 0) return FileError(path, "write", errno);
  return absl::OkStatus();
}

std::string DescribeRpcError(const absl::Status& status) {
  return absl::StrCat("error: ", client::Describe(status), "\n");
}

}  // namespace therapy::homework::ctl
