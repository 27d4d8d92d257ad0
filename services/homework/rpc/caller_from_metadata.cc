#include "services/homework/rpc/caller_from_metadata.h"

#include <algorithm>
#include <vector>

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
  std::vector<absl::string_view> authorization;
  const auto [first, last] = context.client_metadata().equal_range("authorization");
  for (auto it = first; it != last; ++it) {
    authorization.emplace_back(it->second.data(), it->second.size());
  }
  return AuthenticateBearer(authorization, kGrpcMetadata, verifier, now);
}

}  // namespace therapy::homework
