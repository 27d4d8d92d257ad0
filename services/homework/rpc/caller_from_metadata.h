#ifndef SERVICES_HOMEWORK_RPC_CALLER_FROM_METADATA_H_
#define SERVICES_HOMEWORK_RPC_CALLER_FROM_METADATA_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "services/homework/auth/token_verifier.h"
#include "services/homework/core/model/caller.h"

namespace therapy::homework {

// The authenticated caller of a call, from `authorization: Bearer <JWT>`; `call_id` is left
// empty. Errors: UNAUTHENTICATED (missing, malformed or invalid token).
absl::StatusOr<Caller> CallerFromMetadata(const grpc::ServerContextBase& context,
                                          const TokenVerifier& verifier, absl::Time now);

// The id of this call: `x-request-id` when it is 1-64 characters of [A-Za-z0-9._-], otherwise a
// new random one. Read once per call: it names the call in the logs and the audit log.
std::string CallIdFromMetadata(const grpc::ServerContextBase& context);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_RPC_CALLER_FROM_METADATA_H_
