#include "services/homework/rpc/caller_from_metadata.h"

#include <algorithm>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace therapy::homework {
namespace {

std::optional<absl::string_view> Header(const grpc::ServerContext& context,
                                        absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return std::nullopt;
  return absl::string_view(it->second.data(), it->second.size());
}

std::string NewCallId() {
  thread_local absl::BitGen generator;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(generator),
                         absl::Uniform<uint64_t>(generator));
}

bool IsCallId(absl::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
           c == '-';
  });
}

}  // namespace

std::string CallIdFromMetadata(const grpc::ServerContext& context) {
  std::optional<absl::string_view> given = Header(context, "x-request-id");
  if (given && IsCallId(*given)) return std::string(*given);
  return NewCallId();
}

absl::StatusOr<Caller> CallerFromMetadata(const grpc::ServerContext& context,
                                          const TokenVerifier& verifier, absl::Time now) {
  std::optional<absl::string_view> header = Header(context, "authorization");
  if (!header) {
    return absl::UnauthenticatedError(
        "missing authorization metadata: send \"authorization: Bearer <JWT>\"");
  }
  absl::StatusOr<absl::string_view> token = BearerToken(*header);
  if (!token.ok()) return token.status();
  return verifier.Verify(*token, now);
}

}  // namespace therapy::homework
