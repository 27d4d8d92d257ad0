#include "services/homework/rpc/caller_from_metadata.h"

#include <algorithm>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace therapy::homework {
namespace {

std::optional<absl::string_view> Header(const grpc::ServerContextBase& context,
                                        absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return std::nullopt;
  return absl::string_view(it->second.data(), it->second.size());
}

}  // namespace

std::string CallIdFromMetadata(const grpc::ServerContextBase& context) {
  return CallIdOr(Header(context, "x-request-id").value_or(""));
}

absl::StatusOr<Caller> CallerFromMetadata(const grpc::ServerContextBase& context,
                                          const TokenVerifier& verifier, absl::Time now) {
  std::optional<absl::string_view> header = Header(context, "authorization");
  if (!header) {
    return absl::UnauthenticatedError(
        "missing authorization metadata: send \"authorization: Bearer <JWT>\"");
  }
  // Two credentials leave it open which one the call acts as: refuse rather than pick one.
  if (context.client_metadata().count("authorization") > 1) {
    return absl::UnauthenticatedError(
        "more than one authorization metadata entry: send exactly one \"authorization: Bearer "
        "<JWT>\"");
  }
  absl::StatusOr<absl::string_view> token = BearerToken(*header);
  if (!token.ok()) return token.status();
  return verifier.Verify(*token, now);
}

}  // namespace therapy::homework
